//! In-process tests of the HTTP surface (API, web forms, operations), each run on SQLite
//! and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{PASSWORD, totp_now, world};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

fn assert_error_body(r: &common::Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let j = r.json();
    assert_eq!(j["error"]["code"], code, "{}", r.body);
    assert!(j["error"]["message"].is_string());
    assert!(j["error"]["fields"].is_array());
}

async fn login_me_and_logout(db: &TestDb) {
    let w = world(db).await;
    let t = w.token("gw1").await;
    let me = w.get("/api/v1/me", Some(&t)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["unit"]["code"], "XY-C01-G01");
    let r = w
        .send(
            Request::delete("/api/v1/session")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_error_body(&w.get("/api/v1/me", Some(&t)).await, 401, "unauthenticated");
    assert_error_body(&w.get("/api/v1/me", None).await, 401, "unauthenticated");
    assert_error_body(&w.get("/api/v1/me", Some("forged")).await, 401, "unauthenticated");
}

async fn bad_input_gets_precise_errors(db: &TestDb) {
    let w = world(db).await;
    assert_error_body(&w.post_json("/api/v1/session", None, "{not json").await, 400, "bad_request");
    let r = w.post_json("/api/v1/session", None, r#"{"username": 5}"#).await;
    assert_error_body(&r, 422, "validation");
    let r = w.post_json("/api/v1/session", None, r#"{"username": "", "password": ""}"#).await;
    assert_error_body(&r, 422, "validation");
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["username", "password"]);
    let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(2 * 1024 * 1024));
    assert_error_body(&w.post_json("/api/v1/session", None, &big).await, 413, "payload_too_large");
    assert_error_body(&w.get("/api/v1/nope", None).await, 404, "not_found");
    let r = w.post_json("/api/v1/session", None, r#"{"username":"gw1","password":"wrong"}"#).await;
    assert_error_body(&r, 401, "invalid_credentials");
    let r = w.post_json("/api/v1/session", None, r#"{"username":"nobody","password":"wrong"}"#).await;
    assert_error_body(&r, 401, "invalid_credentials");
    let t = w.token("commander").await;
    assert_error_body(&w.get("/api/v1/units?kind=castle", Some(&t)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/users?limit=abc", Some(&t)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/units/NOPE", Some(&t)).await, 404, "not_found");
}

async fn lockout_after_repeated_failures(db: &TestDb) {
    let w = world(db).await;
    for _ in 0..5 {
        let r = w.post_json("/api/v1/session", None, r#"{"username":"gw2","password":"wrong"}"#).await;
        assert_eq!(r.status, 401);
    }
    let r = w.post_json("/api/v1/session", None, &format!(r#"{{"username":"gw2","password":"{PASSWORD}"}}"#)).await;
    assert_error_body(&r, 403, "locked");
    let failures = w
        .state
        .store
        .search_audit(&AuditFilter {
            actor: Some("gw2".into()),
            result: Some("failure".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(failures.len() >= 6, "every failed attempt is audited");
    let locks = w
        .state
        .store
        .search_audit(&AuditFilter { action: Some("user.lock".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(locks.len(), 1);
}

async fn second_factor_for_administrators(db: &TestDb) {
    let w = world(db).await;
    let r =
        w.post_json("/api/v1/session", None, &format!(r#"{{"username":"sysadmin","password":"{PASSWORD}"}}"#)).await;
    assert_error_body(&r, 403, "totp_enrolment_required");
    let r = w.post_json("/api/v1/session", None, &format!(r#"{{"username":"auditor","password":"{PASSWORD}"}}"#)).await;
    assert_error_body(&r, 401, "totp_required");
    let r = w
        .post_json(
            "/api/v1/session",
            None,
            &format!(r#"{{"username":"auditor","password":"{PASSWORD}","totp":"000000x"}}"#),
        )
        .await;
    assert_error_body(&r, 401, "invalid_totp");
    let code = totp_now("JBSWY3DPEHPK3PXP", 0);
    let body = format!(r#"{{"username":"auditor","password":"{PASSWORD}","totp":"{code}"}}"#);
    assert_eq!(w.post_json("/api/v1/session", None, &body).await.status, 201);
    // The same code cannot be used twice.
    assert_error_body(&w.post_json("/api/v1/session", None, &body).await, 401, "invalid_totp");
}

async fn jurisdiction_and_denials_are_audited(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let units = w.get("/api/v1/units", Some(&gw)).await.json();
    let codes: Vec<&str> = units.as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["XY-C01-G01"]);
    assert_error_body(&w.get("/api/v1/units/XY-C02-G01", Some(&gw)).await, 403, "forbidden");
    assert_error_body(&w.get("/api/v1/audit", Some(&gw)).await, 403, "forbidden");
    let denied = w
        .state
        .store
        .search_audit(&AuditFilter {
            actor: Some("gw1".into()),
            result: Some("denied".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(denied.len(), 2);
    assert!(denied.iter().any(|d| d.object_id == "XY-C02-G01" && d.detail.contains("jurisdiction")));
    assert!(denied.iter().any(|d| d.action == "view_audit" && d.detail.contains("role")));

    let co = w.token("co01").await;
    let users = w.get("/api/v1/users", Some(&co)).await.json();
    let names: Vec<&str> = users["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["co01", "gw1"]);
    assert_eq!(users["total"], 2);
    let cmd = w.token("commander").await;
    assert_eq!(w.get("/api/v1/users", Some(&cmd)).await.json()["total"], 7);
    assert_eq!(w.get("/api/v1/units/XY-C02-G01", Some(&cmd)).await.status, 200);
}

async fn phones_are_masked_and_reveals_audited(db: &TestDb) {
    let w = world(db).await;
    let co = w.token("co01").await;
    let list = w.get("/api/v1/users", Some(&co)).await.json();
    for u in list["items"].as_array().unwrap() {
        assert!(u["phone"].as_str().unwrap().contains("****"), "{u}");
    }
    let gw1_id =
        list["items"].as_array().unwrap().iter().find(|u| u["username"] == "gw1").unwrap()["id"].as_i64().unwrap();
    assert_error_body(&w.get(&format!("/api/v1/users/{gw1_id}?reveal=phone"), Some(&co)).await, 422, "validation");
    let r = w
        .get(
            &format!("/api/v1/users/{gw1_id}?reveal=phone&purpose=%E8%81%94%E7%B3%BB%E7%BD%91%E6%A0%BC%E5%91%98"),
            Some(&co),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["phone"], "13800000003");
    let reads = w
        .state
        .store
        .search_audit(&AuditFilter { action: Some("person.read_personal".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(
        (reads[0].actor.as_str(), reads[0].object_id.as_str(), reads[0].purpose.as_str()),
        ("co01", "gw1", "联系网格员")
    );
    // A grid worker may see people but not their full numbers.
    let gw = w.token("gw1").await;
    assert_error_body(
        &w.get(&format!("/api/v1/users/{gw1_id}?reveal=phone&purpose=xx"), Some(&gw)).await,
        403,
        "forbidden",
    );
    assert_eq!(w.get(&format!("/api/v1/users/{gw1_id}"), Some(&gw)).await.json()["phone"], "138****0003");
}

async fn accounts_created_over_the_api(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    let body = r#"{"username":"gw3","display_name":"新网格员","unit_code":"XY-C01-G01","roles":["grid_worker"],"password":"Xinwangge#2026"}"#;
    assert_error_body(&w.post_json("/api/v1/users", Some(&cmd), body).await, 403, "forbidden");
    // The system administrator needs a second factor first: enrol over the store, then log in.
    let admin = w.state.store.user_by_username("sysadmin").await.unwrap();
    w.state
        .store
        .set_totp(
            &fengqiao_store::audit::AuditCtx::system("t", "t"),
            admin.id,
            Some("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            true,
        )
        .await
        .unwrap();
    let code = totp_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 0);
    let r = w
        .post_json(
            "/api/v1/session",
            None,
            &format!(r#"{{"username":"sysadmin","password":"{PASSWORD}","totp":"{code}"}}"#),
        )
        .await;
    let t = r.json()["token"].as_str().unwrap().to_string();
    let r = w.post_json("/api/v1/users", Some(&t), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["unit_code"], "XY-C01-G01");
    assert_error_body(&w.post_json("/api/v1/users", Some(&t), body).await, 409, "conflict");
    let bad =
        r#"{"username":"X!","display_name":"","unit_code":"NOPE","roles":["king"],"phone":"123","password":"short"}"#;
    let r = w.post_json("/api/v1/users", Some(&t), bad).await;
    assert_error_body(&r, 422, "validation");
    let j = r.json();
    let fields: Vec<&str> =
        j["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["username", "display_name", "roles[0]", "phone", "password", "unit_code"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(
        w.post_json("/api/v1/session", None, r#"{"username":"gw3","password":"Xinwangge#2026"}"#).await.status,
        201
    );
}

async fn web_login_uses_csrf_and_strict_cookies(db: &TestDb) {
    let w = world(db).await;
    let page = w.get("/login", None).await;
    assert_eq!(page.status, 200);
    let cookie = page.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    let csrf = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    assert!(page.body.contains(&csrf));
    let form = |csrf: &str, pw: &str| format!("username=gw1&password={}&csrf={csrf}", pw.replace('@', "%40"));
    let post = |body: String, cookie: Option<String>| {
        let mut b = Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        b.body(Body::from(body)).unwrap()
    };
    // Without the login CSRF cookie the form is refused.
    assert_eq!(w.send(post(form(&csrf, PASSWORD), None)).await.status, 403);
    let r = w.send(post(form(&csrf, "wrong"), Some(format!("fq_login_csrf={csrf}")))).await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("用户名或密码错误"));
    let r = w.send(post(form(&csrf, PASSWORD), Some(format!("fq_login_csrf={csrf}")))).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/dashboard");
    let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let session = set.split(';').next().unwrap().to_string();
    let dash = w.send(Request::get("/dashboard").header(header::COOKIE, &session).body(Body::empty()).unwrap()).await;
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("测试gw1"));
    // A state-changing form without the session's CSRF token is refused.
    let r = w
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &session)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf=nope"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 403);
    // Not logged in: pages redirect to the login form.
    let r = w.get("/dashboard", None).await;
    assert_eq!(
        (r.status, r.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_string())),
        (303, Some("/login".to_string()))
    );
}

async fn every_page_renders(db: &TestDb) {
    let w = world(db).await;
    let t = w.token("commander").await;
    let gw1 = w.state.store.user_by_username("gw1").await.unwrap().id;
    let pages = [
        ("/dashboard", "工作台"),
        ("/org", "府前社区第1网格"),
        ("/org/XY-C01", "府前社区"),
        ("/people", "测试gw1"),
        (&*format!("/people/{gw1}"), "138****0003"),
        ("/volunteers", "义警队伍"),
        ("/account", "修改密码"),
        ("/map", "一区一图"),
        ("/registry", "实有人口"),
        ("/matters", "事件受理"),
        ("/matters/new", "登记事件"),
        ("/disputes", "事项督办"),
        ("/warning", "待签收预警"),
        ("/area/statistics", "建设中"),
    ];
    for (path, needle) in pages {
        let r = w.get(path, Some(&t)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.contains(needle), "{path} lacks {needle}");
    }
    assert_eq!(w.get("/area/nowhere", Some(&t)).await.status, 404);
    assert_eq!(w.get("/area/map", Some(&t)).await.status, 404, "the map has its own page");
    assert_eq!(w.get("/area/disputes", Some(&t)).await.status, 404, "so does supervision");
    let map = w.get("/api/v1/map/grids", Some(&t)).await.json();
    assert_eq!(map["features"].as_array().unwrap().len(), 2);
    let gw = w.token("gw1").await;
    let mine = w.get("/api/v1/map/grids", Some(&gw)).await.json();
    assert_eq!(mine["features"][0]["properties"]["code"], "XY-C01-G01");
    assert_eq!(mine["features"].as_array().unwrap().len(), 1);
    for f in ["/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/map.js"] {
        assert_eq!(w.get(f, None).await.status, 200, "{f}");
    }
    let code = totp_now("JBSWY3DPEHPK3PXP", 0);
    let r = w
        .post_json(
            "/api/v1/session",
            None,
            &format!(r#"{{"username":"auditor","password":"{PASSWORD}","totp":"{code}"}}"#),
        )
        .await;
    let a = r.json()["token"].as_str().unwrap().to_string();
    let r = w.get("/audit?actor=commander", Some(&a)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("session.login"));
    let csv = w.get("/audit.csv?actor=commander", Some(&a)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("session.login") && csv.body.starts_with('\u{feff}'));
    assert_eq!(w.get("/audit?from=not-a-date", Some(&a)).await.status, 422);
    // English on request.
    let r = w
        .send(
            Request::get("/dashboard")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .header(header::COOKIE, "fq_lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(r.body.contains("Dashboard") && r.body.contains(r#"lang="en""#));
}

async fn operations_endpoints(db: &TestDb) {
    let w = world(db).await;
    assert_eq!(w.get("/healthz", None).await.json()["status"], "ok");
    let ready = w.get("/readyz", None).await;
    assert_eq!((ready.status, ready.json()["status"].as_str().unwrap()), (200, "ready"));
    let _ = w.get("/api/v1/me", None).await;
    let m = w.get("/metrics", None).await;
    assert!(
        m.body.contains("fengqiao_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"} 1"),
        "{}",
        m.body
    );
    let doc = w.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for p in [
        "/session",
        "/me",
        "/units",
        "/units/{code}",
        "/users",
        "/users/{id}",
        "/audit",
        "/locate",
        "/map/grids",
        "/residents",
        "/households",
        "/households/{code}",
        "/households/{code}/visits",
        "/matters",
        "/matters/{code}",
        "/matters/{code}/events",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
    // The audit chain holds after all of that.
    assert!(matches!(w.state.store.verify_audit().await.unwrap(), fengqiao_store::audit::ChainCheck::Intact { .. }));
}

async fn readyz_reports_a_database_behind_the_binary(db: &TestDb) {
    let w = world(db).await;
    db.execute_raw(&match db.store.backend() {
        fengqiao_store::Backend::Sqlite => "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99991231000000, 'future', TRUE, X'00', 0)".to_string(),
        fengqiao_store::Backend::Postgres => "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99991231000000, 'future', TRUE, '\\x00'::bytea, 0)".to_string(),
    })
    .await;
    let r = w.get("/readyz", None).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["status"], "not_ready");
}

async fn audit_api_pages_and_volunteer_form(db: &TestDb) {
    let w = world(db).await;
    let code = totp_now("JBSWY3DPEHPK3PXP", 0);
    let r = w
        .post_json(
            "/api/v1/session",
            None,
            &format!(r#"{{"username":"auditor","password":"{PASSWORD}","totp":"{code}"}}"#),
        )
        .await;
    let a = r.json()["token"].as_str().unwrap().to_string();
    let page1 = w.get("/api/v1/audit?limit=3", Some(&a)).await.json();
    assert_eq!(page1["items"].as_array().unwrap().len(), 3);
    assert_eq!(page1["next_offset"], 3);
    let seqs: Vec<i64> = page1["items"].as_array().unwrap().iter().map(|i| i["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|p| p[0] > p[1]), "newest first: {seqs:?}");
    let last = w.get("/api/v1/audit?limit=1000", Some(&a)).await.json();
    assert!(last["next_offset"].is_null());
    assert_eq!(w.get("/api/v1/audit?result=maybe", Some(&a)).await.status, 422);

    // The commander may view volunteers but not register them; the system administrator may.
    let t = w.token("commander").await;
    let form = |csrf: &str, team: &str, phone: &str| {
        format!("csrf={csrf}&name=%E7%8E%8B%E4%B9%89%E8%AD%A6&team={team}&kind=volunteer_police&phone={phone}&skills=")
    };
    let csrf_of =
        |body: &str| body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let page = w.get("/volunteers", Some(&t)).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("action=\"/volunteers\""), "no form without the right");
    let post = |token: &str, body: String| {
        Request::post("/volunteers")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    // API sessions carry no CSRF risk (no cookie), so the token is checked only for web sessions.
    let r = w.send(post(&t, form("x", "XY-C01-G01", ""))).await;
    assert_eq!(r.status, 403);
    let admin = w.state.store.user_by_username("sysadmin").await.unwrap();
    w.state
        .store
        .set_totp(
            &fengqiao_store::audit::AuditCtx::system("t", "t"),
            admin.id,
            Some("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            true,
        )
        .await
        .unwrap();
    let code = totp_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 0);
    let r = w
        .post_json(
            "/api/v1/session",
            None,
            &format!(r#"{{"username":"sysadmin","password":"{PASSWORD}","totp":"{code}"}}"#),
        )
        .await;
    let s = r.json()["token"].as_str().unwrap().to_string();
    let page = w.get("/volunteers", Some(&s)).await;
    let csrf = csrf_of(&page.body);
    let r = w.send(post(&s, form(&csrf, "NOPE", "123"))).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("no unit with code") && r.body.contains("11-digit"), "{}", r.body);
    let r = w.send(post(&s, form(&csrf, "XY-C01-G01", "13912345678"))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = w.get("/volunteers", Some(&s)).await;
    assert!(page.body.contains("王义警") && page.body.contains("139****5678"));
}

async fn locate_routes_points_to_grids(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let r = w.get("/api/v1/locate?lat=37.105&lon=111.705", Some(&gw)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["grid"]["code"], "XY-C01-G01");
    assert_eq!(j["community"]["code"], "XY-C01");
    assert_eq!(j["street"]["code"], "XY-ST");
    assert_eq!(j["worker"]["username"], "gw1");
    assert_eq!(j["worker"]["phone"], "138****0003", "a grid worker sees masked numbers");
    // A point in the neighbouring community's grid is outside a grid worker's jurisdiction.
    assert_error_body(&w.get("/api/v1/locate?lat=37.105&lon=111.715", Some(&gw)).await, 403, "forbidden");
    let cmd = w.token("commander").await;
    // On the shared border the point belongs to the grid on its right, every time.
    for _ in 0..3 {
        assert_eq!(
            w.get("/api/v1/locate?lat=37.105&lon=111.71", Some(&cmd)).await.json()["grid"]["code"],
            "XY-C02-G01"
        );
    }
    let r = w.get("/api/v1/locate?lat=37.105&lon=111.73", Some(&cmd)).await;
    assert_error_body(&r, 404, "outside_grids");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("XY-C02-G01"), "{}", r.body);
    assert_error_body(&w.get("/api/v1/locate?lat=91&lon=111.73", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/locate?lon=111.73", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/locate?lat=abc&lon=111.73", Some(&cmd)).await, 422, "validation");
    // Moving a grid's boundary re-indexes without a restart.
    let g2 = w.state.store.unit_by_code("XY-C02-G01").await.unwrap();
    let up = fengqiao_store::org::UnitUpdate {
        name: g2.name.clone(),
        address: None,
        geometry: Some(common::rect(111.71, 37.10, 111.74, 37.11)),
        sort_order: 0,
    };
    w.state.store.update_unit(&fengqiao_store::audit::AuditCtx::system("t", "t"), g2.id, &up).await.unwrap();
    assert_eq!(w.get("/api/v1/locate?lat=37.105&lon=111.73", Some(&cmd)).await.json()["grid"]["code"], "XY-C02-G01");
}

async fn registry_api_within_the_jurisdiction(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let found = w.get("/api/v1/residents?q=zsc", Some(&gw)).await;
    assert_eq!(found.status, 200, "{}", found.body);
    let j = found.json();
    assert_eq!(j.as_array().unwrap().len(), 1);
    assert_eq!(j[0]["name"], "张世川");
    assert_eq!(j[0]["id_number"], "141***********0173");
    assert_eq!(j[0]["phone"], "139****0003");
    assert_eq!(j[0]["care"][0], "elderly_alone", "grid workers see care categories");
    // Another grid's resident is not found from here, by any key.
    for q in ["李秀英", "lxy", "141181195807200248"] {
        assert_eq!(
            w.get(&format!("/api/v1/residents?q={}", urlencode(q)), Some(&gw)).await.json().as_array().unwrap().len(),
            0,
            "{q}"
        );
    }
    let by_id = w.get("/api/v1/residents?q=141181198211110173", Some(&gw)).await.json();
    assert_eq!(by_id[0]["household_code"], "H1");
    let searches = w
        .state
        .store
        .search_audit(&AuditFilter { action: Some("registry.search".into()), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert!(
        searches.iter().any(|r| r.detail.starts_with("id_number 141***********0173")),
        "the audit names the search, masked"
    );
    assert!(searches.iter().all(|r| !r.detail.contains("141181198211110173")), "never a full ID number in the log");
    assert_error_body(&w.get("/api/v1/residents", Some(&gw)).await, 422, "validation");

    let list = w.get("/api/v1/households", Some(&gw)).await.json();
    assert_eq!(list["total"], 1);
    let file = w.get("/api/v1/households/H1", Some(&gw)).await.json();
    assert_eq!(file["members"][0]["relation"], "head");
    assert_error_body(&w.get("/api/v1/households/H2", Some(&gw)).await, 403, "forbidden");
    assert_error_body(&w.get("/api/v1/households/NOPE", Some(&gw)).await, 404, "not_found");

    let r =
        w.post_json("/api/v1/households/H1/visits", Some(&gw), r#"{"kind":"monthly","outcome":"家中无异常"}"#).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = w.post_json("/api/v1/households/H1/visits", Some(&gw), r#"{"kind":"party","outcome":""}"#).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 2);
    assert_eq!(w.get("/api/v1/households/H1", Some(&gw)).await.json()["visits"][0]["outcome"], "家中无异常");
    let cmd = w.token("commander").await;
    let located =
        w.get(&format!("/api/v1/locate?address={}", urlencode("崇文街2号和谐小区2号楼202室")), Some(&cmd)).await;
    assert_eq!(located.json()["grid"]["code"], "XY-C02-G01", "{}", located.body);
    assert_error_body(
        &w.get(&format!("/api/v1/locate?address={}", urlencode("无此地址")), Some(&cmd)).await,
        422,
        "validation",
    );
}

async fn registry_export_and_organisations(db: &TestDb) {
    use calamine::Reader;
    let w = world(db).await;
    common::registry(&w).await;
    let co = w.token("co01").await;
    let r = w.get("/registry/export.xlsx?unit=XY-C01-G01", Some(&co)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.raw.clone())).unwrap();
    assert_eq!(book.sheet_names(), vec!["住户", "居民", "单位场所"]);
    let residents = book.worksheet_range("居民").unwrap();
    let rows: Vec<Vec<String>> = residents.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 2, "header and the one resident of the grid: {rows:?}");
    assert_eq!(rows[1][1], "张世川");
    assert_eq!(rows[1][4], "141***********0173", "ID numbers are masked in exports");
    assert_eq!(rows[1][8], "独居老人");
    let exports = w
        .state
        .store
        .search_audit(&AuditFilter { action: Some("registry.export".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(exports.len(), 1);
    // Another community's grid is refused; the organisations page renders.
    assert_eq!(w.get("/registry/export.xlsx?unit=XY-C02-G01", Some(&co)).await.status, 403);
    let page = w.get("/registry/organisations", Some(&co)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("单位场所"));
}

async fn matters_intake_and_workflow(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let body = r#"{"kind":"dispute","category":"neighbour","narrative":"楼上装修噪音扰民，多次沟通无果","lat":37.105,"lon":111.705}"#;
    let r = w.post_json("/api/v1/matters", Some(&gw), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = r.json();
    let code = m["code"].as_str().unwrap().to_string();
    assert_eq!(
        (m["grid"]["code"].as_str(), m["tier"].as_str(), m["status"].as_str()),
        (Some("XY-C01-G01"), Some("grid"), Some("registered"))
    );
    assert_eq!(m["approach"], "neighbourly_warmth", "融情 for neighbours");
    assert!(m["deadlines"]["acknowledge_by"].is_string() && m["deadlines"]["resolve_by"].is_string());
    // Outside every grid, outside the jurisdiction, bad input.
    let outside = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"hazard","narrative":"路灯损坏多日","lat":37.105,"lon":111.80}"#,
        )
        .await;
    assert_error_body(&outside, 404, "outside_grids");
    let other = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"hazard","narrative":"路灯损坏多日","lat":37.105,"lon":111.715}"#,
        )
        .await;
    assert_error_body(&other, 403, "forbidden");
    let bad = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"gossip","category":"aliens","priority":"now","narrative":"短","lat":37.105,"lon":111.705}"#,
        )
        .await;
    assert_error_body(&bad, 422, "validation");
    let fields: Vec<String> = bad.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["kind", "category", "priority", "narrative"]);

    // The workflow: every step checked by the state machine and recorded.
    let step = |event: &str, extra: &str| format!(r#"{{"event":"{event}"{extra}}}"#);
    let path = format!("/api/v1/matters/{code}/events");
    assert_eq!(w.post_json(&path, Some(&gw), &step("accept", "")).await.json()["status"], "accepted");
    // No mediation without the parties' consent.
    assert_error_body(&w.post_json(&path, Some(&gw), &step("start_mediation", "")).await, 422, "validation");
    consenting_parties(&w, &gw, &code).await;
    assert_eq!(w.post_json(&path, Some(&gw), &step("start_mediation", "")).await.json()["status"], "mediating");
    assert_error_body(&w.post_json(&path, Some(&gw), &step("perform", "")).await, 409, "conflict");
    assert_error_body(&w.post_json(&path, Some(&gw), &step("escalate", "")).await, 422, "validation");
    let up = w.post_json(&path, Some(&gw), &step("escalate", r#","note":"双方分歧大，需社区介入""#)).await.json();
    assert_eq!((up["tier"].as_str(), up["status"].as_str()), (Some("community"), Some("accepted")));
    // The community is above the grid worker's jurisdiction: the commander carries it on.
    let cmd = w.token("commander").await;
    w.post_json(&path, Some(&cmd), &step("escalate", r#","note":"提交街道多元调解中心""#)).await;
    let passed = w.post_json(&path, Some(&cmd), &step("escalate", r#","note":"街道无法化解""#)).await.json();
    assert_eq!((passed["status"].as_str(), passed["closure"].as_str()), (Some("closed"), Some("passed_up")));
    assert_error_body(&w.post_json(&path, Some(&cmd), &step("reopen", "")).await, 409, "conflict");
    assert_error_body(&w.post_json(&path, Some(&cmd), &step("refer", r#","note":"x1""#)).await, 422, "validation");
    let file = w.get(&format!("/api/v1/matters/{code}"), Some(&cmd)).await.json();
    let events: Vec<&str> = file["history"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["register", "accept", "start_mediation", "escalate", "escalate", "escalate"]);
    assert_eq!(w.get("/api/v1/matters?status=closed", Some(&cmd)).await.json()["total"], 1);
    let audited = w
        .state
        .store
        .search_audit(&AuditFilter { object: Some(format!("matter:{code}")), limit: 20, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audited.len(), 10, "creation, the two parties and their consent, and every step are audited");
    // A hazard does not go to mediation.
    let hz = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"hazard","priority":"urgent","narrative":"楼道堆放易燃杂物","lat":37.105,"lon":111.705}"#,
        )
        .await
        .json();
    let hpath = format!("/api/v1/matters/{}/events", hz["code"].as_str().unwrap());
    w.post_json(&hpath, Some(&gw), &step("accept", "")).await;
    assert_error_body(&w.post_json(&hpath, Some(&gw), &step("start_mediation", "")).await, 409, "conflict");
    assert_eq!(w.post_json(&hpath, Some(&gw), &step("start_work", "")).await.json()["status"], "in_progress");
    assert_eq!(w.post_json(&hpath, Some(&gw), &step("resolve", "")).await.json()["closure"], "resolved");
}

/// Two parties who both consent to mediation.
async fn consenting_parties(w: &common::World, token: &str, code: &str) -> Vec<i64> {
    let mut ids = vec![];
    for (role, name) in [("applicant", "王建国"), ("respondent", "赵立新")] {
        let body =
            format!(r#"{{"role":"{role}","name":"{name}","phone":"1390358{:04}","address":"府前街1号"}}"#, ids.len());
        let r = w.post_json(&format!("/api/v1/matters/{code}/parties"), Some(token), &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["parties"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
        let c = w
            .post_json(&format!("/api/v1/matters/{code}/parties/{id}/consent"), Some(token), r#"{"consent":"given"}"#)
            .await;
        assert_eq!(c.status, 200, "{}", c.body);
        ids.push(id);
    }
    ids
}

async fn new_dispute(w: &common::World, token: &str, category: &str, narrative: &str) -> String {
    let body =
        format!(r#"{{"kind":"dispute","category":"{category}","narrative":"{narrative}","lat":37.105,"lon":111.705}}"#);
    let r = w.post_json("/api/v1/matters", Some(token), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

async fn mediation_as_the_law_requires(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let code = new_dispute(&w, &gw, "neighbour", "楼上空调外机滴水到楼下阳台，双方多次沟通未果").await;
    let base = format!("/api/v1/matters/{code}");
    let ev = |e: &str| format!(r#"{{"event":"{e}"}}"#);
    w.post_json(&format!("{base}/events"), Some(&gw), &ev("accept")).await;
    // Parties: bad input names every field; a refusal of consent ends mediation, but only
    // once the routes told are recorded.
    let bad = w
        .post_json(
            &format!("{base}/parties"),
            Some(&gw),
            r#"{"role":"judge","name":"","id_number":"123","phone":"555"}"#,
        )
        .await;
    assert_error_body(&bad, 422, "validation");
    let fields: Vec<String> = bad.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["role", "name", "id_number", "phone"], "{}", bad.body);
    let ids = consenting_parties(&w, &gw, &code).await;
    // The plan: goal, a mediator of the centre by kind, steps with due dates.
    let plan = w
        .send(
            axum::http::Request::put(format!("{base}/plan"))
                .header("authorization", format!("Bearer {gw}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    r#"{"goal":"修好外机排水，邻里和好","mediators":["med1"],"steps":[{"description":"上门查看滴水情况","due_date":"2030-01-10"}]}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    assert_eq!(plan.json()["plan"]["mediators"][0]["kind"], "lawyer");
    let not_mediator = w
        .send(
            axum::http::Request::put(format!("{base}/plan"))
                .header("authorization", format!("Bearer {gw}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"goal":"目标","mediators":["gw2"]}"#))
                .unwrap(),
        )
        .await;
    assert_error_body(&not_mediator, 422, "validation");
    w.post_json(&format!("{base}/events"), Some(&gw), &ev("start_mediation")).await;
    // The assigned mediator works on the case although it lies outside the centre's unit.
    let med = w.token("med1").await;
    let session = w
        .post_json(
            &format!("{base}/sessions"),
            Some(&med),
            r#"{"held_at":"2026-11-20T15:00","place":"府前社区调解室","participants":"王建国、赵立新、网格员","record":"双方同意由楼上住户加装排水管，费用各半。"}"#,
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.body);
    assert_eq!(session.json()["sessions"].as_array().unwrap().len(), 1);
    // The agreement: every required part, and obligors must be parties.
    let agreement = |body: &str| {
        axum::http::Request::put(format!("{base}/agreement"))
            .header("authorization", format!("Bearer {med}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    let incomplete = w.send(agreement(r#"{"facts":"","points":"滴水","responsibilities":"楼上住户负主要责任","terms":[{"obligor":"路人甲","content":"加装排水管","manner":"","due_date":"2030-02-30"}]}"#)).await;
    assert_error_body(&incomplete, 422, "validation");
    let fields: Vec<String> = incomplete.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["facts", "points", "terms[1].manner", "terms[1].due_date", "terms[1].obligor"]);
    assert_error_body(
        &w.post_json(&format!("{base}/events"), Some(&med), &ev("reach_agreement")).await,
        422,
        "validation",
    );
    let good = r#"{"facts":"赵立新家空调外机冷凝水长期滴落至王建国家阳台。","points":"滴水责任及维修费用承担。","responsibilities":"赵立新负责加装排水管，王建国予以配合。","terms":[{"obligor":"赵立新","content":"加装空调冷凝水排水管","manner":"自行请人安装","due_date":"2030-01-15"},{"obligor":"王建国","content":"承担安装费用的一半（150元）","manner":"现金当面支付","due_date":"2030-01-20"}]}"#;
    let drafted = w.send(agreement(good)).await;
    assert_eq!(drafted.status, 200, "{}", drafted.body);
    assert_eq!(drafted.json()["agreement"]["judicial_confirmation_window"], "not_in_effect");
    w.post_json(&format!("{base}/events"), Some(&med), &ev("reach_agreement")).await;
    // Signing puts it in effect: performance starts and the 30-day window opens.
    assert_error_body(
        &w.post_json(&format!("{base}/events"), Some(&med), &ev("start_performing")).await,
        422,
        "validation",
    );
    // Signed 25 days ago (recorded late): five days remain, the reminder is due, once.
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let when = (chrono::Utc::now() - chrono::Duration::days(25)).with_timezone(&tz).format("%Y-%m-%dT%H:%M");
    let future = w.post_json(&format!("{base}/agreement/sign"), Some(&med), r#"{"signed_at":"2099-01-01"}"#).await;
    assert_error_body(&future, 422, "validation");
    let signed =
        w.post_json(&format!("{base}/agreement/sign"), Some(&med), &format!(r#"{{"signed_at":"{when}"}}"#)).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let f = signed.json();
    assert_eq!(f["matter"]["status"], "performing");
    assert_eq!(
        (
            f["agreement"]["judicial_confirmation_window"].as_str(),
            f["agreement"]["judicial_confirmation_days_left"].as_i64()
        ),
        (Some("due_soon"), Some(5))
    );
    let now = fengqiao_store::now_ms();
    let due = w.state.store.judicial_confirmation_reminders(now, 7).await.unwrap();
    assert_eq!(due.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(), [code.as_str()]);
    assert!(w.state.store.judicial_confirmation_reminders(now, 7).await.unwrap().is_empty(), "reminded once");
    // The supervision page lists the closing window.
    let cmd = w.token("commander").await;
    let sv = w.get("/disputes", Some(&cmd)).await;
    assert_eq!(sv.status, 200, "{}", sv.body);
    let section =
        sv.body.split("data-testid=\"sv_confirmation_due\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(section.contains(&code), "{section}");
    assert_error_body(&w.send(agreement(good)).await, 409, "conflict");
    // The printable agreement and its PDF; the handler sees full numbers (audited).
    let page = w.get(&format!("/matters/{code}/agreement"), Some(&med)).await;
    assert_eq!(page.status, 200);
    for part in [
        "人民调解协议书",
        "申请人：王建国",
        "纠纷主要事实",
        "1、赵立新于2030年1月15日前加装空调冷凝水排水管",
        "三十日内共同向人民法院申请司法确认",
        "新义街道人民调解委员会（印章）",
    ] {
        assert!(page.body.contains(part), "{part} missing");
    }
    let pdf = w.get(&format!("/matters/{code}/agreement.pdf"), Some(&med)).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF-"));
    let page = w.get(&format!("/matters/{code}"), Some(&med)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("调解协议书") && page.body.contains("赵立新"));
    let applied = w
        .post_json(
            &format!("{base}/agreement/judicial-confirmation"),
            Some(&med),
            r#"{"judicial_confirmation":"applied"}"#,
        )
        .await;
    assert_eq!(applied.json()["agreement"]["judicial_confirmation_window"], "applied");
    // Terms carried out one by one; the last closes the dispute and schedules follow-ups.
    let t1 = w.post_json(&format!("{base}/terms/1/performed"), Some(&med), r#"{"note":"已安装"}"#).await;
    assert_eq!(t1.json()["matter"]["status"], "performing");
    assert_error_body(&w.post_json(&format!("{base}/terms/1/performed"), Some(&med), "{}").await, 409, "conflict");
    let t2 = w.post_json(&format!("{base}/terms/2/performed"), Some(&med), "{}").await.json();
    assert_eq!((t2["matter"]["status"].as_str(), t2["matter"]["closure"].as_str()), (Some("closed"), Some("settled")));
    let fus = t2["follow_ups"].as_array().unwrap();
    assert_eq!(fus.len(), 2, "follow-ups at 7 and 30 days");
    // A follow-up finds the dispute back: the case reopens.
    let fu = fus[0]["id"].as_i64().unwrap();
    let bad_rating =
        w.post_json(&format!("{base}/follow-ups/{fu}"), Some(&gw), r#"{"outcome":"又滴水了","attitude":9}"#).await;
    assert_error_body(&bad_rating, 422, "validation");
    let back = w
        .post_json(
            &format!("{base}/follow-ups/{fu}"),
            Some(&gw),
            r#"{"outcome":"排水管脱落，又滴水了","recurred":true}"#,
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.json()["matter"]["status"], "accepted");
    let events: Vec<String> =
        back.json()["history"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
    assert_eq!(events.last().unwrap(), "reopen");
    let _ = ids;

    // Failure: the routes told are required and recorded.
    let code2 = new_dispute(&w, &gw, "contract_debt", "借款两万元到期未还，双方对利息有争议").await;
    let b2 = format!("/api/v1/matters/{code2}/events");
    w.post_json(&b2, Some(&gw), &ev("accept")).await;
    consenting_parties(&w, &gw, &code2).await;
    w.post_json(&b2, Some(&gw), &ev("start_mediation")).await;
    let untold = w.post_json(&b2, Some(&gw), &ev("fail_mediation")).await;
    assert_error_body(&untold, 422, "validation");
    assert_eq!(untold.json()["error"]["fields"][0]["field"], "routes");
    let failed = w
        .post_json(&b2, Some(&gw), r#"{"event":"fail_mediation","routes":["arbitration","administrative","court"]}"#)
        .await;
    // Failure at the grid: the rules move it up to the community, which tries again.
    assert_eq!(
        (failed.json()["status"].as_str(), failed.json()["tier"].as_str()),
        (Some("accepted"), Some("community"))
    );
    let file = w.get(&format!("/api/v1/matters/{code2}"), Some(&gw)).await.json();
    assert_eq!(file["routes_told"], serde_json::json!(["arbitration", "administrative", "court"]));
    let last = file["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["event"].as_str(), last["actor"].as_str()), (Some("escalate"), Some("rules")));
    assert!(last["note"].as_str().unwrap().contains("调解未成"));
    // At the street a failure stays failed, and the parties are referred to another route.
    let cmd = w.token("commander").await;
    let b2 = format!("/api/v1/matters/{code2}/events");
    w.post_json(&b2, Some(&cmd), r#"{"event":"escalate","note":"社区调解未成，提交街道"}"#).await;
    w.post_json(&b2, Some(&cmd), r#"{"event":"start_mediation"}"#).await;
    let at_street = w.post_json(&b2, Some(&cmd), r#"{"event":"fail_mediation","routes":["court"]}"#).await.json();
    assert_eq!((at_street["status"].as_str(), at_street["tier"].as_str()), (Some("mediation_failed"), Some("street")));
    let referred = w
        .post_json(&b2, Some(&cmd), r#"{"event":"refer","closure":"referred_court","note":"已告知向人民法院起诉"}"#)
        .await
        .json();
    assert_eq!(referred["closure"], "referred_court");
}

async fn tier_rules_move_disputes_up(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    // A difficult dispute starts at the community.
    let r = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"dispute","category":"demolition","difficulty":"difficult","narrative":"拆迁补偿标准争议，涉及多户","lat":37.105,"lon":111.705}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["tier"], "community");
    // Threats and a knife: red at once, up to the street's mediation centre.
    let red = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"dispute","category":"neighbour","narrative":"邻居酒后拿着菜刀堵门，扬言要砍死对方","lat":37.105,"lon":111.705}"#,
        )
        .await
        .json();
    assert_eq!((red["tier"].as_str(), red["escalation_risk_level"].as_str()), (Some("street"), Some("red")));
    let file = w.get(&format!("/api/v1/matters/{}", red["code"].as_str().unwrap()), Some(&gw)).await.json();
    let moves: Vec<&str> = file["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "escalate")
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(moves, ["rules", "rules"], "grid → community → street, never above");
    // The time rule: a dispute left at the grid for over a week moves up on the next pass.
    let old = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"dispute","category":"neighbour","narrative":"楼道堆放杂物影响通行","lat":37.105,"lon":111.705}"#,
        )
        .await
        .json();
    let code = old["code"].as_str().unwrap();
    assert_eq!(old["tier"], "grid");
    assert_eq!(fengqiao_app::casework::apply_time_rules(&w.state).await.unwrap(), 0);
    let eight_days = fengqiao_store::now_ms() - (8 * 24 + 1) * 3_600_000;
    w.state.store.backdate_for_tests(code, eight_days).await.unwrap();
    assert_eq!(fengqiao_app::casework::apply_time_rules(&w.state).await.unwrap(), 1);
    let moved = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(moved["matter"]["tier"], "community");
    assert!(moved["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap().contains("7日"));
}

async fn early_warning_of_escalation(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    // An ordinary quarrel scores nothing.
    let calm = new_dispute(&w, &gw, "neighbour", "楼道堆放杂物影响通行，邻居之间有些口角").await;
    assert_eq!(w.get(&format!("/api/v1/matters/{calm}"), Some(&gw)).await.json()["escalation_risk"]["level"], "none");
    // The seed's example: harassment after a court ruling, by the same man again.
    let first = new_dispute(&w, &gw, "marriage_family", "乔某与郭某萍离婚后就子女探视问题发生争执").await;
    let code = new_dispute(
        &w,
        &gw,
        "marriage_family",
        "法院判决离婚后，乔某心有不甘，三番五次前往前妻郭某萍父母家中纠缠，扬言不让他们好过",
    )
    .await;
    let husband = r#"{"role":"respondent","name":"乔某安","phone":"13903589999"}"#;
    // Red at once: the rules took it up to the street, where the station's people act.
    let cmd = w.token("commander").await;
    let m = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(m["matter"]["tier"], "street", "{}", m["escalation_risk"]);
    for c in [&first, &code] {
        let r = w.post_json(&format!("/api/v1/matters/{c}/parties"), Some(&cmd), husband).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // The wife's father is a registered resident of 70+ living alone: linked, vulnerable.
    let father = r#"{"role":"applicant","name":"张世川","id_number":"141181198211110173"}"#;
    let f = w.post_json(&format!("/api/v1/matters/{code}/parties"), Some(&cmd), father).await.json();
    let p = f["parties"].as_array().unwrap().iter().find(|p| p["name"] == "张世川").unwrap().clone();
    assert_eq!((p["resident"].as_bool(), p["vulnerable"].as_bool()), (Some(true), Some(true)));
    assert_eq!(p["id_number"], "141***********0173", "masked");
    let risk = &f["escalation_risk"];
    assert_eq!(risk["level"], "red", "{risk}");
    let factors: Vec<&str> =
        risk["factors"].as_array().unwrap().iter().map(|x| x["factor"].as_str().unwrap()).collect();
    for expected in ["harassment_after_ruling", "repeated_parties", "vulnerable_party"] {
        assert!(factors.contains(&expected), "{expected} in {factors:?}");
    }
    assert!(risk["factors"].as_array().unwrap().iter().all(|x| x["weight"].as_i64().unwrap() > 0));
    // The command room is alerted at once, with the report to the police recorded.
    let alerts = w.get("/api/v1/alerts", Some(&cmd)).await.json();
    let alert = alerts.as_array().unwrap().iter().find(|a| a["matter"] == code.as_str()).expect("alerted").clone();
    assert!(alert["police_report"].as_str().unwrap().contains("报告"));
    assert_eq!(
        w.get("/api/v1/alerts", Some(&w.token("gw2").await)).await.json().as_array().unwrap().len(),
        0,
        "outside gw2's grid"
    );
    let dash = w.get("/dashboard", Some(&cmd)).await;
    assert!(
        dash.body.contains("dashboard-alerts") && dash.body.contains(&code),
        "the alert is on the commander's dashboard"
    );
    let page = w.get("/warning", Some(&cmd)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&code) && page.body.contains("判决后仍纠缠骚扰"), "the alert and its factors are shown");
    let id = alert["id"].as_i64().unwrap();
    let ack = w.post_json(&format!("/api/v1/alerts/{id}/acknowledge"), Some(&cmd), "").await;
    assert_eq!(ack.status, 204, "{}", ack.body);
    assert!(w.get("/api/v1/alerts", Some(&cmd)).await.json().as_array().unwrap().is_empty());
    // A police incident between the parties of an earlier dispute is an escalation.
    let incident = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"incident","narrative":"乔某安酒后到郭家门口吵闹","lat":37.105,"lon":111.705}"#,
        )
        .await
        .json();
    let icode = incident["code"].as_str().unwrap();
    w.post_json(&format!("/api/v1/matters/{icode}/parties"), Some(&gw), husband).await;
    let file = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    let history: Vec<&str> =
        file["party_history"].as_array().unwrap().iter().map(|h| h["code"].as_str().unwrap()).collect();
    assert!(history.contains(&first.as_str()) && history.contains(&icode), "the husband's other matters: {history:?}");
    let links = file["links"].clone();
    assert!(links.as_array().unwrap().iter().any(|l| l["code"] == icode && l["kind"] == "escalation"), "{links}");
    let audited = w
        .state
        .store
        .search_audit(&AuditFilter { object: Some(format!("matter:{code}")), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert!(audited.iter().any(|a| a.action == "matter.risk.alert"));
    // The alert waits in the outbox for delivery (DingTalk/WeCom), written with the matter.
    let outbox = w.state.store.pending_outbox(100).await.unwrap();
    assert!(outbox.iter().any(|o| o.1 == "matter.escalation_alert" && o.2 == code), "{outbox:?}");
    assert!(outbox.iter().filter(|o| o.1 == "matter.created").count() >= 4);
}

async fn intake_form_with_photos_and_parties(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake but typed by its magic bytes";
    let html: &[u8] = b"<html><script>alert(1)</script></html>";
    let base = [
        ("kind", "dispute"),
        ("category", "neighbour"),
        ("narrative", "楼上住户深夜拖动家具噪音扰民，双方发生争吵"),
        ("household_code", "H1"),
        ("source", "patrol"),
        ("applicant", "钱国华"),
        ("respondent", "孙志强"),
        ("difficulty", "simple"),
        ("five_small", "small_conflict"),
    ];
    // A file that is not a photo is refused by its content, with its name; nothing is written.
    let before = w.get("/api/v1/matters", Some(&gw)).await.json()["total"].clone();
    let r =
        w.post_multipart("/matters/new", &gw, &base, &[("photos", "a.png", png), ("photos", "evil.jpg", html)]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("photos[2] evil.jpg"), "the bad file is named");
    assert!(r.body.contains("楼上住户深夜拖动家具"), "what was typed is kept");
    assert_eq!(w.get("/api/v1/matters", Some(&gw)).await.json()["total"], before);
    // Outside the worker's grid (H2 is in XY-C02-G01): refused, nothing written.
    let mut other = base.to_vec();
    other[3] = ("household_code", "H2");
    assert_eq!(w.post_multipart("/matters/new", &gw, &other, &[]).await.status, 403);
    // A good submission: routed by the household to its grid, with its photo and parties.
    let r = w.post_multipart("/matters/new", &gw, &base, &[("photos", "现场.png", png)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let code = r.headers["location"].to_str().unwrap().trim_start_matches("/matters/").to_string();
    let f = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(f["matter"]["grid"]["code"], "XY-C01-G01");
    assert_eq!(f["matter"]["source"], "patrol");
    assert_eq!(
        (f["matter"]["difficulty"].as_str(), f["matter"]["five_small"].as_str()),
        (Some("simple"), Some("small_conflict"))
    );
    assert_eq!(f["parties"].as_array().unwrap().len(), 2);
    let file = &f["files"][0];
    assert_eq!((file["name"].as_str(), file["content_type"].as_str()), (Some("现场.png"), Some("image/png")));
    let got = w.get(file["url"].as_str().unwrap(), Some(&gw)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.raw, png);
    assert_eq!(got.headers["x-content-type-options"], "nosniff");
    assert_eq!(w.get(file["url"].as_str().unwrap(), Some(&w.token("gw2").await)).await.status, 403);
    let page = w.get(&format!("/matters/{code}"), Some(&gw)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<img src=") && page.body.contains("alt=\"现场.png\""), "the photo is shown");
    // The form page itself renders for the grid worker.
    let page = w.get("/matters/new", Some(&gw)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("capture=\"environment\""));
}

async fn duplicates_are_proposed_and_merged(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let post =
        |lat: f64, lon: f64, text: &str| format!(r#"{{"kind":"hazard","narrative":"{text}","lat":{lat},"lon":{lon}}}"#);
    let a = w.post_json("/api/v1/matters", Some(&gw), &post(37.1050, 111.7050, "小区东门路灯不亮多日")).await.json();
    let b = w.post_json("/api/v1/matters", Some(&gw), &post(37.1051, 111.7052, "东门口路灯坏了晚上很黑")).await.json();
    // Far away (about 600 m): not proposed.
    w.post_json("/api/v1/matters", Some(&gw), &post(37.1050, 111.7120 - 0.0005, "另一处路灯不亮")).await;
    let (a, b) = (a["code"].as_str().unwrap(), b["code"].as_str().unwrap());
    let f = w.get(&format!("/api/v1/matters/{b}"), Some(&gw)).await.json();
    let dups = f["likely_duplicates"].as_array().unwrap();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_eq!(dups[0]["code"], a);
    assert!(dups[0]["distance_m"].as_i64().unwrap() < 30);
    assert_error_body(
        &w.post_json(&format!("/api/v1/matters/{b}/merge"), Some(&gw), &format!(r#"{{"into":"{b}"}}"#)).await,
        422,
        "validation",
    );
    let merged = w.post_json(&format!("/api/v1/matters/{b}/merge"), Some(&gw), &format!(r#"{{"into":"{a}"}}"#)).await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    let m = merged.json();
    assert_eq!((m["matter"]["status"].as_str(), m["matter"]["closure"].as_str()), (Some("closed"), Some("withdrawn")));
    assert!(m["links"].as_array().unwrap().iter().any(|l| l["code"] == a && l["kind"] == "duplicate"));
    let kept = w.get(&format!("/api/v1/matters/{a}"), Some(&gw)).await.json();
    assert!(kept["likely_duplicates"].as_array().unwrap().is_empty(), "a merged matter is no longer proposed");
    assert!(kept["links"].as_array().unwrap().iter().any(|l| l["code"] == b));
    let page = w.get(&format!("/matters/{a}"), Some(&gw)).await;
    assert_eq!(page.status, 200);
}

async fn full_text_search_with_filters(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let gw2 = w.token("gw2").await;
    let cmd = w.token("commander").await;
    let mk = |kind: &str, cat: &str, text: &str, lon: f64| {
        format!(r#"{{"kind":"{kind}","category":"{cat}","narrative":"{text}","lat":37.105,"lon":{lon}}}"#)
    };
    let noise = w
        .post_json("/api/v1/matters", Some(&gw), &mk("dispute", "neighbour", "楼上装修噪音扰民，邻里纠纷升级", 111.705))
        .await
        .json();
    let wages = w
        .post_json("/api/v1/matters", Some(&gw), &mk("dispute", "labour_wages", "装修工人被拖欠工资三个月", 111.706))
        .await
        .json();
    let other =
        w.post_json("/api/v1/matters", Some(&gw2), &mk("dispute", "neighbour", "楼道噪音纠纷", 111.715)).await.json();
    let code = |v: &serde_json::Value| v["code"].as_str().unwrap().to_string();
    let (noise, wages, other) = (code(&noise), code(&wages), code(&other));
    let find = |token: String, qs: &str| {
        let w = &w;
        let qs = qs.to_string();
        async move {
            let r = w.get(&format!("/api/v1/matters?{qs}"), Some(&token)).await;
            assert_eq!(r.status, 200, "{qs}: {}", r.body);
            r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["code"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    // A two-character word (FTS5's trigram tokenizer cannot find these).
    assert_eq!(find(gw.clone(), &format!("q={}", urlencode("纠纷"))).await, [noise.as_str()]);
    assert_eq!(find(gw.clone(), &format!("q={}", urlencode("装修"))).await.len(), 2);
    assert_eq!(find(gw.clone(), &format!("q={}&category=labour_wages", urlencode("装修"))).await, [wages.as_str()]);
    // Within the jurisdiction only; the commander sees both grids.
    assert_eq!(find(gw2.clone(), &format!("q={}", urlencode("噪音"))).await, [other.as_str()]);
    let mut both = find(cmd.clone(), &format!("q={}", urlencode("噪音"))).await;
    both.sort();
    let mut expected = vec![noise.clone(), other.clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert_eq!(find(cmd.clone(), &format!("q={}&unit=XY-C02-G01", urlencode("噪音"))).await, [other.as_str()]);
    assert_error_body(&w.get("/api/v1/matters?unit=XY-C02-G01&tier=grid", Some(&gw)).await, 403, "forbidden");
    // Words in a mediation record are found too, after the index follows the change.
    let path = format!("/api/v1/matters/{wages}");
    w.post_json(&format!("{path}/events"), Some(&gw), r#"{"event":"accept"}"#).await;
    consenting_parties(&w, &gw, &wages).await;
    w.post_json(&format!("{path}/events"), Some(&gw), r#"{"event":"start_mediation"}"#).await;
    let s = r#"{"held_at":"2026-11-20T10:00","place":"社区调解室","participants":"双方","record":"劳动监察大队到场，包工头承诺月底前结清欠薪"}"#;
    assert_eq!(w.post_json(&format!("{path}/sessions"), Some(&gw), s).await.status, 201);
    assert_eq!(find(gw.clone(), &format!("q={}", urlencode("欠薪"))).await, [wages.as_str()]);
    assert_eq!(find(gw.clone(), &format!("q={}&status=mediating", urlencode("工资"))).await, [wages.as_str()]);
    assert!(find(gw.clone(), &format!("q={}&status=closed", urlencode("工资"))).await.is_empty());
    assert_eq!(find(gw.clone(), "tier=grid&category=neighbour").await, [noise.as_str()]);
    // Filters alone: newest first. The dates are set against the index's document order
    // (wages re-indexed first with the older date), so only a date order passes.
    let day = 24 * 3_600_000;
    w.state.store.set_created_for_tests(&wages, fengqiao_store::now_ms() - 3 * day).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    w.state.store.set_created_for_tests(&noise, fengqiao_store::now_ms() - day).await.unwrap();
    assert_eq!(find(gw.clone(), "tier=grid&from=2020-01-01").await, [noise.as_str(), wages.as_str()]);
    assert!(find(gw.clone(), "risk=red").await.is_empty());
    assert!(find(gw.clone(), "from=2099-01-01&category=neighbour").await.is_empty());
    // Bad filters are named.
    let bad = w.get("/api/v1/matters?risk=purple&tier=sky&from=yesterday", Some(&gw)).await;
    assert_error_body(&bad, 422, "validation");
    let fields: Vec<String> = bad.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["tier", "risk", "from"]);
    // The list page searches too.
    let page = w.get(&format!("/matters?q={}", urlencode("欠薪")), Some(&gw)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&wages) && !page.body.contains(&noise));
}

async fn screening_rounds_link_what_they_find(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let r = w.post_json("/api/v1/screening-rounds", Some(&gw), "{}").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let round = r.json();
    assert_eq!(round["unit"], "XY-C01-G01", "the caller's own grid by default");
    assert_error_body(&w.post_json("/api/v1/screening-rounds", Some(&gw), "{}").await, 409, "conflict");
    assert_error_body(
        &w.post_json("/api/v1/screening-rounds", Some(&gw), r#"{"unit":"XY-C02-G01"}"#).await,
        403,
        "forbidden",
    );
    let found = |source: &str| {
        format!(
            r#"{{"kind":"dispute","category":"neighbour","narrative":"排查中发现邻里因漏水发生矛盾","lat":37.105,"lon":111.705,"source":"{source}"}}"#
        )
    };
    assert_eq!(w.post_json("/api/v1/matters", Some(&gw), &found("screening")).await.status, 201);
    assert_eq!(
        w.post_json("/api/v1/matters", Some(&gw), &found("patrol")).await.status,
        201,
        "not screening: not linked"
    );
    assert_error_body(&w.post_json("/api/v1/matters", Some(&gw), &found("open311")).await, 422, "validation");
    let id = round["id"].as_i64().unwrap();
    let bad =
        w.post_json(&format!("/api/v1/screening-rounds/{id}/finish"), Some(&gw), r#"{"households_checked":-3}"#).await;
    assert_error_body(&bad, 422, "validation");
    let done = w
        .post_json(
            &format!("/api/v1/screening-rounds/{id}/finish"),
            Some(&gw),
            r#"{"households_checked":120,"note":"本月入户排查"}"#,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let d = done.json();
    assert_eq!(
        (d["households_checked"].as_i64(), d["found"].as_i64(), d["disputes"].as_i64()),
        (Some(120), Some(1), Some(1))
    );
    assert_error_body(
        &w.post_json(&format!("/api/v1/screening-rounds/{id}/finish"), Some(&gw), r#"{"households_checked":1}"#).await,
        409,
        "conflict",
    );
    let list = w.get("/api/v1/screening-rounds", Some(&w.token("commander").await)).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(w.get("/api/v1/screening-rounds", Some(&w.token("gw2").await)).await.json().as_array().unwrap().is_empty());
    let page = w.get("/screening", Some(&gw)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("本月入户排查"));
}

/// Random walks through the workflow over HTTP: whatever is tried, a refused step changes
/// nothing, an allowed one is recorded in the case's history and audited — every path.
async fn every_workflow_path_is_audited(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    let events = [
        "accept",
        "start_mediation",
        "consent_refused",
        "reach_agreement",
        "fail_mediation",
        "start_performing",
        "perform",
        "withdraw",
        "start_work",
        "resolve",
        "reopen",
        "escalate",
        "refer",
    ];
    let mut seed: u64 = 2026;
    let mut rnd = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let mut total_allowed = 0;
    for walk in 0..12 {
        let kind = if walk % 3 == 0 { "hazard" } else { "dispute" };
        let m = w
            .post_json(
                "/api/v1/matters",
                Some(&cmd),
                &format!(r#"{{"kind":"{kind}","category":"neighbour","narrative":"随机路径测试第{walk}件","lat":37.105,"lon":111.705}}"#),
            )
            .await
            .json();
        let code = m["code"].as_str().unwrap().to_string();
        if kind == "dispute" && walk % 2 == 0 {
            consenting_parties(&w, &cmd, &code).await;
        }
        let mut allowed = 0;
        for _ in 0..30 {
            let e = events[rnd(events.len())];
            let body = match e {
                "escalate" => r#"{"event":"escalate","note":"随机上报"}"#.to_string(),
                "refer" => r#"{"event":"refer","closure":"referred_court","note":"随机移交"}"#.to_string(),
                "fail_mediation" | "consent_refused" => format!(r#"{{"event":"{e}","routes":["court"]}}"#),
                _ => format!(r#"{{"event":"{e}"}}"#),
            };
            let before = w.get(&format!("/api/v1/matters/{code}"), Some(&cmd)).await.json();
            let r = w.post_json(&format!("/api/v1/matters/{code}/events"), Some(&cmd), &body).await;
            assert!(matches!(r.status, 200 | 409 | 422), "{e}: {} {}", r.status, r.body);
            let after = w.get(&format!("/api/v1/matters/{code}"), Some(&cmd)).await.json();
            if r.status == 200 {
                allowed += 1;
            } else {
                assert_eq!(before["matter"]["status"], after["matter"]["status"], "a refused {e} changed nothing");
                assert_eq!(before["history"], after["history"]);
            }
        }
        let file = w.get(&format!("/api/v1/matters/{code}"), Some(&cmd)).await.json();
        let by_people = file["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["actor"] == "commander" && h["event"] != "register")
            .count();
        let steps = w
            .state
            .store
            .search_audit(&AuditFilter { object: Some(format!("matter:{code}")), limit: 500, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .filter(|a| {
                a.actor == "commander"
                    && a.action.starts_with("matter.")
                    && !a.action.starts_with("matter.party")
                    && a.action != "matter.consent"
                    && a.action != "matter.create"
            })
            .count();
        assert_eq!(by_people, allowed, "every allowed step is in the history");
        assert_eq!(steps, allowed, "and audited");
        total_allowed += allowed;
    }
    assert!(total_allowed >= 20, "the walks took real steps: {total_allowed}");
}

/// An installation's own categories (configuration `[[server.categories]]`): intake,
/// the suggested approach, the pages, the search filter and Open311 all follow them.
async fn the_category_taxonomy_is_configurable(db: &TestDb) {
    use fengqiao_domain::matter::{Approach, CategoryDef, Taxonomy};
    let base = world(db).await;
    let mut state = base.state.clone();
    let extra = vec![CategoryDef {
        code: "elevator".into(),
        label: "加装电梯".into(),
        approach: Some(Approach::NeighbourlyWarmth),
    }];
    state.app.taxonomy = std::sync::Arc::new(Taxonomy::with(&extra));
    let w = common::World { app: fengqiao_server::app(state.clone()), state };
    let gw = w.token("gw1").await;
    let r = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"dispute","category":"elevator","narrative":"一楼住户反对加装电梯，楼上老人出行困难","lat":37.105,"lon":111.705}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.json()["category"].as_str(), r.json()["approach"].as_str()),
        (Some("elevator"), Some("neighbourly_warmth"))
    );
    let code = r.json()["code"].as_str().unwrap().to_string();
    let bad = w
        .post_json(
            "/api/v1/matters",
            Some(&gw),
            r#"{"kind":"dispute","category":"castle","narrative":"城堡纠纷五个字","lat":37.105,"lon":111.705}"#,
        )
        .await;
    assert_error_body(&bad, 422, "validation");
    assert!(bad.body.contains("elevator"), "the error lists the categories in use");
    let found = w.get("/api/v1/matters?category=elevator", Some(&gw)).await.json();
    assert_eq!(found["items"][0]["code"], code.as_str());
    assert!(w.get("/matters/new", Some(&gw)).await.body.contains("加装电梯"));
    assert!(w.get("/matters", Some(&gw)).await.body.contains("加装电梯"));
    let services = w.get("/open311/v2/services.json", None).await.json();
    assert!(services.as_array().unwrap().iter().any(|s| s["service_code"] == "dispute-elevator"));
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

contract_tests!(
    the_category_taxonomy_is_configurable,
    every_workflow_path_is_audited,
    screening_rounds_link_what_they_find,
    tier_rules_move_disputes_up,
    full_text_search_with_filters,
    duplicates_are_proposed_and_merged,
    intake_form_with_photos_and_parties,
    mediation_as_the_law_requires,
    early_warning_of_escalation,
    matters_intake_and_workflow,
    registry_export_and_organisations,
    registry_api_within_the_jurisdiction,
    locate_routes_points_to_grids,
    audit_api_pages_and_volunteer_form,
    login_me_and_logout,
    bad_input_gets_precise_errors,
    lockout_after_repeated_failures,
    second_factor_for_administrators,
    jurisdiction_and_denials_are_audited,
    phones_are_masked_and_reveals_audited,
    accounts_created_over_the_api,
    web_login_uses_csrf_and_strict_cookies,
    every_page_renders,
    operations_endpoints,
    readyz_reports_a_database_behind_the_binary,
);
