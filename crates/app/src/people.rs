//! Staff accounts: create and edit them (one set of rules for every front-end), a person
//! within reach, the audited reveal of a phone number, a one-time password reset code.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::ids::UserId;
use fengqiao_domain::policy::Action;
use fengqiao_domain::role::{MediatorKind, Role};
use fengqiao_domain::{FieldError, Phone};
use fengqiao_store::StoreError;
use fengqiao_store::audit::{AuditEvent, Outcome};
use fengqiao_store::org::Unit;
use fengqiao_store::users::{NewUser, UserUpdate};

pub use fengqiao_store::users::{User, UserFilter};

/// Staff accounts in the actor's jurisdiction: a page of `f.limit` (1–500) and the total.
pub async fn list(app: &App, actor: &Actor, f: &UserFilter) -> Result<(Vec<User>, i64)> {
    if !(1..=500).contains(&f.limit) {
        return Err(Error::field("limit", "between 1 and 500"));
    }
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewPeople, &home, ("people", &actor.user.unit_code)).await?;
    let f = UserFilter { offset: f.offset.clamp(0, crate::OFFSET_MAX), ..f.clone() };
    Ok(app.store.users_under(&home, &f).await?)
}

/// An account as typed (the API's body, the page's form). Field errors name these fields.
#[derive(Debug, Clone, Default)]
pub struct PersonIn {
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

struct Checked {
    unit: Unit,
    roles: Vec<Role>,
    phone: Option<Phone>,
    title: Option<String>,
    officer_rank: Option<String>,
    mediator_kind: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Check every field at once; the unit must exist within the actor's jurisdiction (a unit
/// out of reach reads as one that does not exist).
async fn check(app: &App, actor: &Actor, p: &PersonIn, new: bool) -> Result<Checked> {
    let mut fields = vec![];
    if new {
        let u = p.username.trim();
        let ok = (3..=32).contains(&u.len())
            && u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
        if !ok {
            fields.push(FieldError::new("username", "3–32 characters: lower-case letters, digits, '_', '.', '-'"));
        }
    }
    let name = p.display_name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        fields.push(FieldError::new("display_name", "1–32 characters"));
    }
    let mut roles = vec![];
    for (i, r) in p.roles.iter().enumerate() {
        match Role::parse(r.trim()) {
            Some(r) if !roles.contains(&r) => roles.push(r),
            Some(_) => {}
            None => fields.push(FieldError::new(format!("roles[{i}]"), format!("unknown role '{r}'"))),
        }
    }
    if p.roles.is_empty() {
        fields.push(FieldError::new("roles", "at least one role"));
    }
    let phone = match nonempty(&p.phone) {
        Some(ph) => match Phone::parse(ph) {
            Ok(ph) => Some(ph),
            Err(e) => {
                fields.push(FieldError::new("phone", e.to_string()));
                None
            }
        },
        None => None,
    };
    let officer_rank = nonempty(&p.officer_rank).map(String::from);
    if officer_rank.as_deref().is_some_and(|r| !matches!(r, "police" | "auxiliary")) {
        fields.push(FieldError::new("officer_rank", "police or auxiliary"));
    }
    let mediator_kind = nonempty(&p.mediator_kind).map(String::from);
    if let Some(k) = &mediator_kind
        && MediatorKind::parse(k).is_none()
    {
        fields.push(FieldError::new("mediator_kind", format!("unknown mediator kind '{k}'")));
    }
    let title = nonempty(&p.title).map(String::from);
    if title.as_deref().is_some_and(|t| t.chars().count() > 32) {
        fields.push(FieldError::new("title", "at most 32 characters"));
    }
    let code = p.unit_code.trim();
    let unit = match app.store.unit_by_code(code).await {
        Ok(u) if actor.jurisdiction().covers(&u.path) => Some(u),
        Ok(_) | Err(StoreError::NotFound) => {
            fields.push(FieldError::new("unit_code", format!("no unit with code '{code}' in your jurisdiction")));
            None
        }
        Err(e) => return Err(e.into()),
    };
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    Ok(Checked { unit: unit.expect("checked"), roles, phone, title, officer_rank, mediator_kind })
}

/// Create an account under a unit of the actor's jurisdiction, without a password: the
/// person sets one with a code from [`issue_reset_code`].
pub async fn create_user(app: &App, actor: &Actor, p: &PersonIn) -> Result<User> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ManagePeople, &home, ("people", &actor.user.unit_code)).await?;
    let c = check(app, actor, p, true).await?;
    actor.authorize(app, Action::ManagePeople, &c.unit.path, ("unit", &c.unit.code)).await?;
    may_grant(app, actor, &c.unit.path, &[], &c.roles).await?;
    let nu = NewUser {
        username: p.username.trim().into(),
        display_name: p.display_name.trim().into(),
        unit_id: c.unit.id,
        title: c.title,
        officer_rank: c.officer_rank,
        mediator_kind: c.mediator_kind,
        roles: c.roles,
        phone: c.phone,
        // No administrator chooses anyone's password: the person sets one with a reset code.
        password_hash: None,
    };
    let id = app.store.create_user(&actor.audit_ctx("create account"), &nu).await?;
    Ok(app.store.user_by_id(id).await?)
}

