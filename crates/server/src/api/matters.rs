//! Matters over the API (issue 4, first slice): intake routed to its grid with tier,
//! approach and response clock; lists and detail within the jurisdiction; workflow steps
//! decided by the domain's state machine, each recorded and audited.

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::present::matter::{MatterOut, PassagePiece, out};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMatterIn {
    /// dispute, hazard, request, incident or tip.
    pub kind: String,
    /// A category code (neighbour, marriage_family, labour_wages, ...); default `other`.
    pub category: Option<String>,
    /// urgent, high, normal (default) or low.
    pub priority: Option<String>,
    /// simple, ordinary (default) or difficult.
    pub difficulty: Option<String>,
    /// A "five small" tag: practical_help, small_case, small_conflict, small_hazard, small_policing.
    pub five_small: Option<String>,
    pub narrative: String,
    /// Where: a point, or a household, or a standard address.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub household_code: Option<String>,
    pub address: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    /// How it came in, for staff apps: patrol, screening (linked to the caller's open
    /// screening round), walk_in, phone or referral; default `api`.
    pub source: Option<String>,
}

/// Record a matter; it is routed to the grid containing its location.
#[utoipa::path(post, path = "/matters", tag = "matters", request_body = NewMatterIn, security(("bearer" = [])),
    responses((status = 201, body = MatterOut), (status = 403, body = ErrorBody), (status = 404, description = "`outside_grids`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(m): ApiJson<NewMatterIn>,
) -> AppResult<(StatusCode, Json<MatterOut>)> {
    // Every field named on both sides: a field added to either stops the build.
    let NewMatterIn {
        kind,
        category,
        priority,
        difficulty,
        five_small,
        narrative,
        lat,
        lon,
        household_code,
        address,
        reporter_name,
        reporter_phone,
        source,
    } = m;
    let sub = fengqiao_app::intake::Submission {
        kind,
        category,
        priority,
        difficulty,
        five_small,
        narrative,
        lat,
        lon,
        household_code,
        address,
        reporter_name,
        reporter_phone,
    };
    use fengqiao_domain::matter::Source;
    let source = match source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Source::Api,
        Some(s) => Source::parse(s)
            .filter(|s| Source::STAFF.contains(s))
            .ok_or_else(|| AppError::field("source", "patrol, screening, walk_in, phone or referral"))?,
    };
    let code = fengqiao_app::intake::submit(&state, &actor, &sub, source).await?;
    let detail =
        fengqiao_app::casework::load(&state, &actor, &code, fengqiao_domain::policy::Action::ViewMatters).await?;
    Ok((StatusCode::CREATED, Json(out(&detail))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Words to find in narratives, mediation records and notes (Chinese word segmentation);
    /// results then come best first.
    pub q: Option<String>,
    /// A unit code (grid, community, ...) inside the caller's jurisdiction.
    pub unit: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    /// grid, community or street.
    pub tier: Option<String>,
    /// Escalation risk level: none, yellow, orange or red.
    pub risk: Option<String>,
    /// Created on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Created on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// `newest` (the default) or `relevance` (best match to the words first).
    pub sort: Option<String>,
    /// 1–500, default 50.
    pub limit: Option<i64>,
    /// Where the page starts: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of matters. Follow `next_cursor` for the next; the count stops at 10,000.
#[derive(Serialize, ToSchema)]
pub struct MatterPage {
    pub items: Vec<MatterOut>,
    /// How many match, up to 10,000.
    pub total: i64,
    /// More than 10,000 match (`total` is then 10,000).
    pub total_is_capped: bool,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// A word search ran while this node was still building its index (after a start):
    /// results may be incomplete; ask again shortly.
    pub index_incomplete: bool,
}

/// Matters in the caller's jurisdiction: newest first, or with `sort=relevance` the best
/// match to the words first. A word search gives each matter's matched passage.
#[utoipa::path(get, path = "/matters", tag = "matters", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = MatterPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<MatterPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let f = fengqiao_app::search::Filters {
        q: q.q,
        unit: q.unit,
        kind: q.kind,
        category: q.category,
        status: q.status,
        tier: q.tier,
        risk: q.risk,
        from: q.from,
        to: q.to,
        sort: q.sort,
    };
    let found = fengqiao_app::search::find(&state, &actor, &f, limit, q.cursor.as_deref()).await?;
    Ok(Json(MatterPage {
        items: found
            .rows
            .iter()
            .map(|m| MatterOut {
                matched: found
                    .passages
                    .get(&m.id)
                    .map(|p| p.iter().map(|(text, hit)| PassagePiece { text: text.clone(), hit: *hit }).collect()),
                ..out(m)
            })
            .collect(),
        total: found.total,
        total_is_capped: found.total_is_capped,
        next_cursor: found.next_cursor,
        index_incomplete: found.index_incomplete,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// accept, start_mediation, consent_refused, reach_agreement, fail_mediation,
    /// start_performing, perform, refer, withdraw, start_work, resolve, reopen or escalate.
    pub event: String,
    /// For `refer`: referred_arbitration, referred_court or referred_administrative.
    pub closure: Option<String>,
    /// Why (required for escalate and refer).
    pub note: Option<String>,
    /// For `fail_mediation` and `consent_refused`: the routes the parties were told of
    /// (arbitration, administrative, court) — required.
    #[serde(default)]
    pub routes: Vec<String>,
}

/// Move a matter one step through its workflow.
#[utoipa::path(post, path = "/matters/{code}/events", tag = "matters", params(("code" = String, Path)), request_body = StepIn, security(("bearer" = [])),
    responses((status = 200, body = MatterOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "not allowed in the matter's status, or the status changed meanwhile", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(s): ApiJson<StepIn>,
) -> AppResult<Json<MatterOut>> {
    let routes = fengqiao_app::casework::parse_routes(&s.routes)?;
    let m = fengqiao_app::casework::apply_step(
        &state,
        &actor,
        &code,
        &s.event,
        s.closure.as_deref(),
        s.note.as_deref().unwrap_or(""),
        &routes,
    )
    .await?;
    Ok(Json(out(&m)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The file's name, as shown on the case file (at most 100 characters kept).
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FileCreated {
    pub id: i64,
    /// Where to download it.
    pub url: String,
}

/// Attach a photo (JPEG, PNG, WebP) or a PDF to a matter: the body is the file. The type is
/// decided by the content, not by the name or the content type sent.
#[utoipa::path(post, path = "/matters/{code}/files", tag = "matters", params(("code" = String, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 201, body = FileCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    super::ApiBytes(body): super::ApiBytes,
) -> AppResult<(StatusCode, Json<FileCreated>)> {
    let name = q.name.unwrap_or_default();
    let id = fengqiao_app::files::attach(&state, &actor, &code, &name, body.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(FileCreated { id, url: format!("/api/v1/matters/{code}/files/{id}") })))
}

/// An attached file, served with its checked type (never sniffed by the client).
#[utoipa::path(get, path = "/matters/{code}/files/{id}", tag = "matters", params(("code" = String, Path), ("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the file", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath((code, id)): ApiPath<(String, i64)>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (f, bytes) = fengqiao_app::casefile::file(&state, &actor, &code, id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, f.content_type),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"file-{id}\"")),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}
