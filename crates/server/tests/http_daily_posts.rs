//! Issue 11, item 8: the daily grid post (一日一微) over the API — the day's figures counted
//! from the records, a draft opened by the grid's worker, edited, drafted again and sent
//! (once) to the grid's group through the outbox; the evening job drafting every grid's post
//! once; who may see, edit and send; a week's limit. Time moves by the app's clock. On SQLite
//! and on PostgreSQL.

mod common;

use common::{World, assert_error_body, world};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn hazard(w: &World, token: &str, narrative: &str) -> String {
    let body = json!({"kind": "hazard", "narrative": narrative, "lat": 37.105, "lon": 111.705}).to_string();
    let r = w.post_json("/api/v1/matters", Some(token), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

async fn close(w: &World, token: &str, code: &str) {
    for ev in ["accept", "start_work", "resolve"] {
        let r = w
            .post_json(&format!("/api/v1/matters/{code}/events"), Some(token), &json!({"event": ev}).to_string())
            .await;
        assert_eq!(r.status, 200, "{ev}: {}", r.body);
    }
}

async fn visit(w: &World, token: &str, household: &str) {
    let r = w
        .post_json(
            &format!("/api/v1/households/{household}/visits"),
            Some(token),
            r#"{"kind":"publicity","outcome":"宣传防诈骗"}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

fn post_of(list: &Value, grid: &str) -> Value {
    list["items"].as_array().unwrap().iter().find(|p| p["grid"] == grid).cloned().unwrap_or(Value::Null)
}

async fn a_grids_day_is_drafted_edited_and_sent(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let (gw1, gw2, co, cmd) =
        (w.token("gw1").await, w.token("gw2").await, w.token("co01").await, w.token("commander").await);

    // The day so far in grid G01: two visits to one household, a hazard recorded and
    // cleared, a dispute recorded.
    visit(&w, &gw1, "H1").await;
    visit(&w, &gw1, "H1").await;
    let h = hazard(&w, &gw1, "府前街楼道灭火器过期").await;
    close(&w, &gw1, &h).await;
    common::new_dispute(&w, &gw1, "neighbour", "楼上装修噪音影响休息").await;

    // The lists: each sees the grids of their own jurisdiction, none drafted yet.
    let l = w.get("/api/v1/daily-posts", Some(&gw1)).await.json();
    assert_eq!((l["grids"].as_i64(), l["total"].as_i64()), (Some(1), Some(1)), "{l}");
    assert_eq!(post_of(&l, "XY-C01-G01")["status"], "none");
    assert_eq!(w.get("/api/v1/daily-posts", Some(&cmd)).await.json()["grids"], 2);
    assert_error_body(&w.get("/api/v1/daily-posts", Some(&w.sysadmin_token().await)).await, 403, "forbidden");
    assert_error_body(&w.get("/api/v1/daily-posts?limit=100000", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/daily-posts?day=2026-13-40", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/daily-posts?status=lost", Some(&cmd)).await, 422, "validation");

    // The grid worker opens today's post: drafted from the records.
    let open = |token: &str, body: Value| {
        let token = token.to_string();
        let w = &w;
        async move { w.post_json("/api/v1/daily-posts", Some(&token), &body.to_string()).await }
    };
    let r = open(&gw1, json!({"grid": "XY-C01-G01"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["status"], "draft");
    let f = &p["figures"];
    assert_eq!(
        (f["visits"].as_i64(), f["households_visited"].as_i64(), f["matters_new"].as_i64()),
        (Some(2), Some(1), Some(2)),
        "{f}"
    );
    assert_eq!(
        (
            f["hazards_new"].as_i64(),
            f["disputes_new"].as_i64(),
            f["hazards_cleared"].as_i64(),
            f["open_matters"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1)),
        "{f}"
    );
    let body = p["body"].as_str().unwrap();
    assert!(body.starts_with("【一日一微】府前社区第1网格"), "{body}");
    assert!(body.contains("入户走访2户次，覆盖1户") && body.contains("清除风险隐患1处"), "{body}");
    // Opening it again gives the same post.
    assert_eq!(open(&co, json!({"grid": "XY-C01-G01"})).await.json()["id"], id);

    // Who may not: another grid's worker does not see it; the commander reads it but does
    // not post for a grid; nobody drafts a day to come or one more than a week back.
    assert_error_body(&open(&gw2, json!({"grid": "XY-C01-G01"})).await, 404, "not_found");
    assert_error_body(&open(&gw2, json!({"grid": "XY-NONE"})).await, 404, "not_found");
    assert_error_body(&w.get(&format!("/api/v1/daily-posts/{id}"), Some(&gw2)).await, 404, "not_found");
    assert_eq!(w.get(&format!("/api/v1/daily-posts/{id}"), Some(&cmd)).await.status, 200);
    assert_error_body(&open(&cmd, json!({"grid": "XY-C02-G01"})).await, 403, "forbidden");
    let today = p["day"].as_str().unwrap().to_string();
    let d = chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").unwrap();
    for (day, why) in [(d + chrono::Duration::days(1), "to come"), (d - chrono::Duration::days(8), "within a week")] {
        let r = open(&gw2, json!({"grid": "XY-C02-G01", "day": day.format("%Y-%m-%d").to_string()})).await;
        assert_error_body(&r, 422, "validation");
        assert!(r.body.contains("\"day\"") && r.body.contains(why), "{}", r.body);
    }
    assert_error_body(&open(&gw2, json!({"grid": "XY-C02-G01", "day": "yesterday"})).await, 422, "validation");

    // Edited: an empty or too long text is refused with the field named; a stale version
    // is refused; the commander and another grid's worker may not.
    let put = |token: &str, body: Value| {
        let token = token.to_string();
        let w = &w;
        async move { w.put_json(&format!("/api/v1/daily-posts/{id}"), Some(&token), &body.to_string()).await }
    };
    let r = put(&gw1, json!({"body": "  ", "version": 1})).await;
    assert!(r.status == 422 && r.body.contains("\"body\""), "{}", r.body);
    let r = put(&gw1, json!({"body": "字".repeat(1001), "version": 1})).await;
    assert!(r.status == 422 && r.body.contains("at most 1000 characters"), "{}", r.body);
    assert_error_body(&put(&gw1, json!({"body": "今日平安。", "version": 7})).await, 409, "conflict");
    assert_error_body(&put(&cmd, json!({"body": "今日平安。", "version": 1})).await, 403, "forbidden");
    assert_error_body(&put(&gw2, json!({"body": "今日平安。", "version": 1})).await, 404, "not_found");
    let text = format!("{body}\n今晚七点社区广场有反诈宣传，欢迎参加。");
    let r = put(&gw1, json!({"body": text, "version": 1})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!((p["version"].as_i64(), p["editor"].as_str()), (Some(2), Some("测试gw1")));
    assert!(p["body"].as_str().unwrap().ends_with("欢迎参加。"));

    // Drafted again after another visit: the figures and the text follow the records.
    visit(&w, &gw1, "H1").await;
    let r = w.post_json(&format!("/api/v1/daily-posts/{id}/redraft"), Some(&gw1), r#"{"version":2}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!((p["figures"]["visits"].as_i64(), p["version"].as_i64()), (Some(3), Some(3)));
    assert!(p["body"].as_str().unwrap().contains("入户走访3户次") && !p["body"].as_str().unwrap().contains("欢迎参加"));
    assert_eq!(p["editor"], Value::Null);

    // Sent, once: the outbox carries it under the grid's path; a sent post does not change.
    let before = w.store.outbox_last_id().await.unwrap();
    let send = |token: &str, version: i64| {
        let token = token.to_string();
        let w = &w;
        async move {
            w.post_json(
                &format!("/api/v1/daily-posts/{id}/send"),
                Some(&token),
                &json!({"version": version}).to_string(),
            )
            .await
        }
    };
    assert_error_body(&send(&cmd, 3).await, 403, "forbidden");
    // From the page: an empty text is refused (nothing sent); the text as drafted, its line
    // breaks sent by the browser as CR LF, is sent without counting as an edit.
    let form = |body: &str, version: i64| format!("action=send&version={version}&body={}", common::urlencode(body));
    let r =
        w.post_body(&format!("/daily-posts/{id}"), Some(&co), "application/x-www-form-urlencoded", form("  ", 3)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let drafted = p["body"].as_str().unwrap().replace('\n', "\r\n");
    let r = w
        .post_body(&format!("/daily-posts/{id}"), Some(&co), "application/x-www-form-urlencoded", form(&drafted, 3))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = w.get(&format!("/api/v1/daily-posts/{id}"), Some(&cmd)).await.json();
    assert_eq!((p["status"].as_str(), p["sender"].as_str()), (Some("sent"), Some("测试co01")));
    assert_eq!((p["editor"].as_str(), p["version"].as_i64()), (None, Some(4)), "sent as drafted: no edit");
    assert_error_body(&send(&gw1, 4).await, 409, "conflict");
    assert_error_body(&put(&gw1, json!({"body": "改一下", "version": 4})).await, 409, "conflict");
    let events = w.store.outbox_after(before, 100).await.unwrap();
    let sent: Vec<_> = events.iter().filter(|e| e.topic == "grid.daily_post").collect();
    assert_eq!(sent.len(), 1, "one event for one send");
    let g01 = w.store.unit_by_code("XY-C01-G01").await.unwrap();
    assert_eq!(sent[0].path, g01.path.0);
    let payload: Value = serde_json::from_str(&sent[0].payload).unwrap();
    assert!(payload["body"].as_str().unwrap().contains("入户走访3户次"), "{payload}");
    let l = w.get(&format!("/api/v1/daily-posts?day={today}"), Some(&cmd)).await.json();
    assert_eq!((l["sent"].as_i64(), l["drafts"].as_i64(), l["grids"].as_i64()), (Some(1), Some(0), Some(2)));
    let none = w.get(&format!("/api/v1/daily-posts?day={today}&status=none"), Some(&cmd)).await.json();
    assert_eq!(none["items"][0]["grid"], "XY-C02-G01", "{none}");

    // The evening job: nothing before 18:00 (China time); from 18:00 every grid's post of
    // the day, once however often it runs.
    let clock = &w.state.app.clock;
    let of_day = (clock.now() + 8 * HOUR).rem_euclid(DAY);
    clock.advance(DAY - of_day + 10 * HOUR);
    let app = &w.state.app;
    assert_eq!(fengqiao_app::daily_posts::draft_evening(app, clock.now()).await.unwrap(), 0, "not at 10:00");
    clock.advance(8 * HOUR + 30 * 60_000);
    assert_eq!(fengqiao_app::daily_posts::draft_evening(app, clock.now()).await.unwrap(), 2, "at 18:30");
    assert_eq!(fengqiao_app::daily_posts::draft_evening(app, clock.now()).await.unwrap(), 0, "once");
    let l = w.get("/api/v1/daily-posts", Some(&cmd)).await.json();
    assert_eq!((l["drafts"].as_i64(), l["sent"].as_i64()), (Some(2), Some(0)), "{l}");
    let quiet = post_of(&l, "XY-C02-G01");
    assert!(quiet["figures"]["visits"] == 0, "a quiet day counts nothing: {quiet}");
    // The grid worker's workbench has the draft to send.
    let wb = w.get("/api/v1/workbench", Some(&gw1)).await.json();
    let section = wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == "posts_to_send").cloned();
    let section = section.unwrap_or_else(|| panic!("no posts_to_send section: {wb}"));
    assert_eq!(section["items"][0]["grid"], "府前社区第1网格", "{section}");

    let id2 = post_of(&l, "XY-C01-G01")["id"].as_i64().unwrap();
    // A matter closed, then reopened later, was not open in between: the count at an instant
    // after the closing and before the reopening leaves it out. (Matters are stamped by the
    // system's time, not the app's moved clock.)
    let h2 = hazard(&w, &gw1, "府前街井盖松动").await;
    close(&w, &gw1, &h2).await;
    let at = fengqiao_store::now_ms() + 1;
    while fengqiao_store::now_ms() <= at {} // the reopening comes after `at`
    let r = w.post_json(&format!("/api/v1/matters/{h2}/events"), Some(&gw1), r#"{"event":"reopen"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let open_at = |to: i64| {
        let (w, g01) = (&w, &g01);
        async move { w.store.day_figures(&g01.path.0, to - DAY, to).await.unwrap()[&g01.id.0].open_matters }
    };
    let (then, now) = (open_at(at).await, open_at(fengqiao_store::now_ms() + 1).await);
    assert_eq!(now, then + 1, "reopened, it is open now but was not at the instant between");

    // Eight days later the draft is past editing.
    clock.advance(8 * DAY);
    let r = w
        .put_json(&format!("/api/v1/daily-posts/{id2}"), Some(&gw1), &json!({"body": "补发", "version": 1}).to_string())
        .await;
    assert_error_body(&r, 409, "conflict");
    assert!(r.body.contains("within a week"), "{}", r.body);
}

contract_tests!(a_grids_day_is_drafted_edited_and_sent);
