//! `GET /map/grids`: the grids of the caller's jurisdiction as GeoJSON for the map page,
//! with who answers for each and the figures the map can be coloured by.

use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// Grids in the caller's jurisdiction as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/map/grids", tag = "routing", security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection; properties: code, name, police_grid, community, officer, worker, figures", body = Object),
              (status = 403, body = ErrorBody)))]
pub async fn grids(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Value>> {
    let grids = fengqiao_app::map::grids(&state, &actor).await?;
    let features: Vec<Value> = grids
        .into_iter()
        .filter_map(|g| {
            let geometry: Value = serde_json::from_str(&g.geometry).ok()?;
            Some(json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "police_grid": g.police_grid,
                    "community": g.community,
                    "officer": g.officer,
                    "worker": g.worker,
                    "figures": {
                        "volunteers": g.volunteers,
                        "households": g.households,
                        "open_matters": g.open_matters,
                        "visit_coverage": g.visit_coverage,
                    },
                }
            }))
        })
        .collect();
    Ok(Json(json!({"type": "FeatureCollection", "features": features})))
}
