//! Delivery from the outbox to robots, one pass at a time ([`pass`], the `notify` job, run
//! every second on one node at a time by the job runner's lease):
//!
//! 1. **Route.** Each outbox event not yet routed gets one delivery per enabled robot whose
//!    unit's area holds the event and which takes its topic — in the same transaction as
//!    the event is marked routed. A pass interrupted anywhere routes nothing twice.
//! 2. **Send.** Per robot: notices too old to be useful expire (alarms never do); what fits
//!    in the robot's 20 messages a minute goes one by one, alarms first; when more waits,
//!    the rest goes as one digest. A sent notice is marked sent in the transaction that
//!    records the message, so a restarted node does not send it again. The one window left
//!    — the process killed after the platform answered and before that commit — sends the
//!    notice again: an alarm twice rather than never.
//! 3. **Retry.** An unreachable or busy platform is tried again with backoff (30 s doubling
//!    to an hour, eight attempts); a refusal that will not change by itself (signature,
//!    robot removed, content refused) fails at once, classified, for the unit to see.

use super::{Answer, Notice, Platform, Waiting, classify, compose, digest, fit, plan};
use crate::{App, Result};
use base64::Engine;
use fengqiao_store::notify::{DueDelivery, Robot};
use sha2::Digest;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long an acknowledgement link works at most.
pub const ACK_LINK_MS: i64 = 24 * 3600 * 1000;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub routed: usize,
    /// Messages sent (a digest counts once).
    pub messages: usize,
    /// Notices carried by those messages.
    pub notices: usize,
    pub expired: usize,
    pub failed: usize,
    pub retried: usize,
}

fn topics(r: &Robot) -> Vec<&str> {
    r.row.topics.split(',').filter(|t| !t.is_empty()).collect()
}

/// One pass at `now`.
pub async fn pass(app: &App, now: i64) -> Result<Summary> {
    let mut sum = Summary::default();
    let robots = app.store.enabled_robots().await?;
    let base = app.public_base().unwrap_or_default();
    // 1. Route.
    for ev in app.store.pending_outbox(500).await? {
        let payload: serde_json::Value = serde_json::from_str(&ev.payload).unwrap_or_default();
        let mut targets = vec![];
        for r in &robots {
            let takes = topics(r).contains(&ev.topic.as_str());
            if takes && super::reaches(&ev.topic, &ev.path, &r.row.path) {
                let platform = Platform::parse(&r.row.platform).unwrap_or(Platform::Webhook);
                let notice = compose(&ev.topic, &payload, &base, None);
                // A webhook takes every event of its topics; a chat group what is told there.
                if platform == Platform::Webhook || notice.is_some() {
                    targets.push((r.row.id, notice.is_some_and(|n| n.alarm)));
                }
            }
        }
        app.store.route_event(ev.id, &targets, now).await?;
        sum.routed += 1;
    }
    // 2. Send, robot by robot.
    for r in &robots {
        let due = app.store.due_deliveries(r.row.id, now, 2000).await?;
        if due.is_empty() {
            continue;
        }
        send_robot(app, r, &due, &base, now, &mut sum).await?;
    }
    Ok(sum)
}

