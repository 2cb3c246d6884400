//! Issue 11, item 1: the command room's live board — a snapshot, then every committed change
//! of the viewer's jurisdiction as a server-sent event, caught up after a reconnection, and
//! the same on a second node of the same database. On SQLite and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{new_dispute, world};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use http_body_util::BodyExt;
use serde_json::Value;
use std::time::Duration;
use tower::ServiceExt;

/// An open event stream, read as it comes.
struct Feed {
    body: Body,
    buf: String,
}

impl Feed {
    async fn open(app: &axum::Router, token: &str, last_event_id: Option<i64>) -> Feed {
        Feed::open_at(app, token, "/api/v1/board/events", last_event_id).await
    }

    async fn open_at(app: &axum::Router, token: &str, uri: &str, last_event_id: Option<i64>) -> Feed {
        let mut req = Request::get(uri).header("authorization", format!("Bearer {token}"));
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let r = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        Feed { body: r.into_body(), buf: String::new() }
    }

    /// The next event (id, data), or `None` when none comes within `within`.
    async fn next(&mut self, within: Duration) -> Option<(i64, Value)> {
        let until = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut data) = (None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = serde_json::from_str(v.trim()).ok();
                    }
                }
                if let (Some(id), Some(data)) = (id, data) {
                    return Some((id, data));
                }
            }
            let frame = tokio::time::timeout_at(until, self.body.frame()).await.ok()??.ok()?;
            if let Ok(bytes) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// The next event about `code` (others are skipped), within five seconds.
    async fn about(&mut self, code: &str) -> (i64, Value) {
        loop {
            let (id, e) = self.next(Duration::from_secs(5)).await.unwrap_or_else(|| panic!("no event about {code}"));
            if e["code"] == code {
                return (id, e);
            }
        }
    }
}

