//! Accounts: passwords (argon2id, the configured policy), login with lockout, the second
//! factor (TOTP), and sessions. A session is a random token; only its SHA-256 is stored.
//! Sessions end after an idle period and an absolute lifetime. Every outcome is audited.

use crate::actor::{Actor, SecondFactor};
use crate::settings::PasswordPolicy;
use crate::{App, Error, Lang, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::{AuditCtx, AuditEvent, Outcome};
use fengqiao_store::sessions::Session;
use fengqiao_store::users::User;
use fengqiao_store::{StoreError, now_ms};
use rand::RngCore;
use sha2::{Digest, Sha256};

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

/// Check a new password against the configured policy. Returns a message key on failure.
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

/// The rule a password broke, in words (the key names it for translated pages).
pub fn password_rule_message(key: &str) -> &'static str {
    match key {
        "pw_too_long" => "at most 128 characters",
        "pw_common" => "this password is too common",
        "pw_contains_username" => "must not contain the username",
        "pw_too_short_12" => "at least 12 characters",
        "pw_too_short_8" => "at least 8 characters",
        "pw_classes" => "use three of: lower-case, upper-case, digits, symbols",
        _ => "does not meet the password policy",
    }
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

// ---- login ---------------------------------------------------------------------------------

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

/// Failed logins one client address may make in the lockout window before it is refused
/// outright (whatever the usernames it tries).
pub const CLIENT_FAILURES_PER_WINDOW: i64 = 50;

/// Check a password off the async workers: argon2 is deliberately slow, and a flood of
/// logins must not stall every other request.
async fn verify_off_thread(hash: Option<String>, password: &str) -> Result<bool> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&h, &password),
        None => {
            verify_password(dummy_hash(), &password);
            false
        }
    })
    .await
    .map_err(|e| Error::Internal(e.into()))
}

fn locked() -> Error {
    Error::Denied { code: "locked", message: "account locked; try again later".into() }
}

/// An attempt at an account's secret (a password, a reset code), reserved before the secret
/// is checked: see [`check_credentials`].
struct Attempt {
    user: Option<User>,
    ctx: AuditCtx,
    /// The failure recorded in advance; released when the secret proves right.
    id: i64,
    now: i64,
    /// Failures of the account in the lockout window, this one included.
    attempts: i64,
}

/// Start an attempt: refused (and audited as `action`) when the client address has failed
/// too often, or the account has — or, with `honour_lock`, is locked.
async fn begin_attempt(
    app: &App,
    username: &str,
    client: &str,
    action: &str,
    purpose: &str,
    honour_lock: bool,
) -> Result<Attempt> {
    let s = &app.settings;
    let now = now_ms();
    let since = now - s.lockout_window_minutes * 60_000;
    let user = match app.store.user_by_username(username).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let ctx = audit_ctx_for(user.as_ref(), username, client, purpose);
    if app.store.client_login_failures_since(client, since).await? >= CLIENT_FAILURES_PER_WINDOW {
        let ev = AuditEvent::new(action, "user", username, Outcome::Denied).detail("client address limit");
        app.store.audit(&ctx, &ev).await?;
        return Err(Error::Limited("too many failed attempts from this address; try again later".into()));
    }
    let id = app.store.reserve_login_attempt(username, client).await?;
    let attempts = app.store.login_failures_since(username, since).await?;
    let user_locked = honour_lock && user.as_ref().is_some_and(|u| u.locked_until.is_some_and(|t| t > now));
    if user_locked || attempts > s.lockout_threshold {
        let ev = AuditEvent::new(action, "user", username, Outcome::Failure).detail("account locked");
        app.store.audit(&ctx, &ev).await?;
        return Err(locked());
    }
    Ok(Attempt { user, ctx, id, now, attempts })
}

