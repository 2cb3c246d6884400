//! Sessions, second factor, lockout, jurisdiction and accounts over HTTP (API and web
//! login), each on SQLite and on PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{PASSWORD, assert_error_body, totp_now, world};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

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
    let body = r#"{"username":"gw3","display_name":"新网格员","unit_code":"XY-C01-G01","roles":["grid_worker"]}"#;
    assert_error_body(&w.post_json("/api/v1/users", Some(&cmd), body).await, 403, "forbidden");
    // Issue 9, item 14: authorisation comes before validation, so a caller who may not
    // create accounts learns nothing from the field errors (which unit codes exist).
    let probe = r#"{"username":"X!","display_name":"","unit_code":"XY-C02-G01","roles":["king"]}"#;
    assert_error_body(&w.post_json("/api/v1/users", Some(&cmd), probe).await, 403, "forbidden");
    // The system administrator needs a second factor first: enrol over the store, then log in.
    let t = w.sysadmin_token().await;
    let r = w.post_json("/api/v1/users", Some(&t), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["unit_code"], "XY-C01-G01");
    let id = r.json()["id"].as_i64().unwrap();
    assert_error_body(&w.post_json("/api/v1/users", Some(&t), body).await, 409, "conflict");
    // Issue 9, item 4: nobody sets another person's password, not even at creation.
    let with_pw = r#"{"username":"gw4","display_name":"新网格员","unit_code":"XY-C01-G01","roles":["grid_worker"],"password":"Xinwangge#2026"}"#;
    assert_error_body(&w.post_json("/api/v1/users", Some(&t), with_pw).await, 422, "validation");
    let bad = r#"{"username":"X!","display_name":"","unit_code":"NOPE","roles":["king"],"phone":"123"}"#;
    let r = w.post_json("/api/v1/users", Some(&t), bad).await;
    assert_error_body(&r, 422, "validation");
    let j = r.json();
    let fields: Vec<&str> =
        j["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["username", "display_name", "roles[0]", "phone", "unit_code"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    // The new account has no password: the person sets one with a code the administrator
    // hands over.
    let login = |pw: &str| format!(r#"{{"username":"gw3","password":"{pw}"}}"#);
    assert_eq!(w.post_json("/api/v1/session", None, &login("Xinwangge#2026")).await.status, 401);
    let r = w.post_json(&format!("/api/v1/users/{id}/reset-code"), Some(&t), "").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 19, "{code}");
    let redeem = |code: &str, pw: &str| format!(r#"{{"username":"gw3","code":"{code}","password":"{pw}"}}"#);
    let r = w.post_json("/api/v1/password-reset", None, &redeem("AAAA-BBBB-CCCC-DDDD", "Xinwangge#2026")).await;
    assert_error_body(&r, 401, "invalid_reset_code");
    let r = w.post_json("/api/v1/password-reset", None, &redeem(&code, "short")).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "password");
    // Case, spaces and dashes as typed do not matter.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(w.post_json("/api/v1/password-reset", None, &redeem(&typed, "Xinwangge#2026")).await.status, 204);
    assert_eq!(w.post_json("/api/v1/session", None, &login("Xinwangge#2026")).await.status, 201);
    let again = w.post_json("/api/v1/password-reset", None, &redeem(&code, "Another#Pass2026")).await;
    assert_error_body(&again, 401, "invalid_reset_code");
    assert_eq!(w.post_json("/api/v1/session", None, &login("Xinwangge#2026")).await.status, 201, "used once");
}

