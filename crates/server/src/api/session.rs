//! `POST /session` (log in), `DELETE /session` (log out), `GET /me`.

use super::{ApiJson, rfc3339};
use crate::AppState;
use crate::auth::{Actor, ClientAddr, PendingActor, SecondFactor};
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The current TOTP code, for accounts with a second factor.
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Absolute expiry (RFC 3339); the session also ends after the idle timeout.
    pub expires_at: String,
    pub user: Me,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub unit: UnitRef,
}

#[derive(Serialize, ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    pub kind: String,
}

fn me_of(u: &fengqiao_app::people::User) -> Me {
    Me {
        id: u.id.0,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
        unit: UnitRef { code: u.unit_code.clone(), name: u.unit_name.clone(), kind: u.unit_kind.as_str().into() },
    }
}

/// Log in and receive a bearer token.
#[utoipa::path(post, path = "/session", tag = "session", request_body = LoginRequest,
    responses(
        (status = 201, body = LoginResponse),
        (status = 401, description = "wrong credentials, or `totp_required` / `invalid_totp`", body = ErrorBody),
        (status = 403, description = "account locked, or `totp_enrolment_required`", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many failed logins from this address", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<(StatusCode, Json<LoginResponse>)> {
    let username = req.username.trim();
    let mut fields = vec![];
    if username.is_empty() || username.len() > 64 {
        fields.push(fengqiao_domain::FieldError::new("username", "1–64 characters"));
    }
    if req.password.is_empty() || req.password.chars().count() > 256 {
        fields.push(fengqiao_domain::FieldError::new("password", "1–256 characters"));
    }
    if !fields.is_empty() {
        return Err(AppError::Validation(fields));
    }
    let (user, step) = fengqiao_app::accounts::check_credentials(&state, username, &req.password, &client).await?;
    match step {
        SecondFactor::Done => {}
        SecondFactor::Enrol => {
            return Err(AppError::Forbidden {
                code: "totp_enrolment_required",
                message: "this role requires a second factor: enrol on the web page /account/totp first".into(),
            });
        }
        SecondFactor::Code => match req.totp.as_deref() {
            None | Some("") => {
                return Err(AppError::Unauthorized {
                    code: "totp_required",
                    message: "send the current TOTP code as \"totp\"".into(),
                });
            }
            Some(code) => fengqiao_app::accounts::check_totp(&state, &user, code, &client).await?,
        },
    }
    let (token, expires_at) =
        fengqiao_app::accounts::start_session(&state, &user, "api", SecondFactor::Done, &client).await?;
    Ok((StatusCode::CREATED, Json(LoginResponse { token, expires_at: rfc3339(expires_at), user: me_of(&user) })))
}

/// End the current session.
#[utoipa::path(delete, path = "/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn delete(State(state): State<AppState>, PendingActor(actor): PendingActor) -> AppResult<StatusCode> {
    fengqiao_app::accounts::logout(&state, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(actor: Actor) -> Json<Me> {
    Json(me_of(&actor.user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    /// Checked against the password policy.
    pub new: String,
}

/// Change one's own password; every other session of the account ends.
#[utoipa::path(post, path = "/me/password", tag = "session", request_body = PasswordChange, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(p): ApiJson<PasswordChange>,
) -> AppResult<StatusCode> {
    fengqiao_app::accounts::change_own_password(&state, &actor, &p.current, &p.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub username: String,
    /// The one-time code an administrator issued (`POST /users/{id}/reset-code`); case,
    /// spaces and dashes do not matter.
    pub code: String,
    /// The new password, checked against the password policy.
    pub password: String,
    /// The current TOTP code, for accounts with a second factor.
    pub totp: Option<String>,
}

/// Set one's password with a one-time reset code (no session needed). Every session of the
/// account ends. A wrong code counts as a failed login.
#[utoipa::path(post, path = "/password-reset", tag = "session", request_body = PasswordReset,
    responses(
        (status = 204),
        (status = 401, description = "`invalid_reset_code`, or `invalid_totp`", body = ErrorBody),
        (status = 403, description = "account locked", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many failed attempts from this address", body = ErrorBody),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<PasswordReset>,
) -> AppResult<StatusCode> {
    let r = fengqiao_app::accounts::ResetIn {
        username: req.username,
        code: req.code,
        password: req.password,
        totp: req.totp,
    };
    fengqiao_app::accounts::redeem_reset_code(&state, &r, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
