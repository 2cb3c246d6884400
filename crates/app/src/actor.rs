//! The actor of a use case: an authenticated user with their session, and the one access
//! check. [`Actor::authorize`] asks [`fengqiao_domain::policy`] and audits every refusal;
//! [`Actor::can`] answers the same question for a page (which buttons to offer) and writes
//! nothing.

use crate::accounts::audit_ctx_for;
use crate::{App, Error, Lang, Result};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::{self, Action, Decision};
use fengqiao_domain::role::Role;
use fengqiao_store::audit::{AuditCtx, AuditEvent, Outcome};
use fengqiao_store::users::User;

pub use fengqiao_domain::SecondFactor;

/// The authenticated user of a request or command.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub token_hash: String,
    pub csrf_token: String,
    /// `web` (a browser's cookie) or `api` (a bearer token).
    pub session_kind: String,
    pub client: String,
    pub lang: Lang,
    pub second_factor: SecondFactor,
    pub password_expired: bool,
}

impl Actor {
    pub fn roles(&self) -> &[Role] {
        &self.user.roles
    }

    pub fn jurisdiction(&self) -> &UnitPath {
        &self.user.unit_path
    }

    /// Whether the role allows the action anywhere (no jurisdiction asked).
    pub fn may(&self, action: Action) -> bool {
        policy::may(&self.user.roles, action)
    }

    /// Whether the actor may do `action` on a record of `target`: the answer of
    /// [`Actor::authorize`] without its audit record, for pages deciding what to offer.
    pub fn can(&self, action: Action, target: &UnitPath) -> bool {
        policy::decide(&self.user.roles, self.jurisdiction(), action, target) == Decision::Allow
    }

    pub fn audit_ctx(&self, purpose: &str) -> AuditCtx {
        audit_ctx_for(Some(&self.user), &self.user.username, &self.client, purpose)
    }

    /// The one access check before acting: allowed, or [`Error::Denied`] and an audit record
    /// of the refusal.
    pub async fn authorize(&self, app: &App, action: Action, target: &UnitPath, object: (&str, &str)) -> Result<()> {
        match policy::decide(&self.user.roles, self.jurisdiction(), action, target) {
            Decision::Allow => Ok(()),
            d => {
                let why = if d == Decision::DenyRole { "role" } else { "jurisdiction" };
                let ev = AuditEvent::new(action.as_str(), object.0, object.1, Outcome::Denied)
                    .detail(format!("denied by {why}"));
                app.store.audit(&self.audit_ctx(action.as_str()), &ev).await?;
                Err(Error::denied(match d {
                    Decision::DenyRole => "your role does not allow this",
                    _ => "this is outside your jurisdiction",
                }))
            }
        }
    }

    /// A refusal decided by a use case's own rule (not the role matrix: "only the recipient
    /// answers"): audited like the policy's, then [`Error::Denied`] with `message`.
    pub async fn refuse(&self, app: &App, what: &str, object: (&str, &str), message: &str) -> Error {
        let ev = AuditEvent::new(what, object.0, object.1, Outcome::Denied).detail(message);
        match app.store.audit(&self.audit_ctx(what), &ev).await {
            Ok(_) => Error::denied(message),
            Err(e) => e.into(),
        }
    }

    /// The stated purpose of a read of personal data, as recorded in the audit log: 2–100
    /// characters (`message` says what is asked for when it is missing).
    pub fn purpose<'a>(purpose: &'a str, message: &str) -> Result<&'a str> {
        let p = purpose.trim();
        match p.chars().count() {
            0..=1 => Err(Error::field("purpose", message)),
            101.. => Err(Error::field("purpose", "at most 100 characters")),
            _ => Ok(p),
        }
    }

    /// A browser's form must carry its session's token; API sessions (bearer tokens, no
    /// cookies) cannot be forged across sites.
    pub fn check_csrf(&self, submitted: &str) -> Result<()> {
        if self.session_kind == "api" || constant_eq(submitted.as_bytes(), self.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(Error::Denied { code: "csrf", message: "the form expired; reload the page and try again".into() })
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
