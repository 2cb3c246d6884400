//! The supervision desk (督查, issue 11 item 5): supervision slips (督办单) in three colours,
//! issued about an overdue matter, an unacknowledged or overdue instruction, or a unit's
//! deadline breach, answered by whoever it is addressed to and closed (or sent back) by the
//! desk; and the weekly quality spot check (质量抽查), a random sample of the matters closed in
//! a week, each reviewed and its findings sent back to whoever closed it. Pure rules here;
//! times are milliseconds, China time for weeks.

use crate::matter::vocabulary;
use std::fmt;

vocabulary!(
    /// How serious a slip is: a reminder, a warning, or formal supervision with a leader's
    /// attention. The colour also sets how long the addressee has to answer.
    SlipColour {
    Blue => "blue", "蓝色提醒";
    Orange => "orange", "橙色警示";
    Red => "red", "红色督办";
});

impl SlipColour {
    /// Hours the addressee has to answer: a day for red, two for orange, three for blue.
    pub fn answer_within_hours(self) -> i64 {
        match self {
            SlipColour::Blue => 72,
            SlipColour::Orange => 48,
            SlipColour::Red => 24,
        }
    }

    /// The colour the desk is offered for something `days_late` whole days past its deadline
    /// (negative: not yet due) and urged `urged` times already: blue while it is not late,
    /// orange when it is late by a day or two or was urged before, red from the third day or
    /// after two urgings. The desk may choose another.
    pub fn suggest(days_late: i64, urged: i64) -> SlipColour {
        if days_late >= 3 || urged >= 2 {
            SlipColour::Red
        } else if days_late >= 1 || urged >= 1 {
            SlipColour::Orange
        } else {
            SlipColour::Blue
        }
    }
}

vocabulary!(
    /// What a slip is about.
    SlipSubject {
    Matter => "matter", "事项";
    Instruction => "instruction", "指令";
    Unit => "unit", "单位";
});

vocabulary!(
    /// Issued → answered → closed; an answer the desk does not accept goes back to issued.
    SlipStatus {
    Issued => "issued", "已下发";
    Answered => "answered", "已回复";
    Closed => "closed", "已办结";
});

vocabulary!(
    /// A step on a slip.
    SlipEvent {
    Answer => "answer", "回复";
    Close => "close", "办结";
    Reject => "reject", "退回重办";
    Withdraw => "withdraw", "撤销";
});

impl SlipEvent {
    /// The desk closes, sends back or withdraws; the addressee answers.
    pub fn by_desk(self) -> bool {
        matches!(self, SlipEvent::Close | SlipEvent::Reject | SlipEvent::Withdraw)
    }

