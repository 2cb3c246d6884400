//! Login (password, then TOTP when due), logout, language switch and the account page
//! (password change, TOTP enrolment).

use super::{WebActor, WebError, WebResult, page_ctx, render, render_status};
use crate::AppState;
use crate::auth::{self, LOGIN_CSRF_COOKIE, PendingActor, SESSION_COOKIE, SecondFactor};
use crate::i18n::{self, LANG_COOKIE, Lang};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_app::totp;
use minijinja::context;
use serde::Deserialize;

pub async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let value = if code == "en" { "en" } else { "zh-CN" };
    let next = q.next.filter(|n| local_path(n)).unwrap_or_else(|| "/dashboard".into());
    let cookie = auth::cookie_for(&state.settings, LANG_COOKIE, value, "/", "Lax", 31_536_000);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// A path on this site to return to: `/…`, not `//host` nor `/\host` (which browsers read as
/// another site), and nothing a header could not carry.
fn local_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && n.len() <= 2000
        && n.chars().all(|c| !c.is_control() && c != '\\')
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(state: &AppState, lang: Lang, status: StatusCode, username: &str, error: Option<String>) -> Response {
    let csrf = fengqiao_app::accounts::random_token();
    let ctx = context! { lang => lang.code(), site_name => state.settings.site_name.clone(), csrf => csrf.clone(), username => username, error => error };
    let mut resp = render_status(state, status, "login.html", ctx);
    let cookie = auth::cookie_for(&state.settings, LOGIN_CSRF_COOKIE, &csrf, "/login", "Strict", 3600);
    resp.headers_mut().append(header::SET_COOKIE, cookie.parse().expect("valid header"));
    resp
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    login_form(&state, crate::i18n::lang_from_headers(&headers), StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth::ClientAddr(client): auth::ClientAddr,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let Ok(Form(form)) = form else {
        return login_form(&state, lang, StatusCode::BAD_REQUEST, "", Some(i18n::t(lang, "invalid_credentials")));
    };
    let username = form.username.trim();
    if auth::cookie(&headers, LOGIN_CSRF_COOKIE) != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return login_form(&state, lang, StatusCode::FORBIDDEN, username, Some(i18n::t(lang, "csrf_expired")));
    }
    if username.is_empty() || form.password.is_empty() || username.len() > 64 || form.password.chars().count() > 256 {
        return login_form(
            &state,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            Some(i18n::t(lang, "invalid_credentials")),
        );
    }
    match fengqiao_app::accounts::check_credentials(&state, username, &form.password, &client).await {
        Ok((user, step)) => match fengqiao_app::accounts::start_session(&state, &user, "web", step, &client).await {
            Ok((token, _)) => {
                let target = match step {
                    SecondFactor::Done => "/dashboard",
                    SecondFactor::Code => "/login/totp",
                    SecondFactor::Enrol => "/account/totp",
                };
                let max_age = state.settings.session_absolute_hours * 3600;
                (
                    [(header::SET_COOKIE, auth::set_cookie(&state.settings, SESSION_COOKIE, &token, max_age))],
                    Redirect::to(target),
                )
                    .into_response()
            }
            Err(e) => WebError(e.into(), lang).into_response(),
        },
        Err(fengqiao_app::Error::Unauthenticated { .. }) => {
            login_form(&state, lang, StatusCode::UNAUTHORIZED, username, Some(i18n::t(lang, "invalid_credentials")))
        }
        Err(fengqiao_app::Error::Denied { code: "locked", .. }) => {
            login_form(&state, lang, StatusCode::FORBIDDEN, username, Some(i18n::t(lang, "account_locked")))
        }
        Err(fengqiao_app::Error::Limited(_)) => {
            login_form(&state, lang, StatusCode::TOO_MANY_REQUESTS, username, Some(i18n::t(lang, "login_limited")))
        }
        Err(e) => WebError(e.into(), lang).into_response(),
    }
}

/// A redirect that sets the (new) session cookie.
fn with_session(state: &AppState, token: &str, to: &str) -> Response {
    let max_age = state.settings.session_absolute_hours * 3600;
    ([(header::SET_COOKIE, auth::set_cookie(&state.settings, SESSION_COOKIE, token, max_age))], Redirect::to(to))
        .into_response()
}

