//! Two-way instructions (指令, issue 11 item 3): the command room or a leader instructs a
//! person or a unit of their jurisdiction, about a matter or on its own, with a deadline to
//! acknowledge (签收) and one to report back (反馈); the recipient acknowledges, reports or
//! returns it with a reason; the issuer (or the command room) closes it (销号) or sends the
//! report back. Supervision colours it blue, orange and red as deadlines near and pass, and
//! an instruction left overdue goes up to the recipient unit's leaders once
//! ([`escalate_overdue`], a periodic job).
//!
//! Who sees an instruction: its issuer, its recipient (the person, or every member of the
//! unit it is addressed to), and whoever may view instructions over the recipient's unit.
//! Anyone else is told it does not exist. Every use case takes `now` from [`App::clock`], so
//! a test moves time without waiting.

use crate::casework::parse_local;
use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::instruction::{self as rules, Colour, Deadlines, Event, Status};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::role::Role;
use fengqiao_store::instructions::{InstructionFilter, InstructionStep, NewInstruction};

pub use fengqiao_store::instructions::{InstructionEventRow, InstructionRow};

/// Priorities, and the default time to acknowledge each (minutes).
pub const PRIORITIES: &[(&str, i64)] = &[("critical", 10), ("urgent", 15), ("normal", 30)];

/// An instruction to issue, as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueIn {
    /// What is to be done, in a line (2–60 characters).
    pub title: String,
    /// The instruction itself (2–2000 characters).
    #[serde(default)]
    pub body: String,
    /// `normal` (default), `urgent` or `critical`.
    #[serde(default)]
    pub priority: String,
    /// The matter it is about, if any.
    #[serde(default)]
    pub matter: String,
    /// The person instructed (a username); or else:
    #[serde(default)]
    pub to_user: String,
    /// the unit instructed as a whole (a unit code).
    #[serde(default)]
    pub to_unit: String,
    /// Minutes allowed to acknowledge (5–1440; by priority when absent: 10, 15 or 30).
    #[serde(default)]
    pub ack_within_minutes: Option<i64>,
    /// When the report back is due (YYYY-MM-DDTHH:MM, Beijing time).
    #[serde(default)]
    pub report_due: String,
}

/// An instruction with what supervision makes of it now.
#[derive(Debug, Clone)]
pub struct Item {
    pub row: InstructionRow,
    pub status: Status,
    pub colour: Colour,
    /// The deadline the recipient now works to, if any.
    pub due: Option<i64>,
}

impl Item {
    fn of(row: InstructionRow, now: i64) -> Item {
        let status = Status::parse(&row.status).unwrap_or(Status::Sent);
        let d = deadlines(&row);
        Item { colour: rules::colour(status, &d, now), due: d.current(status), status, row }
    }
}

fn deadlines(r: &InstructionRow) -> Deadlines {
    Deadlines { issued_at: r.issued_at, ack_due: r.ack_due_at, report_due: r.report_due_at }
}

/// Which of the steps the viewer may take now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offer {
    pub acknowledge: bool,
    pub report: bool,
    pub return_: bool,
    pub close: bool,
    pub reject: bool,
}

/// One instruction as its page shows it.
#[derive(Debug, Clone)]
pub struct View {
    pub item: Item,
    pub events: Vec<InstructionEventRow>,
    pub offer: Offer,
    /// The viewer is the recipient.
    pub addressed: bool,
}

/// Whether the instruction is addressed to the actor: to them, or to their unit as a whole.
pub fn addressed(actor: &Actor, r: &InstructionRow) -> bool {
    match r.recipient_user_id {
        Some(u) => u == actor.user.id.0,
        None => r.recipient_unit_id == actor.user.unit_id.0,
    }
}

fn issuing_side(actor: &Actor, r: &InstructionRow) -> bool {
    r.issuer_id == actor.user.id.0 || actor.can(Action::SuperviseInstructions, &UnitPath(r.path.clone()))
}

