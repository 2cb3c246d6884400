//! Casework on a matter, shared by the API and the web pages: who may act on it (by its
//! tier's handling unit, or by assignment for mediators), the workflow step with the
//! mediation law's guards, parties and consent, sessions, the case plan, the agreement and
//! its terms, follow-ups; and the risk score recomputed after every change.

use crate::Actor;
use crate::App;
use crate::{Error, Result};
use fengqiao_domain::matter::{Closure, Event, MatterKind, Status, Tier, escalate, next};
use fengqiao_domain::mediation::{self, AgreementDraft, Consent, PartyRole, Route, TermDraft};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::{Action, allowed_by_assignment};
use fengqiao_domain::{FieldError, IdNumber, Phone};
use fengqiao_store::StoreError;
use fengqiao_store::matters::MatterDetail;
use fengqiao_store::mediation::{FollowUpResult, NewParty, PlanStep};

/// Load a matter the actor may see (`ViewMatters`) or act on (`HandleMatter`). Seeing
/// follows the matter's grid; acting follows the unit handling it at its tier; a mediator
/// assigned to the case may do both.
pub async fn load(state: &App, actor: &Actor, code: &str, action: Action) -> Result<MatterDetail> {
    let m = state.store.matter_by_code(code).await?;
    if allowed_by_assignment(&actor.user.roles, action)
        && state.store.is_assigned_mediator(m.id, actor.user.id.0).await?
    {
        return Ok(m);
    }
    let path = match action {
        Action::HandleMatter => &m.handler_path,
        _ => &m.grid_path,
    };
    match actor.authorize(state, action, &UnitPath(path.clone()), ("matter", &m.code)).await {
        Ok(()) => Ok(m),
        // A matter the actor may not even see reads as one that does not exist (the refusal
        // is audited all the same): its code tells nothing.
        Err(Error::Denied { .. }) if !actor.can(Action::ViewMatters, &UnitPath(m.grid_path.clone())) => {
            Err(Error::NotFound)
        }
        Err(e) => Err(e),
    }
}

/// Whether the actor may act on a matter they can see: the answer of [`load`] with
/// `HandleMatter`, for a page deciding what to offer. It writes nothing (no refusal is
/// audited: nobody tried to act).
pub async fn can_handle(state: &App, actor: &Actor, m: &MatterDetail) -> Result<bool> {
    if allowed_by_assignment(&actor.user.roles, Action::HandleMatter)
        && state.store.is_assigned_mediator(m.id, actor.user.id.0).await?
    {
        return Ok(true);
    }
    Ok(actor.can(Action::HandleMatter, &UnitPath(m.handler_path.clone())))
}

/// A step the actor may take next, and what blocks it for now (the law's precondition not
/// yet met: consent, a drafted or signed agreement, terms carried out), if anything.
#[derive(Debug, Clone)]
pub struct OfferedStep {
    pub step: fengqiao_domain::matter::NextStep,
    pub blocked: Option<FieldError>,
}

/// The steps a matter can take next from where it stands (the domain's state machine), for
/// an actor who may act on it; none for anyone else. The routes a refusal or a failure needs
/// are given with the step, so they do not block it here.
pub async fn next_steps(state: &App, actor: &Actor, m: &MatterDetail) -> Result<Vec<OfferedStep>> {
    let handle = can_handle(state, actor, m).await?;
    next_steps_given(state, m, handle).await
}

/// [`next_steps`] when whether the actor may act on the matter is already known.
pub(crate) async fn next_steps_given(state: &App, m: &MatterDetail, can_handle: bool) -> Result<Vec<OfferedStep>> {
    if !can_handle || m.closure() == Some(Closure::PassedUp) {
        return Ok(vec![]);
    }
    let facts = state.store.case_facts(m.id, &Route::ALL).await?;
    Ok(fengqiao_domain::matter::next_steps(m.kind, m.status, m.tier)
        .into_iter()
        .map(|step| {
            let blocked = Event::parse(step.event, step.closures.first().map(|c| c.as_str()))
                .and_then(|e| mediation::guard(e, &facts).err());
            OfferedStep { step, blocked }
        })
        .collect())
}

