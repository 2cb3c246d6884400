//! Bounded everything (issue 9): each limit on what a client sends, reached and passed, is
//! answered with 413 or 422 naming the limit, and nothing is written. The list, with the
//! values, is in docs/SECURITY.md ("Limits").

mod common;

use common::{assert_error_body, world};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

/// The message of an error answer (and its first field's name, if any).
fn said(r: &common::Resp) -> String {
    let j = r.json();
    format!("{} {}", j["error"]["fields"][0]["field"].as_str().unwrap_or(""), j["error"]["message"])
}

async fn every_limit_is_answered_and_named(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let cmd = w.token("commander").await;

    // Request body: max_body_bytes (1 MiB).
    let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(1024 * 1024 + 1));
    let r = w.post_json("/api/v1/session", None, &big).await;
    assert_error_body(&r, 413, "payload_too_large");
    assert!(said(&r).contains("max_body_bytes"), "{}", r.body);

    // Path and query length.
    let r = w.get(&format!("/api/v1/matters?q=a&x={}", "b".repeat(4096)), Some(&gw)).await;
    assert_error_body(&r, 422, "validation");
    assert!(said(&r).starts_with("query") && said(&r).contains("at most 4096 bytes"), "{}", r.body);
    let r = w.get(&format!("/api/v1/matters/{}", "M".repeat(2049)), Some(&gw)).await;
    assert_error_body(&r, 422, "validation");
    assert!(said(&r).starts_with("path") && said(&r).contains("at most 2048 bytes"), "{}", r.body);
    let r = w.get(&format!("/matters?q={}", "b".repeat(4097)), Some(&gw)).await;
    assert_eq!(r.status, 422, "pages too");

    // Page size and depth.
    for path in ["/api/v1/matters?limit=501", "/api/v1/users?limit=501", "/api/v1/households?limit=100000"] {
        let r = w.get(path, Some(&cmd)).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert!(said(&r).starts_with("limit"), "{path}: {}", r.body);
    }
    let r = w.get("/api/v1/households?offset=1000001", Some(&cmd)).await;
    assert_error_body(&r, 422, "validation");
    assert!(said(&r).starts_with("offset") && said(&r).contains("1000000"), "{}", r.body);

    // Search terms: 100 characters.
    for path in ["/api/v1/matters?q=", "/api/v1/residents?q="] {
        let r = w.get(&format!("{path}{}", "噪".repeat(101)), Some(&cmd)).await;
        assert_error_body(&r, 422, "validation");
        assert!(said(&r).contains("at most 100 characters"), "{path}: {}", r.body);
    }

    // CSV: columns, value length, rows. Nothing is written.
    let import = |csv: String| {
        let w = &w;
        let gw = gw.clone();
        async move { w.post_body("/api/v1/imports/households", Some(&gw), "text/csv", csv).await }
    };
    const HEADER: &str = "household_code,address,lat,lon,dwelling_type,is_rental,phone";
    let extra: Vec<String> = (0..54).map(|i| format!("c{i}")).collect();
    let wide = format!("{HEADER},{}\nH9,x,37.105,111.705,owner_occupied,0,\n", extra.join(","));
    let r = import(wide).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("at most 60 columns"), "{}", r.body);
    let long = format!("{HEADER}\nH9,{},37.105,111.705,owner_occupied,0,\n", "路".repeat(1001));
    let r = import(long).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("column address: at most 1000 characters"), "{}", r.body);
    let mut many = format!("{HEADER}\n");
    for i in 0..200_001 {
        many.push_str(&format!("R{i},x,37.105,111.705,owner_occupied,0,\n"));
    }
    let r = import(many).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("at most 200000 rows"), "{}", r.body);
    assert_eq!(w.get("/api/v1/households", Some(&cmd)).await.json()["total"], 0, "nothing was written");

    // GeoJSON: positions in a grid's geometry.
    let t = w.sysadmin_token().await;
    let ring: Vec<String> = (0..20_001)
        .map(|i| {
            let a = i as f64 / 20_000.0 * std::f64::consts::TAU;
            format!("[{:.7},{:.7}]", 111.705 + 0.004 * a.cos(), 37.105 + 0.004 * a.sin())
        })
        .chain(std::iter::once("[111.709,37.105]".to_string()))
        .collect();
    let body =
        format!(r#"{{"name":"府前社区第1网格","geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#, ring.join(","));
    let r = w.put_json("/api/v1/units/XY-C01-G01", Some(&t), &body).await;
    assert_error_body(&r, 422, "validation");
    assert!(said(&r).contains("at most 20000 positions"), "{}", r.body);
    let features: Vec<String> =
        (0..5_001).map(|i| format!(r#"{{"type":"Feature","properties":{{"code":"G{i}"}},"geometry":null}}"#)).collect();
    let doc = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
    let Err(e) = fengqiao_app::import::grids::parse(&doc) else { panic!("5,001 grids were accepted") };
    assert!(format!("{e:?}").contains("at most 5000 grids"), "{e:?}");

    // Attached files: max_file_bytes (10 MiB) named; past the route's 16 MiB, 413.
    let m = common::new_dispute(&w, &gw, "neighbour", "楼上装修噪音到深夜").await;
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(10 * 1024 * 1024 + 1, 0);
    let path = format!("/api/v1/matters/{m}/files?name=big.jpg");
    let r = w.post_body(&path, Some(&gw), "image/jpeg", jpeg.clone()).await;
    assert_error_body(&r, 422, "validation");
    assert!(said(&r).contains("larger than 10 MB"), "{}", r.body);
    jpeg.resize(16 * 1024 * 1024 + 1, 0);
    assert_error_body(&w.post_body(&path, Some(&gw), "image/jpeg", jpeg).await, 413, "payload_too_large");
}

contract_tests!(every_limit_is_answered_and_named);
