//! Rosters (值班表) and shift handovers (交接班), issue 11 item 2, as pure rules: the posts of
//! the command room, the states of a person's assignment to a shift and the moves between
//! them, the dates and times of shifts in China time, and a rotation that spreads people
//! over days in turn.

use crate::matter::vocabulary;

vocabulary!(
    /// A post of the command room: its two chiefs and its five desks.
    Post {
    Commander => "commander", "指挥长";
    DutyCommander => "duty_commander", "值班指挥长";
    Dispatch => "dispatch", "指挥调度专班";
    Fusion => "fusion", "警网融合专班";
    Supervision => "supervision", "勤务监督专班";
    Affairs => "affairs", "综合内务专班";
    Video => "video", "视频巡查专班";
});

vocabulary!(
    /// Where a person's assignment to a shift stands.
    AssignmentState {
    Assigned => "assigned", "已排班";
    Confirmed => "confirmed", "已确认";
    Done => "done", "已完成";
    NoShow => "no_show", "缺岗";
    Swapped => "swapped", "已换班";
});

impl AssignmentState {
    /// The person is (still) expected on the shift.
    pub fn expected(self) -> bool {
        matches!(self, AssignmentState::Assigned | AssignmentState::Confirmed)
    }

    /// Whether the assignment may move to `to`: confirmed from assigned; done, no-show or
    /// swapped from assigned or confirmed; nothing out of done, no-show or swapped.
    pub fn may_become(self, to: AssignmentState) -> bool {
        use AssignmentState::*;
        matches!((self, to), (Assigned, Confirmed) | (Assigned | Confirmed, Done | NoShow | Swapped))
    }
}

impl Post {
    /// Whether a person with these roles may stand this post: a commander's post a
    /// commander; a duty commander's a duty commander (or a commander); a desk a desk
    /// officer (or one of the chiefs).
    pub fn taken_by(self, roles: &[crate::role::Role]) -> bool {
        use crate::role::Role;
        let any = |rs: &[Role]| roles.iter().any(|r| rs.contains(r));
        match self {
            Post::Commander => any(&[Role::Commander]),
            Post::DutyCommander => any(&[Role::DutyCommander, Role::Commander]),
            _ => any(&[Role::DeskOfficer, Role::DutyCommander, Role::Commander]),
        }
    }
}

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;
const CHINA: i64 = 8 * 60 * MIN;

/// A date (YYYY-MM-DD, China time) as the millisecond its day begins.
pub fn day_start(date: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - CHINA)
}

/// The China-time day a moment falls in, as the millisecond it begins.
pub fn day_of(ms: i64) -> i64 {
    (ms + CHINA).div_euclid(DAY) * DAY - CHINA
}

/// When a shift of a template that starts `start_minute` after midnight begins on the day
/// beginning at `day`, and when it ends.
pub fn shift_times(day: i64, start_minute: i64, duration_minutes: i64) -> (i64, i64) {
    let starts = day + start_minute * MIN;
    (starts, starts + duration_minutes * MIN)
}

/// A rotation: who is on the shift of day `d` (0-based), `per_shift` people taken in turn
/// from `people`, so each works as often as the others.
pub fn rotation(people: usize, per_shift: usize, d: usize) -> Vec<usize> {
    if people == 0 {
        return vec![];
    }
    (0..per_shift.min(people)).map(|k| (d * per_shift + k) % people).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_move_forward_only() {
        use AssignmentState::*;
        assert!(Assigned.may_become(Confirmed));
        assert!(Confirmed.may_become(Done) && Assigned.may_become(NoShow) && Confirmed.may_become(Swapped));
        assert!(!Done.may_become(Confirmed) && !Swapped.may_become(Assigned) && !NoShow.may_become(Done));
        assert!(!Confirmed.may_become(Confirmed) && !Confirmed.may_become(Assigned));
        assert!(Assigned.expected() && Confirmed.expected() && !Swapped.expected());
    }

    #[test]
    fn shifts_fall_on_china_days() {
        let day = day_start("2026-12-03").unwrap();
        assert_eq!(day, chrono::DateTime::parse_from_rfc3339("2026-12-03T00:00:00+08:00").unwrap().timestamp_millis());
        let (s, e) = shift_times(day, 8 * 60 + 30, 24 * 60);
        assert_eq!(s, chrono::DateTime::parse_from_rfc3339("2026-12-03T08:30:00+08:00").unwrap().timestamp_millis());
        assert_eq!(e - s, DAY);
        assert_eq!(day_of(s), day);
        assert_eq!(day_of(day - 1), day - DAY, "a minute before midnight is the day before");
        assert!(day_start("2026-02-30").is_none());
    }

    #[test]
    fn posts_are_stood_by_their_roles() {
        use crate::role::Role;
        assert!(Post::DutyCommander.taken_by(&[Role::DutyCommander]));
        assert!(!Post::DutyCommander.taken_by(&[Role::DeskOfficer]));
        assert!(Post::Video.taken_by(&[Role::DeskOfficer]) && !Post::Video.taken_by(&[Role::GridWorker]));
        assert!(!Post::Commander.taken_by(&[Role::DutyCommander]));
    }

    #[test]
    fn a_rotation_takes_people_in_turn() {
        assert_eq!(rotation(4, 1, 0), [0]);
        assert_eq!(rotation(4, 1, 5), [1]);
        assert_eq!(rotation(5, 2, 0), [0, 1]);
        assert_eq!(rotation(5, 2, 2), [4, 0]);
        assert_eq!(rotation(1, 3, 7), [0], "no one twice on a shift");
        assert!(rotation(0, 1, 0).is_empty());
        // Over many days everyone works the same number of shifts.
        let mut n = [0; 5];
        for d in 0..50 {
            for p in rotation(5, 2, d) {
                n[p] += 1;
            }
        }
        assert!(n.iter().all(|&k| k == 20), "{n:?}");
    }
}
