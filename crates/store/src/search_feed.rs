//! What the full-text index needs from the database: matters changed since a watermark,
//! with the text of their records. The database is the source of truth; the index is
//! derived from it and can be rebuilt at any time.

use crate::{Store, StoreResult};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct FeedRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub tier: Option<String>,
    pub escalation_risk_level: String,
    pub grid_path: String,
    pub narrative: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A changed matter with the texts that are searched: narrative, session records, notes.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub row: FeedRow,
    pub texts: Vec<String>,
}

impl Store {
    /// Matters changed after (updated_at, id) = `after`, oldest change first.
    pub async fn matters_changed_since(&self, after: (i64, i64), limit: i64) -> StoreResult<Vec<FeedItem>> {
        let rows: Vec<FeedRow> = sqlx::query_as(
            "SELECT m.id, m.code, m.kind, m.category, m.status, m.tier, m.escalation_risk_level, g.path AS grid_path, m.narrative, \
             m.created_at, m.updated_at FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE m.updated_at > $1 OR (m.updated_at = $1 AND m.id > $2) ORDER BY m.updated_at, m.id LIMIT $3",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        if rows.is_empty() {
            return Ok(vec![]);
        }
        // The records of exactly this batch (ids inlined: they are integers from the query above).
        let ids = rows.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(",");
        let sessions: Vec<(i64, String)> =
            sqlx::query_as(&format!("SELECT matter_id, record FROM mediation_sessions WHERE matter_id IN ({ids})"))
                .fetch_all(&self.read)
                .await?;
        let notes: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT matter_id, note FROM matter_events WHERE matter_id IN ({ids}) AND note <> '' AND event <> 'register'"
        ))
        .fetch_all(&self.read)
        .await?;
        let mut texts: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        for (id, t) in sessions.into_iter().chain(notes) {
            texts.entry(id).or_default().push(t);
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let t = texts.remove(&row.id).unwrap_or_default();
                FeedItem { row, texts: t }
            })
            .collect())
    }
}