/// Recompute the escalation risk after a change, then apply the tier rules.
pub async fn reassess(state: &App, matter_id: i64) -> Result<()> {
    state.store.reassess(matter_id, state.lexicon).await?;
    apply_tier_rules(state, matter_id).await
}

/// The three-tier rules (`matter::rule_to_move_up`): move a dispute up while a rule says
/// so, each move recorded with the rule's reason and the actor `rules`.
pub async fn apply_tier_rules(state: &App, matter_id: i64) -> Result<()> {
    use fengqiao_domain::matter::{Difficulty, TierFacts, rule_to_move_up};
    for _ in 0..2 {
        let m = state.store.matter_by_id(matter_id).await?;
        let (Some(tier), status) = (m.tier, m.status) else {
            return Ok(());
        };
        let since = state.store.tier_since(m.id).await?;
        let facts = TierFacts {
            tier,
            status,
            difficult: m.difficulty == Difficulty::Difficult,
            risk: m.escalation_risk_level,
            days_at_tier: (fengqiao_store::now_ms() - since) / (24 * 3_600_000),
        };
        let Some(reason) = rule_to_move_up(&facts) else { return Ok(()) };
        let Ok((Some(up), to)) = escalate(status, tier) else { return Ok(()) };
        let step = fengqiao_store::matters::Step {
            code: &m.code,
            event: "escalate",
            from: status,
            to,
            tier: Some(up),
            note: &reason,
            routes_told: &[],
            follow_ups: &mediation::follow_ups_due(to, fengqiao_store::now_ms()),
        };
        match state.store.apply_step(&fengqiao_store::audit::AuditCtx::system("rules", "three-tier rules"), &step).await
        {
            Ok(()) => {}
            // Someone moved it meanwhile: their step stands; the rules look again next time.
            Err(StoreError::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        state.store.reassess(m.id, state.lexicon).await?;
    }
    Ok(())
}

/// The time rule, for the scheduler: disputes left too long at the grid or the community
/// go through the tier rules. Returns how many were looked at.
pub async fn apply_time_rules(state: &App) -> Result<usize> {
    let mut checked = 0;
    for tier in [Tier::Grid, Tier::Community] {
        let days = fengqiao_domain::matter::days_allowed(tier).expect("below the street");
        let before = fengqiao_store::now_ms() - (days + 1) * 24 * 3_600_000;
        for id in state.store.disputes_waiting_at_tier(tier.as_str(), before).await? {
            apply_tier_rules(state, id).await?;
            checked += 1;
        }
    }
    Ok(checked)
}

pub fn parse_routes(items: &[String]) -> Result<Vec<Route>> {
    let mut routes = Vec::new();
    for r in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match Route::parse(r) {
            Some(r) if !routes.contains(&r) => routes.push(r),
            Some(_) => {}
            None => {
                return Err(Error::field("routes", format!("\"{r}\": one of arbitration, administrative, court")));
            }
        }
    }
    Ok(routes)
}

fn not_allowed(e: fengqiao_domain::matter::IllegalTransition) -> Error {
    Error::Conflict { field: Some("event".into()), message: e.to_string() }
}

/// One workflow step: the state machine decides the order, the law's guards decide
/// whether its preconditions are met, and the store applies it only if nobody moved the
/// matter meanwhile.
pub async fn apply_step(
    state: &App,
    actor: &Actor,
    code: &str,
    event_name: &str,
    closure: Option<&str>,
    note: &str,
    routes: &[Route],
) -> Result<MatterDetail> {
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(Error::field("note", "at most 1000 characters"));
    }
    if matches!(event_name, "escalate" | "refer") && note.chars().count() < 2 {
        return Err(Error::field("note", "say why"));
    }
    let event = if event_name == "escalate" {
        None
    } else {
        Some(Event::parse(event_name, closure).ok_or_else(|| {
            Error::field(
                if event_name == "refer" { "closure" } else { "event" },
                format!("one of {}", Event::NAMES.join(", ")),
            )
        })?)
    };
    let m = load(state, actor, code, Action::HandleMatter).await?;
    let (kind, status) = (m.kind, m.status);
    let (to, tier) = match event {
        Some(e) => {
            let to = next(kind, status, e).map_err(not_allowed)?;
            let facts = state.store.case_facts(m.id, routes).await?;
            mediation::guard(e, &facts).map_err(|f| Error::Invalid(vec![f]))?;
            (to, None)
        }
        None => {
            let tier = m.tier.ok_or_else(|| Error::Conflict {
                field: Some("event".into()),
                message: "only disputes move between tiers".into(),
            })?;
            let (t, to) = escalate(status, tier).map_err(not_allowed)?;
            (to, t)
        }
    };
    // A parent case rolls its child cases up: it is closed only after them.
    if matches!(to, Status::Closed(_)) {
        crate::operations::check_children_closed(state, m.id).await?;
    }
    let told: &[Route] = if matches!(event, Some(Event::FailMediation | Event::ConsentRefused)) { routes } else { &[] };
    let step = fengqiao_store::matters::Step {
        code: &m.code,
        event: event_name,
        from: status,
        to,
        tier,
        note,
        routes_told: told,
        follow_ups: &mediation::follow_ups_due(to, fengqiao_store::now_ms()),
    };
    match state.store.apply_step(&actor.audit_ctx(&format!("matter {event_name}")), &step).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(Error::Conflict {
                field: None,
                message: "the matter changed meanwhile; reload it and try again".into(),
            });
        }
        Err(e) => return Err(e.into()),
    }
    reassess(state, m.id).await?;
    Ok(state.store.matter_by_code(code).await?)
}

