//! Matter pages: the list of the jurisdiction's matters with their response clock, a
//! matter with its history and the next workflow step (its casework forms post to
//! `casework.rs`), the staff intake form, attached files and the agreement's printout.

use super::{WebActor, WebError, WebResult, error_message, page_ctx, render, render_status};
use crate::AppState;
use crate::present::now_ms;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::casefile::MatterDetail;
use fengqiao_app::casework::{self, PartyIn};
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use serde::Deserialize;

const PAGE: i64 = 50;

fn row(state: &AppState, lang: crate::i18n::Lang, m: &MatterDetail, now: i64) -> Value {
    let overdue = !m.is_closed() && m.resolve_due_at.is_some_and(|d| d < now);
    context! {
        code => m.code.clone(), kind => m.kind.as_str(),
        category => crate::present::category_label(state, lang, &m.category),
        narrative => m.narrative.clone(), status => m.status.code(), closure => m.closure().map(|c| c.as_str()),
        tier => m.tier.map(|t| t.as_str()), approach => m.approach.map(|a| a.as_str()),
        grid_code => m.grid_code.clone(), grid_name => m.grid_name.clone(),
        household_code => m.household_code.clone(), source => m.source.as_str(),
        address => m.address.clone(),
        location => m.lat.zip(m.lon).map(|(lat, lon)| format!("{lat:.5}, {lon:.5}")),
        created_at => m.created_at, resolve_due_at => m.resolve_due_at, overdue => overdue,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filters: fengqiao_app::search::Filters,
    #[serde(default)]
    cursor: String,
}

pub async fn list(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<ListQuery>) -> WebResult {
    let lang = actor.lang;
    let cursor = Some(q.cursor.as_str()).filter(|c| !c.trim().is_empty());
    let (found, error) = match fengqiao_app::search::find(&state, &actor, &q.filters, PAGE, cursor).await {
        Ok(found) => (found, None),
        Err(fengqiao_app::Error::Invalid(f)) => (
            fengqiao_app::search::Found {
                passages: Default::default(),
                rows: vec![],
                total: 0,
                total_is_capped: false,
                next_cursor: None,
                index_incomplete: false,
            },
            Some(error_message(lang, &crate::AppError::Validation(f))),
        ),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    let now = now_ms();
    let f = &q.filters;
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    // The query string of these filters, for the pager's links.
    let qs = serde_urlencoded::to_string([
        ("q", v(&f.q)),
        ("unit", v(&f.unit)),
        ("kind", v(&f.kind)),
        ("category", v(&f.category)),
        ("status", v(&f.status)),
        ("tier", v(&f.tier)),
        ("risk", v(&f.risk)),
        ("from", v(&f.from)),
        ("to", v(&f.to)),
        ("sort", v(&f.sort)),
    ])
    .unwrap_or_default();
    let ctx = context! {
        rows => found
            .rows
            .iter()
            .map(|m| {
                let matched = found.passages.get(&m.id).map(|p| {
                    p.iter().map(|(text, hit)| context! { text => text.clone(), hit => *hit }).collect::<Vec<_>>()
                });
                context! { matched => matched, ..row(&state, lang, m, now) }
            })
            .collect::<Vec<_>>(),
        total => found.total, total_is_capped => found.total_is_capped, next_cursor => found.next_cursor,
        not_first => cursor.is_some(), qs => qs, error => error, index_incomplete => found.index_incomplete,
        f => context! { q => v(&f.q), unit => v(&f.unit), kind => v(&f.kind), category => v(&f.category), status => v(&f.status),
            tier => v(&f.tier), risk => v(&f.risk), from => v(&f.from), to => v(&f.to), sort => v(&f.sort) },
        statuses => ["open", "registered", "accepted", "mediating", "agreement_reached", "mediation_failed", "performing", "in_progress", "closed"],
        kinds => ["dispute", "hazard", "request", "incident", "tip"],
        categories => state.taxonomy.all().iter().map(|c| context! { code => c.code.clone(), label => crate::present::category_label(&state, lang, &c.code) }).collect::<Vec<_>>(),
        tiers => ["grid", "community", "street"],
        risks => ["yellow", "orange", "red"],
        may_record => actor.may(Action::RecordMatter),
        ..page_ctx(&state, &actor, "matters")
    };
    Ok(render(&state, "matters.html", ctx))
}

pub(super) async fn detail_ctx(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    error: Option<String>,
) -> WebResult<Value> {
    detail_ctx_full(state, actor, code, error, None).await
}

/// The matter page again with the case-work form as it was sent and its errors.
pub(super) async fn detail_ctx_with_case(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    sent: (&super::Fields, std::collections::HashMap<String, String>),
) -> WebResult<Value> {
    detail_ctx_full(state, actor, code, None, Some(sent)).await
}

async fn detail_ctx_full(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    error: Option<String>,
    case_sent: Option<(&super::Fields, std::collections::HashMap<String, String>)>,
) -> WebResult<Value> {
    let lang = actor.lang;
    let record = fengqiao_app::casefile::case_file(state, actor, code).await.map_err(|e| WebError(e.into(), lang))?;
    let mediators: Vec<Value> = fengqiao_app::casefile::mediators(state, &record)
        .await
        .map_err(|e| WebError(e.into(), lang))?
        .into_iter()
        .map(|u| {
            let kind = u.mediator_kind.as_deref().and_then(fengqiao_domain::role::MediatorKind::parse);
            context! { username => u.username, name => u.display_name, kind => kind.map(|k| k.as_str()) }
        })
        .collect();
    let can_handle = record.can_handle;
    let m = record.matter.clone();
    let instructions =
        fengqiao_app::instructions::about_matter(state, m.id).await.map_err(|e| WebError(e.into(), lang))?;
    let slips = fengqiao_app::supervision::about_matter(state, m.id).await.map_err(|e| WebError(e.into(), lang))?;
    let steps = fengqiao_app::instructions::matter_timeline(state, m.id).await.map_err(|e| WebError(e.into(), lang))?;
    let file = crate::present::casefile::case_file(record);
    // The matter's own steps and its instructions' steps, in the order they happened.
    let names =
        fengqiao_app::people::display_names(state, &steps.iter().map(|s| s.2.actor.clone()).collect::<Vec<_>>())
            .await
            .map_err(|e| WebError(e.into(), lang))?;
    let mut history: Vec<(i64, Value)> = file
        .history
        .iter()
        .map(|e| {
            let at = chrono::DateTime::parse_from_rfc3339(&e.at).map(|t| t.timestamp_millis()).unwrap_or(0);
            (at, Value::from_serialize(e))
        })
        .collect();
    history.extend(steps.into_iter().map(|(code, title, e)| {
        let actor_name = names.get(&e.actor).cloned().unwrap_or_else(|| e.actor.clone());
        let v = context! {
            instruction => code, title => title, event => e.event, note => e.note, actor_name => actor_name,
            at => crate::present::rfc3339(e.at),
        };
        (e.at, v)
    }));
    history.sort_by_key(|(at, _)| *at);
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid"));
    let case = super::operations::case_ctx(state, actor, m.id, &m.grid_path, case_sent).await?;
    Ok(context! {
        m => row(state, lang, &m, now_ms()),
        file => Value::from_serialize(&file),
        history => history.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        instructions => instructions.iter().map(super::instructions::row).collect::<Vec<_>>(),
        slips => slips.iter().map(|r| super::supervision::slip_row(r, state.clock.now())).collect::<Vec<_>>(),
        may_supervise => actor.can(Action::Supervise, &fengqiao_domain::org::UnitPath(m.grid_path.clone())),
        case => case,
        may_instruct => actor.may(Action::IssueInstruction),
        can_handle => can_handle,
        approaches => fengqiao_domain::matter::Approach::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        mediators => mediators,
        now_local => today.format("%Y-%m-%dT%H:%M").to_string(),
        in_a_week => (today + chrono::Duration::days(7)).format("%Y-%m-%d").to_string(),
        error => error,
        ..page_ctx(state, actor, "matters")
    })
}

pub async fn detail(State(state): State<AppState>, WebActor(actor): WebActor, Path(code): Path<String>) -> WebResult {
    let ctx = detail_ctx(&state, &actor, &code, None).await?;
    Ok(render(&state, "matter.html", ctx))
}

/// The agreement's blocks for this reader: numbers masked as the role may see them, or in
/// full for the printout for signing (with a purpose; see the use case).
async fn agreement_blocks(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    purpose: Option<&str>,
) -> WebResult<(String, Vec<crate::agreement::Block>)> {
    let p = fengqiao_app::casefile::agreement_for_print(state, actor, code, purpose)
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let blocks = crate::agreement::blocks(&p.committee, &p.agreement, &p.parties, &p.terms);
    Ok((p.agreement.number, blocks))
}

/// `?purpose=…` asks for the printout for signing, with the parties' numbers in full.
#[derive(Deserialize)]
pub struct PrintQuery {
    purpose: Option<String>,
}

pub async fn agreement_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Query(q): Query<PrintQuery>,
) -> WebResult {
    let purpose = q.purpose.as_deref().filter(|p| !p.is_empty());
    let (number, blocks) = agreement_blocks(&state, &actor, &code, purpose).await?;
    let pdf_query = purpose
        .map(|p| format!("?{}", serde_urlencoded::to_string([("purpose", p)]).unwrap_or_default()))
        .unwrap_or_default();
    let ctx = context! {
        code => code, number => number, blocks => Value::from_serialize(&blocks), full => purpose.is_some(),
        pdf_query => pdf_query, may_print_full => actor.may(Action::ViewPersonalData),
        ..page_ctx(&state, &actor, "matters")
    };
    Ok(render(&state, "agreement.html", ctx))
}

pub async fn agreement_pdf(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Query(q): Query<PrintQuery>,
) -> WebResult {
    let purpose = q.purpose.as_deref().filter(|p| !p.is_empty());
    let (number, blocks) = agreement_blocks(&state, &actor, &code, purpose).await?;
    let bytes =
        tokio::task::spawn_blocking(move || crate::agreement::pdf(&format!("人民调解协议书 {number}"), &blocks))
            .await
            .map_err(|e| WebError(crate::AppError::Internal(e.into()), actor.lang))?
            .map_err(|e| WebError(crate::AppError::Internal(e), actor.lang))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"agreement-{code}.pdf\"")),
        ],
        bytes,
    )
        .into_response())
}

