//! Searching the audit log (audit administrators only).

use super::{ApiQuery, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_domain::policy::Action;
use fengqiao_store::audit::AuditFilter;
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
    pub limit: Option<i64>,
    pub offset: Option<i64>,
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
    if !(1..=1000).contains(&limit) {
        return Err(crate::AppError::field("limit", "between 1 and 1000"));
    }
    if let Some(r) = q.result.as_deref()
        && !matches!(r, "" | "success" | "failure" | "denied")
    {
        return Err(crate::AppError::field("result", "success, failure or denied"));
    }
    let home = actor.jurisdiction().clone();
    actor.authorize(&state, Action::ViewAudit, &home, ("audit_log", "all")).await?;
    let offset = q.offset.unwrap_or(0).max(0);
    let f = AuditFilter {
        actor: q.actor,
        action: q.action,
        object: q.object,
        result: q.result,
        from_ms: None,
        to_ms: None,
        limit: limit + 1,
        offset,
    };
    let mut rows = state.store.search_audit(&f).await?;
    let next_offset = (rows.len() as i64 > limit).then_some(offset + limit);
    rows.truncate(limit as usize);
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
