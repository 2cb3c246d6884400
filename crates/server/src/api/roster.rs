//! Rosters and handovers (值班表, 交接班) over the API: templates, rotations, attendance and
//! swaps, who is on duty now, and handover sheets with their two signatures. The rules are
//! in `fengqiao_app::roster`.

use super::{ApiJson, ApiPath, ApiQuery, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::roster::{self as app, RosterRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct DutyOut {
    pub shift: i64,
    /// commander, duty_commander, dispatch, fusion, supervision, affairs or video.
    pub post: String,
    pub shift_name: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The assignment; absent for a shift nobody is on.
    pub assignment: Option<i64>,
    pub username: Option<String>,
    pub name: Option<String>,
    /// assigned, confirmed, done, no_show or swapped.
    pub state: Option<String>,
    /// Who took the shift over, when swapped.
    pub swapped_to: Option<String>,
}

fn duty(r: RosterRow) -> DutyOut {
    DutyOut {
        shift: r.shift_id,
        post: r.post,
        shift_name: r.template_name,
        starts_at: rfc3339(r.starts_at),
        ends_at: rfc3339(r.ends_at),
        assignment: r.assignment_id,
        username: r.username,
        name: r.display_name,
        state: r.state,
        swapped_to: r.swapped_to,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// The first day, YYYY-MM-DD (today when absent).
    pub from: Option<String>,
    /// 1–31, default 7.
    pub days: Option<i64>,
}

/// The roster of some days: every shift with the people on it.
#[utoipa::path(get, path = "/roster", tag = "command", params(RosterQuery), security(("bearer" = [])),
    responses((status = 200, body = [DutyOut]), (status = 403, body = ErrorBody)))]
pub async fn roster(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<RosterQuery>,
) -> AppResult<Json<Vec<DutyOut>>> {
    let r = app::roster(&state, &actor, q.from.as_deref(), q.days.unwrap_or(7)).await?;
    Ok(Json(r.rows.into_iter().map(duty).collect()))
}

/// Who is on duty now.
#[utoipa::path(get, path = "/on-duty", tag = "command", security(("bearer" = [])),
    responses((status = 200, body = [DutyOut]), (status = 403, body = ErrorBody)))]
