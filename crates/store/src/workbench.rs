//! What a person's workbench lists: open matters of a jurisdiction by urgency, new reports
//! from residents, the cases a mediator is assigned to with their next plan step, households
//! with people in care due a visit, and the matter figures of an area. Reads only; the
//! application layer decides whose jurisdiction is asked.

use crate::{Store, StoreResult};
use sqlx::FromRow;

/// Open matters whose answer is this overdue or at least this risky come first.
const URGENT_RISK_SCORE: i64 = 30;

/// A case plan's next step not done yet.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct NextStep {
    pub matter_id: i64,
    pub description: String,
    pub due_at: i64,
}

/// A household with someone in care whose last visit is older than asked (or who was
/// never visited).
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct VisitDue {
    pub code: String,
    pub address: String,
    pub grid_name: String,
    /// The care categories of its residents, comma-separated codes.
    pub care: String,
    pub last_visit_at: Option<i64>,
}

/// How many matters of an area are in a kind, status and tier.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct MatterCount {
    pub kind: String,
    pub status: String,
    pub tier: Option<String>,
    pub count: i64,
}

impl Store {
    /// Open matters of the grids under `path`: overdue or risky first, then the newest; at
    /// most `limit`, and how many are open in all.
    pub async fn open_matter_ids_under(&self, path: &str, now: i64, limit: i64) -> StoreResult<(Vec<i64>, i64)> {
        let like = format!("{path}%");
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT m.id FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status <> 'closed' \
             ORDER BY CASE WHEN m.resolve_due_at < $2 OR m.escalation_risk_score >= {URGENT_RISK_SCORE} THEN 0 ELSE 1 END, \
             m.created_at DESC, m.id DESC LIMIT $3"
        ))
        .bind(&like)
        .bind(now)
        .bind(limit.clamp(1, 2000))
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM matters m JOIN units g ON g.id = m.grid_id WHERE g.path LIKE $1 AND m.status <> 'closed'",
        )
        .bind(&like)
        .fetch_one(&self.read)
        .await?;
        Ok((ids, total))
    }

    /// Reports from residents (their household's code, Open311) under
    /// `path` that nobody has accepted yet, newest first; and how many there are.
    pub async fn new_report_ids_under(&self, path: &str, limit: i64) -> StoreResult<(Vec<i64>, i64)> {
        const WHERE: &str = "g.path LIKE $1 AND m.status = 'registered' AND m.source IN ('household_qr', 'open311')";
        let like = format!("{path}%");
        let ids = sqlx::query_scalar(&format!(
            "SELECT m.id FROM matters m JOIN units g ON g.id = m.grid_id WHERE {WHERE} \
             ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
        ))
        .bind(&like)
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.read)
        .await?;
        let total = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM matters m JOIN units g ON g.id = m.grid_id WHERE {WHERE}"
        ))
        .bind(&like)
        .fetch_one(&self.read)
        .await?;
        Ok((ids, total))
    }

    /// The matters a mediator is assigned to: open ones first (the next plan step due
    /// soonest first), then the closed ones, most recent first; at most `limit`.
    pub async fn assigned_matter_ids(&self, user_id: i64, open_only: bool, limit: i64) -> StoreResult<Vec<i64>> {
        let open = if open_only { "AND m.status <> 'closed'" } else { "" };
        Ok(sqlx::query_scalar(&format!(
            "SELECT m.id FROM matter_mediators a JOIN matters m ON m.id = a.matter_id \
             WHERE a.user_id = $1 {open} \
             ORDER BY CASE WHEN m.status = 'closed' THEN 1 ELSE 0 END, \
             COALESCE((SELECT MIN(s.due_at) FROM case_plan_steps s WHERE s.matter_id = m.id AND s.done_at IS NULL), 9000000000000000), \
             m.updated_at DESC, m.id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?)
    }

    /// How many open matters a mediator is assigned to.
    pub async fn count_assigned_open(&self, user_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM matter_mediators a JOIN matters m ON m.id = a.matter_id \
             WHERE a.user_id = $1 AND m.status <> 'closed'",
        )
        .bind(user_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// The next undone plan step of each of these matters (by due date, then order).
    pub async fn next_plan_steps(&self, matter_ids: &[i64]) -> StoreResult<Vec<NextStep>> {
        if matter_ids.is_empty() {
            return Ok(vec![]);
        }
        let list = matter_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let rows: Vec<NextStep> = sqlx::query_as(&format!(
            "SELECT s.matter_id, s.description, s.due_at FROM case_plan_steps s \
             WHERE s.matter_id IN ({list}) AND s.done_at IS NULL ORDER BY s.matter_id, s.due_at, s.seq"
        ))
        .fetch_all(&self.read)
        .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(rows.into_iter().filter(|r| seen.insert(r.matter_id)).collect())
    }

    /// Households under `path` with a resident in care, not visited since `since`
    /// (never-visited first, then the longest ago); at most `limit`, and how many in all.
    pub async fn care_visits_due_under(&self, path: &str, since: i64, limit: i64) -> StoreResult<(Vec<VisitDue>, i64)> {
        const FROM: &str = "FROM households h JOIN units g ON g.id = h.grid_id \
             WHERE g.path LIKE $1 AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id AND r.care <> '') \
             AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id AND v.visited_at >= $2)";
        let like = format!("{path}%");
        let rows: Vec<VisitDue> = sqlx::query_as(&format!(
            "SELECT h.code, h.address, g.name AS grid_name, \
             (SELECT MIN(r.care) FROM residents r WHERE r.household_id = h.id AND r.care <> '') AS care, \
             (SELECT MAX(v.visited_at) FROM visits v WHERE v.household_id = h.id) AS last_visit_at \
             {FROM} ORDER BY COALESCE((SELECT MAX(v.visited_at) FROM visits v WHERE v.household_id = h.id), 0), h.code LIMIT $3"
        ))
        .bind(&like)
        .bind(since)
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.read)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {FROM}"))
            .bind(&like)
            .bind(since)
            .fetch_one(&self.read)
            .await?;
        Ok((rows, total))
    }

    /// Open matters under `path` counted by kind, status and tier.
    pub async fn open_matter_counts_under(&self, path: &str) -> StoreResult<Vec<MatterCount>> {
        Ok(sqlx::query_as(
            "SELECT m.kind, m.status, m.tier, COUNT(*) AS count FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status <> 'closed' \
             GROUP BY m.kind, m.status, m.tier ORDER BY m.kind, m.status, m.tier",
        )
        .bind(format!("{path}%"))
        .fetch_all(&self.read)
        .await?)
    }

    /// How many matters under `path` were reported at or after `since`.
    pub async fn count_received_under(&self, path: &str, since: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM matters m JOIN units g ON g.id = m.grid_id WHERE g.path LIKE $1 AND m.created_at >= $2",
        )
        .bind(format!("{path}%"))
        .bind(since)
        .fetch_one(&self.read)
        .await?)
    }
}