/// A person the actor may `action` (by the person's unit).
pub async fn person(app: &App, actor: &Actor, id: i64, action: Action) -> Result<User> {
    let user = app.store.user_by_id(UserId(id)).await?;
    actor.authorize(app, action, &user.unit_path, ("user", &user.username)).await?;
    Ok(user)
}

/// Edit an account (not one's own: nobody changes their own roles or unit). An empty phone
/// keeps the stored one (forms never show it in full).
pub async fn update_user(app: &App, actor: &Actor, id: i64, p: &PersonIn, disabled: bool) -> Result<User> {
    let user = person(app, actor, id, Action::ManagePeople).await?;
    if user.id == actor.user.id {
        return Err(Error::denied("you cannot change your own roles or unit"));
    }
    let c = check(app, actor, p, false).await?;
    may_grant(app, actor, &user.unit_path, &user.roles, &c.roles).await?;
    let phone = match c.phone {
        Some(ph) => Some(ph),
        None => user
            .phone_enc
            .as_ref()
            .map(|enc| app.store.crypto.open(enc))
            .transpose()?
            .and_then(|ph| Phone::parse(&ph).ok()),
    };
    let up = UserUpdate {
        display_name: p.display_name.trim().into(),
        unit_id: c.unit.id,
        title: c.title,
        officer_rank: c.officer_rank,
        mediator_kind: c.mediator_kind,
        roles: c.roles,
        phone,
        disabled,
    };
    app.store.update_user(&actor.audit_ctx("edit account"), user.id, &up).await?;
    Ok(app.store.user_by_id(user.id).await?)
}

/// Three-admin separation: granting or revoking a sensitive role (one that reads personal
/// data, or an administrator's) is for the security administrator; the system administrator
/// manages accounts with the other roles. Refusals are audited.
async fn may_grant(
    app: &App,
    actor: &Actor,
    unit: &fengqiao_domain::org::UnitPath,
    before: &[Role],
    after: &[Role],
) -> Result<()> {
    use fengqiao_domain::policy::is_sensitive;
    let changed: Vec<Role> = after
        .iter()
        .filter(|r| !before.contains(r))
        .chain(before.iter().filter(|r| !after.contains(r)))
        .copied()
        .filter(|r| is_sensitive(*r))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    match actor.authorize(app, Action::GrantRoles, unit, ("roles", changed[0].as_str())).await {
        Ok(()) => Ok(()),
        Err(Error::Denied { .. }) => Err(Error::denied(format!(
            "only the security administrator grants or revokes {}",
            changed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
        ))),
        Err(e) => Err(e),
    }
}

