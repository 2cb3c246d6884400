//! Reading a matter: its case file (everything recorded about it, and what the reader may do
//! next), its agreement for printing, its attached files, and the mediators who can be put
//! on a case. Every read is authorised on the matter that exists; reads of personal data
//! are audited.

use crate::casework::{OfferedStep, can_handle, duplicates, load, next_steps_given};
use crate::{Actor, App, Error, Result};
use fengqiao_domain::org::{UnitKind, UnitPath};
use fengqiao_domain::policy::Action;
use fengqiao_store::audit::{AuditEvent, Outcome};

pub use fengqiao_store::matters::{MatterDetail, MatterEventRow};
pub use fengqiao_store::mediation::{
    AgreementRow, CasePlan, FileRow, FollowUpRow, LinkRow, MatterBrief, Party, RiskFactorRow, SessionRow, TermRow,
};
pub use fengqiao_store::users::User;

/// A matter with everything recorded about it.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub matter: MatterDetail,
    /// Whether the reader may act on the matter (the steps below are offered to them).
    pub can_handle: bool,
    /// Parties, their numbers masked.
    pub parties: Vec<Party>,
    pub plan: Option<CasePlan>,
    pub sessions: Vec<SessionRow>,
    pub agreement: Option<(AgreementRow, Vec<TermRow>)>,
    pub risk_factors: Vec<RiskFactorRow>,
    pub follow_ups: Vec<FollowUpRow>,
    pub files: Vec<FileRow>,
    pub links: Vec<LinkRow>,
    /// Earlier and later matters of the same parties that the reader may see.
    pub party_history: Vec<MatterBrief>,
    /// How many more there are outside the reader's jurisdiction (counted, not shown).
    pub party_history_elsewhere: usize,
    /// Open matters proposed for merging, with their distance in metres (none once closed;
    /// only those the reader may see).
    pub likely_duplicates: Vec<(MatterBrief, f64)>,
    pub events: Vec<MatterEventRow>,
    pub next_steps: Vec<OfferedStep>,
    /// The display names of the accounts that acted on it (events, sessions, the plan).
    pub names: std::collections::HashMap<String, String>,
}

/// The case file of a matter the actor may see.
pub async fn case_file(app: &App, actor: &Actor, code: &str) -> Result<CaseFile> {
    let m = load(app, actor, code, Action::ViewMatters).await?;
    let s = &app.store;
    let handle = can_handle(app, actor, &m).await?;
    let here = s.matter_point(m.id).await?;
    let visible = |b: &MatterBrief| actor.can(Action::ViewMatters, &UnitPath(b.grid_path.clone()));
    let likely_duplicates: Vec<_> = if m.is_closed() {
        vec![]
    } else {
        duplicates(app, &m, here).await?.into_iter().filter(|(b, _)| visible(b)).collect()
    };
    let (party_history, elsewhere): (Vec<_>, Vec<_>) =
        s.party_history(m.id).await?.into_iter().partition(|b| visible(b));
    let mut parties = s.parties(m.id, false).await?;
    if !actor.may(Action::ViewPersonalData) {
        for p in &mut parties {
            p.id_number = p.id_number.as_deref().map(fengqiao_domain::mask::mask_id_tail);
        }
    }
    let events = s.matter_events(m.id).await?;
    let sessions = s.sessions(m.id).await?;
    let plan = s.plan(m.id).await?;
    let who: Vec<String> = events
        .iter()
        .map(|e| e.actor.clone())
        .chain(sessions.iter().map(|x| x.recorded_by.clone()))
        .chain(plan.iter().map(|p| p.updated_by.clone()))
        .collect();
    Ok(CaseFile {
        names: s.display_names(&who).await?,
        can_handle: handle,
        parties,
        plan,
        sessions,
        agreement: s.agreement(m.id).await?,
        risk_factors: s.risk_factors(m.id).await?,
        follow_ups: s.follow_ups(m.id).await?,
        files: s.files_of(m.id).await?,
        links: s.links_of(m.id).await?,
        party_history,
        party_history_elsewhere: elsewhere.len(),
        likely_duplicates,
        events,
        next_steps: next_steps_given(app, &m, handle).await?,
        matter: m,
    })
}

