//! The registry pages: search residents (name, pinyin, initials, ID number, phone, address)
//! and households within the jurisdiction; the household file (一户一档) with members,
//! dwelling and visits, printable; recording a visit from a phone.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_domain::mask::mask_phone;
use fengqiao_domain::policy::Action;
use fengqiao_domain::registry::{CareCategory, DwellingType, Relation};
use fengqiao_store::audit::{AuditEvent, Outcome};
use fengqiao_store::registry::{HouseholdRow, ResidentQuery, ResidentRow};
use minijinja::{Value, context};
use serde::Deserialize;

const PAGE: i64 = 50;

fn lang_zh(actor: &Actor) -> bool {
    actor.lang == crate::i18n::Lang::ZhCn
}

fn relation_label(actor: &Actor, r: &str) -> String {
    match Relation::parse(r) {
        Some(r) if lang_zh(actor) => r.label_zh().into(),
        Some(r) => r.as_str().replace('_', " "),
        None => r.into(),
    }
}

fn care_labels(actor: &Actor, care: &str) -> Vec<String> {
    care.split(',')
        .filter_map(CareCategory::parse)
        .map(|c| if lang_zh(actor) { c.label_zh().to_string() } else { c.as_str().replace('_', " ") })
        .collect()
}

/// A resident row as shown: ID and phone masked, or in full when `reveal` (already
/// authorised and audited by the caller); care categories only for roles that may see them.
fn resident_value(state: &AppState, actor: &Actor, r: &ResidentRow, reveal: bool) -> Value {
    let phone = r
        .phone_enc
        .as_ref()
        .and_then(|e| state.store.crypto.open(e).ok())
        .map(|p| if reveal { p } else { mask_phone(&p) });
    let id = if reveal {
        state.store.crypto.open(&r.id_enc).unwrap_or_else(|_| r.id_masked.clone())
    } else {
        r.id_masked.clone()
    };
    let care = if actor.may(Action::ViewCare) { care_labels(actor, &r.care) } else { vec![] };
    context! {
        name => r.name.clone(),
        sex => if r.sex == "male" { "男" } else { "女" },
        birth_date => r.birth_date.clone(),
        id_number => id,
        phone => phone,
        relation => relation_label(actor, &r.relation),
        registered_here => r.registered_here != 0,
        registered_address => r.registered_address.clone(),
        care => care,
        household_code => r.household_code.clone(),
        address => r.address.clone(),
    }
}