/// A dispute in gw2's grid (崇文社区第1网格).
async fn dispute_in_c02(w: &common::World, token: &str) -> String {
    let body = r#"{"kind":"dispute","category":"neighbour","narrative":"崇文社区两户因停车位发生争执","lat":37.105,"lon":111.715}"#;
    let r = w.post_json("/api/v1/matters", Some(token), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

async fn the_board_follows_its_jurisdiction(db: &TestDb) {
    let w = world(db).await;
    let (cmd, co, gw1, gw2) =
        (w.token("commander").await, w.token("co01").await, w.token("gw1").await, w.token("gw2").await);
    // Grid workers have no board.
    assert_eq!(w.get("/api/v1/board", Some(&gw1)).await.status, 403);
    assert_eq!(w.get("/api/v1/board/events", Some(&gw1)).await.status, 403);
    assert_eq!(w.get("/api/v1/board/events", None).await.status, 401);
    // The snapshot: open matters of the viewer's jurisdiction only.
    let before = new_dispute(&w, &gw1, "neighbour", "楼上装修噪音持续到深夜").await;
    let elsewhere = dispute_in_c02(&w, &gw2).await;
    let codes = |v: &Value| -> Vec<String> {
        v["matters"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_string()).collect()
    };
    let snap = w.get("/api/v1/board", Some(&cmd)).await.json();
    assert!(codes(&snap).contains(&before) && codes(&snap).contains(&elsewhere), "{snap}");
    assert_eq!(snap["open_total"], 2);
    let mine = w.get("/api/v1/board", Some(&co)).await.json();
    assert_eq!(codes(&mine), std::slice::from_ref(&before), "the community officer sees their community");
    // Live: the commander sees both communities' news, the community officer only theirs.
    let mut station = Feed::open(&w.app, &cmd, None).await;
    let mut c01 = Feed::open(&w.app, &co, None).await;
    let other = dispute_in_c02(&w, &gw2).await;
    let code = new_dispute(&w, &gw1, "neighbour", "两户因楼道堆放杂物争吵").await;
    let (created, e) = station.about(&other).await;
    assert_eq!((e["topic"].as_str(), e["status"].as_str()), (Some("matter.created"), Some("registered")));
    assert_eq!(e["grid_name"], "崇文社区第1网格");
    let (id, e) = station.about(&code).await;
    assert!(id > created, "in the order they committed");
    assert_eq!(e["tier"], "grid");
    let (first, e) = c01.next(Duration::from_secs(5)).await.expect("C01's news");
    assert_eq!(e["code"], code, "C02's matter never reaches C01's board");
    assert_eq!(first, id);
    // A step reaches the board as the matter now stands.
    let r = w.post_json(&format!("/api/v1/matters/{code}/events"), Some(&gw1), r#"{"event":"accept"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (step, e) = c01.about(&code).await;
    assert_eq!(
        (e["topic"].as_str(), e["status"].as_str(), e["from_status"].as_str()),
        (Some("matter.step"), Some("accepted"), Some("registered"))
    );
    // A board that lost its connection after the creation is sent the step on return.
    let mut back = Feed::open(&w.app, &co, Some(first)).await;
    let (again, e) = back.about(&code).await;
    let (again, e) = if again == first { back.about(&code).await } else { (again, e) };
    assert_eq!((again, e["status"].as_str()), (step, Some("accepted")));
    // A refused step writes nothing, so the board hears nothing of it.
    let r = w.post_json(&format!("/api/v1/matters/{code}/events"), Some(&gw1), r#"{"event":"reach_agreement"}"#).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(c01.next(Duration::from_millis(600)).await.is_none(), "nothing that did not happen");
    // A supervision slip about the matter is news for its addressee, not for the board.
    let body = serde_json::json!({"subject": "matter", "about": code, "reason": "请说明进展"}).to_string();
    let r = w.post_json("/api/v1/supervision-slips", Some(&cmd), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(c01.next(Duration::from_millis(600)).await.is_none(), "no slip on the board");
}

/// Two nodes on one database: a board on the second sees what the first writes.
async fn a_board_on_one_node_sees_another(db: &TestDb) {
    let w = world(db).await;
    let store = fengqiao_store::Store::connect(
        &db.url,
        fengqiao_store::Crypto::new(&db.key),
        &fengqiao_store::StoreOptions::default(),
    )
    .await
    .unwrap();
    let node2 = fengqiao_server::app(fengqiao_server::AppState::with_app(fengqiao_app::App::new(
        store,
        fengqiao_server::Settings::default(),
    )));
    let (cmd, gw1) = (w.token("commander").await, w.token("gw1").await);
    let mut board = Feed::open(&node2, &cmd, None).await;
    let code = new_dispute(&w, &gw1, "neighbour", "楼上住户深夜拖动家具").await;
    let (_, e) = board.about(&code).await;
    assert_eq!(e["topic"], "matter.created");
}

/// Views of part of the jurisdiction: a community, and a combat zone (作战区) — a unit of its
/// own to which communities are assigned, not above them in the tree.
async fn a_board_shows_a_community_or_a_combat_zone(db: &TestDb) {
    let w = world(db).await;
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "setup");
    let station = w.store.unit_by_code("XY").await.unwrap();
    let zone = fengqiao_store::org::NewUnit::new(
        "XY-Z1",
        fengqiao_domain::org::UnitKind::Zone,
        "第一作战区",
        Some(station.id),
    );
    let zone = w.store.create_unit(&ctx, &zone).await.unwrap();
    db.execute_raw(&format!("UPDATE units SET zone_id = {} WHERE code = 'XY-C02'", zone.id.0)).await;
    let (cmd, co, gw1, gw2) =
        (w.token("commander").await, w.token("co01").await, w.token("gw1").await, w.token("gw2").await);
    let in_c01 = new_dispute(&w, &gw1, "neighbour", "楼上装修噪音持续到深夜").await;
    let in_c02 = dispute_in_c02(&w, &gw2).await;
    let codes = |v: &Value| -> Vec<String> {
        v["matters"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_string()).collect()
    };
    let zone_view = w.get("/api/v1/board?unit=XY-Z1", Some(&cmd)).await.json();
    assert_eq!(codes(&zone_view), std::slice::from_ref(&in_c02), "the zone holds C02 only: {zone_view}");
    let c01_view = w.get("/api/v1/board?unit=XY-C01", Some(&cmd)).await.json();
    assert_eq!(codes(&c01_view), std::slice::from_ref(&in_c01));
    // A view beyond one's jurisdiction, or of no unit, is refused by name.
    let r = w.get("/api/v1/board?unit=XY-C02", Some(&co)).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("unit")), "{}", r.body);
    assert_eq!(w.get("/api/v1/board?unit=NOPE", Some(&cmd)).await.status, 422);
    assert_eq!(w.get("/api/v1/board/events?unit=XY-C02", Some(&co)).await.status, 422);
    // Live: the zone's board hears C02's news and not C01's.
    let mut zone_feed = Feed::open_at(&w.app, &cmd, "/api/v1/board/events?unit=XY-Z1", None).await;
    let quiet = new_dispute(&w, &gw1, "neighbour", "两户因楼道堆放杂物争吵").await;
    let loud = dispute_in_c02(&w, &gw2).await;
    let (_, e) = zone_feed.next(Duration::from_secs(5)).await.expect("the zone's news");
    assert_eq!(e["code"], loud, "C01's {quiet} never reaches the zone's board");
    // The page offers the views.
    let page = w.get("/board?unit=XY-Z1", Some(&cmd)).await;
    assert!(page.body.contains("第一作战区") && page.body.contains("data-unit=\"XY-Z1\""), "the page keeps its view");
    // A desk's view: duty supervision looks at what is late, not at the map.
    let page = w.get("/board?desk=supervision", Some(&cmd)).await.body;
    assert!(page.contains("class=\"board-map-wrap\" hidden"), "no map for the supervision desk");
    assert!(page.contains("data-testid=\"board-open\">"), "its matters shown");
    let page = w.get("/board?desk=nonsense", Some(&cmd)).await.body;
    assert!(page.contains("class=\"board-map-wrap\">"), "an unknown desk is the whole board");
}

/// The cameras of the video patrol on the board: the snapshot holds key cameras and those
/// not online; a fault found by a look reaches the boards whose view holds the camera, and
/// no other.
async fn a_board_follows_the_cameras(db: &TestDb) {
    let w = world(db).await;
    let (cmd, co) = (w.token("commander").await, w.token("co01").await);
    let csv = "device_id,name,category,tier,lat,lon\n\
        33068100001320000001,府前街口,key_road,key,37.105,111.705\n\
        33068100001320000003,崇文棋牌室,chess_cards,ordinary,37.105,111.715\n";
    let r = w.post_body("/api/v1/imports/cameras", Some(&cmd), "text/csv", csv).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let snap = w.get("/api/v1/board", Some(&cmd)).await.json();
    let devices: Vec<&str> =
        snap["cameras"].as_array().unwrap().iter().map(|c| c["device_id"].as_str().unwrap()).collect();
    assert_eq!(devices, ["33068100001320000001"], "the key camera only: {snap}");
    let mut all = Feed::open(&w.app, &cmd, Some(snap["last_event_id"].as_i64().unwrap())).await;
    let mut c01 = Feed::open(&w.app, &co, Some(snap["last_event_id"].as_i64().unwrap())).await;
    // A fault in 崇文 (C02): the commander's board hears it, the officer of 府前 (C01) does not.
    let look = r#"{"device_id":"33068100001320000003","finding":"no_picture","note":"黑屏"}"#;
    assert_eq!(w.post_json("/api/v1/patrol-entries", Some(&cmd), look).await.status, 201);
    let (_, e) = all.next(Duration::from_secs(5)).await.expect("the commander's board hears the fault");
    assert_eq!(
        (e["topic"].as_str(), e["device_id"].as_str(), e["status"].as_str()),
        (Some("camera.fault"), Some("33068100001320000003"), Some("fault")),
        "{e}"
    );
    // Then one in 府前: the officer's board hears that one, and nothing before it.
    let look = r#"{"device_id":"33068100001320000001","finding":"blurred"}"#;
    assert_eq!(w.post_json("/api/v1/patrol-entries", Some(&cmd), look).await.status, 201);
    let (_, e) = c01.next(Duration::from_secs(5)).await.expect("the officer's board hears its own camera");
    assert_eq!((e["device_id"].as_str(), e["status"].as_str()), (Some("33068100001320000001"), Some("fault")), "{e}");
    let snap = w.get("/api/v1/board", Some(&co)).await.json();
    let cams = snap["cameras"].as_array().unwrap();
    assert_eq!(cams.len(), 1, "{snap}");
    assert_eq!(cams[0]["status"], "fault");
}

contract_tests!(
    a_board_follows_the_cameras,
    the_board_follows_its_jurisdiction,
    a_board_on_one_node_sees_another,
    a_board_shows_a_community_or_a_combat_zone
);
