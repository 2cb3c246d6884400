//! A matter with everything recorded about it (the case file), as the API returns it and the
//! matter page renders it.

use super::matter::{MatterOut, StepOut, out};
use super::rfc3339;
use fengqiao_domain::matter::Status;
use fengqiao_domain::mediation::{JudicialConfirmationWindow, judicial_confirmation_window, mediation_overdue};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PartyOut {
    pub id: i64,
    /// applicant, respondent or third_party.
    pub role: String,
    pub name: String,
    /// Linked to a resident of the registry.
    pub resident: bool,
    /// Masked.
    pub id_number: Option<String>,
    /// Masked.
    pub phone: Option<String>,
    pub address: String,
    pub vulnerable: bool,
    /// pending, given or refused.
    pub consent: String,
    pub consent_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub held_at: String,
    pub place: String,
    pub participants: String,
    pub record: String,
    /// The username of who recorded it.
    pub recorded_by: String,
    /// Their display name (the username when it is no account).
    pub recorded_by_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TermOut {
    pub seq: i64,
    pub obligor: String,
    pub content: String,
    pub manner: String,
    pub due_at: String,
    pub performed_at: Option<String>,
    /// Past its date and not carried out.
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AgreementOut {
    pub number: String,
    pub facts: String,
    pub points: String,
    pub responsibilities: String,
    pub mediator: String,
    /// When it took effect (signed); null while a draft.
    pub signed_at: Option<String>,
    /// Joint judicial confirmation: apply by (30 days after effect).
    pub judicial_confirmation_due_at: Option<String>,
    /// none, applied, confirmed or declined.
    pub judicial_confirmation: String,
    /// not_in_effect, open, due_soon (remind the parties), lapsed or applied.
    pub judicial_confirmation_window: String,
    pub judicial_confirmation_days_left: Option<i64>,
    pub terms: Vec<TermOut>,
}

#[derive(Serialize, ToSchema)]
pub struct CasePlanOut {
    pub goal: String,
    pub mediators: Vec<MediatorOut>,
    pub steps: Vec<PlanStepOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MediatorOut {
    pub username: String,
    pub name: String,
    /// lawyer, court, justice, labour, elder, ...
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanStepOut {
    pub seq: i64,
    pub description: String,
    pub due_at: String,
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct FactorOut {
    pub factor: String,
    pub label: String,
    pub weight: i64,
    pub evidence: String,
}

#[derive(Serialize, ToSchema)]
pub struct EscalationRiskOut {
    pub score: i64,
    /// none, yellow, orange or red.
    pub level: String,
    pub factors: Vec<FactorOut>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpOut {
    pub id: i64,
    pub due_at: String,
    pub done_at: Option<String>,
    pub outcome: String,
    pub recurred: bool,
}

#[derive(Serialize, ToSchema)]
pub struct FileOut {
    pub id: i64,
    pub name: String,
    /// image/jpeg, image/png, image/webp or application/pdf (decided by the content).
    pub content_type: String,
    pub size: i64,
    /// Where to fetch it (with the same login).
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct BriefOut {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub status: String,
    pub created_at: String,
    /// For likely duplicates: metres away.
    pub distance_m: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    pub code: String,
    /// recurrence, escalation or duplicate.
    pub kind: String,
    /// `to`: this matter led to the other; `from`: the other led to this one.
    pub direction: String,
}

/// A step the caller may take next (`POST /matters/{code}/events` with this `event`).
#[derive(Serialize, ToSchema)]
pub struct NextStepOut {
    /// accept, start_mediation, ..., refer, reopen or escalate.
    pub event: String,
    /// For `refer`: the closures to choose from (give one as `closure`).
    pub closures: Vec<String>,
    /// A reason must be given as `note`.
    pub needs_note: bool,
    /// The routes the parties were told of must be given as `routes`.
    pub needs_routes: bool,
    /// Escalating from the street passes the dispute up (counted as a failure).
    pub passes_up: bool,
    /// What must be done first (the law's precondition), if anything: the step would be
    /// refused now with this field error.
    pub blocked: Option<String>,
    /// The message key of `blocked` (for a translated text).
    pub blocked_key: Option<String>,
}

/// A matter with everything recorded about it.
#[derive(Serialize, ToSchema)]
pub struct CaseFile {
    pub matter: MatterOut,
    /// The unit handling it at its tier.
    pub handler: String,
    pub escalation_risk: EscalationRiskOut,
    /// Mediation over one month is flagged.
    pub mediation_overdue: bool,
    /// The routes the parties were told of when mediation failed.
    pub routes_told: Vec<String>,
    pub parties: Vec<PartyOut>,
    pub plan: Option<CasePlanOut>,
    pub sessions: Vec<SessionOut>,
    pub agreement: Option<AgreementOut>,
    pub follow_ups: Vec<FollowUpOut>,
    pub files: Vec<FileOut>,
    pub links: Vec<LinkOut>,
    /// Earlier and later matters of the same parties (by ID number, or name and phone).
    pub party_history: Vec<BriefOut>,
    /// How many more matters of the same parties lie outside the caller's jurisdiction
    /// (counted, not shown).
    pub party_history_elsewhere: usize,
    /// Open matters of the same kind and category within a week and 300 m: proposed for
    /// merging.
    pub likely_duplicates: Vec<BriefOut>,
    pub history: Vec<StepOut>,
    /// What the caller may do next, in the order a case usually goes; empty for a caller
    /// who may not act on the matter.
    pub next_steps: Vec<NextStepOut>,
}

/// The case file as the API returns it and the matter page renders it.
pub fn case_file(f: fengqiao_app::casefile::CaseFile) -> CaseFile {
    let now = chrono::Utc::now().timestamp_millis();
    let m = &f.matter;
    let parties = f
        .parties
        .into_iter()
        .map(|p| PartyOut {
            id: p.id,
            role: p.role,
            name: p.name,
            resident: p.resident_id.is_some(),
            id_number: p.id_number,
            phone: p.phone,
            address: p.address,
            vulnerable: p.vulnerable,
            consent: p.consent,
            consent_at: p.consent_at.map(rfc3339),
        })
        .collect();
    let plan = f.plan.map(|p| CasePlanOut {
        goal: p.goal,
        mediators: p
            .mediators
            .into_iter()
            .map(|x| MediatorOut { username: x.username, name: x.display_name, kind: x.mediator_kind })
            .collect(),
        steps: p
            .steps
            .into_iter()
            .map(|x| PlanStepOut {
                seq: x.seq,
                description: x.description,
                due_at: rfc3339(x.due_at),
                done: x.done_at.is_some(),
            })
            .collect(),
    });
    let sessions = f
        .sessions
        .into_iter()
        .map(|x| SessionOut {
            held_at: rfc3339(x.held_at),
            place: x.place,
            participants: x.participants,
            record: x.record,
            recorded_by_name: name_of(&f.names, &x.recorded_by),
            recorded_by: x.recorded_by,
        })
        .collect();
    let agreement = f.agreement.map(|(a, terms)| {
        let window = judicial_confirmation_window(now, a.signed_at, a.judicial_confirmation != "none");
        let (state_name, days) = match window {
            JudicialConfirmationWindow::NotInEffect => ("not_in_effect", None),
            JudicialConfirmationWindow::Applied => ("applied", None),
            JudicialConfirmationWindow::Open { days_left } => ("open", Some(days_left)),
            JudicialConfirmationWindow::DueSoon { days_left } => ("due_soon", Some(days_left)),
            JudicialConfirmationWindow::Lapsed => ("lapsed", None),
        };
        AgreementOut {
            number: a.number,
            facts: a.facts,
            points: a.points,
            responsibilities: a.responsibilities,
            mediator: a.mediator,
            signed_at: a.signed_at.map(rfc3339),
            judicial_confirmation_due_at: a.judicial_confirmation_due_at.map(rfc3339),
            judicial_confirmation: a.judicial_confirmation,
            judicial_confirmation_window: state_name.into(),
            judicial_confirmation_days_left: days,
            terms: terms
                .into_iter()
                .map(|t| TermOut {
                    seq: t.seq,
                    obligor: t.obligor,
                    content: t.content,
                    manner: t.manner,
                    due_at: rfc3339(t.due_at),
                    overdue: t.performed_at.is_none() && t.due_at < now,
                    performed_at: t.performed_at.map(rfc3339),
                })
                .collect(),
        }
    });
    let escalation_risk = EscalationRiskOut {
        score: m.escalation_risk_score,
        level: m.escalation_risk_level.as_str().into(),
        factors: f
            .risk_factors
            .into_iter()
            .map(|x| FactorOut {
                label: fengqiao_domain::risk::Factor::parse(&x.factor).map(|x| x.label_zh()).unwrap_or("").into(),
                factor: x.factor,
                weight: x.weight,
                evidence: x.evidence,
            })
            .collect(),
    };
    let follow_ups = f
        .follow_ups
        .into_iter()
        .map(|x| FollowUpOut {
            id: x.id,
            due_at: rfc3339(x.due_at),
            done_at: x.done_at.map(rfc3339),
            outcome: x.outcome,
            recurred: x.recurred != 0,
        })
        .collect();
    let files = f
        .files
        .into_iter()
        .map(|x| FileOut {
            url: format!("/matters/{}/files/{}", m.code, x.id),
            id: x.id,
            name: x.name,
            content_type: x.content_type,
            size: x.size,
        })
        .collect();
    let links = f.links.into_iter().map(|l| LinkOut { code: l.code, kind: l.kind, direction: l.direction }).collect();
    let brief = |b: &fengqiao_app::casefile::MatterBrief, d: Option<f64>| BriefOut {
        code: b.code.clone(),
        kind: b.kind.clone(),
        category: b.category.clone(),
        status: b.status.clone(),
        created_at: rfc3339(b.created_at),
        distance_m: d.map(|d| d.round() as i64),
    };
    let party_history = f.party_history.iter().map(|b| brief(b, None)).collect();
    let likely_duplicates = f.likely_duplicates.iter().map(|(b, d)| brief(b, Some(*d))).collect();
    let history = f
        .events
        .into_iter()
        .map(|e| StepOut {
            event: e.event,
            from_status: e.from_status,
            to_status: e.to_status,
            tier: e.tier,
            actor_name: name_of(&f.names, &e.actor),
            actor: e.actor,
            note: e.note,
            at: rfc3339(e.at),
        })
        .collect();
    let next_steps = f
        .next_steps
        .into_iter()
        .map(|o| NextStepOut {
            event: o.step.event.into(),
            closures: o.step.closures.iter().map(|c| c.as_str().into()).collect(),
            needs_note: o.step.needs_note,
            needs_routes: o.step.needs_routes,
            passes_up: o.step.passes_up,
            blocked_key: o.blocked.as_ref().and_then(|f| f.key).map(String::from),
            blocked: o.blocked.map(|f| f.message),
        })
        .collect();
    CaseFile {
        next_steps,
        matter: out(m),
        handler: m.handler_name.clone(),
        escalation_risk,
        mediation_overdue: m.status == Status::Mediating && mediation_overdue(now, m.mediation_started_at),
        routes_told: m.routes_told.iter().map(|r| r.as_str().into()).collect(),
        parties,
        plan,
        sessions,
        agreement,
        follow_ups,
        files,
        links,
        party_history,
        party_history_elsewhere: f.party_history_elsewhere,
        likely_duplicates,
        history,
    }
}

/// The display name of an account in a case file's names, else who it was (a system actor
/// or an account since removed) as recorded.
fn name_of(names: &std::collections::HashMap<String, String>, username: &str) -> String {
    names.get(username).cloned().unwrap_or_else(|| username.to_string())
}
