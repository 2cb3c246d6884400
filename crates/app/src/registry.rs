//! The real-population registry's use cases: a household file within reach, and visits.

use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::registry::VISIT_KINDS;
use fengqiao_store::registry::VisitRecord;

/// A household the actor may `action` (by its grid). One the actor may not even see reads
/// as one that does not exist (the refusal is audited): its code tells nothing.
pub async fn household(app: &App, actor: &Actor, code: &str, action: Action) -> Result<HouseholdRow> {
    let h = app.store.household_by_code(code).await?;
    let grid = UnitPath(h.grid_path.clone());
    match actor.authorize(app, action, &grid, ("household", &h.code)).await {
        Ok(()) => Ok(h),
        Err(Error::Denied { .. }) if !actor.can(Action::ViewRegistry, &grid) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// A visit as typed.
#[derive(Debug, Clone, Default)]
pub struct VisitIn {
    /// monthly, publicity, care or other.
    pub kind: String,
    pub outcome: String,
    pub note: String,
}

/// Record a visit to a household: authorised on the household that exists, then checked
/// (every bad field named), then written with its audit record.
pub async fn record_visit(app: &App, actor: &Actor, code: &str, v: &VisitIn) -> Result<HouseholdRow> {
    let h = household(app, actor, code, Action::RecordVisit).await?;
    let mut fields = vec![];
    if !VISIT_KINDS.contains(&v.kind.trim()) {
        fields.push(FieldError::new("kind", format!("one of {}", VISIT_KINDS.join(", "))));
    }
    let outcome = v.outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 100 {
        fields.push(FieldError::new("outcome", "1–100 characters"));
    }
    let note = v.note.trim();
    if note.chars().count() > 500 {
        fields.push(FieldError::new("note", "at most 500 characters"));
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    let record = VisitRecord {
        household_id: h.id,
        household_code: &h.code,
        user_id: actor.user.id.0,
        kind: v.kind.trim(),
        outcome,
        note,
    };
    app.store.record_visit(&actor.audit_ctx("household visit"), &record).await?;
    Ok(h)
}

/// Issue a household a new QR code: the old one stops working at once (its page answers as
/// an unknown address). Returns the household.
pub async fn reissue_qr(app: &App, actor: &Actor, code: &str) -> Result<HouseholdRow> {
    let h = household(app, actor, code, Action::RecordVisit).await?;
    let token = crate::accounts::random_token();
    app.store.reissue_qr(&actor.audit_ctx("reissue household QR"), h.id, &h.code, Some(&token)).await?;
    Ok(h)
}

/// Open a household's ID and phone numbers in full: for roles that need it, with a stated
/// purpose, audited as a read of personal data. Returns the household; the caller shows its
/// members' numbers unmasked.
pub async fn reveal_household(app: &App, actor: &Actor, code: &str, purpose: &str) -> Result<HouseholdRow> {
    let h = household(app, actor, code, Action::ViewRegistry).await?;
    actor.authorize(app, Action::ViewPersonalData, &UnitPath(h.grid_path.clone()), ("household", &h.code)).await?;
    let purpose = Actor::purpose(purpose, "state why you need the full numbers")?;
    let ev = fengqiao_store::audit::AuditEvent::new(
        "household.read_personal",
        "household",
        &h.code,
        fengqiao_store::audit::Outcome::Success,
    )
    .detail(format!("id and phone numbers of {} members", h.members));
    app.store.audit(&actor.audit_ctx(purpose), &ev).await?;
    Ok(h)
}

// ---- reads --------------------------------------------------------------------------------

pub use fengqiao_store::registry::{
    HouseholdRow, MatterRow as HouseholdMatter, OrganisationRow, ResidentQuery, ResidentRow, VisitRow,
};

use fengqiao_domain::mask::mask_phone;
use fengqiao_domain::registry::OrgKind;
use fengqiao_store::audit::{AuditEvent, AuditFilter, Outcome};

/// How many days a key place may go without an inspection before it is flagged.
pub const KEY_PLACE_INSPECTION_DAYS: i64 = 90;

/// A resident as the actor may see them. ID and phone masked unless revealed (authorised and
/// audited by the use case that revealed them); for roles without the personal-data
/// permission, only the ID's last 4 characters and the age, never the birth date (the
/// region, the date and the address together left a few dozen candidates for the ID). Care
/// categories only for roles that may see them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResidentView {
    pub name: String,
    /// `male` or `female`.
    pub sex: String,
    /// `YYYY-MM-DD`, for roles with the personal-data permission.
    pub birth_date: Option<String>,
    /// Whole years, today (China Standard Time).
    pub age: Option<i64>,
    pub id_number: String,
    pub phone: Option<String>,
    /// The relation code (`head`, `spouse`, ...).
    pub relation: String,
    pub registered_here: bool,
    pub registered_address: Option<String>,
    /// Care category codes; `None` for roles that may not see them.
    pub care: Option<Vec<String>>,
    pub household_code: String,
    pub address: String,
}

fn resident_view(app: &App, actor: &Actor, r: &ResidentRow, reveal: bool) -> ResidentView {
    let personal = reveal || actor.may(Action::ViewPersonalData);
    let phone = r.phone().and_then(|e| app.store.crypto.open(&e).ok()).map(|p| if reveal { p } else { mask_phone(&p) });
    let id_number = if reveal {
        app.store.crypto.open(&r.id_number()).unwrap_or_else(|_| r.id_masked.clone())
    } else if personal {
        r.id_masked.clone()
    } else {
        fengqiao_domain::mask::mask_id_tail(&r.id_masked)
    };
    ResidentView {
        name: r.name.clone(),
        sex: r.sex.clone(),
        birth_date: personal.then(|| r.birth_date.clone()),
        age: fengqiao_domain::mask::age_on(&r.birth_date, beijing_today()),
        id_number,
        phone,
        relation: r.relation.clone(),
        registered_here: r.registered_here != 0,
        registered_address: r.registered_address.clone(),
        care: actor
            .may(Action::ViewCare)
            .then(|| r.care.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()),
        household_code: r.household_code.clone(),
        address: r.address.clone(),
    }
}

async fn authorize_registry(app: &App, actor: &Actor) -> Result<UnitPath> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::ViewRegistry, &home, ("registry", &actor.user.unit_code)).await?;
    Ok(home)
}

