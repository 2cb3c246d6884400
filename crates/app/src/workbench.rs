//! The workbench (工作台): what a person has to do, most urgent first, each item one step
//! from its page. What it lists follows the person's roles and is always of their own
//! jurisdiction (or, for a mediator, of the cases assigned to them):
//!
//! - everyone instructed (指令): instructions to acknowledge or report on, and reports on
//!   their own instructions to close, when there are any;
//! - a mediator: their open cases, the next plan step due soonest first;
//! - those who visit households (grid workers, grid and community officers): new reports
//!   from residents, the open matters of their area (overdue or risky first), follow-up
//!   visits due, households with people in care not visited for [`CARE_VISIT_DAYS`] days;
//! - those who handle matters above a single grid (community officers, the command room):
//!   what is overdue (unacknowledged, past the deadline, terms not carried out, a judicial
//!   confirmation window closing);
//! - everyone who sees matters (and leaders, who only see): open early-warning alerts and
//!   the area's figures — open matters by tier and disputes by state — each a link to the
//!   list it counts.
//!
//! Organisation counts (staff, volunteers, units) are not work: they are on the
//! organisation page.

use crate::{Actor, App, Result};
use fengqiao_domain::matter::{MatterKind, Status, Tier};
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::policy::{self, Action};
use fengqiao_store::matters::MatterDetail;

pub use fengqiao_store::mediation::{AlertRow, DueRow};
pub use fengqiao_store::workbench::{NextStep, VisitDue};

/// A household with someone in care is due a visit this many days after the last.
pub const CARE_VISIT_DAYS: i64 = 30;
/// Items shown in a section; its total says how many there are.
pub const SECTION_ITEMS: i64 = 10;

const DAY_MS: i64 = 86_400_000;

/// One section of the workbench.
#[derive(Debug, Clone)]
pub enum Section {
    /// Instructions to acknowledge or report on, and reports on one's own to close.
    Instructions { items: Vec<crate::instructions::Item>, total: i64 },
    /// A mediator's open cases with the next step of their plan.
    MyCases { cases: Vec<(MatterDetail, Option<NextStep>)>, total: i64 },
    /// Open early-warning alerts (民转刑), newest first.
    Alerts { alerts: Vec<AlertRow>, total: i64 },
    /// Reports from residents nobody has accepted yet.
    NewReports { matters: Vec<MatterDetail>, total: i64 },
    /// Open matters of the area, overdue or risky first, then the newest.
    OpenMatters { matters: Vec<MatterDetail>, total: i64 },
    /// What is past a deadline, soonest due first: each matter once, with every deadline
    /// it missed.
    Overdue { rows: Vec<(Vec<OverdueKind>, DueRow)>, total: i64 },
    /// Follow-up visits after closure that are due.
    FollowUpsDue { rows: Vec<DueRow>, total: i64 },
    /// Households with someone in care not visited lately.
    VisitsDue { households: Vec<VisitDue>, total: i64 },
    /// One's own shifts under way or in the next week, soonest first (to confirm, to work).
    Shifts { shifts: Vec<crate::roster::RosterRow>, total: i64 },
    /// Patrol plans of one's own (or nobody's) whose next round is due, most overdue first.
    RoundsDue { plans: Vec<crate::video::PlanRow>, total: i64 },
    /// Handover sheets waiting for one's signature (outgoing or incoming).
    HandoversToSign { handovers: Vec<crate::roster::HandoverRow>, total: i64 },
    /// Supervision slips addressed to one (or one's unit) to answer, nearest deadline first.
    SlipsToAnswer { slips: Vec<crate::supervision::SlipRow>, total: i64 },
    /// Spot-check findings on matters one closed, to reply to.
    FindingsToReply { items: Vec<crate::supervision::SpotItemRow>, total: i64 },
    /// Today's daily grid posts drafted and not sent yet (一日一微).
    PostsToSend { posts: Vec<crate::daily_posts::PostRow>, total: i64 },
}

