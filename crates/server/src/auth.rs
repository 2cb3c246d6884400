//! The HTTP side of authentication: the session cookie or bearer token of a request, the
//! client's address, and the extractors that turn a request into the app's
//! [`Actor`](fengqiao_app::Actor). Passwords, login, the second factor and sessions are use
//! cases of [`fengqiao_app::accounts`].

use crate::error::{AppError, AppResult};
use crate::{AppState, i18n};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
pub use fengqiao_app::Actor;
pub use fengqiao_app::actor::SecondFactor;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "fq_session";
pub const LOGIN_CSRF_COOKIE: &str = "fq_login_csrf";

pub fn client_addr(settings: &fengqiao_app::Settings, parts: &Parts) -> String {
    let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return "unknown".into();
    };
    if !settings.trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    // Behind a trusted proxy: the nearest address in X-Forwarded-For that is not itself a
    // trusted proxy (what a client wrote further left is not believed).
    let forwarded: Vec<std::net::IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|a| !settings.trusted_proxies.contains(a)).unwrap_or(peer).to_string()
}

/// The client's IP address (from the socket), for audit records.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(&state.settings, parts)))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(settings: &fengqiao_app::Settings, name: &str, value: &str, max_age_secs: i64) -> String {
    cookie_for(settings, name, value, "/", "Strict", max_age_secs)
}

/// A `Set-Cookie` value: always `HttpOnly` (no script reads our cookies), `Secure` whenever
/// the site is served over HTTPS.
pub fn cookie_for(
    settings: &fengqiao_app::Settings,
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age_secs: i64,
) -> String {
    let secure = if settings.https() { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{secure}")
}

/// Resolve the session of a request (bearer token, else the cookie), whatever its
/// second-factor state.
pub async fn resolve_session(state: &AppState, parts: &Parts) -> AppResult<Actor> {
    let bearer = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = bearer.or_else(|| cookie(&parts.headers, SESSION_COOKIE)).ok_or_else(AppError::unauthenticated)?;
    let lang = i18n::lang_from_headers(&parts.headers);
    Ok(fengqiao_app::accounts::session_actor(state, token, &client_addr(&state.settings, parts), lang).await?)
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The API changes things only for a bearer token: a browser sends the session cookie
        // by itself, so a write carried by the cookie alone could be forged by a page of a
        // sibling site (SameSite does not separate subdomains). Reading with it is fine.
        let bearer = parts.headers.contains_key(axum::http::header::AUTHORIZATION);
        if !bearer && !parts.method.is_safe() && cookie(&parts.headers, SESSION_COOKIE).is_some() {
            return Err(AppError::Forbidden {
                code: "bearer_required",
                message: "changes over the API need an Authorization: Bearer token, not the session cookie".into(),
            });
        }
        let actor = resolve_session(state, parts).await?;
        if actor.second_factor != SecondFactor::Done {
            return Err(AppError::Unauthorized {
                code: "mfa_pending",
                message: "complete the second factor first".into(),
            });
        }
        Ok(actor)
    }
}

/// An actor that may still owe a second factor (for the TOTP and enrolment pages).
pub struct PendingActor(pub Actor);

impl FromRequestParts<AppState> for PendingActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PendingActor(resolve_session(state, parts).await?))
    }
}