pub async fn totp_page(State(state): State<AppState>, PendingActor(actor): PendingActor) -> WebResult {
    if actor.second_factor != SecondFactor::Code {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let ctx = context! { lang => actor.lang.code(), site_name => state.settings.site_name.clone(), csrf => actor.csrf_token.clone(), error => None::<String> };
    Ok(render(&state, "totp.html", ctx))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

pub async fn totp_submit(
    State(state): State<AppState>,
    PendingActor(actor): PendingActor,
    Form(form): Form<CodeForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    if actor.second_factor != SecondFactor::Code {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    match fengqiao_app::accounts::complete_second_factor(&state, &actor, &form.code).await {
        Ok(token) => Ok(with_session(&state, &token, "/dashboard")),
        Err(fengqiao_app::Error::Unauthenticated { .. }) | Err(fengqiao_app::Error::Invalid(_)) => {
            let ctx = context! { lang => lang.code(), site_name => state.settings.site_name.clone(), csrf => actor.csrf_token.clone(), error => i18n::t(lang, "invalid_totp") };
            Ok(render_status(&state, StatusCode::UNAUTHORIZED, "totp.html", ctx))
        }
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    PendingActor(actor): PendingActor,
    Form(form): Form<CsrfForm>,
) -> WebResult {
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), actor.lang))?;
    fengqiao_app::accounts::logout(&state, &actor).await.map_err(|e| WebError(e.into(), actor.lang))?;
    Ok(([(header::SET_COOKIE, auth::set_cookie(&state.settings, SESSION_COOKIE, "", 0))], Redirect::to("/login"))
        .into_response())
}

#[derive(Deserialize)]
pub struct AccountQuery {
    expired: Option<String>,
    saved: Option<String>,
}

fn account_ctx(
    state: &AppState,
    actor: &crate::auth::Actor,
    error: Option<String>,
    q: &AccountQuery,
) -> minijinja::Value {
    context! {
        totp_enabled => actor.user.totp_enabled,
        expired => q.expired.is_some() || actor.password_expired,
        saved => q.saved.is_some(),
        error => error,
        policy => format!("{:?}", state.settings.password_policy).to_lowercase(),
        ..page_ctx(state, actor, "account")
    }
}

pub async fn account_page(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Query(q): Query<AccountQuery>,
) -> WebResult {
    Ok(render(&state, "account.html", account_ctx(&state, &actor, None, &q)))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    csrf: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    WebActor(actor): WebActor,
    Form(form): Form<PasswordForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    let q = AccountQuery { expired: None, saved: None };
    match fengqiao_app::accounts::change_own_password(&state, &actor, &form.current, &form.new).await {
        Ok(()) => {}
        Err(fengqiao_app::Error::Invalid(fields)) => {
            let message = fields.first().map(|f| crate::i18n_fields::field_message(lang, f));
            let ctx = account_ctx(&state, &actor, message, &q);
            return Ok(render_status(&state, StatusCode::UNPROCESSABLE_ENTITY, "account.html", ctx));
        }
        Err(e) => return Err(WebError(e.into(), lang)),
    }
    Ok(Redirect::to("/account?saved=1").into_response())
}

/// TOTP enrolment: a new secret is generated and kept (sealed, not yet enabled) until the
/// user proves a code from it.
pub async fn totp_setup_page(State(state): State<AppState>, PendingActor(actor): PendingActor) -> WebResult {
    if actor.second_factor == SecondFactor::Code {
        return Ok(Redirect::to("/login/totp").into_response());
    }
    // Already set up: a security administrator resets it instead.
    if actor.user.totp_enabled {
        return Ok(Redirect::to("/account").into_response());
    }
    // A GET changes nothing: it shows the enrolment in progress, or offers to start one.
    match fengqiao_app::accounts::pending_totp_secret(&state, &actor).await {
        Ok(Some(secret)) => Ok(totp_setup_render(&state, &actor, &secret, None, StatusCode::OK)),
        Ok(None) => {
            let ctx = context! {
                lang => actor.lang.code(), site_name => state.settings.site_name.clone(), csrf => actor.csrf_token.clone(),
                secret => None::<String>, required => actor.second_factor == SecondFactor::Enrol, error => None::<String>,
            };
            Ok(render(&state, "totp_setup.html", ctx))
        }
        Err(e) => Err(WebError(e.into(), actor.lang)),
    }
}

/// Start an enrolment: a new secret (the form's POST; a GET never makes one).
pub async fn totp_setup_start(
    State(state): State<AppState>,
    PendingActor(actor): PendingActor,
    Form(form): Form<CsrfForm>,
) -> WebResult {
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), actor.lang))?;
    match fengqiao_app::accounts::start_totp_enrolment(&state, &actor).await {
        Ok(_) | Err(fengqiao_app::Error::Conflict { .. }) => Ok(Redirect::to("/account/totp").into_response()),
        Err(e) => Err(WebError(e.into(), actor.lang)),
    }
}