async fn send_robot(app: &App, r: &Robot, due: &[DueDelivery], base: &str, now: i64, sum: &mut Summary) -> Result<()> {
    let platform = Platform::parse(&r.row.platform).unwrap_or(Platform::Webhook);
    let by_id = |id: i64| due.iter().find(|d| d.id == id).expect("planned from these");
    let p = if platform == Platform::Webhook {
        // Machines take every event, one by one, at their own pace.
        super::Plan { single: due.iter().map(|d| d.id).collect(), ..Default::default() }
    } else {
        let sent = app.store.sends_since(r.row.id, now - 60_000).await? as usize;
        let waiting: Vec<Waiting> =
            due.iter().map(|d| Waiting { id: d.id, alarm: d.alarm == 1, created_at: d.created_at }).collect();
        plan(&waiting, sent, now)
    };
    if !p.expired.is_empty() {
        app.store.mark_ended(&p.expired, "expired", None, None).await?;
        sum.expired += p.expired.len();
    }
    for id in &p.single {
        let d = by_id(*id);
        let payload: serde_json::Value = serde_json::from_str(&d.payload).unwrap_or_default();
        let request = if platform == Platform::Webhook {
            Some(webhook_body(d, &payload))
        } else {
            let link = ack_link(app, &d.topic, &payload, base, now).await?;
            match compose(&d.topic, &payload, base, link.as_deref()) {
                Some(mut n) if n.alarm => {
                    let phones = name_on_duty(app, r, platform, &mut n, now).await?;
                    Some(chat_body_at(platform, &n, &phones))
                }
                n => n.map(|n| chat_body(platform, &n)),
            }
        };
        let Some(body) = request else {
            app.store.mark_ended(&[d.id], "expired", None, Some("nothing to tell")).await?;
            continue;
        };
        if !settle(app, r, platform, &[d], &body, now, sum).await? {
            return Ok(());
        }
    }
    if !p.digest.is_empty() {
        let merged: Vec<&DueDelivery> = p.digest.iter().map(|id| by_id(*id)).collect();
        let titles: Vec<String> = merged
            .iter()
            .map(|d| {
                let payload: serde_json::Value = serde_json::from_str(&d.payload).unwrap_or_default();
                compose(&d.topic, &payload, base, None).map(|n| n.title).unwrap_or_else(|| d.object_id.clone())
            })
            .collect();
        let n = digest(&titles, base, platform.max_text_bytes());
        settle(app, r, platform, &merged, &chat_body(platform, &n), now, sum).await?;
    }
    Ok(())
}

/// Send one message carrying `carried` and record what happened; `false` when the robot
/// should get nothing more in this pass (throttled, or gone).
async fn settle(
    app: &App,
    r: &Robot,
    platform: Platform,
    carried: &[&DueDelivery],
    body: &[u8],
    now: i64,
    sum: &mut Summary,
) -> Result<bool> {
    let ids: Vec<i64> = carried.iter().map(|d| d.id).collect();
    let (status, text) = post(app, r, platform, body, carried.first().map(|d| (d.id, d.topic.as_str()))).await;
    match classify(platform, status, &text) {
        Answer::Sent => {
            app.store.mark_sent(r.row.id, &ids, now).await?;
            sum.messages += 1;
            sum.notices += ids.len();
            Ok(true)
        }
        Answer::Retry(class) => {
            let attempts = carried.iter().map(|d| d.attempts).max().unwrap_or(0) + 1;
            let error = format!("HTTP {status}: {}", text.chars().take(200).collect::<String>());
            if attempts >= MAX_ATTEMPTS {
                app.store.mark_ended(&ids, "failed", Some(class.as_str()), Some(&error)).await?;
                sum.failed += ids.len();
            } else {
                let backoff = (30_000i64 << (attempts - 1).min(7)).min(3_600_000);
                app.store.mark_retry(&ids, now + backoff, class.as_str(), &error).await?;
                sum.retried += ids.len();
            }
            tracing::warn!(robot = r.row.id, class = class.as_str(), status, "delivery to be retried");
            Ok(false)
        }
        Answer::Fail(class) => {
            let error = format!("HTTP {status}: {}", text.chars().take(200).collect::<String>());
            app.store.mark_ended(&ids, "failed", Some(class.as_str()), Some(&error)).await?;
            sum.failed += ids.len();
            tracing::warn!(robot = r.row.id, class = class.as_str(), status, "delivery refused");
            Ok(class != super::ErrorClass::RobotRemoved && class != super::ErrorClass::Signature)
        }
    }
}

/// POST a message through the app's transport; the status (0 when nothing answered) and
/// the answer's text.
async fn post(app: &App, r: &Robot, platform: Platform, body: &[u8], delivery: Option<(i64, &str)>) -> (u16, String) {
    let now = fengqiao_store::now_ms();
    let mut url = r.url.clone();
    let mut headers = vec![("content-type", "application/json".to_string())];
    match platform {
        Platform::DingTalk => {
            if let Some(secret) = &r.secret {
                url.push_str(&format!("&timestamp={now}&sign={}", super::dingtalk_sign(now, secret)));
            }
        }
        Platform::WeCom => {}
        Platform::Webhook => {
            headers.push(("x-fengqiao-timestamp", now.to_string()));
            if let Some(secret) = &r.secret {
                headers.push(("x-fengqiao-signature", super::webhook_signature(secret, now, body)));
            }
            if let Some((id, topic)) = delivery {
                headers.push(("x-fengqiao-delivery", id.to_string()));
                headers.push(("x-fengqiao-event", topic.to_string()));
            }
        }
    }
    let (status, text) = app.transport.post(&url, headers, body.to_vec()).await;
    (status, text.chars().take(1000).collect())
}

