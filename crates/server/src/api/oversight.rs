//! What overseers look at over the API: the supervision lists (督办) and the matters at
//! yellow risk or above (民转刑预警). The alerts themselves are under `/alerts`.

use super::rfc3339;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_app::oversight::{self, DueRow};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DueOut {
    pub matter: String,
    pub kind: String,
    pub grid: String,
    /// The unit handling the matter.
    pub handler: String,
    /// What is due (a term, a follow-up, ...).
    pub detail: String,
    pub due_at: String,
}

fn due(rows: Vec<DueRow>) -> Vec<DueOut> {
    rows.into_iter()
        .map(|r| DueOut {
            matter: r.code,
            kind: r.kind,
            grid: r.grid_name,
            handler: r.handler_name,
            detail: r.detail,
            due_at: rfc3339(r.due_at),
        })
        .collect()
}

/// The supervision desk's lists: what is overdue or due soon in the caller's jurisdiction.
#[derive(Serialize, ToSchema)]
pub struct SupervisionOut {
    /// Registered and not acknowledged in time (一事一应).
    pub unacknowledged: Vec<DueOut>,
    /// Open past the resolution deadline.
    pub unresolved: Vec<DueOut>,
    /// Mediation running for over a month.
    pub long_mediation: Vec<DueOut>,
    /// Agreement terms past their date and not carried out.
    pub terms_overdue: Vec<DueOut>,
    /// Judicial-confirmation windows closing within a week.
    pub confirmation_due: Vec<DueOut>,
    /// Follow-up visits due.
    pub follow_ups_due: Vec<DueOut>,
}

/// What is overdue or due soon in the caller's jurisdiction, list by list.
#[utoipa::path(get, path = "/supervision", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = SupervisionOut), (status = 403, body = ErrorBody)))]
pub async fn supervision(State(state): State<AppState>, actor: Actor) -> AppResult<Json<SupervisionOut>> {
    let s = oversight::supervision(&state, &actor).await?;
    Ok(Json(SupervisionOut {
        unacknowledged: due(s.unacknowledged),
        unresolved: due(s.unresolved),
        long_mediation: due(s.long_mediation),
        terms_overdue: due(s.terms_overdue),
        confirmation_due: due(s.confirmation_due),
        follow_ups_due: due(s.follow_ups_due),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RiskyOut {
    pub matter: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub grid: String,
    pub score: i64,
    /// yellow, orange or red.
    pub level: String,
    /// The strongest risk factor's code.
    pub factor: String,
    pub created_at: String,
}

/// Open matters at yellow risk or above in the caller's jurisdiction, the riskiest first
/// (at most 200).
#[utoipa::path(get, path = "/risky-matters", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = Vec<RiskyOut>), (status = 403, body = ErrorBody)))]
pub async fn risky(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<RiskyOut>>> {
    let rows = oversight::risky(&state, &actor, 200).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RiskyOut {
                matter: r.code,
                kind: r.kind,
                category: r.category,
                status: r.status,
                grid: r.grid_name,
                score: r.escalation_risk_score,
                level: r.escalation_risk_level,
                factor: r.factors,
                created_at: rfc3339(r.created_at),
            })
            .collect(),
    ))
}
