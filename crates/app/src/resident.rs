//! The residents' side of the household QR code (一户一码), without login: the household a
//! code opens, who answers for its grid, reporting a matter and rating one. The actor is
//! the household's code and the client's address; every write is audited as `resident`.

use crate::registry::{HouseholdMatter, HouseholdRow};
use crate::{App, Error, Result};
use fengqiao_domain::matter::{
    Category, Difficulty, MatterKind, NARRATIVE_MIN_CHARS, Priority, RESIDENT_NARRATIVE_MAX_CHARS, Source,
};
use fengqiao_domain::{FieldError, Phone};
use fengqiao_store::audit::AuditCtx;

/// The kinds of matter a resident can report with the code.
pub const KINDS: &[&str] = &["request", "dispute", "hazard"];

fn ctx(client: &str) -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor: "resident".into(),
        roles: "resident".into(),
        client_addr: client.into(),
        purpose: "household QR".into(),
    }
}

/// The household a QR token opens, if the token is current. Tokens are 43 characters of
/// base64url; anything else cannot be one and is not looked up.
pub async fn household(app: &App, token: &str) -> Result<Option<HouseholdRow>> {
    let plausible = token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plausible {
        return Ok(None);
    }
    Ok(app.store.household_by_qr(token).await?)
}

/// Someone residents can call: their grid's officer or grid worker.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
}

/// What the residents' page shows.
#[derive(Debug, Clone)]
pub struct ResidentPage {
    pub grid_name: String,
    pub officer: Option<Contact>,
    pub worker: Option<Contact>,
    pub matters: Vec<HouseholdMatter>,
}

/// Who answers for a grid: its name, its officer and its grid worker.
async fn grid_contacts(app: &App, grid_code: &str) -> Result<(String, Option<Contact>, Option<Contact>)> {
    let routes = app.store.grid_routes().await?;
    let route = routes.into_iter().find(|r| r.grid.code == grid_code);
    let contact = |s: &fengqiao_store::routing::StaffRef| Contact {
        name: s.name.clone(),
        phone: s.phone_enc.as_ref().and_then(|e| app.store.crypto.open(e).ok()),
    };
    Ok((
        route.as_ref().map(|r| r.grid.name.clone()).unwrap_or_default(),
        route.as_ref().and_then(|r| r.officer.as_ref()).map(contact),
        route.as_ref().and_then(|r| r.worker.as_ref()).map(contact),
    ))
}

/// A code that was replaced by a newer one: whom its household can ask for the new one
/// (nothing else of the household is shown).
#[derive(Debug, Clone)]
pub struct ReplacedCode {
    pub grid_name: String,
    pub officer: Option<Contact>,
    pub worker: Option<Contact>,
}

/// Whether `token` is a household code since replaced, and whom to contact then.
pub async fn replaced(app: &App, token: &str) -> Result<Option<ReplacedCode>> {
    let plausible = token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plausible {
        return Ok(None);
    }
    let Some(grid) = app.store.replaced_qr_grid(token).await? else { return Ok(None) };
    let (grid_name, officer, worker) = grid_contacts(app, &grid).await?;
    Ok(Some(ReplacedCode { grid_name, officer, worker }))
}

pub async fn page(app: &App, h: &HouseholdRow) -> Result<ResidentPage> {
    let (grid_name, officer, worker) = grid_contacts(app, &h.grid_code).await?;
    Ok(ResidentPage {
        officer,
        worker,
        grid_name,
        matters: app
            .store
            .matters_reported_by_code(h.id, 20)
            .await?
            .into_iter()
            .map(|mut m| {
                // A dispute's narrative names the neighbours; the page shows its state only.
                if m.kind == "dispute" {
                    m.narrative.clear();
                }
                m
            })
            .collect(),
    })
}

/// A report as typed on the residents' page.
#[derive(Debug, Clone, Default)]
pub struct ReportIn {
    /// request, dispute or hazard.
    pub kind: String,
    pub narrative: String,
    pub name: String,
    pub phone: String,
}

