//! `GET /map/grids`: the grids of the caller's jurisdiction as GeoJSON for the map page,
//! with who answers for each and the figures the map can be coloured by.

use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use chrono::Datelike;
use fengqiao_domain::policy::Action;
use serde_json::{Value, json};

/// Grids in the caller's jurisdiction as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/map/grids", tag = "routing", security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection; properties: code, name, police_grid, community, officer, worker, figures", body = Object),
              (status = 403, body = ErrorBody)))]
pub async fn grids(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Value>> {
    let home = actor.jurisdiction().clone();
    actor.authorize(&state, Action::ViewOrg, &home, ("unit", &actor.user.unit_code)).await?;
    let routes = state.store.grid_routes().await?;
    let volunteers = state.store.volunteers_per_grid().await?;
    // Visit coverage counts this calendar month, in China Standard Time.
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let month_start = chrono::TimeZone::from_local_datetime(
        &tz,
        &today.with_day(1).expect("day 1").and_hms_opt(0, 0, 0).expect("midnight"),
    )
    .single()
    .expect("fixed offset")
    .timestamp_millis();
    let households = state.store.household_figures(month_start).await?;
    let open_matters = state.store.open_matters_per_grid().await?;
    let features: Vec<Value> = routes
        .iter()
        .filter(|r| home.covers(&r.path))
        .filter_map(|r| {
            let geometry: Value = serde_json::from_str(&r.geometry).ok()?;
            Some(json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": r.grid.code,
                    "name": r.grid.name,
                    "police_grid": r.police_grid.as_ref().map(|u| &u.name),
                    "community": r.community.as_ref().map(|u| &u.name),
                    "officer": r.officer.as_ref().map(|s| &s.name),
                    "worker": r.worker.as_ref().map(|s| &s.name),
                    "figures": {
                        "volunteers": volunteers.get(&r.grid.code).copied().unwrap_or(0),
                        "households": households.get(&r.grid.code).map(|h| h.0).unwrap_or(0),
                        "open_matters": open_matters.get(&r.grid.code).copied().unwrap_or(0),
                        "visit_coverage": households.get(&r.grid.code).filter(|h| h.0 > 0).map(|h| (h.1 * 100 + h.0 / 2) / h.0).unwrap_or(0),
                    },
                }
            }))
        })
        .collect();
    Ok(Json(json!({"type": "FeatureCollection", "features": features})))
}
