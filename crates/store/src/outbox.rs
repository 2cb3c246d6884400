//! The outbox: events written in the same transaction as the change they report, so nothing
//! is announced that did not happen and nothing that happened is lost. Live boards tail it
//! (`outbox_after`), notifications are delivered from it. On PostgreSQL each event also
//! sends `NOTIFY fengqiao_outbox`, which PostgreSQL delivers only when the transaction
//! commits: every node's tailer wakes at once ([`OutboxWaker`]). On SQLite the one writer
//! commits events in id order and the tailer polls.

use crate::{Store, StoreResult};
use sqlx::FromRow;
use std::time::Duration;

/// The channel PostgreSQL notifies on commit of an outbox event.
pub const CHANNEL: &str = "fengqiao_outbox";

/// Write an event to the outbox inside the caller's transaction; `path` is the unit path of
/// the grid it belongs to ('' for none).
pub async fn outbox(
    conn: &mut sqlx::AnyConnection,
    topic: &str,
    object_id: &str,
    path: &str,
    payload: &serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO outbox (topic, object_id, payload, created_at, path) VALUES ($1, $2, $3, $4, $5)")
        .bind(topic)
        .bind(object_id)
        .bind(payload.to_string())
        .bind(now)
        .bind(path)
        .execute(&mut *conn)
        .await?;
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query(&format!("NOTIFY {CHANNEL}")).execute(&mut *conn).await?;
    }
    Ok(())
}

/// An event about a matter: the matter as it stands in this transaction (so the event says
/// what is committed with it), with `extra` fields of the change, under its grid's path.
pub async fn matter_event(
    conn: &mut sqlx::AnyConnection,
    topic: &str,
    code: &str,
    extra: serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    #[derive(FromRow)]
    struct Now {
        kind: String,
        category: String,
        status: String,
        closure: Option<String>,
        tier: Option<String>,
        risk: String,
        score: i64,
        resolve_due_at: Option<i64>,
        created_at: i64,
        narrative: String,
        grid_code: String,
        grid_name: String,
        path: String,
        lat: Option<f64>,
        lon: Option<f64>,
    }
    let m: Now = sqlx::query_as(
        "SELECT m.kind, m.category, m.status, m.closure, m.tier, m.escalation_risk_level AS risk, \
         m.escalation_risk_score AS score, m.resolve_due_at, m.created_at, m.narrative, g.code AS grid_code, \
         g.name AS grid_name, g.path, m.lat, m.lon FROM matters m JOIN units g ON g.id = m.grid_id WHERE m.code = $1",
    )
    .bind(code)
    .fetch_one(&mut *conn)
    .await?;
    let mut payload = serde_json::json!({
        "code": code, "kind": m.kind, "category": m.category, "status": m.status, "closure": m.closure,
        "tier": m.tier, "risk": m.risk, "score": m.score, "resolve_due_at": m.resolve_due_at,
        "created_at": m.created_at, "summary": m.narrative.chars().take(60).collect::<String>(),
        "grid_code": m.grid_code, "grid_name": m.grid_name, "lat": m.lat, "lon": m.lon,
    });
    if let (Some(p), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    outbox(conn, topic, code, &m.path, &payload, now).await
}

/// An event written with the change it reports, for delivery after commit.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct OutboxEvent {
    pub id: i64,
    /// `matter.created`, `matter.step`, `matter.escalation_alert`, ...
    pub topic: String,
    /// The object's code.
    pub object_id: String,
    /// JSON.
    pub payload: String,
    /// The unit path of the grid the event belongs to ('' for none).
    pub path: String,
    pub created_at: i64,
}

const SELECT: &str = "SELECT id, topic, object_id, payload, path, created_at FROM outbox";

impl Store {
    /// Events not yet delivered, oldest first.
    pub async fn pending_outbox(&self, limit: i64) -> StoreResult<Vec<OutboxEvent>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE delivered_at IS NULL ORDER BY id LIMIT $1"))
            .bind(limit.clamp(1, 10_000))
            .fetch_all(&self.read)
            .await?)
    }

    /// Events after `after` in id order, at most `limit`.
    pub async fn outbox_after(&self, after: i64, limit: i64) -> StoreResult<Vec<OutboxEvent>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(after)
            .bind(limit.clamp(1, 10_000))
            .fetch_all(&self.read)
            .await?)
    }

    /// The events of these ids that exist now (ids a tailer skipped because their
    /// transaction had not committed yet).
    pub async fn outbox_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<OutboxEvent>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let list = ids.iter().take(1000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        Ok(sqlx::query_as(&format!("{SELECT} WHERE id IN ({list}) ORDER BY id")).fetch_all(&self.read).await?)
    }

    /// The newest event's id (0 when none).
    pub async fn outbox_last_id(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM outbox").fetch_one(&self.read).await?)
    }

    /// Something that waits until new events may be in the outbox: a PostgreSQL
    /// notification (sent at commit), or on SQLite a short poll.
    pub async fn outbox_waker(&self) -> StoreResult<OutboxWaker> {
        match self.backend() {
            crate::Backend::Postgres => {
                let mut l = sqlx::postgres::PgListener::connect(self.url().expose()).await?;
                l.listen(CHANNEL).await?;
                Ok(OutboxWaker(Some(l)))
            }
            crate::Backend::Sqlite => Ok(OutboxWaker(None)),
        }
    }
}

/// Waits for the next outbox events (see [`Store::outbox_waker`]).
pub struct OutboxWaker(Option<sqlx::postgres::PgListener>);

/// How often SQLite's tailer looks, and how long PostgreSQL's waits for a notification before
/// looking anyway (a lost connection is re-established by the listener).
pub const SQLITE_POLL: Duration = Duration::from_millis(100);
pub const POSTGRES_FALLBACK: Duration = Duration::from_secs(1);

impl OutboxWaker {
    /// Return when there may be new events (or the fallback interval passed).
    pub async fn wait(&mut self) {
        match &mut self.0 {
            Some(l) => {
                if let Ok(Err(e)) = tokio::time::timeout(POSTGRES_FALLBACK, l.recv()).await {
                    tracing::warn!(error = %e, "outbox listener");
                    tokio::time::sleep(POSTGRES_FALLBACK).await;
                }
            }
            None => tokio::time::sleep(SQLITE_POLL).await,
        }
    }
}