/// A party as submitted by a form or the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyIn {
    /// applicant, respondent or third_party.
    pub role: String,
    pub name: String,
    /// Resident ID number (links the party to the registry and to their other matters).
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Disabled, pregnant, ... (minors, people of 70 and over and residents with a care
    /// category count as vulnerable anyway).
    #[serde(default)]
    pub vulnerable: bool,
}

pub async fn add_party(state: &App, actor: &Actor, code: &str, p: &PartyIn) -> Result<i64> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    let mut errs = Vec::new();
    let role = PartyRole::parse(p.role.trim());
    if role.is_none() {
        errs.push(FieldError::new("role", "applicant, respondent or third_party"));
    }
    if let Err(e) = fengqiao_domain::registry::check_party_name(p.name.trim()) {
        errs.push(FieldError::new("name", e));
    }
    let id_number = match p.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => match IdNumber::parse(s) {
            Ok(i) => Some(i),
            Err(e) => {
                errs.push(FieldError::new("id_number", e.to_string()));
                None
            }
        },
        None => None,
    };
    let phone = match p.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => match Phone::parse(s) {
            Ok(x) => Some(x),
            Err(e) => {
                errs.push(FieldError::new("phone", e.to_string()));
                None
            }
        },
        None => None,
    };
    let address = p.address.as_deref().unwrap_or("").trim().to_string();
    if address.chars().count() > 200 {
        errs.push(FieldError::new("address", "at most 200 characters"));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let new = NewParty {
        role: role.expect("checked"),
        name: p.name.trim().to_string(),
        id_number,
        phone,
        address,
        vulnerable: p.vulnerable,
        // A party is linked to the registry (and so to a resident's care categories) only
        // when the recorder may see that resident: adding a party must not probe the
        // registry of other grids.
        link_within: actor.may(Action::ViewRegistry).then(|| actor.jurisdiction().clone()),
    };
    let id = state.store.add_party(&actor.audit_ctx("matter party"), m.id, &m.code, &new).await?;
    reassess(state, m.id).await?;
    Ok(id)
}

pub async fn set_consent(
    state: &App,
    actor: &Actor,
    code: &str,
    party_id: i64,
    consent: &str,
    note: &str,
) -> Result<()> {
    let consent = Consent::parse(consent.trim())
        .filter(|c| *c != Consent::Pending)
        .ok_or_else(|| Error::field("consent", "given or refused"))?;
    if note.chars().count() > 500 {
        return Err(Error::field("note", "at most 500 characters"));
    }
    let m = load(state, actor, code, Action::HandleMatter).await?;
    if !matches!(m.status, Status::Registered | Status::Accepted | Status::MediationFailed) {
        return Err(Error::Conflict {
            field: Some("consent".into()),
            message: format!("consent is recorded before mediation starts (the matter is {})", m.status),
        });
    }
    state.store.set_consent(&actor.audit_ctx("mediation consent"), m.id, &m.code, party_id, consent, note).await?;
    Ok(())
}

