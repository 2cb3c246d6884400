//! Video patrol (视频巡查, issue 11 item 6): the camera registry of the jurisdiction, its
//! coverage (was every key camera looked at in time?), patrol plans, rounds walked camera by
//! camera, repair tasks for cameras at fault, and a matter raised with one step from a look
//! that saw something. No video passes through Fengqiao; a camera's stream address is for the
//! operator's own viewer.
//!
//! Who: anyone who may view cameras sees those of their jurisdiction (community police their
//! area's, the command room all); the video desk (and the command room) imports cameras,
//! plans and walks rounds, and closes repairs. A camera out of the viewer's sight reads as
//! one that does not exist.

pub mod import;

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::video::{self as rules, CameraCategory, CameraStatus, Finding, Tier};
use fengqiao_store::video::{CameraFilter, NewEntry, NewPlan};

pub use fengqiao_store::video::{CameraCounts, CameraRow, EntryRow, PlanRow, RepairRow, RoundRow};

/// How many rows one list returns at most.
pub const LIMIT_MAX: i64 = 500;
/// How many cameras one plan's round shows at most.
pub const ROUND_CAMERAS_MAX: i64 = 2_000;

/// A unit of the viewer's jurisdiction named by code (or the whole jurisdiction): its path.
async fn area(app: &App, actor: &Actor, unit: Option<&str>, action: Action) -> Result<UnitPath> {
    actor.authorize(app, action, actor.jurisdiction(), ("cameras", "view")).await?;
    let Some(code) = unit.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(actor.jurisdiction().clone());
    };
    let u = match app.store.unit_by_code(code).await {
        Ok(u) => u,
        Err(fengqiao_store::StoreError::NotFound) => return Err(Error::field("unit", format!("no unit \"{code}\""))),
        Err(e) => return Err(e.into()),
    };
    if !actor.can(action, &u.path) {
        return Err(Error::field("unit", "outside your jurisdiction"));
    }
    Ok(u.path)
}

/// What an object out of the actor's sight reads as: absent (the refusal is audited).
async fn hidden(app: &App, actor: &Actor, path: &UnitPath, object: (&str, &str)) -> Error {
    match actor.authorize(app, Action::ViewCameras, path, object).await {
        Ok(()) | Err(Error::Denied { .. }) => Error::NotFound,
        Err(e) => e,
    }
}

/// A camera's stream address (which may carry the recorder's credentials) is for those who
/// patrol it: anyone else sees the camera without it.
fn redact(actor: &Actor, mut c: CameraRow) -> CameraRow {
    if !actor.can(Action::PatrolCameras, &UnitPath(c.path.clone())) {
        c.stream_url.clear();
    }
    c
}

/// A camera the actor may see (for `action`); one they may not reads as absent.
async fn load(app: &App, actor: &Actor, device_id: &str, action: Action) -> Result<CameraRow> {
    // Exactly as given: a device ID with stray characters is no device (and never reaches
    // a redirect's Location).
    let Some(c) = app.store.camera(device_id).await? else { return Err(Error::NotFound) };
    if !actor.can(Action::ViewCameras, &UnitPath(c.path.clone())) {
        return Err(hidden(app, actor, &UnitPath(c.path.clone()), ("camera", &c.device_id)).await);
    }
    actor.authorize(app, action, &UnitPath(c.path.clone()), ("camera", &c.device_id)).await?;
    Ok(c)
}

/// Which cameras to list.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CameraQuery {
    /// A unit of the jurisdiction (code); all of it when absent.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Only online cameras whose look is overdue.
    #[serde(default)]
    pub overdue: bool,
    /// In the name or the device ID.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

fn choice<T>(
    field: &str,
    v: &Option<String>,
    parse: fn(&str) -> Option<T>,
    code: fn(T) -> &'static str,
    all: &[T],
    errors: &mut Vec<FieldError>,
) -> Option<String>
where
    T: Copy,
{
    let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    match parse(v) {
        Some(x) => Some(code(x).to_string()),
        None => {
            let codes: Vec<&str> = all.iter().map(|x| code(*x)).collect();
            errors.push(FieldError::new(field, format!("one of {}", codes.join(", "))));
            None
        }
    }
}

