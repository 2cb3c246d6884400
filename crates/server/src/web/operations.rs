//! Case work by size on the pages: the matter page's section on how a case is worked (with
//! the command room's form), and the workload board of the case-handling team and the
//! combined battalions (`/cases/workload`). The rules are in `fengqiao_app::operations`.

use super::{Fields, FormPairs, WebActor, WebError, WebResult, field_errors, page_ctx, render};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::operations as app;
use fengqiao_app::{Actor, Error};
use fengqiao_domain::operation::{Operation, may_lead};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use minijinja::{Value, context};
use std::collections::HashMap;

/// The matter page's case section: how it is worked, and the form for those who direct it
/// (with what was sent and its errors, after a refused submission).
pub async fn case_ctx(
    state: &AppState,
    actor: &Actor,
    matter_id: i64,
    grid_path: &str,
    sent: Option<(&Fields, HashMap<String, String>)>,
) -> Result<Value, WebError> {
    let lang = actor.lang;
    let setup = app::setup(state, matter_id).await.map_err(|e| WebError(e.into(), lang))?;
    let may_direct = actor.can(Action::DirectCases, &UnitPath(grid_path.to_string()));
    let (units, people) = if may_direct {
        app::choices(state, actor).await.map_err(|e| WebError(e.into(), lang))?
    } else {
        (vec![], vec![])
    };
    let units: Vec<Value> = units
        .iter()
        .map(|u| context! { code => u.code.clone(), name => u.name.clone(), lead => may_lead(u.kind) })
        .collect();
    let people: Vec<Value> = people
        .iter()
        .map(|u| context! { username => u.username.clone(), name => u.display_name.clone(), unit => u.unit_name.clone() })
        .collect();
    let form = match &sent {
        Some((f, _)) => context! {
            operation => f.get("operation"), lead_unit => f.get("lead_unit"), units => f.all("units"),
            people => f.all("people"), parent => f.get("parent"),
        },
        None => context! {
            operation => setup.operation.clone().unwrap_or_else(|| Operation::Solo.as_str().into()),
            lead_unit => setup.lead_unit.as_ref().map(|u| u.code.clone()).unwrap_or_default(),
            units => setup.units.iter().map(|u| u.code.clone()).collect::<Vec<_>>(),
            people => setup.people.iter().map(|p| p.code.clone()).collect::<Vec<_>>(),
            parent => setup.parent.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
        },
    };
    let open_children = setup.children.iter().filter(|c| c.status != "closed").count();
    Ok(context! {
        setup => Value::from_serialize(&setup), open_children => open_children, may_direct => may_direct,
        operations => Operation::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
        units => units, people => people, form => form,
        errors => sent.map(|s| s.1).unwrap_or_default(),
    })
}

/// Set how a case is worked from the matter page; back to it, or the page again with the
/// form's errors.
pub async fn set(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(code): Path<String>,
    axum::Form(f): FormPairs,
) -> WebResult {
    let lang = actor.lang;
    let f = Fields(f);
    actor.check_csrf(f.get("csrf")).map_err(|e| WebError(e.into(), lang))?;
    let input = app::OperationIn {
        operation: f.get("operation").into(),
        lead_unit: f.get("lead_unit").into(),
        units: f.all("units"),
        people: f.all("people"),
        parent: f.get("parent").into(),
    };
    let errors = match app::set(&state, &actor, &code, &input).await {
        Ok(()) => return Ok(Redirect::to(&format!("/matters/{code}#case")).into_response()),
        Err(Error::Invalid(fields)) => field_errors(lang, &fields, &[]),
        Err(e @ Error::Conflict { .. }) => {
            let mut m = HashMap::new();
            m.insert("_case".to_string(), super::error_message(lang, &e.into()));
            m
        }
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    let ctx = super::matters::detail_ctx_with_case(&state, &actor, &code, (&f, errors)).await?;
    Ok(super::render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "matter.html", ctx))
}

/// The workload board.
pub async fn workload(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let lang = actor.lang;
    let (teams, people, zones) = app::workload(&state, &actor).await.map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! { teams => teams, people => people, zones => zones, ..page_ctx(&state, &actor, "workload") };
    Ok(render(&state, "workload.html", ctx))
}
