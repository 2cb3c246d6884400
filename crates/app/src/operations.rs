//! Case work by size (案件分级作战, issue 11 item 4): the command room decides how a case is
//! worked — alone by one unit (独立作战), by combined units (合成作战) or by a cluster
//! (集群作战) — which unit leads, which units and people take part, and which parent case it
//! belongs to; a parent case's child cases roll up into it, and it is not closed while any of
//! them is open. The workload board shows the case-handling team and the combined battalions
//! with their open cases, their people's load, and open matters by combat zone.
//!
//! Who: the commander and duty commanders direct cases (`DirectCases`) within their
//! jurisdiction; whoever sees the matter sees how it is worked; the workload board is for
//! those who watch the live board (`ViewBoard`).

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::operation::{self as rules, MAX_PEOPLE, MAX_UNITS, Operation};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_store::StoreError;
use fengqiao_store::operations::NewOperation;

pub use fengqiao_store::operations::{CaseSetup, ChildCase, PersonLoad, Taking, TeamLoad, ZoneLoad};

/// How a case is to be worked, as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationIn {
    /// `solo`, `combined` or `cluster`.
    pub operation: String,
    /// The code of the unit leading it.
    pub lead_unit: String,
    /// The codes of the other units taking part (none when worked alone; at least one when
    /// combined; at least two for a cluster).
    #[serde(default)]
    pub units: Vec<String>,
    /// The usernames of the people working it (at least one).
    #[serde(default)]
    pub people: Vec<String>,
    /// The code of the parent case, if this is a child case.
    #[serde(default)]
    pub parent: String,
}

/// How a matter is worked, for its page.
pub async fn setup(app: &App, matter_id: i64) -> Result<CaseSetup> {
    Ok(app.store.case_setup(matter_id).await?)
}

