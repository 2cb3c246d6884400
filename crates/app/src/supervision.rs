//! The supervision desk (督查, issue 11 item 5).
//!
//! **Supervision slips (督办单).** The desk (commander, duty commanders, desk officers, street
//! leaders) issues a slip about an overdue matter (to its handling unit), an instruction (to
//! its recipient) or a unit's deadline breach (to the unit), in one of three colours: blue, a
//! reminder answered within three days; orange, a warning, two days; red, formal supervision,
//! one day. The addressee answers with what was done; the desk closes it or sends the answer
//! back. One slip per matter or instruction is open at a time.
//!
//! **Quality spot checks (质量抽查).** Each Monday a random sample of the matters closed in the
//! week before is drawn for every police station (a job; the desk may also draw its own
//! unit's week by hand, once). The desk reviews each: sound, or flawed with the flaws and
//! findings, which go back to whoever closed the matter (its handling unit when that account
//! is gone) to reply to. The sample is drawn with the operating system's randomness, so no
//! handler can tell which of their cases will be looked at.
//!
//! Who sees a slip or a drawn matter: the desk over its addressee's unit, its issuer, its
//! addressee. Anyone else is told it does not exist (the refusal is audited).

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::supervision::{self as rules, Flaw, SlipColour, SlipEvent, SlipStatus, SlipSubject, Verdict};
use fengqiao_store::StoreError;
use fengqiao_store::supervision::{NewSlip, Review, SlipFilter, SlipStep};

pub use fengqiao_store::supervision::{SlipEventRow, SlipRow, SpotCheckRow, SpotItemRow};

/// Most matters a week's check draws.
pub const MAX_SAMPLE: i64 = 20;

/// A slip to issue, as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlipIn {
    /// `matter`, `instruction` or `unit`.
    pub subject: String,
    /// The code of the matter, instruction or unit.
    pub about: String,
    /// `blue`, `orange` or `red`; when empty, the colour suggested by lateness and urging.
    #[serde(default)]
    pub colour: String,
    /// What is wrong and what is required (2–1000 characters).
    pub reason: String,
}

/// A slip with what the viewer may do.
#[derive(Debug, Clone)]
pub struct SlipView {
    pub row: SlipRow,
    pub status: SlipStatus,
    pub colour: SlipColour,
    /// Past its deadline to answer and not answered.
    pub overdue: bool,
    pub events: Vec<SlipEventRow>,
    pub may_answer: bool,
    /// Close or send back an answer (the desk over the addressee).
    pub may_close: bool,
    /// Withdraw a slip not answered (the desk).
    pub may_withdraw: bool,
    /// The viewer is the addressee (or of the unit addressed as a whole).
    pub addressed: bool,
}

/// The unit whose slips to the unit as a whole are the actor's: their own, unless they are
/// one of the three administrators (none: -1 matches no unit).
fn my_unit(actor: &Actor) -> i64 {
    if crate::instructions::instructable(actor.roles()) { actor.user.unit_id.0 } else { -1 }
}

/// Whether a slip or findings are addressed to the actor: to them, or to their unit as a
/// whole (its working members: not the three administrators).
fn addressed(actor: &Actor, unit_id: i64, user_id: Option<i64>) -> bool {
    match user_id {
        Some(u) => u == actor.user.id.0,
        None => unit_id == actor.user.unit_id.0 && crate::instructions::instructable(actor.roles()),
    }
}

/// The colour a slip about something `due_at` (and urged `urged` times) is offered at `now`.
pub fn suggested(due_at: Option<i64>, urged: i64, now: i64) -> SlipColour {
    let days_late = due_at.map_or(0, |d| (now - d).div_euclid(86_400_000) + i64::from(now > d));
    SlipColour::suggest(days_late, urged)
}

