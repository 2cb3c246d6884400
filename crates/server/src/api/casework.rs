//! Casework over the API: parties and consent, mediation sessions, the case plan, the
//! agreement and its terms, judicial confirmation, follow-ups, early-warning alerts. Every
//! change answers the whole case file. The rules are in `fengqiao_app::casework`.

use super::bodies::{AgreementIn, CasePlanIn, FollowUpIn, PartyIn, SessionIn};
use super::matters::{MatterOut, StepOut, out};
use super::{ApiJson, rfc3339};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengqiao_app::casework;
use fengqiao_domain::mediation::{JudicialConfirmationWindow, judicial_confirmation_window, mediation_overdue};
use fengqiao_domain::policy::Action;
use fengqiao_store::matters::MatterDetail;
use serde::{Deserialize, Serialize};
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
    pub recorded_by: String,
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
    /// Open matters of the same kind and category within a week and 300 m: proposed for
    /// merging.
    pub likely_duplicates: Vec<BriefOut>,
    pub history: Vec<StepOut>,
}

pub async fn case_file(state: &AppState, m: &MatterDetail) -> AppResult<CaseFile> {
    let now = fengqiao_store::now_ms();
    let s = &state.store;
    let parties = s
        .parties(m.id, false)
        .await?
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
    let plan = s.plan(m.id).await?.map(|p| CasePlanOut {
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
    let sessions = s
        .sessions(m.id)
        .await?
        .into_iter()
        .map(|x| SessionOut {
            held_at: rfc3339(x.held_at),
            place: x.place,
            participants: x.participants,
            record: x.record,
            recorded_by: x.recorded_by,
        })
        .collect();
    let agreement = s.agreement(m.id).await?.map(|(a, terms)| {
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
        level: m.escalation_risk_level.clone(),
        factors: s
            .risk_factors(m.id)
            .await?
            .into_iter()
            .map(|f| FactorOut {
                label: fengqiao_domain::risk::Factor::parse(&f.factor).map(|x| x.label_zh()).unwrap_or("").into(),
                factor: f.factor,
                weight: f.weight,
                evidence: f.evidence,
            })
            .collect(),
    };
    let follow_ups = s
        .follow_ups(m.id)
        .await?
        .into_iter()
        .map(|f| FollowUpOut {
            id: f.id,
            due_at: rfc3339(f.due_at),
            done_at: f.done_at.map(rfc3339),
            outcome: f.outcome,
            recurred: f.recurred != 0,
        })
        .collect();
    let files = s
        .files_of(m.id)
        .await?
        .into_iter()
        .map(|f| FileOut {
            url: format!("/matters/{}/files/{}", m.code, f.id),
            id: f.id,
            name: f.name,
            content_type: f.content_type,
            size: f.size,
        })
        .collect();
    let links = s
        .links_of(m.id)
        .await?
        .into_iter()
        .map(|l| LinkOut { code: l.code, kind: l.kind, direction: l.direction })
        .collect();
    let brief = |b: &fengqiao_store::mediation::MatterBrief, d: Option<f64>| BriefOut {
        code: b.code.clone(),
        kind: b.kind.clone(),
        category: b.category.clone(),
        status: b.status.clone(),
        created_at: rfc3339(b.created_at),
        distance_m: d.map(|d| d.round() as i64),
    };
    let party_history = s.party_history(m.id).await?.iter().map(|b| brief(b, None)).collect();
    let here = s.matter_point(m.id).await?;
    let likely_duplicates = if m.status == "closed" {
        vec![]
    } else {
        fengqiao_app::casework::duplicates(state, m, here).await?.iter().map(|(b, d)| brief(b, Some(*d))).collect()
    };
    let history = s
        .matter_events(m.id)
        .await?
        .into_iter()
        .map(|e| StepOut {
            event: e.event,
            from_status: e.from_status,
            to_status: e.to_status,
            tier: e.tier,
            actor: e.actor,
            note: e.note,
            at: rfc3339(e.at),
        })
        .collect();
    Ok(CaseFile {
        matter: out(m),
        handler: m.handler_name.clone(),
        escalation_risk,
        mediation_overdue: m.status == "mediating" && mediation_overdue(now, m.mediation_started_at),
        routes_told: m
            .routes_told
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|r| !r.is_empty())
            .map(String::from)
            .collect(),
        parties,
        plan,
        sessions,
        agreement,
        follow_ups,
        files,
        links,
        party_history,
        likely_duplicates,
        history,
    })
}

async fn file_of(state: &AppState, actor: &Actor, code: &str) -> AppResult<Json<CaseFile>> {
    let m = casework::load(state, actor, code, Action::ViewMatters).await?;
    Ok(Json(case_file(state, &m).await?))
}

/// One matter with everything recorded about it.
#[utoipa::path(get, path = "/matters/{code}", tag = "matters", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, actor: Actor, Path(code): Path<String>) -> AppResult<Json<CaseFile>> {
    file_of(&state, &actor, &code).await
}

/// Record a party of a dispute (linked to the registry by ID number).
#[utoipa::path(post, path = "/matters/{code}/parties", tag = "casework", params(("code" = String, Path)), request_body = PartyIn, security(("bearer" = [])),
    responses((status = 201, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_party(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(p): ApiJson<PartyIn>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    casework::add_party(&state, &actor, &code, &p.into()).await?;
    Ok((StatusCode::CREATED, file_of(&state, &actor, &code).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    /// given or refused.
    pub consent: String,
    pub note: Option<String>,
}

/// Record a party's consent to mediation, or its refusal.
#[utoipa::path(post, path = "/matters/{code}/parties/{id}/consent", tag = "casework", params(("code" = String, Path), ("id" = i64, Path)), request_body = ConsentIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn consent(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
    ApiJson(c): ApiJson<ConsentIn>,
) -> AppResult<Json<CaseFile>> {
    casework::set_consent(&state, &actor, &code, id, &c.consent, c.note.as_deref().unwrap_or("")).await?;
    file_of(&state, &actor, &code).await
}

/// Record a mediation session (while mediating).
#[utoipa::path(post, path = "/matters/{code}/sessions", tag = "casework", params(("code" = String, Path)), request_body = SessionIn, security(("bearer" = [])),
    responses((status = 201, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_session(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(s): ApiJson<SessionIn>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    casework::add_session(&state, &actor, &code, &s.into()).await?;
    Ok((StatusCode::CREATED, file_of(&state, &actor, &code).await?))
}

/// Set the case plan (一案一策): goal, approach, mediators from the centre, steps.
#[utoipa::path(put, path = "/matters/{code}/plan", tag = "casework", params(("code" = String, Path)), request_body = CasePlanIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(p): ApiJson<CasePlanIn>,
) -> AppResult<Json<CaseFile>> {
    casework::save_plan(&state, &actor, &code, &p.into()).await?;
    file_of(&state, &actor, &code).await
}

/// Draft the mediation agreement (调解协议书); refused once signed.
#[utoipa::path(put, path = "/matters/{code}/agreement", tag = "casework", params(("code" = String, Path)), request_body = AgreementIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn agreement(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(a): ApiJson<AgreementIn>,
) -> AppResult<Json<CaseFile>> {
    casework::save_agreement(&state, &actor, &code, &a.into()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// When the parties and the mediator signed (YYYY-MM-DD or YYYY-MM-DDTHH:MM); now if absent.
    pub signed_at: Option<String>,
}

/// The agreement is signed: it takes effect, performance starts and the 30-day window for
/// joint judicial confirmation opens.
#[utoipa::path(post, path = "/matters/{code}/agreement/sign", tag = "casework", params(("code" = String, Path)), request_body = SignIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(s): ApiJson<SignIn>,
) -> AppResult<Json<CaseFile>> {
    casework::sign_agreement(&state, &actor, &code, s.signed_at.as_deref()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudicialConfirmationIn {
    /// applied (jointly, by the parties), then confirmed or declined (by the court).
    pub judicial_confirmation: String,
}

/// Record the judicial confirmation's progress.
#[utoipa::path(post, path = "/matters/{code}/agreement/judicial-confirmation", tag = "casework", params(("code" = String, Path)), request_body = JudicialConfirmationIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn judicial_confirmation(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(c): ApiJson<JudicialConfirmationIn>,
) -> AppResult<Json<CaseFile>> {
    casework::set_judicial_confirmation(&state, &actor, &code, c.judicial_confirmation.trim()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformedIn {
    pub note: Option<String>,
}

/// A term of the agreement carried out; the last one closes the dispute as settled and
/// schedules its follow-up visits.
#[utoipa::path(post, path = "/matters/{code}/terms/{seq}/performed", tag = "casework", params(("code" = String, Path), ("seq" = i64, Path)), request_body = PerformedIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn performed(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, seq)): Path<(String, i64)>,
    ApiJson(p): ApiJson<PerformedIn>,
) -> AppResult<Json<CaseFile>> {
    casework::perform_term(&state, &actor, &code, seq, p.note.as_deref().unwrap_or("")).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    /// YYYY-MM-DD
    pub due_date: String,
}

/// Schedule an extra follow-up visit.
#[utoipa::path(post, path = "/matters/{code}/follow-ups", tag = "casework", params(("code" = String, Path)), request_body = ScheduleIn, security(("bearer" = [])),
    responses((status = 201, body = CaseFile), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule_follow_up(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(s): ApiJson<ScheduleIn>,
) -> AppResult<(StatusCode, Json<CaseFile>)> {
    casework::schedule_follow_up(&state, &actor, &code, &s.due_date).await?;
    Ok((StatusCode::CREATED, file_of(&state, &actor, &code).await?))
}

/// Record a follow-up visit; a recurrence reopens the case.
#[utoipa::path(post, path = "/matters/{code}/follow-ups/{id}", tag = "casework", params(("code" = String, Path), ("id" = i64, Path)), request_body = FollowUpIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
    ApiJson(f): ApiJson<FollowUpIn>,
) -> AppResult<Json<CaseFile>> {
    casework::record_follow_up(&state, &actor, &code, id, &f.into()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The matter this one repeats; this one is withdrawn and linked to it.
    pub into: String,
}

/// Merge a likely duplicate into the matter it repeats.
#[utoipa::path(post, path = "/matters/{code}/merge", tag = "casework", params(("code" = String, Path)), request_body = MergeIn, security(("bearer" = [])),
    responses((status = 200, body = CaseFile), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(mi): ApiJson<MergeIn>,
) -> AppResult<Json<CaseFile>> {
    casework::merge(&state, &actor, &code, mi.into.trim()).await?;
    file_of(&state, &actor, &code).await
}

#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    pub id: i64,
    pub matter: String,
    pub grid: String,
    pub level: String,
    pub score: i64,
    pub factors: String,
    pub created_at: String,
    /// The report to the police the law requires, as recorded.
    pub police_report: String,
    pub acknowledged_by: Option<String>,
}

/// Open early-warning alerts (民转刑) in the caller's jurisdiction, newest first.
#[utoipa::path(get, path = "/alerts", tag = "casework", security(("bearer" = [])),
    responses((status = 200, body = Vec<AlertOut>), (status = 403, body = ErrorBody)))]
pub async fn alerts(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<AlertOut>>> {
    let home = actor.jurisdiction().clone();
    actor.authorize(&state, Action::ViewMatters, &home, ("alerts", &actor.user.unit_code)).await?;
    let rows = state.store.alerts_under(&home.0, false, 200).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| AlertOut {
                id: a.id,
                matter: a.matter_code,
                grid: a.grid_name,
                level: a.level,
                score: a.score,
                factors: a.factors,
                created_at: rfc3339(a.created_at),
                police_report: a.police_report,
                acknowledged_by: a.acknowledged_by,
            })
            .collect(),
    ))
}

/// Acknowledge an alert (the command room has taken it on).
#[utoipa::path(post, path = "/alerts/{id}/acknowledge", tag = "casework", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> AppResult<StatusCode> {
    acknowledge_alert(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn acknowledge_alert(state: &AppState, actor: &Actor, id: i64) -> AppResult<()> {
    let Some(code) = state.store.alert_matter_code(id).await? else { return Err(AppError::NotFound) };
    casework::load(state, actor, &code, Action::HandleMatter).await?;
    state.store.acknowledge_alert(&actor.audit_ctx("alert acknowledged"), id).await?;
    Ok(())
}