/// Set the roles of an account (the security administrator; nobody their own).
pub async fn set_roles(app: &App, actor: &Actor, id: i64, roles: &[String]) -> Result<User> {
    let user = person(app, actor, id, Action::ViewPeople).await?;
    if user.id == actor.user.id {
        return Err(Error::denied("you cannot change your own roles or unit"));
    }
    let mut parsed = vec![];
    let mut fields = vec![];
    for (i, r) in roles.iter().enumerate() {
        match Role::parse(r.trim()) {
            Some(r) if !parsed.contains(&r) => parsed.push(r),
            Some(_) => {}
            None => fields.push(FieldError::new(format!("roles[{i}]"), format!("unknown role '{r}'"))),
        }
    }
    if roles.is_empty() {
        fields.push(FieldError::new("roles", "at least one role"));
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    actor.authorize(app, Action::GrantRoles, &user.unit_path, ("user", &user.username)).await?;
    let up = UserUpdate {
        display_name: user.display_name.clone(),
        unit_id: user.unit_id,
        title: user.title.clone(),
        officer_rank: user.officer_rank.clone(),
        mediator_kind: user.mediator_kind.clone(),
        roles: parsed,
        phone: match &user.phone_enc {
            Some(enc) => Phone::parse(&app.store.crypto.open(enc)?).ok(),
            None => None,
        },
        disabled: user.disabled,
    };
    app.store.update_user(&actor.audit_ctx("grant roles"), user.id, &up).await?;
    app.store.delete_sessions_of(user.id, None).await?;
    Ok(app.store.user_by_id(user.id).await?)
}

/// A person's phone number in full: for roles that need it, with a stated purpose, audited
/// as a read of personal data. `None` when no number is recorded.
pub async fn reveal_phone(app: &App, actor: &Actor, user: &User, purpose: &str) -> Result<Option<String>> {
    actor.authorize(app, Action::ViewPersonalData, &user.unit_path, ("user", &user.username)).await?;
    let purpose = Actor::purpose(purpose, "state why you need the full number")?;
    let Some(enc) = &user.phone_enc else { return Ok(None) };
    let phone = app.store.crypto.open(enc)?;
    let ev = AuditEvent::new("person.read_personal", "user", &user.username, Outcome::Success).detail("phone");
    app.store.audit(&actor.audit_ctx(purpose), &ev).await?;
    Ok(Some(phone))
}

/// Issue a one-time code with which the person sets a new password themselves (issue 9,
/// item 4): no administrator sets or sees anyone's password. The code replaces a pending
/// one, lives [`crate::accounts::RESET_CODE_HOURS`] hours and is shown once; only its hash
/// is kept. The account's owner redeems it ([`crate::accounts::redeem_reset_code`]) with
/// their second factor when one is enrolled. An account holding a sensitive role (one that
/// reads personal data, or an administrator's) is the security administrator's to reset,
/// as its roles are theirs to grant; the rest are the system administrator's. Nobody resets
/// their own (they change it on their account page). Audited.
pub async fn issue_reset_code(app: &App, actor: &Actor, id: i64) -> Result<(String, i64)> {
    let user = person(app, actor, id, Action::ViewPeople).await?;
    if user.id == actor.user.id {
        return Err(Error::denied("change your own password on your account page"));
    }
    actor.authorize(app, reset_action(&user), &user.unit_path, ("user", &user.username)).await?;
    let code = crate::accounts::new_reset_code();
    let expires_at = fengqiao_store::now_ms() + crate::accounts::RESET_CODE_HOURS * 3_600_000;
    let ctx = actor.audit_ctx("issue password reset code");
    app.store.issue_reset_code(&ctx, user.id, &crate::accounts::reset_code_hash(&code), expires_at).await?;
    Ok((code, expires_at))
}

/// Who resets an account's password: the security administrator for an account with a
/// sensitive role, the system administrator for the rest.
pub fn reset_action(user: &User) -> Action {
    if user.roles.iter().any(|r| fengqiao_domain::policy::is_sensitive(*r)) {
        Action::GrantRoles
    } else {
        Action::ManagePeople
    }
}

/// Unlock an account locked by failed logins (security administrators).
pub async fn unlock(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let user = person(app, actor, id, Action::ManageSecurity).await?;
    app.store.unlock_user(&actor.audit_ctx("unlock account"), user.id).await?;
    Ok(())
}

/// Remove an account's second factor (security administrators): the person enrols again at
/// the next login; their sessions end.
pub async fn reset_totp(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let user = person(app, actor, id, Action::ManageSecurity).await?;
    app.store.set_totp(&actor.audit_ctx("reset second factor"), user.id, None, false).await?;
    app.store.delete_sessions_of(user.id, None).await?;
    Ok(())
}

/// The display names of these accounts (by username), for pages that show who did
/// something: staff see each other's names wherever they see their work.
pub async fn display_names(app: &App, usernames: &[String]) -> Result<std::collections::HashMap<String, String>> {
    Ok(app.store.display_names(usernames).await?)
}