/// Find residents in the actor's jurisdiction by name, pinyin or initials, ID number, phone
/// or address: at most `limit` (1–200). Audited as a read of personal data, naming the kind
/// of query (never an ID or phone number).
pub async fn search_residents(app: &App, actor: &Actor, q: &str, limit: i64) -> Result<Vec<ResidentView>> {
    let mut fields = vec![];
    let query = ResidentQuery::parse(q);
    if q.chars().count() > 100 {
        fields.push(FieldError::new("q", "at most 100 characters"));
    } else if query.is_none() {
        fields.push(FieldError::new("q", "required").keyed("required"));
    }
    if !(1..=200).contains(&limit) {
        fields.push(FieldError::new("limit", "between 1 and 200"));
    }
    let Some(query) = query.filter(|_| fields.is_empty()) else { return Err(Error::Invalid(fields)) };
    // The last four digits of a phone number are a search only for roles that may read
    // personal data; for anyone else four digits are part of an address (a room number).
    let query = match query {
        ResidentQuery::PhoneTail(t) if !actor.may(Action::ViewPersonalData) => ResidentQuery::Text(t),
        q => q,
    };
    let home = authorize_registry(app, actor).await?;
    let exact = matches!(query, ResidentQuery::IdNumber(_) | ResidentQuery::Phone(_));
    if exact && !actor.may(Action::ViewPersonalData) {
        limit_exact_searches(app, actor).await?;
    }
    let found = app.store.search_residents(&home, &query, limit).await?;
    let what = match &query {
        ResidentQuery::IdNumber(id) => format!("id_number {}", id.masked()),
        ResidentQuery::Phone(p) => format!("phone {}", p.masked()),
        ResidentQuery::Pinyin(p) => format!("pinyin {p}"),
        ResidentQuery::PhoneTail(_) => "phone ending ****".to_string(),
        // Digits alone may be the end of someone's phone number: not written down.
        ResidentQuery::Text(t) if t.len() <= 6 && t.chars().all(|c| c.is_ascii_digit()) => {
            "name/address ****".to_string()
        }
        ResidentQuery::Text(t) => format!("name/address {}", fengqiao_domain::mask::mask_digit_runs(t)),
    };
    let ev = AuditEvent::new("registry.search", "residents", &actor.user.unit_code, Outcome::Success)
        .detail(format!("{what}; {} found", found.len()));
    app.store.audit(&actor.audit_ctx("registry search"), &ev).await?;
    Ok(found.iter().map(|r| resident_view(app, actor, r, false)).collect())
}