/// Parse `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` as Beijing time, into UTC milliseconds.
pub fn parse_local(field: &str, s: &str) -> Result<i64, FieldError> {
    let s = s.trim();
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid");
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_hms_opt(23, 59, 0).expect("valid")))
        .map_err(|_| FieldError::new(field, "a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)"))?;
    naive
        .and_local_timezone(tz)
        .single()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| FieldError::new(field, "not a valid time"))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionIn {
    /// When it was held: YYYY-MM-DDTHH:MM (Beijing time).
    pub held_at: String,
    pub place: String,
    pub participants: String,
    pub record: String,
}

pub async fn add_session(state: &App, actor: &Actor, code: &str, s: &SessionIn) -> Result<i64> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    if m.status != Status::Mediating {
        return Err(Error::Conflict {
            field: None,
            message: format!("sessions are recorded while mediating (the matter is {})", m.status),
        });
    }
    let mut errs = Vec::new();
    let held_at = parse_local("held_at", &s.held_at).map_err(|e| errs.push(e)).ok();
    if let Some(t) = held_at
        && t > fengqiao_store::now_ms() + 3_600_000
    {
        errs.push(FieldError::new("held_at", "a session is recorded after it is held"));
    }
    for (field, v, min, max) in
        [("place", &s.place, 2, 100), ("participants", &s.participants, 2, 500), ("record", &s.record, 5, 10_000)]
    {
        let n = v.trim().chars().count();
        if n < min || n > max {
            errs.push(FieldError::new(field, format!("{min}–{max} characters")));
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let id = state
        .store
        .add_session(
            &actor.audit_ctx("mediation session"),
            m.id,
            &m.code,
            (held_at.expect("checked"), &s.place, &s.participants, &s.record),
        )
        .await?;
    reassess(state, m.id).await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStepIn {
    pub description: String,
    /// YYYY-MM-DD
    pub due_date: String,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasePlanIn {
    pub goal: String,
    /// A new approach (filial_harmony, courtesy_and_law, neighbourly_warmth), if changed.
    pub approach: Option<String>,
    /// Usernames of mediators of the centre.
    #[serde(default)]
    pub mediators: Vec<String>,
    #[serde(default)]
    pub steps: Vec<PlanStepIn>,
}

pub async fn save_plan(state: &App, actor: &Actor, code: &str, p: &CasePlanIn) -> Result<()> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    if m.kind != MatterKind::Dispute || m.is_closed() {
        return Err(Error::Conflict { field: None, message: "a case plan is for an open dispute".into() });
    }
    let mut errs = Vec::new();
    let goal = p.goal.trim();
    if !(2..=500).contains(&goal.chars().count()) {
        errs.push(FieldError::new("goal", "2–500 characters"));
    }
    let approach = match p.approach.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(a) => match fengqiao_domain::matter::Approach::parse(a) {
            Some(a) => Some(a),
            None => {
                errs.push(FieldError::new("approach", "filial_harmony, courtesy_and_law or neighbourly_warmth"));
                None
            }
        },
        None => None,
    };
    let mut steps = Vec::new();
    for (i, s) in p.steps.iter().enumerate().filter(|(_, s)| !s.description.trim().is_empty()) {
        let n = i + 1;
        if s.description.trim().chars().count() > 300 {
            errs.push(FieldError::new(format!("steps[{n}].description"), "at most 300 characters"));
        }
        match parse_local(&format!("steps[{n}].due_date"), &s.due_date) {
            Ok(due_at) => steps.push(PlanStep { description: s.description.clone(), due_at, done: s.done }),
            Err(e) => errs.push(e),
        }
    }
    let mut mediator_ids = Vec::new();
    for (i, u) in p.mediators.iter().map(|u| u.trim()).filter(|u| !u.is_empty()).enumerate() {
        match state.store.user_by_username(u).await {
            Ok(user) if user.roles.contains(&fengqiao_domain::Role::Mediator) => {
                if !mediator_ids.contains(&user.id.0) {
                    mediator_ids.push(user.id.0);
                }
            }
            Ok(_) | Err(StoreError::NotFound) => {
                errs.push(FieldError::new(format!("mediators[{}]", i + 1), format!("\"{u}\" is not a mediator")))
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let ctx = actor.audit_ctx("case plan");
    state.store.save_plan(&ctx, m.id, &m.code, goal, &steps, &mediator_ids).await?;
    if let Some(a) = approach {
        state.store.set_approach(&ctx, m.id, &m.code, a.as_str()).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementIn {
    pub facts: String,
    pub points: String,
    pub responsibilities: String,
    pub terms: Vec<TermIn>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermIn {
    /// Who carries it out (a party's name).
    pub obligor: String,
    pub content: String,
    /// How: in cash, by bank transfer, in person, ...
    pub manner: String,
    /// By when: YYYY-MM-DD.
    pub due_date: String,
}

/// Draft the agreement from the case (mediating, or agreement reached and not signed).
pub async fn save_agreement(state: &App, actor: &Actor, code: &str, a: &AgreementIn) -> Result<String> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    if !matches!(m.status, Status::Mediating | Status::AgreementReached) {
        return Err(Error::Conflict {
            field: None,
            message: format!("an agreement is drafted during mediation (the matter is {})", m.status),
        });
    }
    // Rows left blank are dropped; errors still name the row as sent (`terms[3]` is the
    // third row of the form even when the second was blank).
    let blank = |t: &&TermIn| t.obligor.trim().is_empty() && t.content.trim().is_empty();
    let rows: Vec<usize> = (1..=a.terms.len()).filter(|i| !blank(&&a.terms[i - 1])).collect();
    let draft = AgreementDraft {
        facts: a.facts.clone(),
        points: a.points.clone(),
        responsibilities: a.responsibilities.clone(),
        terms: a
            .terms
            .iter()
            .filter(|t| !blank(t))
            .map(|t| TermDraft {
                obligor: t.obligor.clone(),
                content: t.content.clone(),
                manner: t.manner.clone(),
                due_date: t.due_date.clone(),
            })
            .collect(),
    };
    let parties = state.store.parties(m.id, false).await?;
    let mut errs = mediation::check_agreement(&draft, parties.len());
    for e in &mut errs {
        if let Some((n, rest)) = e.field.strip_prefix("terms[").and_then(|r| r.split_once(']'))
            && let Some(row) = n.parse::<usize>().ok().and_then(|n| rows.get(n.wrapping_sub(1)))
        {
            e.field = format!("terms[{row}]{rest}");
        }
    }
    for (t, row) in draft.terms.iter().zip(&rows) {
        let name = t.obligor.trim();
        if !name.is_empty() && !parties.iter().any(|p| p.name == name) {
            errs.push(FieldError::new(format!("terms[{row}].obligor"), format!("\"{name}\" is not a party")));
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let dues: Vec<i64> = draft
        .terms
        .iter()
        .map(|t| parse_local("due_date", &t.due_date))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Invalid(vec![e]))?;
    let number = state
        .store
        .save_agreement(&actor.audit_ctx("mediation agreement"), m.id, &m.code, &draft, &actor.user.display_name, &dues)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => Error::Conflict {
                field: Some("agreement".into()),
                message: "the agreement is signed and in effect; it can no longer be changed".into(),
            },
            e => e.into(),
        })?;
    Ok(number)
}

/// Signing: the agreement takes effect, the performance starts, the 30-day judicial
/// confirmation window opens.
pub async fn sign_agreement(state: &App, actor: &Actor, code: &str, signed_on: Option<&str>) -> Result<()> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    if m.status != Status::AgreementReached {
        return Err(Error::Conflict {
            field: Some("agreement".into()),
            message: format!("an agreement is signed once agreement is reached (the matter is {})", m.status),
        });
    }
    let at = match signed_on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let t = parse_local("signed_at", s).map_err(|e| Error::Invalid(vec![e]))?;
            if t > fengqiao_store::now_ms() + 24 * 3_600_000 {
                return Err(Error::field("signed_at", "not in the future"));
            }
            t
        }
        None => fengqiao_store::now_ms(),
    };
    state.store.sign_agreement(&actor.audit_ctx("agreement signed"), m.id, &m.code, at).await.map_err(|e| match e {
        StoreError::Conflict { .. } => {
            Error::Conflict { field: Some("agreement".into()), message: "no unsigned agreement to sign".into() }
        }
        e => e.into(),
    })?;
    apply_step(state, actor, code, "start_performing", None, "调解协议签字生效", &[]).await?;
    Ok(())
}

pub async fn set_judicial_confirmation(
    state: &App,
    actor: &Actor,
    code: &str,
    judicial_confirmation: &str,
) -> Result<()> {
    if !matches!(judicial_confirmation, "applied" | "confirmed" | "declined") {
        return Err(Error::field("judicial_confirmation", "applied, confirmed or declined"));
    }
    let m = load(state, actor, code, Action::HandleMatter).await?;
    state
        .store
        .set_judicial_confirmation(&actor.audit_ctx("judicial confirmation"), m.id, &m.code, judicial_confirmation)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => Error::Conflict {
                field: Some("judicial_confirmation".into()),
                message: "judicial confirmation is applied for once the agreement is signed, and decided after".into(),
            },
            e => e.into(),
        })
}

