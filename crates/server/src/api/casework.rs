//! Casework over the API: parties and consent, mediation sessions, the case plan, the
//! agreement and its terms, judicial confirmation, follow-ups, early-warning alerts. Every
//! change answers the whole case file. The rules are in `fengqiao_app::casework`.

use super::bodies::{AgreementIn, CasePlanIn, FollowUpIn, PartyIn, SessionIn};
use super::{ApiJson, ApiPath, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use crate::present::casefile::{CaseFile, case_file};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::casework;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

async fn file_of(state: &AppState, actor: &Actor, code: &str) -> AppResult<Json<CaseFile>> {
    Ok(Json(case_file(fengqiao_app::casefile::case_file(state, actor, code).await?)))
}

/// One matter with everything recorded about it.
#[utoipa::path(get, path = "/matters/{code}", tag = "matters", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<CaseFile>> {
    file_of(&state, &actor, &code).await
}

/// Record a party of a dispute (linked to the registry by ID number).
#[utoipa::path(post, path = "/matters/{code}/parties", tag = "casework", params(("code" = String, Path)), request_body = PartyIn, security(("bearer" = [])),
    responses((status = 201, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_party(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(p): ApiJson<PartyIn>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    casework::add_party(&state, &actor, &code, &p.into()).await?;
    Ok((StatusCode::CREATED, file_of(&state, &actor, &code).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    /// given or refused.
    pub consent: String,
    pub note: Option<String>,
}

/// Record a party's consent to mediation, or its refusal.
#[utoipa::path(post, path = "/matters/{code}/parties/{id}/consent", tag = "casework", params(("code" = String, Path), ("id" = i64, Path)), request_body = ConsentIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn consent(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    ApiJson(c): ApiJson<ConsentIn>,
) -> AppResult<Json<CaseFile>> {
    casework::set_consent(&state, &actor, &code, id, &c.consent, c.note.as_deref().unwrap_or("")).await?;
    file_of(&state, &actor, &code).await
}

/// Record a mediation session (while mediating).
#[utoipa::path(post, path = "/matters/{code}/sessions", tag = "casework", params(("code" = String, Path)), request_body = SessionIn, security(("bearer" = [])),
    responses((status = 201, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_session(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(s): ApiJson<SessionIn>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    casework::add_session(&state, &actor, &code, &s.into()).await?;
    Ok((StatusCode::CREATED, file_of(&state, &actor, &code).await?))
}

/// Set the case plan (一案一策): goal, approach, mediators from the centre, steps.
#[utoipa::path(put, path = "/matters/{code}/plan", tag = "casework", params(("code" = String, Path)), request_body = CasePlanIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(p): ApiJson<CasePlanIn>,
) -> AppResult<Json<CaseFile>> {
    casework::save_plan(&state, &actor, &code, &p.into()).await?;
    file_of(&state, &actor, &code).await
}

/// Draft the mediation agreement (调解协议书); refused once signed.
#[utoipa::path(put, path = "/matters/{code}/agreement", tag = "casework", params(("code" = String, Path)), request_body = AgreementIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn agreement(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(a): ApiJson<AgreementIn>,
) -> AppResult<Json<CaseFile>> {
    casework::save_agreement(&state, &actor, &code, &a.into()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// When the parties and the mediator signed (YYYY-MM-DD or YYYY-MM-DDTHH:MM); now if absent.
    pub signed_at: Option<String>,
}

/// The agreement is signed: it takes effect, performance starts and the 30-day window for
/// joint judicial confirmation opens.
#[utoipa::path(post, path = "/matters/{code}/agreement/sign", tag = "casework", params(("code" = String, Path)), request_body = SignIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(s): ApiJson<SignIn>,
) -> AppResult<Json<CaseFile>> {
    casework::sign_agreement(&state, &actor, &code, s.signed_at.as_deref()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudicialConfirmationIn {
    /// applied (jointly, by the parties), then confirmed or declined (by the court).
    pub judicial_confirmation: String,
}

/// Record the judicial confirmation's progress.
#[utoipa::path(post, path = "/matters/{code}/agreement/judicial-confirmation", tag = "casework", params(("code" = String, Path)), request_body = JudicialConfirmationIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn judicial_confirmation(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(c): ApiJson<JudicialConfirmationIn>,
) -> AppResult<Json<CaseFile>> {
    casework::set_judicial_confirmation(&state, &actor, &code, c.judicial_confirmation.trim()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformedIn {
    pub note: Option<String>,
}

/// A term of the agreement carried out; the last one closes the dispute as settled and
/// schedules its follow-up visits.
#[utoipa::path(post, path = "/matters/{code}/terms/{seq}/performed", tag = "casework", params(("code" = String, Path), ("seq" = i64, Path)), request_body = PerformedIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn performed(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((code, seq)): ApiPath<(String, i64)>,
    ApiJson(p): ApiJson<PerformedIn>,
) -> AppResult<Json<CaseFile>> {
    casework::perform_term(&state, &actor, &code, seq, p.note.as_deref().unwrap_or("")).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    /// YYYY-MM-DD
    pub due_date: String,
}

/// Schedule an extra follow-up visit.
#[utoipa::path(post, path = "/matters/{code}/follow-ups", tag = "casework", params(("code" = String, Path)), request_body = ScheduleIn, security(("bearer" = [])),
    responses((status = 201, body = CaseFile), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule_follow_up(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(s): ApiJson<ScheduleIn>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    casework::schedule_follow_up(&state, &actor, &code, &s.due_date).await?;
    Ok((StatusCode::CREATED, file_of(&state, &actor, &code).await?))
}

/// Record a follow-up visit; a recurrence reopens the case.
#[utoipa::path(post, path = "/matters/{code}/follow-ups/{id}", tag = "casework", params(("code" = String, Path), ("id" = i64, Path)), request_body = FollowUpIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    ApiJson(f): ApiJson<FollowUpIn>,
) -> AppResult<Json<CaseFile>> {
    casework::record_follow_up(&state, &actor, &code, id, &f.into()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The matter this one repeats; this one is withdrawn and linked to it.
    pub into: String,
}

/// Merge a likely duplicate into the matter it repeats.
#[utoipa::path(post, path = "/matters/{code}/merge", tag = "casework", params(("code" = String, Path)), request_body = MergeIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(mi): ApiJson<MergeIn>,
) -> AppResult<Json<CaseFile>> {
    casework::merge(&state, &actor, &code, mi.into.trim()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgeIn {
    /// What the handler is asked (2–200 characters; "请尽快办理" when absent).
    #[serde(default)]
    pub note: String,
}

/// Urge the handler of a matter (督办): the reminder goes on the matter's timeline.
/// Supervisors and leaders over the matter's grid may urge; a closed matter is not urged.
#[utoipa::path(post, path = "/matters/{code}/urge", tag = "casework", params(("code" = String, Path)), request_body = UrgeIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn urge(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(u): ApiJson<UrgeIn>,
) -> AppResult<Json<CaseFile>> {
    casework::urge(&state, &actor, &code, &u.note).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    pub id: i64,
    pub matter: String,
    pub grid: String,
    pub level: String,
    pub score: i64,
    pub factors: String,
    pub created_at: String,
    /// The report to the police the law requires, as recorded.
    pub police_report: String,
    pub acknowledged_by: Option<String>,
}

/// Open early-warning alerts (民转刑) in the caller's jurisdiction, newest first.
#[utoipa::path(get, path = "/alerts", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = Vec<AlertOut>), (status = 403, body = ErrorBody)))]
pub async fn alerts(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<AlertOut>>> {
    let rows = fengqiao_app::oversight::alerts(&state, &actor, 200).await?;
    Ok(Json(rows.into_iter().map(AlertOut::from).collect()))
}

impl From<fengqiao_app::workbench::AlertRow> for AlertOut {
    fn from(a: fengqiao_app::workbench::AlertRow) -> Self {
        AlertOut {
            id: a.id,
            matter: a.matter_code,
            grid: a.grid_name,
            level: a.level,
            score: a.score,
            factors: a.factors,
            created_at: rfc3339(a.created_at),
            police_report: a.police_report,
            acknowledged_by: a.acknowledged_by,
        }
    }
}

/// Acknowledge an alert (the command room has taken it on).
#[utoipa::path(post, path = "/alerts/{id}/acknowledge", tag = "casework", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    casework::acknowledge_alert(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