/// Check a username and password, with lockout. Every outcome is audited. Returns the user
/// and what stands between the password and a full session.
///
/// An attempt is recorded before the password is checked, and counted with the others of
/// the window: so however many attempts race, at most `lockout_threshold` of them are
/// checked. Unknown usernames are counted and locked like real ones (the answers are the
/// same), and one client address may fail only so often whatever names it tries.
pub async fn check_credentials(
    app: &App,
    username: &str,
    password: &str,
    client: &str,
) -> Result<(User, SecondFactor)> {
    let s = &app.settings;
    let Attempt { user, ctx, id: attempt, now, attempts } =
        begin_attempt(app, username, client, "session.login", "login", true).await?;
    let bad = || Error::Unauthenticated { code: "invalid_credentials", message: "wrong username or password".into() };
    let ok = verify_off_thread(user.as_ref().and_then(|u| u.password_hash.clone()), password).await?;
    let user_id = user.as_ref().map(|u| u.id);
    let Some(user) = user.filter(|u| ok && !u.disabled) else {
        let reason = if !ok { "wrong password" } else { "account disabled" };
        let ev = AuditEvent::new("session.login", "user", username, Outcome::Failure).detail(reason);
        app.store.audit(&ctx, &ev).await?;
        if let Some(id) = user_id.filter(|_| attempts >= s.lockout_threshold) {
            app.store.lock_user(&ctx, id, now + s.lockout_minutes * 60_000).await?;
        }
        return Err(bad());
    };
    // The password was right: this attempt was no failure. Earlier failures (of passwords
    // or second factors) are forgotten only once the login is complete.
    app.store.release_login_attempt(attempt).await?;
    let step = if user.totp_enabled {
        SecondFactor::Code
    } else if s.require_totp_for_admins && user.roles.iter().any(|r| r.requires_totp_by_default()) {
        SecondFactor::Enrol
    } else {
        SecondFactor::Done
    };
    if step == SecondFactor::Done {
        app.store.clear_login_failures(username).await?;
    }
    app.store.audit(&ctx, &AuditEvent::new("session.password_ok", "user", &user.username, Outcome::Success)).await?;
    Ok((user, step))
}

/// Verify a TOTP code for a user (and burn its time step). Audited. A wrong code counts as a
/// failed login: at the threshold the account locks and its sessions (the one waiting for
/// this code too) end; a locked account's code is not checked. The right code completes the
/// login and forgets the failures.
pub async fn check_totp(app: &App, user: &User, code: &str, client: &str) -> Result<()> {
    let s = &app.settings;
    let now = now_ms();
    let ctx = audit_ctx_for(Some(user), &user.username, client, "login");
    let secret = match &user.totp_secret_enc {
        Some(enc) => app.store.crypto.open(enc)?,
        None => return Err(Error::field("totp", "no second factor is set up for this account")),
    };
    let fresh_user = app.store.user_by_id(user.id).await?;
    if fresh_user.locked_until.is_some_and(|t| t > now) {
        app.store.record_login_failure(&ctx, &user.username, "account locked (second factor)").await?;
        return Err(locked());
    }
    let step = crate::totp::verify(&secret, code, now / 1000);
    let fresh = match step {
        Some(step) => app.store.use_totp_step(user.id, step).await?,
        None => false,
    };
    if !fresh {
        app.store.record_login_failure(&ctx, &user.username, "wrong TOTP code").await?;
        let since = now - s.lockout_window_minutes * 60_000;
        if app.store.login_failures_since(&user.username, since).await? >= s.lockout_threshold {
            app.store.lock_user(&ctx, user.id, now + s.lockout_minutes * 60_000).await?;
            app.store.delete_sessions_of(user.id, None).await?;
        }
        return Err(Error::Unauthenticated { code: "invalid_totp", message: "wrong or reused one-time code".into() });
    }
    app.store.clear_login_failures(&user.username).await?;
    Ok(())
}

// ---- one-time reset codes ------------------------------------------------------------------

/// How long a password reset code stays valid.
pub const RESET_CODE_HOURS: i64 = 24;

/// Symbols of a reset code: no 0/O, 1/I/L or U, so it can be read out over the phone.
const RESET_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";

/// A new reset code: 16 symbols (78 bits) in groups of four, `ABCD-EFGH-JKMN-PQRS`.
pub fn new_reset_code() -> String {
    let mut out = String::with_capacity(19);
    let mut i = 0;
    while i < 16 {
        let mut b = [0u8; 1];
        rand::rngs::OsRng.fill_bytes(&mut b);
        // 240 = 8 × 30: reject the rest so every symbol is equally likely.
        if b[0] >= 240 {
            continue;
        }
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(RESET_ALPHABET[(b[0] % 30) as usize] as char);
        i += 1;
    }
    out
}

/// The stored form of a reset code, whatever its case, spaces or dashes as typed.
pub fn reset_code_hash(code: &str) -> String {
    let normal: String =
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    token_hash(&normal)
}

/// A password reset as the account's owner types it.
#[derive(Debug, Clone, Default)]
pub struct ResetIn {
    pub username: String,
    pub code: String,
    pub password: String,
    /// The current code of the account's second factor, when one is enrolled.
    pub totp: Option<String>,
}

