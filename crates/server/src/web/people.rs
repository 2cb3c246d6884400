//! Staff accounts and volunteers: lists within the jurisdiction, a person's page, the forms
//! to create and edit accounts, and the audited reveal of a phone number.

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use crate::i18n;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use fengqiao_app::people::{User, UserFilter};
use fengqiao_domain::policy::Action;
use fengqiao_domain::role::{MediatorKind, Role};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: i64 = 50;

/// A row of a people list, with the phone masked (first 3 and last 4 digits).
pub fn person_row(app: &fengqiao_app::App, u: &User) -> Value {
    let phone = app.masked_phone(u.phone_enc.as_ref());
    context! {
        id => u.id.0,
        username => u.username.clone(),
        name => u.display_name.clone(),
        unit => u.unit_name.clone(),
        unit_code => u.unit_code.clone(),
        title => u.title.clone(),
        roles => u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        phone => phone,
        disabled => u.disabled,
        locked => u.locked_until.is_some_and(|t| t > crate::present::now_ms()),
        no_password => u.password_hash.is_none(),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<i64>,
}

pub async fn list(State(state): State<AppState>, WebActor(actor): WebActor, Query(q): Query<ListQuery>) -> WebResult {
    let lang = actor.lang;
    let page = q.page.unwrap_or(1).max(1);
    let filter = UserFilter {
        role: q.role.as_deref().and_then(Role::parse),
        text: q.q.clone(),
        limit: PAGE,
        offset: super::page_offset(page, PAGE),
    };
    let (users, total) =
        fengqiao_app::people::list(&state, &actor, &filter).await.map_err(|e| WebError(e.into(), lang))?;
    let rows: Vec<Value> = users.iter().map(|u| person_row(&state, u)).collect();
    let ctx = context! {
        rows => rows,
        total => total,
        page => page,
        pages => (total + PAGE - 1) / PAGE,
        q => q.q.unwrap_or_default(),
        role => q.role.unwrap_or_default(),
        all_roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        can_manage => actor.may(Action::ManagePeople),
        ..page_ctx(&state, &actor, "people")
    };
    Ok(render(&state, "people.html", ctx))
}

async fn load_person(state: &AppState, actor: &Actor, id: i64, action: Action) -> WebResult<User> {
    fengqiao_app::people::person(state, actor, id, action).await.map_err(|e| WebError(e.into(), actor.lang))
}

fn person_ctx(
    state: &AppState,
    actor: &Actor,
    user: &User,
    revealed: Option<String>,
    errors: HashMap<String, String>,
    form: Option<&PersonForm>,
) -> Value {
    let selected_roles: Vec<String> = match form {
        Some(f) => f.roles.clone(),
        None => user.roles.iter().map(|r| r.as_str().to_string()).collect(),
    };
    context! {
        person => person_row(state, user),
        person_rank => user.officer_rank.clone(),
        person_mediator_kind => user.mediator_kind.clone(),
        totp_enabled => user.totp_enabled,
        revealed => revealed,
        selected_roles => selected_roles,
        errors => errors,
        all_roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        mediator_kinds => MediatorKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        can_manage => actor.may(Action::ManagePeople) && actor.user.id != user.id,
        can_reset => actor.may(fengqiao_app::people::reset_action(user)) && actor.user.id != user.id,
        can_grant => actor.may(Action::GrantRoles) && actor.user.id != user.id,
        reset_pending => user.reset_code_expires_at.is_some_and(|t| t > crate::present::now_ms()),
        can_reveal => actor.may(Action::ViewPersonalData) && user.phone_enc.is_some(),
        can_secure => actor.may(Action::ManageSecurity),
        ..page_ctx(state, actor, "people")
    }
}

pub async fn show(State(state): State<AppState>, WebActor(actor): WebActor, Path(id): Path<i64>) -> WebResult {
    let user = load_person(&state, &actor, id, Action::ViewPeople).await?;
    Ok(render(&state, "person.html", person_ctx(&state, &actor, &user, None, HashMap::new(), None)))
}

/// Form fields of a person; parsed from pairs because roles repeat.
#[derive(Default)]
pub struct PersonForm {
    csrf: String,
    username: String,
    name: String,
    unit: String,
    title: String,
    rank: String,
    mediator_kind: String,
    phone: String,
    roles: Vec<String>,
    disabled: bool,
    purpose: String,
}

fn parse_form(body: &Bytes) -> Result<PersonForm, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
    let mut f = PersonForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => f.csrf = v,
            "username" => f.username = v.trim().to_string(),
            "name" => f.name = v.trim().to_string(),
            "unit" => f.unit = v.trim().to_string(),
            "title" => f.title = v.trim().to_string(),
            "rank" => f.rank = v,
            "mediator_kind" => f.mediator_kind = v,
            "phone" => f.phone = v.trim().to_string(),
            "roles" => f.roles.push(v),
            "disabled" => f.disabled = v == "1" || v == "on",
            "purpose" => f.purpose = v.trim().to_string(),
            _ => {}
        }
    }
    Ok(f)
}

