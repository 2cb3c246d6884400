//! Searching the audit log (audit administrators only).

use super::{ApiQuery, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub roles: String,
    pub action: String,
    pub object: String,
    pub result: String,
    pub client_addr: String,
    pub purpose: String,
    pub detail: String,
    pub hash: String,
}

/// A page of the log, newest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditOut>,
    /// Pass as `offset` for the next page; absent on the last page.
    pub next_offset: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// `type:id`, substring match.
    pub object: Option<String>,
    /// success, failure or denied.
    pub result: Option<String>,
    /// From this day on (YYYY-MM-DD, Beijing time).
    pub from: Option<String>,
    /// Up to and including this day.
    pub to: Option<String>,
    /// 1–1000, default 100.
    pub limit: Option<i64>,
    /// 0–1000000.
    pub offset: Option<i64>,
}

fn app_query(q: &AuditQuery) -> fengqiao_app::audit::AuditQuery {
    fengqiao_app::audit::AuditQuery {
        actor: q.actor.clone(),
        action: q.action.clone(),
        object: q.object.clone(),
        result: q.result.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    }
}

/// Search the audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<AuditPage>> {
    let limit = q.limit.unwrap_or(100);
    let offset = q.offset.unwrap_or(0);
    let (rows, more) = fengqiao_app::audit::search(&state, &actor, &app_query(&q), limit, offset).await?;
    let next_offset = more.then_some(offset + limit);
    let items: Vec<AuditOut> = rows
        .into_iter()
        .map(|r| AuditOut {
            seq: r.seq,
            at: rfc3339(r.at),
            actor: r.actor,
            roles: r.roles,
            action: r.action,
            object: format!("{}:{}", r.object_type, r.object_id),
            result: r.result,
            client_addr: r.client_addr,
            purpose: r.purpose,
            detail: r.detail,
            hash: r.hash,
        })
        .collect();
    Ok(Json(AuditPage { items, next_offset }))
}

/// The records matching the query (at most 10,000, newest first) as CSV, for Excel; the
/// export is itself recorded. Audit administrators only.
#[utoipa::path(get, path = "/audit/export", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, description = "text/csv", content_type = "text/csv", body = String), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let rows = fengqiao_app::audit::export(&state, &actor, &app_query(&q)).await?;
    let csv = crate::present::audit_csv::csv(&rows);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"fengqiao-audit.csv\""),
        ],
        csv,
    )
        .into_response())
}