fn household_value(actor: &Actor, h: &HouseholdRow) -> Value {
    let dwelling = DwellingType::parse(&h.dwelling_type)
        .map(|d| if lang_zh(actor) { d.label_zh().to_string() } else { d.as_str().replace('_', " ") })
        .unwrap_or_default();
    context! {
        code => h.code.clone(), address => h.address.clone(), dwelling => dwelling, is_rental => h.is_rental != 0,
        grid_code => h.grid_code.clone(), grid_name => h.grid_name.clone(), members => h.members, lat => h.lat, lon => h.lon,
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    households: String,
    page: Option<i64>,
}

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<SearchQuery>) -> WebResult {
    let lang = actor.lang;
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::ViewRegistry, &home, ("registry", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let mut residents = vec![];
    let mut searched = false;
    if let Some(query) = ResidentQuery::parse(&q.q) {
        searched = true;
        let found = state.store.search_residents(&home, &query, 100).await?;
        // Searching the registry reads personal data: audited, naming the kind of query
        // (never an ID or phone number in the log).
        let what = match &query {
            ResidentQuery::IdNumber(id) => format!("id_number {}", id.masked()),
            ResidentQuery::Phone(p) => format!("phone {}", p.masked()),
            ResidentQuery::Pinyin(p) => format!("pinyin {p}"),
            ResidentQuery::Text(t) => format!("name/address {t}"),
        };
        let ev = AuditEvent::new("registry.search", "residents", &actor.user.unit_code, Outcome::Success)
            .detail(format!("{what}; {} found", found.len()));
        state.store.audit(&actor.audit_ctx("registry search"), &ev).await?;
        residents = found.iter().map(|r| resident_value(&state, &actor, r, false)).collect();
    }
    let page = q.page.unwrap_or(1).max(1);
    let text = q.households.trim();
    let (households, total) = state
        .store
        .households_under(&home, Some(text).filter(|t| !t.is_empty()), PAGE, super::page_offset(page, PAGE))
        .await?;
    let residents_total = state.store.count_residents_under(&home).await?;
    let ctx = context! {
        q => q.q.clone(),
        households_q => text,
        searched => searched,
        residents => residents,
        households => households.iter().map(|h| household_value(&actor, h)).collect::<Vec<_>>(),
        households_total => total,
        residents_total => residents_total,
        page => page,
        pages => (total + PAGE - 1) / PAGE,
        can_import => actor.may(Action::ImportRegistry),
        ..page_ctx(&state, &actor, "registry")
    };
    Ok(render(&state, "registry.html", ctx))
}

async fn load(state: &AppState, actor: &Actor, code: &str) -> WebResult<HouseholdRow> {
    fengqiao_app::registry::household(state, actor, code, Action::ViewRegistry)
        .await
        .map_err(|e| WebError(e.into(), actor.lang))
}

async fn file_ctx(
    state: &AppState,
    actor: &Actor,
    h: &HouseholdRow,
    reveal: bool,
    errors: Vec<(&str, String)>,
    headers: &axum::http::HeaderMap,
) -> WebResult<Value> {
    let members = state.store.members(h.id).await?;
    let visits = state.store.visits_of(h.id, 24).await?;
    let matters = state.store.matters_of_household(h.id, 50).await?;
    // The household's history: the changes the audit log holds for it (reads are left out).
    let history: Vec<Value> = state
        .store
        .search_audit(&fengqiao_store::audit::AuditFilter {
            object: Some(format!("household:{}", h.code)),
            limit: 500,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|r| {
            r.object_type == "household" && r.object_id == h.code && !r.action.contains("read") && r.result == "success"
        })
        .take(30)
        .map(|r| context! { at => r.at, action => r.action, actor => r.actor, detail => r.detail })
        .collect();
    let phone = h
        .phone_enc
        .as_ref()
        .and_then(|e| state.store.crypto.open(e).ok())
        .map(|p| if reveal { p } else { mask_phone(&p) });
    let errors: std::collections::HashMap<&str, String> = errors.into_iter().collect();
    Ok(context! {
        household => household_value(actor, h),
        household_phone => phone,
        household_building => h.building_code.clone(),
        qr_url => super::qr::household_qr_url(state, headers, h),
        members => members.iter().map(|m| resident_value(state, actor, m, reveal)).collect::<Vec<_>>(),
        visits => visits,
        matters => matters,
        history => history,
        revealed => reveal,
        can_reveal => actor.may(Action::ViewPersonalData),
        can_visit => actor.may(Action::RecordVisit),
        can_care => actor.may(Action::ViewCare),
        errors => errors,
        ..page_ctx(state, actor, "registry")
    })
}

pub async fn household(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
) -> WebResult {
    let h = load(&state, &actor, &code).await?;
    let ev = AuditEvent::new("household.read", "household", &h.code, Outcome::Success)
        .detail(format!("{} members, masked", h.members));
    state.store.audit(&actor.audit_ctx("household file"), &ev).await?;
    let ctx = file_ctx(&state, &actor, &h, false, vec![], &headers).await?;
    Ok(render(&state, "household.html", ctx))
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    purpose: String,
}

/// The household file with ID and phone numbers in full: roles that need them, a stated
/// purpose, one audit record.
pub async fn reveal(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<RevealForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), lang))?;
    let h = match fengqiao_app::registry::reveal_household(&state, &actor, &code, &f.purpose).await {
        Ok(h) => h,
        Err(fengqiao_app::Error::Invalid(_)) => {
            let h = load(&state, &actor, &code).await?;
            let errors = vec![("purpose", crate::i18n::t(lang, "required"))];
            let ctx = file_ctx(&state, &actor, &h, false, errors, &headers).await?;
            return Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "household.html", ctx));
        }
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    let ctx = file_ctx(&state, &actor, &h, true, vec![], &headers).await?;
    Ok(render(&state, "household.html", ctx))
}

