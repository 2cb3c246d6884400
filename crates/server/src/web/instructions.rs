//! Instruction pages (指令): the lists (to me, issued by me, the jurisdiction's), the form to
//! issue one, and an instruction's page with its timeline and the steps the viewer may take.
//! The rules are in `fengqiao_app::instructions`.

use super::{Fields, FormPairs, WebActor, WebError, WebResult, field_errors, page_ctx, render, render_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::instructions::{self as app, Item, Scope};
use fengqiao_app::{Actor, Error};
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use serde::Deserialize;

const PAGE: i64 = 50;

/// An instruction as a row of a list (the matter page's too).
pub fn row(i: &Item) -> Value {
    let r = &i.row;
    context! {
        code => r.code.clone(), title => r.title.clone(), priority => r.priority.clone(),
        status => i.status.as_str(), colour => i.colour.as_str(), due => i.due,
        recipient => r.recipient_name.clone().unwrap_or_else(|| r.recipient_unit_name.clone()),
        recipient_unit => r.recipient_unit_name.clone(), issuer => r.issuer_name.clone(),
        matter => r.matter_code.clone(), issued_at => r.issued_at, escalated => r.escalated_at.is_some(),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    scope: String,
    /// `1`: closed and returned ones too.
    #[serde(default)]
    all: String,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn list(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<ListQuery>) -> WebResult {
    let lang = actor.lang;
    let scope = Scope::parse(&q.scope).unwrap_or_default();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let open_only = q.all != "1";
    let l = app::list(&state, &actor, scope, open_only, None, PAGE, super::page_offset(page, PAGE))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let mut tabs = vec![("mine", "ins_scope_mine"), ("issued", "ins_scope_issued")];
    if actor.may(Action::ViewInstructions) {
        tabs.push(("all", "ins_scope_all"));
    }
    let active = match scope {
        Scope::Mine => "mine",
        Scope::Issued => "issued",
        Scope::All => "all",
    };
    let ctx = context! {
        tabs => tabs.iter().map(|(s, k)| context! { scope => *s, key => *k, active => *s == active }).collect::<Vec<_>>(),
        scope => active, open_only => open_only,
        items => l.items.iter().map(row).collect::<Vec<_>>(), total => l.total,
        page => page, pages => (l.total + PAGE - 1) / PAGE,
        may_issue => actor.may(Action::IssueInstruction),
        ..page_ctx(&state, &actor, "instructions")
    };
    Ok(render(&state, "instructions.html", ctx))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    matter: String,
    #[serde(default)]
    to: String,
}

/// The form's own names: the recipient is one choice (`user:NAME` or `unit:CODE`).
const RENAME: &[(&str, &str)] = &[("to_user", "to"), ("to_unit", "to")];

async fn form_page(
    state: &AppState,
    actor: &Actor,
    form: Value,
    errors: std::collections::HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let (units, users) = app::recipients(state, actor).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! {
        units => units.iter().map(|u| context! { code => u.code.clone(), name => u.name.clone(), kind => u.kind.as_str() }).collect::<Vec<_>>(),
        users => users.iter().map(|u| context! { username => u.username.clone(), name => u.display_name.clone(), unit => u.unit_name.clone() }).collect::<Vec<_>>(),
        priorities => app::PRIORITIES.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        ack_choices => [10, 15, 30, 60, 120, 240],
        form => form, errors => errors,
        ..page_ctx(state, actor, "instructions")
    };
    Ok(render_status(state, status, "instruction_new.html", ctx))
}

pub async fn new_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<NewQuery>,
) -> WebResult {
    // Only a matter code or a recipient of the expected shape is echoed into the form.
    let safe = |s: &str| s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    let form = context! {
        matter => Some(q.matter).filter(|s| safe(s)), to => Some(q.to).filter(|s| safe(s)),
        priority => "normal", title => "", body => "", ack => "", report_due => "",
    };
    form_page(&state, &actor, form, Default::default(), StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let to = f.get("to").trim().to_string();
    let (to_user, to_unit) = match to.split_once(':') {
        Some(("user", u)) => (u.to_string(), String::new()),
        Some(("unit", c)) => (String::new(), c.to_string()),
        _ => (String::new(), String::new()),
    };
    let input = app::IssueIn {
        title: f.get("title").into(),
        body: f.get("body").into(),
        priority: f.get("priority").into(),
        matter: f.get("matter").into(),
        to_user,
        to_unit,
        ack_within_minutes: f.int("ack"),
        report_due: f.get("report_due").into(),
    };
    let errors = match app::issue(&state, &actor, &input).await {
        Ok(code) => return Ok(Redirect::to(&format!("/instructions/{code}")).into_response()),
        Err(Error::Invalid(fields)) => field_errors(lang, &fields, RENAME),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    let form = context! {
        matter => f.get("matter"), to => to, priority => f.get("priority"), title => f.get("title"),
        body => f.get("body"), ack => f.get("ack"), report_due => f.get("report_due"),
    };
    form_page(&state, &actor, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn detail_page(
    state: &AppState,
    actor: &Actor,
    code: &str,
    sent: Option<(&str, &str)>,
    errors: std::collections::HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let v = app::get(state, actor, code).await.map_err(|e| WebError(e.into(), lang))?;
    let r = &v.item.row;
    let names =
        fengqiao_app::people::display_names(state, &v.events.iter().map(|e| e.actor.clone()).collect::<Vec<_>>())
            .await
            .map_err(|e| WebError(e.into(), lang))?;
    let events: Vec<Value> = v
        .events
        .iter()
        .map(|e| {
            context! {
                event => e.event.clone(), to_status => e.to_status.clone(), note => e.note.clone(), at => e.at,
                actor => names.get(&e.actor).cloned().unwrap_or_else(|| e.actor.clone()),
            }
        })
        .collect();
    let o = v.offer;
    let ctx = context! {
        i => row(&v.item), body => r.body.clone(), report => r.report.clone(),
        ack_due => r.ack_due_at, report_due => r.report_due_at, acknowledged_at => r.acknowledged_at,
        reported_at => r.reported_at, closed_at => r.closed_at, escalated_at => r.escalated_at,
        recipient_person => r.recipient_name.clone(),
        events => events, addressed => v.addressed,
        offer => context! { acknowledge => o.acknowledge, report => o.report, return_ => o.return_, close => o.close, reject => o.reject },
        sent_event => sent.map(|s| s.0), sent_note => sent.map(|s| s.1), errors => errors,
        ..page_ctx(state, actor, "instructions")
    };
    Ok(render_status(state, status, "instruction.html", ctx))
}

pub async fn detail(State(state): State<AppState>, WebActor(actor): WebActor, Path(code): Path<String>) -> WebResult {
    detail_page(&state, &actor, &code, None, Default::default(), StatusCode::OK).await
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
        Ok(()) => return Ok(Redirect::to(&format!("/instructions/{code}")).into_response()),
        // The words go back under the form that sent them, kept as typed.
        Err(Error::Invalid(fields)) => {
            let form = ["report", "return", "reject"].into_iter().find(|e| *e == event).unwrap_or("report");
            let name = format!("note_{form}");
            (field_errors(lang, &fields, &[("note", name.as_str())]), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e @ Error::Conflict { .. }) => (super::page_error(lang, e), StatusCode::CONFLICT),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    detail_page(&state, &actor, &code, Some((event, note)), errors, status).await
}

/// The page a notice's acknowledgement link opens: no login (the link is the credential,
/// made for one person, used once, expiring); a GET only shows, the button acknowledges.
pub async fn link_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
) -> axum::response::Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    match fengqiao_app::notify::robots::link(&state, &token).await {
        Ok(l) => link_view(&state, lang, &token, l, false),
        Err(e) => WebError(e.into(), lang).into_response(),
    }
}

pub async fn link_submit(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    crate::auth::ClientAddr(client): crate::auth::ClientAddr,
    Path(token): Path<String>,
) -> axum::response::Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    match fengqiao_app::notify::robots::acknowledge_by_link(&state, &token, &client).await {
        Ok(l) => link_view(&state, lang, &token, l, true),
        // Acknowledged meanwhile some other way: the link is spent all the same.
        Err(Error::Conflict { .. }) => link_view(&state, lang, &token, fengqiao_app::notify::robots::Link::Used, true),
        Err(e) => WebError(e.into(), lang).into_response(),
    }
}

fn link_view(
    state: &AppState,
    lang: crate::i18n::Lang,
    token: &str,
    l: fengqiao_app::notify::robots::Link,
    done: bool,
) -> axum::response::Response {
    use fengqiao_app::notify::robots::Link;
    let (status, state_key, i) = match &l {
        Link::Open { instruction, .. } if done => (StatusCode::OK, "link_done", Some(instruction)),
        Link::Open { instruction, .. } => (StatusCode::OK, "", Some(instruction)),
        Link::Used => (StatusCode::GONE, "link_used", None),
        Link::Expired => (StatusCode::GONE, "link_expired", None),
        Link::Unknown => (StatusCode::NOT_FOUND, "link_unknown", None),
    };
    let ctx = context! {
        lang => lang.code(), token => token, state => state_key,
        i => i.map(|r| context! {
            title => r.title.clone(), body => r.body.clone(), issuer => r.issuer_name.clone(),
            recipient => r.recipient_name.clone(), ack_due => r.ack_due_at, report_due => r.report_due_at,
        }),
    };
    render_status(state, status, "ack_link.html", ctx)
}
