//! What overseers look at over the API: the supervision lists (督办) and the matters at
//! yellow risk or above (民转刑预警). The alerts themselves are under `/alerts`.

use super::rfc3339;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use fengqiao_app::oversight::{self, DueRow};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DueOut {
    pub matter: String,
    pub kind: String,
    pub grid: String,
    /// The unit handling the matter.
    pub handler: String,
    /// What is due (a term, a follow-up, ...).
    pub detail: String,
    pub due_at: String,
}

fn due(rows: Vec<DueRow>) -> Vec<DueOut> {
    rows.into_iter()
        .map(|r| DueOut {
            matter: r.code,
            kind: r.kind,
            grid: r.grid_name,
            handler: r.handler_name,
            detail: r.detail,
            due_at: rfc3339(r.due_at),
        })
        .collect()
}

/// The supervision desk's lists: what is overdue or due soon in the caller's jurisdiction.
#[derive(Serialize, ToSchema)]
pub struct SupervisionOut {
    /// Registered and not acknowledged in time (一事一应).
    pub unacknowledged: Vec<DueOut>,
    /// Open past the resolution deadline.
    pub unresolved: Vec<DueOut>,
    /// Mediation running for over a month.
    pub long_mediation: Vec<DueOut>,
    /// Agreement terms past their date and not carried out.
    pub terms_overdue: Vec<DueOut>,
    /// Judicial-confirmation windows closing within a week.
    pub confirmation_due: Vec<DueOut>,
    /// Follow-up visits due.
    pub follow_ups_due: Vec<DueOut>,
}

