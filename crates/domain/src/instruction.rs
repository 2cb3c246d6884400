//! Two-way instructions (指令, issue 11 item 3): the command room (or a leader) instructs a
//! person or a unit, about a matter or on its own, with a deadline to acknowledge (签收) and
//! one to report back (反馈). The issuer closes it item by item (销号) or sends the report back;
//! the recipient may return it with a reason. Supervision colours it as its deadlines near and
//! pass. Everything here is a pure function of the state and `now` (milliseconds), so the
//! lifecycle is tested with a clock the test controls.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Written and sent; not yet seen to arrive.
    Sent,
    /// The message reached the recipient (a notice delivered, or the page opened).
    Delivered,
    /// The recipient acknowledged it (签收).
    Acknowledged,
    /// The recipient reported back (反馈).
    Reported,
    /// The issuer closed it (销号).
    Closed,
    /// The recipient returned it, with a reason (not theirs, cannot be done as asked).
    Returned,
}

impl Status {
    pub const ALL: &'static [Status] =
        &[Status::Sent, Status::Delivered, Status::Acknowledged, Status::Reported, Status::Closed, Status::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Acknowledged => "acknowledged",
            Status::Reported => "reported",
            Status::Closed => "closed",
            Status::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|x| x.as_str() == s)
    }

    /// Closed or returned: nothing more is expected of anyone.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Returned)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The notice reached the recipient.
    Deliver,
    /// The recipient acknowledges (签收); an acknowledgement also proves delivery.
    Acknowledge,
    /// The recipient reports back what was done (反馈).
    Report,
    /// The issuer accepts the report and closes the item (销号).
    Close,
    /// The issuer sends the report back to be done again (退回重办).
    Reject,
    /// The recipient returns the instruction with a reason (退回).
    Return,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Deliver => "deliver",
            Event::Acknowledge => "acknowledge",
            Event::Report => "report",
            Event::Close => "close",
            Event::Reject => "reject",
            Event::Return => "return",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        [Event::Deliver, Event::Acknowledge, Event::Report, Event::Close, Event::Reject, Event::Return]
            .into_iter()
            .find(|e| e.as_str() == s)
    }

    /// Who takes this step: the recipient, or the issuer.
    pub fn by_issuer(self) -> bool {
        matches!(self, Event::Close | Event::Reject)
    }

    /// The step needs words: a report says what was done, a return or a rejection says why.
    pub fn needs_note(self) -> bool {
        matches!(self, Event::Report | Event::Return | Event::Reject)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub status: Status,
    pub event: Event,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not allowed when the instruction is {}", self.event.as_str(), self.status)
    }
}

/// The lifecycle: sent → delivered → acknowledged → reported → closed; a report may be sent
/// back (reported → acknowledged); before acknowledging, the recipient may return it.
pub fn next(status: Status, event: Event) -> Result<Status, IllegalTransition> {
    use Event as E;
    use Status as S;
    Ok(match (status, event) {
        (S::Sent, E::Deliver) => S::Delivered,
        (S::Sent | S::Delivered, E::Acknowledge) => S::Acknowledged,
        (S::Sent | S::Delivered, E::Return) => S::Returned,
        (S::Acknowledged, E::Report) => S::Reported,
        (S::Reported, E::Close) => S::Closed,
        (S::Reported, E::Reject) => S::Acknowledged,
        _ => return Err(IllegalTransition { status, event }),
    })
}

/// The two deadlines, milliseconds since the epoch; acknowledging is due first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub issued_at: i64,
    pub ack_due: i64,
    pub report_due: i64,
}

impl Deadlines {
    /// Deadlines from the time of issue; `None` when they are not in order (acknowledge
    /// after issue, report no earlier than acknowledge).
    pub fn new(issued_at: i64, ack_due: i64, report_due: i64) -> Option<Deadlines> {
        (issued_at < ack_due && ack_due <= report_due).then_some(Deadlines { issued_at, ack_due, report_due })
    }

    /// The deadline the recipient works to in `status`: acknowledging, then reporting.
    /// `None` when it is the issuer's turn or nothing more is due.
    pub fn current(&self, status: Status) -> Option<i64> {
        match status {
            Status::Sent | Status::Delivered => Some(self.ack_due),
            Status::Acknowledged => Some(self.report_due),
            Status::Reported | Status::Closed | Status::Returned => None,
        }
    }
}

/// Supervision colours (督查单: 蓝 / 橙 / 红).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// On time.
    None,
    /// Near a deadline: in the last quarter of the time allowed for the step (at least ten
    /// minutes, at most two hours before it).
    Blue,
    /// Behind: the step's deadline has passed (not acknowledged in time, or acknowledged but
    /// not reported by the report deadline is red, below).
    Orange,
    /// Overdue: the report deadline has passed without a report.
    Red,
}

impl Colour {
    pub fn as_str(self) -> &'static str {
        match self {
            Colour::None => "none",
            Colour::Blue => "blue",
            Colour::Orange => "orange",
            Colour::Red => "red",
        }
    }
}

const MINUTE: i64 = 60_000;

/// How long before a deadline an instruction turns blue: a quarter of the step's window,
/// between ten minutes and two hours.
pub fn warning_window(from: i64, due: i64) -> i64 {
    ((due - from) / 4).clamp(10 * MINUTE, 120 * MINUTE)
}