/// The intake form's values, kept to show the form again after an error.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct IntakeValues {
    kind: String,
    category: String,
    priority: String,
    difficulty: String,
    five_small: String,
    source: String,
    narrative: String,
    lat: String,
    lon: String,
    household_code: String,
    address: String,
    reporter_name: String,
    reporter_phone: String,
    applicant: String,
    respondent: String,
}

/// The intake form's context; a failed submission's errors beside their fields (a
/// problem of no one field, such as a point outside every grid, above the form).
fn intake_ctx(
    state: &AppState,
    actor: &crate::auth::Actor,
    v: &IntakeValues,
    failed: Option<&crate::AppError>,
) -> Value {
    let (error, errors) = match failed {
        Some(crate::AppError::Validation(fields)) => {
            let mut errors = super::field_errors(actor.lang, fields, &[]);
            // A bad photo is named (照片[2] evil.jpg) beside the one file input.
            let photos: Vec<String> = fields
                .iter()
                .filter(|f| f.field.starts_with("photos"))
                .map(|f| {
                    let msg = crate::i18n_fields::field_message(actor.lang, f);
                    if f.field == "photos" {
                        msg
                    } else {
                        let colon = crate::i18n::t(actor.lang, "p_colon");
                        format!("{}{colon}{msg}", crate::i18n_fields::field_label(actor.lang, &f.field))
                    }
                })
                .collect();
            if !photos.is_empty() {
                errors.insert("photos".into(), photos.join(&crate::i18n::t(actor.lang, "p_semi")));
            }
            (None, errors)
        }
        Some(e) => (Some(error_message(actor.lang, e)), Default::default()),
        None => (None, Default::default()),
    };
    use fengqiao_domain::matter::{Difficulty, FiveSmall, MatterKind, Priority, Source};
    let coded = |code: &str, label: &str| context! { code => code.to_string(), label => label.to_string() };
    context! {
        v => Value::from_serialize(v),
        error => error,
        errors => errors,
        kinds => MatterKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        categories => state.taxonomy.all().iter().map(|c| coded(&c.code, &crate::present::category_label(state, actor.lang, &c.code))).collect::<Vec<_>>(),
        priorities => Priority::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        difficulties => Difficulty::ALL.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
        five_small => FiveSmall::ALL.iter().map(|f| coded(f.as_str(), &crate::present::vocab(actor.lang, "fs", f.as_str(), f.label_zh()))).collect::<Vec<_>>(),
        sources => Source::STAFF.iter().map(|s| coded(s.as_str(), &crate::present::vocab(actor.lang, "src", s.as_str(), s.label_zh()))).collect::<Vec<_>>(),
        ..page_ctx(state, actor, "new_matter")
    }
}