/// The app's input from the form (the form's names are the page's own).
fn person_in(f: &PersonForm) -> fengqiao_app::people::PersonIn {
    fengqiao_app::people::PersonIn {
        username: f.username.clone(),
        display_name: f.name.clone(),
        unit_code: f.unit.clone(),
        roles: f.roles.clone(),
        title: Some(f.title.clone()),
        officer_rank: Some(f.rank.clone()),
        mediator_kind: Some(f.mediator_kind.clone()),
        phone: Some(f.phone.clone()),
    }
}

/// The app's field names as the person forms name them.
const FORM_FIELDS: &[(&str, &str)] =
    &[("display_name", "name"), ("unit_code", "unit"), ("officer_rank", "rank"), ("roles[", "roles")];

fn new_ctx(state: &AppState, actor: &Actor, f: &PersonForm, errors: HashMap<String, String>) -> Value {
    context! {
        form => context! { username => f.username.clone(), name => f.name.clone(), unit => f.unit.clone(), title => f.title.clone(), rank => f.rank.clone(), mediator_kind => f.mediator_kind.clone(), phone => f.phone.clone() },
        selected_roles => f.roles.clone(),
        errors => errors,
        all_roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        mediator_kinds => MediatorKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        ..page_ctx(state, actor, "people")
    }
}

pub async fn new_page(State(state): State<AppState>, WebActor(actor): WebActor) -> WebResult {
    let home = actor.jurisdiction().clone();
    actor
        .authorize(&state, Action::ManagePeople, &home, ("people", &actor.user.unit_code))
        .await
        .map_err(|e| WebError(e.into(), actor.lang))?;
    let f = PersonForm { unit: actor.user.unit_code.clone(), ..Default::default() };
    Ok(render(&state, "person_new.html", new_ctx(&state, &actor, &f, HashMap::new())))
}

pub async fn create(State(state): State<AppState>, WebActor(actor): WebActor, body: Bytes) -> WebResult {
    let lang = actor.lang;
    let f = parse_form(&body).map_err(|e| WebError(e, lang))?;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), lang))?;
    match fengqiao_app::people::create_user(&state, &actor, &person_in(&f)).await {
        Ok(user) => Ok(Redirect::to(&format!("/people/{}", user.id)).into_response()),
        Err(fengqiao_app::Error::Invalid(fields)) => {
            let errors = super::field_errors(lang, &fields, FORM_FIELDS);
            Ok(render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "person_new.html",
                new_ctx(&state, &actor, &f, errors),
            ))
        }
        Err(fengqiao_app::Error::Conflict { message, .. }) => {
            let errors = HashMap::from([("username".to_string(), message)]);
            Ok(render_status(&state, StatusCode::CONFLICT, "person_new.html", new_ctx(&state, &actor, &f, errors)))
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

pub async fn update(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult {
    let lang = actor.lang;
    let (f, user) = person_form(&state, &actor, id, &body, Action::ManagePeople).await?;
    match fengqiao_app::people::update_user(&state, &actor, user.id.0, &person_in(&f), f.disabled).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{}", user.id)).into_response()),
        Err(fengqiao_app::Error::Invalid(fields)) => Ok(form_errors(&state, &actor, &user, &fields, &f)),
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

/// The person's page again with the form as sent and its field errors (422).
fn form_errors(
    state: &AppState,
    actor: &Actor,
    user: &User,
    fields: &[fengqiao_domain::FieldError],
    f: &PersonForm,
) -> axum::response::Response {
    let errors = super::field_errors(actor.lang, fields, FORM_FIELDS);
    render_status(
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        "person.html",
        person_ctx(state, actor, user, None, errors, Some(f)),
    )
}

/// The start of every per-person form: parse it, check its CSRF token, load the person and
/// check the action on them.
async fn person_form(
    state: &AppState,
    actor: &Actor,
    id: i64,
    body: &Bytes,
    action: Action,
) -> WebResult<(PersonForm, User)> {
    let lang = actor.lang;
    let f = parse_form(body).map_err(|e| WebError(e, lang))?;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), lang))?;
    let user = load_person(state, actor, id, action).await?;
    Ok((f, user))
}

/// The person's page again, with one field's error (422).
fn field_error(state: &AppState, actor: &Actor, user: &User, field: &str, message: String) -> axum::response::Response {
    let errors = HashMap::from([(field.to_string(), message)]);
    render_status(
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        "person.html",
        person_ctx(state, actor, user, None, errors, None),
    )
}

