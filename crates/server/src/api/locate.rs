//! `GET /locate`: which grid, police grid, community and street contain a point, and who
//! answers for it.

use super::ApiQuery;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_domain::mask::mask_phone;
use fengqiao_domain::policy::Action;
use fengqiao_store::routing::{StaffRef, UnitRef};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
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

/// Check and return a coordinate pair, naming the bad field.
pub(crate) fn coordinates(lat: Option<f64>, lon: Option<f64>) -> AppResult<(f64, f64)> {
    let mut fields = vec![];
    match lat {
        None => fields.push(fengqiao_domain::FieldError::new("lat", "required")),
        Some(v) if !(-90.0..=90.0).contains(&v) => {
            fields.push(fengqiao_domain::FieldError::new("lat", "between -90 and 90"))
        }
        _ => {}
    }
    match lon {
        None => fields.push(fengqiao_domain::FieldError::new("lon", "required")),
        Some(v) if !(-180.0..=180.0).contains(&v) => {
            fields.push(fengqiao_domain::FieldError::new("lon", "between -180 and 180"))
        }
        _ => {}
    }
    if fields.is_empty() {
        Ok((lat.unwrap_or_default(), lon.unwrap_or_default()))
    } else {
        Err(AppError::Validation(fields))
    }
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
    let (lat, lon) = match q.address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(address) if q.lat.is_none() && q.lon.is_none() => match state.store.point_of_address(address).await? {
            Some(p) => p,
            None => return Err(AppError::field("address", "no registered household has this address")),
        },
        Some(_) => return Err(AppError::field("address", "give either an address or lat and lon, not both")),
        None => coordinates(q.lat, q.lon)?,
    };
    let index = state.router.index(&state.store).await?;
    let Some(route) = index.locate(lon, lat) else {
        let message = match index.nearest(lon, lat) {
            Some((r, d)) => format!(
                "the point is outside every grid; the nearest is {} {} ({:.0} m away)",
                r.grid.code, r.grid.name, d
            ),
            None => "the point is outside every grid (no grids are defined)".to_string(),
        };
        return Err(AppError::Outside(message));
    };
    actor.authorize(&state, Action::ViewOrg, &route.path, ("unit", &route.grid.code)).await?;
    let full = actor.may(Action::ViewPersonalData);
    let contact = |s: &StaffRef| -> AppResult<Contact> {
        let phone = match &s.phone_enc {
            Some(enc) => {
                let p = state.store.crypto.open(enc)?;
                Some(if full { p } else { mask_phone(&p) })
            }
            None => None,
        };
        Ok(Contact { username: s.username.clone(), name: s.name.clone(), phone })
    };
    Ok(Json(Location {
        grid: place(&route.grid),
        police_grid: route.police_grid.as_ref().map(place),
        community: route.community.as_ref().map(place),
        street: route.street.as_ref().map(place),
        officer: route.officer.as_ref().map(contact).transpose()?,
        worker: route.worker.as_ref().map(contact).transpose()?,
    }))
}
