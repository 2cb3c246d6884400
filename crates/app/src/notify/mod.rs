//! Notices to the two platforms (issue 11, item 7): DingTalk custom robots and WeCom group
//! robots configured per unit, and generic outgoing webhooks for other systems. Everything
//! here is pure: how a robot's request is signed, what a notice of each kind says (Chinese
//! markdown), how a backlog is sent within a robot's limit of 20 messages a minute (the rest
//! merged into one digest), which notices are too old to be worth sending, and what a
//! platform's answer means. Delivery itself — one record per event and robot, retries with
//! backoff — is in [`deliver`].

pub mod deliver;
pub mod robots;

use std::future::Future;
use std::pin::Pin;

/// How a notice leaves the process: one HTTP POST, answered by a status (0 when nothing
/// answered) and the answer's text. The app decides what to send and what the answer means;
/// the transport — the server crate's, over rustls — only carries it, so the app stays free
/// of any HTTP stack.
pub trait Transport: Send + Sync {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = (u16, String)> + Send + 'a>>;
}

/// No transport installed: every attempt is "unreachable" and retried later.
pub struct Unconfigured;

impl Transport for Unconfigured {
    fn post<'a>(
        &'a self,
        _url: &'a str,
        _headers: Vec<(&'static str, String)>,
        _body: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = (u16, String)> + Send + 'a>> {
        Box::pin(async { (0, "no transport configured".to_string()) })
    }
}

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Messages a robot accepts a minute (DingTalk and WeCom alike).
pub const RATE_PER_MINUTE: usize = 20;
/// A notice that is not an alarm and has waited this long is no longer worth sending.
pub const EXPIRE_AFTER_MS: i64 = 2 * 3600 * 1000;

/// The platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    DingTalk,
    WeCom,
    /// A generic outgoing webhook: the event as JSON, signed with HMAC-SHA256.
    Webhook,
}

impl Platform {
    pub const ALL: &'static [Platform] = &[Platform::DingTalk, Platform::WeCom, Platform::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::DingTalk => "dingtalk",
            Platform::WeCom => "wecom",
            Platform::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// The largest message body the platform takes, in bytes of markdown text.
    pub fn max_text_bytes(self) -> usize {
        match self {
            Platform::DingTalk => 20_000,
            Platform::WeCom => 4_096,
            Platform::Webhook => 64 * 1024,
        }
    }
}

/// DingTalk's signature of a request: `urlencode(base64(hmac_sha256(key = secret,
/// msg = timestamp + "\n" + secret)))`, sent as the `sign` query parameter beside `timestamp`.
pub fn dingtalk_sign(timestamp_ms: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    b64.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

/// A generic webhook's signature: hex HMAC-SHA256 over `timestamp + "." + body`, sent as
/// `X-Fengqiao-Signature: sha256=<hex>` with `X-Fengqiao-Timestamp`.
pub fn webhook_signature(secret: &str, timestamp_ms: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp_ms}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Topics a robot receives unless configured otherwise: alarms and instructions.
pub const DEFAULT_TOPICS: &[&str] = &[
    "matter.escalation_alert",
    "instruction.issued",
    "instruction.escalated",
    "instruction.step",
    "matter.urged",
    "supervision.slip_issued",
    "grid.daily_post",
];

/// Every topic a robot may receive.
pub const TOPICS: &[&str] = &[
    "matter.created",
    "matter.urged",
    "matter.escalation_alert",
    "instruction.issued",
    "instruction.step",
    "instruction.escalated",
    "camera.fault",
    "supervision.slip_issued",
    "supervision.finding",
    "grid.daily_post",
];

/// Whether an event of `topic` under `event_path` reaches a robot of the unit at
/// `robot_path`. A daily grid post is for its grid's own group only; everything else reaches
/// the groups of the unit it happened in and of every unit above.
pub fn reaches(topic: &str, event_path: &str, robot_path: &str) -> bool {
    if topic == "grid.daily_post" {
        !event_path.is_empty() && event_path == robot_path
    } else {
        !event_path.is_empty() && event_path.starts_with(robot_path)
    }
}

/// A notice ready to send: its title (DingTalk's markdown title, the digest's line) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub markdown: String,
    /// An alarm is never merged into a digest nor left to expire.
    pub alarm: bool,
}

