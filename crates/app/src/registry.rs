//! The real-population registry's use cases: a household file within reach, and visits.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::registry::VISIT_KINDS;
use fengqiao_store::registry::{HouseholdRow, VisitRecord};

/// A household the actor may `action` (by its grid); out of reach reads as refused.
pub async fn household(app: &App, actor: &Actor, code: &str, action: Action) -> Result<HouseholdRow> {
    let h = app.store.household_by_code(code).await?;
    actor.authorize(app, action, &UnitPath(h.grid_path.clone()), ("household", &h.code)).await?;
    Ok(h)
}

/// A visit as typed.
#[derive(Debug, Clone, Default)]
pub struct VisitIn {
    /// monthly, publicity, care or other.
    pub kind: String,
    pub outcome: String,
    pub note: String,
}

/// Record a visit to a household: authorised on the household that exists, then checked
/// (every bad field named), then written with its audit record.
pub async fn record_visit(app: &App, actor: &Actor, code: &str, v: &VisitIn) -> Result<HouseholdRow> {
    let h = household(app, actor, code, Action::RecordVisit).await?;
    let mut fields = vec![];
    if !VISIT_KINDS.contains(&v.kind.trim()) {
        fields.push(FieldError::new("kind", format!("one of {}", VISIT_KINDS.join(", "))));
    }
    let outcome = v.outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 100 {
        fields.push(FieldError::new("outcome", "1–100 characters"));
    }
    let note = v.note.trim();
    if note.chars().count() > 500 {
        fields.push(FieldError::new("note", "at most 500 characters"));
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let record = VisitRecord {
        household_id: h.id,
        household_code: &h.code,
        user_id: actor.user.id.0,
        kind: v.kind.trim(),
        outcome,
        note,
    };
    app.store.record_visit(&actor.audit_ctx("household visit"), &record).await?;
    Ok(h)
}

/// Issue a household a new QR code: the old one stops working at once (its page answers as
/// an unknown address). Returns the household.
pub async fn reissue_qr(app: &App, actor: &Actor, code: &str) -> Result<HouseholdRow> {
    let h = household(app, actor, code, Action::RecordVisit).await?;
    let token = crate::accounts::random_token();
    app.store.reissue_qr(&actor.audit_ctx("reissue household QR"), h.id, &h.code, Some(&token)).await?;
    Ok(h)
}

/// Open a household's ID and phone numbers in full: for roles that need it, with a stated
/// purpose, audited as a read of personal data. Returns the household; the caller shows its
/// members' numbers unmasked.
pub async fn reveal_household(app: &App, actor: &Actor, code: &str, purpose: &str) -> Result<HouseholdRow> {
    let h = household(app, actor, code, Action::ViewRegistry).await?;
    actor.authorize(app, Action::ViewPersonalData, &UnitPath(h.grid_path.clone()), ("household", &h.code)).await?;
    let purpose = purpose.trim();
    if purpose.chars().count() < 2 {
        return Err(Error::field("purpose", "state why you need the full numbers"));
    }
    let ev = fengqiao_store::audit::AuditEvent::new(
        "household.read_personal",
        "household",
        &h.code,
        fengqiao_store::audit::Outcome::Success,
    )
    .detail(format!("id and phone numbers of {} members", h.members));
    app.store.audit(&actor.audit_ctx(purpose), &ev).await?;
    Ok(h)
}
