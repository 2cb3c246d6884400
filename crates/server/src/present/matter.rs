//! A matter as the API returns it and the pages list it.

use super::rfc3339;
use fengqiao_app::casefile::MatterDetail;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct GridRef {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Deadlines {
    /// Acknowledge by (RFC 3339).
    pub acknowledge_by: Option<String>,
    /// Resolve by (RFC 3339).
    pub resolve_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MatterOut {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub priority: String,
    pub narrative: String,
    /// registered, accepted, mediating, agreement_reached, mediation_failed, performing,
    /// in_progress or closed.
    pub status: String,
    /// How a closed matter ended (settled, referred_court, withdrawn, passed_up, ...).
    pub closure: Option<String>,
    /// grid, community or street (disputes).
    pub tier: Option<String>,
    pub approach: Option<String>,
    pub source: String,
    pub grid: GridRef,
    pub household_code: Option<String>,
    /// The address as typed when it was reported, if one was.
    pub address: Option<String>,
    /// Where it was located (WGS 84 degrees).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub deadlines: Deadlines,
    pub difficulty: String,
    pub five_small: Option<String>,
    /// Escalation risk (民转刑): 0–100.
    pub escalation_risk_score: i64,
    /// none, yellow, orange or red.
    pub escalation_risk_level: String,
    pub created_at: String,
    /// In a word search, where the words were found (narrative, mediation records, notes):
    /// the passage in pieces, `hit` on the searched words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<Vec<PassagePiece>>,
}

#[derive(Serialize, ToSchema)]
pub struct PassagePiece {
    pub text: String,
    pub hit: bool,
}

pub(crate) fn out(m: &MatterDetail) -> MatterOut {
    MatterOut {
        code: m.code.clone(),
        kind: m.kind.as_str().into(),
        category: m.category.clone(),
        priority: m.priority.as_str().into(),
        narrative: m.narrative.clone(),
        status: m.status.code().into(),
        closure: m.closure().map(|c| c.as_str().into()),
        tier: m.tier.map(|t| t.as_str().into()),
        approach: m.approach.map(|a| a.as_str().into()),
        source: m.source.as_str().into(),
        grid: GridRef { code: m.grid_code.clone(), name: m.grid_name.clone() },
        household_code: m.household_code.clone(),
        address: m.address.clone(),
        lat: m.lat,
        lon: m.lon,
        deadlines: Deadlines { acknowledge_by: m.ack_due_at.map(rfc3339), resolve_by: m.resolve_due_at.map(rfc3339) },
        difficulty: m.difficulty.as_str().into(),
        five_small: m.five_small.map(|f| f.as_str().into()),
        escalation_risk_score: m.escalation_risk_score,
        escalation_risk_level: m.escalation_risk_level.as_str().into(),
        created_at: rfc3339(m.created_at),
        matched: None,
    }
}

#[derive(Serialize, ToSchema)]
pub struct StepOut {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub tier: Option<String>,
    /// The username of who took the step.
    pub actor: String,
    /// Their display name.
    pub actor_name: String,
    pub note: String,
    pub at: String,
}
