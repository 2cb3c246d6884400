//! Issue 11, item 6: the video patrol over the API and its pages — the camera registry
//! imported from CSV (every bad line named, nothing half-written), coverage of key cameras as
//! time passes (the app's clock, never a sleep), rounds walked camera by camera, a fault
//! opening one repair task, a sighting becoming a matter of the camera's grid, and who may
//! see and do what. On SQLite and on PostgreSQL.

mod common;

use common::{World, assert_error_body, world};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

const MIN: i64 = 60_000;
const HEADER: &str = "device_id,name,category,tier,lat,lon,interval_minutes,owner,recorder_id,stream_url\n";
/// Two key cameras in 府前 (G01), one ordinary in 崇文 (C02's grid).
const GOOD: &str = "33068100001320000001,府前街口,key_road,key,37.105,111.705,,派出所,33068100001180000001,rtsp://10.1.1.1:554/ch1\n\
    33068100001320000002,府前小学校门,学校,重点,37.106,111.706,,单位自建,,\n\
    33068100001320000003,崇文棋牌室,chess_cards,ordinary,37.105,111.715,120,,,\n";

async fn import(w: &World, token: &str, csv: &str) -> common::Resp {
    w.post_body("/api/v1/imports/cameras?filename=c.csv", Some(token), "text/csv", format!("{HEADER}{csv}")).await
}

