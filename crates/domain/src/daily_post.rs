//! The daily grid post (一日一微, seed §4: "one short daily post"): each evening every grid gets a
//! draft of its day — households visited, matters recorded and settled, hazards cleared,
//! instructions received and reported — that its officer edits and sends to the grid's
//! group. Pure rules: the China day, the figures, the drafted text, what may be drafted when.

use crate::matter::vocabulary;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

vocabulary!(
    /// Where a day's post stands.
    PostStatus {
    Draft => "draft", "待发送";
    Sent => "sent", "已发送";
});

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const CHINA: i64 = 8 * HOUR;

/// The hour (China time) from which the day's posts are drafted by the evening job.
pub const DRAFT_HOUR: i64 = 18;
/// How many days back a post may still be drafted, edited and sent.
pub const MAX_LATE_DAYS: i64 = 7;
/// Most characters of a post's text.
pub const MAX_BODY: usize = 1000;

/// What a grid did in a day, counted from the records (never typed in).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Household visits recorded (走访), and the households they reached.
    pub visits: i64,
    pub households_visited: i64,
    /// Matters recorded in the grid that day, in all and by kind.
    pub matters_new: i64,
    pub disputes_new: i64,
    pub hazards_new: i64,
    pub requests_new: i64,
    /// Matters of the grid closed that day; of them disputes settled and hazards cleared.
    pub matters_closed: i64,
    pub disputes_settled: i64,
    pub hazards_cleared: i64,
    /// Instructions to the grid (or its people) issued that day, and reported back that day.
    pub instructions_received: i64,
    pub instructions_reported: i64,
    /// Matters of the grid still open at the end of the day (or at drafting, for today).
    pub open_matters: i64,
}

/// The China day (UTC+8) the instant `ms` falls in.
pub fn china_day(ms: i64) -> NaiveDate {
    let days = (ms + CHINA).div_euclid(DAY);
    NaiveDate::from_num_days_from_ce_opt(719_163 + days as i32).expect("a day within chrono's range")
}

/// The instants `[from, to)` of a China day.
pub fn day_bounds(day: NaiveDate) -> (i64, i64) {
    let days = i64::from(day.num_days_from_ce() - 719_163);
    let from = days * DAY - CHINA;
    (from, from + DAY)
}

/// Whether the post of `day` may be drafted, edited or sent at `now`: not a day to come, and
/// at most [`MAX_LATE_DAYS`] days back. The reason when not.
pub fn day_refusal(day: NaiveDate, now: i64) -> Option<&'static str> {
    let today = china_day(now);
    if day > today {
        Some("a day to come has no post yet")
    } else if (today - day).num_days() > MAX_LATE_DAYS {
        Some("a post is written within a week of its day")
    } else {
        None
    }
}

/// Whether the evening job drafts today's posts at `now` (from [`DRAFT_HOUR`] China time).
pub fn evening(now: i64) -> bool {
    (now + CHINA).rem_euclid(DAY) >= DRAFT_HOUR * HOUR
}

/// A post's text as sent: trimmed, 1 to [`MAX_BODY`] characters.
pub fn check_body(body: &str) -> Result<String, String> {
    // Browsers send a textarea's line breaks as CR LF: counted as one, as the page counts them.
    let body = body.trim().replace("\r\n", "\n");
    match body.chars().count() {
        0 => Err("the post says something".into()),
        n if n > MAX_BODY => Err(format!("at most {MAX_BODY} characters")),
        _ => Ok(body),
    }
}

/// Reminders a post closes with, one a day in turn.
const TIPS: &[&str] = &[
    "陌生来电称“公检法”要求转账的都是诈骗，请拨打96110咨询。",
    "电动车请勿进楼入户、飞线充电，充电时人不离车。",
    "出门请关好门窗、燃气阀门，贵重物品妥善保管。",
    "邻里之间多理解多包容，遇到纠纷可以找网格员或社区民警调解。",
    "关爱独居老人，发现异常请及时告诉网格员。",
    "网上刷单返利、低价代购多是诈骗，不轻信、不转账。",
    "楼道请勿堆放杂物，保持消防通道畅通。",
    "孩子放学路上注意交通安全，遇到欺凌要及时告诉老师和家长。",
];

