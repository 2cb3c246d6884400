//! Open311 GeoReport v2 storage: the clients and their API keys (kept as keyed hashes, the
//! key itself shown once), and the public view of the requests they posted.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult, now_ms};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Open311Request {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub closure: Option<String>,
    pub narrative: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub grid_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolve_due_at: Option<i64>,
    pub media_url: Option<String>,
    pub open311_token: Option<String>,
}

/// Filters of `GET requests` (all optional).
#[derive(Debug, Clone, Default)]
pub struct Open311Filter {
    pub codes: Vec<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Kinds never listed (the app keeps tips out of the public view).
    pub exclude_kinds: Vec<String>,
    pub limit: i64,
}

const SELECT: &str = "SELECT m.code, m.kind, m.category, m.status, m.closure, m.narrative, m.lat, m.lon, g.name AS grid_name, \
     m.created_at, m.updated_at, m.resolve_due_at, m.media_url, m.open311_token FROM matters m JOIN units g ON g.id = m.grid_id";

impl Store {
    /// A new client; returns the API key, which is not kept (only its keyed hash is).
    pub async fn add_open311_client(&self, ctx: &AuditCtx, name: &str) -> StoreResult<String> {
        use base64::Engine;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
        self.add_open311_client_with_key(ctx, name, &key).await?;
        Ok(key)
    }

    /// A new client with a given key (the demo's is derived from its seed, so it can be
    /// printed again on every start).
    pub async fn add_open311_client_with_key(&self, ctx: &AuditCtx, name: &str, key: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO open311_clients (name, key_hash, created_at) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(self.crypto.lookup_hash("open311", key))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("open311.client.add", "open311_client", name, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The client holding this key, unless revoked: (id, name).
    pub async fn open311_client(&self, key: &str) -> StoreResult<Option<(i64, String)>> {
        Ok(sqlx::query_as("SELECT id, name FROM open311_clients WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(self.crypto.lookup_hash("open311", key))
            .fetch_optional(&self.read)
            .await?)
    }

    pub async fn revoke_open311_client(&self, ctx: &AuditCtx, name: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE open311_clients SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::new("open311.client.revoke", "open311_client", name, Outcome::Success),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Requests that came in through Open311, newest first.
    pub async fn open311_requests(&self, f: &Open311Filter) -> StoreResult<Vec<Open311Request>> {
        let mut sql = format!("{SELECT} WHERE m.open311_client_id IS NOT NULL");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !f.codes.is_empty() {
            let marks: Vec<String> = f.codes.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND m.code IN ({})", marks.join(", ")));
        }
        if f.kind.is_some() {
            sql.push_str(&format!(" AND m.kind = {}", next()));
        }
        if f.category.is_some() {
            sql.push_str(&format!(" AND m.category = {}", next()));
        }
        if f.start.is_some() {
            sql.push_str(&format!(" AND m.created_at >= {}", next()));
        }
        if f.end.is_some() {
            sql.push_str(&format!(" AND m.created_at <= {}", next()));
        }
        if !f.exclude_kinds.is_empty() {
            let marks: Vec<String> = f.exclude_kinds.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND m.kind NOT IN ({})", marks.join(", ")));
        }
        match f.status.as_deref() {
            Some("open") => sql.push_str(" AND m.status <> 'closed'"),
            Some("closed") => sql.push_str(" AND m.status = 'closed'"),
            _ => {}
        }
        sql.push_str(&format!(" ORDER BY m.created_at DESC, m.id DESC LIMIT {}", next()));
        let mut q = sqlx::query_as::<_, Open311Request>(&sql);
        for c in &f.codes {
            q = q.bind(c);
        }
        if let Some(k) = &f.kind {
            q = q.bind(k);
        }
        if let Some(c) = &f.category {
            q = q.bind(c);
        }
        if let Some(s) = f.start {
            q = q.bind(s);
        }
        if let Some(e) = f.end {
            q = q.bind(e);
        }
        for k in &f.exclude_kinds {
            q = q.bind(k);
        }
        Ok(q.bind(f.limit.clamp(1, 1000)).fetch_all(&self.read).await?)
    }

    pub async fn open311_by_token(&self, token: &str) -> StoreResult<Option<Open311Request>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE m.open311_token = $1 AND m.open311_client_id IS NOT NULL"))
            .bind(token)
            .fetch_optional(&self.read)
            .await?)
    }
}