/// How many exact ID-number or phone searches a role without the personal-data permission
/// may make in an hour. Each confirms or rules out a guess, so they are few and audited.
pub const EXACT_SEARCHES_PER_HOUR: usize = 20;

/// Refuse an exact search over the hourly allowance, counted from the audit log (so every
/// node counts the same searches).
async fn limit_exact_searches(app: &App, actor: &Actor) -> Result<()> {
    let since = fengqiao_store::now_ms() - 3_600_000;
    let recent = app
        .store
        .search_audit(&AuditFilter {
            actor: Some(actor.user.username.clone()),
            action: Some("registry.search".into()),
            from_ms: Some(since),
            limit: 1000,
            ..Default::default()
        })
        .await?;
    let exact = recent
        .iter()
        .filter(|r| {
            r.actor == actor.user.username && (r.detail.starts_with("id_number ") || r.detail.starts_with("phone "))
        })
        .count();
    if exact >= EXACT_SEARCHES_PER_HOUR {
        let ev = AuditEvent::new("registry.search", "residents", &actor.user.unit_code, Outcome::Denied)
            .detail("exact search allowance used up");
        app.store.audit(&actor.audit_ctx("registry search"), &ev).await?;
        return Err(Error::Limited(format!(
            "at most {EXACT_SEARCHES_PER_HOUR} searches by ID or phone number an hour; try later"
        )));
    }
    Ok(())
}

/// Households in the actor's jurisdiction (address or code containing `text`), a page of
/// `limit` (1–500) and the total.
pub async fn households(
    app: &App,
    actor: &Actor,
    text: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<HouseholdRow>, i64)> {
    if !(1..=500).contains(&limit) {
        return Err(Error::field("limit", "between 1 and 500"));
    }
    let home = authorize_registry(app, actor).await?;
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    Ok(app.store.households_under(&home, text, limit, offset.clamp(0, crate::OFFSET_MAX)).await?)
}

/// How many residents the actor's jurisdiction holds.
pub async fn count_residents(app: &App, actor: &Actor) -> Result<i64> {
    let home = authorize_registry(app, actor).await?;
    Ok(app.store.count_residents_under(&home).await?)
}

/// One change in a household's history, from the audit log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub action: String,
    pub actor: String,
    /// The actor's display name (the username when it is no account).
    pub actor_name: String,
    pub detail: String,
}

/// The household file (一户一档).
#[derive(Debug, Clone)]
pub struct HouseholdFile {
    pub household: HouseholdRow,
    /// The household's own phone, masked unless revealed.
    pub phone: Option<String>,
    pub members: Vec<ResidentView>,
    /// Newest first, at most 50.
    pub visits: Vec<VisitRow>,
    /// Matters about the household, newest first, at most 50.
    pub matters: Vec<HouseholdMatter>,
    /// The last 30 successful changes to the household (reads left out).
    pub history: Vec<HistoryEntry>,
    /// The current QR token, for staff who may print it.
    pub qr_token: Option<String>,
    /// Whether ID and phone numbers are in full.
    pub revealed: bool,
}

async fn file_of(app: &App, actor: &Actor, h: HouseholdRow, reveal: bool) -> Result<HouseholdFile> {
    let members = app.store.members(h.id).await?;
    let visits = app.store.visits_of(h.id, 50).await?;
    let matters = app.store.matters_of_household(h.id, 50).await?;
    let history = app
        .store
        .search_audit(&AuditFilter { object: Some(format!("household:{}", h.code)), limit: 500, ..Default::default() })
        .await?
        .into_iter()
        .filter(|r| {
            r.object_type == "household" && r.object_id == h.code && !r.action.contains("read") && r.result == "success"
        })
        .take(30)
        .map(|r| HistoryEntry {
            at: r.at,
            action: r.action,
            actor_name: r.actor.clone(),
            actor: r.actor,
            detail: r.detail,
        })
        .collect::<Vec<_>>();
    let names = app.store.display_names(&history.iter().map(|e| e.actor.clone()).collect::<Vec<_>>()).await?;
    let history = history
        .into_iter()
        .map(|mut e| {
            if let Some(n) = names.get(&e.actor) {
                e.actor_name = n.clone();
            }
            e
        })
        .collect();
    let phone = h.phone().and_then(|e| app.store.crypto.open(&e).ok()).map(|p| if reveal { p } else { mask_phone(&p) });
    Ok(HouseholdFile {
        phone,
        members: members.iter().map(|m| resident_view(app, actor, m, reveal)).collect(),
        visits,
        matters,
        history,
        qr_token: qr_token_of(app, &h),
        revealed: reveal,
        household: h,
    })
}