impl Section {
    /// The section's code (a message key suffix for the pages).
    pub fn code(&self) -> &'static str {
        match self {
            Section::Instructions { .. } => "instructions",
            Section::MyCases { .. } => "my_cases",
            Section::Alerts { .. } => "alerts",
            Section::NewReports { .. } => "new_reports",
            Section::OpenMatters { .. } => "open_matters",
            Section::Overdue { .. } => "overdue",
            Section::FollowUpsDue { .. } => "follow_ups_due",
            Section::VisitsDue { .. } => "visits_due",
            Section::Shifts { .. } => "shifts",
            Section::RoundsDue { .. } => "rounds_due",
            Section::HandoversToSign { .. } => "handovers_to_sign",
            Section::SlipsToAnswer { .. } => "slips_to_answer",
            Section::FindingsToReply { .. } => "findings_to_reply",
            Section::PostsToSend { .. } => "posts_to_send",
        }
    }

    /// How many items there are in all (the section shows the first few). Lists drawn from
    /// supervision count up to its 200 rows a list.
    pub fn total(&self) -> i64 {
        match self {
            Section::MyCases { total, .. }
            | Section::Instructions { total, .. }
            | Section::Alerts { total, .. }
            | Section::NewReports { total, .. }
            | Section::OpenMatters { total, .. }
            | Section::Overdue { total, .. }
            | Section::FollowUpsDue { total, .. }
            | Section::VisitsDue { total, .. }
            | Section::Shifts { total, .. }
            | Section::RoundsDue { total, .. }
            | Section::HandoversToSign { total, .. }
            | Section::SlipsToAnswer { total, .. }
            | Section::FindingsToReply { total, .. }
            | Section::PostsToSend { total, .. } => *total,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Section::MyCases { cases, .. } => cases.is_empty(),
            Section::Instructions { items, .. } => items.is_empty(),
            Section::Alerts { alerts, .. } => alerts.is_empty(),
            Section::NewReports { matters, .. } => matters.is_empty(),
            Section::OpenMatters { matters, .. } => matters.is_empty(),
            Section::Overdue { rows, .. } => rows.is_empty(),
            Section::FollowUpsDue { rows, .. } => rows.is_empty(),
            Section::VisitsDue { households, .. } => households.is_empty(),
            Section::Shifts { shifts, .. } => shifts.is_empty(),
            Section::RoundsDue { plans, .. } => plans.is_empty(),
            Section::HandoversToSign { handovers, .. } => handovers.is_empty(),
            Section::SlipsToAnswer { slips, .. } => slips.is_empty(),
            Section::FindingsToReply { items, .. } => items.is_empty(),
            Section::PostsToSend { posts, .. } => posts.is_empty(),
        }
    }
}

/// Which deadline an overdue item missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverdueKind {
    /// Registered and not acknowledged in time (一事一应).
    Unacknowledged,
    /// Open past its resolution deadline.
    Unresolved,
    /// An agreement's term past its date and not carried out.
    TermOverdue,
    /// A judicial-confirmation window closing within a week.
    ConfirmationDue,
}

impl OverdueKind {
    pub fn code(self) -> &'static str {
        match self {
            OverdueKind::Unacknowledged => "unacknowledged",
            OverdueKind::Unresolved => "unresolved",
            OverdueKind::TermOverdue => "terms_overdue",
            OverdueKind::ConfirmationDue => "confirmation_due",
        }
    }
}

/// A figure of the area, with the list it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// What is counted: `open_tier_grid`, `dispute_mediating`, `closed_30d`, ...
    pub code: String,
    pub count: i64,
    /// The matters list that shows what is counted (query string of `/matters`).
    pub query: String,
}

/// A person's workbench.
#[derive(Debug, Clone, Default)]
pub struct Workbench {
    pub sections: Vec<Section>,
    pub figures: Vec<Figure>,
}