fn s<'a>(p: &'a serde_json::Value, k: &str) -> &'a str {
    p.get(k).and_then(|v| v.as_str()).unwrap_or("")
}

/// A time in Beijing, `12-03 14:30`.
fn hm(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid")).format("%m-%d %H:%M").to_string()
        })
        .unwrap_or_default()
}

/// Markdown text: no line of the data can start a heading, list or link of its own, and
/// no ID or phone number typed into it leaves for a chat platform (runs of 7 or more
/// digits keep their last 4).
pub(crate) fn plain(text: &str) -> String {
    let text = fengqiao_domain::mask::mask_digit_runs(text);
    text.chars().filter(|c| !c.is_control()).map(|c| if "[]<>#*`_".contains(c) { ' ' } else { c }).collect()
}

/// What a notice of `topic` says, from the event's payload; `None` for events that are not
/// told to groups (a delivery or an acknowledgement is news to nobody there). `base` is the
/// site's address for links; `ack_link`, when given, lets the recipient acknowledge from the
/// phone.
pub fn compose(topic: &str, p: &serde_json::Value, base: &str, ack_link: Option<&str>) -> Option<Notice> {
    let code = s(p, "code");
    let t = |ms: &str| hm(p.get(ms).and_then(|v| v.as_i64()));
    let whom = || {
        let unit = plain(s(p, "recipient_unit_name"));
        match s(p, "recipient_name") {
            "" => unit,
            name => format!("{} · {unit}", plain(name)),
        }
    };
    let instruction_link = format!("[查看指令]({base}/instructions/{code})");
    let ack = ack_link.map(|l| format!("[签收]({l})　")).unwrap_or_default();
    let (title, body, alarm) = match topic {
        "matter.escalation_alert" => {
            let level = match s(p, "level") {
                "red" => "红色",
                "orange" => "橙色",
                _ => "黄色",
            };
            (
                format!("【{level}预警】{code}"),
                format!(
                    "- 网格：{}\n- 风险分：{}\n- 风险因素：{}\n- 摘要：{}\n\n[查看事件]({base}/matters/{code})",
                    plain(s(p, "grid_name")),
                    p.get("score").and_then(|v| v.as_i64()).unwrap_or(0),
                    plain(s(p, "factors")),
                    plain(s(p, "summary")),
                ),
                true,
            )
        }
        "camera.fault" => {
            let finding = fengqiao_domain::video::Finding::parse(s(p, "finding")).map_or("故障", |f| f.label_zh());
            // A device ID is digits only (not personal data: it is not masked).
            let device: String = s(p, "device_id").chars().filter(char::is_ascii_digit).take(20).collect();
            (
                format!("【点位故障】{}", plain(s(p, "name"))),
                format!(
                    "- 网格：{}\n- 巡查发现：{finding}\n- 设备编码：{}\n\n[查看点位]({base}/video/cameras/{})",
                    plain(s(p, "grid_name")),
                    device,
                    device,
                ),
                false,
            )
        }
        "supervision.slip_issued" => {
            let colour =
                fengqiao_domain::supervision::SlipColour::parse(s(p, "colour")).map_or("督办", |c| c.label_zh());
            let about = match (s(p, "matter_code"), s(p, "instruction_code")) {
                ("", "") => plain(s(p, "addressee_unit_name")),
                ("", i) => format!("指令 {}", plain(i)),
                (m, _) => format!("事项 {}", plain(m)),
            };
            let whom = match s(p, "addressee_name") {
                "" => plain(s(p, "addressee_unit_name")),
                name => format!("{} · {}", plain(name), plain(s(p, "addressee_unit_name"))),
            };
            (
                format!("【{colour}】{code}"),
                format!(
                    "- 督办对象：{about}\n- 接收：{whom}\n- 督办事由：{}\n- 回复期限：{}\n\n[查看督办单]({base}/supervision/slips/{code})",
                    plain(s(p, "reason")),
                    t("answer_due_at"),
                ),
                s(p, "colour") == "red",
            )
        }
        "supervision.finding" => {
            let flaws: Vec<&str> = s(p, "flaws")
                .split(',')
                .filter_map(fengqiao_domain::supervision::Flaw::parse)
                .map(|f| f.label_zh())
                .collect();
            let matter = s(p, "matter_code");
            (
                format!("【质量抽查】{}", plain(matter)),
                format!(
                    "- 网格：{}\n- 问题：{}\n- 评查意见：{}\n\n[查看事件]({base}/matters/{})",
                    plain(s(p, "grid_name")),
                    flaws.join("、"),
                    plain(s(p, "findings")),
                    plain(matter),
                ),
                false,
            )
        }
        "grid.daily_post" => {
            // The officer's text, line by line; its first line is the heading when it is the
            // drafted one (【一日一微】…).
            let text = s(p, "body");
            let mut lines = text.lines().map(plain).filter(|l| !l.trim().is_empty()).peekable();
            let title = match lines.peek() {
                Some(first) if first.starts_with("【一日一微】") => lines.next().unwrap_or_default(),
                _ => format!("【一日一微】{} {}", plain(s(p, "grid_name")), plain(s(p, "day"))),
            };
            (title, lines.collect::<Vec<_>>().join("\n\n"), false)
        }
        "matter.created" => (
            format!("【新登记】{code}"),
            format!(
                "- 网格：{}\n- 摘要：{}\n\n[查看事件]({base}/matters/{code})",
                plain(s(p, "grid_name")),
                plain(s(p, "summary"))
            ),
            false,
        ),
        "matter.urged" => (
            format!("【督办】{code}"),
            format!(
                "- 网格：{}\n- 督办意见：{}\n- 摘要：{}\n\n[查看事件]({base}/matters/{code})",
                plain(s(p, "grid_name")),
                plain(s(p, "note")),
                plain(s(p, "summary"))
            ),
            false,
        ),
        "instruction.issued" => (
            format!("【指令】{}", plain(s(p, "title"))),
            format!(
                "- 接收：{}\n- 下达：{}\n- 签收期限：{}\n- 反馈期限：{}\n\n{ack}{instruction_link}",
                whom(),
                plain(s(p, "issuer")),
                t("ack_due_at"),
                t("report_due_at")
            ),
            s(p, "priority") == "critical",
        ),
        "instruction.escalated" => {
            let leaders: Vec<&str> = p
                .get("leaders")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            let still_to_ack = matches!(s(p, "status"), "sent" | "delivered");
            (
                format!("【指令逾期】{}", plain(s(p, "title"))),
                format!(
                    "- 接收：{}\n- 反馈期限：{}（已逾期）\n- 已报告：{}\n\n{}{instruction_link}",
                    whom(),
                    t("report_due_at"),
                    if leaders.is_empty() { "—".to_string() } else { plain(&leaders.join("、")) },
                    if still_to_ack { ack } else { String::new() },
                ),
                true,
            )
        }
        "instruction.step" => match s(p, "event") {
            "report" => (
                format!("【指令反馈】{}", plain(s(p, "title"))),
                format!("- 反馈人：{}\n- 状态：已反馈，待销号\n\n{instruction_link}", whom()),
                false,
            ),
            "return" => (
                format!("【指令退回】{}", plain(s(p, "title"))),
                format!("- 退回人：{}\n- 请重新安排\n\n{instruction_link}", whom()),
                false,
            ),
            _ => return None,
        },
        _ => return None,
    };
    Some(Notice { markdown: format!("### {title}\n{body}"), title, alarm })
}

