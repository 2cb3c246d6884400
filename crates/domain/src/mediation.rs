//! The People's Mediation Law's rules as guards on the workflow: mediation needs the
//! consent of every party (a refusal ends it); on failure the parties are told of the
//! arbitration, administrative and court routes; the written agreement states the parties,
//! the facts and points in dispute, the responsibilities and the terms (what, how, by
//! when); it takes effect when signed, and joint judicial confirmation must be applied for
//! within 30 days of effect. Mediation normally ends within one month.

use crate::FieldError;
use crate::matter::Event;
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Joint application for judicial confirmation: within 30 days of the agreement's effect.
pub const JUDICIAL_CONFIRMATION_DAYS: i64 = 30;
/// A reminder is due this many days before the window closes.
pub const JUDICIAL_CONFIRMATION_REMINDER_DAYS: i64 = 7;
/// Mediation is normally finished within one month.
pub const MEDIATION_MONTH_DAYS: i64 = 30;
/// Follow-up visits after a dispute is settled, in days.
pub const FOLLOW_UP_DAYS: [i64; 2] = [7, 30];

/// The follow-up visits a step schedules (due times, UTC ms): a dispute that becomes
/// settled at `now` is visited again after 7 and 30 days; any other step schedules none.
pub fn follow_ups_due(to: crate::matter::Status, now_ms: i64) -> Vec<i64> {
    use crate::matter::{Closure, Status};
    match to {
        Status::Closed(Closure::Settled) => FOLLOW_UP_DAYS.iter().map(|d| now_ms + d * 24 * 3_600_000).collect(),
        _ => vec![],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Applicant,
    Respondent,
    ThirdParty,
}

impl PartyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Applicant => "applicant",
            PartyRole::Respondent => "respondent",
            PartyRole::ThirdParty => "third_party",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            PartyRole::Applicant => "申请人",
            PartyRole::Respondent => "被申请人",
            PartyRole::ThirdParty => "第三人",
        }
    }
    pub fn parse(s: &str) -> Option<PartyRole> {
        [PartyRole::Applicant, PartyRole::Respondent, PartyRole::ThirdParty].into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Pending,
    Given,
    Refused,
}

impl Consent {
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Pending => "pending",
            Consent::Given => "given",
            Consent::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Consent> {
        [Consent::Pending, Consent::Given, Consent::Refused].into_iter().find(|c| c.as_str() == s)
    }
}

/// The routes the parties are told of when mediation fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Arbitration,
    Administrative,
    Court,
}

impl Route {
    pub const ALL: [Route; 3] = [Route::Arbitration, Route::Administrative, Route::Court];
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Arbitration => "arbitration",
            Route::Administrative => "administrative",
            Route::Court => "court",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Route::Arbitration => "仲裁",
            Route::Administrative => "行政",
            Route::Court => "司法诉讼",
        }
    }
    pub fn parse(s: &str) -> Option<Route> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// What the guards need to know of a case.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    /// (role, consent) of each party.
    pub parties: Vec<(PartyRole, Consent)>,
    pub agreement_drafted: bool,
    pub agreement_signed: bool,
    pub open_terms: usize,
    /// Routes told, for a failure.
    pub routes_told: Vec<Route>,
}

/// May `event` happen, given the facts? The state machine (`matter::next`) decides the
/// order of steps; this decides whether the law's preconditions are met.
pub fn guard(event: Event, f: &CaseFacts) -> Result<(), FieldError> {
    match event {
        Event::StartMediation => {
            let has = |r: PartyRole| f.parties.iter().any(|(role, _)| *role == r);
            if !has(PartyRole::Applicant) || !has(PartyRole::Respondent) {
                return Err(FieldError::new("parties", "record at least the applicant and the respondent first")
                    .keyed("guard_parties"));
            }
            let missing = f.parties.iter().filter(|(_, c)| *c != Consent::Given).count();
            if missing > 0 {
                return Err(FieldError::new(
                    "consent",
                    format!("mediation needs every party's consent; {missing} have not given it"),
                )
                .keyed("guard_consent"));
            }
        }
        Event::ConsentRefused => {
            if !f.parties.iter().any(|(_, c)| *c == Consent::Refused) {
                return Err(FieldError::new("consent", "record which party refused first").keyed("guard_refused"));
            }
            routes_told(f)?;
        }
        Event::FailMediation => routes_told(f)?,
        Event::ReachAgreement if !f.agreement_drafted => {
            return Err(FieldError::new("agreement", "draft the written agreement first").keyed("guard_draft"));
        }
        Event::StartPerforming if !f.agreement_signed => {
            return Err(FieldError::new("agreement", "the agreement takes effect when signed; record the signing")
                .keyed("guard_signed"));
        }
        Event::Perform if f.open_terms > 0 => {
            return Err(
                FieldError::new("terms", format!("{} terms not yet carried out", f.open_terms)).keyed("guard_terms")
            );
        }
        _ => {}
    }
    Ok(())
}