/// What is overdue or due soon in the caller's jurisdiction, list by list.
#[utoipa::path(get, path = "/supervision", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = SupervisionOut), (status = 403, body = ErrorBody)))]
pub async fn supervision(State(state): State<AppState>, actor: Actor) -> AppResult<Json<SupervisionOut>> {
    let s = oversight::supervision(&state, &actor).await?;
    Ok(Json(SupervisionOut {
        unacknowledged: due(s.unacknowledged),
        unresolved: due(s.unresolved),
        long_mediation: due(s.long_mediation),
        terms_overdue: due(s.terms_overdue),
        confirmation_due: due(s.confirmation_due),
        follow_ups_due: due(s.follow_ups_due),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RiskyOut {
    pub matter: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub grid: String,
    pub score: i64,
    /// yellow, orange or red.
    pub level: String,
    /// The strongest risk factor's code.
    pub factor: String,
    pub created_at: String,
}

/// Open matters at yellow risk or above in the caller's jurisdiction, the riskiest first
/// (at most 200).
#[utoipa::path(get, path = "/risky-matters", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = Vec<RiskyOut>), (status = 403, body = ErrorBody)))]
pub async fn risky(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<RiskyOut>>> {
    let rows = oversight::risky(&state, &actor, 200).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RiskyOut {
                matter: r.code,
                kind: r.kind,
                category: r.category,
                status: r.status,
                grid: r.grid_name,
                score: r.escalation_risk_score,
                level: r.escalation_risk_level,
                factor: r.factors,
                created_at: rfc3339(r.created_at),
            })
            .collect(),
    ))
}

/// One item of a workbench section: a matter (by its code) or a household (by its code).
#[derive(Serialize, ToSchema)]
pub struct WorkItemOut {
    /// `matter`, `household`, `instruction`, `shift` (the code is the assignment),
    /// `patrol_plan` (the plan), `handover` (the handover; status says which side signs),
    /// `supervision_slip` (the slip's code; colour its colour), `spot_check_item` (the
    /// drawn matter's id; title the findings) or `daily_post` (the post's id; grid its grid).
    pub object: &'static str,
    /// The matter's, household's or instruction's code.
    pub code: String,
    /// What it is about: the narrative, the detail of what is due, or the address.
    pub title: String,
    pub grid: String,
    /// The matter's status code, where the item is a matter.
    pub status: Option<String>,
    /// yellow, orange or red, where a risk is known.
    pub risk: Option<String>,
    /// Which deadlines were missed (`unacknowledged`, `unresolved`, `terms_overdue`,
    /// `confirmation_due`), in the overdue section; empty elsewhere.
    pub overdue: Vec<&'static str>,
    /// When it is due (the matter's resolution deadline, the follow-up, the plan's step).
    pub due_at: Option<String>,
    /// The next step of an assigned case's plan.
    pub next_step: Option<String>,
    /// The household's last visit, in the visits-due section.
    pub last_visit_at: Option<String>,
    /// An instruction's supervision colour (none, blue, orange or red).
    pub colour: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkSectionOut {
    /// my_cases, alerts, new_reports, overdue, open_matters, follow_ups_due or visits_due.
    pub code: &'static str,
    /// How many there are in all (the items are the first of them).
    pub total: i64,
    pub items: Vec<WorkItemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct FigureOut {
    pub code: String,
    pub count: i64,
    /// The query of `GET /matters` that lists what is counted.
    pub query: String,
}

/// A person's workbench: their sections of work, most urgent first, and the figures of
/// their area.
#[derive(Serialize, ToSchema)]
pub struct WorkbenchOut {
    pub sections: Vec<WorkSectionOut>,
    pub figures: Vec<FigureOut>,
}

fn matter_item(m: &fengqiao_app::casefile::MatterDetail) -> WorkItemOut {
    WorkItemOut {
        object: "matter",
        code: m.code.clone(),
        title: m.narrative.clone(),
        grid: m.grid_name.clone(),
        status: Some(m.status.code().to_string()),
        risk: Some(m.escalation_risk_level.as_str().to_string()).filter(|r| r != "none"),
        overdue: vec![],
        due_at: m.resolve_due_at.filter(|_| !m.is_closed()).map(rfc3339),
        next_step: None,
        last_visit_at: None,
        colour: None,
    }
}

fn due_item(r: &DueRow, overdue: Vec<&'static str>) -> WorkItemOut {
    WorkItemOut {
        object: "matter",
        code: r.code.clone(),
        title: r.detail.clone(),
        grid: r.grid_name.clone(),
        status: None,
        risk: None,
        overdue,
        due_at: Some(rfc3339(r.due_at)),
        next_step: None,
        last_visit_at: None,
        colour: None,
    }
}

/// The caller's workbench: what they have to do, most urgent first — a mediator's
/// assigned cases, open alerts, new reports from residents, what is overdue, the open
/// matters of their area, follow-up and care visits due — and their area's figures.
#[utoipa::path(get, path = "/workbench", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = WorkbenchOut)))]
pub async fn workbench(State(state): State<AppState>, actor: Actor) -> AppResult<Json<WorkbenchOut>> {
    use fengqiao_app::workbench::Section;
    let wb = fengqiao_app::workbench::for_actor(&state, &actor, crate::present::now_ms()).await?;
    let sections = wb
        .sections
        .iter()
        .map(|s| {
            let items: Vec<WorkItemOut> = match s {
                Section::Instructions { items, .. } => items
                    .iter()
                    .map(|i| WorkItemOut {
                        object: "instruction",
                        code: i.row.code.clone(),
                        title: i.row.title.clone(),
                        grid: i.row.recipient_unit_name.clone(),
                        status: Some(i.status.as_str().to_string()),
                        risk: None,
                        overdue: vec![],
                        due_at: i.due.map(rfc3339),
                        next_step: None,
                        last_visit_at: None,
                        colour: Some(i.colour.as_str().to_string()),
                    })
                    .collect(),
                Section::MyCases { cases, .. } => cases
                    .iter()
                    .map(|(m, step)| WorkItemOut {
                        next_step: step.as_ref().map(|s| s.description.clone()),
                        due_at: step.as_ref().map(|s| rfc3339(s.due_at)),
                        ..matter_item(m)
                    })
                    .collect(),
                Section::Alerts { alerts, .. } => alerts
                    .iter()
                    .map(|a| WorkItemOut {
                        object: "matter",
                        code: a.matter_code.clone(),
                        title: a.factors.clone(),
                        grid: a.grid_name.clone(),
                        status: None,
                        risk: Some(a.level.clone()),
                        overdue: vec![],
                        due_at: None,
                        next_step: None,
                        last_visit_at: None,
                        colour: None,
                    })
                    .collect(),
                Section::NewReports { matters, .. } | Section::OpenMatters { matters, .. } => {
                    matters.iter().map(matter_item).collect()
                }
                Section::Overdue { rows, .. } => {
                    rows.iter().map(|(kinds, r)| due_item(r, kinds.iter().map(|k| k.code()).collect())).collect()
                }
                Section::FollowUpsDue { rows, .. } => rows.iter().map(|r| due_item(r, vec![])).collect(),
                Section::Shifts { shifts, .. } => shifts
                    .iter()
                    .map(|r| WorkItemOut {
                        object: "shift",
                        code: r.assignment_id.unwrap_or_default().to_string(),
                        title: format!("{} {}", r.post, r.template_name),
                        grid: String::new(),
                        status: r.state.clone(),
                        risk: None,
                        overdue: vec![],
                        due_at: Some(rfc3339(r.starts_at)),
                        next_step: None,
                        last_visit_at: None,
                        colour: None,
                    })
                    .collect(),
                Section::HandoversToSign { handovers, .. } => handovers
                    .iter()
                    .map(|h| WorkItemOut {
                        object: "handover",
                        code: h.id.to_string(),
                        title: h.note.clone(),
                        grid: String::new(),
                        status: Some(if h.outgoing_signed_at.is_some() { "incoming" } else { "outgoing" }.into()),
                        risk: None,
                        overdue: vec![],
                        due_at: Some(rfc3339(h.ends_at)),
                        next_step: None,
                        last_visit_at: None,
                        colour: None,
                    })
                    .collect(),
                Section::SlipsToAnswer { slips, .. } => slips
                    .iter()
                    .map(|r| WorkItemOut {
                        object: "supervision_slip",
                        code: r.code.clone(),
                        title: r.reason.clone(),
                        grid: r.addressee_unit_name.clone(),
                        status: Some(r.status.clone()),
                        risk: None,
                        overdue: vec![],
                        due_at: Some(rfc3339(r.answer_due_at)),
                        next_step: None,
                        last_visit_at: None,
                        colour: Some(r.colour.clone()),
                    })
                    .collect(),
                Section::FindingsToReply { items, .. } => items
                    .iter()
                    .map(|i| WorkItemOut {
                        object: "spot_check_item",
                        code: i.id.to_string(),
                        title: i.findings.clone(),
                        grid: i.grid_name.clone(),
                        status: Some(i.verdict.clone()),
                        risk: None,
                        overdue: vec![],
                        due_at: None,
                        next_step: None,
                        last_visit_at: None,
                        colour: None,
                    })
                    .collect(),
                Section::PostsToSend { posts, .. } => posts
                    .iter()
                    .map(|p| WorkItemOut {
                        object: "daily_post",
                        code: p.id.unwrap_or_default().to_string(),
                        title: p.body.as_deref().unwrap_or_default().chars().take(80).collect(),
                        grid: p.grid_name.clone(),
                        status: p.status.clone(),
                        risk: None,
                        overdue: vec![],
                        due_at: None,
                        next_step: None,
                        last_visit_at: None,
                        colour: None,
                    })
                    .collect(),
                Section::RoundsDue { plans, .. } => plans
                    .iter()
                    .map(|p| WorkItemOut {
                        object: "patrol_plan",
                        code: p.id.to_string(),
                        title: p.name.clone(),
                        grid: p.unit_name.clone(),
                        status: None,
                        risk: None,
                        overdue: vec![],
                        due_at: Some(rfc3339(
                            p.last_round_at.map_or(p.created_at, |t| t + p.interval_minutes * 60_000),
                        )),
                        next_step: None,
                        last_visit_at: None,
                        colour: None,
                    })
                    .collect(),
                Section::VisitsDue { households, .. } => households
                    .iter()
                    .map(|h| WorkItemOut {
                        object: "household",
                        code: h.code.clone(),
                        title: h.address.clone(),
                        grid: h.grid_name.clone(),
                        status: None,
                        risk: None,
                        overdue: vec![],
                        due_at: None,
                        next_step: None,
                        last_visit_at: h.last_visit_at.map(rfc3339),
                        colour: None,
                    })
                    .collect(),
            };
            WorkSectionOut { code: s.code(), total: s.total(), items }
        })
        .collect();
    let figures = wb.figures.into_iter().map(|f| FigureOut { code: f.code, count: f.count, query: f.query }).collect();
    Ok(Json(WorkbenchOut { sections, figures }))
}