/// One digest of notices a robot could not send one by one within its limit: their titles,
/// as many as fit in `max_bytes`, and how many more there were.
pub fn digest(titles: &[String], base: &str, max_bytes: usize) -> Notice {
    let title = format!("【通知汇总】{} 条", titles.len());
    let mut text = format!("### {title}\n");
    let tail = |rest: usize| format!("\n…另有 {rest} 条，请[登录系统]({base}/dashboard)查看");
    for (i, t) in titles.iter().enumerate() {
        let line = format!("- {t}\n");
        if text.len() + line.len() + tail(titles.len()).len() > max_bytes {
            text.push_str(&tail(titles.len() - i));
            return Notice { title, markdown: text, alarm: false };
        }
        text.push_str(&line);
    }
    Notice { title, markdown: text, alarm: false }
}

/// Cut a text to `max` bytes on a character boundary, saying it was cut.
pub fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mark = "…（内容过长，已截断）";
    let mut end = max.saturating_sub(mark.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{mark}", &text[..end])
}

/// A waiting notice as the planner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub id: i64,
    pub alarm: bool,
    /// When its event happened.
    pub created_at: i64,
}

/// What to do with a robot's waiting notices now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Send each of these on its own (alarms first, then the oldest).
    pub single: Vec<i64>,
    /// Merge these into one digest message.
    pub digest: Vec<i64>,
    /// Too old to be worth sending.
    pub expired: Vec<i64>,
}

