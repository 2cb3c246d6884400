//! Issue 11, item 7: notices to DingTalk and WeCom robots, tested against a local receiver
//! that checks what those services check — DingTalk's signature (computed here on its own,
//! from the documentation, not with the code under test) and timestamp, the message's
//! shape and size, and each robot's limit of 20 messages a minute (answering as the
//! services do when it is exceeded). On SQLite and on PostgreSQL.

mod common;

use axum::extract::{Query, State};
use axum::{Json, Router, routing::post};
use base64::Engine;
use common::{World, new_dispute, world_with};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the receiver accepted and refused.
#[derive(Default)]
struct Rx {
    /// DingTalk robots: access token → signing secret.
    dingtalk: HashMap<String, String>,
    /// WeCom robots' keys.
    wecom: Vec<String>,
    /// Accepted messages: (robot token or key, body).
    accepted: Vec<(String, Value)>,
    /// Refusals: errcodes answered.
    refused: Vec<i64>,
    recent: HashMap<String, VecDeque<Instant>>,
    /// The generic webhook's shared secret, and the deliveries it accepted: (delivery id,
    /// event header, body).
    hook_secret: String,
    hooks: Vec<(String, String, Value)>,
}

type Shared = Arc<Mutex<Rx>>;

fn answer(rx: &mut Rx, robot: &str, code: i64, msg: &str) -> Json<Value> {
    if code != 0 {
        rx.refused.push(code);
    }
    let _ = robot;
    Json(json!({ "errcode": code, "errmsg": msg }))
}

/// Twenty a minute per robot, as both services allow.
fn too_fast(rx: &mut Rx, robot: &str) -> bool {
    let q = rx.recent.entry(robot.to_string()).or_default();
    while q.front().is_some_and(|t| t.elapsed().as_secs() >= 60) {
        q.pop_front();
    }
    if q.len() >= 20 {
        return true;
    }
    q.push_back(Instant::now());
    false
}

