//! The registry pages: search residents (name, pinyin, initials, ID number, phone, address)
//! and households within the jurisdiction; the household file (一户一档) with members,
//! dwelling and visits, printable; recording a visit from a phone.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use crate::present::registry as labels;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::registry::{self as reg, HouseholdRow, OrganisationView, ResidentView};
use fengqiao_domain::policy::Action;
use fengqiao_domain::registry::OrgKind;
use minijinja::{Value, context};
use serde::Deserialize;

const PAGE: i64 = 50;

/// A resident as the app returns them (masked, or revealed by the use case).
fn resident_value(actor: &Actor, r: &ResidentView) -> Value {
    context! {
        name => r.name.clone(),
        sex => labels::sex(actor.lang, &r.sex),
        birth_date => r.birth_date.clone(),
        age => r.age,
        id_number => r.id_number.clone(),
        phone => r.phone.clone(),
        relation => labels::relation(actor.lang, &r.relation),
        registered_here => r.registered_here,
        registered_address => r.registered_address.clone(),
        care => labels::care_of(actor.lang, r),
        household_code => r.household_code.clone(),
        address => r.address.clone(),
    }
}

fn household_value(actor: &Actor, h: &HouseholdRow) -> Value {
    let dwelling = labels::dwelling(actor.lang, &h.dwelling_type);
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
    let mut residents = vec![];
    let searched = !q.q.trim().is_empty();
    if searched {
        let found = reg::search_residents(&state, &actor, &q.q, 100).await.map_err(|e| WebError(e.into(), lang))?;
        residents = found.iter().map(|r| resident_value(&actor, r)).collect();
    }
    let page = q.page.unwrap_or(1).max(1);
    let text = q.households.trim();
    let (households, total) = reg::households(&state, &actor, Some(text), PAGE, super::page_offset(page, PAGE))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let residents_total = reg::count_residents(&state, &actor).await.map_err(|e| WebError(e.into(), lang))?;
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
        personal => actor.may(Action::ViewPersonalData),
        ..page_ctx(&state, &actor, "registry")
    };
    Ok(render(&state, "registry.html", ctx))
}

fn file_ctx(state: &AppState, actor: &Actor, file: &reg::HouseholdFile, errors: Vec<(&str, String)>) -> Value {
    let h = &file.household;
    let errors: std::collections::HashMap<&str, String> = errors.into_iter().collect();
    context! {
        household => household_value(actor, h),
        household_phone => file.phone.clone(),
        household_building => h.building_code.clone(),
        qr_url => super::qr::household_qr_url(state, file.qr_token.as_deref()),
        members => file.members.iter().map(|m| resident_value(actor, m)).collect::<Vec<_>>(),
        visits => file.visits.iter().take(24).collect::<Vec<_>>(),
        matters => file.matters.clone(),
        history => file.history.clone(),
        revealed => file.revealed,
        can_reveal => actor.may(Action::ViewPersonalData),
        personal => actor.may(Action::ViewPersonalData) || file.revealed,
        can_visit => actor.may(Action::RecordVisit),
        can_care => actor.may(Action::ViewCare),
        errors => errors,
        ..page_ctx(state, actor, "registry")
    }
}

/// The household file again, masked, with the form's errors beside their fields.
async fn file_with_errors(state: &AppState, actor: &Actor, code: &str, errors: Vec<(&str, String)>) -> WebResult {
    let file = reg::household_file(state, actor, code).await.map_err(|e| WebError(e.into(), actor.lang))?;
    let ctx = file_ctx(state, actor, &file, errors);
    Ok(render_status(state, StatusCode::UNPROCESSABLE_ENTITY, "household.html", ctx))
}

pub async fn household(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
) -> WebResult {
    let file = reg::household_file(&state, &actor, &code).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(render(&state, "household.html", file_ctx(&state, &actor, &file, vec![])))
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
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<RevealForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), lang))?;
    match reg::revealed_household_file(&state, &actor, &code, &f.purpose).await {
        Ok(file) => Ok(render(&state, "household.html", file_ctx(&state, &actor, &file, vec![]))),
        Err(fengqiao_app::Error::Invalid(_)) => {
            let errors = vec![("purpose", crate::i18n::t(lang, "required"))];
            file_with_errors(&state, &actor, &code, errors).await
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
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
            let errors =
                fields.iter().map(|f| (f.field.as_str(), crate::i18n_fields::field_message(lang, f))).collect();
            return file_with_errors(&state, &actor, &code, errors).await;
        }
        Err(e) => return Err(WebError(e.into(), lang)),
    }
    Ok(Redirect::to(&format!("/households/{}#visits", code)).into_response())
}

