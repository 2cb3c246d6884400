//! Matter pages (issue 4, first slice): the list of the jurisdiction's matters with their
//! response clock, and a matter with its history and the next workflow step.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use fengqiao_domain::matter::{Category, Closure};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_store::matters::MatterDetail;
use minijinja::{Value, context};
use serde::Deserialize;

const PAGE: i64 = 50;

fn row(m: &MatterDetail, now: i64) -> Value {
    let overdue = m.status != "closed" && m.resolve_due_at.is_some_and(|d| d < now);
    context! {
        code => m.code.clone(), kind => m.kind.clone(),
        category => Category::parse(&m.category).map(|c| c.label_zh()).unwrap_or(""),
        narrative => m.narrative.clone(), status => m.status.clone(), closure => m.closure.clone(), tier => m.tier.clone(),
        approach => m.approach.clone(), grid_code => m.grid_code.clone(), grid_name => m.grid_name.clone(),
        household_code => m.household_code.clone(), source => m.source.clone(),
        created_at => m.created_at, resolve_due_at => m.resolve_due_at, overdue => overdue,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    page: Option<i64>,
}

pub async fn list(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<ListQuery>) -> WebResult {
    let lang = actor.lang;
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::ViewMatters, &home, ("matters", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e, lang))?;
    let page = q.page.unwrap_or(1).max(1);
    let status = Some(q.status.as_str()).filter(|s| !s.is_empty());
    let kind = Some(q.kind.as_str()).filter(|s| !s.is_empty());
    let (rows, total) = state.store.matters_under(&home, status, kind, PAGE, (page - 1) * PAGE).await?;
    let now = fengqiao_store::now_ms();
    let ctx = context! {
        rows => rows.iter().map(|m| row(m, now)).collect::<Vec<_>>(),
        total => total, page => page, pages => (total + PAGE - 1) / PAGE,
        status => q.status.clone(), kind => q.kind.clone(),
        statuses => ["registered", "accepted", "mediating", "agreement_reached", "mediation_failed", "performing", "in_progress", "closed"],
        kinds => ["dispute", "hazard", "request", "incident", "tip"],
        ..page_ctx(&state, &actor, "matters")
    };
    Ok(render(&state, "matters.html", ctx))
}

async fn detail_ctx(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    error: Option<String>,
) -> WebResult<Value> {
    let lang = actor.lang;
    let m = state.store.matter_by_code(code).await.map_err(|e| WebError(e.into(), lang))?;
    actor
        .authorize(state, Action::ViewMatters, &UnitPath(m.grid_path.clone()), ("matter", &m.code))
        .await
        .map_err(|e| WebError(e, lang))?;
    let history = state.store.matter_events(m.id).await?;
    Ok(context! {
        m => row(&m, fengqiao_store::now_ms()),
        history => history,
        can_handle => actor.may(Action::HandleMatter),
        events => fengqiao_domain::matter::Event::NAMES,
        closures => [Closure::ReferredArbitration, Closure::ReferredCourt, Closure::ReferredAdministrative].map(|c| c.as_str()),
        error => error,
        ..page_ctx(state, actor, "matters")
    })
}

pub async fn detail(State(state): State<AppState>, WebActor(actor): WebActor, Path(code): Path<String>) -> WebResult {
    let ctx = detail_ctx(&state, &actor, &code, None).await?;
    Ok(render(&state, "matter.html", ctx))
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    closure: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    route_arbitration: Option<String>,
    #[serde(default)]
    route_administrative: Option<String>,
    #[serde(default)]
    route_court: Option<String>,
}

pub async fn step(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(f): Form<StepForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e, lang))?;
    let closure = Some(f.closure.as_str()).filter(|c| !c.is_empty());
    use fengqiao_domain::mediation::Route;
    let routes: Vec<Route> = [
        (f.route_arbitration.is_some(), Route::Arbitration),
        (f.route_administrative.is_some(), Route::Administrative),
        (f.route_court.is_some(), Route::Court),
    ]
    .into_iter()
    .filter_map(|(on, r)| on.then_some(r))
    .collect();
    match crate::casework::apply_step(&state, &actor, &code, &f.event, closure, &f.note, &routes).await {
        Ok(_) => Ok(Redirect::to(&format!("/matters/{code}")).into_response()),
        Err(e @ (crate::AppError::Validation(_) | crate::AppError::Conflict { .. })) => {
            let status = e.status();
            let ctx = detail_ctx(&state, &actor, &code, Some(e.body().error.message)).await?;
            Ok(render_status(&state, status, "matter.html", ctx))
        }
        Err(e) => Err(WebError(e, lang)),
    }
}