fn routes_told(f: &CaseFacts) -> Result<(), FieldError> {
    if f.routes_told.is_empty() {
        return Err(FieldError::new(
            "routes",
            "record that the parties were told of the arbitration, administrative and court routes",
        )
        .keyed("guard_routes"));
    }
    Ok(())
}

/// One term of the agreement: who does what, how, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermDraft {
    pub obligor: String,
    pub content: String,
    pub manner: String,
    /// YYYY-MM-DD
    pub due_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDraft {
    pub facts: String,
    pub points: String,
    pub responsibilities: String,
    pub terms: Vec<TermDraft>,
}

/// Check that the agreement states every part the law requires; every problem, by field.
pub fn check_agreement(a: &AgreementDraft, parties: usize) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if parties < 2 {
        errs.push(FieldError::new("parties", "an agreement needs at least two parties"));
    }
    for (field, text, what) in [
        ("facts", &a.facts, "the facts of the dispute"),
        ("points", &a.points, "the points in dispute"),
        ("responsibilities", &a.responsibilities, "each party's responsibilities"),
    ] {
        let n = text.trim().chars().count();
        if n < 4 {
            errs.push(FieldError::new(field, format!("state {what} (at least 4 characters)")));
        } else if n > 4000 {
            errs.push(FieldError::new(field, "at most 4000 characters"));
        }
    }
    if a.terms.is_empty() {
        errs.push(FieldError::new("terms", "state at least one term: what is done, how, and by when"));
    }
    for (i, t) in a.terms.iter().enumerate() {
        let n = i + 1;
        if t.obligor.trim().is_empty() {
            errs.push(FieldError::new(format!("terms[{n}].obligor"), "who carries it out"));
        }
        if t.content.trim().chars().count() < 2 {
            errs.push(FieldError::new(format!("terms[{n}].content"), "what is to be done"));
        }
        if t.manner.trim().is_empty() {
            errs.push(FieldError::new(format!("terms[{n}].manner"), "how it is carried out"));
        }
        if chrono::NaiveDate::parse_from_str(t.due_date.trim(), "%Y-%m-%d").is_err() {
            errs.push(FieldError::new(format!("terms[{n}].due_date"), "a date, YYYY-MM-DD"));
        }
    }
    errs
}

/// Where the joint application for judicial confirmation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum JudicialConfirmationWindow {
    NotInEffect,
    Applied,
    Open {
        days_left: i64,
    },
    /// Within the reminder period: remind the parties.
    DueSoon {
        days_left: i64,
    },
    Lapsed,
}

pub fn judicial_confirmation_due(signed_at_ms: i64) -> i64 {
    signed_at_ms + JUDICIAL_CONFIRMATION_DAYS * DAY_MS
}

pub fn judicial_confirmation_window(
    now_ms: i64,
    signed_at_ms: Option<i64>,
    applied: bool,
) -> JudicialConfirmationWindow {
    let Some(signed) = signed_at_ms else { return JudicialConfirmationWindow::NotInEffect };
    if applied {
        return JudicialConfirmationWindow::Applied;
    }
    let left_ms = judicial_confirmation_due(signed) - now_ms;
    if left_ms < 0 {
        return JudicialConfirmationWindow::Lapsed;
    }
    let days_left = (left_ms + DAY_MS - 1) / DAY_MS;
    if days_left <= JUDICIAL_CONFIRMATION_REMINDER_DAYS {
        JudicialConfirmationWindow::DueSoon { days_left }
    } else {
        JudicialConfirmationWindow::Open { days_left }
    }
}

