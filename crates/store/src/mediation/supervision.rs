//! Supervision of the jurisdiction's disputes: what is due or overdue, and what is risky.

use super::*;

/// A matter that needs attention: what is due, and since when.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct DueRow {
    pub code: String,
    pub kind: String,
    pub grid_name: String,
    pub handler_name: String,
    pub detail: String,
    pub due_at: i64,
    /// How many times the matter was urged (督办).
    pub urged: i64,
}

/// The supervision desk's lists (勤务监督): what is overdue or due soon in a jurisdiction.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Supervision {
    /// Registered and not acknowledged in time (一事一应).
    pub unacknowledged: Vec<DueRow>,
    /// Open past the resolution deadline.
    pub unresolved: Vec<DueRow>,
    /// Mediation running for over a month.
    pub long_mediation: Vec<DueRow>,
    /// Agreement terms past their date and not carried out.
    pub terms_overdue: Vec<DueRow>,
    /// Judicial-confirmation windows closing within a week.
    pub confirmation_due: Vec<DueRow>,
    /// Follow-up visits due.
    pub follow_ups_due: Vec<DueRow>,
}

/// A matter with its escalation risk, for the early-warning page.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct RiskyRow {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub grid_name: String,
    pub escalation_risk_score: i64,
    pub escalation_risk_level: String,
    pub factors: String,
    pub created_at: i64,
}

impl Store {
    pub async fn supervision_under(&self, path: &str, now: i64) -> StoreResult<Supervision> {
        const BASE: &str = "SELECT m.code, m.kind, g.name AS grid_name, hu.name AS handler_name, {detail} AS detail, {due} AS due_at, \
             (SELECT COUNT(*) FROM matter_events e WHERE e.matter_id = m.id AND e.event = 'urge') AS urged \
             FROM {from} JOIN units g ON g.id = m.grid_id JOIN units hu ON hu.id = COALESCE(m.handler_unit_id, m.grid_id) \
             WHERE g.path LIKE $1 AND {cond} ORDER BY 6 LIMIT 200";
        let q = |detail: &str, due: &str, from: &str, cond: &str| {
            BASE.replace("{detail}", detail).replace("{due}", due).replace("{from}", from).replace("{cond}", cond)
        };
        let like = format!("{path}%");
        let run = |sql: String| {
            let like = like.clone();
            async move {
                sqlx::query_as::<_, DueRow>(&sql)
                    .bind(like)
                    .bind(now)
                    .bind(now + 7 * DAY_MS)
                    .fetch_all(&self.read)
                    .await
            }
        };
        Ok(Supervision {
            unacknowledged: run(q("m.narrative", "m.ack_due_at", "matters m", "m.status = 'registered' AND m.ack_due_at < $2 AND $3 > 0"))
                .await?,
            unresolved: run(q(
                "m.narrative",
                "m.resolve_due_at",
                "matters m",
                "m.status <> 'closed' AND m.resolve_due_at < $2 AND $3 > 0",
            ))
            .await?,
            long_mediation: run(q(
                "m.narrative",
                "m.mediation_started_at",
                "matters m",
                &format!("m.status = 'mediating' AND m.mediation_started_at < $2 - {} AND $3 > 0", 30 * DAY_MS),
            ))
            .await?,
            terms_overdue: run(q(
                "t.obligor || '：' || t.content",
                "t.due_at",
                "agreement_terms t JOIN matters m ON m.id = t.matter_id",
                "m.status = 'performing' AND t.performed_at IS NULL AND t.due_at < $2 AND $3 > 0",
            ))
            .await?,
            confirmation_due: run(q(
                "a.number",
                "a.judicial_confirmation_due_at",
                "agreements a JOIN matters m ON m.id = a.matter_id",
                "a.judicial_confirmation = 'none' AND a.signed_at IS NOT NULL AND a.judicial_confirmation_due_at >= $2 AND a.judicial_confirmation_due_at <= $3",
            ))
            .await?,
            follow_ups_due: run(q(
                "m.narrative",
                "f.due_at",
                "follow_ups f JOIN matters m ON m.id = f.matter_id",
                "f.done_at IS NULL AND f.due_at < $3 AND $2 > 0",
            ))
            .await?,
        })
    }

    /// Open matters at yellow or above, highest risk first.
    pub async fn risky_under(&self, path: &str, limit: i64) -> StoreResult<Vec<RiskyRow>> {
        let rows: Vec<RiskyRow> = sqlx::query_as(
            "SELECT m.code, m.kind, m.category, m.status, g.name AS grid_name, m.escalation_risk_score, m.escalation_risk_level, \
             COALESCE((SELECT MAX(f.factor) FROM escalation_risk_factors f WHERE f.matter_id = m.id AND f.weight = \
                 (SELECT MAX(f2.weight) FROM escalation_risk_factors f2 WHERE f2.matter_id = m.id)), '') AS factors, m.created_at \
             FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status <> 'closed' AND m.escalation_risk_score >= 15 \
             ORDER BY m.escalation_risk_score DESC, m.created_at DESC LIMIT $2",
        )
        .bind(format!("{path}%"))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }
}