#[derive(Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

pub async fn record_visit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<VisitForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), lang))?;
    let v = fengqiao_app::registry::VisitIn { kind: f.kind, outcome: f.outcome, note: f.note };
    match fengqiao_app::registry::record_visit(&state, &actor, &code, &v).await {
        Ok(_) => {}
        Err(fengqiao_app::Error::Invalid(fields)) => {
            let h = load(&state, &actor, &code).await?;
            let errors =
                fields.iter().map(|f| (f.field.as_str(), crate::i18n_fields::field_message(lang, f))).collect();
            let ctx = file_ctx(&state, &actor, &h, false, errors, &headers).await?;
            return Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "household.html", ctx));
        }
        Err(e) => return Err(WebError(e.into(), lang)),
    }
    Ok(Redirect::to(&format!("/households/{}#visits", code)).into_response())
}

#[derive(Deserialize)]
pub struct OrgQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    key: String,
    page: Option<i64>,
}

/// Organisations and key places (重点场所) with their responsible person and last inspection;
/// key places not inspected for 90 days are flagged.
pub async fn organisations(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<OrgQuery>,
) -> WebResult {
    let lang = actor.lang;
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::ViewRegistry, &home, ("registry", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let kind = fengqiao_domain::registry::OrgKind::parse(&q.kind).map(|k| k.as_str());
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = state
        .store
        .organisations_under(&home, kind, q.key == "1", Some(&q.q), PAGE, super::page_offset(page, PAGE))
        .await?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let items: Vec<Value> = rows
        .iter()
        .map(|o| {
            let overdue = o.is_key_place != 0
                && o.last_inspection
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .is_none_or(|d| (today - d).num_days() > 90);
            let kind = fengqiao_domain::registry::OrgKind::parse(&o.kind)
                .map(|k| if lang_zh(&actor) { k.label_zh().to_string() } else { k.as_str().replace('_', " ") })
                .unwrap_or_default();
            let phone = o.responsible_phone_enc.as_ref().and_then(|e| state.store.crypto.open(e).ok()).map(|p| mask_phone(&p));
            context! {
                code => o.code.clone(), name => o.name.clone(), kind => kind, key_place => o.is_key_place != 0, address => o.address.clone(),
                grid_code => o.grid_code.clone(), grid_name => o.grid_name.clone(), alliance => o.alliance.clone(),
                responsible => o.responsible_name.clone(), phone => phone, last_inspection => o.last_inspection.clone(), overdue => overdue,
            }
        })
        .collect();
    let kinds: Vec<Value> = fengqiao_domain::registry::OrgKind::ALL
        .iter()
        .map(|k| context! { code => k.as_str(), label => if lang_zh(&actor) { k.label_zh().to_string() } else { k.as_str().replace('_', " ") } })
        .collect();
    let ctx = context! {
        items => items, total => total, page => page, pages => (total + PAGE - 1) / PAGE, kinds => kinds,
        kind => q.kind.clone(), key => q.key == "1", q => q.q.clone(),
        ..page_ctx(&state, &actor, "registry")
    };
    Ok(render(&state, "organisations.html", ctx))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    /// A grid (or any unit) code; the user's own jurisdiction when absent.
    #[serde(default)]
    unit: String,
}

/// The registry of a grid (or any unit within the jurisdiction) as an Excel workbook:
/// households, residents (numbers masked) and organisations. Audited.
pub async fn export_xlsx(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<ExportQuery>,
) -> WebResult {
    let lang = actor.lang;
    let unit = if q.unit.trim().is_empty() {
        state.store.unit_by_id(actor.user.unit_id).await?
    } else {
        state.store.unit_by_code(q.unit.trim()).await.map_err(|e| WebError(e.into(), lang))?
    };
    actor
        .authorize(&state, Action::ViewRegistry, &unit.path, ("unit", &unit.code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let (households, _) = state.store.households_under(&unit.path, None, 1_000_000, 0).await?;
    let residents = state.store.residents_under(&unit.path, 5_000_000, 0).await?;
    let (orgs, _) = state.store.organisations_under(&unit.path, None, false, None, 1_000_000, 0).await?;
    let bytes =
        workbook(&state, &actor, &households, &residents, &orgs).map_err(|e| WebError(AppError::Internal(e), lang))?;
    let ev = AuditEvent::new("registry.export", "unit", &unit.code, Outcome::Success).detail(format!(
        "xlsx: {} households, {} residents, {} organisations",
        households.len(),
        residents.len(),
        orgs.len()
    ));
    state.store.audit(&actor.audit_ctx("registry export"), &ev).await?;
    let filename = format!("registry-{}.xlsx", unit.code);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response())
}

fn workbook(
    state: &AppState,
    actor: &Actor,
    households: &[HouseholdRow],
    residents: &[ResidentRow],
    orgs: &[fengqiao_store::registry::OrganisationRow],
) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let t = |k: &str| crate::i18n::t(actor.lang, k);
    {
        let ws = wb.add_worksheet().set_name(t("households"))?;
        let head = [
            t("household_code"),
            t("address"),
            t("dwelling"),
            t("rental"),
            t("member_count"),
            t("grid"),
            "lat".into(),
            "lon".into(),
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, h) in households.iter().enumerate() {
            let r = r as u32 + 1;
            let v = household_value(actor, h);
            ws.write_string(r, 0, &h.code)?;
            ws.write_string(r, 1, &h.address)?;
            ws.write_string(r, 2, v.get_attr("dwelling").map(|d| d.to_string()).unwrap_or_default())?;
            ws.write_string(r, 3, if h.is_rental != 0 { "是" } else { "否" })?;
            ws.write_number(r, 4, h.members as f64)?;
            ws.write_string(r, 5, &h.grid_name)?;
            ws.write_number(r, 6, h.lat)?;
            ws.write_number(r, 7, h.lon)?;
        }
        ws.autofit();
    }
    {
        let ws = wb.add_worksheet().set_name(t("residents"))?;
        let mut head = vec![
            t("household_code"),
            t("person_name"),
            t("sex"),
            t("birth_date"),
            t("id_number"),
            t("phone"),
            t("relation"),
            t("registration"),
        ];
        let care = actor.may(Action::ViewCare);
        if care {
            head.push(t("care"));
        }
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, m) in residents.iter().enumerate() {
            let r = r as u32 + 1;
            let phone = m
                .phone_enc
                .as_ref()
                .and_then(|e| state.store.crypto.open(e).ok())
                .map(|p| mask_phone(&p))
                .unwrap_or_default();
            ws.write_string(r, 0, &m.household_code)?;
            ws.write_string(r, 1, &m.name)?;
            ws.write_string(r, 2, if m.sex == "male" { "男" } else { "女" })?;
            ws.write_string(r, 3, &m.birth_date)?;
            ws.write_string(r, 4, &m.id_masked)?;
            ws.write_string(r, 5, phone)?;
            ws.write_string(r, 6, relation_label(actor, &m.relation))?;
            ws.write_string(
                r,
                7,
                if m.registered_here != 0 {
                    t("registered_here")
                } else {
                    m.registered_address.clone().unwrap_or_else(|| t("registered_elsewhere"))
                },
            )?;
            if care {
                ws.write_string(r, 8, care_labels(actor, &m.care).join("、"))?;
            }
        }
        ws.autofit();
    }
    {
        let ws = wb.add_worksheet().set_name(t("organisations"))?;
        let head = [
            t("code"),
            t("name"),
            t("kind"),
            t("address"),
            t("grid"),
            t("alliance"),
            t("responsible"),
            t("last_inspection"),
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, o) in orgs.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, &o.code)?;
            ws.write_string(r, 1, &o.name)?;
            ws.write_string(
                r,
                2,
                fengqiao_domain::registry::OrgKind::parse(&o.kind).map(|k| k.label_zh()).unwrap_or(""),
            )?;
            ws.write_string(r, 3, &o.address)?;
            ws.write_string(r, 4, &o.grid_name)?;
            ws.write_string(r, 5, o.alliance.clone().unwrap_or_default())?;
            ws.write_string(r, 6, o.responsible_name.clone().unwrap_or_default())?;
            ws.write_string(r, 7, o.last_inspection.clone().unwrap_or_default())?;
        }
        ws.autofit();
    }
    Ok(wb.save_to_buffer()?)
}

