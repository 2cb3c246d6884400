//! `GET /locate`: which grid, police grid, community and street contain a point, and who
//! answers for it.

use super::ApiQuery;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_app::org::UnitRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    /// Latitude, WGS 84 degrees.
    pub lat: Option<f64>,
    /// Longitude, WGS 84 degrees.
    pub lon: Option<f64>,
    /// A standard address (instead of lat/lon): it resolves to its household's point.
    pub address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Place {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Contact {
    pub username: String,
    pub name: String,
    /// Masked unless the caller's role may see phone numbers.
    pub phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Location {
    pub grid: Place,
    pub police_grid: Option<Place>,
    pub community: Option<Place>,
    pub street: Option<Place>,
    pub officer: Option<Contact>,
    pub worker: Option<Contact>,
}

fn place(u: &UnitRef) -> Place {
    Place { code: u.code.clone(), name: u.name.clone() }
}

fn contact(c: fengqiao_app::locate::Contact) -> Contact {
    Contact { username: c.username, name: c.name, phone: c.phone }
}

/// The grid that contains a point.
#[utoipa::path(get, path = "/locate", tag = "routing", params(LocateQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = Location),
        (status = 403, description = "the grid is outside your jurisdiction", body = ErrorBody),
        (status = 404, description = "`outside_grids`: the point is in no grid; the message names the nearest", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn locate(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<LocateQuery>,
) -> AppResult<Json<Location>> {
    let l = fengqiao_app::locate::locate(&state, &actor, q.lat, q.lon, q.address.as_deref()).await?;
    Ok(Json(Location {
        grid: place(&l.grid),
        police_grid: l.police_grid.as_ref().map(place),
        community: l.community.as_ref().map(place),
        street: l.street.as_ref().map(place),
        officer: l.officer.map(contact),
        worker: l.worker.map(contact),
    }))
}