fn qr_token_of(app: &App, h: &HouseholdRow) -> Option<String> {
    h.qr_token().and_then(|e| app.store.crypto.open(&e).ok())
}

/// The household file with numbers masked; audited as a read.
pub async fn household_file(app: &App, actor: &Actor, code: &str) -> Result<HouseholdFile> {
    let h = household(app, actor, code, Action::ViewRegistry).await?;
    let ev = AuditEvent::new("household.read", "household", &h.code, Outcome::Success)
        .detail(format!("{} members, masked", h.members));
    app.store.audit(&actor.audit_ctx("household file"), &ev).await?;
    file_of(app, actor, h, false).await
}

/// The household file with ID and phone numbers in full (see [`reveal_household`]).
pub async fn revealed_household_file(app: &App, actor: &Actor, code: &str, purpose: &str) -> Result<HouseholdFile> {
    let h = reveal_household(app, actor, code, purpose).await?;
    file_of(app, actor, h, true).await
}

/// An organisation or key place as listed: the responsible person's phone masked, and
/// whether a key place is overdue for inspection.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrganisationView {
    pub code: String,
    pub name: String,
    pub kind: Option<OrgKind>,
    pub key_place: bool,
    pub address: String,
    pub grid_code: String,
    pub grid_name: String,
    pub alliance: Option<String>,
    pub responsible: Option<String>,
    pub phone: Option<String>,
    pub last_inspection: Option<String>,
    /// A key place not inspected within [`KEY_PLACE_INSPECTION_DAYS`] (or never).
    pub inspection_overdue: bool,
}

fn organisation_view(app: &App, o: &OrganisationRow, today: chrono::NaiveDate) -> OrganisationView {
    let overdue = o.is_key_place != 0
        && o.last_inspection
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_none_or(|d| (today - d).num_days() > KEY_PLACE_INSPECTION_DAYS);
    OrganisationView {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: OrgKind::parse(&o.kind),
        key_place: o.is_key_place != 0,
        address: o.address.clone(),
        grid_code: o.grid_code.clone(),
        grid_name: o.grid_name.clone(),
        alliance: o.alliance.clone(),
        responsible: o.responsible_name.clone(),
        phone: o.responsible_phone().and_then(|e| app.store.crypto.open(&e).ok()).map(|p| mask_phone(&p)),
        last_inspection: o.last_inspection.clone(),
        inspection_overdue: overdue,
    }
}

fn beijing_today() -> chrono::NaiveDate {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// Which organisations to list.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrgKind>,
    pub key_places_only: bool,
    /// Part of the name.
    pub name: Option<String>,
}

/// Organisations and key places in the actor's jurisdiction (key places first, the longest
/// uninspected first): a page of `limit` (1–500) and the total.
pub async fn organisations(
    app: &App,
    actor: &Actor,
    f: &OrganisationFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<OrganisationView>, i64)> {
    if !(1..=500).contains(&limit) {
        return Err(Error::field("limit", "between 1 and 500"));
    }
    if f.name.as_deref().is_some_and(|n| n.chars().count() > 100) {
        return Err(Error::field("q", "at most 100 characters"));
    }
    let home = authorize_registry(app, actor).await?;
    let (rows, total) = app
        .store
        .organisations_under(
            &home,
            f.kind.map(|k| k.as_str()),
            f.key_places_only,
            f.name.as_deref(),
            limit,
            offset.clamp(0, crate::OFFSET_MAX),
        )
        .await?;
    let today = beijing_today();
    Ok((rows.iter().map(|o| organisation_view(app, o, today)).collect(), total))
}