/// Mediation that has run over a month is flagged.
pub fn mediation_overdue(now_ms: i64, started_at_ms: Option<i64>) -> bool {
    started_at_ms.is_some_and(|s| now_ms - s > MEDIATION_MONTH_DAYS * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(c1: Consent, c2: Consent) -> CaseFacts {
        CaseFacts { parties: vec![(PartyRole::Applicant, c1), (PartyRole::Respondent, c2)], ..Default::default() }
    }

    #[test]
    fn no_mediation_without_every_partys_consent() {
        assert!(guard(Event::StartMediation, &CaseFacts::default()).is_err());
        let e = guard(Event::StartMediation, &both(Consent::Given, Consent::Pending)).unwrap_err();
        assert_eq!(e.field, "consent");
        assert!(guard(Event::StartMediation, &both(Consent::Given, Consent::Given)).is_ok());
        // A refusal ends it: the refusal must be recorded, and so must the routes told.
        assert!(guard(Event::ConsentRefused, &both(Consent::Given, Consent::Pending)).is_err());
        let mut f = both(Consent::Given, Consent::Refused);
        assert_eq!(guard(Event::ConsentRefused, &f).unwrap_err().field, "routes");
        f.routes_told = vec![Route::Court];
        assert!(guard(Event::ConsentRefused, &f).is_ok());
    }

    #[test]
    fn failure_records_the_routes_told() {
        let mut f = both(Consent::Given, Consent::Given);
        assert_eq!(guard(Event::FailMediation, &f).unwrap_err().field, "routes");
        f.routes_told = Route::ALL.to_vec();
        assert!(guard(Event::FailMediation, &f).is_ok());
    }

    #[test]
    fn agreement_steps_need_the_document() {
        let mut f = both(Consent::Given, Consent::Given);
        assert!(guard(Event::ReachAgreement, &f).is_err());
        f.agreement_drafted = true;
        assert!(guard(Event::ReachAgreement, &f).is_ok());
        assert!(guard(Event::StartPerforming, &f).is_err());
        f.agreement_signed = true;
        f.open_terms = 1;
        assert!(guard(Event::StartPerforming, &f).is_ok());
        assert_eq!(guard(Event::Perform, &f).unwrap_err().field, "terms");
    }

    #[test]
    fn an_agreement_states_every_required_part() {
        let a = AgreementDraft {
            facts: "".into(),
            points: "漏水".into(),
            responsibilities: "楼上住户负责维修".into(),
            terms: vec![TermDraft {
                obligor: "张三".into(),
                content: "修好".into(),
                manner: "".into(),
                due_date: "2026-13-01".into(),
            }],
        };
        let fields: Vec<String> = check_agreement(&a, 2).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["facts", "points", "terms[1].manner", "terms[1].due_date"]);
        assert_eq!(check_agreement(&AgreementDraft { terms: vec![], ..a }, 1)[0].field, "parties");
    }

    #[test]
    fn the_thirty_day_window_and_its_reminder() {
        let signed = 1_700_000_000_000;
        assert_eq!(judicial_confirmation_window(signed, None, false), JudicialConfirmationWindow::NotInEffect);
        assert_eq!(
            judicial_confirmation_window(signed, Some(signed), false),
            JudicialConfirmationWindow::Open { days_left: 30 }
        );
        assert_eq!(
            judicial_confirmation_window(signed + 23 * DAY_MS, Some(signed), false),
            JudicialConfirmationWindow::DueSoon { days_left: 7 }
        );
        assert_eq!(
            judicial_confirmation_window(signed + 22 * DAY_MS, Some(signed), false),
            JudicialConfirmationWindow::Open { days_left: 8 }
        );
        assert_eq!(
            judicial_confirmation_window(signed + 30 * DAY_MS, Some(signed), false),
            JudicialConfirmationWindow::DueSoon { days_left: 0 }
        );
        assert_eq!(
            judicial_confirmation_window(signed + 30 * DAY_MS + 1, Some(signed), false),
            JudicialConfirmationWindow::Lapsed
        );
        assert_eq!(
            judicial_confirmation_window(signed + 40 * DAY_MS, Some(signed), true),
            JudicialConfirmationWindow::Applied
        );
        assert!(mediation_overdue(signed + 31 * DAY_MS, Some(signed)));
        assert!(!mediation_overdue(signed + 29 * DAY_MS, Some(signed)));
    }
}
