//! Intake rules shared by every channel (the staff form and the phone page, the API, the
//! household QR page, Open311): validation with every bad field named, the location
//! resolved to its grid, the caller's right to record there, and the domain's rules — a
//! dispute starts at the grid tier with its suggested approach, every matter gets its
//! response clock — then the risk score.

use crate::Actor;
use crate::App;
use crate::{Error, Result};
use fengqiao_domain::matter::{Category, Difficulty, FiveSmall, MatterKind, Priority, Source, Tier};
use fengqiao_domain::policy::Action;
use fengqiao_domain::{FieldError, Phone};
use fengqiao_store::matters::NewMatter;
use fengqiao_store::now_ms;

/// Everything about a new matter except where it is.
pub struct Intake {
    pub kind: MatterKind,
    pub category: fengqiao_domain::matter::CategoryDef,
    pub priority: Priority,
    pub narrative: String,
    pub source: Source,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    pub difficulty: Difficulty,
    pub five_small: Option<FiveSmall>,
}

pub fn new_matter(
    settings: &crate::Settings,
    i: Intake,
    grid_id: i64,
    household_id: Option<i64>,
    lat: Option<f64>,
    lon: Option<f64>,
) -> NewMatter {
    let now = now_ms();
    let (ack, resolve) = settings.deadlines(i.kind, i.priority);
    let dispute = i.kind == MatterKind::Dispute;
    NewMatter {
        kind: i.kind,
        category: i.category.code.clone(),
        priority: i.priority,
        narrative: i.narrative,
        source: i.source,
        grid_id,
        household_id,
        lat,
        lon,
        address: None,
        reporter_name: i.reporter_name,
        reporter_phone: i.reporter_phone,
        tier: dispute.then_some(Tier::Grid),
        approach: if dispute { i.category.approach } else { None },
        ack_due_at: now + ack * 60_000,
        resolve_due_at: now + resolve * 60_000,
        difficulty: i.difficulty,
        five_small: i.five_small,
        open311: None,
        initial: Default::default(),
    }
}

/// Record a matter from any channel: the one way in. Its escalation risk (from the
/// narrative: a new matter has no parties or records yet) and the tier rules' moves are
/// decided here and written with it in one transaction.
pub async fn record(state: &App, ctx: &fengqiao_store::audit::AuditCtx, m: &NewMatter) -> Result<String> {
    use fengqiao_domain::matter::{Status, TierFacts, escalate, rule_to_move_up};
    use fengqiao_domain::risk::Facts;
    use fengqiao_store::matters::{AlertText, RiskFactor, TierMove};
    let risk = state.lexicon.assess(&Facts { texts: vec![&m.narrative], ..Default::default() });
    let mut m = m.clone();
    let mut moves = Vec::new();
    if let Some(mut tier) = m.tier {
        let mut status = Status::Registered;
        let difficult = m.difficulty == Difficulty::Difficult;
        while let Some(reason) =
            rule_to_move_up(&TierFacts { tier, status, difficult, risk: risk.level, days_at_tier: 0 })
        {
            let Ok((Some(up), to)) = escalate(status, tier) else { break };
            moves.push(TierMove { to: up, reason });
            tier = up;
            status = to;
        }
    }
    m.initial = fengqiao_store::matters::Initial {
        risk_score: i64::from(risk.score),
        risk_level: Some(risk.level),
        factors: risk
            .hits
            .iter()
            .map(|h| RiskFactor {
                factor: h.factor.as_str().to_string(),
                weight: i64::from(h.weight),
                evidence: h.evidence.clone(),
            })
            .collect(),
        alert: risk
            .level
            .raises_alert()
            .then(|| AlertText { factors: risk.factors_text(), police_report: risk.police_report("{code}") }),
        moves,
        screening_round_id: m.initial.screening_round_id,
    };
    Ok(match &state.intake {
        Some(writer) => writer.write(ctx, &m).await?,
        None => state.store.create_matter(ctx, &m).await?,
    })
}

/// Group commit for intake: concurrent new matters are queued and written together, up to
/// 64 in one transaction (each in its own savepoint, so a bad one fails alone). Started
/// explicitly by the process that serves ([`crate::App::with_group_commit`]); without it,
/// each matter is written in its own transaction.
pub struct Writer(tokio::sync::mpsc::Sender<Job>);

struct Job {
    ctx: fengqiao_store::audit::AuditCtx,
    m: NewMatter,
    reply: tokio::sync::oneshot::Sender<fengqiao_store::StoreResult<String>>,
}

impl Writer {
    /// Start the writer's task on the current runtime.
    pub fn start(store: fengqiao_store::Store) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(1024);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < 64 {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let batch: Vec<_> = jobs.iter().map(|j| (j.ctx.clone(), j.m.clone())).collect();
                let results = store.create_matters(&batch).await;
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(r);
                }
            }
        });
        Writer(tx)
    }

    /// Queue a matter and wait for its batch to commit.
    pub async fn write(
        &self,
        ctx: &fengqiao_store::audit::AuditCtx,
        m: &NewMatter,
    ) -> fengqiao_store::StoreResult<String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.0
            .send(Job { ctx: ctx.clone(), m: m.clone(), reply })
            .await
            .map_err(|_| fengqiao_store::StoreError::Corrupt("the intake writer has stopped".into()))?;
        answer.await.map_err(|_| fengqiao_store::StoreError::Corrupt("the intake writer has stopped".into()))?
    }
}

/// A matter as a member of staff (or a client of the API) submits it: text as typed.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub kind: String,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub difficulty: Option<String>,
    pub five_small: Option<String>,
    pub narrative: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub household_code: Option<String>,
    pub address: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
}

