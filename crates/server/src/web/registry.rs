//! The registry pages: search residents (name, pinyin, initials, ID number, phone, address)
//! and households within the jurisdiction; the household file (一户一档) with members,
//! dwelling and visits, printable; recording a visit from a phone.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use crate::auth::Actor;
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
        .map_err(|e| WebError(e, lang))?;
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
    let (households, total) =
        state.store.households_under(&home, Some(text).filter(|t| !t.is_empty()), PAGE, (page - 1) * PAGE).await?;
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
        ..page_ctx(&state, &actor, "registry")
    };
    Ok(render(&state, "registry.html", ctx))
}

async fn load(state: &AppState, actor: &Actor, code: &str) -> WebResult<HouseholdRow> {
    let lang = actor.lang;
    let h = state.store.household_by_code(code).await.map_err(|e| WebError(e.into(), lang))?;
    let path = fengqiao_domain::org::UnitPath(h.grid_path.clone());
    actor.authorize(state, Action::ViewRegistry, &path, ("household", &h.code)).await.map_err(|e| WebError(e, lang))?;
    Ok(h)
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
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e, lang))?;
    let h = load(&state, &actor, &code).await?;
    let path = fengqiao_domain::org::UnitPath(h.grid_path.clone());
    actor
        .authorize(&state, Action::ViewPersonalData, &path, ("household", &h.code))
        .await
        .map_err(|e| WebError(e, lang))?;
    if f.purpose.trim().chars().count() < 2 {
        let ctx =
            file_ctx(&state, &actor, &h, false, vec![("purpose", crate::i18n::t(lang, "required"))], &headers).await?;
        return Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "household.html", ctx));
    }
    let ev = AuditEvent::new("household.read_personal", "household", &h.code, Outcome::Success)
        .detail(format!("id and phone numbers of {} members", h.members));
    state.store.audit(&actor.audit_ctx(f.purpose.trim()), &ev).await?;
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

pub const VISIT_KINDS: &[&str] = &["monthly", "publicity", "care", "other"];

pub async fn record_visit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<VisitForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e, lang))?;
    let h = load(&state, &actor, &code).await?;
    let path = fengqiao_domain::org::UnitPath(h.grid_path.clone());
    actor.authorize(&state, Action::RecordVisit, &path, ("household", &h.code)).await.map_err(|e| WebError(e, lang))?;
    let mut errors = vec![];
    if !VISIT_KINDS.contains(&f.kind.as_str()) {
        errors.push(("kind", "choose a kind of visit".to_string()));
    }
    let outcome = f.outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 100 {
        errors.push(("outcome", "1–100 characters".to_string()));
    }
    if f.note.chars().count() > 500 {
        errors.push(("note", "at most 500 characters".to_string()));
    }
    if !errors.is_empty() {
        let ctx = file_ctx(&state, &actor, &h, false, errors, &headers).await?;
        return Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "household.html", ctx));
    }
    state
        .store
        .record_visit(&actor.audit_ctx("household visit"), h.id, actor.user.id.0, &f.kind, outcome, f.note.trim())
        .await?;
    Ok(Redirect::to(&format!("/households/{}#visits", h.code)).into_response())
}
