//! The daily grid post (一日一微) over the API: the grids of a day with their posts, a grid's
//! post opened (drafted when it has none), edited, drafted again, and sent to the grid's
//! group. The rules are in `fengqiao_app::daily_posts`.

use super::{ApiJson, ApiPath, ApiQuery, bounded_offset, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_app::daily_posts::{self as app, PostRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What a grid did in the day, counted from the records.
#[derive(Serialize, ToSchema)]
pub struct FiguresOut {
    pub visits: i64,
    pub households_visited: i64,
    pub matters_new: i64,
    pub disputes_new: i64,
    pub hazards_new: i64,
    pub requests_new: i64,
    pub matters_closed: i64,
    pub disputes_settled: i64,
    pub hazards_cleared: i64,
    pub instructions_received: i64,
    pub instructions_reported: i64,
    pub open_matters: i64,
}

/// A grid's post of a day.
#[derive(Serialize, ToSchema)]
pub struct PostOut {
    /// Absent for a grid without a post that day.
    pub id: Option<i64>,
    pub grid: String,
    pub grid_name: String,
    pub day: Option<String>,
    /// draft, sent, or none (no post yet).
    pub status: String,
    pub figures: Option<FiguresOut>,
    pub body: Option<String>,
    pub drafted_at: Option<String>,
    pub edited_at: Option<String>,
    pub editor: Option<String>,
    pub sent_at: Option<String>,
    pub sender: Option<String>,
    /// Send it back with an edit or a send: a change made meanwhile is refused (409).
    pub version: Option<i64>,
}

fn out(p: PostRow) -> PostOut {
    let f = p.id.map(|_| p.figures());
    PostOut {
        id: p.id,
        grid: p.grid_code,
        grid_name: p.grid_name,
        day: p.day,
        status: p.status.unwrap_or_else(|| "none".into()),
        figures: f.map(|f| FiguresOut {
            visits: f.visits,
            households_visited: f.households_visited,
            matters_new: f.matters_new,
            disputes_new: f.disputes_new,
            hazards_new: f.hazards_new,
            requests_new: f.requests_new,
            matters_closed: f.matters_closed,
            disputes_settled: f.disputes_settled,
            hazards_cleared: f.hazards_cleared,
            instructions_received: f.instructions_received,
            instructions_reported: f.instructions_reported,
            open_matters: f.open_matters,
        }),
        body: p.body,
        drafted_at: p.drafted_at.map(rfc3339),
        edited_at: p.edited_at.map(rfc3339),
        editor: p.editor_name,
        sent_at: p.sent_at.map(rfc3339),
        sender: p.sender_name,
        version: p.version,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostQuery {
    /// YYYY-MM-DD (China time); today by default.
    pub day: Option<String>,
    /// A unit's code: its grids (the caller's jurisdiction by default).
    pub unit: Option<String>,
    /// draft, sent or none (grids without a post).
    pub status: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

/// A day's posts of the grids of a unit.
#[derive(Serialize, ToSchema)]
pub struct PostPage {
    pub day: String,
    pub items: Vec<PostOut>,
    /// Grids matching the filter.
    pub total: i64,
    /// Of all the unit's grids that day: drafts waiting, posts sent, grids.
    pub drafts: i64,
    pub sent: i64,
    pub grids: i64,
}

/// The grids of a unit with their post of a day.
#[utoipa::path(get, path = "/daily-posts", tag = "daily posts", params(PostQuery), security(("bearer" = [])),
    responses((status = 200, body = PostPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<PostQuery>,
) -> AppResult<Json<PostPage>> {
    let day = app::parse_day(&state, q.day.as_deref().unwrap_or(""))?;
    let offset = bounded_offset(q.offset)?;
    let limit = q.limit.unwrap_or(50);
    let (rows, total, (drafts, sent, grids)) = app::list(
        &state,
        &actor,
        q.unit.as_deref().unwrap_or(""),
        day,
        q.status.as_deref().unwrap_or(""),
        limit,
        offset,
    )
    .await?;
    Ok(Json(PostPage {
        day: day.format("%Y-%m-%d").to_string(),
        items: rows.into_iter().map(out).collect(),
        total,
        drafts,
        sent,
        grids,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIn {
    /// The grid's code.
    pub grid: String,
    /// YYYY-MM-DD (China time), within the last week; today by default.
    pub day: Option<String>,
}

/// A grid's post of a day: drafted from the day's records when it has none yet. A grid
/// outside the caller's jurisdiction reads as absent (404), as an unknown one does.
#[utoipa::path(post, path = "/daily-posts", tag = "daily posts", request_body = OpenIn, security(("bearer" = [])),
    responses((status = 200, body = PostOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(i): ApiJson<OpenIn>,
) -> AppResult<Json<PostOut>> {
    let day = app::parse_day(&state, i.day.as_deref().unwrap_or(""))?;
    let id = app::open(&state, &actor, &i.grid, day).await?;
    Ok(Json(out(app::get(&state, &actor, id).await?)))
}

/// One post.
#[utoipa::path(get, path = "/daily-posts/{id}", tag = "daily posts", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PostOut), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<PostOut>> {
    Ok(Json(out(app::get(&state, &actor, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditIn {
    /// The text to send, 1–1000 characters.
    pub body: String,
    /// The version read.
    pub version: i64,
}

/// Keep the officer's text (a draft of the last week).
#[utoipa::path(put, path = "/daily-posts/{id}", tag = "daily posts", params(("id" = i64, Path)), request_body = EditIn, security(("bearer" = [])),
    responses((status = 200, body = PostOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<EditIn>,
) -> AppResult<Json<PostOut>> {
    app::edit(&state, &actor, id, i.version, &i.body).await?;
    Ok(Json(out(app::get(&state, &actor, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionIn {
    /// The version read.
    pub version: i64,
}

/// Draft the post again from the records as they are now (the text is replaced).
#[utoipa::path(post, path = "/daily-posts/{id}/redraft", tag = "daily posts", params(("id" = i64, Path)), request_body = VersionIn, security(("bearer" = [])),
    responses((status = 200, body = PostOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn redraft(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<VersionIn>,
) -> AppResult<Json<PostOut>> {
    app::redraft(&state, &actor, id, i.version).await?;
    Ok(Json(out(app::get(&state, &actor, id).await?)))
}

/// Send the post as it stands to the grid's group (its DingTalk or WeCom robots).
#[utoipa::path(post, path = "/daily-posts/{id}/send", tag = "daily posts", params(("id" = i64, Path)), request_body = VersionIn, security(("bearer" = [])),
    responses((status = 200, body = PostOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<VersionIn>,
) -> AppResult<Json<PostOut>> {
    app::send(&state, &actor, id, i.version).await?;
    Ok(Json(out(app::get(&state, &actor, id).await?)))
}