/// Set how a case is worked (replacing what was set).
pub async fn set(app: &App, actor: &Actor, code: &str, input: &OperationIn) -> Result<()> {
    let m = crate::casework::load(app, actor, code, Action::ViewMatters).await?;
    actor.authorize(app, Action::DirectCases, &UnitPath(m.grid_path.clone()), ("matter", &m.code)).await?;
    if m.is_closed() {
        return Err(Error::Conflict { field: None, message: "the matter is closed".into() });
    }
    let mut errors = Vec::new();
    let operation = Operation::parse(&input.operation);
    if operation.is_none() {
        errors.push(FieldError::new("operation", "solo, combined or cluster"));
    }
    let within = |path: &UnitPath| actor.can(Action::DirectCases, path);
    // The lead.
    let lead = match input.lead_unit.trim() {
        "" => {
            errors.push(FieldError::new("lead_unit", "the unit leading the case"));
            None
        }
        c => match app.store.unit_by_code(c).await {
            Ok(u) if within(&u.path) && rules::may_lead(u.kind) => Some(u),
            Ok(u) if within(&u.path) => {
                errors.push(FieldError::new(
                    "lead_unit",
                    format!("a {} does not lead cases; a police unit does", u.kind.as_str()),
                ));
                None
            }
            Ok(_) | Err(StoreError::NotFound) => {
                errors.push(FieldError::new("lead_unit", format!("no unit \"{}\" in your jurisdiction", short(c))));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    // The units taking part.
    let mut units = Vec::new();
    if input.units.len() > MAX_UNITS {
        errors.push(FieldError::new("units", format!("at most {MAX_UNITS} units")));
    }
    for (i, c) in input.units.iter().take(MAX_UNITS).enumerate() {
        let field = format!("units[{i}]");
        match app.store.unit_by_code(c.trim()).await {
            Ok(u) if !within(&u.path) => {
                errors.push(FieldError::new(&field, format!("no unit \"{}\" in your jurisdiction", short(c))))
            }
            Ok(u) if lead.as_ref().is_some_and(|l| l.id == u.id) => {
                errors.push(FieldError::new(&field, "the lead unit is not also a supporting one"))
            }
            Ok(u) if units.contains(&u.id.0) => errors.push(FieldError::new(&field, "named twice")),
            Ok(u) => units.push(u.id.0),
            Err(StoreError::NotFound) => {
                errors.push(FieldError::new(&field, format!("no unit \"{}\" in your jurisdiction", short(c))))
            }
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(op) = operation
        && input.units.len() <= MAX_UNITS
        && !op.supporting_units().contains(&input.units.len())
    {
        let why = match op {
            Operation::Solo => "a case worked alone has no supporting units",
            Operation::Combined => "combined units: name at least one unit besides the lead",
            Operation::Cluster => "a cluster: name at least two units besides the lead",
        };
        errors.push(FieldError::new("units", why));
    }
    // The people.
    let mut people = Vec::new();
    if input.people.is_empty() {
        errors.push(FieldError::new("people", "name at least one person working the case"));
    }
    if input.people.len() > MAX_PEOPLE {
        errors.push(FieldError::new("people", format!("at most {MAX_PEOPLE} people")));
    }
    for (i, name) in input.people.iter().take(MAX_PEOPLE).enumerate() {
        let field = format!("people[{i}]");
        match app.store.user_by_username(name.trim()).await {
            Ok(u) if u.disabled || !within(&u.unit_path) => {
                errors.push(FieldError::new(&field, format!("no account \"{}\" in your jurisdiction", short(name))))
            }
            Ok(u) if !crate::instructions::instructable(&u.roles) => {
                errors.push(FieldError::new(&field, format!("\"{}\" does not work cases", short(name))))
            }
            Ok(u) if people.contains(&u.id.0) => errors.push(FieldError::new(&field, "named twice")),
            Ok(u) => people.push(u.id.0),
            Err(StoreError::NotFound) => {
                errors.push(FieldError::new(&field, format!("no account \"{}\" in your jurisdiction", short(name))))
            }
            Err(e) => return Err(e.into()),
        }
    }
    // The parent.
    let (_, _, _, has_children) = app.store.case_links(m.id).await?;
    let parent = match input.parent.trim() {
        "" => None,
        c => match crate::casework::load(app, actor, c, Action::ViewMatters).await {
            Ok(p) => {
                let (_, _, grandparent, _) = app.store.case_links(p.id).await?;
                match rules::parent_refusal(m.id, has_children, p.id, grandparent.is_some()) {
                    Some(why) => {
                        errors.push(FieldError::new("parent", why));
                        None
                    }
                    None if p.is_closed() => {
                        errors.push(FieldError::new("parent", "that case is closed"));
                        None
                    }
                    None => Some(p),
                }
            }
            Err(Error::NotFound | Error::Denied { .. }) => {
                errors.push(FieldError::new("parent", format!("no matter \"{}\"", short(c))));
                None
            }
            Err(e) => return Err(e),
        },
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (op, lead) = (operation.expect("checked above"), lead.expect("checked above"));
    let mut note = format!("{}：主办 {}", op.label_zh(), lead.name);
    if !units.is_empty() {
        let names: Vec<String> = unit_names(app, &units).await?;
        note.push_str(&format!("；协同 {}", names.join("、")));
    }
    if let Some(p) = &parent {
        note.push_str(&format!("；并入 {}", p.code));
    }
    let o = NewOperation {
        matter_id: m.id,
        code: &m.code,
        status: m.status.code(),
        operation: op.as_str(),
        lead_unit_id: lead.id.0,
        units: &units,
        people: &people,
        parent_id: parent.map(|p| p.id),
        note: &note,
        now: app.clock.now(),
    };
    Ok(app.store.set_operation(&actor.audit_ctx("case operation"), &o).await?)
}

async fn unit_names(app: &App, units: &[i64]) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(units.len());
    for id in units {
        names.push(app.store.unit_by_id(fengqiao_domain::ids::UnitId(*id)).await?.name);
    }
    Ok(names)
}

/// What the operation form offers: the units of the actor's jurisdiction that may take part
/// (tree order; police units may also lead) and the people who work cases (at most 500).
pub async fn choices(
    app: &App,
    actor: &Actor,
) -> Result<(Vec<fengqiao_store::org::Unit>, Vec<fengqiao_store::users::User>)> {
    actor.authorize(app, Action::DirectCases, actor.jurisdiction(), ("matter", "operation")).await?;
    use fengqiao_domain::org::UnitKind as K;
    let units = app
        .store
        .units_under(actor.jurisdiction(), None)
        .await?
        .into_iter()
        .filter(|u| !matches!(u.kind, K::Grid | K::PoliceGrid | K::VolunteerTeam))
        .collect();
    let f = fengqiao_store::users::UserFilter { role: None, text: None, limit: 500, offset: 0 };
    let (users, _) = app.store.users_under(actor.jurisdiction(), &f).await?;
    let police = [
        fengqiao_domain::Role::Commander,
        fengqiao_domain::Role::DutyCommander,
        fengqiao_domain::Role::DeskOfficer,
        fengqiao_domain::Role::CommunityOfficer,
        fengqiao_domain::Role::GridOfficer,
    ];
    Ok((units, users.into_iter().filter(|u| !u.disabled && u.roles.iter().any(|r| police.contains(r))).collect()))
}

/// A parent case is not closed while a child case is open: `Conflict` naming them.
pub async fn check_children_closed(app: &App, matter_id: i64) -> Result<()> {
    let open = app.store.open_children(matter_id).await?;
    if open.is_empty() {
        Ok(())
    } else {
        Err(Error::Conflict {
            field: None,
            message: format!("child cases still open: {}; close them first", open.join(", ")),
        })
    }
}

/// The workload board of the actor's jurisdiction: teams, people, zones; cases closed in the
/// last 30 days.
pub async fn workload(app: &App, actor: &Actor) -> Result<(Vec<TeamLoad>, Vec<PersonLoad>, Vec<ZoneLoad>)> {
    actor.authorize(app, Action::ViewBoard, actor.jurisdiction(), ("workload", "board")).await?;
    let since = app.clock.now() - 30 * 86_400_000;
    Ok(app.store.workload(&actor.jurisdiction().0, since).await?)
}

/// At most 40 characters of a client's text, for an error message.
fn short(s: &str) -> String {
    s.trim().chars().take(40).collect()
}