/// Plan a robot's sending: `sent_last_minute` messages went out in the last minute, so
/// `RATE_PER_MINUTE` less that many may go now. Old notices that are not alarms expire.
/// When everything waiting fits, each goes on its own; otherwise alarms go on their own
/// (as many as fit less one) and everything else waits in one digest.
pub fn plan(waiting: &[Waiting], sent_last_minute: usize, now: i64) -> Plan {
    let mut out = Plan::default();
    let mut live: Vec<Waiting> = vec![];
    for w in waiting {
        if !w.alarm && now - w.created_at > EXPIRE_AFTER_MS {
            out.expired.push(w.id);
        } else {
            live.push(*w);
        }
    }
    let room = RATE_PER_MINUTE.saturating_sub(sent_last_minute);
    if room == 0 || live.is_empty() {
        return out;
    }
    live.sort_by_key(|w| (!w.alarm, w.created_at, w.id));
    if live.len() <= room {
        out.single = live.iter().map(|w| w.id).collect();
        return out;
    }
    let alarms = live.iter().filter(|w| w.alarm).count().min(room - 1);
    out.single = live[..alarms].iter().map(|w| w.id).collect();
    out.digest = live[alarms..].iter().map(|w| w.id).collect();
    out
}

/// What a platform's answer to a send means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Sent,
    /// Worth trying again later (network, a busy server, too fast).
    Retry(ErrorClass),
    /// Not worth trying again: the robot or the message must change first.
    Fail(ErrorClass),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The signature (or the secret behind it) is wrong.
    Signature,
    /// Too many messages: the platform's limit.
    Throttled,
    /// The robot is gone or disabled (token unknown, group dissolved).
    RobotRemoved,
    /// The platform refused the content (keywords, size, unsafe link).
    ContentRefused,
    /// The network or the platform failed.
    Unavailable,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Signature => "signature",
            ErrorClass::Throttled => "throttled",
            ErrorClass::RobotRemoved => "robot_removed",
            ErrorClass::ContentRefused => "content_refused",
            ErrorClass::Unavailable => "unavailable",
        }
    }
}

