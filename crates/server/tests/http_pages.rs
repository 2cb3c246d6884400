//! Every page renders, the operations endpoints answer, the audit API and the volunteer
//! form work, each on SQLite and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{PASSWORD, assert_error_body, totp_now, world};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

/// Whether a page has no inline script: every `<script>` has a `src`, and no element has an
/// event-handler attribute (`onclick=`, `onerror=`, ...).
fn no_inline_script(html: &str) -> bool {
    let scripts_have_src =
        html.split("<script").skip(1).all(|t| t.split('>').next().is_some_and(|a| a.contains("src=")));
    let handlers = html.match_indices(" on").any(|(i, _)| {
        let rest = &html[i + 3..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase()).collect();
        name.len() >= 3 && rest[name.len()..].starts_with('=')
    });
    scripts_have_src && !handlers
}

/// Issue 9, items 13 and 14: security headers on every response, `Secure` cookies when the
/// site is served over HTTPS, no open redirect through the language switch.
async fn security_headers_cookies_and_redirects(db: &TestDb) {
    let w = world(db).await;
    let r = w.get("/login", None).await;
    for (name, value) in
        [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "same-origin")]
    {
        assert_eq!(r.headers[name], value, "{name}");
    }
    assert!(r.headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(r.headers.get("strict-transport-security").is_none(), "plain HTTP: no HSTS");
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && !cookie.contains("Secure"), "{cookie}");
    let api = w.get("/api/v1/me", None).await;
    assert_eq!(api.headers["x-content-type-options"], "nosniff", "the API too");
    for (next, to) in [
        ("/%5Cevil.example", "/dashboard"),
        ("//evil.example", "/dashboard"),
        ("https://evil.example", "/dashboard"),
        ("/%09/evil.example", "/dashboard"),
        ("/matters?status=closed", "/matters?status=closed"),
    ] {
        let r = w.get(&format!("/lang/en?next={next}"), None).await;
        assert_eq!(r.headers["location"], to, "{next}");
    }
    // Served over HTTPS (its public address says so): Secure cookies and HSTS.
    let mut state = w.state.clone();
    let mut settings = (*state.app.settings).clone();
    settings.public_url = "https://fengqiao.example.gov.cn".into();
    state.app.settings = std::sync::Arc::new(settings);
    let https = common::World { app: fengqiao_server::app(state.clone()), state, store: w.store.clone() };
    let r = https.get("/login", None).await;
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("; Secure"));
    assert_eq!(r.headers["strict-transport-security"], "max-age=31536000");
    let r = https.post_json("/api/v1/session", None, &format!(r#"{{"username":"gw1","password":"{PASSWORD}"}}"#)).await;
    assert_eq!(r.status, 201);
    let r = https.get("/lang/en?next=/login", None).await;
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("; Secure"));

    // X-Forwarded-For is believed only from a configured proxy (item 14).
    let mut state = w.state.clone();
    let mut settings = (*state.app.settings).clone();
    settings.trusted_proxies = vec!["10.0.0.2".parse().unwrap()];
    state.app.settings = std::sync::Arc::new(settings);
    let proxied = common::World { app: fengqiao_server::app(state.clone()), state, store: w.store.clone() };
    let attempt = |peer: &str, xff: &str, user: &str| {
        let mut req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", xff)
            .body(Body::from(format!(r#"{{"username":"{user}","password":"wrong"}}"#)))
            .unwrap();
        let sock: std::net::SocketAddr = format!("{peer}:4000").parse().unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(sock));
        req
    };
    proxied.send(attempt("10.0.0.2", "1.2.3.4, 203.0.113.9", "via-proxy")).await;
    proxied.send(attempt("198.51.100.3", "203.0.113.9", "direct")).await;
    let addr_of = |user: &str| {
        let store = w.store.clone();
        let user = user.to_string();
        async move {
            let r = store
                .search_audit(&AuditFilter { actor: Some(user.clone()), limit: 5, ..Default::default() })
                .await
                .unwrap();
            r.iter().find(|r| r.actor == user).unwrap().client_addr.clone()
        }
    };
    assert_eq!(addr_of("via-proxy").await, "203.0.113.9", "the nearest address the proxy saw");
    assert_eq!(addr_of("direct").await, "198.51.100.3", "a client's own header is not believed");
}

async fn every_page_renders(db: &TestDb) {
    let w = world(db).await;
    let t = w.token("commander").await;
    let gw1 = w.store.user_by_username("gw1").await.unwrap().id;
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
        ("/supervision", "事项督办"),
        ("/warning", "待签收预警"),
    ];
    for (path, needle) in pages {
        let r = w.get(path, Some(&t)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(r.body.contains(needle), "{path} lacks {needle}");
        // Issue 9, item 10: no inline script anywhere, so the policy can forbid it.
        assert!(no_inline_script(&r.body), "{path} has inline script");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"), "{path}: {csp}");
    }
    // Nothing in the menu says "coming": pages that are not built are not listed.
    assert_eq!(w.get("/area/statistics", Some(&t)).await.status, 404);
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
    assert_eq!(w.get("/audit?page=99999999999999999", Some(&a)).await.status, 422, "a page number out of range");
    // The same export over the API, by the same use case; recorded, and for auditors only.
    let api = w.get("/api/v1/audit/export?actor=commander&from=2020-01-01", Some(&a)).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(api.headers["content-type"], "text/csv; charset=utf-8");
    assert!(api.body.starts_with('\u{feff}') && api.body.contains("session.login"));
    let exports = w
        .store
        .search_audit(&AuditFilter { action: Some("audit.export".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(exports.len(), 2, "both exports recorded");
    assert_error_body(&w.get("/api/v1/audit/export", Some(&t)).await, 403, "forbidden");
    assert_error_body(&w.get("/api/v1/audit?offset=1000000000000", Some(&a)).await, 422, "validation");
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
    assert!(matches!(w.store.verify_audit().await.unwrap(), fengqiao_store::audit::ChainCheck::Intact { .. }));
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
    let s = w.sysadmin_token().await;
    let page = w.get("/volunteers", Some(&s)).await;
    let csrf = csrf_of(&page.body);
    let r = w.send(post(&s, form(&csrf, "NOPE", "123"))).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("管辖范围内没有代码为“NOPE”的单位") && r.body.contains("须为 13–19 开头的 11 位手机号码"),
        "each bad field named, in the page's language: {}",
        r.body
    );
    let r = w.send(post(&s, form(&csrf, "XY-C01-G01", "13912345678"))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = w.get("/volunteers", Some(&s)).await;
    assert!(page.body.contains("王义警") && page.body.contains("139****5678"));
}

/// No number a client sends reaches an absurd depth or overflows: list offsets are bounded
/// (a named field error) and page numbers clamped.
async fn paging_numbers_are_bounded(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    for path in
        ["/api/v1/users?offset=1000000000000", "/api/v1/households?offset=-1", "/api/v1/volunteers?offset=9999999"]
    {
        let r = w.get(path, Some(&cmd)).await;
        assert_error_body(&r, 422, "validation");
        assert_eq!(r.json()["error"]["fields"][0]["field"], "offset", "{path}");
    }
    for path in
        ["/people?page=99999999999999999", "/registry?page=99999999999999999", "/volunteers?page=99999999999999999"]
    {
        assert_eq!(w.get(path, Some(&cmd)).await.status, 200, "{path}");
    }
}

/// Issue 10, item 9: in English the data's codes read in English too — categories, sex,
/// relations, care categories, mediators' affiliations — and switching the language comes
/// back to the same page.
async fn english_pages_say_it_in_english(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let code = common::new_dispute(&w, &gw, "neighbour", "楼上装修噪音持续到深夜").await;
    let en = |path: &str| {
        axum::http::Request::get(path.to_string())
            .header("authorization", format!("Bearer {gw}"))
            .header("cookie", "fq_lang=en")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let list = w.send(en("/matters")).await.body;
    assert!(list.contains("Neighbours") && !list.contains("邻里纠纷"), "{list}");
    let file = w.send(en("/households/H1")).await.body;
    for word in ["Male", "Head of household", "Elderly living alone"] {
        assert!(file.contains(word), "{word}: {file}");
    }
    for word in ["户主", "独居老人", ">男<"] {
        assert!(!file.contains(word), "{word} on an English page");
    }
    let matter = w.send(en(&format!("/matters/{code}"))).await.body;
    assert!(matter.contains("Lawyer") && !matter.contains("律师"), "the mediators' affiliations: {matter}");
    let form = w.send(en("/matters/new")).await.body;
    assert!(form.contains("Found on patrol") && form.contains("Small conflict"), "{form}");
    // The switch returns to the page it was clicked on.
    let link = list.replace("&#x2f;", "/").replace("&amp;", "&");
    assert!(link.contains("/lang/zh-CN?next=/matters\""), "{link}");
    let r = w.get("/lang/zh-CN?next=%2Fmatters%3Fkind%3Ddispute", None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/matters?kind=dispute");
}

contract_tests!(
    english_pages_say_it_in_english,
    paging_numbers_are_bounded,
    every_page_renders,
    operations_endpoints,
    readyz_reports_a_database_behind_the_binary,
    audit_api_pages_and_volunteer_form,
    security_headers_cookies_and_redirects,
);
