//! Video patrol (视频巡查) over the API: the camera registry (list, read, status reports from
//! the video platform; import through `/imports/cameras`), coverage, patrol plans and rounds,
//! looks logged camera by camera, a matter raised from a look, and repair tasks. The rules
//! are in `fengqiao_app::video`.

use super::{ApiJson, ApiPath, ApiQuery, Page, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::video::{self as app, CameraRow, EntryRow, PlanRow, RepairRow, RoundRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CameraOut {
    /// GB/T 28181 device ID (20 digits).
    pub device_id: String,
    pub name: String,
    /// government, school, hospital, utility, barbecue, billiards, chess_cards,
    /// internet_cafe, entertainment or key_road.
    pub category: String,
    /// key (looked at every 30 minutes) or ordinary.
    pub tier: String,
    pub interval_minutes: i64,
    pub grid: String,
    pub grid_name: String,
    pub lat: f64,
    pub lon: f64,
    pub owner: String,
    /// The parent recorder's device ID (NVR/DVR), if any.
    pub recorder_id: String,
    /// The address the operator's own viewer opens.
    pub stream_url: String,
    /// online, offline or fault.
    pub status: String,
    pub status_at: String,
    pub last_checked_at: Option<String>,
    /// When the next look is due.
    pub due_at: String,
}

fn camera_out(c: CameraRow) -> CameraOut {
    CameraOut {
        device_id: c.device_id,
        name: c.name,
        category: c.category,
        tier: c.tier,
        interval_minutes: c.interval_minutes,
        grid: c.grid_code,
        grid_name: c.grid_name,
        lat: c.lat,
        lon: c.lon,
        owner: c.owner,
        recorder_id: c.recorder_id,
        stream_url: c.stream_url,
        status: c.status,
        status_at: rfc3339(c.status_at),
        last_checked_at: c.last_checked_at.map(rfc3339),
        due_at: rfc3339(c.due_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub id: i64,
    pub round: Option<i64>,
    pub device_id: String,
    pub camera_name: String,
    pub by: String,
    /// fine, no_picture, blurred, moved or seen.
    pub finding: String,
    pub note: String,
    /// The matter raised from it, if any.
    pub matter: Option<String>,
    /// The repair task it opened or joined, if any.
    pub repair: Option<i64>,
    pub at: String,
}

fn entry_out(e: EntryRow) -> EntryOut {
    EntryOut {
        id: e.id,
        round: e.round_id,
        device_id: e.device_id,
        camera_name: e.camera_name,
        by: e.username,
        finding: e.finding,
        note: e.note,
        matter: e.matter_code,
        repair: e.repair_id,
        at: rfc3339(e.at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RepairOut {
    pub id: i64,
    pub device_id: String,
    pub camera_name: String,
    pub grid_name: String,
    /// What the look found: no_picture, blurred or moved.
    pub finding: String,
    pub note: String,
    /// open or fixed.
    pub status: String,
    pub opened_by: Option<String>,
    pub opened_at: String,
    pub fixed_by: Option<String>,
    pub fixed_at: Option<String>,
    pub fixed_note: String,
}

fn repair_out(r: RepairRow) -> RepairOut {
    RepairOut {
        id: r.id,
        device_id: r.device_id,
        camera_name: r.camera_name,
        grid_name: r.grid_name,
        finding: r.finding,
        note: r.note,
        status: r.status,
        opened_by: r.opened_by,
        opened_at: rfc3339(r.opened_at),
        fixed_by: r.fixed_by,
        fixed_at: r.fixed_at.map(rfc3339),
        fixed_note: r.fixed_note,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CameraQuery {
    /// A unit of the caller's jurisdiction (code); all of it when absent.
    pub unit: Option<String>,
    pub category: Option<String>,
    /// key or ordinary.
    pub tier: Option<String>,
    /// online, offline or fault.
    pub status: Option<String>,
    /// Only online cameras whose look is overdue (most overdue first).
    pub overdue: Option<bool>,
    /// Text in the name or the device ID (at most 60 characters).
    pub q: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

/// Cameras of the caller's jurisdiction.
#[utoipa::path(get, path = "/cameras", tag = "video", params(CameraQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<CameraOut>), (status = 403, body = ErrorBody)))]
pub async fn cameras(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<CameraQuery>,
) -> AppResult<Json<Page<CameraOut>>> {
    let q = app::CameraQuery {
        unit: q.unit,
        category: q.category,
        tier: q.tier,
        status: q.status,
        overdue: q.overdue.unwrap_or(false),
        q: q.q,
        limit: q.limit,
        offset: q.offset,
    };
    let (rows, total) = app::cameras(&state, &actor, &q).await?;
    Ok(Json(Page { items: rows.into_iter().map(camera_out).collect(), total }))
}

#[derive(Serialize, ToSchema)]
pub struct CameraDetail {
    #[serde(flatten)]
    pub camera: CameraOut,
    /// The latest looks, newest first.
    pub entries: Vec<EntryOut>,
    pub repairs: Vec<RepairOut>,
}

/// One camera, its latest looks and its repairs.
#[utoipa::path(get, path = "/cameras/{device_id}", tag = "video", params(("device_id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CameraDetail), (status = 404, body = ErrorBody)))]
pub async fn camera(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(device_id): ApiPath<String>,
) -> AppResult<Json<CameraDetail>> {
    let v = app::camera(&state, &actor, &device_id).await?;
    Ok(Json(CameraDetail {
        camera: camera_out(v.camera),
        entries: v.entries.into_iter().map(entry_out).collect(),
        repairs: v.repairs.into_iter().map(repair_out).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// online, offline or fault.
    pub status: String,
}

/// Report a camera's status, as the video platform sees it.
#[utoipa::path(post, path = "/cameras/{device_id}/status", tag = "video", params(("device_id" = String, Path)), request_body = StatusIn, security(("bearer" = [])),
    responses((status = 200, body = CameraOut), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(device_id): ApiPath<String>,
    ApiJson(s): ApiJson<StatusIn>,
) -> AppResult<Json<CameraOut>> {
    app::set_status(&state, &actor, &device_id, &s.status).await?;
    Ok(Json(camera_out(app::camera(&state, &actor, &device_id).await?.camera)))
}

#[derive(Serialize, ToSchema)]
pub struct CoverageOut {
    pub total: i64,
    pub online: i64,
    pub offline: i64,
    pub fault: i64,
    /// Key cameras online.
    pub key_online: i64,
    /// Of those, looked at within 30 minutes.
    pub key_covered: i64,
    /// key_covered / key_online, whole percent (100 when there are none).
    pub coverage_percent: i64,
    pub open_repairs: i64,
    /// Online key cameras whose look is overdue, most overdue first (at most 20).
    pub overdue: Vec<CameraOut>,
    pub overdue_total: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// A unit of the caller's jurisdiction (code); all of it when absent.
    pub unit: Option<String>,
}

/// Coverage of the key cameras now, counts by status, overdue cameras and open repairs.
#[utoipa::path(get, path = "/video/coverage", tag = "video", params(UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = CoverageOut), (status = 403, body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> AppResult<Json<CoverageOut>> {
    let s = app::summary(&state, &actor, q.unit.as_deref()).await?;
    let c = s.counts;
    Ok(Json(CoverageOut {
        total: c.total,
        online: c.online,
        offline: c.offline,
        fault: c.fault,
        key_online: c.key_online,
        key_covered: c.key_covered,
        coverage_percent: s.coverage.percent(),
        open_repairs: c.open_repairs,
        overdue: s.overdue.into_iter().map(camera_out).collect(),
        overdue_total: s.overdue_total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub unit_name: String,
    /// key, ordinary, or empty for both.
    pub tier: String,
    /// Category codes; empty for all.
    pub categories: Vec<String>,
    pub interval_minutes: i64,
    pub assignee: Option<String>,
    pub last_round_at: Option<String>,
}

fn plan_out(p: PlanRow) -> PlanOut {
    PlanOut {
        id: p.id,
        name: p.name,
        unit: p.unit_code,
        unit_name: p.unit_name,
        tier: p.tier,
        categories: p.categories.split(',').filter(|c| !c.is_empty()).map(String::from).collect(),
        interval_minutes: p.interval_minutes,
        assignee: p.assignee_username,
        last_round_at: p.last_round_at.map(rfc3339),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    /// 2–40 characters.
    pub name: String,
    /// The unit whose cameras it covers (code); the caller's jurisdiction when absent.
    pub unit: Option<String>,
    /// key, ordinary, or absent for both.
    pub tier: Option<String>,
    /// Category codes; absent or empty for all.
    pub categories: Option<Vec<String>>,
    /// Minutes between rounds, 15–1440.
    pub interval_minutes: i64,
    /// Who walks it (a username).
    pub assignee: Option<String>,
}

/// Patrol plans of the caller's jurisdiction.
#[utoipa::path(get, path = "/patrol-plans", tag = "video", security(("bearer" = [])),
    responses((status = 200, body = [PlanOut]), (status = 403, body = ErrorBody)))]
pub async fn plans(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<PlanOut>>> {
    let s = app::summary(&state, &actor, None).await?;
    Ok(Json(s.plans.into_iter().map(plan_out).collect()))
}

/// Create a patrol plan.
#[utoipa::path(post, path = "/patrol-plans", tag = "video", request_body = PlanIn, security(("bearer" = [])),
    responses((status = 201, body = PlanOut), (status = 403, body = ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(p): ApiJson<PlanIn>,
) -> AppResult<(StatusCode, Json<PlanOut>)> {
    let input = app::PlanIn {
        name: p.name,
        unit: p.unit.unwrap_or_default(),
        tier: p.tier.unwrap_or_default(),
        categories: p.categories.unwrap_or_default(),
        interval_minutes: p.interval_minutes,
        assignee: p.assignee.unwrap_or_default(),
    };
    let id = app::create_plan(&state, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(plan_out(app::plan(&state, &actor, id).await?))))
}

#[derive(Serialize, ToSchema)]
pub struct PatrolRoundOut {
    pub id: i64,
    pub plan: i64,
    pub plan_name: String,
    pub by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Looks logged in it.
    pub looked: i64,
    /// The plan's cameras, those still to look at first (most overdue first), each with its
    /// look in this round if any.
    pub cameras: Vec<PatrolRoundCameraOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PatrolRoundCameraOut {
    pub camera: CameraOut,
    pub entry: Option<EntryOut>,
}

fn round_out(r: RoundRow, cameras: Vec<(CameraRow, Option<EntryRow>)>) -> PatrolRoundOut {
    PatrolRoundOut {
        id: r.id,
        plan: r.plan_id,
        plan_name: r.plan_name,
        by: r.username,
        started_at: rfc3339(r.started_at),
        finished_at: r.finished_at.map(rfc3339),
        looked: r.looked,
        cameras: cameras
            .into_iter()
            .map(|(c, e)| PatrolRoundCameraOut { camera: camera_out(c), entry: e.map(entry_out) })
            .collect(),
    }
}

/// Start a round of a plan (or go on with the caller's open round of it).
#[utoipa::path(post, path = "/patrol-plans/{id}/rounds", tag = "video", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = PatrolRoundOut), (status = 403, body = ErrorBody)))]
pub async fn start_round(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(StatusCode, Json<PatrolRoundOut>)> {
    let round = app::start_round(&state, &actor, id).await?;
    let v = app::round(&state, &actor, round).await?;
    Ok((StatusCode::CREATED, Json(round_out(v.round, v.cameras))))
}

/// A round and its cameras.
#[utoipa::path(get, path = "/patrol-rounds/{id}", tag = "video", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PatrolRoundOut), (status = 404, body = ErrorBody)))]
pub async fn round(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<PatrolRoundOut>> {
    let v = app::round(&state, &actor, id).await?;
    Ok(Json(round_out(v.round, v.cameras)))
}

/// Finish one's round.
#[utoipa::path(post, path = "/patrol-rounds/{id}/finish", tag = "video", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 409, body = ErrorBody)))]
pub async fn finish_round(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    app::finish_round(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookIn {
    /// The caller's open round it belongs to, if any.
    pub round: Option<i64>,
    pub device_id: String,
    /// fine, no_picture, blurred, moved or seen.
    pub finding: String,
    /// What was seen (required for seen), or a remark; at most 500 characters.
    pub note: Option<String>,
}

/// Log a look at a camera. A fault (no_picture, blurred, moved) opens a repair task.
#[utoipa::path(post, path = "/patrol-entries", tag = "video", request_body = LookIn, security(("bearer" = [])),
    responses((status = 201, body = EntryOut), (status = 403, body = ErrorBody), (status = 404, description = "no such camera (or not one the caller may see)", body = ErrorBody)))]
pub async fn look(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(l): ApiJson<LookIn>,
) -> AppResult<(StatusCode, Json<EntryOut>)> {
    let input =
        app::LookIn { round: l.round, device_id: l.device_id, finding: l.finding, note: l.note.unwrap_or_default() };
    let done = app::look(&state, &actor, &input).await?;
    let v = app::camera(&state, &actor, &input.device_id).await?;
    let e = v.entries.into_iter().find(|e| e.id == done.entry_id).ok_or(fengqiao_app::Error::NotFound)?;
    Ok((StatusCode::CREATED, Json(entry_out(e))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseIn {
    /// The matter's kind: incident (default), hazard, dispute, request or tip.
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RaisedOut {
    /// The new matter's code.
    pub matter: String,
}

/// Raise a matter from a look that saw something, routed to the camera's grid.
#[utoipa::path(post, path = "/patrol-entries/{id}/matter", tag = "video", params(("id" = i64, Path)), request_body = RaiseIn, security(("bearer" = [])),
    responses((status = 201, body = RaisedOut), (status = 409, body = ErrorBody)))]
pub async fn raise(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<RaiseIn>,
) -> AppResult<(StatusCode, Json<RaisedOut>)> {
    let matter = app::raise_matter(&state, &actor, id, r.kind.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(RaisedOut { matter })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepairQuery {
    /// Only open ones (the default); false for all.
    pub open: Option<bool>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

/// Repair tasks of the caller's jurisdiction: open ones first, oldest first.
#[utoipa::path(get, path = "/camera-repairs", tag = "video", params(RepairQuery), security(("bearer" = [])),
    responses((status = 200, body = [RepairOut]), (status = 403, body = ErrorBody)))]
pub async fn repairs(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<RepairQuery>,
) -> AppResult<Json<Vec<RepairOut>>> {
    let rows =
        app::repairs(&state, &actor, q.open.unwrap_or(true), q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
    Ok(Json(rows.into_iter().map(repair_out).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixIn {
    /// What was done (at most 500 characters).
    pub note: Option<String>,
}

/// Close a repair task: the camera works again (back online).
#[utoipa::path(post, path = "/camera-repairs/{id}/fix", tag = "video", params(("id" = i64, Path)), request_body = FixIn, security(("bearer" = [])),
    responses((status = 204), (status = 409, body = ErrorBody)))]
pub async fn fix(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<FixIn>,
) -> AppResult<StatusCode> {
    app::fix_repair(&state, &actor, id, f.note.as_deref().unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}