fn totp_setup_render(
    state: &AppState,
    actor: &crate::auth::Actor,
    secret: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let url = totp::otpauth_url(&state.settings.site_name, &actor.user.username, secret);
    let ctx = context! {
        lang => actor.lang.code(),
        site_name => state.settings.site_name.clone(),
        csrf => actor.csrf_token.clone(),
        secret => secret,
        otpauth => url,
        required => actor.second_factor == SecondFactor::Enrol,
        error => error,
    };
    render_status(state, status, "totp_setup.html", ctx)
}

pub async fn totp_setup_submit(
    State(state): State<AppState>,
    PendingActor(actor): PendingActor,
    Form(form): Form<CodeForm>,
) -> WebResult {
    let lang = actor.lang;
    actor.check_csrf(&form.csrf).map_err(|e| WebError(e.into(), lang))?;
    let secret =
        fengqiao_app::accounts::pending_totp_secret(&state, &actor).await.map_err(|e| WebError(e.into(), lang))?;
    let Some(secret) = secret else {
        return Ok(Redirect::to("/account/totp").into_response());
    };
    match fengqiao_app::accounts::confirm_totp(&state, &actor, &form.code).await {
        Ok(Some(token)) => Ok(with_session(&state, &token, "/account?saved=1")),
        Ok(None) => Ok(Redirect::to("/account?saved=1").into_response()),
        Err(fengqiao_app::Error::Unauthenticated { .. }) => Ok(totp_setup_render(
            &state,
            &actor,
            &secret,
            Some(i18n::t(lang, "invalid_totp")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(WebError(e.into(), lang)),
    }
}

// ---- password reset with a one-time code --------------------------------------------------

fn reset_form(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    username: &str,
    error: Option<String>,
    errors: std::collections::HashMap<String, String>,
) -> Response {
    let csrf = fengqiao_app::accounts::random_token();
    let ctx = context! { lang => lang.code(), site_name => state.settings.site_name.clone(), csrf => csrf.clone(), username => username, error => error, errors => errors, done => false };
    let mut resp = render_status(state, status, "password_reset.html", ctx);
    // The login page's CSRF cookie: its path, /login, covers this page too.
    let cookie = auth::cookie_for(&state.settings, LOGIN_CSRF_COOKIE, &csrf, "/login", "Strict", 3600);
    resp.headers_mut().append(header::SET_COOKIE, cookie.parse().expect("valid header"));
    resp
}

pub async fn reset_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    reset_form(&state, lang, StatusCode::OK, "", None, Default::default())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf: String,
}

/// Set one's password with the one-time code an administrator handed over.
pub async fn reset_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth::ClientAddr(client): auth::ClientAddr,
    form: Result<Form<ResetForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let none = std::collections::HashMap::new;
    let Ok(Form(form)) = form else {
        return reset_form(
            &state,
            lang,
            StatusCode::BAD_REQUEST,
            "",
            Some(i18n::t(lang, "invalid_reset_code")),
            none(),
        );
    };
    let username = form.username.trim();
    if auth::cookie(&headers, LOGIN_CSRF_COOKIE) != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return reset_form(&state, lang, StatusCode::FORBIDDEN, username, Some(i18n::t(lang, "csrf_expired")), none());
    }
    let r = fengqiao_app::accounts::ResetIn {
        username: username.to_string(),
        code: form.code,
        password: form.password,
        totp: Some(form.totp),
    };
    match fengqiao_app::accounts::redeem_reset_code(&state, &r, &client).await {
        Ok(()) => {
            let ctx = context! { lang => lang.code(), site_name => state.settings.site_name.clone(), done => true };
            render(&state, "password_reset.html", ctx)
        }
        Err(fengqiao_app::Error::Invalid(fields)) => {
            let errors = super::field_errors(lang, &fields, &[]);
            let error = ["username", "code"].iter().find_map(|f| errors.get(*f).cloned());
            reset_form(&state, lang, StatusCode::UNPROCESSABLE_ENTITY, username, error, errors)
        }
        Err(fengqiao_app::Error::Unauthenticated { code, .. }) => {
            let key = if code == "invalid_totp" { "invalid_totp" } else { "invalid_reset_code" };
            reset_form(&state, lang, StatusCode::UNAUTHORIZED, username, Some(i18n::t(lang, key)), none())
        }
        Err(fengqiao_app::Error::Denied { code: "locked", .. }) => {
            reset_form(&state, lang, StatusCode::FORBIDDEN, username, Some(i18n::t(lang, "account_locked")), none())
        }
        Err(fengqiao_app::Error::Limited(_)) => reset_form(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            Some(i18n::t(lang, "login_limited")),
            none(),
        ),
        Err(e) => WebError(e.into(), lang).into_response(),
    }
}
