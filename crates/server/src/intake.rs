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

/// Record a matter from any channel, then score its escalation risk: the one way in.
pub async fn record(
    state: &crate::AppState,
    ctx: &fengqiao_store::audit::AuditCtx,
    m: &NewMatter,
) -> crate::error::AppResult<String> {
    let code = state.store.create_matter(ctx, m).await?;
    let id = state.store.matter_by_code(&code).await?.id;
    crate::casework::reassess(state, id).await?;
    Ok(code)
}