fn org_kind_label(actor: &Actor, k: OrgKind) -> String {
    labels::org_kind(actor.lang, k)
}

fn organisation_value(actor: &Actor, o: &OrganisationView) -> Value {
    context! {
        code => o.code.clone(), name => o.name.clone(), kind => o.kind.map(|k| org_kind_label(actor, k)).unwrap_or_default(),
        key_place => o.key_place, address => o.address.clone(), grid_code => o.grid_code.clone(), grid_name => o.grid_name.clone(),
        alliance => o.alliance.clone(), responsible => o.responsible.clone(), phone => o.phone.clone(),
        last_inspection => o.last_inspection.clone(), overdue => o.inspection_overdue,
    }
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
    let page = q.page.unwrap_or(1).max(1);
    let filter = reg::OrganisationFilter {
        kind: OrgKind::parse(&q.kind),
        key_places_only: q.key == "1",
        name: Some(q.q.trim().to_string()).filter(|n| !n.is_empty()),
    };
    let (rows, total) = reg::organisations(&state, &actor, &filter, PAGE, super::page_offset(page, PAGE))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let items: Vec<Value> = rows.iter().map(|o| organisation_value(&actor, o)).collect();
    let kinds: Vec<Value> =
        OrgKind::ALL.iter().map(|k| context! { code => k.as_str(), label => org_kind_label(&actor, *k) }).collect();
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
    let export = reg::export(&state, &actor, Some(&q.unit)).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(crate::xlsx::registry_response(lang, crate::xlsx::Reader::of(&actor), &export))
}

/// An upload page: where its form posts, the kinds it offers (value, label key), the page
/// it belongs to (navigation and the way back) and who may use it.
pub struct ImportTarget {
    pub action: &'static str,
    pub kinds: &'static [(&'static str, &'static str)],
    pub nav: &'static str,
    pub back: (&'static str, &'static str),
    pub gate: Action,
    pub help: &'static str,
}

const REGISTRY_IMPORT: ImportTarget = ImportTarget {
    action: "/registry/import",
    kinds: &[("households", "households"), ("residents", "residents"), ("organisations", "organisations")],
    nav: "registry",
    back: ("/registry", "registry_title"),
    gate: Action::ImportRegistry,
    help: "import_help",
};

fn import_ctx(state: &AppState, actor: &Actor, target: &ImportTarget, result: Option<Value>) -> Value {
    context! {
        result => result, action => target.action, back_href => target.back.0, back_key => target.back.1,
        help_key => target.help,
        kinds => target.kinds.iter().map(|(v, k)| context! { value => *v, key => *k }).collect::<Vec<_>>(),
        ..page_ctx(state, actor, target.nav)
    }
}

/// The upload page: import a households, residents or organisations CSV within the
/// jurisdiction, with every bad row listed.
pub async fn import_page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    import_form(&state, &actor, &REGISTRY_IMPORT).await
}

pub async fn import_form(state: &AppState, actor: &Actor, target: &ImportTarget) -> WebResult {
    let home = actor.jurisdiction().clone();
    actor
        .authorize(state, target.gate, &home, ("import", target.kinds[0].0))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(render(state, "import.html", import_ctx(state, actor, target, None)))
}

pub async fn import_submit(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    form: axum::extract::Multipart,
) -> WebResult {
    import_run(&state, &actor, form, &REGISTRY_IMPORT).await
}

/// Run an upload: the multipart form (csrf, kind, skip_invalid, file) checked, the file
/// imported, the page shown again with the outcome.
pub async fn import_run(
    state: &AppState,
    actor: &Actor,
    mut form: axum::extract::Multipart,
    target: &ImportTarget,
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
    // Only the kinds this page offers.
    if !target.kinds.iter().any(|(k, _)| *k == kind) {
        return Err(WebError(AppError::field("kind", "not a kind this page imports"), lang));
    }
    let show = |result: Value, status: StatusCode| {
        render_status(state, status, "import.html", import_ctx(state, actor, target, Some(result)))
    };
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        // Refused before anything else is looked at, but only for someone who may upload.
        let home = actor.jurisdiction().clone();
        actor.authorize(state, target.gate, &home, ("import", &kind)).await.map_err(|e| WebError(e.into(), lang))?;
        return Ok(show(
            context! { file_error => crate::i18n::t(lang, "import_no_file") },
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let outcome = fengqiao_app::import::upload(state, actor, &kind, &filename, &text, skip).await;
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
