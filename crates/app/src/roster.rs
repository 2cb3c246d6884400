//! Rosters and handovers (值班表, 交接班; issue 11 item 2). The command room's posts (its two
//! chiefs and five desks) have shift templates — hours, how many people — whose dated shifts
//! are filled by rotations over several weeks, changed one at a time and swapped; each
//! person's assignment moves from assigned to confirmed, done, no-show or swapped. Who is on
//! duty now is read from it. At the end of a duty commander's shift the handover sheet is
//! written from the data — open instructions, alerts nobody acknowledged, agreements waiting
//! for judicial confirmation with their deadline, cameras offline or at fault, matters due in
//! the next shift — and signed by the outgoing duty commander, then by the incoming one.
//!
//! Who: the roster is seen by the command room (`ViewRoster`) and made by its chiefs
//! (`ManageRoster`); a person confirms their own assignment and asks their own swaps; a
//! handover is prepared and signed by the people on its two shifts.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::instruction::{self as ins, Deadlines};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::roster::{self as rules, AssignmentState, Post};
use fengqiao_store::roster::NewTemplate;

pub use fengqiao_store::roster::{HandoverRow, RosterRow, TemplateRow};

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;
/// How far one rotation reaches: twelve weeks.
pub const ROTATION_DAYS_MAX: i64 = 84;
/// How many days one roster page shows at most.
pub const ROSTER_DAYS_MAX: i64 = 31;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// commander, duty_commander, dispatch, fusion, supervision, affairs or video.
    pub post: String,
    /// 2–30 characters.
    pub name: String,
    /// HH:MM, China time.
    pub start: String,
    /// How long, in minutes: 60–1440.
    pub duration_minutes: i64,
    pub min_people: i64,
    pub max_people: i64,
}

