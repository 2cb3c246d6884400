//! Authentication and the access check every handler goes through.
//!
//! Passwords are argon2id hashes. A session is a random token held by the browser in an
//! HttpOnly, SameSite=Strict cookie, or by an API client as a bearer token; only its SHA-256
//! is stored. Sessions end after an idle period and an absolute lifetime. Repeated failures
//! lock the account for a while. `Actor` is the authenticated user of a request, and
//! [`Actor::authorize`] is the one access check: it asks [`fengqiao_domain::policy`] and audits
//! every denial.

use crate::error::{AppError, AppResult};
use crate::settings::{PasswordPolicy, Settings};
use crate::{AppState, i18n::Lang};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::{self, Action, Decision};
use fengqiao_domain::role::Role;
use fengqiao_store::audit::{AuditCtx, AuditEvent, Outcome};
use fengqiao_store::sessions::Session;
use fengqiao_store::users::User;
use fengqiao_store::{StoreError, now_ms};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "fq_session";
pub const LOGIN_CSRF_COOKIE: &str = "fq_login_csrf";

// ---- passwords -------------------------------------------------------------------------

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default parameters").to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A hash of nothing anyone knows, verified against when the user does not exist so that
/// a wrong username takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no such user, no such password"))
}

const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// Check a new password against the configured policy. Returns an i18n key on failure.
pub fn check_password_policy(policy: PasswordPolicy, username: &str, password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len > 128 {
        return Err("pw_too_long");
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|l| !l.is_empty() && l == lower) {
        return Err("pw_common");
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err("pw_contains_username");
    }
    match policy {
        PasswordPolicy::Asvs => {
            if len < 12 {
                return Err("pw_too_short_12");
            }
        }
        PasswordPolicy::Mlps => {
            if len < 8 {
                return Err("pw_too_short_8");
            }
            let classes = [
                password.chars().any(|c| c.is_ascii_lowercase()),
                password.chars().any(|c| c.is_ascii_uppercase()),
                password.chars().any(|c| c.is_ascii_digit()),
                password.chars().any(|c| !c.is_ascii_alphanumeric()),
            ];
            if classes.iter().filter(|c| **c).count() < 3 {
                return Err("pw_classes");
            }
        }
    }
    Ok(())
}

