//! Where a report is: a point (or an address resolving to its household's point) and the
//! grid that contains it, with the units above it and who answers for it. Intake and the
//! `locate` use case share these steps.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::mask::mask_phone;
use fengqiao_domain::policy::Action;
use fengqiao_store::routing::{GridRoute, StaffRef, UnitRef};

/// Check and return a coordinate pair (lat, lon), naming the bad field.
pub fn coordinates(lat: Option<f64>, lon: Option<f64>) -> Result<(f64, f64)> {
    let mut fields = vec![];
    match lat {
        None => fields.push(FieldError::new("lat", "required")),
        Some(v) if !(-90.0..=90.0).contains(&v) => fields.push(FieldError::new("lat", "between -90 and 90")),
        _ => {}
    }
    match lon {
        None => fields.push(FieldError::new("lon", "required")),
        Some(v) if !(-180.0..=180.0).contains(&v) => fields.push(FieldError::new("lon", "between -180 and 180")),
        _ => {}
    }
    if fields.is_empty() { Ok((lat.unwrap_or_default(), lon.unwrap_or_default())) } else { Err(Error::Invalid(fields)) }
}

/// The point of a registered address (its household's), or a field error.
pub async fn point_of_address(app: &App, address: &str) -> Result<(f64, f64)> {
    match app.store.point_of_address(address).await? {
        Some(p) => Ok(p),
        None => Err(Error::field("address", "no registered household has this address")),
    }
}

/// The grid containing a point (lat, lon); outside every grid, the error names the nearest.
pub async fn route_at(app: &App, (lat, lon): (f64, f64)) -> Result<GridRoute> {
    let index = app.router.index(&app.store).await?;
    if let Some(route) = index.locate(lon, lat) {
        return Ok(route.clone());
    }
    Err(Error::Outside(match index.nearest(lon, lat) {
        Some((r, d)) => {
            format!("the point is outside every grid; the nearest is {} {} ({d:.0} m away)", r.grid.code, r.grid.name)
        }
        None => "the point is outside every grid (no grids are defined)".to_string(),
    }))
}

/// A member of staff who answers for a grid, with the phone masked.
#[derive(Debug, Clone)]
pub struct Contact {
    pub username: String,
    pub name: String,
    pub phone: Option<String>,
}

/// The grid containing a point, the units above it and who answers for it.
#[derive(Debug, Clone)]
pub struct Located {
    pub grid: UnitRef,
    pub police_grid: Option<UnitRef>,
    pub community: Option<UnitRef>,
    pub street: Option<UnitRef>,
    pub officer: Option<Contact>,
    pub worker: Option<Contact>,
}

/// Which grid contains a point (or an address), for a caller who may see that grid.
pub async fn locate(
    app: &App,
    actor: &Actor,
    lat: Option<f64>,
    lon: Option<f64>,
    address: Option<&str>,
) -> Result<Located> {
    let point = match address.map(str::trim).filter(|a| !a.is_empty()) {
        Some(address) if lat.is_none() && lon.is_none() => point_of_address(app, address).await?,
        Some(_) => return Err(Error::field("address", "give either an address or lat and lon, not both")),
        None => coordinates(lat, lon)?,
    };
    let route = route_at(app, point).await?;
    actor.authorize(app, Action::ViewOrg, &route.path, ("unit", &route.grid.code)).await?;
    // Phones masked for every role: a number in full comes from the person's page, whose
    // reveal states a purpose and is audited.
    let contact = |s: &StaffRef| -> Result<Contact> {
        let phone = match &s.phone_enc {
            Some(enc) => Some(mask_phone(&app.store.crypto.open(enc)?)),
            None => None,
        };
        Ok(Contact { username: s.username.clone(), name: s.name.clone(), phone })
    };
    Ok(Located {
        officer: route.officer.as_ref().map(contact).transpose()?,
        worker: route.worker.as_ref().map(contact).transpose()?,
        grid: route.grid,
        police_grid: route.police_grid,
        community: route.community,
        street: route.street,
    })
}