/// A mediation agreement as printed.
#[derive(Debug, Clone)]
pub struct AgreementPrint {
    pub agreement: AgreementRow,
    pub terms: Vec<TermRow>,
    pub parties: Vec<Party>,
    /// The people's mediation committee of the matter's street (街道人民调解委员会), or the
    /// handling unit when the matter has no street above it.
    pub committee: String,
    /// Whether the parties' numbers are in full.
    pub full: bool,
}

/// The agreement of a matter for printing. As everyone who may see the matter sees it, the
/// parties' numbers are masked as their role may see them. With a stated `purpose`, the
/// printout for signing has the numbers in full: only for someone handling the case whose
/// role has the personal-data permission, and the read is audited with its purpose.
pub async fn agreement_for_print(
    app: &App,
    actor: &Actor,
    code: &str,
    purpose: Option<&str>,
) -> Result<AgreementPrint> {
    let m = load(app, actor, code, Action::ViewMatters).await?;
    let Some((agreement, terms)) = app.store.agreement(m.id).await? else { return Err(Error::NotFound) };
    let purpose = match purpose {
        None => None,
        Some(purpose) => {
            if !can_handle(app, actor, &m).await? {
                actor
                    .authorize(app, Action::HandleMatter, &UnitPath(m.handler_path.clone()), ("matter", &m.code))
                    .await?;
            }
            actor.authorize(app, Action::ViewPersonalData, &UnitPath(m.grid_path.clone()), ("matter", &m.code)).await?;
            Some(Actor::purpose(purpose, "say why")?)
        }
    };
    let full = purpose.is_some();
    let mut parties = app.store.parties(m.id, full).await?;
    if full {
        let ev = AuditEvent::new("personal_data.read", "matter", &m.code, Outcome::Success).detail(format!(
            "agreement {} printed with the full numbers of {} parties",
            agreement.number,
            parties.len()
        ));
        app.store.audit(&actor.audit_ctx(purpose.unwrap_or_default()), &ev).await?;
    } else if !actor.may(Action::ViewPersonalData) {
        for p in &mut parties {
            p.id_number = p.id_number.as_deref().map(fengqiao_domain::mask::mask_id_tail);
        }
    }
    let committee = committee_name(app, &m).await?.unwrap_or_else(|| m.handler_name.clone());
    Ok(AgreementPrint { agreement, terms, parties, committee, full })
}

async fn committee_name(app: &App, m: &MatterDetail) -> Result<Option<String>> {
    let grid = app.store.unit_by_code(&m.grid_code).await?;
    let units = app.store.ancestors(&grid).await?;
    Ok(units.into_iter().find(|u| u.kind == UnitKind::Street).map(|u| format!("{}人民调解委员会", u.name)))
}

/// An attached file of a matter the actor may see, with its contents.
pub async fn file(app: &App, actor: &Actor, code: &str, id: i64) -> Result<(FileRow, Vec<u8>)> {
    let m = load(app, actor, code, Action::ViewMatters).await?;
    let f = app.store.files_of(m.id).await?.into_iter().find(|f| f.id == id).ok_or(Error::NotFound)?;
    let bytes = crate::files::read(app, &f.sha256).await?;
    Ok((f, bytes))
}

/// The station's mediators, for the reader of a case file who may put one on the case
/// (empty for anyone else).
pub async fn mediators(app: &App, file: &CaseFile) -> Result<Vec<User>> {
    if !file.can_handle {
        return Ok(vec![]);
    }
    let filter = fengqiao_store::users::UserFilter {
        role: Some(fengqiao_domain::Role::Mediator),
        limit: 100,
        ..Default::default()
    };
    Ok(app.store.users_under(&UnitPath("/".into()), &filter).await?.0)
}
