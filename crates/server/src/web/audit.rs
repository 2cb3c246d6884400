//! The audit log for the audit administrator: search, page through, export. Read-only:
//! nothing in the application can change a record.

use super::{WebActor, WebError, WebResult, page_ctx, render};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use fengqiao_domain::policy::Action;
use minijinja::context;
use serde::{Deserialize, Serialize};

const PAGE: i64 = 100;

#[derive(Deserialize, Serialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<i64>,
}

/// The page's query as the app's.
fn app_query(q: &AuditQuery) -> fengqiao_app::audit::AuditQuery {
    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    fengqiao_app::audit::AuditQuery {
        actor: opt(&q.actor),
        action: opt(&q.action),
        object: opt(&q.object),
        result: opt(&q.result),
        from: opt(&q.from),
        to: opt(&q.to),
    }
}

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<AuditQuery>) -> WebResult {
    let page = q.page.unwrap_or(1).max(1);
    let offset = (page - 1).saturating_mul(PAGE);
    let (rows, has_next) = fengqiao_app::audit::search(&state, &actor, &app_query(&q), PAGE, offset)
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let query_string = serde_urlencoded::to_string(AuditQuery { page: None, ..clone_query(&q) }).unwrap_or_default();
    let ctx = context! {
        rows => rows,
        q => context! { actor => q.actor.clone(), action => q.action.clone(), object => q.object.clone(), result => q.result.clone(), from => q.from.clone(), to => q.to.clone() },
        page => page,
        has_next => has_next,
        query_string => query_string,
        can_export => actor.may(Action::ExportAudit),
        ..page_ctx(&state, &actor, "audit")
    };
    Ok(render(&state, "audit.html", ctx))
}

fn clone_query(q: &AuditQuery) -> AuditQuery {
    AuditQuery {
        actor: q.actor.clone(),
        action: q.action.clone(),
        object: q.object.clone(),
        result: q.result.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        page: q.page,
    }
}

pub async fn export_csv(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    let rows = fengqiao_app::audit::export(&state, &actor, &app_query(&q))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let out = crate::present::audit_csv::csv(&rows);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"fengqiao-audit.csv\""),
        ],
        out,
    )
        .into_response())
}