/// The workbench of the actor, as of `now` (milliseconds).
pub async fn for_actor(app: &App, actor: &Actor, now: i64) -> Result<Workbench> {
    let roles = actor.roles();
    let path = actor.jurisdiction().0.clone();
    let sees = actor.may(Action::ViewMatters);
    let visits = actor.may(Action::RecordVisit) && actor.may(Action::ViewMatters);
    let handles_above_grid = actor.may(Action::HandleMatter) && actor.user.unit_kind != UnitKind::Grid;
    let mut wb = Workbench::default();

    // Instructions come first: they have deadlines measured in minutes. Shown when there are any.
    if crate::instructions::instructable(roles) {
        let (items, total) = crate::instructions::to_act_on(app, actor, SECTION_ITEMS).await?;
        if total > 0 {
            wb.sections.push(Section::Instructions { items, total });
        }
    }
    // Supervision slips to answer and spot-check findings to reply to: shown when there are any.
    let ((slips, total), findings) = crate::supervision::to_act_on(app, actor, SECTION_ITEMS).await?;
    if !slips.is_empty() {
        wb.sections.push(Section::SlipsToAnswer { slips, total });
    }
    if !findings.is_empty() {
        let total = findings.len() as i64;
        wb.sections.push(Section::FindingsToReply { items: findings, total });
    }
    // Today's daily grid posts to send: shown when drafted and waiting.
    let (posts, total) = crate::daily_posts::to_send(app, actor, SECTION_ITEMS).await?;
    if !posts.is_empty() {
        wb.sections.push(Section::PostsToSend { posts, total });
    }
    // The command room's handovers to sign, own shifts, and the video desk's rounds due:
    // shown when there are any.
    if actor.may(Action::ViewRoster) {
        let handovers = app.store.handovers_to_sign(actor.user.id.0, SECTION_ITEMS).await?;
        if !handovers.is_empty() {
            let total = handovers.len() as i64;
            wb.sections.push(Section::HandoversToSign { handovers, total });
        }
        let shifts = app.store.my_shifts(actor.user.id.0, now, now + 7 * DAY_MS, 50).await?;
        if !shifts.is_empty() {
            let total = shifts.len() as i64;
            wb.sections
                .push(Section::Shifts { shifts: shifts.into_iter().take(SECTION_ITEMS as usize).collect(), total });
        }
    }
    if actor.may(Action::PatrolCameras) {
        let me = actor.user.username.as_str();
        let mut due: Vec<crate::video::PlanRow> = app
            .store
            .patrol_plans(&path)
            .await?
            .into_iter()
            .filter(|p| p.assignee_username.as_deref().is_none_or(|a| a == me))
            .filter(|p| p.last_round_at.is_none_or(|t| t + p.interval_minutes * 60_000 <= now))
            .collect();
        due.sort_by_key(|p| p.last_round_at.map_or(i64::MIN, |t| t + p.interval_minutes * 60_000));
        if !due.is_empty() {
            let total = due.len() as i64;
            due.truncate(SECTION_ITEMS as usize);
            wb.sections.push(Section::RoundsDue { plans: due, total });
        }
    }

    if policy::allowed_by_assignment(roles, Action::HandleMatter) {
        let shown = app.store.assigned_matter_ids(actor.user.id.0, true, SECTION_ITEMS).await?;
        let total = app.store.count_assigned_open(actor.user.id.0).await?;
        wb.sections.push(Section::MyCases { cases: with_next_steps(app, &shown).await?, total });
    }
    if sees {
        let alerts = app.store.alerts_under(&path, false, SECTION_ITEMS).await?;
        let total = app.store.count_open_alerts_under(&path).await?;
        wb.sections.push(Section::Alerts { alerts, total });
    }
    if visits {
        let (ids, total) = app.store.new_report_ids_under(&path, SECTION_ITEMS).await?;
        wb.sections.push(Section::NewReports { matters: app.store.matters_by_ids(&ids).await?, total });
    }
    let supervision =
        if visits || handles_above_grid { Some(app.store.supervision_under(&path, now).await?) } else { None };
    if handles_above_grid && let Some(s) = &supervision {
        let mut due: Vec<(OverdueKind, DueRow)> = [
            (OverdueKind::Unacknowledged, &s.unacknowledged),
            (OverdueKind::Unresolved, &s.unresolved),
            (OverdueKind::TermOverdue, &s.terms_overdue),
            (OverdueKind::ConfirmationDue, &s.confirmation_due),
        ]
        .into_iter()
        .flat_map(|(k, rows)| rows.iter().map(move |r| (k, r.clone())))
        .collect();
        due.sort_by_key(|(_, r)| r.due_at);
        let mut once: Vec<(Vec<OverdueKind>, DueRow)> = vec![];
        for (k, r) in due {
            match once.iter_mut().find(|(_, seen)| seen.code == r.code) {
                Some((kinds, _)) if !kinds.contains(&k) => kinds.push(k),
                Some(_) => {}
                None => once.push((vec![k], r)),
            }
        }
        let total = once.len() as i64;
        once.truncate(SECTION_ITEMS as usize * 2);
        wb.sections.push(Section::Overdue { rows: once, total });
    }
    if visits {
        let (ids, total) = app.store.open_matter_ids_under(&path, now, SECTION_ITEMS).await?;
        wb.sections.push(Section::OpenMatters { matters: app.store.matters_by_ids(&ids).await?, total });
        if let Some(s) = &supervision {
            let mut rows = s.follow_ups_due.clone();
            let total = rows.len() as i64;
            rows.truncate(SECTION_ITEMS as usize);
            wb.sections.push(Section::FollowUpsDue { rows, total });
        }
        let (households, total) =
            app.store.care_visits_due_under(&path, now - CARE_VISIT_DAYS * DAY_MS, SECTION_ITEMS).await?;
        wb.sections.push(Section::VisitsDue { households, total });
    }
    if sees {
        wb.figures = figures(app, &path, now).await?;
    }
    Ok(wb)
}

