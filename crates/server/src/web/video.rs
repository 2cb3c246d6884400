//! Video patrol pages (视频巡查): the patrol's state (coverage, overdue key cameras, open
//! repairs, plans and rounds), the camera registry with its import, a camera's page with its
//! looks and repairs, and a round walked camera by camera — one button per look, made for
//! the video desk's keyboard. The rules are in `fengqiao_app::video`.

use super::registry::{ImportTarget, import_form, import_run};
use super::{Fields, FormPairs, WebActor, WebError, WebResult, field_errors, page_ctx, render, render_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::video::{self as app, CameraRow, EntryRow, PlanRow, RepairRow, RoundRow};
use fengqiao_app::{Actor, Error};
use fengqiao_domain::policy::Action;
use fengqiao_domain::video::{CameraCategory, CameraStatus, Finding, Tier};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: i64 = 50;

const CAMERA_IMPORT: ImportTarget = ImportTarget {
    action: "/video/import",
    kinds: &[("cameras", "vp_cameras")],
    nav: "video",
    back: ("/video", "nav_video"),
    gate: Action::PatrolCameras,
    help: "vp_import_help",
};

pub fn camera(c: &CameraRow) -> Value {
    context! {
        device_id => c.device_id.clone(), name => c.name.clone(), category => c.category.clone(), tier => c.tier.clone(),
        interval => c.interval_minutes, grid => c.grid_name.clone(), status => c.status.clone(), due_at => c.due_at,
        last_checked_at => c.last_checked_at, owner => c.owner.clone(), recorder_id => c.recorder_id.clone(),
        stream_url => c.stream_url.clone(), lat => c.lat, lon => c.lon, status_at => c.status_at,
    }
}

fn entry(e: &EntryRow) -> Value {
    context! {
        id => e.id, device_id => e.device_id.clone(), camera_name => e.camera_name.clone(), by => e.user_name.clone(),
        finding => e.finding.clone(), note => e.note.clone(), matter => e.matter_code.clone(), repair => e.repair_id,
        at => e.at, round => e.round_id,
    }
}

fn repair(r: &RepairRow) -> Value {
    context! {
        id => r.id, device_id => r.device_id.clone(), camera_name => r.camera_name.clone(), grid => r.grid_name.clone(),
        finding => r.finding.clone(), note => r.note.clone(), status => r.status.clone(), opened_by => r.opened_by.clone(),
        opened_at => r.opened_at, fixed_by => r.fixed_by.clone(), fixed_at => r.fixed_at, fixed_note => r.fixed_note.clone(),
    }
}

fn plan(p: &PlanRow) -> Value {
    context! {
        id => p.id, name => p.name.clone(), unit => p.unit_name.clone(), tier => p.tier.clone(),
        categories => p.categories.split(',').filter(|c| !c.is_empty()).map(String::from).collect::<Vec<_>>(),
        interval => p.interval_minutes, assignee => p.assignee_name.clone(), last_round_at => p.last_round_at,
    }
}

fn round_row(r: &RoundRow) -> Value {
    context! {
        id => r.id, plan => r.plan_name.clone(), by => r.user_name.clone(), started_at => r.started_at,
        finished_at => r.finished_at, looked => r.looked,
    }
}

fn vocab() -> Value {
    context! {
        categories => CameraCategory::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        tiers => Tier::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        statuses => CameraStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        findings => Finding::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    }
}

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    #[serde(default)]
    unit: Option<String>,
}

