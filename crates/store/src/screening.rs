//! Screening rounds (排查): proactive rounds through a unit's households. A round is
//! started, the matters found are linked to it as they are recorded, and it is finished
//! with how many households were checked. What a round found is counted from the matters.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult, now_ms};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct RoundRow {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub households_checked: Option<i64>,
    pub note: String,
    /// Matters recorded during the round (all kinds).
    pub found: i64,
    /// Of which disputes.
    pub disputes: i64,
}

const SELECT: &str = "SELECT r.id, u.code AS unit_code, u.name AS unit_name, u.path AS unit_path, r.started_by, r.started_at, \
     r.finished_at, r.households_checked, r.note, \
     (SELECT COUNT(*) FROM matters m WHERE m.screening_round_id = r.id) AS found, \
     (SELECT COUNT(*) FROM matters m WHERE m.screening_round_id = r.id AND m.kind = 'dispute') AS disputes \
     FROM screening_rounds r JOIN units u ON u.id = r.unit_id";

impl Store {
    /// Start a round over a unit; refused while the same person has one open there.
    pub async fn start_round(&self, ctx: &AuditCtx, unit_id: i64, unit_code: &str) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM screening_rounds WHERE unit_id = $1 AND started_by = $2 AND finished_at IS NULL",
        )
        .bind(unit_id)
        .bind(&ctx.actor)
        .fetch_one(&mut *tx)
        .await?;
        if open > 0 {
            return Err(StoreError::Conflict { constraint: "screening_round_open".into() });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO screening_rounds (unit_id, started_by, started_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(unit_id)
        .bind(&ctx.actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("screening.start", "unit", unit_code, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn finish_round(&self, ctx: &AuditCtx, id: i64, households: i64, note: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE screening_rounds SET finished_at = $1, households_checked = $2, note = $3 WHERE id = $4 AND finished_at IS NULL",
        )
        .bind(now_ms())
        .bind(households)
        .bind(note.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "screening_round_finished".into() });
        }
        let ev = AuditEvent::new("screening.finish", "screening_round", id, Outcome::Success)
            .detail(format!("{households} households"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn round(&self, id: i64) -> StoreResult<RoundRow> {
        sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Rounds over units at or below `path`, newest first.
    pub async fn rounds_under(&self, path: &str, limit: i64) -> StoreResult<Vec<RoundRow>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE u.path LIKE $1 ORDER BY r.started_at DESC, r.id DESC LIMIT $2"))
            .bind(format!("{path}%"))
            .bind(limit.clamp(1, 500))
            .fetch_all(&self.read)
            .await?)
    }

    /// The open round of this person covering a grid (by the grid's path), if any.
    pub async fn open_round_covering(&self, actor: &str, grid_path: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT r.id FROM screening_rounds r JOIN units u ON u.id = r.unit_id \
             WHERE r.started_by = $1 AND r.finished_at IS NULL AND $2 LIKE u.path || '%' ORDER BY r.started_at DESC LIMIT 1",
        )
        .bind(actor)
        .bind(grid_path)
        .fetch_optional(&self.read)
        .await?)
    }
}