/// Issue 9, item 4: a reset code is useful only to the account's owner — with their second
/// factor when they have one — and the system administrator cannot reach accounts that read
/// personal data; nobody resets their own; every step is audited.
async fn password_resets_need_the_owner(db: &TestDb) {
    let w = world(db).await;
    let t = w.sysadmin_token().await;
    let store = &w.store;
    let id = |name: &'static str| async move { store.user_by_username(name).await.unwrap().id.0 };
    let commander = id("commander").await;
    let auditor = id("auditor").await;
    let admin = id("sysadmin").await;
    // The commander reads personal data: the system administrator cannot take the account
    // over by resetting its password; nor reset their own, nor anyone's as a grid worker.
    let path = |id: i64| format!("/api/v1/users/{id}/reset-code");
    assert_error_body(&w.post_json(&path(commander), Some(&t), "").await, 403, "forbidden");
    assert_error_body(&w.post_json(&path(admin), Some(&t), "").await, 403, "forbidden");
    let gw = w.token("gw1").await;
    assert_error_body(&w.post_json(&path(id("gw2").await), Some(&gw), "").await, 403, "forbidden");
    assert_error_body(&w.post_json(&path(99_999), Some(&t), "").await, 404, "not_found");
    // The auditor (an administrator, with TOTP) is the security administrator's to reset,
    // and the code alone does not do: the auditor's current TOTP code is needed too.
    common::add_secadmin(&w.store, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").await;
    let body = format!(
        r#"{{"username":"secadmin","password":"{PASSWORD}","totp":"{}"}}"#,
        totp_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 0)
    );
    let s = w.post_json("/api/v1/session", None, &body).await.json()["token"].as_str().unwrap().to_string();
    assert_error_body(&w.post_json(&path(auditor), Some(&t), "").await, 403, "forbidden");
    let auditor_session = w.post_json(&path(commander), Some(&s), "").await;
    assert_eq!(auditor_session.status, 201, "the security administrator resets the commander");
    let r = w.post_json(&path(auditor), Some(&s), "").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    let redeem = |totp: &str| {
        format!(r#"{{"username":"auditor","code":"{code}","password":"Shenji#Mima2026","totp":"{totp}"}}"#)
    };
    let r = w.post_json("/api/v1/password-reset", None, &redeem("")).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "totp");
    assert_error_body(&w.post_json("/api/v1/password-reset", None, &redeem("000000")).await, 401, "invalid_totp");
    let login =
        format!(r#"{{"username":"auditor","password":"{PASSWORD}","totp":"{}"}}"#, totp_now("JBSWY3DPEHPK3PXP", 0));
    let before = w.post_json("/api/v1/session", None, &login).await;
    assert_eq!(before.status, 201, "the old password works until the code is redeemed");
    let old_session = before.json()["token"].as_str().unwrap().to_string();
    let r = w.post_json("/api/v1/password-reset", None, &redeem(&totp_now("JBSWY3DPEHPK3PXP", 1))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(w.get("/api/v1/me", Some(&old_session)).await.status, 401, "every session ended");
    assert_eq!(w.post_json("/api/v1/session", None, &login).await.status, 401, "the old password is gone");
    // Each step is in the audit log: who issued which code, and the reset.
    let events = w
        .store
        .search_audit(&AuditFilter { action: Some("user.password.reset".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    let seen: Vec<(&str, &str)> = events.iter().map(|e| (e.actor.as_str(), e.action.as_str())).collect();
    assert!(seen.contains(&("auditor", "user.password.reset")), "{seen:?}");
    assert!(seen.contains(&("secadmin", "user.password.reset_issued")), "{seen:?}");
    // A code is not a key to guess: wrong codes count as failed logins and lock the account.
    let wrong = r#"{"username":"gw1","code":"AAAA-BBBB-CCCC-DDDD","password":"Wangge#Mima2026"}"#;
    for _ in 0..5 {
        assert_error_body(&w.post_json("/api/v1/password-reset", None, wrong).await, 401, "invalid_reset_code");
    }
    assert_error_body(&w.post_json("/api/v1/password-reset", None, wrong).await, 403, "locked");
}

/// The same reset on the pages: the administrator's button shows the code once; the person
/// redeems it on the login page's reset form (with its CSRF cookie), then logs in.
async fn password_reset_on_the_pages(db: &TestDb) {
    let w = world(db).await;
    let t = w.sysadmin_token().await;
    let gw1 = w.store.user_by_username("gw1").await.unwrap().id.0;
    let commander = w.store.user_by_username("commander").await.unwrap().id.0;
    let page = w.get(&format!("/people/{gw1}"), Some(&t)).await;
    assert!(page.body.contains("签发重置码") && !page.body.contains("设置密码"), "{}", page.body);
    assert!(!page.body.contains("授予角色"), "the system administrator grants no roles");
    let cmd_page = w.get(&format!("/people/{commander}"), Some(&t)).await;
    assert!(!cmd_page.body.contains("签发重置码"), "the commander's account is the security administrator's");
    let csrf = |body: &str| body.split(r#"name="csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = |path: String, body: String, token: Option<&str>, cookie: Option<String>| {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        b.body(Body::from(body)).unwrap()
    };
    let r =
        w.send(form(format!("/people/{gw1}/reset-code"), format!("csrf={}", csrf(&page.body)), Some(&t), None)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = r.body.split(r#"data-testid="reset-code">"#).nth(1).unwrap().split('<').next().unwrap().to_string();
    assert_eq!(code.len(), 19, "{code}");
    let r = w
        .send(form(format!("/people/{commander}/reset-code"), format!("csrf={}", csrf(&page.body)), Some(&t), None))
        .await;
    assert_eq!(r.status, 403);
    // The person, not logged in: the reset form.
    let login = w.get("/login", None).await;
    assert!(login.body.contains(r#"href="/login/reset""#));
    let reset = w.get("/login/reset", None).await;
    assert_eq!(reset.status, 200);
    let c = csrf(&reset.body);
    let cookie = Some(format!("fq_login_csrf={c}"));
    let body =
        |code: &str, pw: &str| format!("csrf={c}&username=gw1&code={code}&password={}&totp=", pw.replace('#', "%23"));
    let r = w.send(form("/login/reset".into(), body(&code, "Wangge#Mima2026"), None, None)).await;
    assert_eq!(r.status, 403, "no CSRF cookie");
    let r =
        w.send(form("/login/reset".into(), body("AAAA-BBBB-CCCC-DDDD", "Wangge#Mima2026"), None, cookie.clone())).await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("重置码错误或已过期"));
    let r = w.send(form("/login/reset".into(), body(&code, "short"), None, cookie.clone())).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("field-error"), "{}", r.body);
    let r = w.send(form("/login/reset".into(), body(&code, "Wangge#Mima2026"), None, cookie.clone())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("密码已设置"));
    let api = r#"{"username":"gw1","password":"Wangge#Mima2026"}"#;
    assert_eq!(w.post_json("/api/v1/session", None, api).await.status, 201);
}

/// ASVS review: the API changes nothing for the session cookie alone (a sibling site could
/// forge it); nothing personal is cached; a long password in Chinese that the policy
/// accepts also logs in (the login counted bytes).
async fn api_writes_need_a_bearer_token(db: &TestDb) {
    let w = world(db).await;
    let t = w.token("gw1").await;
    let with_cookie = |method: &str, path: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, format!("fq_session={t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"current":"x","new":"y"}"#))
            .unwrap()
    };
    let r = w.send(with_cookie("GET", "/api/v1/me")).await;
    assert_eq!(r.status, 200, "reading with the cookie is fine");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let r = w.send(with_cookie("POST", "/api/v1/me/password")).await;
    assert_error_body(&r, 403, "bearer_required");
    assert_error_body(&w.post_json("/api/v1/me/password", None, "{}").await, 401, "unauthenticated");
    let page = w.get("/dashboard", Some(&t)).await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let css = w.get("/static/app.css", None).await;
    assert!(css.headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"), "static files keep theirs");
    // 100 Chinese characters: 300 bytes, within the policy's 128 characters.
    let long = format!("{}Aa1", "枫桥经验".repeat(25));
    let body = format!(r#"{{"current":"{PASSWORD}","new":"{long}"}}"#);
    assert_eq!(w.post_json("/api/v1/me/password", Some(&t), &body).await.status, 204);
    let login = format!(r#"{{"username":"gw1","password":"{long}"}}"#);
    assert_eq!(w.post_json("/api/v1/session", None, &login).await.status, 201);
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

/// What the account pages do, the API does too, through the same use cases: one's own
/// password, another's account and password, a household's new QR code.
async fn account_changes_over_the_api(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let change = |current: &str, new: &str| format!(r#"{{"current":"{current}","new":"{new}"}}"#);
    let r = w.post_json("/api/v1/me/password", Some(&gw), &change("wrong", "Xinmima#2026ok")).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "current");
    let r = w.post_json("/api/v1/me/password", Some(&gw), &change(PASSWORD, "short")).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "new");
    let r = w.post_json("/api/v1/me/password", Some(&gw), &change(PASSWORD, "Xinmima#2026ok")).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let login = |pw: &str| format!(r#"{{"username":"gw1","password":"{pw}"}}"#);
    assert_eq!(w.post_json("/api/v1/session", None, &login("Xinmima#2026ok")).await.status, 201);
    assert_eq!(w.post_json("/api/v1/session", None, &login(PASSWORD)).await.status, 401);
    assert_eq!(w.get("/api/v1/me", Some(&gw)).await.status, 200, "the session that changed it goes on");

    // The system administrator edits an account and issues its reset code; not their own.
    let admin = w.store.user_by_username("sysadmin").await.unwrap();
    let t = w.sysadmin_token().await;
    let gw2 = w.store.user_by_username("gw2").await.unwrap();
    let edit = r#"{"display_name":"崇文网格员","unit_code":"XY-C02-G01","roles":["grid_worker","counsellor"]}"#;
    let r = w.put_json(&format!("/api/v1/users/{}", gw2.id.0), Some(&t), edit).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["display_name"], "崇文网格员");
    assert_eq!(r.json()["phone"], "138****0004", "an absent phone keeps the stored one");
    let own = w.put_json(&format!("/api/v1/users/{}", admin.id.0), Some(&t), edit).await;
    assert_error_body(&own, 403, "forbidden");
    let pw =
        w.post_json(&format!("/api/v1/users/{}/password", gw2.id.0), Some(&t), r#"{"password":"Chongwen#2026"}"#).await;
    assert_eq!(pw.status, 404, "no administrator sets another's password: {}", pw.body);
    let code = w.post_json(&format!("/api/v1/users/{}/reset-code", gw2.id.0), Some(&t), "").await;
    assert_eq!(code.status, 201, "{}", code.body);
    assert_error_body(&w.put_json(&format!("/api/v1/users/{}", gw2.id.0), Some(&gw), edit).await, 403, "forbidden");

    // A new QR code for a household of one's own grid; another grid's is refused.
    common::registry(&w).await;
    assert_eq!(w.post_json("/api/v1/households/H1/qr", Some(&gw), "").await.status, 204);
    assert_error_body(&w.post_json("/api/v1/households/H2/qr", Some(&gw), "").await, 404, "not_found");
}

/// The organisation tree over the API, through the same rules as its page: a unit added
/// below one the caller may edit (a grid's geometry checked), then edited.
async fn organisation_edited_over_the_api(db: &TestDb) {
    let w = world(db).await;
    let t = w.sysadmin_token().await;
    let grid = r#"{"type":"Polygon","coordinates":[[[111.70,37.11],[111.71,37.11],[111.71,37.12],[111.70,37.12],[111.70,37.11]]]}"#;
    let body = format!(
        r#"{{"code":"XY-C01-G02","kind":"grid","name":"府前社区第2网格","parent_code":"XY-C01","geometry":{grid}}}"#
    );
    let r = w.post_json("/api/v1/units", Some(&t), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["parent_code"], "XY-C01");
    let bad = r#"{"code":"x","kind":"castle","name":"","parent_code":"XY-C01","geometry":{"type":"Polygon"}}"#;
    let r = w.post_json("/api/v1/units", Some(&t), bad).await;
    assert_error_body(&r, 422, "validation");
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["code", "kind", "name", "geometry"]);
    let r = w
        .post_json("/api/v1/units", Some(&t), r#"{"code":"XY-Z9","kind":"grid","name":"无","parent_code":"NOPE"}"#)
        .await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "parent_code", "{}", r.body);
    let r = w.put_json("/api/v1/units/XY-C01-G02", Some(&t), r#"{"name":"府前社区第二网格","sort_order":2}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["name"].as_str(), r.json()["parent_code"].as_str()),
        (Some("府前社区第二网格"), Some("XY-C01"))
    );
    let gw = w.token("gw1").await;
    assert_error_body(&w.put_json("/api/v1/units/XY-C01", Some(&gw), r#"{"name":"改名"}"#).await, 403, "forbidden");
}

/// Volunteers over the API, and the security administrator's unlock and second-factor reset.
async fn volunteers_and_security_over_the_api(db: &TestDb) {
    let w = world(db).await;
    let t = w.sysadmin_token().await;
    let good =
        r#"{"name":"王义警","team":"XY-C01-G01","kind":"volunteer_police","phone":"13912345678","skills":"急救"}"#;
    assert_eq!(w.post_json("/api/v1/volunteers", Some(&t), good).await.status, 201);
    let bad = r#"{"name":"","team":"NOPE","kind":"hero","phone":"123"}"#;
    let r = w.post_json("/api/v1/volunteers", Some(&t), bad).await;
    assert_error_body(&r, 422, "validation");
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["name", "kind", "phone", "team"]);
    let gw = w.token("gw1").await;
    assert_error_body(&w.post_json("/api/v1/volunteers", Some(&gw), good).await, 403, "forbidden");
    let list = w.get("/api/v1/volunteers", Some(&gw)).await.json();
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["phone"], "139****5678", "masked");
    assert_eq!(w.get("/api/v1/volunteers", Some(&w.token("gw2").await)).await.json()["total"], 0, "another grid's");
    assert_error_body(&w.get("/api/v1/volunteers?offset=1000000000000", Some(&gw)).await, 422, "validation");

    // A security administrator unlocks an account and resets a second factor; others may not.
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "setup");
    common::add_secadmin(&db.store, "JBSWY3DPEHPK3PXP").await;
    let body =
        format!(r#"{{"username":"secadmin","password":"{PASSWORD}","totp":"{}"}}"#, totp_now("JBSWY3DPEHPK3PXP", 0));
    let r = w.post_json("/api/v1/session", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let s = r.json()["token"].as_str().unwrap().to_string();
    let gw1 = db.store.user_by_username("gw1").await.unwrap();
    db.store.lock_user(&ctx, gw1.id, fengqiao_store::now_ms() + 3_600_000).await.unwrap();
    let login = format!(r#"{{"username":"gw1","password":"{PASSWORD}"}}"#);
    assert_eq!(w.post_json("/api/v1/session", None, &login).await.status, 403, "locked");
    assert_error_body(
        &w.post_json(&format!("/api/v1/users/{}/unlock", gw1.id.0), Some(&t), "").await,
        403,
        "forbidden",
    );
    assert_eq!(w.post_json(&format!("/api/v1/users/{}/unlock", gw1.id.0), Some(&s), "").await.status, 204);
    assert_eq!(w.post_json("/api/v1/session", None, &login).await.status, 201, "unlocked");
    let admin = db.store.user_by_username("sysadmin").await.unwrap();
    assert_eq!(w.post_json(&format!("/api/v1/users/{}/totp-reset", admin.id.0), Some(&s), "").await.status, 204);
    assert!(!db.store.user_by_username("sysadmin").await.unwrap().totp_enabled);
    assert_eq!(w.get("/api/v1/me", Some(&t)).await.status, 401, "the administrator's sessions ended");
}

/// Issue 9, items 5 and 12: second-factor codes cannot be guessed without limit, racing
/// attempts cannot outrun the lockout, unknown and locked accounts answer alike, one client
/// address is limited whatever names it tries.
async fn logins_cannot_be_guessed(db: &TestDb) {
    use tower::ServiceExt;
    let w = world(db).await;
    let login = |user: &str, password: &str, totp: Option<&str>| {
        let totp = totp.map(|t| format!(r#","totp":"{t}""#)).unwrap_or_default();
        format!(r#"{{"username":"{user}","password":"{password}"{totp}}}"#)
    };
    // Wrong codes with the right password count as failures; the right password does not
    // forgive them; at the threshold the account locks and the right code no longer works.
    for i in 0..5 {
        let r = w.post_json("/api/v1/session", None, &login("auditor", PASSWORD, Some("000000"))).await;
        assert_error_body(&r, 401, "invalid_totp");
        assert_eq!(r.json()["error"]["code"], "invalid_totp", "attempt {i}");
    }
    let right = totp_now("JBSWY3DPEHPK3PXP", 0);
    let r = w.post_json("/api/v1/session", None, &login("auditor", PASSWORD, Some(&right))).await;
    assert_error_body(&r, 403, "locked");
    // An unknown username answers exactly as a locked real one once it has failed as often.
    for _ in 0..5 {
        assert_eq!(w.post_json("/api/v1/session", None, &login("nobody", "x", None)).await.status, 401);
    }
    let unknown = w.post_json("/api/v1/session", None, &login("nobody", "x", None)).await;
    assert_eq!(unknown.status, 403);
    assert_eq!(unknown.body, r.body, "the same answer for a name that does not exist");
    // Thirty wrong passwords at once: no more than the threshold are checked at all.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(login("gw2", "wrong", None)))
            .unwrap();
        set.spawn(w.app.clone().oneshot(req));
    }
    let mut checked = 0;
    while let Some(r) = set.join_next().await {
        let status = r.unwrap().unwrap().status().as_u16();
        assert!(status == 401 || status == 403, "{status}");
        checked += usize::from(status == 401);
    }
    assert!(checked <= 5, "{checked} of 30 racing attempts were checked");
    assert_error_body(&w.post_json("/api/v1/session", None, &login("gw2", PASSWORD, None)).await, 403, "locked");
    // One address trying many names is stopped (another address is not).
    let from = |addr: &str, user: &str| {
        let mut req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(login(user, "wrong", None)))
            .unwrap();
        let sock: std::net::SocketAddr = format!("{addr}:5000").parse().unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(sock));
        req
    };
    for i in 0..fengqiao_app::accounts::CLIENT_FAILURES_PER_WINDOW {
        let r = w.send(from("198.51.100.7", &format!("guess{i}"))).await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    assert_error_body(&w.send(from("198.51.100.7", "guess-more")).await, 429, "too_many_requests");
    assert_eq!(w.send(from("198.51.100.8", "guess-more")).await.status, 401);
}

/// Issue 9, item 4 (part): three-admin separation of roles. The system administrator
/// manages accounts but grants no role that reads personal data or administers the system;
/// the security administrator grants and revokes roles; nobody changes their own.
async fn only_the_security_administrator_grants_sensitive_roles(db: &TestDb) {
    let w = world(db).await;
    let admin = w.sysadmin_token().await;
    let cmd_account = r#"{"username":"boss2","display_name":"新指挥长","unit_code":"XY","roles":["commander"]}"#;
    let r = w.post_json("/api/v1/users", Some(&admin), cmd_account).await;
    assert_error_body(&r, 403, "forbidden");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("security administrator"), "{}", r.body);
    for role in ["security_admin", "audit_admin", "community_officer"] {
        let body = format!(r#"{{"username":"x{role}","display_name":"试","unit_code":"XY","roles":["{role}"]}}"#);
        assert_eq!(w.post_json("/api/v1/users", Some(&admin), &body).await.status, 403, "{role}");
    }
    let gw = r#"{"username":"gw9","display_name":"网格员九","unit_code":"XY-C01-G01","roles":["grid_worker"]}"#;
    let r = w.post_json("/api/v1/users", Some(&admin), gw).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    // Nor may the system administrator raise an account by editing it.
    let raise = r#"{"display_name":"网格员九","unit_code":"XY-C01-G01","roles":["grid_worker","commander"]}"#;
    assert_error_body(&w.put_json(&format!("/api/v1/users/{id}"), Some(&admin), raise).await, 403, "forbidden");
    let roles = |r: &str| format!(r#"{{"roles":{r}}}"#);
    assert_error_body(
        &w.put_json(&format!("/api/v1/users/{id}/roles"), Some(&admin), &roles(r#"["commander"]"#)).await,
        403,
        "forbidden",
    );
    // The security administrator may.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR";
    let sec_id = common::add_secadmin(&w.store, secret).await;
    let body = format!(r#"{{"username":"secadmin","password":"{PASSWORD}","totp":"{}"}}"#, totp_now(secret, 0));
    let sec = w.post_json("/api/v1/session", None, &body).await.json()["token"].as_str().unwrap().to_string();
    let r =
        w.put_json(&format!("/api/v1/users/{id}/roles"), Some(&sec), &roles(r#"["grid_worker","grid_officer"]"#)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut got: Vec<String> = serde_json::from_value(r.json()["roles"].clone()).unwrap();
    got.sort();
    assert_eq!(got, ["grid_officer", "grid_worker"]);
    assert_error_body(
        &w.put_json(&format!("/api/v1/users/{}/roles", sec_id.0), Some(&sec), &roles(r#"["commander"]"#)).await,
        403,
        "forbidden",
    );
    assert_error_body(
        &w.put_json(&format!("/api/v1/users/{id}/roles"), Some(&sec), &roles(r#"["king"]"#)).await,
        422,
        "validation",
    );
    let denied = w
        .store
        .search_audit(&AuditFilter { action: Some("grant_roles".into()), limit: 20, ..Default::default() })
        .await
        .unwrap();
    assert!(denied.iter().any(|r| r.actor == "sysadmin" && r.result == "denied"), "refusals are audited");
}

/// Issue 9, item 14: looking at the enrolment page changes nothing; a POST starts the
/// enrolment, and the code completes it under a new session token.
async fn totp_enrolment_starts_with_a_post(db: &TestDb) {
    let w = world(db).await;
    let page = w.get("/login", None).await;
    let cookie = page.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    let csrf = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let form = format!("username=sysadmin&password={}&csrf={csrf}", PASSWORD.replace('@', "%40"));
    let r = w
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("fq_login_csrf={csrf}"))
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(r.headers[header::LOCATION], "/account/totp", "the administrator must enrol");
    let session = r.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let get = |path: &str| Request::get(path).header(header::COOKIE, &session).body(Body::empty()).unwrap();
    for _ in 0..2 {
        let p = w.send(get("/account/totp")).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("totp-start") && !p.body.contains("totp-secret"));
    }
    let admin = w.store.user_by_username("sysadmin").await.unwrap();
    assert!(admin.totp_secret_enc.is_none(), "a GET wrote nothing");
    let csrf = w.send(get("/account/totp")).await.body;
    let csrf = csrf.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let post = |path: &str, body: String| {
        Request::post(path)
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(w.send(post("/account/totp/start", format!("csrf={csrf}"))).await.status, 303);
    let p = w.send(get("/account/totp")).await;
    let secret = p.body.split("data-testid=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(w.send(get("/account/totp")).await.body.contains(&secret), "the same secret again");
    let r = w.send(post("/account/totp", format!("csrf={csrf}&code={}", totp_now(&secret, 0)))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let fresh = r.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_ne!(fresh, session, "the session token rotates after the second factor");
    let old = w.send(get("/dashboard")).await;
    assert_eq!(old.status, 303, "the pre-enrolment token is worth nothing now");
    let dash = w.send(Request::get("/dashboard").header(header::COOKIE, &fresh).body(Body::empty()).unwrap()).await;
    assert_eq!(dash.status, 200);
}

contract_tests!(
    api_writes_need_a_bearer_token,
    password_resets_need_the_owner,
    password_reset_on_the_pages,
    totp_enrolment_starts_with_a_post,
    only_the_security_administrator_grants_sensitive_roles,
    logins_cannot_be_guessed,
    volunteers_and_security_over_the_api,
    organisation_edited_over_the_api,
    account_changes_over_the_api,
    login_me_and_logout,
    bad_input_gets_precise_errors,
    lockout_after_repeated_failures,
    second_factor_for_administrators,
    jurisdiction_and_denials_are_audited,
    phones_are_masked_and_reveals_audited,
    accounts_created_over_the_api,
    web_login_uses_csrf_and_strict_cookies,
);
