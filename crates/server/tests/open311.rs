//! Open311 GeoReport v2 conformance: every endpoint, both formats, and the error cases the
//! specification names (400, 403, 404 with `[{code, description}]`). On SQLite and
//! PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::world;
use fengqiao_store::audit::{AuditCtx, AuditFilter};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

fn post_form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

/// An error response as the specification shapes it.
fn assert_error(r: &common::Resp, status: u16, mentions: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let v = r.json();
    let e = &v.as_array().expect("errors are an array")[0];
    assert_eq!(e["code"], status);
    assert!(e["description"].as_str().unwrap().contains(mentions), "{} should mention {mentions}", e["description"]);
}

async fn discovery_and_services(db: &TestDb) {
    let w = world(db).await;
    let d = w.get("/open311/v2/discovery.json", None).await;
    assert_eq!(d.status, 200);
    assert!(d.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let ep = &d.json()["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(ep["url"].as_str().unwrap().ends_with("/open311/v2"));
    let dx = w.get("/open311/v2/discovery.xml", None).await;
    assert!(dx.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/xml"));
    assert!(dx.body.starts_with("<?xml") && dx.body.contains("<endpoints><endpoint>"), "{}", dx.body);
    assert!(dx.body.contains("<specification>http://wiki.open311.org/GeoReport_v2</specification>"));

    let s = w.get("/open311/v2/services.json", None).await.json();
    let list = s.as_array().unwrap();
    let neighbour = list.iter().find(|x| x["service_code"] == "dispute-neighbour").expect("disputes by category");
    assert_eq!((neighbour["metadata"].as_bool(), neighbour["type"].as_str()), (Some(true), Some("realtime")));
    assert!(list.iter().any(|x| x["service_code"] == "hazard"));
    assert!(!list.iter().any(|x| x["service_code"] == "incident"), "police incidents go to 110, not Open311");
    let sx = w.get("/open311/v2/services.xml", None).await.body;
    assert!(sx.starts_with("<?xml") && sx.contains("<services><service>"), "{sx}");
    assert!(sx.contains("<service_code>dispute-marriage_family</service_code>"), "{sx}");

    let def = w.get("/open311/v2/services/dispute-neighbour.json", None).await.json();
    let attr = &def["attributes"][0];
    assert_eq!((attr["code"].as_str(), attr["datatype"].as_str()), (Some("priority"), Some("singlevaluelist")));
    assert_eq!(attr["values"].as_array().unwrap().len(), 4);
    let defx = w.get("/open311/v2/services/hazard.xml", None).await.body;
    assert!(defx.contains("<service_definition>") && defx.contains("<service_code>hazard</service_code>"), "{defx}");
    assert!(defx.contains("<attributes><attribute>") && defx.contains("<values><value><key>urgent</key>"), "{defx}");
    assert_error(&w.get("/open311/v2/services/aliens.json", None).await, 404, "service_code");
    let ex = w.get("/open311/v2/services/aliens.xml", None).await;
    assert_eq!(ex.status, 404);
    assert!(ex.body.contains("<errors><error><code>404</code><description>"), "{}", ex.body);
    assert_error(&w.get("/open311/v2/services", None).await, 404, ".json or .xml");
    assert_error(&w.get("/open311/v2/nothing.json", None).await, 404, "resource");
}

async fn requests_posted_listed_and_found(db: &TestDb) {
    let w = world(db).await;
    let key = w.store.add_open311_client(&AuditCtx::system("test", "open311"), "市民热线").await.unwrap();
    let good = format!(
        "api_key={key}&service_code=dispute-neighbour&lat=37.105123&long=111.705456&description={}&first_name={}&last_name={}&phone=13903581111&attribute%5Bpriority%5D=high",
        enc("楼上漏水到楼下，多次协商无果"),
        enc("国华"),
        enc("钱")
    );
    // The errors: key missing or unknown (403), fields missing or wrong (400).
    let no_key = good.replacen(&format!("api_key={key}&"), "", 1);
    assert_error(&w.send(post_form("/open311/v2/requests.json", &no_key)).await, 403, "api_key");
    let bad_key = good.replacen(&key, "not-a-key", 1);
    assert_error(&w.send(post_form("/open311/v2/requests.json", &bad_key)).await, 403, "api_key");
    let cases = [
        (good.replacen("service_code=dispute-neighbour&", "", 1), "service_code"),
        (good.replacen("dispute-neighbour", "aliens", 1), "service_code"),
        (good.replacen("lat=37.105123&long=111.705456&", "", 1), "location"),
        (good.replacen("lat=37.105123", "lat=north", 1), "lat"),
        (good.replacen("long=111.705456", "long=111.95", 1), "location"),
        (good.replacen("attribute%5Bpriority%5D=high", "attribute%5Bpriority%5D=now", 1), "attribute[priority]"),
        (format!("api_key={key}&service_code=hazard&lat=37.105&long=111.705&description=%E7%9F%AD"), "description"),
        (format!("{good}&media_url=javascript:alert(1)"), "media_url"),
    ];
    for (body, field) in &cases {
        assert_error(&w.send(post_form("/open311/v2/requests.json", body)).await, 400, field);
    }
    let wrong_type = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_error(&w.send(wrong_type).await, 400, "form-encoded");
    assert_eq!(w.get("/api/v1/matters", Some(&w.token("commander").await)).await.json()["total"], 0, "nothing written");

    // A good request: answered with its id and token, routed like every matter.
    let r = w.send(post_form("/open311/v2/requests.json", &good)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()[0]["service_request_id"].as_str().unwrap().to_string();
    let token = r.json()[0]["token"].as_str().unwrap().to_string();
    let cmd = w.token("commander").await;
    let m = w.get(&format!("/api/v1/matters/{id}"), Some(&cmd)).await.json();
    assert_eq!(
        (m["matter"]["grid"]["code"].as_str(), m["matter"]["source"].as_str(), m["matter"]["tier"].as_str()),
        (Some("XY-C01-G01"), Some("open311"), Some("grid"))
    );
    assert_eq!(m["matter"]["priority"], "high");
    let audited = w
        .store
        .search_audit(&AuditFilter { object: Some(format!("matter:{id}")), limit: 5, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audited[0].actor, "open311:市民热线");
    // XML answers too; a hazard posted by address of a household.
    let rx = w
        .send(post_form(
            "/open311/v2/requests.xml",
            &format!(
                "api_key={key}&service_code=hazard&lat=37.106&long=111.706&description={}",
                enc("小区路灯损坏多日无人修")
            ),
        ))
        .await;
    assert_eq!(rx.status, 200);
    assert!(
        rx.body.contains("<service_requests><request>") && rx.body.contains("<service_request_id>M"),
        "{}",
        rx.body
    );
    // A matter recorded by staff is not public.
    w.post_json(
        "/api/v1/matters",
        Some(&cmd),
        r#"{"kind":"hazard","narrative":"内部登记的隐患不对外公开","lat":37.105,"lon":111.705}"#,
    )
    .await;

    // GET requests: the public view, with the specification's filters.
    let all = w.get("/open311/v2/requests.json", None).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2, "only what came in through Open311");
    let one = all.as_array().unwrap().iter().find(|x| x["service_request_id"] == id.as_str()).unwrap();
    assert_eq!(one["status"], "open");
    assert_eq!(one["service_code"], "dispute-neighbour");
    assert!(one["description"].is_null(), "a dispute's description is private");
    assert_eq!(one["lat"].as_f64(), Some(37.105), "positions rounded to about 100 m");
    assert!(!all.to_string().contains("13903581111") && !all.to_string().contains("钱国华"), "no reporter details");
    let hazard = all.as_array().unwrap().iter().find(|x| x["service_code"] == "hazard").unwrap();
    assert_eq!(hazard["description"], "小区路灯损坏多日无人修");
    let by_code = w.get("/open311/v2/requests.json?service_code=hazard", None).await.json();
    assert_eq!(by_code.as_array().unwrap().len(), 1);
    let by_ids = w.get(&format!("/open311/v2/requests.json?service_request_id={id},M0-none"), None).await.json();
    assert_eq!(by_ids.as_array().unwrap().len(), 1);
    assert_eq!(w.get("/open311/v2/requests.json?status=closed", None).await.json().as_array().unwrap().len(), 0);
    assert_eq!(w.get("/open311/v2/requests.json?status=open", None).await.json().as_array().unwrap().len(), 2);
    let future = w.get("/open311/v2/requests.json?start_date=2099-01-01T00:00:00%2B08:00", None).await.json();
    assert_eq!(future.as_array().unwrap().len(), 0);
    assert_error(&w.get("/open311/v2/requests.json?status=lost", None).await, 400, "status");
    assert_error(&w.get("/open311/v2/requests.json?start_date=yesterday", None).await, 400, "start_date");
    assert_error(&w.get("/open311/v2/requests.json?service_code=aliens", None).await, 400, "service_code");
    let xml = w.get("/open311/v2/requests.xml", None).await.body;
    assert!(xml.contains("<service_requests><request>") && xml.contains("<status>open</status>"), "{xml}");

    // One request; its token.
    let single = w.get(&format!("/open311/v2/requests/{id}.json"), None).await.json();
    assert_eq!(single[0]["service_request_id"], id.as_str());
    assert!(single[0]["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
    let singlex = w.get(&format!("/open311/v2/requests/{id}.xml"), None).await.body;
    assert!(singlex.contains(&format!("<service_request_id>{id}</service_request_id>")));
    assert_error(&w.get("/open311/v2/requests/M0-none.json", None).await, 404, "service_request_id");
    let t = w.get(&format!("/open311/v2/tokens/{token}.json"), None).await.json();
    assert_eq!(t[0]["service_request_id"], id.as_str());
    assert_error(&w.get("/open311/v2/tokens/nope.json", None).await, 404, "token");
    // The status follows the workflow.
    let step = |e: &str| format!(r#"{{"event":"{e}"}}"#);
    let hz = hazard["service_request_id"].as_str().unwrap();
    for e in ["accept", "start_work", "resolve"] {
        w.post_json(&format!("/api/v1/matters/{hz}/events"), Some(&cmd), &step(e)).await;
    }
    let closed = w.get(&format!("/open311/v2/requests/{hz}.json"), None).await.json();
    assert_eq!((closed[0]["status"].as_str(), closed[0]["status_notes"].as_str()), (Some("closed"), Some("已办结")));
    // A revoked key posts nothing.
    w.store.revoke_open311_client(&AuditCtx::system("test", "open311"), "市民热线").await.unwrap();
    assert_error(&w.send(post_form("/open311/v2/requests.json", &good)).await, 403, "api_key");
}

/// Lengths count characters and fit Chinese: four characters are a complete report on
/// every channel; Open311 takes the specification's 4,000 characters, no more.
async fn chinese_lengths(db: &TestDb) {
    let w = world(db).await;
    let key = w.store.add_open311_client(&AuditCtx::system("test", "open311"), "市民热线").await.unwrap();
    let post = |description: String| {
        let body =
            format!("api_key={key}&service_code=hazard&lat=37.105&long=111.705&description={}", enc(&description));
        w.send(post_form("/open311/v2/requests.json", &body))
    };
    assert_eq!(post("路灯不亮".into()).await.status, 200);
    assert_eq!(post("灯".repeat(4000)).await.status, 200, "4,000 characters (12,000 bytes) fit");
    assert_error(&post("灯".repeat(4001)).await, 400, "description");
    assert_error(&post("灯".into()).await, 400, "description");
    let gw = w.token("gw1").await;
    let w = &w;
    let api = |narrative: String| {
        let body = format!(r#"{{"kind":"hazard","narrative":"{narrative}","lat":37.105,"lon":111.705}}"#);
        let gw = gw.clone();
        async move { w.post_json("/api/v1/matters", Some(&gw), &body).await }
    };
    assert_eq!(api("路灯不亮".into()).await.status, 201);
    assert_eq!(api("漏水".into()).await.status, 201);
    assert_eq!(api("灯".repeat(5000)).await.status, 201);
    let too_long = api("灯".repeat(5001)).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(too_long.json()["error"]["fields"][0]["field"], "narrative");
}

/// Issue 9, item 11: a tip is never public (it names people and the one who reports them),
/// and a refused request says nothing of what the registry holds.
async fn tips_and_the_registry_stay_private(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let key = w.store.add_open311_client(&AuditCtx::system("test", "open311"), "市民热线").await.unwrap();
    let tip = format!(
        "api_key={key}&service_code=tip&lat=37.105&long=111.705&description={}",
        enc("3号楼502室有人聚众赌博，举报人电话13900001111")
    );
    let r = w.send(post_form("/open311/v2/requests.json", &tip)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()[0]["service_request_id"].as_str().unwrap().to_string();
    let list = w.get("/open311/v2/requests.json", None).await;
    assert_eq!(list.status, 200);
    assert!(!list.body.contains(&id) && !list.body.contains("502"), "{}", list.body);
    let one = w.get(&format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(one.status, 404, "{}", one.body);
    // The staff still see it.
    let cmd = w.token("commander").await;
    assert_eq!(w.get(&format!("/api/v1/matters/{id}"), Some(&cmd)).await.status, 200);
    // Unknown household code and unknown address: the same answer, naming no registry.
    let by = |field: &str, value: &str| {
        format!("api_key={key}&service_code=hazard&{field}={}&description={}", enc(value), enc("路灯不亮"))
    };
    for body in [by("address_id", "NOPE"), by("address_string", "不存在的地址1号")] {
        let r = w.send(post_form("/open311/v2/requests.json", &body)).await;
        assert_error(&r, 400, "cannot be located");
        assert!(!r.body.contains("household") && !r.body.contains("registered"), "{}", r.body);
    }
}

contract_tests!(
    chinese_lengths,
    discovery_and_services,
    requests_posted_listed_and_found,
    tips_and_the_registry_stay_private
);
