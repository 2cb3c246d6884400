//! Intake rules shared by every channel (QR page, API, later the web form and Open311): a
//! matter gets its tier (disputes start at the grid), its suggested approach and its
//! response clock from the domain rules.

use fengqiao_domain::matter::{Category, MatterKind, Priority, Tier, deadlines_minutes};
use fengqiao_store::matters::NewMatter;
use fengqiao_store::now_ms;

/// Everything about a new matter except where it is.
pub struct Intake {
    pub kind: MatterKind,
    pub category: Category,
    pub priority: Priority,
    pub narrative: String,
    pub source: &'static str,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<fengqiao_domain::Phone>,
}

pub fn new_matter(i: Intake, grid_id: i64, household_id: Option<i64>, lat: Option<f64>, lon: Option<f64>) -> NewMatter {
    let now = now_ms();
    let (ack, resolve) = deadlines_minutes(i.kind, i.priority);
    let dispute = i.kind == MatterKind::Dispute;
    NewMatter {
        kind: i.kind.as_str().into(),
        category: i.category.as_str().into(),
        priority: i.priority.as_str().into(),
        narrative: i.narrative,
        source: i.source.into(),
        grid_id,
        household_id,
        lat,
        lon,
        reporter_name: i.reporter_name,
        reporter_phone: i.reporter_phone,
        tier: dispute.then(|| Tier::Grid.as_str().to_string()),
        approach: if dispute { i.category.suggested_approach().map(|a| a.as_str().to_string()) } else { None },
        ack_due_at: now + ack * 60_000,
        resolve_due_at: now + resolve * 60_000,
    }
}

/// One workflow step on a matter, as the API and the web page both take it: the domain's
/// state machine decides, the store applies it only if nobody moved the matter meanwhile.
pub async fn apply_step(
    state: &crate::AppState,
    actor: &crate::auth::Actor,
    code: &str,
    event_name: &str,
    closure: Option<&str>,
    note: &str,
) -> crate::error::AppResult<fengqiao_store::matters::MatterDetail> {
    use crate::error::AppError;
    use fengqiao_domain::matter::{Event, Status, escalate, next};
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::field("note", "at most 1000 characters"));
    }
    if matches!(event_name, "escalate" | "refer") && note.chars().count() < 2 {
        return Err(AppError::field("note", "say why"));
    }
    let event = if event_name == "escalate" {
        None
    } else {
        Some(Event::parse(event_name, closure).ok_or_else(|| {
            AppError::field(
                if event_name == "refer" { "closure" } else { "event" },
                format!("one of {}", Event::NAMES.join(", ")),
            )
        })?)
    };
    let m = state.store.matter_by_code(code).await?;
    let path = fengqiao_domain::org::UnitPath(m.grid_path.clone());
    actor.authorize(state, fengqiao_domain::policy::Action::HandleMatter, &path, ("matter", &m.code)).await?;
    let kind = MatterKind::parse(&m.kind)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("matter {} has kind {}", m.code, m.kind)))?;
    let status = Status::from_parts(&m.status, m.closure.as_deref())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("matter {} has status {}", m.code, m.status)))?;
    let not_allowed = |e: fengqiao_domain::matter::IllegalTransition| AppError::Conflict {
        field: Some("event".into()),
        message: e.to_string(),
    };
    let (to, tier) = match event {
        Some(e) => (next(kind, status, e).map_err(not_allowed)?, None),
        None => {
            let tier = m.tier.as_deref().and_then(Tier::parse).ok_or_else(|| AppError::Conflict {
                field: Some("event".into()),
                message: "only disputes move between tiers".into(),
            })?;
            let (t, to) = escalate(status, tier).map_err(not_allowed)?;
            (to, t.map(|t| t.as_str()))
        }
    };
    let step = fengqiao_store::matters::Step {
        code: &m.code,
        event: event_name,
        from: (&m.status, m.closure.as_deref()),
        to: (to.code(), to.closure().map(|c| c.as_str())),
        tier,
        note,
    };
    match state.store.apply_step(&actor.audit_ctx(&format!("matter {event_name}")), &step).await {
        Ok(()) => {}
        Err(fengqiao_store::StoreError::Conflict { .. }) => {
            return Err(AppError::Conflict {
                field: None,
                message: "the matter changed meanwhile; reload it and try again".into(),
            });
        }
        Err(e) => return Err(e.into()),
    }
    Ok(state.store.matter_by_code(code).await?)
}
