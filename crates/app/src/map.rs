//! The map: the grids of the actor's jurisdiction with their boundaries, who answers for
//! each, and the figures the map can be coloured by (computed from data).

use crate::{Actor, App, Result};
use chrono::Datelike;
use fengqiao_domain::policy::Action;

/// A grid as the map shows it.
#[derive(Debug, Clone)]
pub struct GridOnMap {
    pub code: String,
    pub name: String,
    /// GeoJSON geometry, as stored.
    pub geometry: String,
    pub police_grid: Option<String>,
    pub community: Option<String>,
    pub officer: Option<String>,
    pub worker: Option<String>,
    pub volunteers: i64,
    pub households: i64,
    pub open_matters: i64,
    /// Households visited this calendar month (China Standard Time), in per cent.
    pub visit_coverage: i64,
}

/// The grids of the actor's jurisdiction.
pub async fn grids(app: &App, actor: &Actor) -> Result<Vec<GridOnMap>> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewOrg, &home, ("unit", &actor.user.unit_code)).await?;
    let routes = app.store.grid_routes().await?;
    let volunteers = app.store.volunteers_per_grid().await?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let month_start = chrono::TimeZone::from_local_datetime(
        &tz,
        &today.with_day(1).expect("day 1").and_hms_opt(0, 0, 0).expect("midnight"),
    )
    .single()
    .expect("fixed offset")
    .timestamp_millis();
    let households = app.store.household_figures(month_start).await?;
    let open_matters = app.store.open_matters_per_grid().await?;
    Ok(routes
        .into_iter()
        .filter(|r| home.covers(&r.path))
        .map(|r| {
            let (total, visited) = households.get(&r.grid.code).copied().unwrap_or((0, 0));
            GridOnMap {
                volunteers: volunteers.get(&r.grid.code).copied().unwrap_or(0),
                open_matters: open_matters.get(&r.grid.code).copied().unwrap_or(0),
                households: total,
                visit_coverage: if total > 0 { (visited * 100 + total / 2) / total } else { 0 },
                police_grid: r.police_grid.map(|u| u.name),
                community: r.community.map(|u| u.name),
                officer: r.officer.map(|s| s.name),
                worker: r.worker.map(|s| s.name),
                code: r.grid.code,
                name: r.grid.name,
                geometry: r.geometry,
            }
        })
        .collect())
}
