//! The daily grid post's pages (一日一微): the grids of a day with their posts (the day before
//! and after one click away), and a grid's post — the day's figures, the text to edit, and
//! the buttons to keep it, draft it again from the records, or send it to the grid's group.
//! The rules are in `fengqiao_app::daily_posts`.

use super::{Fields, FormPairs, WebActor, WebError, WebResult, field_errors, page_ctx, render_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::daily_posts::{self as app, PostRow};
use fengqiao_app::{Actor, Error};
use fengqiao_domain::daily_post::{MAX_BODY, check_body, china_day};
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    day: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
}

fn row(p: &PostRow) -> Value {
    context! {
        id => p.id, grid => p.grid_code.clone(), grid_name => p.grid_name.clone(),
        status => p.status.clone().unwrap_or_else(|| "none".into()), figures => Value::from_serialize(p.figures()),
        sent_at => p.sent_at, sender => p.sender_name.clone(),
    }
}

pub async fn list(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<ListQuery>) -> WebResult {
    let lang = actor.lang;
    let day = app::parse_day(&state, &q.day).map_err(|e| WebError(e.into(), lang))?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, total, (drafts, sent, grids)) =
        app::list(&state, &actor, "", day, &q.status, PAGE, super::page_offset(page, PAGE))
            .await
            .map_err(|e| WebError(e.into(), lang))?;
    let today = china_day(state.app.clock.now());
    let fmt = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let tabs: Vec<Value> = [("", "dp_all"), ("draft", "dps_draft"), ("sent", "dps_sent"), ("none", "dps_none")]
        .iter()
        .map(|(s, key)| context! { status => *s, key => *key, active => q.status == *s })
        .collect();
    let ctx = context! {
        rows => rows.iter().map(row).collect::<Vec<_>>(), total => total, drafts => drafts, sent => sent, grids => grids,
        day => fmt(day), prev => fmt(day.pred_opt().unwrap_or(day)), next => (day < today).then(|| fmt(day.succ_opt().unwrap_or(day))),
        is_today => day == today, status => q.status.clone(), tabs => tabs,
        may_post => actor.may(Action::PostDaily), page => page, pages => ((total + PAGE - 1) / PAGE).max(1),
        ..page_ctx(&state, &actor, "daily_posts")
    };
    Ok(super::render(&state, "daily_posts.html", ctx))
}

/// Open a grid's post of a day (drafted now if it has none).
pub async fn open(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let day = app::parse_day(&state, f.get("day")).map_err(|e| WebError(e.into(), lang))?;
    let id = app::open(&state, &actor, f.get("grid"), day).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(Redirect::to(&format!("/daily-posts/{id}")).into_response())
}

pub async fn detail(State(state): State<AppState>, WebActor(actor): WebActor, Path(id): Path<i64>) -> WebResult {
    post_page(&state, &actor, id, None, HashMap::new(), StatusCode::OK).await
}

async fn post_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    sent_body: Option<&str>,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let p = app::get(state, actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    let robots = app::group_robots(state, &p).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! {
        p => row(&p), body => sent_body.map(str::to_string).or(p.body.clone()).unwrap_or_default(),
        day => p.day.clone(), drafted_at => p.drafted_at, edited_at => p.edited_at, editor => p.editor_name.clone(),
        version => p.version, may_post => app::may_post(state, actor, &p), robots => robots, max_body => MAX_BODY,
        errors => errors,
        ..page_ctx(state, actor, "daily_posts")
    };
    Ok(render_status(state, status, "daily_post.html", ctx))
}

/// Keep the text, draft it again, or send it (`action`: save, redraft, send); sending keeps
/// a changed text first.
pub async fn change(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let version = f.int("version").unwrap_or(-1);
    let body = f.get("body");
    let result = match f.get("action") {
        "redraft" => app::redraft(&state, &actor, id, version).await,
        // A changed text is kept first (an empty one refused), then sent as kept.
        "send" => match app::get(&state, &actor, id).await {
            Ok(p) if check_body(body).ok().as_deref() == p.body.as_deref() => {
                app::send(&state, &actor, id, version).await
            }
            Ok(_) => match app::edit(&state, &actor, id, version, body).await {
                Ok(()) => app::send(&state, &actor, id, version + 1).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        _ => app::edit(&state, &actor, id, version, body).await,
    };
    let (errors, status) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/daily-posts/{id}")).into_response()),
        Err(Error::Invalid(fields)) => (field_errors(lang, &fields, &[]), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e @ Error::Conflict { .. }) => (super::page_error(lang, e), StatusCode::CONFLICT),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    post_page(&state, &actor, id, Some(body), errors, status).await
}
