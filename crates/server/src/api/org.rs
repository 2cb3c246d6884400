//! The organisation tree over the API.

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::org::Unit;
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::policy::Action;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub code: String,
    /// One of: station, street, community, police_grid, grid, zone, command_room, desk,
    /// case_team, community_office, battalion, department, mediation_centre, alliance,
    /// volunteer_team.
    pub kind: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub address: Option<String>,
    /// GeoJSON geometry (Polygon or MultiPolygon) for grids and areas.
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
}

fn out(u: &Unit, parent_code: Option<String>) -> UnitOut {
    UnitOut {
        code: u.code.clone(),
        kind: u.kind.as_str().into(),
        name: u.name.clone(),
        parent_code,
        address: u.address.clone(),
        geometry: u.geometry.as_deref().and_then(|g| serde_json::from_str(g).ok()),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Only units of this kind.
    pub kind: Option<String>,
}

/// Units in the caller's jurisdiction.
#[utoipa::path(get, path = "/units", tag = "organisation", params(UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<UnitOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_units(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> AppResult<Json<Vec<UnitOut>>> {
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(UnitKind::parse(k).ok_or_else(|| AppError::field("kind", format!("unknown unit kind '{k}'")))?),
    };
    let (_, units) = fengqiao_app::org::units(&state, &actor, kind).await?;
    let all = if kind.is_some() { fengqiao_app::org::units(&state, &actor, None).await?.1 } else { units.clone() };
    let codes: std::collections::HashMap<i64, String> = all.iter().map(|u| (u.id.0, u.code.clone())).collect();
    Ok(Json(units.iter().map(|u| out(u, u.parent_id.and_then(|p| codes.get(&p.0).cloned()))).collect()))
}

/// One unit by code.
#[utoipa::path(get, path = "/units/{code}", tag = "organisation", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
) -> AppResult<Json<UnitOut>> {
    let unit = fengqiao_app::org::unit(&state, &actor, &code, Action::ViewOrg).await?;
    let parent = fengqiao_app::org::parent_code(&state, &unit).await?;
    Ok(Json(out(&unit, parent)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitIn {
    pub code: String,
    pub kind: String,
    pub name: String,
    pub parent_code: String,
    pub address: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
    pub sort_order: Option<i64>,
}

/// Add a unit below an existing one.
#[utoipa::path(post, path = "/units", tag = "organisation", request_body = NewUnitIn, security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_unit(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<NewUnitIn>,
) -> AppResult<(StatusCode, Json<UnitOut>)> {
    let NewUnitIn { code, kind, name, parent_code, address, geometry, sort_order } = req;
    let u = fengqiao_app::org::UnitIn {
        name,
        address,
        geometry: geometry.map(|g| g.to_string()),
        sort_order: sort_order.unwrap_or(0),
    };
    let unit = fengqiao_app::org::create_unit(&state, &actor, &parent_code, &code, &kind, &u).await?;
    Ok((StatusCode::CREATED, Json(out(&unit, Some(parent_code.trim().to_string())))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitUpdateIn {
    pub name: String,
    pub address: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon (grids).
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
    pub sort_order: Option<i64>,
}

/// Edit a unit: its name, address, geometry (a grid's boundary) and order.
#[utoipa::path(put, path = "/units/{code}", tag = "organisation", params(("code" = String, Path)), request_body = UnitUpdateIn, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_unit(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<UnitUpdateIn>,
) -> AppResult<Json<UnitOut>> {
    let UnitUpdateIn { name, address, geometry, sort_order } = req;
    let u = fengqiao_app::org::UnitIn {
        name,
        address,
        geometry: geometry.map(|g| g.to_string()),
        sort_order: sort_order.unwrap_or(0),
    };
    let unit = fengqiao_app::org::update_unit(&state, &actor, &code, &u).await?;
    let parent = fengqiao_app::org::parent_code(&state, &unit).await?;
    Ok(Json(out(&unit, parent)))
}
