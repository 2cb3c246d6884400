//! "Five small" policing (五小警务, seed §1: 479 items done): practical help (办实事), small
//! cases solved (破小案), small conflicts settled (化小矛盾), small hazards cleared (除小患)
//! and small policing (小警务, the household visits that keep residents' trust). Counted from
//! the records, never typed in: each matter dealt with counts once, as the tag staff gave it
//! at intake or else by its kind; each household visit is one of small policing. Pure rules.

use chrono::NaiveDate;

/// The five: the same vocabulary as the tag staff may give a matter at intake.
pub use crate::matter::FiveSmall;

/// Which of the five a closed matter counts as: none unless it was dealt with (a dispute
/// settled, any other matter resolved — not referred to arbitration, a court or an agency,
/// withdrawn or passed up); then the tag staff gave it at intake, if any, else by its kind: a
/// resident's request is practical help, an incident or a tip a small case, a dispute a small
/// conflict, a hazard a small hazard.
pub fn of_matter(kind: &str, closure: Option<&str>, tag: Option<&str>) -> Option<FiveSmall> {
    if !matches!(closure, Some("resolved" | "settled")) {
        return None;
    }
    if let Some(t) = tag.and_then(FiveSmall::parse) {
        return Some(t);
    }
    match kind {
        "request" => Some(FiveSmall::PracticalHelp),
        "incident" | "tip" => Some(FiveSmall::SmallCase),
        "dispute" => Some(FiveSmall::SmallConflict),
        "hazard" => Some(FiveSmall::SmallHazard),
        _ => None,
    }
}

/// The counts of the five, in their order, and their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub practical_help: i64,
    pub small_case: i64,
    pub small_conflict: i64,
    pub small_hazard: i64,
    pub small_policing: i64,
}

impl Counts {
    pub fn add(&mut self, f: FiveSmall, n: i64) {
        match f {
            FiveSmall::PracticalHelp => self.practical_help += n,
            FiveSmall::SmallCase => self.small_case += n,
            FiveSmall::SmallConflict => self.small_conflict += n,
            FiveSmall::SmallHazard => self.small_hazard += n,
            FiveSmall::SmallPolicing => self.small_policing += n,
        }
    }

    pub fn total(&self) -> i64 {
        self.practical_help + self.small_case + self.small_conflict + self.small_hazard + self.small_policing
    }

    pub fn merge(&mut self, o: &Counts) {
        self.practical_help += o.practical_help;
        self.small_case += o.small_case;
        self.small_conflict += o.small_conflict;
        self.small_hazard += o.small_hazard;
        self.small_policing += o.small_policing;
    }
}

/// Longest period counted at once, in days.
pub const MAX_DAYS: i64 = 366;

/// Why a period `[from, to]` (China days, both included) cannot be counted, if it cannot.
pub fn period_refusal(from: NaiveDate, to: NaiveDate) -> Option<String> {
    if to < from {
        Some("the period ends before it begins".into())
    } else if (to - from).num_days() + 1 > MAX_DAYS {
        Some(format!("at most {MAX_DAYS} days at once"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_matters_count_by_tag_or_kind_once_dealt_with() {
        assert_eq!(of_matter("request", Some("resolved"), None), Some(FiveSmall::PracticalHelp));
        assert_eq!(of_matter("incident", Some("resolved"), None), Some(FiveSmall::SmallCase));
        assert_eq!(of_matter("tip", Some("resolved"), None), Some(FiveSmall::SmallCase));
        assert_eq!(of_matter("dispute", Some("settled"), None), Some(FiveSmall::SmallConflict));
        assert_eq!(of_matter("hazard", Some("resolved"), None), Some(FiveSmall::SmallHazard));
        for closure in ["referred_court", "withdrawn", "passed_up"] {
            assert_eq!(of_matter("dispute", Some(closure), None), None, "{closure} is not a conflict settled here");
            assert_eq!(of_matter("dispute", Some(closure), Some("small_conflict")), None, "nor when tagged");
        }
        assert_eq!(of_matter("hazard", None, None), None, "an open matter counts as nothing");
        assert_eq!(of_matter("request", Some("resolved"), Some("small_policing")), Some(FiveSmall::SmallPolicing));
        assert_eq!(of_matter("request", Some("resolved"), Some("nonsense")), Some(FiveSmall::PracticalHelp));
    }

    #[test]
    fn counts_add_up() {
        let mut c = Counts::default();
        c.add(FiveSmall::PracticalHelp, 2);
        c.add(FiveSmall::SmallPolicing, 5);
        let mut d = Counts { small_case: 1, ..Counts::default() };
        d.merge(&c);
        assert_eq!((d.practical_help, d.small_case, d.small_policing, d.total()), (2, 1, 5, 8));
    }

    #[test]
    fn a_period_is_at_most_a_year() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(period_refusal(d(1, 1), d(12, 31)), None);
        assert_eq!(period_refusal(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), d(12, 31)), None, "366 days");
        assert!(period_refusal(d(12, 2), d(12, 1)).is_some());
        let long = NaiveDate::from_ymd_opt(2025, 12, 30).unwrap();
        assert!(period_refusal(long, d(12, 31)).unwrap().contains("366"));
    }
}