async fn summary_page(
    state: &AppState,
    actor: &Actor,
    unit: Option<&str>,
    errors: HashMap<String, String>,
    form: Value,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let s = app::summary(state, actor, unit).await.map_err(|e| WebError(e.into(), lang))?;
    let c = s.counts;
    let ctx = context! {
        counts => context! {
            total => c.total, online => c.online, offline => c.offline, fault => c.fault,
            key_online => c.key_online, key_covered => c.key_covered, open_repairs => c.open_repairs,
        },
        coverage => s.coverage.percent(),
        overdue => s.overdue.iter().map(camera).collect::<Vec<_>>(), overdue_total => s.overdue_total,
        repairs => s.repairs.iter().map(repair).collect::<Vec<_>>(),
        plans => s.plans.iter().map(plan).collect::<Vec<_>>(),
        my_rounds => s.my_rounds.iter().map(round_row).collect::<Vec<_>>(),
        recent_rounds => s.recent_rounds.iter().map(round_row).collect::<Vec<_>>(),
        may_patrol => s.may_patrol, vocab => vocab(), errors => errors, form => form,
        ..page_ctx(state, actor, "video")
    };
    Ok(render_status(state, status, "video.html", ctx))
}

pub async fn summary(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<UnitQuery>,
) -> WebResult {
    summary_page(
        &state,
        &actor,
        q.unit.as_deref(),
        HashMap::new(),
        context! { interval => 30, tier => "key" },
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CameraListQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn cameras(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<CameraListQuery>,
) -> WebResult {
    let lang = actor.lang;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let query = app::CameraQuery {
        unit: None,
        category: opt(&q.category),
        tier: opt(&q.tier),
        status: opt(&q.status),
        overdue: q.overdue == "1",
        q: opt(&q.q),
        limit: Some(PAGE),
        offset: Some(super::page_offset(page, PAGE)),
    };
    let (rows, total) = app::cameras(&state, &actor, &query).await.map_err(|e| WebError(e.into(), lang))?;
    let qs = serde_urlencoded::to_string([
        ("category", q.category.as_str()),
        ("tier", q.tier.as_str()),
        ("status", q.status.as_str()),
        ("overdue", q.overdue.as_str()),
        ("q", q.q.as_str()),
    ])
    .unwrap_or_default();
    let ctx = context! {
        cameras => rows.iter().map(camera).collect::<Vec<_>>(), total => total, page => page,
        pages => (total + PAGE - 1) / PAGE, qs => qs, vocab => vocab(),
        f => context! { category => q.category, tier => q.tier, status => q.status, overdue => q.overdue == "1", q => q.q },
        may_patrol => actor.may(Action::PatrolCameras),
        ..page_ctx(&state, &actor, "video")
    };
    Ok(render(&state, "cameras.html", ctx))
}

async fn camera_page(
    state: &AppState,
    actor: &Actor,
    device_id: &str,
    errors: HashMap<String, String>,
    form: Value,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let v = app::camera(state, actor, device_id).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! {
        c => camera(&v.camera), entries => v.entries.iter().map(entry).collect::<Vec<_>>(),
        repairs => v.repairs.iter().map(repair).collect::<Vec<_>>(), may_patrol => v.may_patrol,
        vocab => vocab(), errors => errors, form => form,
        ..page_ctx(state, actor, "video")
    };
    Ok(render_status(state, status, "camera.html", ctx))
}

pub async fn camera_detail(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(device_id): Path<String>,
) -> WebResult {
    camera_page(&state, &actor, &device_id, HashMap::new(), Value::UNDEFINED, StatusCode::OK).await
}

/// Log a look, from a camera's page or from a round (`round` set): back to where it came
/// from, the next camera of the round in view.
pub async fn look(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(device_id): Path<String>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let round = f.int("round");
    let input = app::LookIn {
        round,
        device_id: device_id.clone(),
        finding: f.get("finding").into(),
        note: f.get("note").into(),
    };
    match app::look(&state, &actor, &input).await {
        Ok(_) => Ok(match round {
            Some(r) => Redirect::to(&format!("/video/rounds/{r}#next")).into_response(),
            None => Redirect::to(&format!("/video/cameras/{device_id}")).into_response(),
        }),
        Err(Error::Invalid(fields)) => {
            let form = context! { finding => f.get("finding"), note => f.get("note"), device_id => device_id.clone() };
            match round {
                Some(r) => {
                    let errors = field_errors(lang, &fields, &[("note", "note"), ("round", "_page")]);
                    round_page(&state, &actor, r, errors, form, StatusCode::UNPROCESSABLE_ENTITY).await
                }
                None => {
                    let errors = field_errors(lang, &fields, &[]);
                    camera_page(&state, &actor, &device_id, errors, form, StatusCode::UNPROCESSABLE_ENTITY).await
                }
            }
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

pub async fn set_status(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(device_id): Path<String>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    app::set_status(&state, &actor, &device_id, f.get("status")).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(Redirect::to(&format!("/video/cameras/{device_id}")).into_response())
}

pub async fn create_plan(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let input = app::PlanIn {
        name: f.get("name").into(),
        unit: f.get("unit").into(),
        tier: f.get("tier").into(),
        categories: f.all("categories"),
        interval_minutes: f.int("interval").unwrap_or(0),
        assignee: f.get("assignee").into(),
    };
    match app::create_plan(&state, &actor, &input).await {
        Ok(_) => Ok(Redirect::to("/video#plans").into_response()),
        Err(Error::Invalid(fields)) => {
            let errors = field_errors(lang, &fields, &[("interval_minutes", "interval")]);
            let form = context! {
                name => f.get("name"), tier => f.get("tier"), interval => f.get("interval"), assignee => f.get("assignee"),
                categories => f.all("categories"),
            };
            summary_page(&state, &actor, None, errors, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

pub async fn start_round(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let round = app::start_round(&state, &actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(Redirect::to(&format!("/video/rounds/{round}")).into_response())
}

async fn round_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    errors: HashMap<String, String>,
    form: Value,
    status: StatusCode,
) -> WebResult {
    let lang = actor.lang;
    let v = app::round(state, actor, id).await.map_err(|e| WebError(e.into(), lang))?;
    let todo = v.cameras.iter().filter(|(_, e)| e.is_none()).count();
    let now = state.clock.now();
    let cameras: Vec<Value> = v
        .cameras
        .iter()
        .map(|(c, e)| context! { c => camera(c), e => e.as_ref().map(entry), overdue => e.is_none() && c.status == "online" && c.due_at < now })
        .collect();
    let ctx = context! {
        r => round_row(&v.round), p => plan(&v.plan), cameras => cameras, todo => todo, total => v.cameras.len(),
        mine => v.mine, vocab => vocab(), errors => errors, form => form,
        ..page_ctx(state, actor, "video")
    };
    Ok(render_status(state, status, "patrol_round.html", ctx))
}

pub async fn round(State(state): State<AppState>, WebActor(actor): WebActor, Path(id): Path<i64>) -> WebResult {
    round_page(&state, &actor, id, HashMap::new(), Value::UNDEFINED, StatusCode::OK).await
}

pub async fn finish_round(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    match app::finish_round(&state, &actor, id).await {
        Ok(()) | Err(Error::Conflict { .. }) => Ok(Redirect::to(&format!("/video/rounds/{id}")).into_response()),
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

/// Raise a matter from a look that saw something; to the new matter's page.
pub async fn raise(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let code = app::raise_matter(&state, &actor, id, f.get("kind")).await.map_err(|e| WebError(e.into(), lang))?;
    Ok(Redirect::to(&format!("/matters/{code}")).into_response())
}

pub async fn fix(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    app::fix_repair(&state, &actor, id, f.get("note")).await.map_err(|e| WebError(e.into(), lang))?;
    let back = f.get("back");
    // Back to the camera or the patrol page, never anywhere else.
    let to = if back.len() == 20 && back.bytes().all(|b| b.is_ascii_digit()) {
        format!("/video/cameras/{back}")
    } else {
        "/video".to_string()
    };
    Ok(Redirect::to(&to).into_response())
}

pub async fn import_page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    import_form(&state, &actor, &CAMERA_IMPORT).await
}

pub async fn import_submit(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    form: axum::extract::Multipart,
) -> WebResult {
    import_run(&state, &actor, form, &CAMERA_IMPORT).await
}
