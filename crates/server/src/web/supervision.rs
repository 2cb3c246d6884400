//! The supervision desk's pages (督查): supervision slips (the list, the form to issue one, a
//! slip with its timeline and the steps the viewer may take) and the weekly quality spot
//! checks (the list with the draw button, a check with a review form per matter, and a drawn
//! matter's page where its handler replies to the findings). The rules are in
//! `fengqiao_app::supervision`.

use super::{
    Fields, FormPairs, WebActor, WebError, WebResult, field_errors, page_ctx, page_error, render, render_status,
};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::supervision::{self as app, Scope, SlipRow, SpotItemRow};
use fengqiao_app::{Actor, Error};
use fengqiao_domain::policy::Action;
use fengqiao_domain::supervision::{Flaw, SlipColour};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: i64 = 50;

/// A slip as a row of a list (the workbench's and the matter page's too).
pub fn slip_row(r: &SlipRow, now: i64) -> Value {
    context! {
        code => r.code.clone(), colour => r.colour.clone(), subject => r.subject.clone(),
        about => r.matter_code.clone().or_else(|| r.instruction_code.clone()).unwrap_or_else(|| r.addressee_unit_name.clone()),
        reason => r.reason.clone(), status => r.status.clone(), issuer => r.issuer_name.clone(),
        addressee => r.addressee_name.clone().unwrap_or_else(|| r.addressee_unit_name.clone()),
        issued_at => r.issued_at, answer_due_at => r.answer_due_at,
        overdue => r.status == "issued" && now > r.answer_due_at, sent_back => r.sent_back,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    scope: String,
    /// `1`: closed ones too.
    #[serde(default)]
    all: String,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn list(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<ListQuery>) -> WebResult {
    let lang = actor.lang;
    let desk = actor.may(Action::Supervise);
    // The desk starts from the jurisdiction's slips; everyone else from their own.
    let scope = match q.scope.as_str() {
        "" if desk => Scope::All,
        s => Scope::parse(s).unwrap_or_default(),
    };
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let open_only = q.all != "1";
    let (rows, total) = app::list(&state, &actor, scope, open_only, None, PAGE, super::page_offset(page, PAGE))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let now = state.clock.now();
    let mut tabs = vec![("mine", "sl_scope_mine")];
    if desk {
        tabs.push(("all", "sl_scope_all"));
    }
    let active = if scope == Scope::All { "all" } else { "mine" };
    let ctx = context! {
        tabs => tabs.iter().map(|(s, k)| context! { scope => *s, key => *k, active => *s == active }).collect::<Vec<_>>(),
        scope => active, open_only => open_only, may_issue => desk,
        rows => rows.iter().map(|r| slip_row(r, now)).collect::<Vec<_>>(), total => total,
        page => page, pages => ((total + PAGE - 1) / PAGE).max(1),
        ..page_ctx(&state, &actor, "supervision")
    };
    Ok(render(&state, "slips.html", ctx))
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    about: String,
}

const RENAME: &[(&str, &str)] = &[];

async fn form_page(
    state: &AppState,
    actor: &Actor,
    form: Value,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    // The form is the desk's: whoever may not issue is refused here as by the use case.
    actor
        .authorize(state, Action::Supervise, actor.jurisdiction(), ("supervision_slip", "new"))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let colours: Vec<Value> =
        SlipColour::ALL.iter().map(|c| context! { code => c.as_str(), hours => c.answer_within_hours() }).collect();
    let ctx = context! { form => form, errors => errors, colours => colours, ..page_ctx(state, actor, "supervision") };
    Ok(render_status(state, status, "slip_new.html", ctx))
}

pub async fn new_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<NewQuery>,
) -> WebResult {
    // Only a code of the expected shape is echoed into the form.
    let safe = |s: &str| s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    let subject =
        if matches!(q.subject.as_str(), "matter" | "instruction" | "unit") { q.subject } else { "matter".into() };
    let form = context! { subject => subject, about => Some(q.about).filter(|s| safe(s)), colour => "", reason => "" };
    form_page(&state, &actor, form, Default::default(), StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let input = app::SlipIn {
        subject: f.get("subject").into(),
        about: f.get("about").into(),
        colour: f.get("colour").into(),
        reason: f.get("reason").into(),
    };
    let (errors, status) = match app::issue(&state, &actor, &input).await {
        Ok(code) => return Ok(Redirect::to(&format!("/supervision/slips/{code}")).into_response()),
        Err(Error::Invalid(fields)) => (field_errors(lang, &fields, RENAME), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e @ Error::Conflict { .. }) => (page_error(lang, e), StatusCode::CONFLICT),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    let form = context! { subject => f.get("subject"), about => f.get("about"), colour => f.get("colour"), reason => f.get("reason") };
    form_page(&state, &actor, form, errors, status).await
}

async fn slip_page(
    state: &AppState,
    actor: &Actor,
    code: &str,
    sent: Option<(&str, &str)>,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let v = app::get(state, actor, code).await.map_err(|e| WebError(e.into(), lang))?;
    let names =
        fengqiao_app::people::display_names(state, &v.events.iter().map(|e| e.actor.clone()).collect::<Vec<_>>())
            .await
            .map_err(|e| WebError(e.into(), lang))?;
    let events: Vec<Value> = v
        .events
        .iter()
        .map(|e| {
            context! {
                event => e.event.clone(), note => e.note.clone(), at => e.at,
                actor => names.get(&e.actor).cloned().unwrap_or_else(|| e.actor.clone()),
            }
        })
        .collect();
    let r = &v.row;
    let ctx = context! {
        s => slip_row(r, state.clock.now()), answer => r.answer.clone(), answered_at => r.answered_at,
        closed_at => r.closed_at, matter => r.matter_code.clone(), instruction => r.instruction_code.clone(),
        unit => r.addressee_unit_name.clone(), person => r.addressee_name.clone(),
        events => events, may_answer => v.may_answer, may_close => v.may_close, may_withdraw => v.may_withdraw,
        sent_event => sent.map(|s| s.0), sent_note => sent.map(|s| s.1), errors => errors,
        ..page_ctx(state, actor, "supervision")
    };
    Ok(render_status(state, status, "slip.html", ctx))
}

pub async fn detail(State(state): State<AppState>, WebActor(actor): WebActor, Path(code): Path<String>) -> WebResult {
    slip_page(&state, &actor, &code, None, Default::default(), StatusCode::OK).await
}

pub async fn step(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let (event, note) = (f.get("event"), f.get("note"));
    let (errors, status) = match app::step(&state, &actor, &code, event, note).await {
        Ok(()) => return Ok(Redirect::to(&format!("/supervision/slips/{code}")).into_response()),
        Err(Error::Invalid(fields)) => {
            let name = match event {
                "reject" => "note_reject",
                "withdraw" => "note_withdraw",
                _ => "note_answer",
            };
            (field_errors(lang, &fields, &[("note", name)]), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e @ Error::Conflict { .. }) => (page_error(lang, e), StatusCode::CONFLICT),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    slip_page(&state, &actor, &code, Some((event, note)), errors, status).await
}

fn flaws() -> Vec<&'static str> {
    Flaw::ALL.iter().map(|f| f.as_str()).collect()
}

pub async fn checks(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    checks_page(&state, &actor, Default::default(), StatusCode::OK).await
}

async fn checks_page(
    state: &AppState,
    actor: &Actor,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let rows = app::checks(state, actor, 52).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! { checks => rows, errors => errors, ..page_ctx(state, actor, "supervision") };
    Ok(render_status(state, status, "spot_checks.html", ctx))
}

pub async fn draw(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    match app::draw(&state, &actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/supervision/spot-checks/{id}")).into_response()),
        Err(e @ Error::Conflict { .. }) => checks_page(&state, &actor, page_error(lang, e), StatusCode::CONFLICT).await,
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

fn item_ctx(i: &SpotItemRow) -> Value {
    context! {
        flaw_list => i.flaws.split(',').filter(|f| !f.is_empty()).collect::<Vec<_>>(),
        ..Value::from_serialize(i)
    }
}

async fn check_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    sent: Option<(i64, &Fields)>,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let (c, items) = app::check(state, actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    let sent_form = sent.map(|(item, f)| {
        context! { item => item, verdict => f.get("verdict"), flaws => f.all("flaws"), findings => f.get("findings") }
    });
    let ctx = context! {
        c => c, items => items.iter().map(item_ctx).collect::<Vec<_>>(), flaws => flaws(),
        sent => sent_form, errors => errors,
        ..page_ctx(state, actor, "supervision")
    };
    Ok(render_status(state, status, "spot_check.html", ctx))
}

pub async fn check(State(state): State<AppState>, WebActor(actor): WebActor, Path(id): Path<i64>) -> WebResult {
    check_page(&state, &actor, id, None, Default::default(), StatusCode::OK).await
}

pub async fn review(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let it = app::item(&state, &actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    let input =
        app::ReviewIn { verdict: f.get("verdict").into(), flaws: f.all("flaws"), findings: f.get("findings").into() };
    let (errors, status) = match app::review(&state, &actor, id, &input).await {
        // Back to the check, or to the item for a reviewer who sees it but not the whole
        // check (a street leader under a station's check).
        Ok(()) if app::check(&state, &actor, it.check_id).await.is_ok() => {
            return Ok(Redirect::to(&format!("/supervision/spot-checks/{}#item-{id}", it.check_id)).into_response());
        }
        Ok(()) => return Ok(Redirect::to(&format!("/supervision/spot-items/{id}")).into_response()),
        Err(Error::Invalid(fields)) => {
            let rename = [("verdict", "verdict"), ("flaws", "flaws"), ("findings", "findings")];
            (field_errors(lang, &fields, &rename), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e @ Error::Conflict { .. }) => (page_error(lang, e), StatusCode::CONFLICT),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    check_page(&state, &actor, it.check_id, Some((id, &f)), errors, status).await
}

async fn item_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    sent: Option<&str>,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let it = app::item(state, actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    let addressed = match it.addressee_user_id {
        Some(u) => u == actor.user.id.0,
        None => it.addressee_unit_id == actor.user.unit_id.0,
    };
    let ctx = context! {
        i => item_ctx(&it), may_reply => addressed && it.verdict == "flawed" && it.replied_at.is_none(),
        sent_reply => sent, errors => errors,
        ..page_ctx(state, actor, "supervision")
    };
    Ok(render_status(state, status, "spot_item.html", ctx))
}

pub async fn item(State(state): State<AppState>, WebActor(actor): WebActor, Path(id): Path<i64>) -> WebResult {
    item_page(&state, &actor, id, None, Default::default(), StatusCode::OK).await
}

pub async fn reply(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let text = f.get("reply");
    let (errors, status) = match app::reply(&state, &actor, id, text).await {
        Ok(()) => return Ok(Redirect::to(&format!("/supervision/spot-items/{id}")).into_response()),
        Err(Error::Invalid(fields)) => (field_errors(lang, &fields, RENAME), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e @ Error::Conflict { .. }) => (page_error(lang, e), StatusCode::CONFLICT),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    item_page(&state, &actor, id, Some(text), errors, status).await
}
