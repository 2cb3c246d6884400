//! The registry over the API: resident search, households, the household file, visits.
//! Numbers are masked; searches and household reads are audited as reads of personal data.

use super::{ApiJson, ApiQuery, Page, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengqiao_domain::mask::mask_phone;
use fengqiao_domain::policy::Action;
use fengqiao_store::audit::{AuditEvent, Outcome};
use fengqiao_store::registry::{HouseholdRow, ResidentQuery, ResidentRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ResidentOut {
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    /// Masked: `141***********0173`.
    pub id_number: String,
    /// Masked: `139****5678`.
    pub phone: Option<String>,
    pub relation: String,
    pub registered_here: bool,
    /// Care and attention categories; present only for roles that may see them.
    pub care: Option<Vec<String>>,
    pub household_code: String,
    pub address: String,
}

fn resident_out(state: &AppState, actor: &Actor, r: &ResidentRow) -> ResidentOut {
    resident_out_as(state, actor, r, false)
}

/// A resident with the numbers masked, or in full when `reveal` (already authorised and
/// audited by the caller).
fn resident_out_as(state: &AppState, actor: &Actor, r: &ResidentRow, reveal: bool) -> ResidentOut {
    let id_number = if reveal { state.store.crypto.open(&r.id_enc).unwrap_or_default() } else { r.id_masked.clone() };
    ResidentOut {
        name: r.name.clone(),
        sex: r.sex.clone(),
        birth_date: r.birth_date.clone(),
        id_number,
        phone: r
            .phone_enc
            .as_ref()
            .and_then(|e| state.store.crypto.open(e).ok())
            .map(|p| if reveal { p } else { mask_phone(&p) }),
        relation: r.relation.clone(),
        registered_here: r.registered_here != 0,
        care: actor
            .may(Action::ViewCare)
            .then(|| r.care.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()),
        household_code: r.household_code.clone(),
        address: r.address.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdOut {
    pub code: String,
    pub address: String,
    pub dwelling_type: String,
    pub is_rental: bool,
    pub grid_code: String,
    pub grid_name: String,
    pub building_code: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub members: i64,
}

fn household_out(h: &HouseholdRow) -> HouseholdOut {
    HouseholdOut {
        code: h.code.clone(),
        address: h.address.clone(),
        dwelling_type: h.dwelling_type.clone(),
        is_rental: h.is_rental != 0,
        grid_code: h.grid_code.clone(),
        grid_name: h.grid_name.clone(),
        building_code: h.building_code.clone(),
        lat: h.lat,
        lon: h.lon,
        members: h.members,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A name or its prefix, full pinyin or initials (`zsc`), an ID number, a mobile number,
    /// or part of an address.
    pub q: Option<String>,
    pub limit: Option<i64>,
}

/// Find residents in the caller's jurisdiction.
#[utoipa::path(get, path = "/residents", tag = "registry", params(SearchQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<ResidentOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> AppResult<Json<Vec<ResidentOut>>> {
    let query = q.q.as_deref().and_then(ResidentQuery::parse).ok_or_else(|| AppError::field("q", "required"))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 200"));
    }
    let home = actor.jurisdiction().clone();
    actor.authorize(&state, Action::ViewRegistry, &home, ("registry", &actor.user.unit_code)).await?;
    let found = state.store.search_residents(&home, &query, limit).await?;
    let what = match &query {
        ResidentQuery::IdNumber(id) => format!("id_number {}", id.masked()),
        ResidentQuery::Phone(p) => format!("phone {}", p.masked()),
        ResidentQuery::Pinyin(p) => format!("pinyin {p}"),
        ResidentQuery::Text(t) => format!("name/address {t}"),
    };
    let ev = AuditEvent::new("registry.search", "residents", &actor.user.unit_code, Outcome::Success)
        .detail(format!("{what}; {} found", found.len()));
    state.store.audit(&actor.audit_ctx("registry search"), &ev).await?;
    Ok(Json(found.iter().map(|r| resident_out(&state, &actor, r)).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Part of the address, or a household code.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Households in the caller's jurisdiction.
#[utoipa::path(get, path = "/households", tag = "registry", params(HouseholdQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<HouseholdOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn households(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<HouseholdQuery>,
) -> AppResult<Json<Page<HouseholdOut>>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let home = actor.jurisdiction().clone();
    actor.authorize(&state, Action::ViewRegistry, &home, ("registry", &actor.user.unit_code)).await?;
    let (rows, total) = state
        .store
        .households_under(&home, q.q.as_deref().map(str::trim), limit, super::bounded_offset(q.offset)?)
        .await?;
    Ok(Json(Page { items: rows.iter().map(household_out).collect(), total }))
}

#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    pub kind: String,
    pub outcome: String,
    pub note: String,
    pub visited_at: String,
    pub visitor: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdFile {
    pub household: HouseholdOut,
    pub members: Vec<ResidentOut>,
    pub visits: Vec<VisitOut>,
}

/// The household file (一户一档).
#[utoipa::path(get, path = "/households/{code}", tag = "registry", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = HouseholdFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn household(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> AppResult<Json<HouseholdFile>> {
    let h = fengqiao_app::registry::household(&state, &actor, &code, Action::ViewRegistry).await?;
    let members = state.store.members(h.id).await?;
    let visits = state.store.visits_of(h.id, 50).await?;
    let ev = AuditEvent::new("household.read", "household", &h.code, Outcome::Success)
        .detail(format!("{} members, masked", members.len()));
    state.store.audit(&actor.audit_ctx("household file"), &ev).await?;
    Ok(Json(file_out(&state, &actor, &h, &members, visits, false)))
}

fn file_out(
    state: &AppState,
    actor: &Actor,
    h: &HouseholdRow,
    members: &[ResidentRow],
    visits: Vec<fengqiao_store::registry::VisitRow>,
    reveal: bool,
) -> HouseholdFile {
    HouseholdFile {
        household: household_out(h),
        members: members.iter().map(|m| resident_out_as(state, actor, m, reveal)).collect(),
        visits: visits
            .into_iter()
            .map(|v| VisitOut {
                kind: v.kind,
                outcome: v.outcome,
                note: v.note,
                visited_at: rfc3339(v.visited_at),
                visitor: v.visitor,
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVisit {
    /// monthly, publicity, care or other.
    pub kind: String,
    pub outcome: String,
    pub note: Option<String>,
}

/// Record a visit to a household.
#[utoipa::path(post, path = "/households/{code}/visits", tag = "registry", params(("code" = String, Path)), request_body = NewVisit,
    security(("bearer" = [])),
    responses((status = 201), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn visit(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(v): ApiJson<NewVisit>,
) -> AppResult<StatusCode> {
    let v = fengqiao_app::registry::VisitIn { kind: v.kind, outcome: v.outcome, note: v.note.unwrap_or_default() };
    fengqiao_app::registry::record_visit(&state, &actor, &code, &v).await?;
    Ok(StatusCode::CREATED)
}

/// Issue the household a new QR code; the old one stops working at once.
#[utoipa::path(post, path = "/households/{code}/qr", tag = "registry", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reissue_qr(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> AppResult<StatusCode> {
    fengqiao_app::registry::reissue_qr(&state, &actor, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Write the good rows and hand back the rejects (default: nothing is written unless
    /// every row is good).
    #[serde(default)]
    pub skip_invalid: bool,
    /// The file's name, for the audit record.
    pub filename: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedRow {
    /// 1-based line of the file.
    pub line: usize,
    pub column: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    /// Whether anything was written.
    pub committed: bool,
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<RejectedRow>,
    /// The rejected rows as CSV, with a column saying why (empty when none).
    pub rejects_csv: String,
}

/// Upload registry rows as CSV (the body, UTF-8) into the caller's jurisdiction: `kind` is
/// households, residents or organisations (formats as for `fengqiao import`). 200 when rows
/// were written; 422 when the file was refused (nothing written), with every bad row named.
#[utoipa::path(post, path = "/imports/{kind}", tag = "registry", params(("kind" = String, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 200, body = ImportResult), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ImportResult)))]
pub async fn import(
    State(state): State<AppState>,
    actor: Actor,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: String,
) -> AppResult<(StatusCode, Json<ImportResult>)> {
    let filename = q.filename.unwrap_or_else(|| format!("{kind}.csv"));
    let o = fengqiao_app::import::upload(&state, &actor, &kind, &filename, &body, q.skip_invalid).await?;
    let status = if o.report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        Json(ImportResult {
            committed: o.report.committed,
            created: o.report.created,
            updated: o.report.updated,
            rejected: o
                .report
                .rejected
                .into_iter()
                .map(|r| RejectedRow { line: r.line, column: r.column, message: r.message })
                .collect(),
            rejects_csv: o.rejects_csv,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealIn {
    /// Why the full numbers are needed; recorded in the audit log.
    pub purpose: String,
}

/// The household file with its members' ID and phone numbers in full: roles with the
/// personal-data permission only, with a purpose; audited.
#[utoipa::path(post, path = "/households/{code}/reveal", tag = "registry", params(("code" = String, Path)), request_body = RevealIn, security(("bearer" = [])),
    responses((status = 200, body = HouseholdFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(r): ApiJson<RevealIn>,
) -> AppResult<Json<HouseholdFile>> {
    let h = fengqiao_app::registry::reveal_household(&state, &actor, &code, &r.purpose).await?;
    let members = state.store.members(h.id).await?;
    let visits = state.store.visits_of(h.id, 50).await?;
    Ok(Json(file_out(&state, &actor, &h, &members, visits, true)))
}
