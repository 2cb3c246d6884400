//! The daily grid post (一日一微, issue 11 item 8): each evening every grid gets a draft of its
//! day — visits, matters recorded and settled, hazards cleared, instructions — counted from
//! the records; the grid's officer edits it and sends it to the grid's group (the robots
//! configured on the grid, topic `grid.daily_post`).
//!
//! Who: those who post for a grid (`PostDaily`: its grid workers, community and grid
//! officers) draft, edit and send its post; whoever sees the grid's matters sees its posts.
//! A post is of one China day, written within a week of it; a sent post does not change.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::daily_post::{self as rules, Figures};
use fengqiao_domain::org::{UnitKind, UnitPath};
use fengqiao_domain::policy::Action;
use fengqiao_store::StoreError;
use fengqiao_store::audit::AuditCtx;

pub use fengqiao_store::daily_posts::PostRow;

/// Most posts listed at once.
pub const MAX_LIMIT: i64 = 200;

/// The day a client names (`YYYY-MM-DD`), today (China time) when empty.
pub fn parse_day(app: &App, s: &str) -> Result<chrono::NaiveDate> {
    match s.trim() {
        "" => Ok(rules::china_day(app.clock.now())),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| Error::field("day", "a day as YYYY-MM-DD")),
    }
}

/// The figures of every grid under `path` for `day`, as of `now` when the day is not over.
async fn figures(
    app: &App,
    path: &str,
    day: chrono::NaiveDate,
    now: i64,
) -> Result<std::collections::HashMap<i64, Figures>> {
    let (from, to) = rules::day_bounds(day);
    Ok(app.store.day_figures(path, from, to.min(now)).await?)
}

/// The evening job: from 18:00 (China time), today's draft for every grid that has no post
/// yet. How many were drafted.
pub async fn draft_evening(app: &App, now: i64) -> Result<usize> {
    if !rules::evening(now) {
        return Ok(0);
    }
    draft_all(app, "", rules::china_day(now), now).await
}

/// Draft `day`'s post of every grid under `path` that has none (the demo uses it for past
/// days). How many were drafted.
pub async fn draft_all(app: &App, path: &str, day: chrono::NaiveDate, now: i64) -> Result<usize> {
    let key = day.format("%Y-%m-%d").to_string();
    let (draft, sent, grids) = app.store.daily_post_counts(path, &key).await?;
    if draft + sent >= grids {
        return Ok(0);
    }
    let mut figures = figures(app, path, day, now).await?;
    let drafts: Vec<(i64, Figures, String)> = app
        .store
        .post_grids(path)
        .await?
        .into_iter()
        .map(|g| {
            let f = figures.remove(&g.id).unwrap_or_default();
            let text = rules::draft(&g.name, day, &f, now);
            (g.id, f, text)
        })
        .collect();
    let ctx = AuditCtx::system("rules", "daily grid post");
    Ok(app.store.insert_daily_drafts(&ctx, &key, &drafts, now).await?)
}

/// A page of the grids of `unit` (the actor's jurisdiction when empty) with their post of
/// `day`, filtered by `status` (`draft`, `sent`, `none`); the total and the counts of the
/// whole day (drafts, sent, grids).
pub async fn list(
    app: &App,
    actor: &Actor,
    unit: &str,
    day: chrono::NaiveDate,
    status: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PostRow>, i64, (i64, i64, i64))> {
    actor.authorize(app, Action::ViewMatters, actor.jurisdiction(), ("daily_post", "list")).await?;
    let path = match unit.trim() {
        "" => actor.jurisdiction().clone(),
        code => match app.store.unit_by_code(code).await {
            Ok(u) if actor.can(Action::ViewMatters, &u.path) => u.path,
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(Error::field("unit", format!("no unit \"{}\" in your jurisdiction", short(code))));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let status = match status.trim() {
        "" => None,
        s @ ("draft" | "sent" | "none") => Some(s),
        _ => return Err(Error::field("status", "draft, sent or none")),
    };
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::field("limit", format!("1 to {MAX_LIMIT}")));
    }
    if !(0..=1_000_000).contains(&offset) {
        return Err(Error::field("offset", "0 to 1000000"));
    }
    let key = day.format("%Y-%m-%d").to_string();
    let (rows, total) = app.store.daily_posts(&path.0, &key, status, limit, offset).await?;
    let counts = app.store.daily_post_counts(&path.0, &key).await?;
    Ok((rows, total, counts))
}