/// A term carried out; when every term is, the dispute closes as settled.
pub async fn perform_term(state: &App, actor: &Actor, code: &str, seq: i64, note: &str) -> Result<bool> {
    if note.chars().count() > 500 {
        return Err(Error::field("note", "at most 500 characters"));
    }
    let m = load(state, actor, code, Action::HandleMatter).await?;
    if m.status != Status::Performing {
        return Err(Error::Conflict {
            field: None,
            message: format!("terms are carried out after signing (the matter is {})", m.status),
        });
    }
    state.store.perform_term(&actor.audit_ctx("term performed"), m.id, &m.code, seq, note).await.map_err(
        |e| match e {
            StoreError::NotFound => Error::Conflict {
                field: Some("term".into()),
                message: format!("term {seq} does not exist or is already carried out"),
            },
            e => e.into(),
        },
    )?;
    let facts = state.store.case_facts(m.id, &[]).await?;
    if facts.open_terms == 0 {
        apply_step(state, actor, code, "perform", None, "协议条款均已履行完毕", &[]).await?;
        return Ok(true);
    }
    Ok(false)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpIn {
    pub outcome: String,
    /// The dispute has come back: the case is reopened.
    #[serde(default)]
    pub recurred: bool,
    /// The resident's rating on the four degrees, 1–5 each.
    pub attitude: Option<i64>,
    pub speed: Option<i64>,
    pub firmness: Option<i64>,
    pub warmth: Option<i64>,
}

pub async fn record_follow_up(state: &App, actor: &Actor, code: &str, id: i64, f: &FollowUpIn) -> Result<()> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    let mut errs = Vec::new();
    if !(2..=1000).contains(&f.outcome.trim().chars().count()) {
        errs.push(FieldError::new("outcome", "2–1000 characters"));
    }
    let parts = [("attitude", f.attitude), ("speed", f.speed), ("firmness", f.firmness), ("warmth", f.warmth)];
    for (name, v) in parts {
        if let Some(v) = v
            && !(1..=5).contains(&v)
        {
            errs.push(FieldError::new(name, "1 to 5"));
        }
    }
    let given = parts.iter().filter(|p| p.1.is_some()).count();
    if given != 0 && given != 4 {
        errs.push(FieldError::new("rating", "rate all four degrees or none"));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let rating = (given == 4).then(|| parts.map(|p| p.1.expect("all four given")));
    let r = FollowUpResult { outcome: &f.outcome, recurred: f.recurred, rating };
    state.store.record_follow_up(&actor.audit_ctx("follow-up"), m.id, &m.code, id, &r).await.map_err(|e| match e {
        StoreError::Conflict { .. } => {
            Error::Conflict { field: None, message: "no such open follow-up on this matter".into() }
        }
        e => e.into(),
    })?;
    if f.recurred && m.is_closed() {
        apply_step(state, actor, code, "reopen", None, &format!("回访发现纠纷反复：{}", f.outcome.trim()), &[]).await?;
    }
    Ok(())
}

/// Schedule an extra follow-up visit on a closed matter.
pub async fn schedule_follow_up(state: &App, actor: &Actor, code: &str, due_date: &str) -> Result<i64> {
    let m = load(state, actor, code, Action::HandleMatter).await?;
    let due = parse_local("due_date", due_date).map_err(|e| Error::Invalid(vec![e]))?;
    Ok(state.store.schedule_follow_up(&actor.audit_ctx("follow-up"), m.id, &m.code, due).await?)
}

/// Metres between two points (equirectangular; exact enough within a jurisdiction).
pub fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dy = (b.0 - a.0) * 110_540.0;
    let dx = (b.1 - a.1) * 111_320.0 * ((a.0 + b.0) / 2.0).to_radians().cos();
    (dx * dx + dy * dy).sqrt()
}

