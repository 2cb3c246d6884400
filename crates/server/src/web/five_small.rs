//! "Five small" policing on a page (五小警务): the period (this week, this month, last month
//! or chosen days), per person or per grid, the five counted with their sum. The rules are
//! in `fengqiao_app::five_small`.

use super::{WebActor, WebError, WebResult, page_ctx, render};
use crate::AppState;
use axum::extract::{Query, State};
use chrono::{Datelike, Duration, NaiveDate};
use fengqiao_app::five_small::{self as app, By};
use fengqiao_domain::daily_post::china_day;
use minijinja::{Value, context};
use serde::Deserialize;

const PAGE: usize = 50;

#[derive(Deserialize)]
pub struct Q {
    #[serde(default)]
    by: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

fn fmt(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub async fn page(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<Q>) -> WebResult {
    let lang = actor.lang;
    let by = By::parse(&q.by).unwrap_or(By::Person);
    let (first, today) = app::this_month(&state);
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (mut from, mut to) = (parse(&q.from).unwrap_or(first), parse(&q.to).unwrap_or(today));
    // A period the rules refuse is said above the form, and this month is counted instead.
    let mut refused = None;
    let t = match app::tally(&state, &actor, "", by, from, to).await {
        Ok(t) => t,
        Err(e @ fengqiao_app::Error::Invalid(_)) => {
            refused = Some(super::error_message(lang, &e.into()));
            (from, to) = (first, today);
            app::tally(&state, &actor, "", by, from, to).await.map_err(|e| WebError(e.into(), lang))?
        }
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    let page = (q.page.unwrap_or(1).clamp(1, 100_000)) as usize;
    let pages = t.rows.len().div_ceil(PAGE).max(1);
    let rows: Vec<Value> = t.rows.iter().skip((page - 1) * PAGE).take(PAGE).map(Value::from_serialize).collect();
    let now = china_day(state.app.clock.now());
    let monday = now - Duration::days(now.weekday().num_days_from_monday() as i64);
    let last_month_end = first - Duration::days(1);
    let presets = [
        ("fs_this_week", monday, now),
        ("fs_this_month", first, now),
        ("fs_last_month", last_month_end.with_day(1).unwrap_or(last_month_end), last_month_end),
        ("fs_this_year", now.with_ordinal(1).unwrap_or(now), now),
    ];
    let presets: Vec<Value> = presets
        .iter()
        .map(|(k, f, t2)| context! { key => *k, from => fmt(*f), to => fmt(*t2), active => *f == from && *t2 == to })
        .collect();
    let ctx = context! {
        rows => rows, totals => Value::from_serialize(t.totals), total => t.total, by => by.as_str(),
        from => fmt(t.from), to => fmt(t.to), presets => presets, refused => refused, page => page, pages => pages, count => t.rows.len(),
        ..page_ctx(&state, &actor, "five_small")
    };
    Ok(render(&state, "five_small.html", ctx))
}