/// Show a phone number in full: allowed to roles that need it, with a stated purpose, and
/// audited as a read of personal data.
pub async fn reveal(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult {
    let lang = actor.lang;
    let (f, user) = person_form(&state, &actor, id, &body, Action::ViewPeople).await?;
    match fengqiao_app::people::reveal_phone(&state, &actor, &user, &f.purpose).await {
        Ok(Some(phone)) => {
            Ok(render(&state, "person.html", person_ctx(&state, &actor, &user, Some(phone), HashMap::new(), None)))
        }
        Ok(None) => Err(WebError(AppError::NotFound, lang)),
        Err(fengqiao_app::Error::Invalid(_)) => {
            Ok(field_error(&state, &actor, &user, "purpose", i18n::t(lang, "required")))
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

/// Issue a one-time reset code and show it once, with its expiry, on the person's page.
pub async fn issue_reset_code(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult {
    let lang = actor.lang;
    let (_, user) = person_form(&state, &actor, id, &body, Action::ViewPeople).await?;
    let (code, expires_at) = fengqiao_app::people::issue_reset_code(&state, &actor, user.id.0)
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let ctx = context! {
        reset_code => code,
        reset_expires => crate::present::beijing_time(expires_at),
        ..person_ctx(&state, &actor, &user, None, HashMap::new(), None)
    };
    Ok(render(&state, "person.html", ctx))
}

/// The security administrator's form: the roles of an account (three-admin separation).
pub async fn set_roles(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult {
    let lang = actor.lang;
    let (f, user) = person_form(&state, &actor, id, &body, Action::ViewPeople).await?;
    match fengqiao_app::people::set_roles(&state, &actor, user.id.0, &f.roles).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{}", user.id)).into_response()),
        Err(fengqiao_app::Error::Invalid(fields)) => Ok(form_errors(&state, &actor, &user, &fields, &f)),
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

pub async fn unlock(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult {
    let (_, user) = person_form(&state, &actor, id, &body, Action::ManageSecurity).await?;
    fengqiao_app::people::unlock(&state, &actor, user.id.0).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(Redirect::to(&format!("/people/{}", user.id)).into_response())
}

pub async fn reset_totp(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Path(id): Path<i64>,
    body: Bytes,
) -> WebResult {
    let (_, user) = person_form(&state, &actor, id, &body, Action::ManageSecurity).await?;
    fengqiao_app::people::reset_totp(&state, &actor, user.id.0).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(Redirect::to(&format!("/people/{}", user.id)).into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn volunteers(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<PageQuery>,
) -> WebResult {
    let lang = actor.lang;
    let page = q.page.unwrap_or(1).max(1);
    let (list, total) = fengqiao_app::volunteers::list(&state, &actor, PAGE, super::page_offset(page, PAGE))
        .await
        .map_err(|e| WebError(e.into(), lang))?;
    let rows: Vec<Value> = list
        .iter()
        .map(|v| {
            let phone = state.masked_phone(v.phone().as_ref());
            context! { name => v.name.clone(), team => v.unit_name.clone(), kind => v.kind.clone(), phone => phone, skills => v.skills.clone() }
        })
        .collect();
    let counts: Vec<Value> = fengqiao_app::volunteers::counts(&state, &actor)
        .await
        .map_err(|e| WebError(e.into(), lang))?
        .into_iter()
        .map(|(k, n)| context! { kind => k, count => n })
        .collect();
    let ctx = context! {
        rows => rows, total => total, page => page, pages => (total + PAGE - 1) / PAGE, counts => counts,
        can_manage => actor.may(Action::ManagePeople),
        kinds => fengqiao_app::volunteers::VOLUNTEER_KINDS,
        errors => HashMap::<String, String>::new(),
        form => context! { name => "", team => "", kind => "volunteer_police", phone => "", skills => "" },
        ..page_ctx(&state, &actor, "volunteers")
    };
    Ok(render(&state, "volunteers.html", ctx))
}

#[derive(Deserialize, Default)]
pub struct VolunteerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    skills: String,
}

/// Register a volunteer in a team inside the jurisdiction.
pub async fn create_volunteer(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    axum::Form(f): axum::Form<VolunteerForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&f.csrf).map_err(|e| WebError(e.into(), lang))?;
    let v = fengqiao_app::volunteers::VolunteerIn {
        name: f.name.clone(),
        team: f.team.clone(),
        kind: f.kind.clone(),
        phone: Some(f.phone.clone()),
        skills: Some(f.skills.clone()),
    };
    let errors = match fengqiao_app::volunteers::create(&state, &actor, &v).await {
        Ok(_) => return Ok(Redirect::to("/volunteers").into_response()),
        Err(fengqiao_app::Error::Invalid(fields)) => super::field_errors(lang, &fields, &[]),
        Err(e) => return Err(WebError(e.into(), lang)),
    };
    {
        let (list, total) =
            fengqiao_app::volunteers::list(&state, &actor, PAGE, 0).await.map_err(|e| WebError(e.into(), lang))?;
        let rows: Vec<Value> = list.iter().map(|v| context! { name => v.name.clone(), team => v.unit_name.clone(), kind => v.kind.clone(), phone => None::<String>, skills => v.skills.clone() }).collect();
        let ctx = context! {
            rows => rows, total => total, page => 1, pages => (total + PAGE - 1) / PAGE, counts => Vec::<Value>::new(),
            can_manage => true,
            kinds => fengqiao_app::volunteers::VOLUNTEER_KINDS,
            errors => errors,
            form => context! { name => f.name.clone(), team => f.team.clone(), kind => f.kind.clone(), phone => f.phone.clone(), skills => f.skills.clone() },
            ..page_ctx(&state, &actor, "volunteers")
        };
        Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "volunteers.html", ctx))
    }
}
