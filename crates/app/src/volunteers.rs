//! Volunteers (义警, 永安义警, counsellors) in the teams of the jurisdiction.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::{FieldError, Phone};
use fengqiao_store::StoreError;
use fengqiao_store::volunteers::NewVolunteer;

pub use fengqiao_store::volunteers::{VOLUNTEER_KINDS, Volunteer};

/// A volunteer as typed; `team` is the code of a unit of the jurisdiction.
#[derive(Debug, Clone, Default)]
pub struct VolunteerIn {
    pub name: String,
    pub team: String,
    /// `volunteer_police`, `yongan` or `counsellor`.
    pub kind: String,
    pub phone: Option<String>,
    pub skills: Option<String>,
}

/// The volunteers of the actor's jurisdiction (a page of them, and how many in all).
pub async fn list(app: &App, actor: &Actor, limit: i64, offset: i64) -> Result<(Vec<Volunteer>, i64)> {
    let home: UnitPath = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewPeople, &home, ("volunteers", &actor.user.unit_code)).await?;
    if !(0..=crate::OFFSET_MAX).contains(&offset) {
        return Err(Error::field("offset", format!("between 0 and {}", crate::OFFSET_MAX)));
    }
    Ok(app.store.volunteers_under(&home, limit.clamp(1, 500), offset).await?)
}

/// How many volunteers of each kind the actor's jurisdiction has.
pub async fn counts(app: &App, actor: &Actor) -> Result<Vec<(String, i64)>> {
    let home: UnitPath = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewPeople, &home, ("volunteers", &actor.user.unit_code)).await?;
    Ok(app.store.count_volunteers_by_kind(&home).await?)
}

/// Register a volunteer in a team the actor manages.
pub async fn create(app: &App, actor: &Actor, v: &VolunteerIn) -> Result<i64> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ManagePeople, &home, ("volunteers", &actor.user.unit_code)).await?;
    let mut fields = vec![];
    let name = v.name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        fields.push(FieldError::new("name", "1–32 characters"));
    }
    if !VOLUNTEER_KINDS.contains(&v.kind.trim()) {
        fields.push(FieldError::new("kind", format!("one of {}", VOLUNTEER_KINDS.join(", "))));
    }
    let phone = match v.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                fields.push(FieldError::new("phone", e.to_string()));
                None
            }
        },
    };
    let skills = v.skills.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    if skills.as_deref().is_some_and(|s| s.chars().count() > 200) {
        fields.push(FieldError::new("skills", "at most 200 characters"));
    }
    let code = v.team.trim();
    let team = match app.store.unit_by_code(code).await {
        Ok(u) if home.covers(&u.path) => Some(u),
        Ok(_) | Err(StoreError::NotFound) => {
            fields.push(FieldError::new("team", format!("no unit with code '{code}' in your jurisdiction")));
            None
        }
        Err(e) => return Err(e.into()),
    };
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let team = team.expect("checked");
    actor.authorize(app, Action::ManagePeople, &team.path, ("unit", &team.code)).await?;
    let nv = NewVolunteer { name: name.into(), unit_id: team.id, kind: v.kind.trim().into(), phone, skills };
    Ok(app.store.create_volunteer(&actor.audit_ctx("register volunteer"), &nv).await?.0)
}
