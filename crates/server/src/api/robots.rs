//! Robots (DingTalk, WeCom) and webhooks over the API, and their deliveries. The rules are
//! in `fengqiao_app::notify`.

use super::{ApiJson, ApiPath, ApiQuery, bounded_offset, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::notify::robots::{self as app, RobotRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RobotIn {
    /// The code of the unit whose area's notices it receives.
    pub unit: String,
    /// dingtalk, wecom or webhook.
    pub platform: String,
    /// 1–40 characters.
    pub name: String,
    /// The robot's webhook address (kept sealed, never shown again).
    pub url: String,
    /// DingTalk's signing secret (SEC…) or a webhook's key (16–200 characters); none for WeCom.
    pub secret: Option<String>,
    /// Topics: matter.created, matter.urged, matter.escalation_alert, instruction.issued,
    /// instruction.step, instruction.escalated. Alarms and instructions when absent.
    pub topics: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct RobotOut {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub platform: String,
    pub name: String,
    pub topics: Vec<String>,
    pub enabled: bool,
    pub created_at: String,
}

fn out(r: RobotRow) -> RobotOut {
    RobotOut {
        id: r.id,
        unit: r.unit_code,
        unit_name: r.unit_name,
        platform: r.platform,
        name: r.name,
        topics: r.topics.split(',').filter(|t| !t.is_empty()).map(String::from).collect(),
        enabled: r.enabled == 1,
        created_at: rfc3339(r.created_at),
    }
}

/// Add a robot or webhook to a unit.
#[utoipa::path(post, path = "/robots", tag = "notifications", request_body = RobotIn, security(("bearer" = [])),
    responses((status = 201, body = RobotOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(r): ApiJson<RobotIn>,
) -> AppResult<(StatusCode, Json<RobotOut>)> {
    let input = app::RobotIn {
        unit: r.unit,
        platform: r.platform,
        name: r.name,
        url: r.url,
        secret: r.secret.unwrap_or_default(),
        topics: r.topics.unwrap_or_default(),
    };
    let id = app::add(&state, &actor, &input).await?;
    let row = app::list(&state, &actor).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(out(row))))
}

/// The robots of the caller's jurisdiction.
#[utoipa::path(get, path = "/robots", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = [RobotOut]), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<RobotOut>>> {
    Ok(Json(app::list(&state, &actor).await?.into_iter().map(out).collect()))
}

/// Stop sending to a robot (its deliveries stay on record).
#[utoipa::path(post, path = "/robots/{id}/disable", tag = "notifications", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn disable(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<StatusCode> {
    app::disable(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// 0–1,000,000.
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: i64,
    pub robot: i64,
    pub robot_name: String,
    pub platform: String,
    /// The event's topic and object (a matter's or an instruction's code).
    pub topic: String,
    pub object: String,
    /// pending, sent, merged (into a digest), expired or failed.
    pub status: String,
    pub attempts: i64,
    /// signature, throttled, robot_removed, content_refused or unavailable.
    pub error_class: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Deliveries to the robots of the caller's jurisdiction, newest first.
#[utoipa::path(get, path = "/deliveries", tag = "notifications", params(DeliveriesQuery), security(("bearer" = [])),
    responses((status = 200, body = [DeliveryOut]), (status = 403, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> AppResult<Json<Vec<DeliveryOut>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "between 1 and 500"));
    }
    let rows = app::deliveries(&state, &actor, limit, bounded_offset(q.offset)?).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| DeliveryOut {
                id: d.id,
                robot: d.robot_id,
                robot_name: d.robot_name,
                platform: d.platform,
                topic: d.topic,
                object: d.object_id,
                status: d.status,
                attempts: d.attempts,
                error_class: d.error_class,
                last_error: d.last_error,
                created_at: rfc3339(d.created_at),
                sent_at: d.sent_at.map(rfc3339),
            })
            .collect(),
    ))
}