/// Load an instruction the actor may see; one they may not reads as absent (and the refusal
/// is audited). Whoever may see a matter sees the instructions about it (they are part of
/// its record).
async fn load(app: &App, actor: &Actor, code: &str) -> Result<InstructionRow> {
    let Some(r) = app.store.instruction(code).await? else { return Err(Error::NotFound) };
    if r.issuer_id == actor.user.id.0 || addressed(actor, &r) {
        return Ok(r);
    }
    if let Some(m) = &r.matter_code
        && !actor.can(Action::ViewInstructions, &UnitPath(r.path.clone()))
        && crate::casework::load(app, actor, m, Action::ViewMatters).await.is_ok()
    {
        return Ok(r);
    }
    match actor.authorize(app, Action::ViewInstructions, &UnitPath(r.path.clone()), ("instruction", &r.code)).await {
        Ok(()) => Ok(r),
        Err(Error::Denied { .. }) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// Issue an instruction; its code.
pub async fn issue(app: &App, actor: &Actor, input: &IssueIn) -> Result<String> {
    actor.authorize(app, Action::IssueInstruction, actor.jurisdiction(), ("instruction", "new")).await?;
    let now = app.clock.now();
    let mut errors = Vec::new();
    let title = input.title.trim();
    if !(2..=60).contains(&title.chars().count()) {
        errors.push(FieldError::new("title", "2–60 characters"));
    }
    let body = input.body.trim();
    if !(2..=2000).contains(&body.chars().count()) {
        errors.push(FieldError::new("body", "2–2000 characters: what is to be done"));
    }
    let priority = match input.priority.trim() {
        "" => "normal",
        p => p,
    };
    let default_ack = PRIORITIES.iter().find(|(p, _)| *p == priority).map(|(_, m)| *m);
    if default_ack.is_none() {
        errors.push(FieldError::new("priority", "normal, urgent or critical"));
    }
    let ack_minutes = input.ack_within_minutes.or(default_ack).unwrap_or(30);
    if !(5..=1440).contains(&ack_minutes) {
        errors.push(FieldError::new("ack_within_minutes", "5–1440 minutes"));
    }
    // Bounded before any arithmetic: a client's number never overflows a deadline.
    let ack_due = now + ack_minutes.clamp(5, 1440) * 60_000;
    match parse_local("report_due", &input.report_due) {
        Err(e) if input.report_due.trim().is_empty() => {
            errors.push(FieldError::new(&e.field, "when the report back is due (YYYY-MM-DDTHH:MM)"))
        }
        Err(e) => errors.push(e),
        Ok(t) if t < ack_due => errors.push(FieldError::new(
            "report_due",
            format!("must be no earlier than the deadline to acknowledge ({ack_minutes} minutes from now)"),
        )),
        Ok(t) if t > now + 90 * 86_400_000 => errors.push(FieldError::new("report_due", "at most 90 days ahead")),
        Ok(_) => {}
    }
    let report_due = parse_local("report_due", &input.report_due).unwrap_or(0);
    // The recipient: a person or a unit, of the issuer's jurisdiction.
    let (to_user, to_unit) = (input.to_user.trim(), input.to_unit.trim());
    let recipient = if to_user.is_empty() == to_unit.is_empty() {
        errors.push(FieldError::new("to_user", "name one person (to_user) or one unit (to_unit)"));
        None
    } else if !to_user.is_empty() {
        match app.store.user_by_username(to_user).await {
            Ok(user) if !user.disabled && instructable(&user.roles) => {
                Some((user.unit_id.0, Some(user.id.0), user.unit_path))
            }
            Ok(_) => {
                errors.push(FieldError::new("to_user", format!("\"{to_user}\" does not take instructions")));
                None
            }
            Err(fengqiao_store::StoreError::NotFound) => {
                errors.push(FieldError::new("to_user", format!("no account \"{to_user}\"")));
                None
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        match app.store.unit_by_code(to_unit).await {
            Ok(unit) => Some((unit.id.0, None, unit.path)),
            Err(fengqiao_store::StoreError::NotFound) => {
                errors.push(FieldError::new("to_unit", format!("no unit \"{to_unit}\"")));
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    let matter = match input.matter.trim() {
        "" => None,
        code => match crate::casework::load(app, actor, code, Action::ViewMatters).await {
            Ok(m) => Some(m.id),
            Err(Error::NotFound) => {
                errors.push(FieldError::new("matter", format!("no matter \"{code}\"")));
                None
            }
            Err(e) => return Err(e),
        },
    };
    // The jurisdiction of the recipient named.
    if let Some((_, _, path)) = &recipient
        && !actor.can(Action::IssueInstruction, path)
    {
        let field = if to_user.is_empty() { "to_unit" } else { "to_user" };
        match actor.authorize(app, Action::IssueInstruction, path, ("instruction", "new")).await {
            Err(Error::Denied { .. }) => errors.push(FieldError::new(field, "outside your jurisdiction")),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (recipient_unit_id, recipient_user_id, path) = recipient.expect("checked above");
    let n = NewInstruction {
        title: title.to_string(),
        body: body.to_string(),
        priority: priority.to_string(),
        matter_id: matter,
        issuer_id: actor.user.id.0,
        recipient_unit_id,
        recipient_user_id,
        path: path.0,
        issued_at: now,
        ack_due_at: ack_due,
        report_due_at: report_due,
    };
    Ok(app.store.insert_instruction(&actor.audit_ctx("issue instruction"), &n).await?)
}

/// One instruction for its page. Opening it as its recipient delivers it.
pub async fn get(app: &App, actor: &Actor, code: &str) -> Result<View> {
    let mut r = load(app, actor, code).await?;
    let is_recipient = addressed(actor, &r);
    if is_recipient && r.status == Status::Sent.as_str() {
        let now = app.clock.now();
        let s = InstructionStep { code, event: "deliver", from: "sent", to: "delivered", note: "", now };
        match app.store.instruction_step(&actor.audit_ctx("instruction delivered"), &s).await {
            Ok(()) | Err(fengqiao_store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        r = app.store.instruction(code).await?.ok_or(Error::NotFound)?;
    }
    let events = app.store.instruction_events(r.id).await?;
    let item = Item::of(r, app.clock.now());
    let issuer = issuing_side(actor, &item.row);
    let allowed = |e: Event| rules::next(item.status, e).is_ok() && if e.by_issuer() { issuer } else { is_recipient };
    let offer = Offer {
        acknowledge: allowed(Event::Acknowledge),
        report: allowed(Event::Report),
        return_: allowed(Event::Return),
        close: allowed(Event::Close),
        reject: allowed(Event::Reject),
    };
    Ok(View { item, events, offer, addressed: is_recipient })
}

/// Take a step: `acknowledge`, `report` (with what was done), `return` (with why) by the
/// recipient; `close` or `reject` (with why) by the issuer or the command room.
pub async fn step(app: &App, actor: &Actor, code: &str, event: &str, note: &str) -> Result<()> {
    let r = load(app, actor, code).await?;
    let Some(ev) = Event::parse(event).filter(|e| *e != Event::Deliver) else {
        return Err(Error::field("event", "acknowledge, report, return, close or reject"));
    };
    if ev.by_issuer() {
        if r.issuer_id != actor.user.id.0 {
            actor
                .authorize(app, Action::SuperviseInstructions, &UnitPath(r.path.clone()), ("instruction", code))
                .await?;
        }
    } else if !addressed(actor, &r) {
        return Err(Error::denied("only the recipient acknowledges, reports on or returns an instruction"));
    }
    let status = Status::parse(&r.status).unwrap_or(Status::Sent);
    let to = rules::next(status, ev).map_err(|e| Error::Conflict { field: None, message: e.to_string() })?;
    let note = note.trim();
    if ev.needs_note() && !(2..=2000).contains(&note.chars().count()) {
        let what = if ev == Event::Report { "what was done" } else { "why" };
        return Err(Error::field("note", format!("2–2000 characters: {what}")));
    }
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "at most 2000 characters"));
    }
    let s = InstructionStep {
        code,
        event: ev.as_str(),
        from: status.as_str(),
        to: to.as_str(),
        note,
        now: app.clock.now(),
    };
    app.store.instruction_step(&actor.audit_ctx(&format!("instruction {}", ev.as_str())), &s).await.map_err(|e| match e
    {
        fengqiao_store::StoreError::Conflict { .. } => {
            Error::Conflict { field: None, message: "the instruction changed meanwhile; reload it".into() }
        }
        e => e.into(),
    })
}

/// Whose instructions a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Addressed to the viewer or their unit.
    #[default]
    Mine,
    /// Issued by the viewer.
    Issued,
    /// Every instruction of the viewer's jurisdiction.
    All,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "" | "mine" => Some(Scope::Mine),
            "issued" => Some(Scope::Issued),
            "all" => Some(Scope::All),
            _ => None,
        }
    }
}

/// A page of a list, and how many match in all.
#[derive(Debug, Clone)]
pub struct Listing {
    pub items: Vec<Item>,
    pub total: i64,
}

/// The instructions of a scope: open ones first, the nearest deadline first.
pub async fn list(
    app: &App,
    actor: &Actor,
    scope: Scope,
    open_only: bool,
    status: Option<Status>,
    limit: i64,
    offset: i64,
) -> Result<Listing> {
    let mut f =
        InstructionFilter { open_only, status: status.map(|s| s.as_str().into()), limit, offset, ..Default::default() };
    match scope {
        Scope::Mine => f.addressed_to = Some((actor.user.id.0, actor.user.unit_id.0)),
        Scope::Issued => f.issuer_id = Some(actor.user.id.0),
        Scope::All => {
            actor.authorize(app, Action::ViewInstructions, actor.jurisdiction(), ("instruction", "list")).await?;
            f.under = Some(actor.jurisdiction().0.clone());
        }
    }
    let (rows, total) = app.store.list_instructions(&f).await?;
    let now = app.clock.now();
    Ok(Listing { items: rows.into_iter().map(|r| Item::of(r, now)).collect(), total })
}

/// What the actor has to do about instructions: those to them still to acknowledge or
/// report on (nearest deadline first), then reports on those they issued waiting to be
/// closed; at most `limit`, and how many there are in all.
pub async fn to_act_on(app: &App, actor: &Actor, limit: i64) -> Result<(Vec<Item>, i64)> {
    let mine = InstructionFilter {
        addressed_to: Some((actor.user.id.0, actor.user.unit_id.0)),
        open_only: true,
        not_status: Some(Status::Reported.as_str().into()),
        limit,
        ..Default::default()
    };
    let to_close = InstructionFilter {
        issuer_id: Some(actor.user.id.0),
        status: Some(Status::Reported.as_str().into()),
        limit,
        ..Default::default()
    };
    let (mut rows, a) = app.store.list_instructions(&mine).await?;
    let (more, b) = app.store.list_instructions(&to_close).await?;
    rows.extend(more);
    rows.truncate(limit.max(0) as usize);
    let now = app.clock.now();
    Ok((rows.into_iter().map(|r| Item::of(r, now)).collect(), a + b))
}

/// The instructions about a matter the caller has loaded (and so may see), newest last.
pub async fn about_matter(app: &App, matter_id: i64) -> Result<Vec<Item>> {
    let f = InstructionFilter { matter_id: Some(matter_id), limit: 100, ..Default::default() };
    let (mut rows, _) = app.store.list_instructions(&f).await?;
    rows.sort_by_key(|r| r.id);
    let now = app.clock.now();
    Ok(rows.into_iter().map(|r| Item::of(r, now)).collect())
}

/// The steps of the instructions about a matter the caller has loaded, oldest first: the
/// instruction's code and title with each step.
pub async fn matter_timeline(app: &App, matter_id: i64) -> Result<Vec<(String, String, InstructionEventRow)>> {
    Ok(app.store.instruction_events_for_matter(matter_id).await?)
}

/// Escalate every instruction overdue at `now` and not escalated yet: the timeline and the
/// outbox name the recipient unit's leaders and the duty commander on duty now, and the
/// notice goes to the recipient again.
/// How many were escalated.
pub async fn escalate_overdue(app: &App, now: i64) -> Result<usize> {
    let mut n = 0;
    for r in app.store.instructions_to_escalate(now, 500).await? {
        let status = Status::parse(&r.status).unwrap_or(Status::Sent);
        if !rules::escalates(status, &deadlines(&r), now, r.escalated_at.is_some()) {
            continue;
        }
        // The unit's leaders, and the duty commander on duty now (the roster decides who
        // is told).
        let mut leaders = app.store.unit_leaders(&r.path, r.recipient_user_id).await?;
        for d in app.store.on_duty_over(&r.path, "duty_commander", now).await? {
            if !leaders.contains(&d) && r.recipient_username.as_deref() != Some(d.0.as_str()) {
                leaders.push(d);
            }
        }
        let names: Vec<&str> = leaders.iter().map(|l| l.1.as_str()).collect();
        let note = if names.is_empty() {
            "逾期未反馈，已重新下发".to_string()
        } else {
            format!("逾期未反馈，已报告{}并重新下发", names.join("、"))
        };
        let usernames: Vec<String> = leaders.into_iter().map(|l| l.0).collect();
        if app.store.escalate_instruction(&r.code, &usernames, &note, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Whether an account may be instructed at all (not one of the three administrators only).
pub fn instructable(roles: &[Role]) -> bool {
    roles.iter().any(|r| !r.requires_totp_by_default())
}

/// Whom the actor may instruct: the units of their jurisdiction (tree order) and its people
/// who take instructions (at most 500), for the form's choice.
pub async fn recipients(
    app: &App,
    actor: &Actor,
) -> Result<(Vec<fengqiao_store::org::Unit>, Vec<fengqiao_store::users::User>)> {
    actor.authorize(app, Action::IssueInstruction, actor.jurisdiction(), ("instruction", "new")).await?;
    let units = app.store.units_under(actor.jurisdiction(), None).await?;
    let f = fengqiao_store::users::UserFilter { role: None, text: None, limit: 500, offset: 0 };
    let (users, _) = app.store.users_under(actor.jurisdiction(), &f).await?;
    Ok((units, users.into_iter().filter(|u| !u.disabled && instructable(&u.roles)).collect()))
}