async fn coverage(w: &World, token: &str) -> Value {
    let r = w.get("/api/v1/video/coverage", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

async fn look(w: &World, token: &str, body: Value) -> common::Resp {
    w.post_json("/api/v1/patrol-entries", Some(token), &body.to_string()).await
}

async fn the_registry_is_imported_whole_or_not_at_all(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    // Every bad line is named, by line and column, and nothing is written.
    let bad = format!(
        "{GOOD}33068100001180000009,录像机,key_road,key,37.105,111.705,,,,\n\
         33068100001320000001,重复,key_road,key,37.105,111.705,,,,\n\
         33068100001320000010,远处,key_road,key,30.0,120.0,,,,\n\
         33068100001320000011,错类,casino,vip,37.105,111.705,5,,3306,javascript:alert(1)\n"
    );
    let r = import(&w, &cmd, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let rejected: Vec<(u64, String)> = r.json()["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap().to_string()))
        .collect();
    for expected in [
        (5, "device_id"),
        (6, "device_id"),
        (7, "lat"),
        (8, "category"),
        (8, "tier"),
        (8, "recorder_id"),
        (8, "stream_url"),
    ] {
        assert!(rejected.contains(&(expected.0, expected.1.to_string())), "{expected:?} in {rejected:?}");
    }
    assert!(r.body.contains("device type 118"), "an NVR's ID is named as such: {}", r.body);
    assert!(r.body.contains("appears twice (first at line 2)"), "{}", r.body);
    assert_eq!(r.json()["committed"], false);
    assert_eq!(coverage(&w, &cmd).await["total"], 0, "nothing was written");

    // The good file: three cameras, each in the grid its point lies in.
    let r = import(&w, &cmd, GOOD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["created"].as_u64(), r.json()["updated"].as_u64()), (Some(3), Some(0)));
    let c = w.get("/api/v1/cameras/33068100001320000002", Some(&cmd)).await.json();
    assert_eq!(
        (c["grid"].as_str(), c["category"].as_str(), c["tier"].as_str()),
        (Some("XY-C01-G01"), Some("school"), Some("key"))
    );
    assert_eq!(c["interval_minutes"], 30, "a key camera is looked at every half hour");
    let c = w.get("/api/v1/cameras/33068100001320000003", Some(&cmd)).await.json();
    assert_eq!((c["grid"].as_str(), c["interval_minutes"].as_i64()), (Some("XY-C02-G01"), Some(120)));
    // Again, renamed: updated in place.
    let r = import(&w, &cmd, &GOOD.replace("府前街口", "府前街与新华路口")).await;
    assert_eq!((r.json()["created"].as_u64(), r.json()["updated"].as_u64()), (Some(0), Some(3)));
    assert_eq!(w.get("/api/v1/cameras/33068100001320000001", Some(&cmd)).await.json()["name"], "府前街与新华路口");

    // Who sees what: the community officer only their community's cameras; a grid worker none.
    let co = w.token("co01").await;
    let listed = w.get("/api/v1/cameras", Some(&co)).await.json();
    assert_eq!(listed["total"], 2, "{listed}");
    assert_error_body(&w.get("/api/v1/cameras/33068100001320000003", Some(&co)).await, 404, "not_found");
    // The stream address (it may carry the recorder's credentials) is for those who patrol.
    let c = w.get("/api/v1/cameras/33068100001320000001", Some(&co)).await.json();
    assert_eq!((c["name"].as_str(), c["stream_url"].as_str()), (Some("府前街与新华路口"), Some("")), "{c}");
    let c = w.get("/api/v1/cameras/33068100001320000001", Some(&cmd)).await.json();
    assert_eq!(c["stream_url"], "rtsp://10.1.1.1:554/ch1");
    let gw = w.token("gw1").await;
    assert_eq!(w.get("/api/v1/cameras", Some(&gw)).await.status, 403);
    assert_eq!(import(&w, &co, GOOD).await.status, 403, "viewing is not keeping the registry");
    // Absurd numbers are refused by name.
    for q in ["limit=100000", "limit=0", "offset=-1", "offset=99999999999", "tier=vip", "category=casino"] {
        let r = w.get(&format!("/api/v1/cameras?{q}"), Some(&cmd)).await;
        assert_eq!(r.status, 422, "{q}: {}", r.body);
    }
    let r = w
        .post_json("/api/v1/patrol-plans", Some(&cmd), r#"{"name":"计划","interval_minutes":9223372036854775807}"#)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("interval_minutes"), "{}", r.body);
}

async fn key_cameras_are_covered_round_by_round(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    assert_eq!(import(&w, &cmd, GOOD).await.status, 200);
    let c = coverage(&w, &cmd).await;
    assert_eq!((c["key_online"].as_i64(), c["key_covered"].as_i64()), (Some(2), Some(2)), "{c}");
    // Half an hour on, neither key camera has been looked at: both overdue.
    w.state.app.clock.advance(31 * MIN);
    let c = coverage(&w, &cmd).await;
    assert_eq!(
        (c["key_covered"].as_i64(), c["coverage_percent"].as_i64(), c["overdue_total"].as_i64()),
        (Some(0), Some(0), Some(2))
    );
    let overdue = w.get("/api/v1/cameras?overdue=true", Some(&cmd)).await.json();
    assert_eq!(overdue["total"], 2, "{overdue}");

    // A plan over the key cameras, and a round of it.
    let r = w
        .post_json(
            "/api/v1/patrol-plans",
            Some(&cmd),
            r#"{"name":"重点点位半小时巡查","tier":"key","interval_minutes":30}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let plan = r.json()["id"].as_i64().unwrap();
    // Due on the workbench until a round of it starts.
    let due = |wb: Value| wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == "rounds_due").cloned();
    let wb = w.get("/api/v1/workbench", Some(&cmd)).await.json();
    assert_eq!(due(wb).expect("a round is due")["items"][0]["code"], plan.to_string());
    let r = w.post_json(&format!("/api/v1/patrol-plans/{plan}/rounds"), Some(&cmd), "").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let round = r.json();
    let id = round["id"].as_i64().unwrap();
    assert_eq!(round["cameras"].as_array().unwrap().len(), 2, "only the key cameras: {round}");
    assert!(due(w.get("/api/v1/workbench", Some(&cmd)).await.json()).is_none(), "the round started");
    // Starting again goes on with the same round.
    let again = w.post_json(&format!("/api/v1/patrol-plans/{plan}/rounds"), Some(&cmd), "").await.json();
    assert_eq!(again["id"].as_i64(), Some(id));

    // A camera outside the plan (an ordinary one) is not looked at in its round.
    let r = look(&w, &cmd, json!({"round": id, "device_id": "33068100001320000003", "finding": "fine"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("not in the round's plan"), "{}", r.body);
    // The first camera is fine: covered again for the next half hour.
    let r = look(&w, &cmd, json!({"round": id, "device_id": "33068100001320000001", "finding": "fine"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = coverage(&w, &cmd).await;
    assert_eq!((c["key_covered"].as_i64(), c["overdue_total"].as_i64()), (Some(1), Some(1)));
    // Something seen needs words; the same look with them is logged.
    let r = look(&w, &cmd, json!({"round": id, "device_id": "33068100001320000002", "finding": "seen"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("\"note\""), "{}", r.body);
    let r = look(
        &w,
        &cmd,
        json!({"round": id, "device_id": "33068100001320000002", "finding": "seen", "note": "校门口两人推搡争吵"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let entry = r.json()["id"].as_i64().unwrap();
    let round = w.get(&format!("/api/v1/patrol-rounds/{id}"), Some(&cmd)).await.json();
    assert_eq!(round["looked"], 2);
    assert!(round["cameras"].as_array().unwrap().iter().all(|c| !c["entry"].is_null()), "{round}");
    assert_eq!(coverage(&w, &cmd).await["coverage_percent"], 100);

    // The sighting becomes a matter of the camera's grid, once.
    let r = w.post_json(&format!("/api/v1/patrol-entries/{entry}/matter"), Some(&cmd), "{}").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["matter"].as_str().unwrap().to_string();
    let m = w.get(&format!("/api/v1/matters/{code}"), Some(&cmd)).await.json()["matter"].clone();
    assert_eq!(
        (m["grid"]["code"].as_str(), m["source"].as_str(), m["kind"].as_str()),
        (Some("XY-C01-G01"), Some("video_patrol"), Some("incident")),
        "{m}"
    );
    assert!(m["narrative"].as_str().unwrap().contains("校门口两人推搡争吵"), "{m}");
    let r = w.post_json(&format!("/api/v1/patrol-entries/{entry}/matter"), Some(&cmd), "{}").await;
    assert_eq!(r.status, 409, "{}", r.body);
    let cam = w.get("/api/v1/cameras/33068100001320000002", Some(&cmd)).await.json();
    assert_eq!(cam["entries"][0]["matter"].as_str(), Some(code.as_str()));

    // Finished, the round takes no more looks.
    assert_eq!(w.post_json(&format!("/api/v1/patrol-rounds/{id}/finish"), Some(&cmd), "").await.status, 204);
    let r = look(&w, &cmd, json!({"round": id, "device_id": "33068100001320000001", "finding": "fine"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(w.post_json(&format!("/api/v1/patrol-rounds/{id}/finish"), Some(&cmd), "").await.status, 409);
}

async fn a_fault_opens_one_repair_until_fixed(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    assert_eq!(import(&w, &cmd, GOOD).await.status, 200);
    let dev = "33068100001320000003";
    let r = look(&w, &cmd, json!({"device_id": dev, "finding": "no_picture", "note": "黑屏"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let repair = r.json()["repair"].as_i64().expect("a repair task");
    // A second fault while it is open joins the same task.
    let r = look(&w, &cmd, json!({"device_id": dev, "finding": "moved"})).await;
    assert_eq!(r.json()["repair"].as_i64(), Some(repair));
    let cam = w.get(&format!("/api/v1/cameras/{dev}"), Some(&cmd)).await.json();
    assert_eq!(cam["status"], "fault");
    assert_eq!(cam["repairs"].as_array().unwrap().len(), 1, "{cam}");
    let c = coverage(&w, &cmd).await;
    assert_eq!((c["fault"].as_i64(), c["open_repairs"].as_i64()), (Some(1), Some(1)));
    // The platform reports another camera offline: counted, and no longer held to coverage.
    let r = w.post_json("/api/v1/cameras/33068100001320000001/status", Some(&cmd), r#"{"status":"offline"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(coverage(&w, &cmd).await["key_online"], 1);
    let r = w.post_json("/api/v1/cameras/33068100001320000001/status", Some(&cmd), r#"{"status":"broken"}"#).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Fixed: the camera is back online, the task closed once.
    let repairs = w.get("/api/v1/camera-repairs", Some(&cmd)).await.json();
    assert_eq!(repairs.as_array().unwrap().len(), 1, "{repairs}");
    let r = w.post_json(&format!("/api/v1/camera-repairs/{repair}/fix"), Some(&cmd), r#"{"note":"更换电源"}"#).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(w.post_json(&format!("/api/v1/camera-repairs/{repair}/fix"), Some(&cmd), "{}").await.status, 409);
    let cam = w.get(&format!("/api/v1/cameras/{dev}"), Some(&cmd)).await.json();
    assert_eq!((cam["status"].as_str(), cam["repairs"][0]["status"].as_str()), (Some("online"), Some("fixed")));
    assert_eq!(w.get("/api/v1/camera-repairs", Some(&cmd)).await.json(), json!([]));
    // A community officer of C01 cannot look at (nor fix) C02's camera: it does not exist for them.
    let co = w.token("co01").await;
    let r = look(&w, &co, json!({"device_id": dev, "finding": "fine"})).await;
    assert_eq!(r.status, 404, "{}", r.body);
}

async fn the_pages_show_the_patrol(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    assert_eq!(import(&w, &cmd, GOOD).await.status, 200);
    w.state.app.clock.advance(31 * MIN);
    let page = w.get("/video", Some(&cmd)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("府前小学校门") && page.body.contains("data-testid=\"coverage\">0%"), "overdue listed");
    let r = w
        .post_json("/api/v1/patrol-plans", Some(&cmd), r#"{"name":"重点巡查","tier":"key","interval_minutes":30}"#)
        .await;
    let plan = r.json()["id"].as_i64().unwrap();
    let r =
        w.post_body(&format!("/video/plans/{plan}/rounds"), Some(&cmd), "application/x-www-form-urlencoded", "").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let round = r.headers.get("location").unwrap().to_str().unwrap().to_string();
    let id: i64 = round.rsplit('/').next().unwrap().parse().unwrap();
    // A look from the round's page without the words it needs: 422, the words' field marked.
    let r = w
        .post_body(
            "/video/cameras/33068100001320000002/looks",
            Some(&cmd),
            "application/x-www-form-urlencoded",
            format!("round={id}&finding=seen&note="),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""), "{}", r.body);
    let r = w
        .post_body(
            "/video/cameras/33068100001320000002/looks",
            Some(&cmd),
            "application/x-www-form-urlencoded",
            format!("round={id}&finding=fine&note="),
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers.get("location").unwrap(), &format!("/video/rounds/{id}#next"));
    // A device ID with a stray character is no device: nothing logged, no broken redirect.
    let r = w
        .post_body(
            "/video/cameras/33068100001320000002%0A/looks",
            Some(&cmd),
            "application/x-www-form-urlencoded",
            "finding=fine&note=",
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let page = w.get(&round, Some(&cmd)).await;
    assert!(page.body.contains("data-testid=\"looked\""), "the look shows in the round");
    let cams = w.get("/video/cameras?tier=key", Some(&cmd)).await;
    assert!(cams.body.contains("府前街口") && !cams.body.contains("崇文棋牌室"), "filtered by tier");
    let cam = w.get("/video/cameras/33068100001320000001", Some(&cmd)).await;
    assert!(
        cam.body.replace("&#x2f;", "/").contains("rtsp://10.1.1.1:554/ch1"),
        "the stream address for the operator's viewer"
    );
}

contract_tests!(
    the_registry_is_imported_whole_or_not_at_all,
    key_cameras_are_covered_round_by_round,
    a_fault_opens_one_repair_until_fixed,
    the_pages_show_the_patrol,
);