async fn load(app: &App, actor: &Actor, code: &str) -> Result<SlipRow> {
    let Some(r) = app.store.slip(code).await? else { return Err(Error::NotFound) };
    if r.issuer_id == actor.user.id.0 || addressed(actor, r.addressee_unit_id, r.addressee_user_id) {
        return Ok(r);
    }
    match actor.authorize(app, Action::Supervise, &UnitPath(r.path.clone()), ("supervision_slip", &r.code)).await {
        Ok(()) => Ok(r),
        Err(Error::Denied { .. }) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// Whether the desk may supervise something at `path`: the policy's answer, its refusal
/// audited.
async fn supervises(app: &App, actor: &Actor, path: &str, about: &str) -> Result<bool> {
    match actor.authorize(app, Action::Supervise, &UnitPath(path.to_string()), ("supervision_slip", about)).await {
        Ok(()) => Ok(true),
        Err(Error::Denied { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whom a slip goes to, what it is about, and the colour it is offered at.
struct Target {
    unit_id: i64,
    user_id: Option<i64>,
    path: String,
    matter_id: Option<i64>,
    instruction_id: Option<i64>,
    colour: SlipColour,
}

/// Issue a slip; its code.
pub async fn issue(app: &App, actor: &Actor, input: &SlipIn) -> Result<String> {
    actor.authorize(app, Action::Supervise, actor.jurisdiction(), ("supervision_slip", "new")).await?;
    let now = app.clock.now();
    let mut errors = Vec::new();
    let reason = input.reason.trim();
    if !(2..=1000).contains(&reason.chars().count()) {
        errors.push(FieldError::new("reason", "2–1000 characters: what is wrong and what is required"));
    }
    let colour = match input.colour.trim() {
        "" => None,
        c => match SlipColour::parse(c) {
            Some(c) => Some(c),
            None => {
                errors.push(FieldError::new("colour", "blue, orange or red"));
                None
            }
        },
    };
    let about = input.about.trim();
    let subject = SlipSubject::parse(&input.subject);
    if subject.is_none() {
        errors.push(FieldError::new("subject", "matter, instruction or unit"));
    }
    if about.is_empty() || about.len() > 64 {
        errors.push(FieldError::new("about", "the code of the matter, instruction or unit"));
    }
    let mut target: Option<Target> = None;
    if let Some(subject) = subject.filter(|_| !about.is_empty() && about.len() <= 64) {
        let missing = |what: &str| FieldError::new("about", format!("no {what} \"{about}\" in your jurisdiction"));
        match subject {
            SlipSubject::Matter => match crate::casework::load(app, actor, about, Action::ViewMatters).await {
                Ok(m) if m.is_closed() => errors.push(FieldError::new("about", "the matter is closed")),
                Ok(m) => {
                    let (unit_id, path) = app.store.matter_handler_unit(m.id).await?;
                    // The slip goes to the handling unit, which must be the desk's to supervise
                    // (a matter moved up beyond it is its superiors').
                    if !supervises(app, actor, &path, about).await? {
                        errors.push(FieldError::new("about", "the matter is handled outside your jurisdiction"));
                        return Err(Error::Invalid(errors));
                    }
                    let due = if m.status.code() == "registered" { m.ack_due_at } else { m.resolve_due_at };
                    let urged = app.store.urge_count(m.id).await?;
                    let colour = suggested(due, urged, now);
                    target = Some(Target {
                        unit_id,
                        user_id: None,
                        path,
                        matter_id: Some(m.id),
                        instruction_id: None,
                        colour,
                    });
                }
                Err(Error::NotFound | Error::Denied { .. }) => errors.push(missing("matter")),
                Err(e) => return Err(e),
            },
            SlipSubject::Instruction => match app.store.instruction(about).await? {
                Some(i) if supervises(app, actor, &i.path, about).await? => {
                    if matches!(i.status.as_str(), "closed" | "returned") {
                        errors.push(FieldError::new("about", "the instruction is closed"));
                    } else {
                        let due = if matches!(i.status.as_str(), "sent" | "delivered") {
                            i.ack_due_at
                        } else {
                            i.report_due_at
                        };
                        let colour = suggested(Some(due), i64::from(i.escalated_at.is_some()), now);
                        target = Some(Target {
                            unit_id: i.recipient_unit_id,
                            user_id: i.recipient_user_id,
                            path: i.path,
                            matter_id: None,
                            instruction_id: Some(i.id),
                            colour,
                        });
                    }
                }
                _ => errors.push(missing("instruction")),
            },
            SlipSubject::Unit => match app.store.unit_by_code(about).await {
                Ok(u) if supervises(app, actor, &u.path.0, about).await? => {
                    let colour = SlipColour::Blue;
                    target = Some(Target {
                        unit_id: u.id.0,
                        user_id: None,
                        path: u.path.0,
                        matter_id: None,
                        instruction_id: None,
                        colour,
                    })
                }
                Ok(_) | Err(StoreError::NotFound) => errors.push(missing("unit")),
                Err(e) => return Err(e.into()),
            },
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let t = target.expect("checked above");
    let colour = colour.unwrap_or(t.colour);
    let n = NewSlip {
        colour: colour.as_str().into(),
        subject: subject.expect("checked above").as_str().into(),
        matter_id: t.matter_id,
        instruction_id: t.instruction_id,
        reason: reason.into(),
        issuer_id: actor.user.id.0,
        addressee_unit_id: t.unit_id,
        addressee_user_id: t.user_id,
        path: t.path,
        issued_at: now,
        answer_due_at: now + colour.answer_within_hours() * 3_600_000,
    };
    match app.store.insert_slip(&actor.audit_ctx("supervision slip"), &n).await {
        Err(StoreError::Conflict { .. }) => Err(Error::Conflict {
            field: Some("about".into()),
            message: format!("a supervision slip about \"{about}\" is still open; see it through first"),
        }),
        other => Ok(other?),
    }
}

/// One slip for its page.
pub async fn get(app: &App, actor: &Actor, code: &str) -> Result<SlipView> {
    let row = load(app, actor, code).await?;
    let status = SlipStatus::parse(&row.status).unwrap_or(SlipStatus::Issued);
    let colour = SlipColour::parse(&row.colour).unwrap_or(SlipColour::Blue);
    let events = app.store.slip_events(row.id).await?;
    let is_addressee = addressed(actor, row.addressee_unit_id, row.addressee_user_id);
    let desk = actor.can(Action::Supervise, &UnitPath(row.path.clone()));
    Ok(SlipView {
        overdue: rules::answer_overdue(status, row.answer_due_at, app.clock.now()),
        may_answer: is_addressee && rules::next(status, SlipEvent::Answer).is_ok(),
        may_close: desk && rules::next(status, SlipEvent::Close).is_ok(),
        may_withdraw: desk && rules::next(status, SlipEvent::Withdraw).is_ok(),
        addressed: is_addressee,
        status,
        colour,
        events,
        row,
    })
}

/// Take a step: `answer` (with what was done) by the addressee; `close`, or `reject` (with
/// why), by the desk or the issuer.
pub async fn step(app: &App, actor: &Actor, code: &str, event: &str, note: &str) -> Result<()> {
    let r = load(app, actor, code).await?;
    let Some(ev) = SlipEvent::parse(event) else {
        return Err(Error::field("event", "answer, close, reject or withdraw"));
    };
    if ev.by_desk() {
        actor.authorize(app, Action::Supervise, &UnitPath(r.path.clone()), ("supervision_slip", code)).await?;
        // Nobody closes their own answer.
        if ev == SlipEvent::Close
            && app.store.slip_answerer(r.id).await?.as_deref() == Some(actor.user.username.as_str())
        {
            let why = "the one who answered a slip does not close it";
            return Err(actor.refuse(app, "supervision_slip_close", ("supervision_slip", code), why).await);
        }
    } else if !addressed(actor, r.addressee_unit_id, r.addressee_user_id) {
        let why = "only the addressee answers a supervision slip";
        return Err(actor.refuse(app, "supervision_slip_answer", ("supervision_slip", code), why).await);
    }
    let status = SlipStatus::parse(&r.status).unwrap_or(SlipStatus::Issued);
    let to = rules::next(status, ev).map_err(|e| Error::Conflict { field: None, message: e.to_string() })?;
    let note = note.trim();
    if ev.needs_note() && !(2..=2000).contains(&note.chars().count()) {
        let what = match ev {
            SlipEvent::Answer => "what was done",
            SlipEvent::Reject => "why it is sent back",
            _ => "why it is withdrawn",
        };
        return Err(Error::field("note", format!("2–2000 characters: {what}")));
    }
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "at most 2000 characters"));
    }
    let now = app.clock.now();
    // An answer sent back is given its time to answer again.
    let colour = SlipColour::parse(&r.colour).unwrap_or(SlipColour::Blue);
    let answer_due_at = (ev == SlipEvent::Reject).then(|| now + colour.answer_within_hours() * 3_600_000);
    let s = SlipStep { code, event: ev.as_str(), from: status.as_str(), to: to.as_str(), note, now, answer_due_at };
    app.store.slip_step(&actor.audit_ctx(&format!("supervision slip {}", ev.as_str())), &s).await.map_err(|e| match e {
        StoreError::Conflict { .. } => {
            Error::Conflict { field: None, message: "the slip changed meanwhile; reload it".into() }
        }
        e => e.into(),
    })
}

/// Whose slips a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Addressed to the viewer or their unit.
    #[default]
    Mine,
    /// Every slip of the viewer's jurisdiction (the desk).
    All,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "" | "mine" => Some(Scope::Mine),
            "all" => Some(Scope::All),
            _ => None,
        }
    }
}

/// Slips of a scope: open first, the nearest deadline first; and how many match.
pub async fn list(
    app: &App,
    actor: &Actor,
    scope: Scope,
    open_only: bool,
    status: Option<SlipStatus>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SlipRow>, i64)> {
    let mut f =
        SlipFilter { open_only, status: status.map(|s| s.as_str().into()), limit, offset, ..Default::default() };
    match scope {
        // To the unit as a whole means its working members (see `addressed`).
        Scope::Mine => f.addressed_to = Some((actor.user.id.0, my_unit(actor))),
        Scope::All => {
            actor.authorize(app, Action::Supervise, actor.jurisdiction(), ("supervision_slip", "list")).await?;
            f.under = Some(actor.jurisdiction().0.clone());
        }
    }
    Ok(app.store.slips(&f).await?)
}

/// The slips about a matter the caller has loaded (and so may see), oldest first.
pub async fn about_matter(app: &App, matter_id: i64) -> Result<Vec<SlipRow>> {
    let f = SlipFilter { matter_id: Some(matter_id), limit: 100, ..Default::default() };
    let (mut rows, _) = app.store.slips(&f).await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// The actor's slips to answer (open, addressed to them), nearest deadline first, at most
/// `limit`; and findings of spot checks sent back to them to reply to.
pub async fn to_act_on(app: &App, actor: &Actor, limit: i64) -> Result<((Vec<SlipRow>, i64), Vec<SpotItemRow>)> {
    let f = SlipFilter {
        addressed_to: Some((actor.user.id.0, actor.user.unit_id.0)),
        status: Some(SlipStatus::Issued.as_str().into()),
        limit,
        ..Default::default()
    };
    if !crate::instructions::instructable(actor.roles()) {
        return Ok(((vec![], 0), vec![]));
    }
    let slips = app.store.slips(&f).await?;
    let findings = app.store.findings_to_reply(actor.user.id.0, actor.user.unit_id.0, limit).await?;
    Ok((slips, findings))
}

/// Draw a week's sample for the unit at `path` (the last full week before `now`): `None`
/// when that week was drawn already. `by` is the account drawing (or the job).
async fn draw_for(
    app: &App,
    ctx: &fengqiao_store::audit::AuditCtx,
    (unit_id, path): (i64, &str),
    now: i64,
    rand_word: &mut (impl FnMut() -> u64 + Send),
) -> Result<Option<i64>> {
    let (from, to) = rules::week_reviewed(now);
    let closed = app.store.closed_matters(path, from, to).await?;
    let k = rules::sample_size(closed.len() as i64, MAX_SAMPLE) as usize;
    let picks = rules::choose(closed.len(), k, rand_word);
    let drawn: Vec<_> = picks.into_iter().map(|i| closed[i].clone()).collect();
    Ok(app.store.insert_spot_check(ctx, (unit_id, path), from, closed.len() as i64, &drawn, now).await?)
}

/// Draw last week's sample for the actor's own unit by hand; the check's id.
pub async fn draw(app: &App, actor: &Actor) -> Result<i64> {
    actor.authorize(app, Action::Supervise, actor.jurisdiction(), ("spot_check", "new")).await?;
    let path = actor.jurisdiction().0.clone();
    let ctx = actor.audit_ctx("spot check");
    match draw_for(app, &ctx, (actor.user.unit_id.0, &path), app.clock.now(), &mut rand::random::<u64>).await? {
        Some(id) => Ok(id),
        None => Err(Error::Conflict { field: None, message: "last week's sample is drawn already".into() }),
    }
}

/// The weekly job: last week's sample for every police station not drawn yet. How many
/// checks were drawn.
pub async fn draw_weekly(app: &App, now: i64) -> Result<usize> {
    draw_weekly_with(app, now, &mut rand::random::<u64>).await
}

/// [`draw_weekly`] with the random words given (the demo's seeded generator).
pub async fn draw_weekly_with(app: &App, now: i64, rand_word: &mut (impl FnMut() -> u64 + Send)) -> Result<usize> {
    let ctx = fengqiao_store::audit::AuditCtx::system("rules", "weekly spot check");
    let mut n = 0;
    for (id, path) in app.store.stations().await? {
        if draw_for(app, &ctx, (id, &path), now, rand_word).await?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}

/// The checks of the actor's jurisdiction, newest week first.
pub async fn checks(app: &App, actor: &Actor, limit: i64) -> Result<Vec<SpotCheckRow>> {
    actor.authorize(app, Action::Supervise, actor.jurisdiction(), ("spot_check", "list")).await?;
    Ok(app.store.spot_checks(&actor.jurisdiction().0, limit).await?)
}

/// One check with the matters drawn.
pub async fn check(app: &App, actor: &Actor, id: i64) -> Result<(SpotCheckRow, Vec<SpotItemRow>)> {
    let Some(c) = app.store.spot_check(id).await? else { return Err(Error::NotFound) };
    match actor.authorize(app, Action::Supervise, &UnitPath(c.path.clone()), ("spot_check", &id.to_string())).await {
        Ok(()) => Ok((c, app.store.spot_items(id).await?)),
        Err(Error::Denied { .. }) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// A drawn matter, for the desk over it or the person (or unit) its findings go to.
pub async fn item(app: &App, actor: &Actor, id: i64) -> Result<SpotItemRow> {
    let Some(it) = app.store.spot_item(id).await? else { return Err(Error::NotFound) };
    if it.verdict == Verdict::Flawed.as_str() && addressed(actor, it.addressee_unit_id, it.addressee_user_id) {
        return Ok(it);
    }
    match actor
        .authorize(app, Action::Supervise, &UnitPath(it.path.clone()), ("spot_check_item", &id.to_string()))
        .await
    {
        Ok(()) => Ok(it),
        Err(Error::Denied { .. }) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// A review, as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// `sound` or `flawed`.
    pub verdict: String,
    /// For a flawed matter: what was found wrong (codes of [`Flaw`]), at least one.
    #[serde(default)]
    pub flaws: Vec<String>,
    /// The findings in words (2–1000 characters for a flawed matter, at most 1000 otherwise).
    #[serde(default)]
    pub findings: String,
}

/// Review a drawn matter (once).
pub async fn review(app: &App, actor: &Actor, id: i64, r: &ReviewIn) -> Result<()> {
    let Some(it) = app.store.spot_item(id).await? else { return Err(Error::NotFound) };
    match actor
        .authorize(app, Action::Supervise, &UnitPath(it.path.clone()), ("spot_check_item", &id.to_string()))
        .await
    {
        Ok(()) => {}
        Err(Error::Denied { .. }) => return Err(Error::NotFound),
        Err(e) => return Err(e),
    }
    if it.addressee_user_id == Some(actor.user.id.0) {
        let why = "nobody reviews a matter they closed themselves";
        return Err(actor.refuse(app, "spot_check_review", ("spot_check_item", &id.to_string()), why).await);
    }
    let mut errors = Vec::new();
    let verdict = Verdict::parse(&r.verdict).filter(|v| *v != Verdict::Pending);
    if verdict.is_none() {
        errors.push(FieldError::new("verdict", "sound or flawed"));
    }
    let mut flaws = Vec::new();
    for f in r.flaws.iter().take(20) {
        match Flaw::parse(f) {
            Some(f) if !flaws.contains(&f) => flaws.push(f),
            Some(_) => {}
            None => errors
                .push(FieldError::new("flaws", format!("\"{}\" is not a flaw; one of {}", short(f), flaw_codes()))),
        }
    }
    let findings = r.findings.trim();
    let flawed = verdict == Some(Verdict::Flawed);
    if flawed && flaws.is_empty() {
        errors.push(FieldError::new("flaws", format!("name at least one: {}", flaw_codes())));
    }
    if !flawed && !flaws.is_empty() && verdict.is_some() {
        errors.push(FieldError::new("flaws", "a sound matter has no flaws"));
    }
    if flawed && !(2..=1000).contains(&findings.chars().count()) {
        errors.push(FieldError::new("findings", "2–1000 characters: what was found and what is to be put right"));
    } else if findings.chars().count() > 1000 {
        errors.push(FieldError::new("findings", "at most 1000 characters"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let flaws: Vec<&str> = flaws.iter().map(|f| f.as_str()).collect();
    let review = Review {
        item_id: id,
        verdict: verdict.expect("checked above").as_str(),
        flaws: &flaws.join(","),
        findings,
        reviewer_id: actor.user.id.0,
        now: app.clock.now(),
    };
    app.store.review_spot_item(&actor.audit_ctx("spot check review"), &review).await.map_err(|e| match e {
        StoreError::Conflict { .. } => Error::Conflict { field: None, message: "reviewed already".into() },
        e => e.into(),
    })
}

/// Reply to the findings on a matter one closed (once).
pub async fn reply(app: &App, actor: &Actor, id: i64, text: &str) -> Result<()> {
    let it = item(app, actor, id).await?;
    if it.verdict != Verdict::Flawed.as_str() || !addressed(actor, it.addressee_unit_id, it.addressee_user_id) {
        let why = "only the handler the findings were sent to replies to them";
        return Err(actor.refuse(app, "spot_check_reply", ("spot_check_item", &id.to_string()), why).await);
    }
    let text = text.trim();
    if !(2..=1000).contains(&text.chars().count()) {
        return Err(Error::field("reply", "2–1000 characters: what was put right"));
    }
    let ctx = actor.audit_ctx("spot check reply");
    app.store.reply_spot_item(&ctx, id, text, app.clock.now()).await.map_err(|e| match e {
        StoreError::Conflict { .. } => Error::Conflict { field: None, message: "replied already".into() },
        e => e.into(),
    })
}

fn flaw_codes() -> String {
    Flaw::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

/// At most 40 characters of a client's text, for an error message.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}