fn chat_body(platform: Platform, n: &Notice) -> Vec<u8> {
    chat_body_at(platform, n, &[])
}

/// A chat message; on DingTalk, ringing the people whose mobile numbers are given (they are
/// named in the text as `@number`, which DingTalk shows as the person).
fn chat_body_at(platform: Platform, n: &Notice, phones: &[String]) -> Vec<u8> {
    let text = fit(&n.markdown, platform.max_text_bytes());
    let v = match platform {
        Platform::WeCom => serde_json::json!({ "msgtype": "markdown", "markdown": { "content": text } }),
        _ if phones.is_empty() => {
            serde_json::json!({ "msgtype": "markdown", "markdown": { "title": n.title, "text": text } })
        }
        _ => serde_json::json!({
            "msgtype": "markdown", "markdown": { "title": n.title, "text": text },
            "at": { "atMobiles": phones, "isAtAll": false },
        }),
    };
    v.to_string().into_bytes()
}

/// An alarm names the duty commanders on duty now over the robot's unit (the roster decides
/// who is told); on DingTalk it also rings them — by the mobile number of their account,
/// each read of which is audited as a read of personal data. The numbers rung.
async fn name_on_duty(app: &App, r: &Robot, platform: Platform, n: &mut Notice, now: i64) -> Result<Vec<String>> {
    let on_duty = app.store.on_duty_over(&r.row.path, "duty_commander", now).await?;
    if on_duty.is_empty() {
        return Ok(vec![]);
    }
    let mut phones = vec![];
    let mut names = vec![];
    for (username, name) in on_duty {
        let mut shown = super::plain(&name);
        if platform == Platform::DingTalk
            && let Some(enc) = app.store.user_by_username(&username).await?.phone_enc
        {
            let phone = app.store.crypto.open(&enc)?;
            let ctx = fengqiao_store::audit::AuditCtx::system("notifier", "ring the duty commander on duty");
            let ev = fengqiao_store::audit::AuditEvent::new(
                "person.read_personal",
                "user",
                &username,
                fengqiao_store::audit::Outcome::Success,
            )
            .detail(format!("phone, for robot {}", r.row.id));
            app.store.audit(&ctx, &ev).await?;
            shown.push_str(&format!(" @{phone}"));
            phones.push(phone);
        }
        names.push(shown);
    }
    n.markdown.push_str(&format!("\n\n值班指挥长：{}", names.join("、")));
    Ok(phones)
}

fn webhook_body(d: &DueDelivery, payload: &serde_json::Value) -> Vec<u8> {
    serde_json::json!({ "id": d.outbox_id, "topic": d.topic, "object": d.object_id, "created_at": d.created_at, "data": payload })
        .to_string()
        .into_bytes()
}

/// A link that lets an instruction's recipient acknowledge it from the phone: for a new
/// instruction to a person, or an overdue one still not acknowledged; it works once, until
/// the report deadline or for a day, whichever comes first.
async fn ack_link(app: &App, topic: &str, p: &serde_json::Value, base: &str, now: i64) -> Result<Option<String>> {
    let user = p.get("recipient_username").and_then(|v| v.as_str()).unwrap_or("");
    let code = p.get("code").and_then(|v| v.as_str()).unwrap_or("");
    let open = matches!(p.get("status").and_then(|v| v.as_str()), Some("sent" | "delivered"));
    if base.is_empty() || user.is_empty() || !open || !matches!(topic, "instruction.issued" | "instruction.escalated") {
        return Ok(None);
    }
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let until =
        p.get("report_due_at").and_then(|v| v.as_i64()).unwrap_or(now).min(now + ACK_LINK_MS).max(now + 600_000);
    app.store.add_ack_link(&link_hash(&token), code, user, until, now).await?;
    Ok(Some(format!("{base}/a/{token}")))
}

/// The hash a link's token is kept under.
pub fn link_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