/// The upload page: import a households, residents or organisations CSV within the
/// jurisdiction, with every bad row listed.
pub async fn import_page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::ImportRegistry, &home, ("registry", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let ctx = context! { result => None::<Value>, ..page_ctx(&state, &actor, "registry") };
    Ok(render(&state, "import.html", ctx))
}

pub async fn import_submit(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    mut form: axum::extract::Multipart,
) -> WebResult {
    let lang = actor.lang;
    let (mut csrf, mut kind, mut skip, mut text, mut filename) =
        (String::new(), String::new(), false, None, String::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(WebError(AppError::BadRequest(format!("malformed upload: {e}")), lang)),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            filename = field.file_name().unwrap_or_default().to_string();
        }
        let bytes =
            field.bytes().await.map_err(|e| WebError(AppError::BadRequest(format!("malformed upload: {e}")), lang))?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into(),
            "kind" => kind = String::from_utf8_lossy(&bytes).into(),
            "skip_invalid" => skip = true,
            "file" => {
                text = Some(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|_| WebError(AppError::field("file", "the file must be UTF-8 text (CSV)"), lang))?,
                )
            }
            _ => {}
        }
    }
    actor.check_csrf(&csrf).map_err(|e| WebError(e.into(), lang))?;
    let show = |result: Value, status: StatusCode| {
        render_status(
            &state,
            status,
            "import.html",
            context! { result => result, ..page_ctx(&state, &actor, "registry") },
        )
    };
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        // Refused before anything else is looked at, but only for someone who may upload.
        let home = actor.jurisdiction().clone();
        actor
            .authorize(&state, Action::ImportRegistry, &home, ("registry", &actor.user.unit_code))
            .await
            .map_err(|e| WebError(e.into(), lang))?;
        return Ok(show(
            context! { file_error => crate::i18n::t(lang, "import_no_file") },
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let outcome = fengqiao_app::import::upload(&state, &actor, &kind, &filename, &text, skip).await;
    match outcome {
        Ok(o) => {
            // Refused (nothing written): 422. Written, even with rows skipped: 200.
            let status = if o.report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            let rejects_href = (!o.rejects_csv.is_empty()).then(|| {
                format!(
                    "data:text/csv;charset=utf-8,{}",
                    serde_urlencoded::to_string([("", &o.rejects_csv)]).unwrap_or_default().trim_start_matches('=')
                )
            });
            Ok(show(
                context! {
                    committed => o.report.committed, created => o.report.created, updated => o.report.updated,
                    rejected => o.report.rejected, rejects_href => rejects_href, filename => filename,
                },
                status,
            ))
        }
        Err(fengqiao_app::Error::Invalid(f)) if f.first().is_some_and(|f| f.field == "file") => {
            let m = crate::i18n_fields::field_message(lang, &f[0]);
            Ok(show(context! { file_error => m }, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}
