//! The registry over the API: resident search, households, the household file, visits.
//! Numbers are masked; searches and household reads are audited as reads of personal data.

use super::{ApiJson, ApiPath, ApiQuery, Page, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::registry::{self as reg, HouseholdRow, ResidentView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ResidentOut {
    pub name: String,
    pub sex: String,
    /// `YYYY-MM-DD`; only for roles with the personal-data permission.
    pub birth_date: Option<String>,
    /// Whole years.
    pub age: Option<i64>,
    /// Masked: `141***********0173`, or only the last 4 characters (`**************0173`)
    /// for roles without the personal-data permission.
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

fn resident_out(r: ResidentView) -> ResidentOut {
    ResidentOut {
        name: r.name,
        sex: r.sex,
        birth_date: r.birth_date,
        age: r.age,
        id_number: r.id_number,
        phone: r.phone,
        relation: r.relation,
        registered_here: r.registered_here,
        care: r.care,
        household_code: r.household_code,
        address: r.address,
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
    responses((status = 200, body = Vec<ResidentOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, description = "exact ID or phone searches over the hourly allowance", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> AppResult<Json<Vec<ResidentOut>>> {
    let found =
        reg::search_residents(&state, &actor, q.q.as_deref().unwrap_or_default(), q.limit.unwrap_or(50)).await?;
    Ok(Json(found.into_iter().map(resident_out).collect()))
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
    let offset = super::bounded_offset(q.offset)?;
    let (rows, total) = reg::households(&state, &actor, q.q.as_deref(), q.limit.unwrap_or(50), offset).await?;
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
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<HouseholdFile>> {
    Ok(Json(file_out(reg::household_file(&state, &actor, &code).await?)))
}

fn file_out(f: reg::HouseholdFile) -> HouseholdFile {
    HouseholdFile {
        household: household_out(&f.household),
        members: f.members.into_iter().map(resident_out).collect(),
        visits: f
            .visits
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
    ApiPath(code): ApiPath<String>,
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
    ApiPath(code): ApiPath<String>,
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

/// What a refused import answers with 422: the report naming every bad row, or (a bad kind,
/// a malformed query, an empty file) the error body.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ImportRefused {
    Report(ImportResult),
    Error(ErrorBody),
}

/// Upload registry rows as CSV (the body, UTF-8) into the caller's jurisdiction: `kind` is
/// households, residents or organisations (formats as for `fengqiao import`). 200 when rows
/// were written; 422 when the file was refused (nothing written), with every bad row named.
#[utoipa::path(post, path = "/imports/{kind}", tag = "registry", params(("kind" = String, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 200, body = ImportResult), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ImportRefused)))]
pub async fn import(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    super::ApiText(body): super::ApiText,
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
    ApiPath(code): ApiPath<String>,
    ApiJson(r): ApiJson<RevealIn>,
) -> AppResult<Json<HouseholdFile>> {
    Ok(Json(file_out(reg::revealed_household_file(&state, &actor, &code, &r.purpose).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    pub code: String,
    pub name: String,
    /// The kind's code (`enterprise`, `school`, ...).
    pub kind: Option<String>,
    /// A key place (重点场所).
    pub key_place: bool,
    pub address: String,
    pub grid_code: String,
    pub grid_name: String,
    pub alliance: Option<String>,
    pub responsible: Option<String>,
    /// The responsible person's phone, masked.
    pub phone: Option<String>,
    /// YYYY-MM-DD.
    pub last_inspection: Option<String>,
    /// A key place not inspected within 90 days (or never).
    pub inspection_overdue: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Part of the name.
    pub q: Option<String>,
    /// An organisation kind's code.
    pub kind: Option<String>,
    /// Only key places.
    #[serde(default)]
    pub key_places: bool,
    /// 1–500, default 50.
    pub limit: Option<i64>,
    /// 0–1000000.
    pub offset: Option<i64>,
}

/// Organisations and key places in the caller's jurisdiction, key places first and the
/// longest uninspected first.
#[utoipa::path(get, path = "/organisations", tag = "registry", params(OrganisationQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<OrganisationOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn organisations(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<OrganisationQuery>,
) -> AppResult<Json<Page<OrganisationOut>>> {
    let kind = match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(
            fengqiao_domain::registry::OrgKind::parse(k)
                .ok_or_else(|| AppError::field("kind", format!("unknown organisation kind '{k}'")))?,
        ),
    };
    let f = reg::OrganisationFilter { kind, key_places_only: q.key_places, name: q.q };
    let offset = super::bounded_offset(q.offset)?;
    let (rows, total) = reg::organisations(&state, &actor, &f, q.limit.unwrap_or(50), offset).await?;
    let items = rows
        .into_iter()
        .map(|o| OrganisationOut {
            code: o.code,
            name: o.name,
            kind: o.kind.map(|k| k.as_str().to_string()),
            key_place: o.key_place,
            address: o.address,
            grid_code: o.grid_code,
            grid_name: o.grid_name,
            alliance: o.alliance,
            responsible: o.responsible,
            phone: o.phone,
            last_inspection: o.last_inspection,
            inspection_overdue: o.inspection_overdue,
        })
        .collect();
    Ok(Json(Page { items, total }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// A unit's code (a grid, a community, ...); the caller's own unit when absent.
    pub unit: Option<String>,
}

/// The registry of a unit within the caller's jurisdiction as an Excel workbook (sheets:
/// households, residents with numbers masked, organisations). Audited.
#[utoipa::path(get, path = "/registry/export", tag = "registry", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, description = "XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<axum::response::Response> {
    let export = reg::export(&state, &actor, q.unit.as_deref()).await?;
    Ok(crate::xlsx::registry_response(actor.lang, crate::xlsx::Reader::of(&actor), &export))
}
