//! Staff accounts over the API. Phone numbers are masked unless the caller's role may see
//! them, asks for them (`reveal=phone`) and states a purpose; that read is audited.

use super::{ApiJson, ApiPath, ApiQuery, Page};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::people::{User, UserFilter};
use fengqiao_domain::policy::Action;
use fengqiao_domain::role::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub title: Option<String>,
    pub officer_rank: Option<String>,
    pub mediator_kind: Option<String>,
    pub roles: Vec<String>,
    /// Masked (`138****5678`) unless revealed.
    pub phone: Option<String>,
    pub disabled: bool,
    pub totp_enabled: bool,
}

/// An account as returned: the phone masked, or `revealed` (read by the use case that
/// authorised and audited it).
fn out(state: &AppState, u: &User, revealed: Option<String>) -> AppResult<UserOut> {
    let phone = revealed.or_else(|| state.masked_phone(u.phone_enc.as_ref()));
    Ok(UserOut {
        id: u.id.0,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        unit_code: u.unit_code.clone(),
        unit_name: u.unit_name.clone(),
        title: u.title.clone(),
        officer_rank: u.officer_rank.clone(),
        mediator_kind: u.mediator_kind.clone(),
        roles: u.roles.iter().map(|r| r.as_str().into()).collect(),
        phone,
        disabled: u.disabled,
        totp_enabled: u.totp_enabled,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub role: Option<String>,
    /// Matches name, username or unit name.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Staff accounts in the caller's jurisdiction (phones masked).
#[utoipa::path(get, path = "/users", tag = "people", params(UserQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<UserOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> AppResult<Json<Page<UserOut>>> {
    let role = match q.role.as_deref() {
        None | Some("") => None,
        Some(r) => Some(Role::parse(r).ok_or_else(|| AppError::field("role", format!("unknown role '{r}'")))?),
    };
    let f = UserFilter { role, text: q.q, limit: q.limit.unwrap_or(50), offset: super::bounded_offset(q.offset)? };
    let (users, total) = fengqiao_app::people::list(&state, &actor, &f).await?;
    let items = users.iter().map(|u| out(&state, u, None)).collect::<AppResult<Vec<_>>>()?;
    Ok(Json(Page { items, total }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// `phone` to see the phone number in full (roles with personal-data access only).
    pub reveal: Option<String>,
    /// Why: required with `reveal`, recorded in the audit log.
    pub purpose: Option<String>,
}

/// One account.
#[utoipa::path(get, path = "/users/{id}", tag = "people", params(("id" = i64, Path), RevealQuery), security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<RevealQuery>,
) -> AppResult<Json<UserOut>> {
    let user = fengqiao_app::people::person(&state, &actor, id, Action::ViewPeople).await?;
    let reveal = match q.reveal.as_deref() {
        None | Some("") => false,
        Some("phone") => true,
        Some(other) => return Err(AppError::field("reveal", format!("only 'phone' can be revealed, not '{other}'"))),
    };
    let revealed = if reveal {
        fengqiao_app::people::reveal_phone(&state, &actor, &user, q.purpose.as_deref().unwrap_or("")).await?
    } else {
        None
    };
    Ok(Json(out(&state, &user, revealed)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub username: String,
    pub display_name: String,
    pub unit_code: String,
    pub roles: Vec<String>,
    pub title: Option<String>,
    /// `police` or `auxiliary`.
    pub officer_rank: Option<String>,
    pub mediator_kind: Option<String>,
    pub phone: Option<String>,
}

/// Create a staff account.
#[utoipa::path(post, path = "/users", tag = "people", request_body = NewUserIn, security(("bearer" = [])),
    responses((status = 201, body = UserOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<NewUserIn>,
) -> AppResult<(StatusCode, Json<UserOut>)> {
    let p = fengqiao_app::people::PersonIn {
        username: req.username,
        display_name: req.display_name,
        unit_code: req.unit_code,
        roles: req.roles,
        title: req.title,
        officer_rank: req.officer_rank,
        mediator_kind: req.mediator_kind,
        phone: req.phone,
    };
    let user = fengqiao_app::people::create_user(&state, &actor, &p).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &user, None)?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateIn {
    pub display_name: String,
    pub unit_code: String,
    pub roles: Vec<String>,
    pub title: Option<String>,
    /// `police` or `auxiliary`.
    pub officer_rank: Option<String>,
    pub mediator_kind: Option<String>,
    /// Empty or absent keeps the stored number.
    pub phone: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// Edit an account (not one's own: nobody changes their own roles or unit).
#[utoipa::path(put, path = "/users/{id}", tag = "people", params(("id" = i64, Path)), request_body = UserUpdateIn, security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UserUpdateIn>,
) -> AppResult<Json<UserOut>> {
    let UserUpdateIn { display_name, unit_code, roles, title, officer_rank, mediator_kind, phone, disabled } = req;
    let p = fengqiao_app::people::PersonIn {
        username: String::new(),
        display_name,
        unit_code,
        roles,
        title,
        officer_rank,
        mediator_kind,
        phone,
    };
    let user = fengqiao_app::people::update_user(&state, &actor, id, &p, disabled).await?;
    Ok(Json(out(&state, &user, None)?))
}

#[derive(Serialize, ToSchema)]
pub struct ResetCodeOut {
    /// Shown once: hand it to the person, who sets their password with it at
    /// `POST /password-reset` (or the 重置密码 page).
    pub code: String,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

/// Issue a one-time password reset code for another person (a new account gets its first
/// password this way). No administrator sets anyone's password. Accounts with a role that
/// reads personal data, or an administrator's, are the security administrator's to reset;
/// the rest the system administrator's. Replaces a pending code; audited.
#[utoipa::path(post, path = "/users/{id}/reset-code", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = ResetCodeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn issue_reset_code(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<(StatusCode, Json<ResetCodeOut>)> {
    let (code, expires_at) = fengqiao_app::people::issue_reset_code(&state, &actor, id).await?;
    Ok((StatusCode::CREATED, Json(ResetCodeOut { code, expires_at })))
}

/// Unlock an account locked by failed logins (security administrators).
#[utoipa::path(post, path = "/users/{id}/unlock", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<StatusCode> {
    fengqiao_app::people::unlock(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesIn {
    pub roles: Vec<String>,
}

/// Set an account's roles: the security administrator's (three-admin separation); nobody
/// their own. The person's sessions end.
#[utoipa::path(put, path = "/users/{id}/roles", tag = "people", params(("id" = i64, Path)), request_body = RolesIn, security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_roles(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<RolesIn>,
) -> AppResult<Json<UserOut>> {
    let user = fengqiao_app::people::set_roles(&state, &actor, id, &r.roles).await?;
    Ok(Json(out(&state, &user, None)?))
}

/// Remove an account's second factor (security administrators); the person enrols again.
#[utoipa::path(post, path = "/users/{id}/totp-reset", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_totp(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    fengqiao_app::people::reset_totp(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct VolunteerOut {
    pub id: i64,
    pub name: String,
    pub team: String,
    /// volunteer_police, yongan or counsellor.
    pub kind: String,
    /// Masked.
    pub phone: Option<String>,
    pub skills: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VolunteerQuery {
    /// 1–500, default 50.
    pub limit: Option<i64>,
    /// 0–1000000.
    pub offset: Option<i64>,
}

/// The volunteers of the caller's jurisdiction.
#[utoipa::path(get, path = "/volunteers", tag = "people", params(VolunteerQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<VolunteerOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn volunteers(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<VolunteerQuery>,
) -> AppResult<Json<Page<VolunteerOut>>> {
    let (rows, total) =
        fengqiao_app::volunteers::list(&state, &actor, q.limit.unwrap_or(50), q.offset.unwrap_or(0)).await?;
    let items = rows
        .into_iter()
        .map(|v| {
            let phone = state.masked_phone(v.phone().as_ref());
            Ok(VolunteerOut { id: v.id, name: v.name, team: v.unit_name, kind: v.kind, phone, skills: v.skills })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Json(Page { items, total }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVolunteerIn {
    pub name: String,
    /// The code of a team (a unit) of the caller's jurisdiction.
    pub team: String,
    /// volunteer_police, yongan or counsellor.
    pub kind: String,
    pub phone: Option<String>,
    pub skills: Option<String>,
}

/// Register a volunteer in a team of the caller's jurisdiction.
#[utoipa::path(post, path = "/volunteers", tag = "people", request_body = NewVolunteerIn, security(("bearer" = [])),
    responses((status = 201), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_volunteer(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(v): ApiJson<NewVolunteerIn>,
) -> AppResult<StatusCode> {
    let NewVolunteerIn { name, team, kind, phone, skills } = v;
    let v = fengqiao_app::volunteers::VolunteerIn { name, team, kind, phone, skills };
    fengqiao_app::volunteers::create(&state, &actor, &v).await?;
    Ok(StatusCode::CREATED)
}