/// Cameras of the jurisdiction matching the query, and how many match in all.
pub async fn cameras(app: &App, actor: &Actor, q: &CameraQuery) -> Result<(Vec<CameraRow>, i64)> {
    actor.authorize(app, Action::ViewCameras, actor.jurisdiction(), ("cameras", "list")).await?;
    let mut errors = vec![];
    let category = choice(
        "category",
        &q.category,
        CameraCategory::parse,
        CameraCategory::as_str,
        CameraCategory::ALL,
        &mut errors,
    );
    let tier = choice("tier", &q.tier, Tier::parse, Tier::as_str, Tier::ALL, &mut errors);
    let status = choice("status", &q.status, CameraStatus::parse, CameraStatus::as_str, CameraStatus::ALL, &mut errors);
    let limit = q.limit.unwrap_or(100);
    if !(1..=LIMIT_MAX).contains(&limit) {
        errors.push(FieldError::new("limit", format!("1–{LIMIT_MAX}")));
    }
    let offset = q.offset.unwrap_or(0);
    if !(0..=crate::OFFSET_MAX).contains(&offset) {
        errors.push(FieldError::new("offset", format!("0–{}", crate::OFFSET_MAX)));
    }
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > 60) {
        errors.push(FieldError::new("q", "at most 60 characters"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let under = area(app, actor, q.unit.as_deref(), Action::ViewCameras).await?;
    let f = CameraFilter {
        under: under.0,
        category,
        tier,
        status,
        overdue_at: q.overdue.then(|| app.clock.now()),
        text: text.map(String::from),
        limit,
        offset,
        categories: vec![],
    };
    let (rows, total) = app.store.cameras(&f).await?;
    Ok((rows.into_iter().map(|c| redact(actor, c)).collect(), total))
}

/// One camera as its page shows it.
#[derive(Debug, Clone)]
pub struct CameraView {
    pub camera: CameraRow,
    pub entries: Vec<EntryRow>,
    pub repairs: Vec<RepairRow>,
    /// The viewer may log a look, report its status, close its repairs.
    pub may_patrol: bool,
}

pub async fn camera(app: &App, actor: &Actor, device_id: &str) -> Result<CameraView> {
    let camera = redact(actor, load(app, actor, device_id, Action::ViewCameras).await?);
    let entries = app.store.camera_entries(camera.id, 50).await?;
    let repairs = app.store.camera_repairs(camera.id).await?;
    let may_patrol = actor.can(Action::PatrolCameras, &UnitPath(camera.path.clone()));
    Ok(CameraView { camera, entries, repairs, may_patrol })
}

/// Report a camera's status (online, offline, fault), as the video platform or the operator
/// sees it; whether it changed.
pub async fn set_status(app: &App, actor: &Actor, device_id: &str, status: &str) -> Result<bool> {
    let c = load(app, actor, device_id, Action::PatrolCameras).await?;
    let Some(s) = CameraStatus::parse(status) else {
        return Err(Error::field("status", "online, offline or fault"));
    };
    Ok(app.store.set_camera_status(&actor.audit_ctx("camera status"), c.id, s.as_str(), app.clock.now()).await?)
}

/// What the video patrol page shows: counts and coverage, the most overdue key cameras, open
/// repairs, the plans and the viewer's open rounds.
#[derive(Debug, Clone)]
pub struct Summary {
    pub counts: CameraCounts,
    pub coverage: rules::Coverage,
    pub overdue: Vec<CameraRow>,
    pub overdue_total: i64,
    pub repairs: Vec<RepairRow>,
    pub plans: Vec<PlanRow>,
    pub my_rounds: Vec<RoundRow>,
    pub recent_rounds: Vec<RoundRow>,
    pub may_patrol: bool,
}

/// The state of the video patrol over the jurisdiction (or one unit of it).
pub async fn summary(app: &App, actor: &Actor, unit: Option<&str>) -> Result<Summary> {
    let under = area(app, actor, unit, Action::ViewCameras).await?;
    let now = app.clock.now();
    let counts = app.store.camera_counts(&under.0, now).await?;
    let f = CameraFilter {
        under: under.0.clone(),
        tier: Some("key".into()),
        overdue_at: Some(now),
        limit: 20,
        ..Default::default()
    };
    let (overdue, overdue_total) = app.store.cameras(&f).await?;
    let repairs = app.store.repairs(&under.0, true, 20, 0).await?;
    let plans = app.store.patrol_plans(&under.0).await?;
    let my_rounds = app.store.patrol_rounds(&under.0, Some(actor.user.id.0), true, 20).await?;
    let recent_rounds = app.store.patrol_rounds(&under.0, None, false, 10).await?;
    Ok(Summary {
        coverage: rules::Coverage { key_online: counts.key_online, key_covered: counts.key_covered },
        counts,
        overdue,
        overdue_total,
        repairs,
        plans,
        my_rounds,
        recent_rounds,
        may_patrol: actor.can(Action::PatrolCameras, &under),
    })
}

/// A patrol plan: which cameras (a unit's, of a tier, of some categories), how often, by whom.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    /// 2–40 characters.
    pub name: String,
    /// The unit whose cameras it covers (code); the whole jurisdiction when empty.
    #[serde(default)]
    pub unit: String,
    /// `key`, `ordinary`, or empty for both.
    #[serde(default)]
    pub tier: String,
    /// Category codes; empty for all.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Minutes between rounds (15–1440).
    pub interval_minutes: i64,
    /// Who walks it (a username); anyone of the video desk when empty.
    #[serde(default)]
    pub assignee: String,
}

pub async fn create_plan(app: &App, actor: &Actor, p: &PlanIn) -> Result<i64> {
    let mut errors = vec![];
    let name = p.name.trim();
    if !(2..=40).contains(&name.chars().count()) {
        errors.push(FieldError::new("name", "2–40 characters"));
    }
    let tier = match p.tier.trim() {
        "" => String::new(),
        t => match Tier::parse(t) {
            Some(t) => t.as_str().to_string(),
            None => {
                errors.push(FieldError::new("tier", "key, ordinary or empty for both"));
                String::new()
            }
        },
    };
    let mut categories = vec![];
    for c in p.categories.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match CameraCategory::parse(c) {
            Some(c) if !categories.contains(&c.as_str()) => categories.push(c.as_str()),
            Some(_) => {}
            None => {
                let all: Vec<&str> = CameraCategory::ALL.iter().map(|c| c.as_str()).collect();
                errors.push(FieldError::new("categories", format!("\"{c}\" is not one of {}", all.join(", "))));
                break;
            }
        }
    }
    if !(15..=1440).contains(&p.interval_minutes) {
        errors.push(FieldError::new("interval_minutes", "15–1440 minutes"));
    }
    let assignee = match p.assignee.trim() {
        "" => None,
        a => match app.store.user_by_username(a).await {
            Ok(u) if !u.disabled && fengqiao_domain::policy::may(&u.roles, Action::PatrolCameras) => Some(u),
            Ok(_) => {
                errors.push(FieldError::new("assignee", format!("\"{a}\" does not walk video patrols")));
                None
            }
            Err(fengqiao_store::StoreError::NotFound) => {
                errors.push(FieldError::new("assignee", format!("no account \"{a}\"")));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let unit = match p.unit.trim() {
        "" => None,
        code => match app.store.unit_by_code(code).await {
            Ok(u) if actor.can(Action::PatrolCameras, &u.path) => Some(u),
            Ok(_) => {
                errors.push(FieldError::new("unit", "outside your jurisdiction"));
                None
            }
            Err(fengqiao_store::StoreError::NotFound) => {
                errors.push(FieldError::new("unit", format!("no unit \"{code}\"")));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    actor.authorize(app, Action::PatrolCameras, actor.jurisdiction(), ("patrol_plan", "new")).await?;
    if let Some(a) = &assignee
        && !a.unit_path.covers(&unit.as_ref().map(|u| u.path.clone()).unwrap_or_else(|| actor.jurisdiction().clone()))
        && !actor.jurisdiction().covers(&a.unit_path)
    {
        errors.push(FieldError::new("assignee", "outside your jurisdiction"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (unit_id, path) = match unit {
        Some(u) => (u.id.0, u.path.0),
        None => (actor.user.unit_id.0, actor.jurisdiction().0.clone()),
    };
    let plan = NewPlan {
        name: name.to_string(),
        unit_id,
        path,
        tier,
        categories: categories.join(","),
        interval_minutes: p.interval_minutes,
        assignee_id: assignee.map(|a| a.id.0),
        created_by: actor.user.id.0,
        now: app.clock.now(),
    };
    Ok(app.store.insert_patrol_plan(&actor.audit_ctx("patrol plan"), &plan).await?)
}

/// One plan the actor may see.
pub async fn plan(app: &App, actor: &Actor, id: i64) -> Result<PlanRow> {
    load_plan(app, actor, id, Action::ViewCameras).await
}

async fn load_plan(app: &App, actor: &Actor, id: i64, action: Action) -> Result<PlanRow> {
    let Some(p) = app.store.patrol_plan(id).await? else { return Err(Error::NotFound) };
    let path = UnitPath(p.path.clone());
    if !actor.can(Action::ViewCameras, &path) {
        return Err(hidden(app, actor, &path, ("patrol_plan", &id.to_string())).await);
    }
    actor.authorize(app, action, &path, ("patrol_plan", &id.to_string())).await?;
    Ok(p)
}

/// Start a round of a plan (or go on with the actor's own open round of it); its id.
pub async fn start_round(app: &App, actor: &Actor, plan_id: i64) -> Result<i64> {
    let plan = load_plan(app, actor, plan_id, Action::PatrolCameras).await?;
    let open = app.store.patrol_rounds(&plan.path, Some(actor.user.id.0), true, 50).await?;
    if let Some(r) = open.iter().find(|r| r.plan_id == plan.id) {
        return Ok(r.id);
    }
    Ok(app
        .store
        .start_patrol_round(&actor.audit_ctx("patrol round"), plan.id, actor.user.id.0, &plan.path, app.clock.now())
        .await?)
}

/// One round as its page shows it: the plan's cameras, those still to look at first (most
/// overdue first), each with its look in this round if any.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub round: RoundRow,
    pub plan: PlanRow,
    pub cameras: Vec<(CameraRow, Option<EntryRow>)>,
    /// The viewer walks this round (it is theirs and open).
    pub mine: bool,
}

/// The cameras a plan covers.
async fn plan_cameras(app: &App, plan: &PlanRow) -> Result<Vec<CameraRow>> {
    let f = CameraFilter {
        under: plan.path.clone(),
        tier: Some(plan.tier.clone()).filter(|t| !t.is_empty()),
        limit: ROUND_CAMERAS_MAX,
        ..Default::default()
    };
    let f = CameraFilter {
        categories: plan.categories.split(',').filter(|c| !c.is_empty()).map(String::from).collect(),
        ..f
    };
    Ok(app.store.cameras(&f).await?.0)
}

pub async fn round(app: &App, actor: &Actor, id: i64) -> Result<RoundView> {
    let Some(round) = app.store.patrol_round(id).await? else { return Err(Error::NotFound) };
    let path = UnitPath(round.path.clone());
    if round.username != actor.user.username && !actor.can(Action::ViewCameras, &path) {
        return Err(hidden(app, actor, &path, ("patrol_round", &id.to_string())).await);
    }
    let Some(plan) = app.store.patrol_plan(round.plan_id).await? else { return Err(Error::NotFound) };
    let entries = app.store.round_entries(round.id).await?;
    let mut cameras: Vec<(CameraRow, Option<EntryRow>)> = plan_cameras(app, &plan)
        .await?
        .into_iter()
        .map(|c| {
            let e = entries.iter().rev().find(|e| e.device_id == c.device_id).cloned();
            (redact(actor, c), e)
        })
        .collect();
    // Still to look at first, most overdue first; then those looked at, in order.
    cameras.sort_by_key(|(c, e)| (e.is_some(), e.as_ref().map_or(c.due_at, |e| e.at)));
    let mine = round.username == actor.user.username && round.finished_at.is_none();
    Ok(RoundView { round, plan, cameras, mine })
}

pub async fn finish_round(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let Some(round) = app.store.patrol_round(id).await? else { return Err(Error::NotFound) };
    if round.username != actor.user.username {
        return Err(Error::NotFound);
    }
    Ok(app.store.finish_patrol_round(&actor.audit_ctx("patrol round"), id, app.clock.now()).await?)
}

/// A look at a camera.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookIn {
    /// The round it belongs to (the actor's own, open); none for a look outside a round.
    #[serde(default)]
    pub round: Option<i64>,
    pub device_id: String,
    /// fine, no_picture, blurred, moved or seen.
    pub finding: String,
    /// What was seen (required when something was), or a remark (at most 500 characters).
    #[serde(default)]
    pub note: String,
}

/// What a look did: its entry, and the repair task it opened or joined.
#[derive(Debug, Clone, Copy)]
pub struct Looked {
    pub entry_id: i64,
    pub repair_id: Option<i64>,
}

/// Log a look at a camera.
pub async fn look(app: &App, actor: &Actor, l: &LookIn) -> Result<Looked> {
    if l.device_id.trim().is_empty() {
        return Err(Error::field("device_id", "the camera's device ID"));
    }
    // Who may look at this camera is settled before what they say of it.
    let camera = load(app, actor, &l.device_id, Action::PatrolCameras).await?;
    let mut errors = vec![];
    let finding = Finding::parse(&l.finding);
    if finding.is_none() {
        errors.push(FieldError::new("finding", "fine, no_picture, blurred, moved or seen"));
    }
    let note = l.note.trim();
    if note.chars().count() > 500 {
        errors.push(FieldError::new("note", "at most 500 characters"));
    } else if finding == Some(Finding::Seen) && note.chars().count() < 4 {
        errors.push(FieldError::new("note", "say what was seen (4–500 characters)"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if let Some(r) = l.round {
        match app.store.patrol_round(r).await? {
            Some(round) if round.username == actor.user.username && round.finished_at.is_none() => {
                let plan = app.store.patrol_plan(round.plan_id).await?.ok_or(Error::NotFound)?;
                let in_plan = UnitPath(plan.path.clone()).covers(&UnitPath(camera.path.clone()))
                    && (plan.tier.is_empty() || plan.tier == camera.tier)
                    && (plan.categories.is_empty() || plan.categories.split(',').any(|c| c == camera.category));
                if !in_plan {
                    return Err(Error::field("device_id", "this camera is not in the round's plan"));
                }
            }
            Some(round) if round.username == actor.user.username => {
                return Err(Error::field("round", "the round is already finished"));
            }
            _ => return Err(Error::field("round", format!("no open round {r} of yours"))),
        }
    }
    let finding = finding.expect("checked");
    let entry = NewEntry {
        round_id: l.round,
        camera_id: camera.id,
        user_id: actor.user.id.0,
        finding: finding.as_str().to_string(),
        fault: finding.is_fault(),
        note: note.to_string(),
        now: app.clock.now(),
    };
    let (entry_id, repair_id) = app.store.record_entry(&actor.audit_ctx("video patrol"), &entry).await?;
    Ok(Looked { entry_id, repair_id })
}

/// Raise a matter from a look that saw something: routed to the camera's grid, its source
/// the video patrol, its narrative what was seen; the look then names it. Its code.
pub async fn raise_matter(app: &App, actor: &Actor, entry_id: i64, kind: &str) -> Result<String> {
    let Some(e) = app.store.patrol_entry(entry_id).await? else { return Err(Error::NotFound) };
    let camera = load(app, actor, &e.device_id, Action::PatrolCameras).await?;
    if e.finding != Finding::Seen.as_str() {
        return Err(Error::field("entry", "only a look that saw something raises a matter"));
    }
    if let Some(code) = &e.matter_code {
        return Err(Error::Conflict {
            field: Some("entry".into()),
            message: format!("matter {code} was already raised from this look"),
        });
    }
    let kind = match kind.trim() {
        "" => "incident",
        k => k,
    };
    let s = crate::intake::Submission {
        kind: kind.to_string(),
        category: None,
        priority: None,
        difficulty: None,
        five_small: None,
        narrative: format!("视频巡查发现（{}，{}）：{}", camera.name, camera.device_id, e.note),
        lat: Some(camera.lat),
        lon: Some(camera.lon),
        household_code: None,
        address: None,
        reporter_name: None,
        reporter_phone: None,
    };
    // One matter per look: claimed first, so a second click (or node) raises nothing.
    if !app.store.claim_entry(entry_id, app.clock.now()).await? {
        return Err(Error::Conflict {
            field: Some("entry".into()),
            message: "a matter is being raised from this look".into(),
        });
    }
    let code = match crate::intake::submit(app, actor, &s, fengqiao_domain::matter::Source::VideoPatrol).await {
        Ok(code) => code,
        Err(e) => {
            app.store.release_entry(entry_id).await?;
            return Err(e);
        }
    };
    app.store.link_entry_matter(entry_id, &code).await?;
    Ok(code)
}

/// Repair tasks of the jurisdiction: open ones (oldest first), or all.
pub async fn repairs(app: &App, actor: &Actor, open_only: bool, limit: i64, offset: i64) -> Result<Vec<RepairRow>> {
    actor.authorize(app, Action::ViewCameras, actor.jurisdiction(), ("camera_repairs", "list")).await?;
    if !(1..=LIMIT_MAX).contains(&limit) {
        return Err(Error::field("limit", format!("1–{LIMIT_MAX}")));
    }
    if !(0..=crate::OFFSET_MAX).contains(&offset) {
        return Err(Error::field("offset", format!("0–{}", crate::OFFSET_MAX)));
    }
    let under = area(app, actor, None, Action::ViewCameras).await?;
    Ok(app.store.repairs(&under.0, open_only, limit, offset).await?)
}

/// Close a repair task (the camera works again).
pub async fn fix_repair(app: &App, actor: &Actor, id: i64, note: &str) -> Result<()> {
    let Some(r) = app.store.repair(id).await? else { return Err(Error::NotFound) };
    load(app, actor, &r.device_id, Action::PatrolCameras).await?;
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(Error::field("note", "at most 500 characters"));
    }
    Ok(app.store.fix_repair(&actor.audit_ctx("camera repair"), id, actor.user.id.0, note, app.clock.now()).await?)
}
