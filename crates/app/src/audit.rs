//! The audit log for the audit administrator: search and export. Read-only: nothing in the
//! application can change a record; an export is itself recorded.

use crate::{Actor, App, Error, OFFSET_MAX, Result};
use chrono::{NaiveDate, TimeZone};
use fengqiao_domain::FieldError;
use fengqiao_domain::policy::Action;
use fengqiao_store::audit::{AuditEvent, AuditFilter, Outcome};

pub use fengqiao_store::audit::AuditRecord;

/// What to look for, as typed (every field optional).
#[derive(Debug, Clone, Default)]
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
}

/// The most records an export holds.
pub const EXPORT_MAX: i64 = 10_000;

/// `YYYY-MM-DD` in China Standard Time → the first millisecond of that day (UTC ms).
fn day_start(s: Option<&str>, field: &str, errs: &mut Vec<FieldError>) -> Option<i64> {
    let s = s.map(str::trim).filter(|s| !s.is_empty())?;
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => {
            let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
            let t = tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")).single().expect("fixed offset");
            Some(t.timestamp_millis())
        }
        Err(_) => {
            errs.push(FieldError::new(field, "use the form YYYY-MM-DD"));
            None
        }
    }
}

fn filter(q: &AuditQuery, limit: i64, offset: i64) -> Result<AuditFilter> {
    let opt = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let mut errs = vec![];
    let result = opt(&q.result);
    if result.as_deref().is_some_and(|r| !matches!(r, "success" | "failure" | "denied")) {
        errs.push(FieldError::new("result", "success, failure or denied"));
    }
    for (field, v) in [("actor", &q.actor), ("action", &q.action), ("object", &q.object)] {
        if v.as_deref().is_some_and(|s| s.chars().count() > 100) {
            errs.push(FieldError::new(field, "at most 100 characters"));
        }
    }
    let from_ms = day_start(q.from.as_deref(), "from", &mut errs);
    let to_ms = day_start(q.to.as_deref(), "to", &mut errs).map(|t| t + 86_400_000);
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    Ok(AuditFilter {
        actor: opt(&q.actor),
        action: opt(&q.action),
        object: opt(&q.object),
        result,
        from_ms,
        to_ms,
        limit,
        offset,
    })
}

/// A page of the log, newest first, and whether more follow.
pub async fn search(
    app: &App,
    actor: &Actor,
    q: &AuditQuery,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRecord>, bool)> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewAudit, &home, ("audit_log", "all")).await?;
    let mut errs = vec![];
    if !(1..=1000).contains(&limit) {
        errs.push(FieldError::new("limit", "between 1 and 1000"));
    }
    if !(0..=OFFSET_MAX).contains(&offset) {
        errs.push(FieldError::new("offset", format!("between 0 and {OFFSET_MAX}")));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let mut rows = app.store.search_audit(&filter(q, limit + 1, offset)?).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The records matching a query (at most [`EXPORT_MAX`], newest first), for an export; the
/// export is recorded in the log.
pub async fn export(app: &App, actor: &Actor, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ExportAudit, &home, ("audit_log", "all")).await?;
    let rows = app.store.search_audit(&filter(q, EXPORT_MAX, 0)?).await?;
    let ev =
        AuditEvent::new("audit.export", "audit_log", "csv", Outcome::Success).detail(format!("{} records", rows.len()));
    app.store.audit(&actor.audit_ctx("audit export"), &ev).await?;
    Ok(rows)
}
