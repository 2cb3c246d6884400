//! The audit log: append-only records in a SHA-256 hash chain, written in the same
//! transaction as the change they describe.
//!
//! Each record's hash covers the previous record's hash and every field of its own, encoded
//! as a JSON array (unambiguous, unlike joining with a separator). `verify` walks the chain
//! and names the first record that does not fit.

use crate::{Store, StoreResult, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, FromRow};

/// Who is acting, from where and why; built by the server for each request.
#[derive(Debug, Clone, Default)]
pub struct AuditCtx {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub roles: String,
    pub client_addr: String,
    pub purpose: String,
}

impl AuditCtx {
    /// Changes made by the system itself (migrations, the demo generator, the CLI).
    pub fn system(actor: &str, purpose: &str) -> Self {
        Self {
            actor_id: None,
            actor: actor.into(),
            roles: "system".into(),
            client_addr: "local".into(),
            purpose: purpose.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub outcome: Outcome,
    pub detail: String,
}

impl AuditEvent {
    pub fn new(action: &str, object_type: &str, object_id: impl ToString, outcome: Outcome) -> Self {
        Self {
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.to_string(),
            outcome,
            detail: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub roles: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub result: String,
    pub client_addr: String,
    pub purpose: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    fn compute_hash(&self) -> String {
        record_hash(
            &self.prev_hash,
            &(
                self.seq,
                self.at,
                self.actor_id,
                &self.actor,
                &self.roles,
                &self.action,
                &self.object_type,
                &self.object_id,
                &self.result,
                &self.client_addr,
                &self.purpose,
                &self.detail,
            ),
        )
    }
}

fn record_hash(prev: &str, fields: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(serde_json::to_vec(fields).expect("plain fields serialise"));
    hex::encode(h.finalize())
}

/// Append one record inside the caller's transaction. Returns its sequence number.
pub async fn append(conn: &mut AnyConnection, ctx: &AuditCtx, ev: &AuditEvent) -> StoreResult<i64> {
    // Taking the head row first serialises concurrent appends until this transaction ends.
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let mut rec = AuditRecord {
        seq,
        at: now_ms(),
        actor_id: ctx.actor_id,
        actor: ctx.actor.clone(),
        roles: ctx.roles.clone(),
        action: ev.action.clone(),
        object_type: ev.object_type.clone(),
        object_id: ev.object_id.clone(),
        result: ev.outcome.as_str().into(),
        client_addr: ctx.client_addr.clone(),
        purpose: ctx.purpose.clone(),
        detail: ev.detail.clone(),
        prev_hash,
        hash: String::new(),
    };
    rec.hash = rec.compute_hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, roles, action, object_type, object_id, result, client_addr, purpose, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(rec.seq)
    .bind(rec.at)
    .bind(rec.actor_id)
    .bind(&rec.actor)
    .bind(&rec.roles)
    .bind(&rec.action)
    .bind(&rec.object_type)
    .bind(&rec.object_id)
    .bind(&rec.result)
    .bind(&rec.client_addr)
    .bind(&rec.purpose)
    .bind(&rec.detail)
    .bind(&rec.prev_hash)
    .bind(&rec.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&rec.hash).execute(&mut *conn).await?;
    Ok(seq)
}

/// Filters for searching the log. Empty strings and `None` mean "any".
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub result: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    Intact { records: i64 },
    Broken { seq: i64, reason: String },
}

const VERIFY_PAGE: i64 = 2000;

impl Store {
    /// Write one audit record in its own transaction (logins, denials, reads).
    pub async fn audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let seq = append(&mut tx, ctx, ev).await?;
        tx.commit().await?;
        Ok(seq)
    }

    pub async fn search_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let like = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(|s| format!("%{s}%"));
        let rows = sqlx::query_as::<_, AuditRecord>(
            "SELECT * FROM audit_log WHERE \
             ($1 IS NULL OR actor LIKE $1) AND ($2 IS NULL OR action LIKE $2) AND \
             ($3 IS NULL OR object_type || ':' || object_id LIKE $3) AND ($4 IS NULL OR result = $4) AND \
             ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) \
             ORDER BY seq DESC LIMIT $7 OFFSET $8",
        )
        .bind(like(&f.actor))
        .bind(like(&f.action))
        .bind(like(&f.object))
        .bind(f.result.clone().filter(|s| !s.is_empty()))
        .bind(f.from_ms)
        .bind(f.to_ms)
        .bind(f.limit.clamp(1, 10_000))
        .bind(f.offset.max(0))
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }

    /// Walk the whole chain in order: each record must follow the previous one's hash, have
    /// the next sequence number and hash to what it says; the head must match the last.
    pub async fn verify_audit(&self) -> StoreResult<ChainCheck> {
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.read).await?;
        let mut prev_hash = "0".repeat(64);
        let mut expected_seq = 1i64;
        loop {
            let page = sqlx::query_as::<_, AuditRecord>(
                "SELECT * FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            )
            .bind(expected_seq)
            .bind(head_seq)
            .bind(VERIFY_PAGE)
            .fetch_all(&self.read)
            .await?;
            if page.is_empty() {
                break;
            }
            for rec in &page {
                if rec.seq != expected_seq {
                    return Ok(ChainCheck::Broken {
                        seq: expected_seq,
                        reason: format!("record {expected_seq} is missing (next present is {})", rec.seq),
                    });
                }
                if rec.prev_hash != prev_hash {
                    return Ok(ChainCheck::Broken {
                        seq: rec.seq,
                        reason: "its previous-hash does not match the record before it".into(),
                    });
                }
                if rec.compute_hash() != rec.hash {
                    return Ok(ChainCheck::Broken {
                        seq: rec.seq,
                        reason: "its content does not match its hash (altered)".into(),
                    });
                }
                prev_hash = rec.hash.clone();
                expected_seq += 1;
            }
        }
        if expected_seq - 1 != head_seq {
            return Ok(ChainCheck::Broken {
                seq: expected_seq,
                reason: format!(
                    "the chain ends at {} but the head says {head_seq} (records removed)",
                    expected_seq - 1
                ),
            });
        }
        if prev_hash != head_hash && head_seq > 0 {
            return Ok(ChainCheck::Broken {
                seq: head_seq,
                reason: "the last record does not match the chain head".into(),
            });
        }
        let extra: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE seq > $1 OR seq < 1")
            .bind(head_seq)
            .fetch_one(&self.read)
            .await?;
        if extra > 0 {
            return Ok(ChainCheck::Broken {
                seq: head_seq + 1,
                reason: "records exist outside the chain (inserted)".into(),
            });
        }
        Ok(ChainCheck::Intact { records: head_seq })
    }
}
