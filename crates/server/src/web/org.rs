//! Organisation pages: the tree of the user's jurisdiction, a unit with its children and
//! people, and forms to edit a unit or add one below it.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_domain::org::{UnitKind, validate_code};
use fengqiao_domain::policy::Action;
use fengqiao_store::org::{NewUnit, Unit, UnitUpdate};
use fengqiao_store::users::UserFilter;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

fn unit_value(u: &Unit) -> Value {
    context! { id => u.id.0, code => u.code.clone(), kind => u.kind.as_str(), name => u.name.clone(), address => u.address.clone(), sort_order => u.sort_order, geometry => u.geometry.clone() }
}

pub async fn tree(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let root = state.store.unit_by_id(actor.user.unit_id).await?;
    actor
        .authorize(&state, Action::ViewOrg, &root.path, ("unit", &root.code))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let units = state.store.units_under(&root.path, None).await?;
    // Build nested nodes: children grouped by parent, rendered recursively in the template.
    let mut by_parent: HashMap<i64, Vec<&Unit>> = HashMap::new();
    for u in &units {
        if let Some(p) = u.parent_id {
            by_parent.entry(p.0).or_default().push(u);
        }
    }
    fn node(u: &Unit, by_parent: &HashMap<i64, Vec<&Unit>>, depth: usize) -> Value {
        let kids: Vec<Value> = if depth < 6 {
            by_parent
                .get(&u.id.0)
                .map(|v| v.iter().map(|c| node(c, by_parent, depth + 1)).collect())
                .unwrap_or_default()
        } else {
            vec![]
        };
        context! { code => u.code.clone(), name => u.name.clone(), kind => u.kind.as_str(), children => kids }
    }
    let tree = node(&root, &by_parent, 0);
    let ctx = context! { tree => tree, total => units.len(), ..page_ctx(&state, &actor, "org") };
    Ok(render(&state, "org_tree.html", ctx))
}

async fn unit_ctx(
    state: &AppState,
    actor: &crate::auth::Actor,
    unit: &Unit,
    errors: Vec<(String, String)>,
) -> WebResult<Value> {
    let children = state.store.children(unit.id).await?;
    let ancestors = state.store.ancestors(unit).await?;
    let visible: Vec<Value> =
        ancestors.iter().filter(|a| actor.jurisdiction().covers(&a.path)).map(unit_value).collect();
    let (people, people_total) = if actor.may(Action::ViewPeople) {
        let (list, total) =
            state.store.users_under(&unit.path, &UserFilter { limit: 20, ..Default::default() }).await?;
        (list.iter().map(|u| super::people::person_row(&state.store.crypto, u)).collect::<Vec<_>>(), total)
    } else {
        (vec![], 0)
    };
    let errors: HashMap<String, String> = errors.into_iter().collect();
    Ok(context! {
        unit => unit_value(unit),
        ancestors => visible,
        children => children.iter().map(unit_value).collect::<Vec<_>>(),
        people => people,
        people_total => people_total,
        can_edit => actor.may(Action::EditOrg),
        kinds => UnitKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        errors => errors,
        ..page_ctx(state, actor, "org")
    })
}

pub async fn unit_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
) -> WebResult {
    let lang = actor.lang;
    let unit = state.store.unit_by_code(&code).await.map_err(|e| WebError(e.into(), lang))?;
    actor
        .authorize(&state, Action::ViewOrg, &unit.path, ("unit", &unit.code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let ctx = unit_ctx(&state, &actor, &unit, vec![]).await?;
    Ok(render(&state, "unit.html", ctx))
}

#[derive(Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    geometry: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
}

fn check_geometry(g: &str) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(g).map_err(|e| format!("not valid JSON: {e}"))?;
    match v.get("type").and_then(|t| t.as_str()) {
        Some("Polygon" | "MultiPolygon") if v.get("coordinates").is_some_and(|c| c.is_array()) => Ok(()),
        _ => Err("must be a GeoJSON Polygon or MultiPolygon geometry".into()),
    }
}

fn validate_common(form: &UnitForm) -> (Vec<(String, String)>, i64) {
    let mut errors = vec![];
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        errors.push(("name".into(), "1–64 characters".into()));
    }
    let sort_order = if form.sort_order.trim().is_empty() {
        0
    } else {
        form.sort_order.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(("sort_order".into(), "must be a whole number".into()));
            0
        })
    };
    if !form.geometry.trim().is_empty()
        && let Err(e) = check_geometry(form.geometry.trim())
    {
        errors.push(("geometry".into(), e));
    }
    (errors, sort_order)
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub async fn unit_update(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(form): Form<UnitForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    let unit = state.store.unit_by_code(&code).await.map_err(|e| WebError(e.into(), lang))?;
    actor
        .authorize(&state, Action::EditOrg, &unit.path, ("unit", &unit.code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let (errors, sort_order) = validate_common(&form);
    if !errors.is_empty() {
        let ctx = unit_ctx(&state, &actor, &unit, errors).await?;
        return Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "unit.html", ctx));
    }
    let up = UnitUpdate {
        name: form.name.trim().into(),
        address: opt(&form.address),
        geometry: opt(&form.geometry),
        sort_order,
    };
    state.store.update_unit(&actor.audit_ctx("edit organisation"), unit.id, &up).await?;
    Ok(Redirect::to(&format!("/org/{}", unit.code)).into_response())
}

pub async fn unit_create_child(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(form): Form<UnitForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    let parent = state.store.unit_by_code(&code).await.map_err(|e| WebError(e.into(), lang))?;
    actor
        .authorize(&state, Action::EditOrg, &parent.path, ("unit", &parent.code))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let (mut errors, sort_order) = validate_common(&form);
    let new_code = form.code.trim();
    if let Err(e) = validate_code(new_code) {
        errors.push(("code".into(), e.into()));
    }
    let kind = UnitKind::parse(&form.kind);
    if kind.is_none() {
        errors.push(("kind".into(), "choose a kind".into()));
    }
    if errors.is_empty() {
        let mut nu = NewUnit::new(new_code, kind.expect("checked"), form.name.trim(), Some(parent.id));
        nu.address = opt(&form.address);
        nu.geometry = opt(&form.geometry);
        nu.sort_order = sort_order;
        match state.store.create_unit(&actor.audit_ctx("edit organisation"), &nu).await {
            Ok(u) => return Ok(Redirect::to(&format!("/org/{}", u.code)).into_response()),
            Err(fengqiao_store::StoreError::Conflict { .. }) => {
                errors.push(("code".into(), "a unit with this code exists".into()))
            }
            Err(e) => return Err(WebError(e.into(), lang)),
        }
    }
    let ctx = unit_ctx(&state, &actor, &parent, errors).await?;
    Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "unit.html", ctx))
}
