//! Two-way instructions (指令) over the API: issue, list, read (which delivers it to its
//! recipient), and step through acknowledge → report → close. The rules are in
//! `fengqiao_app::instructions`.

use super::{ApiJson, ApiPath, ApiQuery, Page, bounded_offset, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::instructions::{self as app, Item, Scope};
use fengqiao_domain::instruction::Status;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionIn {
    /// What is to be done, in a line (2–60 characters).
    pub title: String,
    /// The instruction itself (2–2000 characters).
    pub body: String,
    /// normal (default), urgent or critical.
    pub priority: Option<String>,
    /// The code of the matter it is about, if any.
    pub matter: Option<String>,
    /// The person instructed (a username); give this or `to_unit`.
    pub to_user: Option<String>,
    /// The unit instructed as a whole (a unit code).
    pub to_unit: Option<String>,
    /// Minutes allowed to acknowledge, 5–1440 (by priority when absent: 10, 15 or 30).
    pub ack_within_minutes: Option<i64>,
    /// When the report back is due: YYYY-MM-DDTHH:MM (Beijing time).
    pub report_due: String,
}

impl From<InstructionIn> for app::IssueIn {
    fn from(i: InstructionIn) -> Self {
        app::IssueIn {
            title: i.title,
            body: i.body,
            priority: i.priority.unwrap_or_default(),
            matter: i.matter.unwrap_or_default(),
            to_user: i.to_user.unwrap_or_default(),
            to_unit: i.to_unit.unwrap_or_default(),
            ack_within_minutes: i.ack_within_minutes,
            report_due: i.report_due,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InstructionOut {
    pub code: String,
    pub title: String,
    pub body: String,
    /// normal, urgent or critical.
    pub priority: String,
    /// sent, delivered, acknowledged, reported, closed or returned.
    pub status: String,
    /// Supervision's colour now: none, blue (a deadline near), orange (behind) or red
    /// (the report is overdue).
    pub colour: String,
    /// The deadline the recipient now works to (absent when it is the issuer's turn).
    pub due_at: Option<String>,
    pub matter: Option<String>,
    pub issuer: String,
    pub recipient_unit: String,
    pub recipient_unit_name: String,
    /// The person instructed; absent when the unit as a whole is.
    pub recipient_user: Option<String>,
    pub recipient_name: Option<String>,
    pub issued_at: String,
    pub ack_due_at: String,
    pub report_due_at: String,
    pub delivered_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub reported_at: Option<String>,
    pub closed_at: Option<String>,
    /// The last report back.
    pub report: Option<String>,
    /// When the overdue instruction went up to the unit's leaders.
    pub escalated_at: Option<String>,
}

fn out(i: Item) -> InstructionOut {
    let r = i.row;
    InstructionOut {
        code: r.code,
        title: r.title,
        body: r.body,
        priority: r.priority,
        status: i.status.as_str().into(),
        colour: i.colour.as_str().into(),
        due_at: i.due.map(rfc3339),
        matter: r.matter_code,
        issuer: r.issuer_username,
        recipient_unit: r.recipient_unit_code,
        recipient_unit_name: r.recipient_unit_name,
        recipient_user: r.recipient_username,
        recipient_name: r.recipient_name,
        issued_at: rfc3339(r.issued_at),
        ack_due_at: rfc3339(r.ack_due_at),
        report_due_at: rfc3339(r.report_due_at),
        delivered_at: r.delivered_at.map(rfc3339),
        acknowledged_at: r.acknowledged_at.map(rfc3339),
        reported_at: r.reported_at.map(rfc3339),
        closed_at: r.closed_at.map(rfc3339),
        report: r.report,
        escalated_at: r.escalated_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct InstructionEventOut {
    /// issue, deliver, acknowledge, report, close, reject, return or escalate.
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: String,
}

/// An instruction with its timeline.
#[derive(Serialize, ToSchema)]
pub struct InstructionDetail {
    #[serde(flatten)]
    pub instruction: InstructionOut,
    pub events: Vec<InstructionEventOut>,
    /// The steps the caller may take now.
    pub may: Vec<String>,
}

fn detail(v: app::View) -> InstructionDetail {
    let o = v.offer;
    let may = [
        (o.acknowledge, "acknowledge"),
        (o.report, "report"),
        (o.return_, "return"),
        (o.close, "close"),
        (o.reject, "reject"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, s)| s.to_string())
    .collect();
    InstructionDetail {
        instruction: out(v.item),
        events: v
            .events
            .into_iter()
            .map(|e| InstructionEventOut {
                event: e.event,
                from_status: e.from_status,
                to_status: e.to_status,
                actor: e.actor,
                note: e.note,
                at: rfc3339(e.at),
            })
            .collect(),
        may,
    }
}

/// Issue an instruction to a person or a unit of the caller's jurisdiction.
#[utoipa::path(post, path = "/instructions", tag = "instructions", request_body = InstructionIn, security(("bearer" = [])),
    responses((status = 201, body = InstructionDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(i): ApiJson<InstructionIn>,
) -> AppResult<(StatusCode, Json<InstructionDetail>)> {
    let code = app::issue(&state, &actor, &i.into()).await?;
    Ok((StatusCode::CREATED, Json(detail(app::get(&state, &actor, &code).await?))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// mine (addressed to the caller or their unit; the default), issued (by the caller) or
    /// all (the caller's jurisdiction).
    pub scope: Option<String>,
    /// Only those still open (not closed or returned).
    pub open: Option<bool>,
    /// One status.
    pub status: Option<String>,
    /// 1–500, default 50.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

/// Instructions: open ones first, the nearest deadline first.
#[utoipa::path(get, path = "/instructions", tag = "instructions", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<InstructionOut>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<InstructionOut>>> {
    let scope = Scope::parse(q.scope.as_deref().unwrap_or(""))
        .ok_or_else(|| AppError::field("scope", "mine, issued or all"))?;
    let status =
        match q.status.as_deref() {
            None | Some("") => None,
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                AppError::field("status", "sent, delivered, acknowledged, reported, closed or returned")
            })?),
        };
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let offset = bounded_offset(q.offset)?;
    let l = app::list(&state, &actor, scope, q.open.unwrap_or(false), status, limit, offset).await?;
    Ok(Json(Page { items: l.items.into_iter().map(out).collect(), total: l.total }))
}

/// One instruction and its timeline. Read by its recipient, it is delivered.
#[utoipa::path(get, path = "/instructions/{code}", tag = "instructions", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = InstructionDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<InstructionDetail>> {
    Ok(Json(detail(app::get(&state, &actor, &code).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// acknowledge, report or return (the recipient); close or reject (the issuer or the
    /// command room).
    pub event: String,
    /// What was done (report), or why (return, reject): 2–2000 characters.
    pub note: Option<String>,
}

/// Take a step on an instruction.
#[utoipa::path(post, path = "/instructions/{code}/steps", tag = "instructions", params(("code" = String, Path)), request_body = StepIn, security(("bearer" = [])),
    responses((status = 200, body = InstructionDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(s): ApiJson<StepIn>,
) -> AppResult<Json<InstructionDetail>> {
    app::step(&state, &actor, &code, &s.event, s.note.as_deref().unwrap_or("")).await?;
    Ok(Json(detail(app::get(&state, &actor, &code).await?)))
}