/// The staff intake form, phone-sized: GPS location, camera, a household code or address.
#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    source: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<NewQuery>,
) -> WebResult {
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::RecordMatter, &home, ("matters", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let v = IntakeValues {
        kind: "dispute".into(),
        category: "neighbour".into(),
        priority: "normal".into(),
        difficulty: "ordinary".into(),
        source: fengqiao_domain::matter::Source::parse(&q.source)
            .filter(|s| fengqiao_domain::matter::Source::STAFF.contains(s))
            .map_or("patrol", |s| s.as_str())
            .into(),
        ..Default::default()
    };
    Ok(render(&state, "new_matter.html", intake_ctx(&state, &actor, &v, None)))
}

pub async fn new_submit(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    mut form: axum::extract::Multipart,
) -> WebResult {
    use crate::AppError;
    use fengqiao_domain::matter::Source;
    let lang = actor.lang;
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError(AppError::BadRequest(format!("malformed upload: {e}")), lang)
    };
    let mut v = IntakeValues::default();
    let mut csrf = String::new();
    let mut photos: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photos" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            if !bytes.is_empty() || !file_name.is_empty() {
                photos.push((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        let slot = match name.as_str() {
            "csrf" => &mut csrf,
            "kind" => &mut v.kind,
            "category" => &mut v.category,
            "priority" => &mut v.priority,
            "difficulty" => &mut v.difficulty,
            "five_small" => &mut v.five_small,
            "source" => &mut v.source,
            "narrative" => &mut v.narrative,
            "lat" => &mut v.lat,
            "lon" => &mut v.lon,
            "household_code" => &mut v.household_code,
            "address" => &mut v.address,
            "reporter_name" => &mut v.reporter_name,
            "reporter_phone" => &mut v.reporter_phone,
            "applicant" => &mut v.applicant,
            "respondent" => &mut v.respondent,
            _ => continue,
        };
        *slot = text;
    }
    actor.check_csrf(&csrf).map_err(|e| WebError(e.into(), lang))?;
    let again =
        |e: AppError| render_status(&state, e.status(), "new_matter.html", intake_ctx(&state, &actor, &v, Some(&e)));
    // Everything is checked before anything is written.
    let mut errs = Vec::new();
    if photos.len() > 6 {
        errs.push(fengqiao_domain::FieldError::new("photos", "at most 6 files"));
    }
    for (i, (name, bytes)) in photos.iter().enumerate() {
        match fengqiao_app::files::check(&state, &format!("photos[{}] {name}", i + 1), bytes) {
            Ok(_) => {}
            Err(fengqiao_app::Error::Invalid(mut f)) => errs.append(&mut f),
            Err(e) => return Ok(again(e.into())),
        }
    }
    let source = Source::parse(&v.source).filter(|s| Source::STAFF.contains(s));
    if source.is_none() {
        errs.push(fengqiao_domain::FieldError::new("source", "how the matter came in"));
    }
    let num = |field: &str, s: &str| -> Result<Option<f64>, fengqiao_domain::FieldError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<f64>().map(Some).map_err(|_| fengqiao_domain::FieldError::new(field, "a number in degrees"))
    };
    let lat = num("lat", &v.lat).map_err(|e| errs.push(e)).ok().flatten();
    let lon = num("lon", &v.lon).map_err(|e| errs.push(e)).ok().flatten();
    for (field, name) in [("applicant", &v.applicant), ("respondent", &v.respondent)] {
        if !name.trim().is_empty()
            && let Err(e) = fengqiao_domain::registry::check_party_name(name)
        {
            errs.push(fengqiao_domain::FieldError::new(field, e));
        }
    }
    if !errs.is_empty() {
        return Ok(again(AppError::Validation(errs)));
    }
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let sub = fengqiao_app::intake::Submission {
        kind: v.kind.clone(),
        category: opt(&v.category),
        priority: opt(&v.priority),
        difficulty: opt(&v.difficulty),
        five_small: opt(&v.five_small),
        narrative: v.narrative.clone(),
        lat,
        lon,
        household_code: opt(&v.household_code),
        address: opt(&v.address),
        reporter_name: opt(&v.reporter_name),
        reporter_phone: opt(&v.reporter_phone),
    };
    let code = match fengqiao_app::intake::submit(&state, &actor, &sub, source.expect("checked"))
        .await
        .map_err(AppError::from)
    {
        Ok(code) => code,
        Err(e @ (AppError::Validation(_) | AppError::Outside(_) | AppError::Forbidden { .. })) => return Ok(again(e)),
        Err(e) => return Err(WebError(e, lang)),
    };
    for (name, bytes) in photos {
        fengqiao_app::files::attach(&state, &actor, &code, &name, bytes).await.map_err(|e| WebError(e.into(), lang))?;
    }
    for (role, name) in [("applicant", &v.applicant), ("respondent", &v.respondent)] {
        if !name.trim().is_empty() {
            let p = PartyIn { role: role.into(), name: name.trim().into(), ..Default::default() };
            casework::add_party(&state, &actor, &code, &p).await.map_err(|e| WebError(e.into(), lang))?;
        }
    }
    Ok(Redirect::to(&format!("/matters/{code}")).into_response())
}

/// An attached file, for those who may see the matter. Served with its checked type and
/// never sniffed by the browser.
pub async fn file(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path((code, id)): Path<(String, i64)>,
) -> WebResult {
    let lang = actor.lang;
    let (f, bytes) =
        fengqiao_app::casefile::file(&state, &actor, &code, id).await.map_err(|e| WebError(e.into(), lang))?;
    let disposition = if f.content_type.starts_with("image/") { "inline" } else { "attachment" };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, f.content_type.clone()),
            (axum::http::header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"file-{id}\"")),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}