/// Likely duplicates of a matter: same kind and category, open, within a week and 300 m.
pub async fn duplicates(
    state: &App,
    m: &MatterDetail,
    lat_lon: Option<(f64, f64)>,
) -> Result<Vec<(fengqiao_store::mediation::MatterBrief, f64)>> {
    let Some(here) = lat_lon else { return Ok(vec![]) };
    let rows = state.store.duplicate_candidates(m.id, 7, 0.004).await?;
    let mut out: Vec<_> = rows
        .into_iter()
        .filter_map(|r| {
            let d = metres(here, (r.lat?, r.lon?));
            (d <= 300.0).then_some((r, d))
        })
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(out)
}

/// Merge a duplicate into the matter it repeats: the duplicate is withdrawn with a note
/// and linked, so its reporter's history still leads to the case.
pub async fn merge(state: &App, actor: &Actor, duplicate: &str, into: &str) -> Result<()> {
    if duplicate == into {
        return Err(Error::field("into", "a matter cannot be merged into itself"));
    }
    // The matter acted on first: nothing about `into` is told to whom may not act on it.
    let dup = load(state, actor, duplicate, Action::HandleMatter).await?;
    let kept = load(state, actor, into, Action::HandleMatter).await.map_err(|e| match e {
        Error::NotFound => Error::field("into", format!("no matter \"{into}\"")),
        e => e,
    })?;
    if kept.kind != dup.kind {
        return Err(Error::field("into", "only matters of the same kind are merged"));
    }
    apply_step(state, actor, duplicate, "withdraw", None, &format!("与{}重复，已并入该事项", kept.code), &[]).await?;
    state.store.link_duplicate(&actor.audit_ctx("merge duplicate"), kept.id, dup.id, &dup.code).await?;
    Ok(())
}