/// A post, for whoever sees its grid's matters or posts for it; 404 to anyone else (audited).
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<PostRow> {
    let Some(p) = app.store.daily_post(id).await? else { return Err(Error::NotFound) };
    let path = UnitPath(p.path.clone());
    let action = if actor.can(Action::PostDaily, &path) { Action::PostDaily } else { Action::ViewMatters };
    match actor.authorize(app, action, &path, ("daily_post", &id.to_string())).await {
        Ok(()) => Ok(p),
        Err(Error::Denied { .. }) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// Whether the actor may edit and send this post now.
pub fn may_post(app: &App, actor: &Actor, p: &PostRow) -> bool {
    p.status.as_deref() == Some("draft")
        && actor.can(Action::PostDaily, &UnitPath(p.path.clone()))
        && p.day
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_some_and(|d| rules::day_refusal(d, app.clock.now()).is_none())
}

/// The post of `grid` for `day`: drafted now if it has none. Its id. A grid the actor does
/// not see reads as absent, as an unknown one does.
pub async fn open(app: &App, actor: &Actor, grid: &str, day: chrono::NaiveDate) -> Result<i64> {
    actor.authorize(app, Action::ViewMatters, actor.jurisdiction(), ("daily_post", "open")).await?;
    let g = match app.store.unit_by_code(grid.trim()).await {
        Ok(g) if g.kind == UnitKind::Grid => g,
        Ok(_) | Err(StoreError::NotFound) => return Err(Error::NotFound),
        Err(e) => return Err(e.into()),
    };
    let key = day.format("%Y-%m-%d").to_string();
    let object = format!("{}/{key}", g.code);
    match actor.authorize(app, Action::ViewMatters, &g.path, ("daily_post", &object)).await {
        Ok(()) => {}
        Err(Error::Denied { .. }) => return Err(Error::NotFound),
        Err(e) => return Err(e),
    }
    if let Some(p) = app.store.daily_post_of(g.id.0, &key).await? {
        return p.id.ok_or(Error::NotFound);
    }
    actor.authorize(app, Action::PostDaily, &g.path, ("daily_post", &object)).await?;
    let now = app.clock.now();
    if let Some(why) = rules::day_refusal(day, now) {
        return Err(Error::field("day", why));
    }
    let f = figures(app, &g.path.0, day, now).await?.remove(&g.id.0).unwrap_or_default();
    let text = rules::draft(&g.name, day, &f, now);
    app.store.insert_daily_drafts(&actor.audit_ctx("daily grid post"), &key, &[(g.id.0, f, text)], now).await?;
    app.store.daily_post_of(g.id.0, &key).await?.and_then(|p| p.id).ok_or(Error::NotFound)
}

/// The post, if the actor may change it: it exists for them and they post for its grid.
async fn to_change(app: &App, actor: &Actor, id: i64) -> Result<PostRow> {
    let p = get(app, actor, id).await?;
    actor.authorize(app, Action::PostDaily, &UnitPath(p.path.clone()), ("daily_post", &id.to_string())).await?;
    Ok(p)
}

/// Whether the post may change now: a draft of the last week, at the `version` the actor saw.
fn changeable(app: &App, p: &PostRow, version: i64) -> Result<()> {
    if p.status.as_deref() != Some("draft") {
        return Err(Error::Conflict { field: None, message: "the post has been sent".into() });
    }
    let day = p.day.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    if let Some(why) = day.and_then(|d| rules::day_refusal(d, app.clock.now())) {
        return Err(Error::Conflict { field: None, message: why.into() });
    }
    if p.version != Some(version) {
        return Err(stale());
    }
    Ok(())
}

fn stale() -> Error {
    Error::Conflict {
        field: Some("version".into()),
        message: "the post was changed meanwhile; reload it and try again".into(),
    }
}

fn store_conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict { .. } => stale(),
        e => e.into(),
    }
}

/// Keep the officer's text.
pub async fn edit(app: &App, actor: &Actor, id: i64, version: i64, body: &str) -> Result<()> {
    let p = to_change(app, actor, id).await?;
    let body = rules::check_body(body).map_err(|why| Error::Invalid(vec![FieldError::new("body", why)]))?;
    changeable(app, &p, version)?;
    app.store
        .edit_daily_post(&actor.audit_ctx("daily grid post"), id, version, &body, app.clock.now())
        .await
        .map_err(store_conflict)
}

/// Draft the post again from the records as they are now (the officer's text is replaced).
pub async fn redraft(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    let p = to_change(app, actor, id).await?;
    changeable(app, &p, version)?;
    let day =
        p.day.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).ok_or(Error::NotFound)?;
    let now = app.clock.now();
    let f = figures(app, &p.path, day, now).await?.remove(&p.grid_id).unwrap_or_default();
    let text = rules::draft(&p.grid_name, day, &f, now);
    app.store
        .redraft_daily_post(&actor.audit_ctx("daily grid post"), id, version, &f, &text, now)
        .await
        .map_err(store_conflict)
}

/// Send the post as it stands to the grid's group.
pub async fn send(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    let p = to_change(app, actor, id).await?;
    changeable(app, &p, version)?;
    app.store
        .send_daily_post(&actor.audit_ctx("daily grid post"), &p, version, app.clock.now())
        .await
        .map_err(store_conflict)
}

/// Today's drafts of the actor's grids waiting to be sent (for the workbench): the first
/// `limit` and how many; none when the actor does not post.
pub async fn to_send(app: &App, actor: &Actor, limit: i64) -> Result<(Vec<PostRow>, i64)> {
    if !actor.may(Action::PostDaily) {
        return Ok((vec![], 0));
    }
    let key = rules::china_day(app.clock.now()).format("%Y-%m-%d").to_string();
    Ok(app.store.daily_posts(&actor.jurisdiction().0, &key, Some("draft"), limit, 0).await?)
}

/// The grid's group robots a sent post goes to: the names of the enabled robots configured
/// on the grid itself that take daily posts (the page warns when there are none).
pub async fn group_robots(app: &App, p: &PostRow) -> Result<Vec<String>> {
    Ok(app
        .store
        .robots_under(&p.path)
        .await?
        .into_iter()
        .filter(|r| {
            r.enabled == 1
                && crate::notify::reaches("grid.daily_post", &p.path, &r.path)
                && r.topics.split(',').any(|t| t == "grid.daily_post")
        })
        .map(|r| r.name)
        .collect())
}

/// At most 40 characters of a client's text, for an error message.
fn short(s: &str) -> String {
    s.trim().chars().take(40).collect()
}