/// The drafted text of a grid's day, for its officer to edit before sending; drafted at
/// `now` ("今日" on the day itself, "当日" for a day gone).
pub fn draft(grid_name: &str, day: NaiveDate, f: &Figures, now: i64) -> String {
    let mut s = format!("【一日一微】{grid_name} {}月{}日\n", day.month(), day.day());
    let that_day = if china_day(now) == day { "今日" } else { "当日" };
    if f.visits > 0 {
        s.push_str(&format!("{that_day}入户走访{}户次，覆盖{}户；", f.visits, f.households_visited));
    } else {
        s.push_str(&format!("{that_day}无入户走访记录；"));
    }
    if f.matters_new > 0 {
        let mut kinds = vec![];
        for (n, k) in [(f.disputes_new, "矛盾纠纷"), (f.hazards_new, "风险隐患"), (f.requests_new, "群众诉求")]
        {
            if n > 0 {
                kinds.push(format!("{k}{n}件"));
            }
        }
        let others = f.matters_new - f.disputes_new - f.hazards_new - f.requests_new;
        if others > 0 {
            kinds.push(format!("其他{others}件"));
        }
        s.push_str(&format!("新登记事项{}件（{}）", f.matters_new, kinds.join("、")));
    } else {
        s.push_str("无新登记事项");
    }
    if f.matters_closed > 0 {
        s.push_str(&format!("，办结{}件", f.matters_closed));
        let mut of = vec![];
        if f.disputes_settled > 0 {
            of.push(format!("化解矛盾纠纷{}件", f.disputes_settled));
        }
        if f.hazards_cleared > 0 {
            of.push(format!("清除风险隐患{}处", f.hazards_cleared));
        }
        if !of.is_empty() {
            s.push_str(&format!("，其中{}", of.join("、")));
        }
    }
    s.push_str("。\n");
    if f.instructions_received > 0 || f.instructions_reported > 0 {
        s.push_str(&format!("接收指令{}条，反馈{}条。\n", f.instructions_received, f.instructions_reported));
    }
    if f.open_matters > 0 {
        s.push_str(&format!("尚有{}件事项在办，我们会持续跟进。\n", f.open_matters));
    }
    let tip = TIPS[day.num_days_from_ce().rem_euclid(TIPS.len() as i32) as usize];
    s.push_str(&format!("温馨提示：{tip}"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn days_are_china_days() {
        // 2026-12-04 00:00 China time is 2026-12-03 16:00 UTC.
        let midnight = chrono::DateTime::parse_from_rfc3339("2026-12-03T16:00:00Z").unwrap().timestamp_millis();
        assert_eq!(china_day(midnight), d(2026, 12, 4));
        assert_eq!(china_day(midnight - 1), d(2026, 12, 3));
        assert_eq!(day_bounds(d(2026, 12, 4)), (midnight, midnight + DAY));
        assert!(!evening(midnight + 17 * HOUR + 59 * 60_000));
        assert!(evening(midnight + 18 * HOUR));
        assert!(evening(midnight + 23 * HOUR));
    }

    #[test]
    fn a_post_is_of_the_last_week() {
        let now = day_bounds(d(2026, 12, 4)).0 + 20 * HOUR;
        assert_eq!(day_refusal(d(2026, 12, 4), now), None);
        assert_eq!(day_refusal(d(2026, 11, 27), now), None);
        assert!(day_refusal(d(2026, 11, 26), now).is_some());
        assert!(day_refusal(d(2026, 12, 5), now).is_some());
    }

    #[test]
    fn the_draft_says_what_the_figures_say() {
        let f = Figures {
            visits: 12,
            households_visited: 10,
            matters_new: 4,
            disputes_new: 1,
            hazards_new: 2,
            requests_new: 0,
            matters_closed: 3,
            disputes_settled: 1,
            hazards_cleared: 2,
            instructions_received: 1,
            instructions_reported: 1,
            open_matters: 5,
        };
        let evening = day_bounds(d(2026, 12, 4)).0 + 19 * HOUR;
        let text = draft("府前社区第一网格", d(2026, 12, 4), &f, evening);
        assert!(text.starts_with("【一日一微】府前社区第一网格 12月4日\n"), "{text}");
        assert!(text.contains("入户走访12户次，覆盖10户"), "{text}");
        assert!(
            text.contains(
                "新登记事项4件（矛盾纠纷1件、风险隐患2件、其他1件），办结3件，其中化解矛盾纠纷1件、清除风险隐患2处。"
            ),
            "{text}"
        );
        assert!(text.contains("接收指令1条，反馈1条。"), "{text}");
        assert!(text.contains("尚有5件事项在办"), "{text}");
        let quiet = draft("府前社区第一网格", d(2026, 12, 5), &Figures::default(), evening + DAY);
        assert!(quiet.contains("今日无入户走访记录；无新登记事项。\n温馨提示："), "{quiet}");
        let late = draft("府前社区第一网格", d(2026, 12, 3), &f, evening);
        assert!(late.contains("当日入户走访12户次"), "a day gone is not today: {late}");
        assert_ne!(quiet.lines().last(), text.lines().last(), "another day, another reminder");
        assert!(check_body(&text).is_ok() && text.chars().count() < MAX_BODY);
    }

    #[test]
    fn a_post_says_something_and_not_too_much() {
        assert!(check_body("  \n ").is_err());
        assert_eq!(check_body(" 今日平安。\r\n谢谢大家 ").unwrap(), "今日平安。\n谢谢大家");
        let lines = format!("{}\r\n{}", "字".repeat(500), "字".repeat(499));
        assert!(check_body(&lines).is_ok(), "CR LF counts once, as the page's maxlength does");
        assert!(check_body(&"字".repeat(MAX_BODY)).is_ok());
        assert_eq!(check_body(&"字".repeat(MAX_BODY + 1)).unwrap_err(), "at most 1000 characters");
    }
}
