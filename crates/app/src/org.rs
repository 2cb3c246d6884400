//! The organisation tree: add a unit below one the actor may edit, and edit a unit. One set
//! of rules for the API and the pages (they differed: the page checked a grid's geometry,
//! the API only its type; the API validated before authorising).

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::org::{UnitKind, validate_code};
use fengqiao_domain::policy::Action;
use fengqiao_store::org::{NewUnit, UnitUpdate};

pub use fengqiao_store::org::Unit;
pub use fengqiao_store::routing::UnitRef;

/// A unit's editable fields as typed.
#[derive(Debug, Clone, Default)]
pub struct UnitIn {
    pub name: String,
    pub address: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon geometry (grids).
    pub geometry: Option<String>,
    pub sort_order: i64,
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// A GeoJSON geometry a grid may have: a Polygon or MultiPolygon of closed rings of
/// longitudes and latitudes, at most [`fengqiao_geo::MAX_POSITIONS`] positions — the same
/// reading the grid router gives it, so what is stored can be routed to.
pub fn check_geometry(g: &str) -> std::result::Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(g).map_err(|e| format!("not valid JSON: {e}"))?;
    fengqiao_geo::parse_geometry(&v).map(|_| ())
}

fn check(u: &UnitIn, fields: &mut Vec<FieldError>) {
    let name = u.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        fields.push(FieldError::new("name", "1–64 characters"));
    }
    if nonempty(&u.address).is_some_and(|a| a.chars().count() > 200) {
        fields.push(FieldError::new("address", "at most 200 characters"));
    }
    if let Some(g) = nonempty(&u.geometry)
        && let Err(e) = check_geometry(&g)
    {
        fields.push(FieldError::new("geometry", e));
    }
    if !(-1_000_000..=1_000_000).contains(&u.sort_order) {
        fields.push(FieldError::new("sort_order", "between -1000000 and 1000000"));
    }
}

/// A unit the actor may `action` (by its place in the tree).
pub async fn unit(app: &App, actor: &Actor, code: &str, action: Action) -> Result<Unit> {
    let u = app.store.unit_by_code(code.trim()).await?;
    actor.authorize(app, action, &u.path, ("unit", &u.code)).await?;
    Ok(u)
}

/// Add a unit of `kind` with `code` below `parent_code`.
pub async fn create_unit(
    app: &App,
    actor: &Actor,
    parent_code: &str,
    code: &str,
    kind: &str,
    u: &UnitIn,
) -> Result<Unit> {
    // A parent out of the actor's reach reads as one that does not exist (the refusal is
    // audited): unit codes elsewhere are not for probing. Without the role, it is refused.
    let parent = match unit(app, actor, parent_code, Action::EditOrg).await {
        Err(Error::NotFound) => {
            return Err(Error::field("parent_code", format!("no unit with code '{}'", parent_code.trim())));
        }
        Err(Error::Denied { .. }) if actor.may(Action::EditOrg) => {
            return Err(Error::field("parent_code", format!("no unit with code '{}'", parent_code.trim())));
        }
        r => r?,
    };
    let mut fields = vec![];
    let code = code.trim();
    if let Err(e) = validate_code(code) {
        fields.push(FieldError::new("code", e));
    }
    let kind = UnitKind::parse(kind.trim());
    if kind.is_none() {
        fields.push(FieldError::new("kind", "choose a kind"));
    }
    check(u, &mut fields);
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let mut nu = NewUnit::new(code, kind.expect("checked"), u.name.trim(), Some(parent.id));
    nu.address = nonempty(&u.address);
    nu.geometry = nonempty(&u.geometry);
    nu.sort_order = u.sort_order;
    Ok(app.store.create_unit(&actor.audit_ctx("edit organisation"), &nu).await?)
}

/// Edit a unit's name, address, geometry and order.
pub async fn update_unit(app: &App, actor: &Actor, code: &str, u: &UnitIn) -> Result<Unit> {
    let unit = unit(app, actor, code, Action::EditOrg).await?;
    let mut fields = vec![];
    check(u, &mut fields);
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let up = UnitUpdate {
        name: u.name.trim().into(),
        address: nonempty(&u.address),
        geometry: nonempty(&u.geometry),
        sort_order: u.sort_order,
    };
    app.store.update_unit(&actor.audit_ctx("edit organisation"), unit.id, &up).await?;
    Ok(app.store.unit_by_code(&unit.code).await?)
}

// ---- reads --------------------------------------------------------------------------------

/// The actor's own unit and every unit below it (of `kind` only, when given), in tree order.
pub async fn units(app: &App, actor: &Actor, kind: Option<UnitKind>) -> Result<(Unit, Vec<Unit>)> {
    let root = app.store.unit_by_id(actor.user.unit_id).await?;
    actor.authorize(app, Action::ViewOrg, &root.path, ("unit", &root.code)).await?;
    let units = app.store.units_under(&root.path, kind).await?;
    Ok((root, units))
}

/// The code of a unit's parent (none for the root).
pub async fn parent_code(app: &App, u: &Unit) -> Result<Option<String>> {
    Ok(match u.parent_id {
        Some(p) => Some(app.store.unit_by_id(p).await?.code),
        None => None,
    })
}

/// A unit's page: the unit, its parent's code, its children, the units above it that lie in
/// the actor's jurisdiction, and (for roles that see people) the first 20 of its staff.
#[derive(Debug, Clone)]
pub struct UnitFile {
    pub unit: Unit,
    pub parent_code: Option<String>,
    pub children: Vec<Unit>,
    pub ancestors: Vec<Unit>,
    pub people: Vec<crate::people::User>,
    pub people_total: i64,
}

/// The file of a unit the actor may see.
pub async fn unit_file(app: &App, actor: &Actor, code: &str) -> Result<UnitFile> {
    let u = unit(app, actor, code, Action::ViewOrg).await?;
    let children = app.store.children(u.id).await?;
    let ancestors: Vec<Unit> =
        app.store.ancestors(&u).await?.into_iter().filter(|a| actor.jurisdiction().covers(&a.path)).collect();
    let (people, people_total) = if actor.can(Action::ViewPeople, &u.path) {
        let f = fengqiao_store::users::UserFilter { limit: 20, ..Default::default() };
        app.store.users_under(&u.path, &f).await?
    } else {
        (vec![], 0)
    };
    Ok(UnitFile { parent_code: parent_code(app, &u).await?, unit: u, children, ancestors, people, people_total })
}
