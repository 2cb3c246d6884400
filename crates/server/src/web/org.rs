//! Organisation pages: the tree of the user's jurisdiction, a unit with its children and
//! people, and forms to edit a unit or add one below it.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::org::Unit;
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

fn unit_value(u: &Unit) -> Value {
    context! { id => u.id.0, code => u.code.clone(), kind => u.kind.as_str(), name => u.name.clone(), address => u.address.clone(), sort_order => u.sort_order, geometry => u.geometry.clone() }
}

pub async fn tree(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let (root, units) =
        fengqiao_app::org::units(&state, &actor, None).await.map_err(|e| WebError(e.into(), actor.lang))?;
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
    let f = fengqiao_app::oversight::org_figures(&state, &actor).await.map_err(|e| WebError(e.into(), actor.lang))?;
    let kinds: Vec<_> = f.units.iter().map(|k| context! { kind => k.kind.as_str(), count => k.count }).collect();
    let volunteers: Vec<_> = f.volunteers.into_iter().map(|(k, n)| context! { kind => k, count => n }).collect();
    let ctx = context! {
        tree => tree, total => units.len(), kinds => kinds, staff => f.staff, volunteers => volunteers,
        ..page_ctx(&state, &actor, "org")
    };
    Ok(render(&state, "org_tree.html", ctx))
}

async fn unit_ctx(
    state: &AppState,
    actor: &crate::auth::Actor,
    code: &str,
    errors: Vec<(String, String)>,
) -> WebResult<Value> {
    let f = fengqiao_app::org::unit_file(state, actor, code).await.map_err(|e| WebError(e.into(), actor.lang))?;
    let errors: HashMap<String, String> = errors.into_iter().collect();
    Ok(context! {
        unit => unit_value(&f.unit),
        ancestors => f.ancestors.iter().map(unit_value).collect::<Vec<_>>(),
        children => f.children.iter().map(unit_value).collect::<Vec<_>>(),
        people => f.people.iter().map(|u| super::people::person_row(state, u)).collect::<Vec<_>>(),
        people_total => f.people_total,
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
    let ctx = unit_ctx(&state, &actor, &code, vec![]).await?;
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

/// The form as the app's input; a sort order that is not a number is the form's own error.
fn unit_in(form: &UnitForm) -> (fengqiao_app::org::UnitIn, Option<(String, String)>) {
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let (sort_order, bad) = match form.sort_order.trim() {
        "" => (0, None),
        s => match s.parse::<i64>() {
            Ok(n) => (n, None),
            Err(_) => (0, Some(("sort_order".to_string(), "must be a whole number".to_string()))),
        },
    };
    let u = fengqiao_app::org::UnitIn {
        name: form.name.clone(),
        address: opt(&form.address),
        geometry: opt(&form.geometry),
        sort_order,
    };
    (u, bad)
}

/// The app's field errors as the unit form shows them, in the page's language.
fn form_errors(lang: crate::i18n::Lang, fields: &[fengqiao_domain::FieldError]) -> Vec<(String, String)> {
    fields.iter().map(|f| (f.field.clone(), crate::i18n_fields::field_message(lang, f))).collect()
}

pub async fn unit_update(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(form): Form<UnitForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    let unit =
        fengqiao_app::org::unit(&state, &actor, &code, Action::EditOrg).await.map_err(|e| WebError(e.into(), lang))?;
    let (u, bad) = unit_in(&form);
    let result = match bad {
        Some(e) => Err(vec![e]),
        None => match fengqiao_app::org::update_unit(&state, &actor, &code, &u).await {
            Ok(_) => Ok(()),
            Err(fengqiao_app::Error::Invalid(fields)) => Err(form_errors(lang, &fields)),
            Err(e) => return Err(WebError(e.into(), lang)),
        },
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/org/{}", unit.code)).into_response()),
        Err(errors) => {
            let ctx = unit_ctx(&state, &actor, &unit.code, errors).await?;
            Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "unit.html", ctx))
        }
    }
}

pub async fn unit_create_child(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    Form(form): Form<UnitForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    let parent =
        fengqiao_app::org::unit(&state, &actor, &code, Action::EditOrg).await.map_err(|e| WebError(e.into(), lang))?;
    let (u, bad) = unit_in(&form);
    let errors = match bad {
        Some(e) => vec![e],
        None => match fengqiao_app::org::create_unit(&state, &actor, &parent.code, &form.code, &form.kind, &u).await {
            Ok(child) => return Ok(Redirect::to(&format!("/org/{}", child.code)).into_response()),
            Err(fengqiao_app::Error::Invalid(fields)) => form_errors(lang, &fields),
            Err(fengqiao_app::Error::Conflict { message, .. }) => {
                vec![("code".into(), crate::i18n_fields::translate(lang, &message))]
            }
            Err(e) => return Err(WebError(e.into(), lang)),
        },
    };
    let ctx = unit_ctx(&state, &actor, &parent.code, errors).await?;
    Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "unit.html", ctx))
}
