//! Issue 11, item 9: "five small" policing (五小警务) counted per person and per grid over a
//! period, from the matters closed and the household visits recorded — never typed in —
//! within the viewer's jurisdiction. On SQLite and on PostgreSQL.

mod common;

use common::{World, assert_error_body, world};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

async fn matter(w: &World, token: &str, kind: &str, narrative: &str, lon: f64) -> String {
    let body = json!({"kind": kind, "narrative": narrative, "lat": 37.105, "lon": lon}).to_string();
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

fn row(t: &Value, key: &str) -> Value {
    t["rows"].as_array().unwrap().iter().find(|r| r["key"] == key).cloned().unwrap_or(Value::Null)
}

fn five(c: &Value) -> [i64; 6] {
    ["practical_help", "small_case", "small_conflict", "small_hazard", "small_policing", "total"]
        .map(|k| c[k].as_i64().unwrap())
}

async fn five_small_is_counted_from_the_records(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let (gw1, gw2, co, cmd) =
        (w.token("gw1").await, w.token("gw2").await, w.token("co01").await, w.token("commander").await);

    // In G01: gw1 visits H1 twice, clears a hazard and deals with a request; the community
    // officer deals with a request tagged as a small conflict; an open hazard counts for
    // nothing yet.
    for _ in 0..2 {
        let r = w
            .post_json("/api/v1/households/H1/visits", Some(&gw1), r#"{"kind":"publicity","outcome":"宣传防诈骗"}"#)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let h = matter(&w, &gw1, "hazard", "府前街楼道灭火器过期", 111.705).await;
    close(&w, &gw1, &h).await;
    let q = matter(&w, &gw1, "request", "独居老人家中水管爆裂求助", 111.705).await;
    close(&w, &gw1, &q).await;
    // Tagged at intake as a small conflict: it counts as one, whatever its kind.
    let body = json!({"kind": "request", "narrative": "两户为车位争吵求助", "lat": 37.105, "lon": 111.705, "five_small": "small_conflict"});
    let r = w.post_json("/api/v1/matters", Some(&co), &body.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    close(&w, &co, r.json()["code"].as_str().unwrap()).await;
    matter(&w, &gw1, "hazard", "楼道电线老化", 111.705).await;
    // In G02: gw2 deals with an incident.
    let i = matter(&w, &gw2, "incident", "崇文街有人酒后吵闹", 111.715).await;
    close(&w, &gw2, &i).await;

    // The commander's station, per person.
    let t = w.get("/api/v1/five-small", Some(&cmd)).await;
    assert_eq!(t.status, 200, "{}", t.body);
    let t = t.json();
    assert_eq!(five(&t["totals"]), [1, 1, 1, 1, 2, 6], "{t}");
    assert_eq!(five(&row(&t, "gw1")["counts"]), [1, 0, 0, 1, 2, 4], "{t}");
    assert_eq!(five(&row(&t, "co01")["counts"]), [0, 0, 1, 0, 0, 1]);
    assert_eq!(five(&row(&t, "gw2")["counts"]), [0, 1, 0, 0, 0, 1]);
    assert_eq!(t["rows"][0]["key"], "gw1", "most work first");
    assert_eq!(row(&t, "gw1")["name"], "测试gw1");
    // Per grid: every grid, with its community.
    let g = w.get("/api/v1/five-small?by=grid", Some(&cmd)).await.json();
    assert_eq!(five(&row(&g, "XY-C01-G01")["counts"]), [1, 0, 1, 1, 2, 5], "{g}");
    assert_eq!(five(&row(&g, "XY-C02-G01")["counts"]), [0, 1, 0, 0, 0, 1]);
    assert_eq!(row(&g, "XY-C01-G01")["unit"], "府前社区");
    // A grid worker sees their own grid's work only.
    let own = w.get("/api/v1/five-small", Some(&gw2)).await.json();
    assert_eq!(five(&own["totals"]), [0, 1, 0, 0, 0, 1], "{own}");
    assert!(row(&own, "gw1").is_null());
    let own = w.get("/api/v1/five-small?by=grid", Some(&gw2)).await.json();
    assert_eq!(own["total_rows"], 1);

    // Another period counts nothing; grids are still listed.
    let today = t["to"].as_str().unwrap();
    let d = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap() - chrono::Duration::days(40);
    let before = format!("from={}&to={}", d, d + chrono::Duration::days(7));
    let old = w.get(&format!("/api/v1/five-small?by=grid&{before}"), Some(&cmd)).await.json();
    assert_eq!((old["totals"]["total"].as_i64(), old["total_rows"].as_i64()), (Some(0), Some(2)), "{old}");
    let old = w.get(&format!("/api/v1/five-small?{before}"), Some(&cmd)).await.json();
    assert_eq!(old["total_rows"], 0);

    // Bad input is named; roles without the matters are refused.
    for (q, field) in [
        ("by=team", "by"),
        ("from=2026-02-30", "from"),
        ("from=2026-03-01&to=2026-02-01", "to"),
        ("from=2024-01-01&to=2026-01-01", "to"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("unit=XY-C01", "unit"),
    ] {
        let r = w.get(&format!("/api/v1/five-small?{q}"), Some(&gw2)).await;
        assert_error_body(&r, 422, "validation");
        assert_eq!(r.json()["error"]["fields"][0]["field"], field, "{q}: {}", r.body);
    }
    assert_error_body(&w.get("/api/v1/five-small", Some(&w.sysadmin_token().await)).await, 403, "forbidden");
    assert_eq!(w.get("/api/v1/five-small", None).await.status, 401);

    // The page says the same.
    let page = w.get("/five-small?by=grid", Some(&co)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-count=\"total\">5<"), "{}", &page.body[..page.body.len().min(400)]);
    // A period too long is said on the page, which counts this month instead.
    let page = w.get("/five-small?from=2020-01-01&to=2026-01-01", Some(&co)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-testid=\"fs-refused\"") && page.body.contains("366"), "the refusal is shown");
}

contract_tests!(five_small_is_counted_from_the_records);
