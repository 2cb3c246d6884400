//! The supervision desk (督查) over the API: supervision slips in three colours (issue, list,
//! read, answer → close or send back) and the weekly quality spot checks (draw, read,
//! review, reply). The rules are in `fengqiao_app::supervision`.

use super::{ApiJson, ApiPath, ApiQuery, Page, bounded_offset, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::supervision::{self as app, Scope, SlipRow, SpotCheckRow, SpotItemRow};
use fengqiao_domain::supervision::SlipStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlipIn {
    /// matter, instruction or unit.
    pub subject: String,
    /// The code of the matter, instruction or unit.
    pub about: String,
    /// blue (answer within 3 days), orange (2 days) or red (1 day); when absent, the colour
    /// suggested by how late it is and how often it was urged.
    pub colour: Option<String>,
    /// What is wrong and what is required (2–1000 characters).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct SlipOut {
    pub code: String,
    /// blue, orange or red.
    pub colour: String,
    /// matter, instruction or unit.
    pub subject: String,
    pub matter: Option<String>,
    pub instruction: Option<String>,
    pub reason: String,
    pub issuer: String,
    pub addressee_unit: String,
    pub addressee_unit_name: String,
    /// The person addressed; absent when the unit as a whole is.
    pub addressee_user: Option<String>,
    pub addressee_name: Option<String>,
    /// issued, answered or closed.
    pub status: String,
    pub issued_at: String,
    pub answer_due_at: String,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
    pub closed_at: Option<String>,
    /// How many answers were sent back.
    pub sent_back: i64,
}

fn out(r: SlipRow) -> SlipOut {
    SlipOut {
        code: r.code,
        colour: r.colour,
        subject: r.subject,
        matter: r.matter_code,
        instruction: r.instruction_code,
        reason: r.reason,
        issuer: r.issuer_username,
        addressee_unit: r.addressee_unit_code,
        addressee_unit_name: r.addressee_unit_name,
        addressee_user: r.addressee_username,
        addressee_name: r.addressee_name,
        status: r.status,
        issued_at: rfc3339(r.issued_at),
        answer_due_at: rfc3339(r.answer_due_at),
        answered_at: r.answered_at.map(rfc3339),
        answer: r.answer,
        closed_at: r.closed_at.map(rfc3339),
        sent_back: r.sent_back,
    }
}

#[derive(Serialize, ToSchema)]
pub struct SlipEventOut {
    /// issue, answer, close, reject or withdraw.
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: String,
}

/// A slip with its timeline.
#[derive(Serialize, ToSchema)]
pub struct SlipDetail {
    #[serde(flatten)]
    pub slip: SlipOut,
    /// Past its deadline to answer and not answered.
    pub overdue: bool,
    pub events: Vec<SlipEventOut>,
    /// The steps the caller may take now: answer; close and reject; withdraw.
    pub may: Vec<String>,
}

fn detail(v: app::SlipView) -> SlipDetail {
    let mut may = Vec::new();
    if v.may_answer {
        may.push("answer".to_string());
    }
    if v.may_close {
        may.extend(["close".to_string(), "reject".to_string()]);
    }
    if v.may_withdraw {
        may.push("withdraw".to_string());
    }
    SlipDetail {
        overdue: v.overdue,
        events: v
            .events
            .into_iter()
            .map(|e| SlipEventOut {
                event: e.event,
                from_status: e.from_status,
                to_status: e.to_status,
                actor: e.actor,
                note: e.note,
                at: rfc3339(e.at),
            })
            .collect(),
        may,
        slip: out(v.row),
    }
}

/// Issue a supervision slip about a matter, an instruction or a unit of the caller's
/// jurisdiction.
#[utoipa::path(post, path = "/supervision-slips", tag = "supervision", request_body = SlipIn, security(("bearer" = [])),
    responses((status = 201, body = SlipDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(i): ApiJson<SlipIn>,
) -> AppResult<(StatusCode, Json<SlipDetail>)> {
    let input =
        app::SlipIn { subject: i.subject, about: i.about, colour: i.colour.unwrap_or_default(), reason: i.reason };
    let code = app::issue(&state, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(detail(app::get(&state, &actor, &code).await?))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlipQuery {
    /// mine (addressed to the caller or their unit; the default) or all (the caller's
    /// jurisdiction, for the desk).
    pub scope: Option<String>,
    /// Only those not closed.
    pub open: Option<bool>,
    /// issued, answered or closed.
    pub status: Option<String>,
    /// 1–500, default 50.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

/// Supervision slips: those to answer first, the nearest deadline first.
#[utoipa::path(get, path = "/supervision-slips", tag = "supervision", params(SlipQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<SlipOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SlipQuery>,
) -> AppResult<Json<Page<SlipOut>>> {
    let scope =
        Scope::parse(q.scope.as_deref().unwrap_or("")).ok_or_else(|| AppError::field("scope", "mine or all"))?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(SlipStatus::parse(s).ok_or_else(|| AppError::field("status", "issued, answered or closed"))?),
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let offset = bounded_offset(q.offset)?;
    let (rows, total) = app::list(&state, &actor, scope, q.open.unwrap_or(false), status, limit, offset).await?;
    Ok(Json(Page { items: rows.into_iter().map(out).collect(), total }))
}

/// One supervision slip and its timeline.
#[utoipa::path(get, path = "/supervision-slips/{code}", tag = "supervision", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = SlipDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<SlipDetail>> {
    Ok(Json(detail(app::get(&state, &actor, &code).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlipStepIn {
    /// answer (the addressee); close, reject or withdraw (the desk).
    pub event: String,
    /// What was done (answer), why it is sent back (reject) or withdrawn: 2–2000 characters.
    pub note: Option<String>,
}

/// Take a step on a supervision slip.
#[utoipa::path(post, path = "/supervision-slips/{code}/steps", tag = "supervision", params(("code" = String, Path)), request_body = SlipStepIn, security(("bearer" = [])),
    responses((status = 200, body = SlipDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(s): ApiJson<SlipStepIn>,
) -> AppResult<Json<SlipDetail>> {
    app::step(&state, &actor, &code, &s.event, s.note.as_deref().unwrap_or("")).await?;
    Ok(Json(detail(app::get(&state, &actor, &code).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct SpotCheckOut {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    /// The Monday (China time) that begins the week whose closed matters were sampled.
    pub week_start: String,
    /// How many matters were closed that week.
    pub population: i64,
    pub drawn_at: String,
    /// The account that drew it, or `rules` for the weekly job.
    pub drawn_by: String,
    pub items: i64,
    pub reviewed: i64,
    pub flawed: i64,
    pub replied: i64,
}

fn check_out(c: SpotCheckRow) -> SpotCheckOut {
    SpotCheckOut {
        id: c.id,
        unit: c.unit_code,
        unit_name: c.unit_name,
        week_start: rfc3339(c.week_start),
        population: c.population,
        drawn_at: rfc3339(c.drawn_at),
        drawn_by: c.drawn_by,
        items: c.items,
        reviewed: c.reviewed,
        flawed: c.flawed,
        replied: c.replied,
    }
}

#[derive(Serialize, ToSchema)]
pub struct SpotItemOut {
    pub id: i64,
    pub check: i64,
    pub matter: String,
    pub matter_kind: String,
    pub grid_name: String,
    pub closed_at: Option<String>,
    /// pending, sound or flawed.
    pub verdict: String,
    /// The flaws found (incomplete_record, late, no_follow_up, improper, dissatisfied, other).
    pub flaws: Vec<String>,
    pub findings: String,
    /// Whom the findings go to: the account that closed the matter, or its handling unit.
    pub addressee_user: Option<String>,
    pub addressee_unit_name: String,
    pub reviewer_name: Option<String>,
    pub reviewed_at: Option<String>,
    pub reply: Option<String>,
    pub replied_at: Option<String>,
}

fn item_out(i: SpotItemRow) -> SpotItemOut {
    SpotItemOut {
        id: i.id,
        check: i.check_id,
        matter: i.matter_code,
        matter_kind: i.matter_kind,
        grid_name: i.grid_name,
        closed_at: i.closed_at.map(rfc3339),
        verdict: i.verdict,
        flaws: i.flaws.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect(),
        findings: i.findings,
        addressee_user: i.addressee_username,
        addressee_unit_name: i.addressee_unit_name,
        reviewer_name: i.reviewer_name,
        reviewed_at: i.reviewed_at.map(rfc3339),
        reply: i.reply,
        replied_at: i.replied_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SpotCheckDetail {
    #[serde(flatten)]
    pub check: SpotCheckOut,
    pub matters: Vec<SpotItemOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChecksQuery {
    /// 1–200, default 20.
    pub limit: Option<i64>,
}

/// The weekly spot checks of the caller's jurisdiction, newest week first.
#[utoipa::path(get, path = "/spot-checks", tag = "supervision", params(ChecksQuery), security(("bearer" = [])),
    responses((status = 200, body = [SpotCheckOut]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn checks(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ChecksQuery>,
) -> AppResult<Json<Vec<SpotCheckOut>>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 200"));
    }
    Ok(Json(app::checks(&state, &actor, limit).await?.into_iter().map(check_out).collect()))
}

async fn check_detail(state: &AppState, actor: &Actor, id: i64) -> AppResult<SpotCheckDetail> {
    let (c, items) = app::check(state, actor, id).await?;
    Ok(SpotCheckDetail { check: check_out(c), matters: items.into_iter().map(item_out).collect() })
}

/// Draw last week's sample of closed matters for the caller's own unit (once a week; the
/// weekly job draws every station's).
#[utoipa::path(post, path = "/spot-checks", tag = "supervision", security(("bearer" = [])),
    responses((status = 201, body = SpotCheckDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn draw(State(state): State<AppState>, actor: Actor) -> AppResult<(StatusCode, Json<SpotCheckDetail>)> {
    let id = app::draw(&state, &actor).await?;
    Ok((StatusCode::CREATED, Json(check_detail(&state, &actor, id).await?)))
}

/// One spot check and the matters drawn.
#[utoipa::path(get, path = "/spot-checks/{id}", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SpotCheckDetail), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<SpotCheckDetail>> {
    Ok(Json(check_detail(&state, &actor, id).await?))
}

/// One matter drawn: for the desk, or for the handler its findings went to.
#[utoipa::path(get, path = "/spot-check-items/{id}", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SpotItemOut), (status = 404, body = ErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<SpotItemOut>> {
    Ok(Json(item_out(app::item(&state, &actor, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// sound or flawed.
    pub verdict: String,
    /// For a flawed matter, at least one of incomplete_record, late, no_follow_up, improper,
    /// dissatisfied, other.
    pub flaws: Option<Vec<String>>,
    /// What was found and what is to be put right (2–1000 characters when flawed).
    pub findings: Option<String>,
}

/// Review a drawn matter (once); a flawed one's findings go to whoever closed it.
#[utoipa::path(post, path = "/spot-check-items/{id}/review", tag = "supervision", params(("id" = i64, Path)), request_body = ReviewIn, security(("bearer" = [])),
    responses((status = 200, body = SpotItemOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<ReviewIn>,
) -> AppResult<Json<SpotItemOut>> {
    let input = app::ReviewIn {
        verdict: r.verdict,
        flaws: r.flaws.unwrap_or_default(),
        findings: r.findings.unwrap_or_default(),
    };
    app::review(&state, &actor, id, &input).await?;
    Ok(Json(item_out(app::item(&state, &actor, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// What was put right (2–1000 characters).
    pub reply: String,
}

/// Reply to the findings on a matter the caller closed (once).
#[utoipa::path(post, path = "/spot-check-items/{id}/reply", tag = "supervision", params(("id" = i64, Path)), request_body = ReplyIn, security(("bearer" = [])),
    responses((status = 200, body = SpotItemOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<ReplyIn>,
) -> AppResult<Json<SpotItemOut>> {
    app::reply(&state, &actor, id, &r.reply).await?;
    Ok(Json(item_out(app::item(&state, &actor, id).await?)))
}