/// Redeem a reset code: the owner of the account sets a new password. The code must be the
/// account's pending, unexpired one, and with a second factor enrolled its current code is
/// needed too — so the administrator who issued the code cannot use it on an account with a
/// second factor. A wrong code counts as a failed login (per account and per client
/// address, with the same lockout); unknown accounts, disabled ones and wrong or expired
/// codes get one answer. On success every session of the account ends and a lockout lifts.
/// Audited either way.
pub async fn redeem_reset_code(app: &App, r: &ResetIn, client: &str) -> Result<()> {
    let username = r.username.trim();
    let mut fields = vec![];
    if username.is_empty() || username.len() > 64 {
        fields.push(fengqiao_domain::FieldError::new("username", "1–64 characters"));
    }
    if r.code.trim().is_empty() || r.code.len() > 64 {
        fields.push(fengqiao_domain::FieldError::new("code", "the code you were given (16 letters and digits)"));
    }
    if r.password.is_empty() {
        fields.push(fengqiao_domain::FieldError::new("password", "required").keyed("required"));
    } else if r.password.len() > 512 {
        fields.push(fengqiao_domain::FieldError::new("password", "at most 128 characters").keyed("pw_too_long"));
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let s = &app.settings;
    // A lock from failed logins does not stop a reset (it is how a locked-out person gets
    // back in); failed codes count and lock like passwords.
    let Attempt { user, ctx, id: attempt, now, .. } =
        begin_attempt(app, username, client, "user.password.reset", "password reset", false).await?;
    let hash = reset_code_hash(&r.code);
    let matches = match &user {
        Some(u) if !u.disabled => app.store.reset_code_matches(u.id, &hash, now).await?,
        _ => false,
    };
    let Some(user) = user.filter(|_| matches) else {
        let ev = AuditEvent::new("user.password.reset", "user", username, Outcome::Failure).detail("wrong reset code");
        app.store.audit(&ctx, &ev).await?;
        return Err(Error::Unauthenticated {
            code: "invalid_reset_code",
            message: "wrong or expired reset code for this username".into(),
        });
    };
    // The code was right: this attempt was no failure (a wrong second-factor code is
    // counted by `check_totp` itself).
    app.store.release_login_attempt(attempt).await?;
    if user.totp_enabled {
        let code = r.totp.as_deref().map(str::trim).unwrap_or("");
        if code.is_empty() {
            return Err(Error::field("totp", "this account has a second factor: enter its current code"));
        }
        check_totp(app, &user, code, client).await?;
    }
    if let Err(key) = check_password_policy(s.password_policy, &user.username, &r.password) {
        return Err(Error::Invalid(vec![
            fengqiao_domain::FieldError::new("password", password_rule_message(key)).keyed(key),
        ]));
    }
    let new_hash = tokio::task::spawn_blocking({
        let pw = r.password.clone();
        move || hash_password(&pw)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    if !app.store.redeem_reset_code(&ctx, user.id, &hash, &new_hash, now_ms()).await? {
        return Err(Error::Unauthenticated {
            code: "invalid_reset_code",
            message: "wrong or expired reset code for this username".into(),
        });
    }
    app.store.clear_login_failures(username).await?;
    Ok(())
}

/// Create a session (`kind`: `web` or `api`) and return its token and expiry.
pub async fn start_session(
    app: &App,
    user: &User,
    kind: &str,
    pending: SecondFactor,
    client: &str,
) -> Result<(String, i64)> {
    let token = random_token();
    let now = now_ms();
    let expires_at = now + app.settings.session_absolute_hours * 3_600_000;
    app.store
        .create_session(&Session {
            token_hash: token_hash(&token),
            user_id: user.id.0,
            kind: kind.into(),
            csrf_token: random_token(),
            second_factor: pending,
            created_at: now,
            last_seen_at: now,
            expires_at,
            client_addr: client.into(),
        })
        .await?;
    if pending == SecondFactor::Done {
        let ctx = audit_ctx_for(Some(user), &user.username, client, "login");
        app.store
            .audit(&ctx, &AuditEvent::new("session.login", "user", &user.username, Outcome::Success).detail(kind))
            .await?;
    }
    Ok((token, expires_at))
}

/// Change one's own password: the current one must be right, the new one must meet the
/// policy; every other session of the account ends.
pub async fn change_own_password(app: &App, actor: &Actor, current: &str, new: &str) -> Result<()> {
    let ok = actor.user.password_hash.as_deref().is_some_and(|h| verify_password(h, current));
    if !ok {
        return Err(Error::Invalid(vec![
            fengqiao_domain::FieldError::new("current", "the current password is wrong").keyed("pw_wrong_current"),
        ]));
    }
    if let Err(key) = check_password_policy(app.settings.password_policy, &actor.user.username, new) {
        return Err(Error::Invalid(vec![
            fengqiao_domain::FieldError::new("new", password_rule_message(key)).keyed(key),
        ]));
    }
    app.store.set_password(&actor.audit_ctx("change own password"), actor.user.id, &hash_password(new)).await?;
    app.store.delete_sessions_of(actor.user.id, Some(&actor.token_hash)).await?;
    Ok(())
}

/// Complete a session waiting for its second factor with a TOTP code (audited as the login).
/// The session's token changes: the new one is returned.
pub async fn complete_second_factor(app: &App, actor: &Actor, code: &str) -> Result<String> {
    if actor.second_factor != SecondFactor::Code {
        return Err(Error::Conflict { field: None, message: "this session is not waiting for a code".into() });
    }
    check_totp(app, &actor.user, code, &actor.client).await?;
    let token = rotate(app, actor).await?;
    let ev = AuditEvent::new("session.login", "user", &actor.user.username, Outcome::Success).detail("web+totp");
    app.store.audit(&actor.audit_ctx("login"), &ev).await?;
    Ok(token)
}

/// Mark the actor's session complete under a new token (and CSRF token); returns the token.
async fn rotate(app: &App, actor: &Actor) -> Result<String> {
    let token = random_token();
    app.store.complete_mfa(&actor.token_hash, &token_hash(&token), &random_token()).await?;
    Ok(token)
}

/// Start TOTP enrolment: a new secret, kept sealed and not yet enabled until a code from it
/// is proved ([`confirm_totp`]). Refused over a working factor (re-enrolling would silently
/// switch it off; a security administrator resets it instead). Returns the secret to show.
pub async fn start_totp_enrolment(app: &App, actor: &Actor) -> Result<String> {
    if actor.user.totp_enabled {
        return Err(Error::Conflict { field: None, message: "a second factor is already set up".into() });
    }
    let secret = crate::totp::new_secret();
    app.store.set_totp(&actor.audit_ctx("totp enrolment"), actor.user.id, Some(&secret), false).await?;
    Ok(secret)
}

/// The secret of an enrolment in progress (to show again after a wrong code).
pub async fn pending_totp_secret(app: &App, actor: &Actor) -> Result<Option<String>> {
    let user = app.store.user_by_id(actor.user.id).await?;
    if user.totp_enabled {
        return Ok(None);
    }
    Ok(match &user.totp_secret_enc {
        Some(enc) => Some(app.store.crypto.open(enc)?),
        None => None,
    })
}

/// Finish TOTP enrolment with a code from the new secret: the factor is enabled, and a
/// session that had to enrol before use becomes a full session (audited as the login) under
/// a new token, returned.
pub async fn confirm_totp(app: &App, actor: &Actor, code: &str) -> Result<Option<String>> {
    let user = app.store.user_by_id(actor.user.id).await?;
    let Some(secret) = pending_totp_secret(app, actor).await? else {
        return Err(Error::Conflict { field: None, message: "no enrolment is in progress".into() });
    };
    check_totp(app, &user, code, &actor.client).await?;
    app.store.set_totp(&actor.audit_ctx("totp enrolment"), user.id, Some(&secret), true).await?;
    if actor.second_factor == SecondFactor::Enrol {
        let token = rotate(app, actor).await?;
        let ev =
            AuditEvent::new("session.login", "user", &user.username, Outcome::Success).detail("web+totp enrolment");
        app.store.audit(&actor.audit_ctx("login"), &ev).await?;
        return Ok(Some(token));
    }
    Ok(None)
}

/// End the actor's session (audited).
pub async fn logout(app: &App, actor: &Actor) -> Result<()> {
    app.store.delete_session(&actor.token_hash).await?;
    let ev = AuditEvent::new("session.logout", "user", &actor.user.username, Outcome::Success);
    app.store.audit(&actor.audit_ctx("logout"), &ev).await?;
    Ok(())
}

/// The actor holding a session token, whatever its second-factor state: the session must
/// exist, be neither idle too long nor past its lifetime, and belong to an enabled user.
pub async fn session_actor(app: &App, token: &str, client: &str, lang: Lang) -> Result<Actor> {
    let hash = token_hash(token.trim());
    let session = app.store.session(&hash).await?.ok_or_else(Error::unauthenticated)?;
    let now = now_ms();
    let idle_ms = app.settings.session_idle_minutes * 60_000;
    if session.expires_at <= now || session.last_seen_at + idle_ms <= now {
        app.store.delete_session(&hash).await?;
        return Err(Error::Unauthenticated {
            code: "session_expired",
            message: "session expired; log in again".into(),
        });
    }
    let user = app.store.user_by_id(fengqiao_domain::ids::UserId(session.user_id)).await?;
    if user.disabled {
        app.store.delete_session(&hash).await?;
        return Err(Error::unauthenticated());
    }
    // Writing on every request would make each page view a write; a minute's precision is
    // enough for an idle timeout counted in minutes.
    if now - session.last_seen_at > 60_000 {
        app.store.touch_session(&hash, now).await?;
    }
    let password_expired = app.settings.password_policy == PasswordPolicy::Mlps
        && user.password_changed_at.is_some_and(|t| t + app.settings.password_max_age_days * 86_400_000 < now);
    Ok(Actor {
        token_hash: hash,
        csrf_token: session.csrf_token,
        session_kind: session.kind,
        client: client.to_string(),
        lang,
        second_factor: session.second_factor,
        password_expired,
        user,
    })
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