fn pick<T: Copy>(v: Option<&str>, default: T, parse: fn(&str) -> Option<T>) -> Option<T> {
    match v.map(str::trim) {
        None | Some("") => Some(default),
        Some(s) => parse(s),
    }
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> String {
    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
}

/// Validate, locate, authorise and record a staff or API submission. Every bad field is
/// named at once; nothing is written unless all is well.
pub async fn submit(state: &App, actor: &Actor, s: &Submission, source: Source) -> Result<String> {
    let (mut new, path, grid_code) = build(state, s, source).await?;
    if let Err(e) = actor.authorize(state, Action::RecordMatter, &path, ("unit", &grid_code)).await {
        // A household out of the recorder's sight reads as one that does not exist.
        let code = s.household_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        if let Some(code) = code.filter(|_| !actor.can(Action::ViewRegistry, &path)) {
            return Err(Error::field("household_code", format!("no household \"{code}\"")));
        }
        return Err(e);
    }
    if source == Source::Screening {
        // Found during the recorder's open screening round over this place.
        new.initial.screening_round_id = state.store.open_round_covering(&actor.user.username, &path.0).await?;
    }
    record(state, &actor.audit_ctx("matter intake"), &new).await
}

/// Validate a submission and locate it: the matter to record, and its grid (path, code).
pub async fn build(
    state: &App,
    s: &Submission,
    source: Source,
) -> Result<(NewMatter, fengqiao_domain::org::UnitPath, String)> {
    let mut fields = vec![];
    let kind = MatterKind::parse(&s.kind);
    if kind.is_none() {
        fields.push(FieldError::new("kind", "dispute, hazard, request, incident or tip"));
    }
    let category = match s.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => state.taxonomy.get(Category::Other.as_str()).cloned(),
        Some(c) => state.taxonomy.get(c).cloned(),
    };
    if category.is_none() {
        fields.push(FieldError::new("category", format!("unknown category; one of {}", state.taxonomy.codes())));
    }
    let priority = pick(s.priority.as_deref(), Priority::Normal, Priority::parse);
    if priority.is_none() {
        fields.push(FieldError::new("priority", "urgent, high, normal or low"));
    }
    let difficulty = pick(s.difficulty.as_deref(), Difficulty::Ordinary, Difficulty::parse);
    if difficulty.is_none() {
        fields.push(FieldError::new("difficulty", "simple, ordinary or difficult"));
    }
    let five_small = match s.five_small.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match FiveSmall::parse(v) {
            Some(f) => Some(f),
            None => {
                fields.push(FieldError::new(
                    "five_small",
                    format!("one of {}", codes(FiveSmall::ALL, FiveSmall::as_str)),
                ));
                None
            }
        },
    };
    let narrative = s.narrative.trim();
    let (min, max) =
        (fengqiao_domain::matter::NARRATIVE_MIN_CHARS, fengqiao_domain::matter::narrative_max_chars(source));
    if !(min..=max).contains(&narrative.chars().count()) {
        fields.push(FieldError::new("narrative", format!("{min}–{max} characters")));
    }
    let reporter_name = s.reporter_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if reporter_name.is_some_and(|n| n.chars().count() > 32) {
        fields.push(FieldError::new("reporter_name", "at most 32 characters"));
    }
    let phone = match s.reporter_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                fields.push(FieldError::new("reporter_phone", e.to_string()));
                None
            }
        },
        None => None,
    };
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    // Where: a household, an address, or a point.
    let typed_address = s.address.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(String::from);
    if typed_address.as_ref().is_some_and(|a| a.chars().count() > 200) {
        return Err(Error::field("address", "at most 200 characters"));
    }
    let (point, household_id) = if let Some(code) = s.household_code.as_deref().map(str::trim).filter(|c| !c.is_empty())
    {
        match state.store.household_by_code(code).await {
            Ok(h) => ((h.lat, h.lon), Some(h.id)),
            Err(fengqiao_store::StoreError::NotFound) => {
                return Err(Error::field("household_code", format!("no household \"{code}\"")));
            }
            Err(e) => return Err(e.into()),
        }
    } else if let Some(address) = typed_address.as_deref() {
        match state.store.point_of_address(address).await? {
            Some(p) => (p, None),
            None => return Err(Error::field("address", "no registered household has this address")),
        }
    } else if s.lat.is_none() && s.lon.is_none() {
        // One rule, one message: a location, a household code or an address, any one.
        return Err(Error::field("location", "give a location, a household code or an address"));
    } else {
        (crate::locate::coordinates(s.lat, s.lon)?, None)
    };
    let index = state.router.index(&state.store).await?;
    let Some(route) = index.locate(point.1, point.0) else {
        let message = match index.nearest(point.1, point.0) {
            Some((r, d)) => format!(
                "the point is outside every grid; the nearest is {} {} ({d:.0} m away)",
                r.grid.code, r.grid.name
            ),
            None => "the point is outside every grid (no grids are defined)".to_string(),
        };
        return Err(Error::Outside(message));
    };
    let intake = Intake {
        kind: kind.expect("checked"),
        category: category.expect("checked"),
        priority: priority.expect("checked"),
        narrative: narrative.to_string(),
        source,
        reporter_name: reporter_name.map(String::from),
        reporter_phone: phone,
        difficulty: difficulty.expect("checked"),
        five_small,
    };
    let mut new = new_matter(&state.settings, intake, route.grid_id, household_id, Some(point.0), Some(point.1));
    new.address = typed_address;
    Ok((new, route.path.clone(), route.grid.code.clone()))
}