pub async fn on_duty(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<DutyOut>>> {
    Ok(Json(app::on_duty(&state, &actor).await?.into_iter().map(duty).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// commander, duty_commander, dispatch, fusion, supervision, affairs or video.
    pub post: String,
    /// 2–30 characters.
    pub name: String,
    /// HH:MM, China time.
    pub start: String,
    /// 60–1440.
    pub duration_minutes: i64,
    /// 1–20.
    pub min_people: i64,
    /// 1–20, no fewer than min_people.
    pub max_people: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedOut {
    pub id: i64,
}

/// Create a shift template for a post of the command room.
#[utoipa::path(post, path = "/shift-templates", tag = "command", request_body = TemplateIn, security(("bearer" = [])),
    responses((status = 201, body = CreatedOut), (status = 403, body = ErrorBody)))]
pub async fn create_template(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(t): ApiJson<TemplateIn>,
) -> AppResult<(StatusCode, Json<CreatedOut>)> {
    let input = app::TemplateIn {
        post: t.post,
        name: t.name,
        start: t.start,
        duration_minutes: t.duration_minutes,
        min_people: t.min_people,
        max_people: t.max_people,
    };
    Ok((StatusCode::CREATED, Json(CreatedOut { id: app::create_template(&state, &actor, &input).await? })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationIn {
    pub template: i64,
    /// Usernames, in the order they take turns.
    pub people: Vec<String>,
    /// The first day, YYYY-MM-DD.
    pub from: String,
    /// 1–84.
    pub days: i64,
    /// People a shift (the template's minimum when absent).
    pub per_shift: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RotationOut {
    /// Assignments made (people already on a shift are left as they are).
    pub assigned: usize,
}

/// Fill a template's shifts for some days by rotation.
#[utoipa::path(post, path = "/roster/rotations", tag = "command", request_body = RotationIn, security(("bearer" = [])),
    responses((status = 201, body = RotationOut), (status = 403, body = ErrorBody), (status = 404, description = "no such template", body = ErrorBody)))]
pub async fn rotate(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(r): ApiJson<RotationIn>,
) -> AppResult<(StatusCode, Json<RotationOut>)> {
    let input =
        app::RotationIn { template: r.template, people: r.people, from: r.from, days: r.days, per_shift: r.per_shift };
    Ok((StatusCode::CREATED, Json(RotationOut { assigned: app::rotate(&state, &actor, &input).await? })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateIn {
    /// confirmed (the person), done or no_show (the roster's makers).
    pub state: String,
    /// At most 200 characters.
    pub note: Option<String>,
}

/// Confirm one's shift, or record attendance.
#[utoipa::path(post, path = "/shift-assignments/{id}/state", tag = "command", params(("id" = i64, Path)), request_body = StateIn, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_state(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(s): ApiJson<StateIn>,
) -> AppResult<StatusCode> {
    app::set_state(&state, &actor, id, &s.state, s.note.as_deref().unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapIn {
    /// Who takes the shift (a username of the roster's unit).
    pub with: String,
}

/// Swap a shift to someone else.
#[utoipa::path(post, path = "/shift-assignments/{id}/swap", tag = "command", params(("id" = i64, Path)), request_body = SwapIn, security(("bearer" = [])),
    responses((status = 201, body = CreatedOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn swap(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(s): ApiJson<SwapIn>,
) -> AppResult<(StatusCode, Json<CreatedOut>)> {
    Ok((StatusCode::CREATED, Json(CreatedOut { id: app::swap(&state, &actor, id, &s.with).await? })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrepareIn {
    /// What the sheet does not say (at most 1000 characters).
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HandoverOut {
    pub id: i64,
    pub shift_starts_at: String,
    pub shift_ends_at: String,
    pub note: String,
    pub prepared_by: String,
    pub prepared_at: String,
    pub outgoing: Option<String>,
    pub outgoing_signed_at: Option<String>,
    pub incoming: Option<String>,
    pub incoming_signed_at: Option<String>,
    /// What the data said when it was prepared: open instructions, alerts nobody
    /// acknowledged, agreements waiting for judicial confirmation, cameras offline or at
    /// fault, matters due in the next shift (times in ms).
    #[schema(value_type = Object)]
    pub sheet: serde_json::Value,
    /// The caller may sign it now.
    pub may_sign: bool,
}

async fn handover_out(state: &AppState, actor: &Actor, id: i64) -> AppResult<HandoverOut> {
    let v = app::handover(state, actor, id).await?;
    let r = v.row;
    Ok(HandoverOut {
        id: r.id,
        shift_starts_at: rfc3339(r.starts_at),
        shift_ends_at: rfc3339(r.ends_at),
        note: r.note,
        prepared_by: r.prepared_by,
        prepared_at: rfc3339(r.prepared_at),
        outgoing: r.outgoing,
        outgoing_signed_at: r.outgoing_signed_at.map(rfc3339),
        incoming: r.incoming,
        incoming_signed_at: r.incoming_signed_at.map(rfc3339),
        sheet: serde_json::to_value(&v.sheet).unwrap_or_default(),
        may_sign: v.may_sign_out || v.may_sign_in,
    })
}

/// Prepare the handover sheet of the duty commander's shift now under way (again, until
/// it is signed).
#[utoipa::path(post, path = "/handovers", tag = "command", request_body = PrepareIn, security(("bearer" = [])),
    responses((status = 201, body = HandoverOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn prepare(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(p): ApiJson<PrepareIn>,
) -> AppResult<(StatusCode, Json<HandoverOut>)> {
    let id = app::prepare_handover(&state, &actor, p.note.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(handover_out(&state, &actor, id).await?)))
}

/// A handover sheet.
#[utoipa::path(get, path = "/handovers/{id}", tag = "command", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HandoverOut), (status = 404, body = ErrorBody)))]
pub async fn handover(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<HandoverOut>> {
    Ok(Json(handover_out(&state, &actor, id).await?))
}

/// Sign a handover: the outgoing duty commander, then the incoming one.
#[utoipa::path(post, path = "/handovers/{id}/sign", tag = "command", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HandoverOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<HandoverOut>> {
    app::sign(&state, &actor, id).await?;
    Ok(Json(handover_out(&state, &actor, id).await?))
}