/// The colour of an instruction in `status` at `now`.
pub fn colour(status: Status, d: &Deadlines, now: i64) -> Colour {
    let Some(due) = d.current(status) else { return Colour::None };
    if now > d.report_due {
        return Colour::Red;
    }
    if now > due {
        return Colour::Orange;
    }
    // The step's window: from issue to acknowledging, then from the acknowledgement deadline
    // to the report deadline.
    let from = if status == Status::Acknowledged { d.ack_due } else { d.issued_at };
    if now >= due - warning_window(from, due) { Colour::Blue } else { Colour::None }
}

/// Whether an instruction is to be escalated to the recipient's unit leader (and sent
/// again): it is red and has not been escalated at this colour before.
pub fn escalates(status: Status, d: &Deadlines, now: i64, escalated: bool) -> bool {
    !escalated && colour(status, d, now) == Colour::Red
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 60 * MINUTE;
    /// Issued at 9:00; acknowledge by 9:30, report by 17:00 (a day's task).
    fn day() -> Deadlines {
        Deadlines::new(9 * H, 9 * H + 30 * MINUTE, 17 * H).unwrap()
    }

    #[test]
    fn the_lifecycle_goes_one_way_with_two_ways_back() {
        use Event as E;
        use Status as S;
        let path = [E::Deliver, E::Acknowledge, E::Report, E::Reject, E::Report, E::Close];
        let mut s = S::Sent;
        let mut seen = vec![];
        for e in path {
            s = next(s, e).unwrap_or_else(|err| panic!("{err}"));
            seen.push(s);
        }
        assert_eq!(seen, [S::Delivered, S::Acknowledged, S::Reported, S::Acknowledged, S::Reported, S::Closed]);
        // Acknowledging straight from sent proves delivery; returning is only before it.
        assert_eq!(next(S::Sent, E::Acknowledge), Ok(S::Acknowledged));
        assert_eq!(next(S::Delivered, E::Return), Ok(S::Returned));
        for (status, event) in [
            (S::Acknowledged, E::Return),
            (S::Sent, E::Report),
            (S::Delivered, E::Close),
            (S::Acknowledged, E::Close),
            (S::Closed, E::Reject),
            (S::Returned, E::Acknowledge),
            (S::Closed, E::Report),
        ] {
            assert_eq!(next(status, event), Err(IllegalTransition { status, event }), "{status} {event:?}");
        }
        for s in Status::ALL {
            for e in [E::Deliver, E::Acknowledge, E::Report, E::Close, E::Reject, E::Return] {
                if s.is_final() {
                    assert!(next(*s, e).is_err(), "nothing follows {s}");
                }
            }
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert!(E::Close.by_issuer() && E::Reject.by_issuer() && !E::Report.by_issuer());
        assert!(E::Return.needs_note() && !E::Acknowledge.needs_note());
    }

    #[test]
    fn deadlines_must_be_in_order() {
        assert!(Deadlines::new(10, 10, 20).is_none(), "acknowledging is due after issue");
        assert!(Deadlines::new(10, 30, 20).is_none(), "reporting is due no earlier than acknowledging");
        assert!(Deadlines::new(10, 20, 20).is_some());
    }

    #[test]
    fn colours_follow_the_clock() {
        let d = day();
        let at = |h: i64, m: i64| h * H + m * MINUTE;
        use Colour as C;
        use Status as S;
        // Acknowledging within 30 minutes: blue for the last ten (a quarter is 7.5, the
        // floor is ten), orange once 9:30 passes unacknowledged.
        assert_eq!(colour(S::Sent, &d, at(9, 0)), C::None);
        assert_eq!(colour(S::Sent, &d, at(9, 19)), C::None);
        assert_eq!(colour(S::Delivered, &d, at(9, 20)), C::Blue);
        assert_eq!(colour(S::Delivered, &d, at(9, 30)), C::Blue, "due at 9:30 is still on time");
        assert_eq!(colour(S::Delivered, &d, at(9, 31)), C::Orange);
        // Still not acknowledged when the report was due: red.
        assert_eq!(colour(S::Sent, &d, at(17, 1)), C::Red);
        // Acknowledged, the report due at 17:00: the window 9:30–17:00 is 7.5 hours, a quarter
        // of it 1 h 52.5 min, so blue from 15:07:30.
        assert_eq!(colour(S::Acknowledged, &d, at(15, 7)), C::None);
        assert_eq!(colour(S::Acknowledged, &d, at(15, 8)), C::Blue);
        assert_eq!(colour(S::Acknowledged, &d, at(17, 0)), C::Blue);
        assert_eq!(colour(S::Acknowledged, &d, at(17, 1)), C::Red);
        // Reported, closed or returned: nothing is due of the recipient.
        for s in [S::Reported, S::Closed, S::Returned] {
            assert_eq!(colour(s, &d, at(23, 0)), C::None, "{s}");
        }
        assert!(C::None < C::Blue && C::Blue < C::Orange && C::Orange < C::Red);
    }

    #[test]
    fn overdue_escalates_once() {
        let d = day();
        assert!(!escalates(Status::Acknowledged, &d, 16 * H, false));
        assert!(escalates(Status::Acknowledged, &d, 18 * H, false));
        assert!(!escalates(Status::Acknowledged, &d, 18 * H, true), "not again");
        assert!(!escalates(Status::Reported, &d, 18 * H, false), "reported in the end");
    }

    #[test]
    fn the_warning_window_is_a_quarter_within_bounds() {
        assert_eq!(warning_window(0, 40 * MINUTE), 10 * MINUTE);
        assert_eq!(warning_window(0, 4 * H), H);
        assert_eq!(warning_window(0, 48 * H), 2 * H);
    }
}
