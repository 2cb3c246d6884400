//! Screening rounds (排查) over the API and the web page's shared rules: start a round over
//! a unit of one's jurisdiction, record matters with source `screening` while it is open
//! (they are linked to it), finish it with the households checked.

use super::{ApiJson, ApiPath, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::screening::RoundRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub households_checked: Option<i64>,
    pub note: String,
    /// Matters recorded during the round (counted from the matters).
    pub found: i64,
    pub disputes: i64,
}

pub fn out(r: &RoundRow) -> RoundOut {
    RoundOut {
        id: r.id,
        unit: r.unit_code.clone(),
        unit_name: r.unit_name.clone(),
        started_by: r.started_by.clone(),
        started_at: rfc3339(r.started_at),
        finished_at: r.finished_at.map(rfc3339),
        households_checked: r.households_checked,
        note: r.note.clone(),
        found: r.found,
        disputes: r.disputes,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartIn {
    /// The unit screened (a grid, a community, ...); default: the caller's own unit.
    pub unit: Option<String>,
}

/// Start a screening round.
#[utoipa::path(post, path = "/screening-rounds", tag = "matters", request_body = StartIn, security(("bearer" = [])),
    responses((status = 201, body = RoundOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(s): ApiJson<StartIn>,
) -> AppResult<(StatusCode, Json<RoundOut>)> {
    let r = fengqiao_app::screening::start_round(&state, &actor, s.unit.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(out(&r))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishIn {
    pub households_checked: Option<i64>,
    pub note: Option<String>,
}

/// Finish a screening round with the households checked.
#[utoipa::path(post, path = "/screening-rounds/{id}/finish", tag = "matters", params(("id" = i64, Path)), request_body = FinishIn, security(("bearer" = [])),
    responses((status = 200, body = RoundOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<FinishIn>,
) -> AppResult<Json<RoundOut>> {
    let r = fengqiao_app::screening::finish_round(
        &state,
        &actor,
        id,
        f.households_checked,
        f.note.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(out(&r)))
}

/// Screening rounds in the caller's jurisdiction, newest first, with what each found.
#[utoipa::path(get, path = "/screening-rounds", tag = "matters", security(("bearer" = [])),
    responses((status = 200, body = Vec<RoundOut>), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<RoundOut>>> {
    Ok(Json(fengqiao_app::screening::rounds(&state, &actor, 200).await?.iter().map(out).collect()))
}