pub async fn create_template(app: &App, actor: &Actor, t: &TemplateIn) -> Result<i64> {
    actor.authorize(app, Action::ManageRoster, actor.jurisdiction(), ("shift_template", "new")).await?;
    let mut errors = vec![];
    let post = Post::parse(&t.post);
    if post.is_none() {
        let all: Vec<&str> = Post::ALL.iter().map(|p| p.as_str()).collect();
        errors.push(FieldError::new("post", format!("one of {}", all.join(", "))));
    }
    let name = t.name.trim();
    if !(2..=30).contains(&name.chars().count()) {
        errors.push(FieldError::new("name", "2–30 characters"));
    }
    let start = chrono::NaiveTime::parse_from_str(t.start.trim(), "%H:%M").ok();
    if start.is_none() {
        errors.push(FieldError::new("start", "HH:MM, China time"));
    }
    if !(60..=1440).contains(&t.duration_minutes) {
        errors.push(FieldError::new("duration_minutes", "60–1440 minutes"));
    }
    if !(1..=20).contains(&t.min_people) {
        errors.push(FieldError::new("min_people", "1–20"));
    }
    if !(1..=20).contains(&t.max_people) || t.max_people < t.min_people {
        errors.push(FieldError::new("max_people", "1–20, no fewer than min_people"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    use chrono::Timelike;
    let start = start.expect("checked");
    let n = NewTemplate {
        unit_id: actor.user.unit_id.0,
        path: actor.jurisdiction().0.clone(),
        post: post.expect("checked").as_str().into(),
        name: name.into(),
        start_minute: i64::from(start.hour() * 60 + start.minute()),
        duration_minutes: t.duration_minutes,
        min_people: t.min_people,
        max_people: t.max_people,
    };
    Ok(app.store.insert_shift_template(&actor.audit_ctx("roster"), &n, app.clock.now()).await?)
}

async fn template(app: &App, actor: &Actor, id: i64, action: Action) -> Result<TemplateRow> {
    let Some(t) = app.store.shift_template(id).await? else { return Err(Error::NotFound) };
    let path = UnitPath(t.path.clone());
    if !actor.can(Action::ViewRoster, &path) {
        return match actor.authorize(app, Action::ViewRoster, &path, ("shift_template", &id.to_string())).await {
            Ok(()) | Err(Error::Denied { .. }) => Err(Error::NotFound),
            Err(e) => Err(e),
        };
    }
    actor.authorize(app, action, &path, ("shift_template", &id.to_string())).await?;
    Ok(t)
}

/// A rotation: the template's shifts from a date for some days, `per_shift` people a shift,
/// taken in turn from the list.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationIn {
    pub template: i64,
    /// Usernames, in the order they take turns.
    pub people: Vec<String>,
    /// The first day, YYYY-MM-DD.
    pub from: String,
    /// 1–84.
    pub days: i64,
    /// People a shift (within the template's min and max; the min when absent).
    #[serde(default)]
    pub per_shift: Option<i64>,
}

/// Put people on a template's shifts by rotation; how many assignments were made (people
/// already on a shift are left as they are).
pub async fn rotate(app: &App, actor: &Actor, r: &RotationIn) -> Result<usize> {
    let t = template(app, actor, r.template, Action::ManageRoster).await?;
    let post = Post::parse(&t.post).unwrap_or(Post::Dispatch);
    let mut errors = vec![];
    let from = rules::day_start(&r.from);
    if from.is_none() {
        errors.push(FieldError::new("from", "a date, YYYY-MM-DD"));
    }
    if !(1..=ROTATION_DAYS_MAX).contains(&r.days) {
        errors.push(FieldError::new("days", format!("1–{ROTATION_DAYS_MAX}")));
    }
    let per_shift = r.per_shift.unwrap_or(t.min_people);
    if !(t.min_people..=t.max_people).contains(&per_shift) {
        errors.push(FieldError::new("per_shift", format!("{}–{} (the template's)", t.min_people, t.max_people)));
    }
    if r.people.is_empty() || r.people.len() > 50 {
        errors.push(FieldError::new("people", "1–50 usernames"));
    } else if (r.people.len() as i64) < per_shift {
        errors.push(FieldError::new("people", format!("at least {per_shift}, the people a shift")));
    }
    let mut ids = vec![];
    for (i, name) in r.people.iter().enumerate().take(50) {
        match app.store.user_by_username(name.trim()).await {
            Ok(u) if !u.disabled && actor.jurisdiction().covers(&u.unit_path) && !post.taken_by(&u.roles) => {
                errors.push(FieldError::new(format!("people[{i}]"), format!("\"{name}\" does not stand this post")))
            }
            Ok(u) if !u.disabled && actor.jurisdiction().covers(&u.unit_path) => {
                if ids.contains(&u.id.0) {
                    errors.push(FieldError::new(format!("people[{i}]"), format!("\"{name}\" is listed twice")));
                }
                ids.push(u.id.0);
            }
            Ok(_) | Err(fengqiao_store::StoreError::NotFound) => errors
                .push(FieldError::new(format!("people[{i}]"), format!("no account \"{name}\" of your jurisdiction"))),
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let from = from.expect("checked");
    let shifts: Vec<(i64, i64, Vec<i64>)> = (0..r.days as usize)
        .map(|d| {
            let (s, e) = rules::shift_times(from + d as i64 * DAY, t.start_minute, t.duration_minutes);
            (s, e, rules::rotation(ids.len(), per_shift as usize, d).into_iter().map(|k| ids[k]).collect())
        })
        .collect();
    Ok(app.store.roster_shifts(&actor.audit_ctx("roster rotation"), &t, &shifts, app.clock.now()).await?)
}

/// The roster of some days: the templates, and every shift with the people on it.
#[derive(Debug, Clone)]
pub struct Roster {
    pub from: i64,
    pub days: i64,
    pub templates: Vec<TemplateRow>,
    pub rows: Vec<RosterRow>,
    pub on_duty: Vec<RosterRow>,
    pub may_manage: bool,
}

pub async fn roster(app: &App, actor: &Actor, from: Option<&str>, days: i64) -> Result<Roster> {
    actor.authorize(app, Action::ViewRoster, actor.jurisdiction(), ("roster", "view")).await?;
    let now = app.clock.now();
    let path = &actor.jurisdiction().0;
    let on_duty = app.store.on_duty(path, now).await?;
    let from = match from.map(str::trim).filter(|f| !f.is_empty()) {
        // From the day the earliest shift now under way began (a night's shift began
        // yesterday), else today.
        None => rules::day_of(on_duty.iter().map(|r| r.starts_at).min().unwrap_or(now)),
        Some(f) => rules::day_start(f).ok_or_else(|| Error::field("from", "a date, YYYY-MM-DD"))?,
    };
    if !(1..=ROSTER_DAYS_MAX).contains(&days) {
        return Err(Error::field("days", format!("1–{ROSTER_DAYS_MAX}")));
    }
    Ok(Roster {
        from,
        days,
        templates: app.store.shift_templates(path).await?,
        rows: app.store.roster(path, from, from + days * DAY).await?,
        on_duty,
        may_manage: actor.can(Action::ManageRoster, actor.jurisdiction()),
    })
}

/// Who is on duty now in the actor's jurisdiction.
pub async fn on_duty(app: &App, actor: &Actor) -> Result<Vec<RosterRow>> {
    actor.authorize(app, Action::ViewRoster, actor.jurisdiction(), ("roster", "on_duty")).await?;
    Ok(app.store.on_duty(&actor.jurisdiction().0, app.clock.now()).await?)
}

async fn assignment(app: &App, actor: &Actor, id: i64) -> Result<(RosterRow, AssignmentState)> {
    let Some(a) = app.store.shift_assignment(id).await? else { return Err(Error::NotFound) };
    let path = UnitPath(a.path.clone());
    let own = a.user_id == Some(actor.user.id.0);
    if !own && !actor.can(Action::ViewRoster, &path) {
        return match actor.authorize(app, Action::ViewRoster, &path, ("shift_assignment", &id.to_string())).await {
            Ok(()) | Err(Error::Denied { .. }) => Err(Error::NotFound),
            Err(e) => Err(e),
        };
    }
    let state = a.state.as_deref().and_then(AssignmentState::parse).unwrap_or(AssignmentState::Assigned);
    Ok((a, state))
}

/// Move an assignment: its person confirms it; the roster's makers also mark it done or
/// no-show (attendance).
pub async fn set_state(app: &App, actor: &Actor, id: i64, state: &str, note: &str) -> Result<()> {
    let (a, from) = assignment(app, actor, id).await?;
    let own = a.user_id == Some(actor.user.id.0);
    let manager = actor.can(Action::ManageRoster, &UnitPath(a.path.clone()));
    if !manager && !own {
        return Err(actor
            .refuse(
                app,
                "roster",
                ("shift_assignment", &id.to_string()),
                "only the roster's makers record attendance; you may confirm your own shifts",
            )
            .await);
    }
    let Some(to) = AssignmentState::parse(state).filter(|s| *s != AssignmentState::Swapped) else {
        return Err(Error::field("state", "confirmed, done or no_show (a swap names who takes the shift)"));
    };
    // A shift is confirmed by its person; attendance is recorded by the roster's makers.
    if to == AssignmentState::Confirmed && !own {
        return Err(actor
            .refuse(app, "roster", ("shift_assignment", &id.to_string()), "only the person on the shift confirms it")
            .await);
    }
    if to != AssignmentState::Confirmed && !manager {
        return Err(actor
            .refuse(app, "roster", ("shift_assignment", &id.to_string()), "only the roster's makers record attendance")
            .await);
    }
    if note.chars().count() > 200 {
        return Err(Error::field("note", "at most 200 characters"));
    }
    if !from.may_become(to) {
        return Err(Error::Conflict {
            field: Some("state".into()),
            message: format!("a shift {} cannot become {}", from.as_str(), to.as_str()),
        });
    }
    let ctx = actor.audit_ctx("roster attendance");
    Ok(app.store.set_assignment_state(&ctx, id, from.as_str(), to.as_str(), note.trim(), app.clock.now()).await?)
}

/// Swap a shift to someone else (its person, or the roster's makers); the new assignment.
pub async fn swap(app: &App, actor: &Actor, id: i64, with: &str) -> Result<i64> {
    let (a, from) = assignment(app, actor, id).await?;
    let own = a.user_id == Some(actor.user.id.0);
    if !own && !actor.can(Action::ManageRoster, &UnitPath(a.path.clone())) {
        return Err(actor
            .refuse(
                app,
                "roster",
                ("shift_assignment", &id.to_string()),
                "only the shift's person or the roster's makers swap it",
            )
            .await);
    }
    let other = match app.store.user_by_username(with.trim()).await {
        Ok(u)
            if !u.disabled
                && UnitPath(a.path.clone()).covers(&u.unit_path)
                && Some(u.id.0) != a.user_id
                && Post::parse(&a.post).is_some_and(|p| p.taken_by(&u.roles)) =>
        {
            u
        }
        Ok(_) | Err(fengqiao_store::StoreError::NotFound) => {
            return Err(Error::field(
                "with",
                format!("no other account \"{}\" of the roster's unit that stands this post", with.trim()),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if !from.may_become(AssignmentState::Swapped) {
        return Err(Error::Conflict {
            field: Some("state".into()),
            message: format!("a shift {} cannot be swapped", from.as_str()),
        });
    }
    let ctx = actor.audit_ctx("roster swap");
    match app.store.swap_assignment(&ctx, id, from.as_str(), other.id.0, app.clock.now()).await {
        Err(fengqiao_store::StoreError::Conflict { constraint }) if constraint == "shift_assignments_taken" => {
            Err(Error::field("with", format!("\"{}\" is already on this shift", with.trim())))
        }
        other => Ok(other?),
    }
}

/// A handover sheet: what the data says at the end of a duty commander's shift.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    pub generated_at: i64,
    pub shift_starts: i64,
    pub shift_ends: i64,
    pub instructions: Vec<SheetInstruction>,
    pub alerts: Vec<SheetAlert>,
    pub on_hold: Vec<SheetHold>,
    pub cameras: Vec<SheetCamera>,
    pub due_next: Vec<SheetMatter>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SheetInstruction {
    pub code: String,
    pub title: String,
    pub recipient: String,
    pub status: String,
    pub colour: String,
    pub report_due_at: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SheetAlert {
    pub matter: String,
    pub level: String,
    pub score: i64,
    pub grid: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SheetHold {
    pub matter: String,
    pub agreement: String,
    pub due_at: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SheetCamera {
    pub device_id: String,
    pub name: String,
    pub status: String,
    pub grid: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SheetMatter {
    pub code: String,
    pub kind: String,
    pub grid: String,
    pub due_at: i64,
}

const SHEET_MAX: i64 = 200;

/// The handover sheet of a shift under `path`: what the data says at `now` (the matters due
/// before `next_end`, the next shift's end).
pub async fn sheet(app: &App, path: &str, shift: (i64, i64), next_end: i64, now: i64) -> Result<Sheet> {
    let f = fengqiao_store::instructions::InstructionFilter {
        under: Some(path.to_string()),
        open_only: true,
        limit: SHEET_MAX,
        ..Default::default()
    };
    let instructions = app
        .store
        .list_instructions(&f)
        .await?
        .0
        .into_iter()
        .map(|r| {
            let status = ins::Status::parse(&r.status).unwrap_or(ins::Status::Sent);
            let d = Deadlines { issued_at: r.issued_at, ack_due: r.ack_due_at, report_due: r.report_due_at };
            SheetInstruction {
                colour: ins::colour(status, &d, now).as_str().into(),
                recipient: r.recipient_name.clone().unwrap_or_else(|| r.recipient_unit_name.clone()),
                code: r.code,
                title: r.title,
                status: r.status,
                report_due_at: r.report_due_at,
            }
        })
        .collect();
    let alerts = app
        .store
        .alerts_under(path, false, SHEET_MAX)
        .await?
        .into_iter()
        .map(|a| SheetAlert {
            matter: a.matter_code,
            level: a.level,
            score: a.score,
            grid: a.grid_name,
            created_at: a.created_at,
        })
        .collect();
    let on_hold = app
        .store
        .awaiting_confirmation(path, now, SHEET_MAX)
        .await?
        .into_iter()
        .map(|(matter, agreement, due_at)| SheetHold { matter, agreement, due_at })
        .collect();
    let mut cameras = vec![];
    for status in ["fault", "offline"] {
        let f = fengqiao_store::video::CameraFilter {
            under: path.to_string(),
            status: Some(status.into()),
            limit: SHEET_MAX,
            ..Default::default()
        };
        cameras.extend(app.store.cameras(&f).await?.0.into_iter().map(|c| SheetCamera {
            device_id: c.device_id,
            name: c.name,
            status: c.status,
            grid: c.grid_name,
        }));
    }
    let due_next = app
        .store
        .matters_due_before(path, next_end, SHEET_MAX)
        .await?
        .into_iter()
        .map(|(code, kind, grid, due_at)| SheetMatter { code, kind, grid, due_at })
        .collect();
    Ok(Sheet {
        generated_at: now,
        shift_starts: shift.0,
        shift_ends: shift.1,
        instructions,
        alerts,
        on_hold,
        cameras,
        due_next,
    })
}

/// Prepare (or, until it is signed, write again) the handover sheet of the duty
/// commander's shift now under way; its id. The outgoing duty commander does it (or a chief
/// of the roster on their behalf).
pub async fn prepare_handover(app: &App, actor: &Actor, note: &str) -> Result<i64> {
    actor.authorize(app, Action::ViewRoster, actor.jurisdiction(), ("handover", "new")).await?;
    if note.chars().count() > 1000 {
        return Err(Error::field("note", "at most 1000 characters"));
    }
    let now = app.clock.now();
    let manager = actor.can(Action::ManageRoster, actor.jurisdiction());
    // The duty commander's shift under way that the actor is on (or, for a chief, the
    // latest one under way in their jurisdiction).
    let mut chosen = None;
    for s in app.store.shifts_under_way(&actor.jurisdiction().0, Post::DutyCommander.as_str(), now).await? {
        if app.store.shift_people(s.0).await?.iter().any(|(id, _)| *id == actor.user.id.0) {
            chosen = Some(s);
            break;
        }
        if manager && chosen.is_none() {
            chosen = Some(s);
        }
    }
    let Some((shift, starts, ends, template, path)) = chosen else {
        return Err(if manager {
            Error::Conflict { field: None, message: "no duty commander's shift is under way".into() }
        } else {
            let why = "the duty commander on the shift prepares its handover";
            actor.refuse(app, "handover", ("handover", "new"), why).await
        });
    };
    // The next shift of the same roster; the sheet covers that roster's unit.
    let next = app.store.next_shift(template, ends).await?;
    let sheet = sheet(app, &path, (starts, ends), next.map_or(ends + DAY, |n| n.2), now).await?;
    let json = serde_json::to_string(&sheet).map_err(|e| Error::Internal(e.into()))?;
    let ctx = actor.audit_ctx("handover");
    match app
        .store
        .prepare_handover(&ctx, shift, next.map(|n| n.0), &path, &json, note.trim(), actor.user.id.0, now)
        .await
    {
        Err(fengqiao_store::StoreError::Conflict { constraint }) if constraint == "handover_signed" => {
            Err(Error::Conflict { field: None, message: "this shift's handover is signed already".into() })
        }
        Err(fengqiao_store::StoreError::Conflict { .. }) => {
            Err(Error::Conflict { field: None, message: "prepared meanwhile; open the roster again".into() })
        }
        other => Ok(other?),
    }
}

/// A handover as its page shows it.
#[derive(Debug, Clone)]
pub struct HandoverView {
    pub row: HandoverRow,
    pub sheet: Sheet,
    /// The viewer is on the outgoing shift and it is not signed yet.
    pub may_sign_out: bool,
    /// The viewer is on the incoming shift, the outgoing side has signed, the incoming not.
    pub may_sign_in: bool,
    /// The viewer is on the outgoing or the incoming shift.
    pub signer: bool,
}

pub async fn handover(app: &App, actor: &Actor, id: i64) -> Result<HandoverView> {
    let Some(row) = app.store.handover(id).await? else { return Err(Error::NotFound) };
    let path = UnitPath(row.path.clone());
    if !actor.can(Action::ViewRoster, &path) {
        return match actor.authorize(app, Action::ViewRoster, &path, ("handover", &id.to_string())).await {
            Ok(()) | Err(Error::Denied { .. }) => Err(Error::NotFound),
            Err(e) => Err(e),
        };
    }
    let sheet: Sheet = serde_json::from_str(&row.sheet).map_err(|e| Error::Internal(e.into()))?;
    let me = actor.user.id.0;
    let out = app.store.shift_people(row.shift_id).await?.iter().any(|(id, _)| *id == me);
    let inc = match row.next_shift_id {
        Some(n) => app.store.shift_people(n).await?.iter().any(|(id, _)| *id == me),
        None => false,
    };
    Ok(HandoverView {
        may_sign_out: out && row.outgoing_signed_at.is_none(),
        may_sign_in: inc && row.outgoing_signed_at.is_some() && row.incoming_signed_at.is_none(),
        signer: out || inc,
        row,
        sheet,
    })
}

/// Sign a handover: as the outgoing duty commander, then as the incoming one.
pub async fn sign(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let v = handover(app, actor, id).await?;
    if !Post::DutyCommander.taken_by(actor.roles()) {
        return Err(actor
            .refuse(app, "handover", ("handover", &id.to_string()), "duty commanders sign handovers")
            .await);
    }
    let incoming = match (v.may_sign_out, v.may_sign_in) {
        (true, _) => false,
        (false, true) => true,
        _ if !v.signer => {
            let why = "the duty commanders of the two shifts sign the handover";
            return Err(actor.refuse(app, "handover", ("handover", &id.to_string()), why).await);
        }
        _ if v.row.outgoing_signed_at.is_none() => {
            return Err(Error::Conflict { field: None, message: "the outgoing duty commander signs first".into() });
        }
        _ => return Err(Error::Conflict { field: None, message: "signed already".into() }),
    };
    let ctx = actor.audit_ctx("handover signature");
    match app.store.sign_handover(&ctx, id, actor.user.id.0, incoming, app.clock.now()).await {
        Err(fengqiao_store::StoreError::Conflict { .. }) => Err(Error::Conflict {
            field: None,
            message: "signed meanwhile, or by the same person on both sides; reload the sheet".into(),
        }),
        other => Ok(other?),
    }
}

/// The latest handovers of the jurisdiction.
pub async fn handovers(app: &App, actor: &Actor) -> Result<Vec<HandoverRow>> {
    actor.authorize(app, Action::ViewRoster, actor.jurisdiction(), ("handover", "list")).await?;
    Ok(app.store.handovers(&actor.jurisdiction().0, 20).await?)
}
