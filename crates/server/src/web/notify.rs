//! 通知机器人: the DingTalk and WeCom robots and webhooks of the jurisdiction, the form to add
//! one (system administrators), and the latest deliveries with their state — what went,
//! what was merged into a digest, what expired, and what failed and why.

use super::{Fields, FormPairs, WebActor, WebError, WebResult, field_errors, page_ctx, render_status};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::notify::{self, robots};
use fengqiao_app::{Actor, Error};
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use std::collections::HashMap;

async fn page(
    state: &AppState,
    actor: &Actor,
    form: Value,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let list = robots::list(state, actor).await.map_err(|e| WebError(e.into(), lang))?;
    let deliveries = robots::deliveries(state, actor, 100, 0).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! {
        robots => list.iter().map(|r| context! {
            id => r.id, unit => r.unit_name.clone(), platform => r.platform.clone(), name => r.name.clone(),
            topics => r.topics.split(',').filter(|t| !t.is_empty()).map(String::from).collect::<Vec<_>>(),
            enabled => r.enabled == 1, created_at => r.created_at,
        }).collect::<Vec<_>>(),
        deliveries => deliveries.iter().map(|d| context! {
            robot => d.robot_name.clone(), topic => d.topic.clone(), object => d.object_id.clone(), status => d.status.clone(),
            attempts => d.attempts, error_class => d.error_class.clone(), created_at => d.created_at, sent_at => d.sent_at,
        }).collect::<Vec<_>>(),
        may_edit => actor.may(Action::EditOrg),
        platforms => notify::Platform::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        topics => notify::TOPICS, default_topics => notify::DEFAULT_TOPICS,
        form => form, errors => errors,
        ..page_ctx(state, actor, "notifications")
    };
    Ok(render_status(state, status, "notifications.html", ctx))
}

pub async fn show(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let form =
        context! { unit => actor.user.unit_code.clone(), platform => "dingtalk", topics => notify::DEFAULT_TOPICS };
    page(&state, &actor, form, HashMap::new(), StatusCode::OK).await
}

pub async fn create(State(state): State<AppState>, WebActor(actor): WebActor, axum::Form(f): FormPairs) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let input = robots::RobotIn {
        unit: f.get("unit").into(),
        platform: f.get("platform").into(),
        name: f.get("name").into(),
        url: f.get("url").into(),
        secret: f.get("secret").into(),
        topics: f.all("topics"),
    };
    let errors = match robots::add(&state, &actor, &input).await {
        Ok(_) => return Ok(Redirect::to("/notifications").into_response()),
        Err(Error::Invalid(fields)) => field_errors(lang, &fields, &[]),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    // The address and the secret are not sent back into the page.
    let form = context! { unit => input.unit, platform => input.platform, name => input.name, topics => input.topics };
    page(&state, &actor, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn disable(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(Fields(f).get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    robots::disable(&state, &actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(Redirect::to("/notifications").into_response())
}
