//! Request bodies of the casework operations as the API documents them. Each converts into
//! the app's input by destructuring every field, so the two cannot drift apart unnoticed:
//! a field added on either side stops the build.

use fengqiao_app::casework as app;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyIn {
    /// applicant, respondent or third_party.
    pub role: String,
    pub name: String,
    /// Resident ID number (links the party to the registry and to their other matters).
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Disabled, pregnant, ... (minors, people of 70 and over and residents with a care
    /// category count as vulnerable anyway).
    #[serde(default)]
    pub vulnerable: bool,
}

impl From<PartyIn> for app::PartyIn {
    fn from(p: PartyIn) -> Self {
        let PartyIn { role, name, id_number, phone, address, vulnerable } = p;
        app::PartyIn { role, name, id_number, phone, address, vulnerable }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionIn {
    /// When it was held: YYYY-MM-DDTHH:MM (Beijing time).
    pub held_at: String,
    pub place: String,
    pub participants: String,
    pub record: String,
}

impl From<SessionIn> for app::SessionIn {
    fn from(s: SessionIn) -> Self {
        let SessionIn { held_at, place, participants, record } = s;
        app::SessionIn { held_at, place, participants, record }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanStepIn {
    pub description: String,
    /// YYYY-MM-DD
    pub due_date: String,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePlanIn {
    pub goal: String,
    /// A new approach (filial_harmony, courtesy_and_law, neighbourly_warmth), if changed.
    pub approach: Option<String>,
    /// Usernames of mediators of the centre.
    #[serde(default)]
    pub mediators: Vec<String>,
    #[serde(default)]
    pub steps: Vec<PlanStepIn>,
}

impl From<CasePlanIn> for app::CasePlanIn {
    fn from(p: CasePlanIn) -> Self {
        let CasePlanIn { goal, approach, mediators, steps } = p;
        let steps = steps
            .into_iter()
            .map(|PlanStepIn { description, due_date, done }| app::PlanStepIn { description, due_date, done })
            .collect();
        app::CasePlanIn { goal, approach, mediators, steps }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementIn {
    pub facts: String,
    pub points: String,
    pub responsibilities: String,
    pub terms: Vec<TermIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermIn {
    /// Who carries it out (a party's name).
    pub obligor: String,
    pub content: String,
    /// How: in cash, by bank transfer, in person, ...
    pub manner: String,
    /// By when: YYYY-MM-DD.
    pub due_date: String,
}

impl From<AgreementIn> for app::AgreementIn {
    fn from(a: AgreementIn) -> Self {
        let AgreementIn { facts, points, responsibilities, terms } = a;
        let terms = terms
            .into_iter()
            .map(|TermIn { obligor, content, manner, due_date }| app::TermIn { obligor, content, manner, due_date })
            .collect();
        app::AgreementIn { facts, points, responsibilities, terms }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpIn {
    pub outcome: String,
    /// The dispute has come back: the case is reopened.
    #[serde(default)]
    pub recurred: bool,
    /// The resident's rating on the four degrees, 1–5 each.
    pub attitude: Option<i64>,
    pub speed: Option<i64>,
    pub firmness: Option<i64>,
    pub warmth: Option<i64>,
}

impl From<FollowUpIn> for app::FollowUpIn {
    fn from(f: FollowUpIn) -> Self {
        let FollowUpIn { outcome, recurred, attitude, speed, firmness, warmth } = f;
        app::FollowUpIn { outcome, recurred, attitude, speed, firmness, warmth }
    }
}