/// Everything the registry holds for a unit within reach, for a spreadsheet: households,
/// residents (numbers masked) and organisations.
#[derive(Debug, Clone)]
pub struct RegistryExport {
    pub unit_code: String,
    pub households: Vec<HouseholdRow>,
    pub residents: Vec<ResidentView>,
    pub organisations: Vec<OrganisationView>,
}

/// Export the registry of `unit_code` (the actor's own unit when `None`). Audited with the
/// counts.
pub async fn export(app: &App, actor: &Actor, unit_code: Option<&str>) -> Result<RegistryExport> {
    let unit = match unit_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => app.store.unit_by_id(actor.user.unit_id).await?,
        Some(code) => app.store.unit_by_code(code).await?,
    };
    actor.authorize(app, Action::ViewRegistry, &unit.path, ("unit", &unit.code)).await?;
    let (households, _) = app.store.households_under(&unit.path, None, 1_000_000, 0).await?;
    let residents = app.store.residents_under(&unit.path, 5_000_000, 0).await?;
    let (orgs, _) = app.store.organisations_under(&unit.path, None, false, None, 1_000_000, 0).await?;
    let ev = AuditEvent::new("registry.export", "unit", &unit.code, Outcome::Success).detail(format!(
        "xlsx: {} households, {} residents, {} organisations",
        households.len(),
        residents.len(),
        orgs.len()
    ));
    app.store.audit(&actor.audit_ctx("registry export"), &ev).await?;
    let today = beijing_today();
    Ok(RegistryExport {
        unit_code: unit.code,
        households,
        residents: residents.iter().map(|r| resident_view(app, actor, r, false)).collect(),
        organisations: orgs.iter().map(|o| organisation_view(app, o, today)).collect(),
    })
}

// ---- QR codes (staff side) ---------------------------------------------------------------

/// A household's current QR token, for printing its code; audited (`format` says which).
pub async fn qr_token(app: &App, actor: &Actor, code: &str, format: &str) -> Result<(HouseholdRow, String)> {
    let h = household(app, actor, code, Action::ViewRegistry).await?;
    let token = qr_token_of(app, &h).ok_or(Error::NotFound)?;
    let ev = AuditEvent::new("household.qr.read", "household", &h.code, Outcome::Success).detail(format);
    app.store.audit(&actor.audit_ctx("print household QR"), &ev).await?;
    Ok((h, token))
}

/// A building's QR sheet: the households of the building the actor may see (a building can
/// span grids; households out of reach are left off), each with its token.
#[derive(Debug, Clone)]
pub struct QrSheet {
    pub building_name: Option<String>,
    pub cards: Vec<(HouseholdRow, String)>,
    /// Households of the building out of the actor's reach, counted, not shown.
    pub left_off: usize,
}

/// The QR sheet of a building. Refused (and audited) when no household of it is within reach.
pub async fn qr_sheet(app: &App, actor: &Actor, building_code: &str) -> Result<QrSheet> {
    let households = app.store.households_of_building(building_code).await?;
    let Some(first) = households.first() else { return Err(Error::NotFound) };
    let (within, outside): (Vec<_>, Vec<_>) =
        households.iter().partition(|h| actor.can(Action::ViewRegistry, &UnitPath(h.grid_path.clone())));
    if within.is_empty() {
        actor
            .authorize(app, Action::ViewRegistry, &UnitPath(first.grid_path.clone()), ("building", building_code))
            .await?;
    }
    let cards: Vec<_> = within.into_iter().filter_map(|h| qr_token_of(app, h).map(|t| (h.clone(), t))).collect();
    let ev = AuditEvent::new("building.qr_sheet", "building", building_code, Outcome::Success)
        .detail(format!("{} codes", cards.len()));
    app.store.audit(&actor.audit_ctx("print QR sheet"), &ev).await?;
    Ok(QrSheet { building_name: first.building_name.clone(), cards, left_off: outside.len() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_digit_runs_are_masked_in_the_audit_detail() {
        assert_eq!(fengqiao_domain::mask::mask_digit_runs("张三 14118119821111017"), "张三 *************1017");
        assert_eq!(fengqiao_domain::mask::mask_digit_runs("幸福小区1号楼101室"), "幸福小区1号楼101室");
        assert_eq!(fengqiao_domain::mask::mask_digit_runs("1390358000"), "******8000");
    }
}