// ---- tokens ------------------------------------------------------------------------------

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn client_addr(parts: &Parts) -> String {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The client's IP address (from the socket), for audit records.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
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

pub fn set_cookie(settings: &Settings, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if settings.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

// ---- login ---------------------------------------------------------------------------------

/// What stands between a correct password and a full session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    None,
    /// Enter a TOTP code.
    Totp,
    /// The role requires TOTP and the account has none yet: enrol first.
    Enrol,
}

pub fn audit_ctx_for(user: Option<&User>, username: &str, client: &str, purpose: &str) -> AuditCtx {
    AuditCtx {
        actor_id: user.map(|u| u.id.0),
        actor: username.to_string(),
        roles: user.map(|u| roles_str(&u.roles)).unwrap_or_default(),
        client_addr: client.to_string(),
        purpose: purpose.to_string(),
    }
}

pub fn roles_str(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

/// Check a username and password, with lockout. Every outcome is audited.
pub async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> AppResult<(User, SecondStep)> {
    let s = &state.settings;
    let now = now_ms();
    let user = match state.store.user_by_username(username).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let ctx = audit_ctx_for(user.as_ref(), username, client, "login");
    let bad = || AppError::Unauthorized { code: "invalid_credentials", message: "wrong username or password".into() };
    let Some(user) = user else {
        verify_password(dummy_hash(), password);
        state.store.record_login_failure(&ctx, username, "unknown user").await?;
        return Err(bad());
    };
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        state.store.record_login_failure(&ctx, username, "account locked").await?;
        let minutes = (until - now + 59_999) / 60_000;
        return Err(AppError::Forbidden {
            code: "locked",
            message: format!("account locked; try again in {minutes} minutes"),
        });
    }
    let ok = match &user.password_hash {
        Some(h) => verify_password(h, password),
        None => {
            verify_password(dummy_hash(), password);
            false
        }
    };
    if !ok || user.disabled {
        let reason = if user.disabled { "account disabled" } else { "wrong password" };
        state.store.record_login_failure(&ctx, username, reason).await?;
        let since = now - s.lockout_window_minutes * 60_000;
        if state.store.login_failures_since(username, since).await? >= s.lockout_threshold {
            state.store.lock_user(&ctx, user.id, now + s.lockout_minutes * 60_000).await?;
        }
        return Err(bad());
    }
    state.store.clear_login_failures(username).await?;
    let step = if user.totp_enabled {
        SecondStep::Totp
    } else if s.require_totp_for_admins && user.roles.iter().any(|r| r.requires_totp_by_default()) {
        SecondStep::Enrol
    } else {
        SecondStep::None
    };
    state.store.audit(&ctx, &AuditEvent::new("session.password_ok", "user", &user.username, Outcome::Success)).await?;
    Ok((user, step))
}

/// Verify a TOTP code for a user (and burn its time step). Audited.
pub async fn check_totp(state: &AppState, user: &User, code: &str, client: &str) -> AppResult<()> {
    let ctx = audit_ctx_for(Some(user), &user.username, client, "login");
    let secret = match &user.totp_secret_enc {
        Some(enc) => state.store.crypto.open(enc)?,
        None => return Err(AppError::field("totp", "no second factor is set up for this account")),
    };
    let step = crate::totp::verify(&secret, code, now_ms() / 1000);
    let fresh = match step {
        Some(step) => state.store.use_totp_step(user.id, step).await?,
        None => false,
    };
    if !fresh {
        state.store.record_login_failure(&ctx, &user.username, "wrong TOTP code").await?;
        return Err(AppError::Unauthorized { code: "invalid_totp", message: "wrong or reused one-time code".into() });
    }
    Ok(())
}

/// Create a session and return its token. `mfa_pending`: 0 complete, 1 TOTP to enter,
/// 2 TOTP enrolment required.
pub async fn start_session(
    state: &AppState,
    user: &User,
    kind: &str,
    mfa_pending: i64,
    client: &str,
) -> AppResult<(String, i64)> {
    let token = random_token();
    let now = now_ms();
    let expires_at = now + state.settings.session_absolute_hours * 3_600_000;
    state
        .store
        .create_session(&Session {
            token_hash: token_hash(&token),
            user_id: user.id.0,
            kind: kind.into(),
            csrf_token: random_token(),
            mfa_pending,
            created_at: now,
            last_seen_at: now,
            expires_at,
            client_addr: client.into(),
        })
        .await?;
    if mfa_pending == 0 {
        let ctx = audit_ctx_for(Some(user), &user.username, client, "login");
        state
            .store
            .audit(&ctx, &AuditEvent::new("session.login", "user", &user.username, Outcome::Success).detail(kind))
            .await?;
    }
    Ok((token, expires_at))
}

// ---- the actor -------------------------------------------------------------------------

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub token_hash: String,
    pub csrf_token: String,
    pub session_kind: String,
    pub client: String,
    pub lang: Lang,
    /// 0: complete; 1: TOTP code pending; 2: TOTP enrolment pending.
    pub mfa_pending: i64,
    pub password_expired: bool,
}

impl Actor {
    pub fn roles(&self) -> &[Role] {
        &self.user.roles
    }

    pub fn jurisdiction(&self) -> &UnitPath {
        &self.user.unit_path
    }

    pub fn may(&self, action: Action) -> bool {
        policy::may(&self.user.roles, action)
    }

    pub fn audit_ctx(&self, purpose: &str) -> AuditCtx {
        audit_ctx_for(Some(&self.user), &self.user.username, &self.client, purpose)
    }