/// Record a resident's report about their household (routed to the household's grid).
/// Every bad field is named, with a message key; a household reports at most
/// `qr_matters_per_day` matters a day ([`Error::Limited`]). Returns the matter's code.
pub async fn report(app: &App, client: &str, h: &HouseholdRow, r: &ReportIn) -> Result<String> {
    let mut fields = vec![];
    let kind = MatterKind::parse(&r.kind).filter(|_| KINDS.contains(&r.kind.as_str()));
    if kind.is_none() {
        fields.push(FieldError::new("kind", "request, dispute or hazard").keyed("qr_err_kind"));
    }
    let narrative = r.narrative.trim();
    if !(NARRATIVE_MIN_CHARS..=RESIDENT_NARRATIVE_MAX_CHARS).contains(&narrative.chars().count()) {
        fields.push(
            FieldError::new("narrative", format!("{NARRATIVE_MIN_CHARS}–{RESIDENT_NARRATIVE_MAX_CHARS} characters"))
                .keyed("qr_err_narrative"),
        );
    }
    let phone = match r.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                fields.push(FieldError::new("phone", "a mobile number").keyed("qr_err_phone"));
                None
            }
        },
    };
    if r.name.chars().count() > 32 {
        fields.push(FieldError::new("name", "at most 32 characters").keyed("qr_err_name"));
    }
    let Some(kind) = kind.filter(|_| fields.is_empty()) else { return Err(Error::Invalid(fields)) };
    let day_ago = fengqiao_store::now_ms() - 86_400_000;
    if app.store.count_matters_of_household_since(h.id, day_ago).await? >= app.settings.qr_matters_per_day {
        return Err(Error::Limited("this household has reported as many matters as a day allows".into()));
    }
    let grid_id = app.store.unit_by_code(&h.grid_code).await?.id.0;
    let intake = crate::intake::Intake {
        kind,
        category: app.taxonomy.get(Category::Other.as_str()).cloned().expect("the built-in category other"),
        priority: Priority::Normal,
        narrative: narrative.to_string(),
        source: Source::HouseholdQr,
        reporter_name: Some(r.name.trim().to_string()).filter(|n| !n.is_empty()),
        reporter_phone: phone,
        difficulty: Difficulty::Ordinary,
        five_small: None,
    };
    let m = crate::intake::new_matter(&app.settings, intake, grid_id, Some(h.id), Some(h.lat), Some(h.lon));
    crate::intake::record(app, &ctx(client), &m).await
}

/// A rating on the four degrees (态度, 速度, 力度, 温度), each 1–5, as typed.
#[derive(Debug, Clone, Default)]
pub struct RatingIn {
    pub attitude: String,
    pub speed: String,
    pub firmness: String,
    pub warmth: String,
    pub comment: String,
}

/// Rate a matter reported through the household's current code, once ([`Error::Conflict`]
/// after). Any other matter reads as not found.
pub async fn rate(app: &App, client: &str, h: &HouseholdRow, code: &str, r: &RatingIn) -> Result<()> {
    let score = |s: &str| s.trim().parse::<i64>().ok().filter(|v| (1..=5).contains(v));
    let mut fields = vec![];
    let mut scores = [0; 4];
    for (i, (field, v)) in
        [("attitude", &r.attitude), ("speed", &r.speed), ("firmness", &r.firmness), ("warmth", &r.warmth)]
            .into_iter()
            .enumerate()
    {
        match score(v) {
            Some(s) => scores[i] = s,
            None => fields.push(FieldError::new(field, "a score from 1 to 5").keyed("qr_err_rating")),
        }
    }
    if r.comment.chars().count() > 200 {
        fields.push(FieldError::new("comment", "at most 200 characters").keyed("qr_err_rating"));
    }
    if !fields.is_empty() {
        return Err(Error::Invalid(fields));
    }
    app.store.rate_matter(&ctx(client), h.id, code, scores, r.comment.trim()).await?;
    Ok(())
}