/// Classify an answer: the HTTP status and, for the two platforms, the `errcode` and
/// `errmsg` of their JSON body (applications are to judge by the code; DingTalk's 310000
/// covers several refusals, told apart by the message).
pub fn classify(platform: Platform, status: u16, body: &str) -> Answer {
    use Answer::*;
    use ErrorClass::*;
    if status == 429 {
        return Retry(Throttled);
    }
    if status >= 500 || status == 0 {
        return Retry(Unavailable);
    }
    if platform == Platform::Webhook {
        return match status {
            200..=299 => Sent,
            401 | 403 => Fail(Signature),
            404 | 410 => Fail(RobotRemoved),
            _ => Fail(ContentRefused),
        };
    }
    if !(200..=299).contains(&status) {
        return if status == 404 { Fail(RobotRemoved) } else { Retry(Unavailable) };
    }
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = v.get("errcode").and_then(|c| c.as_i64()).unwrap_or(-1);
    let msg = v.get("errmsg").and_then(|m| m.as_str()).unwrap_or("").to_lowercase();
    match (platform, code) {
        (_, 0) => Sent,
        (_, -1) => Retry(Unavailable),
        (Platform::DingTalk, 130101 | 130102 | 410100 | 90030) => Retry(Throttled),
        (Platform::DingTalk, 310000) if msg.contains("sign") || msg.contains("timestamp") => Fail(Signature),
        (Platform::DingTalk, 310000) => Fail(ContentRefused),
        (Platform::DingTalk, 300001 | 400013 | 400101 | 400102) => Fail(RobotRemoved),
        (Platform::WeCom, 45009) => Retry(Throttled),
        (Platform::WeCom, 93000 | 93004 | 40014) => Fail(RobotRemoved),
        _ => Fail(ContentRefused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_post_goes_to_its_grids_group_only() {
        let (grid, community) = ("/1/2/10/100/", "/1/2/10/");
        assert!(reaches("grid.daily_post", grid, grid));
        assert!(!reaches("grid.daily_post", grid, community), "the community's group does not get every grid's post");
        assert!(reaches("matter.created", grid, community) && reaches("matter.created", grid, grid));
        assert!(!reaches("matter.created", "", community), "an event of no place reaches nobody");
        let p = serde_json::json!({"grid_name": "府前社区第1网格", "day": "2026-12-04",
            "body": "【一日一微】府前社区第1网格 12月4日\n今日入户走访2户次。\n\n有事请打13903580001。"});
        let n = compose("grid.daily_post", &p, "https://fq.example", None).unwrap();
        assert_eq!(n.title, "【一日一微】府前社区第1网格 12月4日");
        assert_eq!(
            n.markdown, "### 【一日一微】府前社区第1网格 12月4日\n今日入户走访2户次。\n\n有事请打       0001。",
            "the number masked (the mask's stars are markdown, so spaces)"
        );
        assert!(!n.alarm);
        let untitled = compose(
            "grid.daily_post",
            &serde_json::json!({"grid_name": "第2网格", "day": "2026-12-04", "body": "# 平安"}),
            "",
            None,
        )
        .unwrap();
        assert_eq!(untitled.markdown, "### 【一日一微】第2网格 2026-12-04\n  平安");
    }

    #[test]
    fn dingtalk_signs_as_its_documentation_says() {
        assert_eq!(
            dingtalk_sign(1577262236757, "this is secret"),
            "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"
        );
    }

    #[test]
    fn a_webhook_signature_covers_time_and_body() {
        let a = webhook_signature("k", 1, b"{}");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, webhook_signature("k", 2, b"{}"));
        assert_ne!(a, webhook_signature("k", 1, b"{ }"));
        assert_ne!(a, webhook_signature("j", 1, b"{}"));
    }

    fn w(id: i64, alarm: bool, created_at: i64) -> Waiting {
        Waiting { id, alarm, created_at }
    }

    #[test]
    fn a_backlog_goes_out_within_the_limit_with_alarms_first() {
        let now = 10 * 3600 * 1000;
        // Fits: each on its own, alarms first.
        let p = plan(&[w(1, false, now), w(2, true, now)], 0, now);
        assert_eq!(p.single, vec![2, 1]);
        // 200 waiting, 5 sent this minute: 14 alarms fit on their own, the rest in one digest.
        let many: Vec<Waiting> = (0..200).map(|i| w(i, i % 10 == 0, now - i)).collect();
        let p = plan(&many, 5, now);
        assert_eq!(p.single.len(), 14);
        assert!(p.single.iter().all(|id| id % 10 == 0));
        assert_eq!(p.digest.len(), 186);
        assert_eq!(p.single.len() + 1, RATE_PER_MINUTE - 5, "one message is the digest");
        // No room: nothing now.
        assert_eq!(plan(&many, RATE_PER_MINUTE, now), Plan::default());
        // Old news expires unless it is an alarm.
        let p = plan(&[w(1, false, now - EXPIRE_AFTER_MS - 1), w(2, true, now - EXPIRE_AFTER_MS - 1)], 0, now);
        assert_eq!((p.expired, p.single), (vec![1], vec![2]));
    }

    #[test]
    fn answers_are_classified() {
        let dt = Platform::DingTalk;
        assert_eq!(classify(dt, 200, r#"{"errcode":0,"errmsg":"ok"}"#), Answer::Sent);
        assert_eq!(
            classify(dt, 200, r#"{"errcode":130101,"errmsg":"send too fast"}"#),
            Answer::Retry(ErrorClass::Throttled)
        );
        assert_eq!(
            classify(dt, 200, r#"{"errcode":310000,"errmsg":"sign not match"}"#),
            Answer::Fail(ErrorClass::Signature)
        );
        assert_eq!(
            classify(dt, 200, r#"{"errcode":310000,"errmsg":"keywords not in content"}"#),
            Answer::Fail(ErrorClass::ContentRefused)
        );
        assert_eq!(
            classify(dt, 200, r#"{"errcode":300001,"errmsg":"token is not exist"}"#),
            Answer::Fail(ErrorClass::RobotRemoved)
        );
        assert_eq!(classify(dt, 502, ""), Answer::Retry(ErrorClass::Unavailable));
        let wc = Platform::WeCom;
        assert_eq!(
            classify(wc, 200, r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#),
            Answer::Retry(ErrorClass::Throttled)
        );
        assert_eq!(
            classify(wc, 200, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#),
            Answer::Fail(ErrorClass::RobotRemoved)
        );
        assert_eq!(classify(Platform::Webhook, 204, ""), Answer::Sent);
        assert_eq!(classify(Platform::Webhook, 401, ""), Answer::Fail(ErrorClass::Signature));
    }

    #[test]
    fn notices_say_what_happened_in_chinese_and_cannot_be_forged_by_the_data() {
        let p = serde_json::json!({"code": "ZL20261203-000001", "title": "上门核查](http://evil)", "recipient_name": "钱芳",
            "recipient_unit_name": "府前社区第1网格", "issuer": "萧翔", "ack_due_at": 0, "report_due_at": 3_600_000, "priority": "urgent"});
        let n = compose("instruction.issued", &p, "https://fq.example", Some("https://fq.example/a/T")).unwrap();
        assert!(n.markdown.starts_with("### 【指令】上门核查"));
        assert!(n.markdown.contains("- 接收：钱芳 · 府前社区第1网格"));
        assert!(n.markdown.contains("[签收](https://fq.example/a/T)"));
        assert!(!n.markdown.contains("](http://evil)"), "{}", n.markdown);
        assert!(!n.alarm);
        assert!(compose("instruction.step", &serde_json::json!({"event": "acknowledge"}), "", None).is_none());
        let fault = serde_json::json!({"device_id": "33068100001320000001", "name": "府前街口", "grid_name": "府前社区第1网格", "finding": "blurred"});
        let n = compose("camera.fault", &fault, "https://fq.example", None).unwrap();
        assert_eq!(n.title, "【点位故障】府前街口");
        assert!(
            n.markdown.contains("画面模糊") && n.markdown.contains("/video/cameras/33068100001320000001"),
            "{}",
            n.markdown
        );
        // A number typed into a narrative does not leave for the chat platform.
        let alert = serde_json::json!({"code": "M1", "level": "red", "summary": "张某（身份证141181198211110173，电话13903589999）扬言报复"});
        let n = compose("matter.escalation_alert", &alert, "", None).unwrap();
        assert!(!n.markdown.contains("141181198211110173") && !n.markdown.contains("13903589999"), "{}", n.markdown);
        assert!(n.markdown.contains("0173") && n.alarm);
        let d = digest(&(0..500).map(|i| format!("【新登记】M{i:06}")).collect::<Vec<_>>(), "https://fq", 4096);
        assert!(d.markdown.len() <= 4096 && d.markdown.contains("另有"), "{}", d.markdown.len());
        let long = "一二三四五".repeat(400);
        let cut = fit(&long, 4096);
        assert!(cut.len() <= 4096 && cut.ends_with("…（内容过长，已截断）"), "{}", cut.len());
        assert_eq!(fit("短", 4096), "短");
    }
}