    /// The one access check: allowed, or a 403 and an audit record of the denial.
    pub async fn authorize(
        &self,
        state: &AppState,
        action: Action,
        target: &UnitPath,
        object: (&str, &str),
    ) -> AppResult<()> {
        match policy::decide(&self.user.roles, self.jurisdiction(), action, target) {
            Decision::Allow => Ok(()),
            d => {
                let why = if d == Decision::DenyRole { "role" } else { "jurisdiction" };
                let ev = AuditEvent::new(action.as_str(), object.0, object.1, Outcome::Denied)
                    .detail(format!("denied by {why}"));
                state.store.audit(&self.audit_ctx(action.as_str()), &ev).await?;
                Err(AppError::forbidden(match d {
                    Decision::DenyRole => "your role does not allow this",
                    _ => "this is outside your jurisdiction",
                }))
            }
        }
    }

    pub fn check_csrf(&self, submitted: &str) -> AppResult<()> {
        if self.session_kind == "api" || constant_eq(submitted.as_bytes(), self.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Forbidden { code: "csrf", message: "the form expired; reload the page and try again".into() })
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolve the session of a request, whatever its second-factor state.
pub async fn resolve_session(state: &AppState, parts: &Parts) -> AppResult<Actor> {
    let bearer = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = bearer.or_else(|| cookie(&parts.headers, SESSION_COOKIE)).ok_or_else(AppError::unauthenticated)?;
    let hash = token_hash(token.trim());
    let session = state.store.session(&hash).await?.ok_or_else(AppError::unauthenticated)?;
    let now = now_ms();
    let idle_ms = state.settings.session_idle_minutes * 60_000;
    if session.expires_at <= now || session.last_seen_at + idle_ms <= now {
        state.store.delete_session(&hash).await?;
        return Err(AppError::Unauthorized {
            code: "session_expired",
            message: "session expired; log in again".into(),
        });
    }
    let user = state.store.user_by_id(fengqiao_domain::ids::UserId(session.user_id)).await?;
    if user.disabled {
        state.store.delete_session(&hash).await?;
        return Err(AppError::unauthenticated());
    }
    // Writing on every request would make each page view a write; a minute's precision is
    // enough for an idle timeout counted in minutes.
    if now - session.last_seen_at > 60_000 {
        state.store.touch_session(&hash, now).await?;
    }
    let password_expired = state.settings.password_policy == PasswordPolicy::Mlps
        && user.password_changed_at.is_some_and(|t| t + state.settings.password_max_age_days * 86_400_000 < now);
    Ok(Actor {
        token_hash: hash,
        csrf_token: session.csrf_token,
        session_kind: session.kind,
        client: client_addr(parts),
        lang: Lang::from_headers(&parts.headers),
        mfa_pending: session.mfa_pending,
        password_expired,
        user,
    })
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = resolve_session(state, parts).await?;
        if actor.mfa_pending != 0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policies() {
        use PasswordPolicy::*;
        assert_eq!(check_password_policy(Asvs, "li", "correct horse battery"), Ok(()));
        assert_eq!(check_password_policy(Asvs, "li", "short pass"), Err("pw_too_short_12"));
        assert_eq!(check_password_policy(Asvs, "li", "password1234"), Err("pw_common"));
        assert_eq!(check_password_policy(Mlps, "li", "alllowercase"), Err("pw_classes"));
        assert_eq!(check_password_policy(Mlps, "li", "Fengqiao@2026"), Ok(()));
        assert_eq!(check_password_policy(Asvs, "Fengqiao@2026", "Fengqiao@2026"), Err("pw_contains_username"));
        assert_eq!(check_password_policy(Mlps, "li", "Ab1"), Err("pw_too_short_8"));
    }

    #[test]
    fn hashes_verify() {
        let h = hash_password("Fengqiao@2026");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "Fengqiao@2026"));
        assert!(!verify_password(&h, "fengqiao@2026"));
        assert!(!verify_password("garbage", "x"));
    }
}