/// Urge a matter's handler (督办): supervisors and leaders over the matter's grid remind
/// whoever handles it; the reminder, with its note, goes on the matter's timeline. A note of
/// 2–200 characters, "请尽快办理" when none is given.
pub async fn urge(state: &App, actor: &Actor, code: &str, note: &str) -> Result<()> {
    let note = match note.trim() {
        "" => "请尽快办理",
        n => n,
    };
    if !(2..=200).contains(&note.chars().count()) {
        return Err(Error::field("note", "2–200 characters"));
    }
    let m = load(state, actor, code, Action::UrgeMatter).await?;
    if m.is_closed() {
        return Err(Error::Conflict { field: None, message: "a closed matter is not urged".into() });
    }
    state.store.urge(&actor.audit_ctx("urge"), m.id, &m.code, m.status.code(), note).await?;
    Ok(())
}

/// Acknowledge an early-warning alert: the command room (or whoever handles the matter)
/// has taken it on.
pub async fn acknowledge_alert(state: &App, actor: &Actor, id: i64) -> Result<()> {
    let Some(code) = state.store.alert_matter_code(id).await? else { return Err(Error::NotFound) };
    load(state, actor, &code, Action::HandleMatter).await?;
    state.store.acknowledge_alert(&actor.audit_ctx("alert acknowledged"), id).await?;
    Ok(())
}