    /// An answer says what was done; a rejection or a withdrawal says why. Closing may be
    /// silent.
    pub fn needs_note(self) -> bool {
        matches!(self, SlipEvent::Answer | SlipEvent::Reject | SlipEvent::Withdraw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalStep {
    pub status: SlipStatus,
    pub event: SlipEvent,
}

impl fmt::Display for IllegalStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not allowed when the slip is {}", self.event.as_str(), self.status.as_str())
    }
}

/// The lifecycle: issued → answered → closed, or answered → issued when sent back; a slip
/// nobody can answer any more (the account gone, the unit empty) is withdrawn by the desk,
/// issued → closed, with a reason.
pub fn next(status: SlipStatus, event: SlipEvent) -> Result<SlipStatus, IllegalStep> {
    use SlipEvent as E;
    use SlipStatus as S;
    match (status, event) {
        (S::Issued, E::Answer) => Ok(S::Answered),
        (S::Answered, E::Close) => Ok(S::Closed),
        (S::Answered, E::Reject) => Ok(S::Issued),
        (S::Issued, E::Withdraw) => Ok(S::Closed),
        _ => Err(IllegalStep { status, event }),
    }
}

/// Whether an open slip is past its deadline to answer.
pub fn answer_overdue(status: SlipStatus, answer_due_at: i64, now: i64) -> bool {
    status == SlipStatus::Issued && now > answer_due_at
}

vocabulary!(
    /// A reviewer's verdict on a sampled matter.
    Verdict {
    Pending => "pending", "待评查";
    Sound => "sound", "合格";
    Flawed => "flawed", "存在问题";
});

vocabulary!(
    /// What a review may find wrong with a closed matter.
    Flaw {
    IncompleteRecord => "incomplete_record", "文书记录不全";
    Late => "late", "办理超期";
    NoFollowUp => "no_follow_up", "未按要求回访";
    Improper => "improper", "处置不当";
    Dissatisfied => "dissatisfied", "当事人不满意";
    Other => "other", "其他";
});

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
const CHINA: i64 = 8 * HOUR;

/// The Monday 00:00 (China time) that begins the week `ms` falls in.
pub fn week_start(ms: i64) -> i64 {
    // 1970-01-01 was a Thursday: Monday 1969-12-29 begins week 0.
    let monday0 = -3 * DAY;
    (ms + CHINA - monday0).div_euclid(WEEK) * WEEK + monday0 - CHINA
}

/// The week whose closed matters the check drawn at `now` reviews: the last full week.
pub fn week_reviewed(now: i64) -> (i64, i64) {
    let end = week_start(now);
    (end - WEEK, end)
}

/// How many of `closed` matters a week's check samples: a tenth, at least 5 (all of them when
/// fewer), at most `max`.
pub fn sample_size(closed: i64, max: i64) -> i64 {
    let tenth = (closed + 9) / 10;
    tenth.max(5).min(closed).min(max).max(0)
}

/// Choose `k` of `n` positions without repetition from random words (a partial Fisher–Yates
/// shuffle); `rand_word` yields uniformly random `u64`s. The result is in drawn order.
pub fn choose(n: usize, k: usize, mut rand_word: impl FnMut() -> u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    let k = k.min(n);
    for i in 0..k {
        let span = (n - i) as u64;
        let j = i + (rand_word() % span) as usize;
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_is_answered_then_closed_or_sent_back() {
        use SlipEvent as E;
        use SlipStatus as S;
        assert_eq!(next(S::Issued, E::Answer), Ok(S::Answered));
        assert_eq!(next(S::Answered, E::Close), Ok(S::Closed));
        assert_eq!(next(S::Answered, E::Reject), Ok(S::Issued));
        assert!(next(S::Issued, E::Close).is_err(), "nothing to close before an answer");
        assert!(next(S::Closed, E::Answer).is_err(), "a closed slip stays closed");
        assert!(next(S::Closed, E::Reject).is_err());
        assert_eq!(next(S::Issued, E::Withdraw), Ok(S::Closed), "a slip nobody can answer is withdrawn");
        assert!(next(S::Answered, E::Withdraw).is_err(), "an answer is closed or sent back");
        assert!(E::Close.by_desk() && E::Reject.by_desk() && !E::Answer.by_desk());
    }

    #[test]
    fn colours_grow_with_lateness_and_urging() {
        assert_eq!(SlipColour::suggest(-2, 0), SlipColour::Blue);
        assert_eq!(SlipColour::suggest(0, 0), SlipColour::Blue);
        assert_eq!(SlipColour::suggest(1, 0), SlipColour::Orange);
        assert_eq!(SlipColour::suggest(0, 1), SlipColour::Orange);
        assert_eq!(SlipColour::suggest(3, 0), SlipColour::Red);
        assert_eq!(SlipColour::suggest(0, 2), SlipColour::Red);
        assert!(SlipColour::Red.answer_within_hours() < SlipColour::Blue.answer_within_hours());
        assert!(answer_overdue(SlipStatus::Issued, 10, 11));
        assert!(!answer_overdue(SlipStatus::Answered, 10, 11), "answered: the desk's turn");
    }

    #[test]
    fn weeks_begin_on_monday_in_china() {
        // 2026-12-03 (a Thursday) 12:00 China time.
        let thu = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00+08:00").unwrap().timestamp_millis();
        let mon = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00+08:00").unwrap().timestamp_millis();
        assert_eq!(week_start(thu), mon);
        assert_eq!(week_start(mon), mon, "Monday midnight begins its own week");
        assert_eq!(week_start(mon - 1), mon - WEEK, "Sunday 23:59 is the week before");
        assert_eq!(week_reviewed(thu), (mon - WEEK, mon));
    }

    #[test]
    fn samples_are_a_tenth_within_bounds_and_never_repeat() {
        assert_eq!(sample_size(0, 20), 0);
        assert_eq!(sample_size(3, 20), 3, "all when fewer than five");
        assert_eq!(sample_size(40, 20), 5);
        assert_eq!(sample_size(123, 20), 13);
        assert_eq!(sample_size(1000, 20), 20);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let picks = choose(50, 10, || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        });
        assert_eq!(picks.len(), 10);
        let mut sorted = picks.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 10, "no matter is drawn twice");
        assert!(picks.iter().all(|&p| p < 50));
        assert_eq!(choose(3, 10, || 7).len(), 3);
    }
}
