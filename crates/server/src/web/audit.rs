//! The audit log for the audit administrator: search, page through, export. Read-only:
//! nothing in the application can change a record.

use super::{WebActor, WebError, WebResult, page_ctx, render};
use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{NaiveDate, TimeZone};
use fengqiao_domain::policy::Action;
use fengqiao_store::audit::{AuditEvent, AuditFilter, AuditRecord, Outcome};
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

/// `YYYY-MM-DD` in China Standard Time → the first millisecond of that day (UTC ms).
fn day_start(s: &str, field: &str) -> Result<Option<i64>, AppError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "use the form YYYY-MM-DD"))?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let t = tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")).single().expect("fixed offset");
    Ok(Some(t.timestamp_millis()))
}

fn filter(q: &AuditQuery, limit: i64, offset: i64) -> Result<AuditFilter, AppError> {
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(AuditFilter {
        actor: opt(&q.actor),
        action: opt(&q.action),
        object: opt(&q.object),
        result: opt(&q.result),
        from_ms: day_start(&q.from, "from")?,
        to_ms: day_start(&q.to, "to")?.map(|t| t + 86_400_000),
        limit,
        offset,
    })
}

async fn authorize(state: &AppState, actor: &Actor, action: Action) -> WebResult<()> {
    let home = actor.jurisdiction().clone();
    actor.authorize(state, action, &home, ("audit_log", "all")).await.map_err(|e| WebError(e.into(), actor.lang))
}

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<AuditQuery>) -> WebResult {
    authorize(&state, &actor, Action::ViewAudit).await?;
    let page = q.page.unwrap_or(1).max(1);
    let f = filter(&q, PAGE + 1, (page - 1) * PAGE).map_err(|e| WebError(e, actor.lang))?;
    let mut rows = state.store.search_audit(&f).await?;
    let has_next = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
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

fn csv_field(s: &str) -> String {
    // Quote every field; a leading formula character is neutralised so a spreadsheet
    // never evaluates logged input.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv_line(r: &AuditRecord) -> String {
    let fields = [
        r.seq.to_string(),
        super::templates::format_ms(r.at),
        r.actor.clone(),
        r.roles.clone(),
        r.action.clone(),
        format!("{}:{}", r.object_type, r.object_id),
        r.result.clone(),
        r.client_addr.clone(),
        r.purpose.clone(),
        r.detail.clone(),
        r.hash.clone(),
    ];
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\r\n"
}

pub async fn export_csv(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<AuditQuery>,
) -> WebResult {
    authorize(&state, &actor, Action::ExportAudit).await?;
    let f = filter(&q, 10_000, 0).map_err(|e| WebError(e, actor.lang))?;
    let rows = state.store.search_audit(&f).await?;
    let mut out = String::from("\u{feff}seq,time,actor,roles,action,object,result,client,purpose,detail,hash\r\n");
    for r in &rows {
        out.push_str(&csv_line(r));
    }
    let ev =
        AuditEvent::new("audit.export", "audit_log", "csv", Outcome::Success).detail(format!("{} records", rows.len()));
    state.store.audit(&actor.audit_ctx("audit export"), &ev).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"fengqiao-audit.csv\""),
        ],
        out,
    )
        .into_response())
}