/// Open matters (in all and by tier), open disputes by state, and matters received in the
/// last 30 days: each with the `/matters` query that lists exactly what it counts.
async fn figures(app: &App, path: &str, now: i64) -> Result<Vec<Figure>> {
    let counts = app.store.open_matter_counts_under(path).await?;
    let sum = |f: &dyn Fn(&fengqiao_store::workbench::MatterCount) -> bool| -> i64 {
        counts.iter().filter(|c| f(c)).map(|c| c.count).sum()
    };
    let mut out = vec![Figure { code: "open".into(), count: sum(&|_| true), query: "status=open".into() }];
    for t in [Tier::Grid, Tier::Community, Tier::Street] {
        out.push(Figure {
            code: format!("open_tier_{}", t.as_str()),
            count: sum(&|c| c.tier.as_deref() == Some(t.as_str())),
            query: format!("status=open&tier={}", t.as_str()),
        });
    }
    for s in [Status::Registered, Status::Accepted, Status::Mediating, Status::AgreementReached, Status::Performing] {
        out.push(Figure {
            code: format!("dispute_{}", s.code()),
            count: sum(&|c| c.kind == MatterKind::Dispute.as_str() && c.status == s.code()),
            query: format!("kind=dispute&status={}", s.code()),
        });
    }
    // From the start of the day (Beijing time) 30 days ago, as the list's date filter reads it.
    let day = crate::search::beijing_date(now - 30 * DAY_MS);
    let since = crate::search::day_start("from", &day).map_err(|e| crate::Error::Invalid(vec![e]))?;
    out.push(Figure {
        code: "received_30d".into(),
        count: app.store.count_received_under(path, since).await?,
        query: format!("from={day}"),
    });
    Ok(out)
}

/// The cases a mediator is assigned to (their case plans name them), with the next step of
/// each plan: open ones first, the next step due soonest first; closed ones after them when
/// `closed` is asked. Only mediators have such a list.
pub async fn my_cases(app: &App, actor: &Actor, closed: bool) -> Result<Vec<(MatterDetail, Option<NextStep>)>> {
    if !policy::allowed_by_assignment(actor.roles(), Action::HandleMatter) {
        let ev = fengqiao_store::audit::AuditEvent::new(
            "view_assigned_cases",
            "user",
            &actor.user.username,
            fengqiao_store::audit::Outcome::Denied,
        )
        .detail("denied by role");
        app.store.audit(&actor.audit_ctx("view_assigned_cases"), &ev).await?;
        return Err(crate::Error::denied("only mediators have assigned cases"));
    }
    let ids = app.store.assigned_matter_ids(actor.user.id.0, !closed, 500).await?;
    with_next_steps(app, &ids).await
}

/// The matters of `ids`, in that order, each with its plan's next step.
async fn with_next_steps(app: &App, ids: &[i64]) -> Result<Vec<(MatterDetail, Option<NextStep>)>> {
    let mut steps = app.store.next_plan_steps(ids).await?;
    Ok(app
        .store
        .matters_by_ids(ids)
        .await?
        .into_iter()
        .map(|m| {
            let step = steps.iter().position(|s| s.matter_id == m.id).map(|i| steps.swap_remove(i));
            (m, step)
        })
        .collect())
}