async fn dingtalk(
    State(rx): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let mut rx = rx.lock().unwrap();
    let token = q.get("access_token").cloned().unwrap_or_default();
    let Some(secret) = rx.dingtalk.get(&token).cloned() else {
        return answer(&mut rx, &token, 300001, "token is not exist");
    };
    // The signature: base64(hmac_sha256(secret, timestamp + "\n" + secret)), the timestamp
    // within an hour of now.
    let ts: i64 = q.get("timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
    if (chrono::Utc::now().timestamp_millis() - ts).abs() > 3_600_000 {
        return answer(&mut rx, &token, 310000, "invalid timestamp");
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}\n{secret}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if q.get("sign") != Some(&expected) {
        return answer(&mut rx, &token, 310000, "sign not match");
    }
    let text = body["markdown"]["text"].as_str().unwrap_or("");
    if body["msgtype"] != "markdown" || body["markdown"]["title"].as_str().unwrap_or("").is_empty() || text.is_empty() {
        return answer(&mut rx, &token, 40035, "缺少参数 json");
    }
    if text.len() > 20_000 {
        return answer(&mut rx, &token, 460101, "message too long");
    }
    if too_fast(&mut rx, &token) {
        return answer(&mut rx, &token, 130101, "send too fast, exceed 20 times per minute");
    }
    rx.accepted.push((token.clone(), body));
    answer(&mut rx, &token, 0, "ok")
}

async fn wecom(
    State(rx): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let mut rx = rx.lock().unwrap();
    let key = q.get("key").cloned().unwrap_or_default();
    if !rx.wecom.contains(&key) {
        return answer(&mut rx, &key, 93000, "invalid webhook url");
    }
    let content = body["markdown"]["content"].as_str().unwrap_or("");
    if body["msgtype"] != "markdown" || content.is_empty() {
        return answer(&mut rx, &key, 40008, "invalid message type");
    }
    if content.len() > 4096 {
        return answer(&mut rx, &key, 40058, "content exceed max length 4096");
    }
    if too_fast(&mut rx, &key) {
        return answer(&mut rx, &key, 45009, "api freq out of limit");
    }
    rx.accepted.push((key.clone(), body));
    answer(&mut rx, &key, 0, "ok")
}

/// Another system's endpoint for our generic webhooks: it checks the signature as our
/// documentation tells integrators to (hex HMAC-SHA256 over `timestamp + "." + body`, the
/// timestamp within five minutes), answers 401 to a bad one, and takes each delivery once
/// by its id (a repeat is acknowledged and dropped).
async fn hook(
    State(rx): State<Shared>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    let mut rx = rx.lock().unwrap();
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let ts: i64 = h("x-fengqiao-timestamp").parse().unwrap_or(0);
    if (chrono::Utc::now().timestamp_millis() - ts).abs() > 300_000 {
        return StatusCode::UNAUTHORIZED;
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(rx.hook_secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&body);
    if h("x-fengqiao-signature") != format!("sha256={}", hex::encode(mac.finalize().into_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else { return StatusCode::BAD_REQUEST };
    let id = h("x-fengqiao-delivery");
    if !rx.hooks.iter().any(|(d, _, _)| *d == id) {
        rx.hooks.push((id, h("x-fengqiao-event"), v));
    }
    StatusCode::NO_CONTENT
}

/// The receiver on a loopback port: its address and what it saw.
async fn receiver() -> (String, Shared) {
    let rx: Shared = Arc::default();
    let app = Router::new()
        .route("/robot/send", post(dingtalk))
        .route("/cgi-bin/webhook/send", post(wecom))
        .route("/hook", post(hook))
        .with_state(rx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), rx)
}

async fn add_robot(w: &World, token: &str, body: Value) -> common::Resp {
    w.post_json("/api/v1/robots", Some(token), &body.to_string()).await
}

fn texts(rx: &Shared, robot: &str) -> Vec<String> {
    let rx = rx.lock().unwrap();
    rx.accepted
        .iter()
        .filter(|(r, _)| r == robot)
        .map(|(_, b)| b["markdown"]["text"].as_str().or(b["markdown"]["content"].as_str()).unwrap_or("").to_string())
        .collect()
}

async fn pass(app: &fengqiao_app::App) -> fengqiao_app::notify::deliver::Summary {
    fengqiao_app::notify::deliver::pass(app, app.clock.now()).await.unwrap()
}

async fn a_burst_is_digested_and_a_restart_delivers_each_notice_once(db: &TestDb) {
    let (rx_url, rx) = receiver().await;
    let w = world_with(db, |s| s.robot_url_prefixes = vec!["http://127.0.0.1:".into()]).await;
    {
        let mut r = rx.lock().unwrap();
        r.dingtalk.insert("tok1".into(), "SEC0123456789abcdef".into());
        r.wecom.push("key1".into());
    }
    let admin = w.sysadmin_token().await;
    let r = add_robot(
        &w,
        &admin,
        json!({"unit": "XY-C01", "platform": "dingtalk", "name": "府前社区工作群", "url": format!("{rx_url}/robot/send?access_token=tok1"),
               "secret": "SEC0123456789abcdef", "topics": ["matter.created"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = add_robot(
        &w,
        &admin,
        json!({"unit": "XY", "platform": "wecom", "name": "所指挥室群", "url": format!("{rx_url}/cgi-bin/webhook/send?key=key1"),
               "topics": ["matter.created"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // A burst of 200 new matters: far beyond 20 a minute, so each robot gets one digest.
    let gw = w.token("gw1").await;
    for i in 0..200 {
        new_dispute(&w, &gw, "neighbour", &format!("第{i}起：楼上漏水到楼下")).await;
    }
    let s = pass(&w.state.app).await;
    assert_eq!((s.routed, s.messages, s.notices), (200, 2, 400), "{s:?}");
    let (ding, wc) = (texts(&rx, "tok1"), texts(&rx, "key1"));
    assert_eq!((ding.len(), wc.len()), (1, 1));
    assert!(ding[0].contains("【通知汇总】200 条"), "{}", ding[0]);
    assert!(wc[0].len() <= 4096 && wc[0].contains("另有"), "WeCom's digest is cut to its size and says so");
    assert!(rx.lock().unwrap().refused.is_empty(), "nothing refused: {:?}", rx.lock().unwrap().refused);
    let all: Vec<Value> = w.get("/api/v1/deliveries?limit=500", Some(&admin)).await.json().as_array().unwrap().clone();
    assert_eq!(all.len(), 400);
    assert!(all.iter().all(|d| d["status"] == "merged"), "every notice carried by a digest");
    assert_eq!(pass(&w.state.app).await.messages, 0, "nothing twice");

    // Three more are committed, and the server is killed before delivering them; a new
    // process on the same database delivers each exactly once.
    let mut codes = vec![];
    for i in 0..3 {
        codes.push(new_dispute(&w, &gw, "neighbour", &format!("重启前第{i}起纠纷")).await);
    }
    let fresh = || {
        fengqiao_app::App::new(w.store.clone(), (*w.state.app.settings).clone())
            .with_transport(fengqiao_server::notify_http::transport())
    };
    let restarted = fresh();
    let s = pass(&restarted).await;
    assert_eq!((s.messages, s.notices), (6, 6), "three each, one by one: {s:?}");
    let again = fresh();
    assert_eq!(pass(&again).await.messages, 0);
    let ding = texts(&rx, "tok1");
    assert_eq!(ding.len(), 4);
    for c in &codes {
        assert_eq!(ding.iter().filter(|t| t.contains(c.as_str())).count(), 1, "{c} once");
        assert_eq!(texts(&rx, "key1").iter().filter(|t| t.contains(c.as_str())).count(), 1, "{c} once");
    }
    assert!(rx.lock().unwrap().refused.is_empty());
}

/// The token of the first acknowledgement link in a robot's messages.
fn link_token(rx: &Shared, robot: &str) -> String {
    let t = texts(rx, robot).into_iter().rev().find(|t| t.contains("/a/")).expect("a message with a link");
    let at = t.find("/a/").unwrap() + 3;
    t[at..].split(')').next().unwrap().to_string()
}

async fn a_link_acknowledges_once_and_expires(db: &TestDb) {
    let (rx_url, rx) = receiver().await;
    let w = world_with(db, |s| s.robot_url_prefixes = vec!["http://127.0.0.1:".into()]).await;
    rx.lock().unwrap().dingtalk.insert("tok2".into(), "SECabcdefabcdef0123".into());
    let admin = w.sysadmin_token().await;
    let r = add_robot(
        &w,
        &admin,
        json!({"unit": "XY-C01-G01", "platform": "dingtalk", "name": "第1网格群", "url": format!("{rx_url}/robot/send?access_token=tok2"),
               "secret": "SECabcdefabcdef0123"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cmd = w.token("commander").await;
    let due = (chrono::Utc::now() + chrono::Duration::hours(12)).format("%Y-%m-%dT%H:%M").to_string();
    let body = json!({"title": "核查出租屋消防", "body": "今日核查网格内出租屋消防安全。", "to_user": "gw1", "report_due": due});
    let code = w.post_json("/api/v1/instructions", Some(&cmd), &body.to_string()).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(pass(&w.state.app).await.messages, 1);
    let token = link_token(&rx, "tok2");
    assert!(texts(&rx, "tok2")[0].contains("【指令】核查出租屋消防"));

    // Opening the link changes nothing; its button acknowledges, as gw1, once.
    let page = w.get(&format!("/a/{token}"), None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("核查出租屋消防") && page.body.contains("method=\"post\""));
    assert_eq!(w.get(&format!("/api/v1/instructions/{code}"), Some(&cmd)).await.json()["status"], "sent");
    let r = w.post_body(&format!("/a/{token}"), None, "application/x-www-form-urlencoded", "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("link-done"));
    let now = w.get(&format!("/api/v1/instructions/{code}"), Some(&cmd)).await.json();
    assert_eq!(now["status"], "acknowledged");
    assert_eq!(now["events"].as_array().unwrap().last().unwrap()["actor"], "gw1");
    let again = w.post_body(&format!("/a/{token}"), None, "application/x-www-form-urlencoded", "").await;
    assert_eq!(again.status, 410, "a used link is refused");
    assert_eq!(w.get(&format!("/a/{token}x"), None).await.status, 404);

    // A second instruction's link, left for more than a day, has expired.
    let body = json!({"title": "走访独居老人", "body": "走访网格内独居老人。", "to_user": "gw1", "report_due": due});
    let code2 = w.post_json("/api/v1/instructions", Some(&cmd), &body.to_string()).await.json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    pass(&w.state.app).await;
    let token2 = link_token(&rx, "tok2");
    w.state.app.clock.advance(25 * 3600 * 1000);
    assert_eq!(w.get(&format!("/a/{token2}"), None).await.status, 410);
    let r = w.post_body(&format!("/a/{token2}"), None, "application/x-www-form-urlencoded", "").await;
    assert_eq!(r.status, 410);
    assert_ne!(w.get(&format!("/api/v1/instructions/{code2}"), Some(&cmd)).await.json()["status"], "acknowledged");
}

async fn robots_are_checked_and_refusals_classified(db: &TestDb) {
    let (rx_url, rx) = receiver().await;
    let w = world_with(db, |s| s.robot_url_prefixes = vec!["http://127.0.0.1:".into()]).await;
    rx.lock().unwrap().dingtalk.insert("tok3".into(), "SECtherealsecret000".into());
    let admin = w.sysadmin_token().await;
    let gw = w.token("gw1").await;
    let ok = json!({"unit": "XY-C01", "platform": "dingtalk", "name": "群", "url": format!("{rx_url}/robot/send?access_token=tok3"),
                    "secret": "SECwrongsecret00000", "topics": ["matter.created"]});
    assert_eq!(add_robot(&w, &gw, ok.clone()).await.status, 403, "only administrators configure robots");
    for (field, bad) in [
        ("url", json!({"url": "http://203.0.113.9/robot/send?access_token=x"})),
        ("url", json!({"platform": "webhook", "url": "https://elsewhere.example/hook", "secret": "0123456789abcdef"})),
        ("secret", json!({"secret": ""})),
        ("topics", json!({"topics": ["everything"]})),
        ("unit", json!({"unit": "NOPE"})),
    ] {
        let mut body = ok.clone();
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = add_robot(&w, &admin, body).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(r.json()["error"]["fields"][0]["field"], field, "{}", r.body);
    }
    // A wrong secret: the platform refuses the signature; a removed robot, its token.
    assert_eq!(add_robot(&w, &admin, ok.clone()).await.status, 201);
    let mut gone = ok.clone();
    gone["url"] = json!(format!("{rx_url}/robot/send?access_token=removed"));
    gone["secret"] = json!("SECtherealsecret000");
    assert_eq!(add_robot(&w, &admin, gone).await.status, 201);
    new_dispute(&w, &gw, "neighbour", "楼道堆放杂物").await;
    let s = pass(&w.state.app).await;
    assert_eq!((s.messages, s.failed), (0, 2), "{s:?}");
    let d: Vec<Value> = w.get("/api/v1/deliveries", Some(&admin)).await.json().as_array().unwrap().clone();
    let mut classes: Vec<&str> = d.iter().map(|d| d["error_class"].as_str().unwrap()).collect();
    classes.sort();
    assert_eq!(classes, ["robot_removed", "signature"]);
    assert!(d.iter().all(|d| d["status"] == "failed"));
    // The addresses (with their tokens) are never shown again.
    let robots = w.get("/api/v1/robots", Some(&admin)).await;
    assert!(!robots.body.contains("access_token") && !robots.body.contains("SEC"), "{}", robots.body);
}

/// Issue 11, item 8: a daily grid post goes to the grid's own group, not to the groups
/// above it that take the same topic; long numbers in it keep only their last four digits.
async fn a_daily_post_reaches_its_grids_group_only(db: &TestDb) {
    let (rx_url, rx) = receiver().await;
    let w = world_with(db, |s| s.robot_url_prefixes = vec!["http://127.0.0.1:".into()]).await;
    {
        let mut r = rx.lock().unwrap();
        r.dingtalk.insert("community".into(), "SECcommunity000000".into());
        r.wecom.push("grid".into());
    }
    let admin = w.sysadmin_token().await;
    let community = json!({"unit": "XY-C01", "platform": "dingtalk", "name": "府前社区工作群",
        "url": format!("{rx_url}/robot/send?access_token=community"), "secret": "SECcommunity000000", "topics": ["grid.daily_post"]});
    assert_eq!(add_robot(&w, &admin, community).await.status, 201);
    let grid = json!({"unit": "XY-C01-G01", "platform": "wecom", "name": "府前一网格居民群",
        "url": format!("{rx_url}/cgi-bin/webhook/send?key=grid"), "topics": []});
    assert_eq!(add_robot(&w, &admin, grid).await.status, 201, "the default topics include the daily post");
    let gw = w.token("gw1").await;
    let p = w.post_json("/api/v1/daily-posts", Some(&gw), r#"{"grid":"XY-C01-G01"}"#).await.json();
    let id = p["id"].as_i64().unwrap();
    let page = w.get(&format!("/daily-posts/{id}"), Some(&gw)).await;
    assert!(
        page.body.contains("府前一网格居民群") && !page.body.contains("府前社区工作群"),
        "the page names where it goes"
    );
    let text = format!("{}\n走失老人家属电话13903580001，见到请联系。", p["body"].as_str().unwrap());
    let r = w
        .put_json(&format!("/api/v1/daily-posts/{id}"), Some(&gw), &json!({"body": text, "version": 1}).to_string())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = w.post_json(&format!("/api/v1/daily-posts/{id}/send"), Some(&gw), r#"{"version":2}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = pass(&w.state.app).await;
    assert_eq!((s.messages, s.notices), (1, 1), "{s:?}");
    let (to_grid, to_community) = (texts(&rx, "grid"), texts(&rx, "community"));
    assert!(to_community.is_empty(), "{to_community:?}");
    assert_eq!(to_grid.len(), 1);
    assert!(to_grid[0].starts_with("### 【一日一微】府前社区第1网格"), "{}", to_grid[0]);
    assert!(to_grid[0].contains("电话       0001") && !to_grid[0].contains("13903580001"), "{}", to_grid[0]);
    assert!(rx.lock().unwrap().refused.is_empty());
}

/// Generic outgoing webhooks: every event of the topics taken, one by one (a machine is not
/// throttled like a chat group), signed so the receiver can check it; a wrong secret is
/// refused by the receiver and the failure classified as a signature.
async fn a_webhook_is_signed_and_sent_each_event(db: &TestDb) {
    let (rx_url, rx) = receiver().await;
    rx.lock().unwrap().hook_secret = "hook-secret-0123456789".into();
    let w = world_with(db, |s| s.robot_url_prefixes = vec!["http://127.0.0.1:".into()]).await;
    let admin = w.sysadmin_token().await;
    let hook = |name: &str, secret: &str| {
        json!({"unit": "XY-C01", "platform": "webhook", "name": name, "url": format!("{rx_url}/hook"),
               "secret": secret, "topics": ["matter.created"]})
    };
    assert_eq!(add_robot(&w, &admin, hook("区综治平台", "hook-secret-0123456789")).await.status, 201);
    let gw = w.token("gw1").await;
    let mut codes = vec![];
    for i in 0..30 {
        codes.push(new_dispute(&w, &gw, "neighbour", &format!("第{i}起：楼道堆放杂物")).await);
    }
    let s = pass(&w.state.app).await;
    assert_eq!((s.messages, s.notices, s.failed), (30, 30, 0), "each event on its own, beyond 20 a minute: {s:?}");
    {
        let rx = rx.lock().unwrap();
        assert_eq!(rx.hooks.len(), 30);
        for (code, (delivery, event, body)) in codes.iter().zip(&rx.hooks) {
            assert!(!delivery.is_empty());
            assert_eq!((event.as_str(), body["topic"].as_str()), ("matter.created", Some("matter.created")));
            assert_eq!(body["data"]["code"], code.as_str(), "in the order they were committed");
        }
    }
    assert_eq!(pass(&w.state.app).await.messages, 0, "nothing twice");
    // A webhook configured with the wrong secret: refused, classified, not retried.
    assert_eq!(add_robot(&w, &admin, hook("旧平台", "not-the-right-secret-000")).await.status, 201);
    new_dispute(&w, &gw, "neighbour", "楼上漏水").await;
    let s = pass(&w.state.app).await;
    assert_eq!((s.messages, s.failed), (1, 1), "{s:?}");
    let d: Vec<Value> = w.get("/api/v1/deliveries", Some(&admin)).await.json().as_array().unwrap().clone();
    let failed: Vec<&Value> = d.iter().filter(|d| d["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["error_class"], "signature");
    assert_eq!(rx.lock().unwrap().hooks.len(), 31);
}

/// Issue 11, item 2: who is on duty now decides who is told of an alarm. A critical
/// instruction's notice names the duty commander on duty over the robot's unit and, on
/// DingTalk, rings them by their account's mobile number (the read audited); with nobody on
/// duty it names nobody; an ordinary notice rings nobody.
async fn an_alarm_rings_the_duty_commander_on_duty(db: &TestDb) {
    let (rx_url, rx) = receiver().await;
    let w = world_with(db, |s| s.robot_url_prefixes = vec!["http://127.0.0.1:".into()]).await;
    rx.lock().unwrap().dingtalk.insert("duty".into(), "SECduty00000000000".into());
    let admin = w.sysadmin_token().await;
    let robot = json!({"unit": "XY-C01", "platform": "dingtalk", "name": "府前社区工作群",
        "url": format!("{rx_url}/robot/send?access_token=duty"), "secret": "SECduty00000000000", "topics": ["instruction.issued"]});
    assert_eq!(add_robot(&w, &admin, robot).await.status, 201);
    let cmd = w.token("commander").await;
    let due = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M");
    let instruct = |title: &str, priority: &str| {
        json!({"title": title, "body": "立即上门核查。", "to_user": "gw1", "report_due": due.to_string(), "priority": priority})
            .to_string()
    };
    let sent = || rx.lock().unwrap().accepted.iter().map(|(_, b)| b.clone()).collect::<Vec<Value>>();

    // Nobody on duty: the alarm names nobody.
    assert_eq!(w.post_json("/api/v1/instructions", Some(&cmd), &instruct("燃气泄漏", "critical")).await.status, 201);
    pass(&w.state.app).await;
    let first = sent();
    assert_eq!(first.len(), 1);
    assert!(!first[0]["markdown"]["text"].as_str().unwrap().contains("值班指挥长") && first[0]["at"].is_null());

    // The commander on today's duty-commander shift.
    let t = r#"{"post":"duty_commander","name":"值班指挥长","start":"00:00","duration_minutes":1440,"min_people":1,"max_people":1}"#;
    let r = w.post_json("/api/v1/shift-templates", Some(&cmd), t).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let template = r.json()["id"].as_i64().unwrap();
    let now = chrono::DateTime::from_timestamp_millis(w.state.app.clock.now()).unwrap();
    let today = now.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d");
    let rot = format!(r#"{{"template":{template},"people":["commander"],"from":"{today}","days":1}}"#);
    assert_eq!(w.post_json("/api/v1/roster/rotations", Some(&cmd), &rot).await.status, 201);
    assert_eq!(w.post_json("/api/v1/instructions", Some(&cmd), &instruct("管道爆裂", "critical")).await.status, 201);
    assert_eq!(w.post_json("/api/v1/instructions", Some(&cmd), &instruct("例行走访", "normal")).await.status, 201);
    pass(&w.state.app).await;
    let all = sent();
    assert_eq!(all.len(), 3);
    let alarm = all.iter().find(|b| b["markdown"]["text"].as_str().unwrap().contains("管道爆裂")).unwrap();
    let text = alarm["markdown"]["text"].as_str().unwrap();
    assert!(text.contains("值班指挥长：测试commander @13800000001"), "{text}");
    assert_eq!(alarm["at"]["atMobiles"], json!(["13800000001"]));
    let ordinary = all.iter().find(|b| b["markdown"]["text"].as_str().unwrap().contains("例行走访")).unwrap();
    assert!(ordinary["at"].is_null() && !ordinary["markdown"]["text"].as_str().unwrap().contains("值班"));
    // The number's read is in the audit log.
    let f = fengqiao_store::audit::AuditFilter {
        actor: Some("notifier".into()),
        action: Some("person.read_personal".into()),
        object: None,
        result: None,
        from_ms: None,
        to_ms: None,
        limit: 10,
        offset: 0,
    };
    let reads = w.store.search_audit(&f).await.unwrap();
    assert_eq!(reads.len(), 1, "one read for one alarm");
    assert!(rx.lock().unwrap().refused.is_empty());
}

contract_tests!(
    an_alarm_rings_the_duty_commander_on_duty,
    a_webhook_is_signed_and_sent_each_event,
    a_burst_is_digested_and_a_restart_delivers_each_notice_once,
    a_link_acknowledges_once_and_expires,
    robots_are_checked_and_refusals_classified,
    a_daily_post_reaches_its_grids_group_only
);
