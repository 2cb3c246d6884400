//! Matters over HTTP: intake, the workflow and its random walks, the tier rules, the intake
//! form, duplicates, search, screening rounds and the configurable taxonomy, each on SQLite
//! and on PostgreSQL.

mod common;

use common::{assert_error_body, world};
use common::{consenting_parties, urlencode};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

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
    assert_eq!(bad.json()["error"]["fields"][3]["message"], "2–5000 characters", "English by default");
    // The same errors in the language the client asks for.
    let zh = w
        .send(
            axum::http::Request::post("/api/v1/matters")
                .header("content-type", "application/json")
                .header("accept-language", "en;q=0.5, zh-CN")
                .header("authorization", format!("Bearer {gw}"))
                .body(axum::body::Body::from(r#"{"kind":"gossip","narrative":"短","lat":37.105,"lon":111.705}"#))
                .unwrap(),
        )
        .await;
    assert_error_body(&zh, 422, "validation");
    let j = zh.json();
    assert_eq!(j["error"]["fields"][0]["field"], "kind", "field names stay as they are");
    assert_eq!(j["error"]["fields"][0]["message"], "请选择事件类型", "{j}");
    assert_eq!(j["error"]["fields"][1]["message"], "请填写 2–5000 个字", "{j}");
    assert_eq!(j["error"]["message"], "类型：请选择事件类型", "{j}");

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
    w.store.backdate_for_tests(code, eight_days).await.unwrap();
    assert_eq!(fengqiao_app::casework::apply_time_rules(&w.state).await.unwrap(), 1);
    let moved = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(moved["matter"]["tier"], "community");
    assert!(moved["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap().contains("7日"));
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
    assert!(r.body.contains("照片[2] evil.jpg"), "the bad file is named, on the Chinese page in Chinese");
    assert!(r.body.contains("只接受 JPEG、PNG、WebP 照片和 PDF 文件"), "{}", r.body);
    assert!(r.body.contains("楼上住户深夜拖动家具"), "what was typed is kept");
    assert_eq!(w.get("/api/v1/matters", Some(&gw)).await.json()["total"], before);
    // Outside the worker's grid (H2 is in XY-C02-G01): refused, nothing written.
    let mut other = base.to_vec();
    other[3] = ("household_code", "H2");
    assert_eq!(w.post_multipart("/matters/new", &gw, &other, &[]).await.status, 422, "H2 reads as unknown");
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
    assert_eq!(w.get(file["url"].as_str().unwrap(), Some(&w.token("gw2").await)).await.status, 404);
    let page = w.get(&format!("/matters/{code}"), Some(&gw)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<img src=") && page.body.contains("alt=\"现场.png\""), "the photo is shown");
    // The API attaches and serves files by the same use cases: the type by the content,
    // within reach only.
    let url = format!("/api/v1/matters/{code}/files?name=%E5%90%88%E5%90%8C.pdf");
    let pdf: &[u8] = b"%PDF-1.7 a contract";
    let r = w.post_body(&url, Some(&gw), "application/octet-stream", pdf).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = w.get(r.json()["url"].as_str().unwrap(), Some(&gw)).await;
    assert_eq!((got.status, got.raw.as_slice()), (200, pdf));
    assert_eq!(got.headers["content-type"], "application/pdf");
    assert_error_body(&w.post_body(&url, Some(&gw), "image/png", html).await, 422, "validation");
    assert_error_body(&w.post_body(&url, Some(&gw), "image/png", Vec::<u8>::new()).await, 422, "validation");
    let gw2 = w.token("gw2").await;
    assert_error_body(&w.post_body(&url, Some(&gw2), "application/pdf", pdf).await, 404, "not_found");
    assert_error_body(&w.post_body(&url, None, "application/pdf", pdf).await, 401, "unauthenticated");
    let f = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(f["files"].as_array().unwrap().len(), 2, "the refused files left nothing behind");
    assert_error_body(&w.get(&format!("/api/v1/matters/{code}/files/999999"), Some(&gw)).await, 404, "not_found");
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
    w.store.set_created_for_tests(&wages, fengqiao_store::now_ms() - 3 * day).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    w.store.set_created_for_tests(&noise, fengqiao_store::now_ms() - day).await.unwrap();
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
    // The list page searches too, and shows where the words were found: 欠薪 is in the
    // mediation record, not the narrative, and is marked there.
    let page = w.get(&format!("/matters?q={}", urlencode("欠薪")), Some(&gw)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&wages) && !page.body.contains(&noise));
    assert!(page.body.contains("包工头承诺月底前结清<mark>欠薪</mark>"), "{}", page.body);
    let r = w.get(&format!("/api/v1/matters?q={}", urlencode("欠薪")), Some(&gw)).await.json();
    let hits: Vec<&str> = r["items"][0]["matched"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["hit"] == true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(hits, ["欠薪"]);
    // Issue 10, item 7: a single character is found inside a word (楼上 → 楼), and a run of
    // characters jieba does not segment as a word (三个).
    assert_eq!(find(gw.clone(), &format!("q={}", urlencode("楼"))).await, [noise.as_str()]);
    assert_eq!(find(gw.clone(), &format!("q={}", urlencode("三个"))).await, [wages.as_str()]);
    // Words: the newest first unless the best match is asked for.
    let both = format!("q={}", urlencode("装修"));
    assert_eq!(find(gw.clone(), &both).await, [noise.as_str(), wages.as_str()], "newest first");
    let best = find(gw.clone(), &format!("{both}&sort=relevance")).await;
    assert_eq!(best.len(), 2);
    assert_error_body(&w.get("/api/v1/matters?q=x&sort=sideways", Some(&gw)).await, 422, "validation");
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
    let w = common::World { app: fengqiao_server::app(state.clone()), state, store: base.store.clone() };
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

/// Lists page by cursor, newest first: every matter once, in order, the jurisdiction kept;
/// a cursor not handed out is refused with its field named, and search goes only so deep.
async fn matters_lists_page_by_cursor(db: &TestDb) {
    let w = world(db).await;
    let (gw1, gw2) = (w.token("gw1").await, w.token("gw2").await);
    let mut mine = Vec::new();
    for i in 0..7 {
        let body = format!(r#"{{"kind":"hazard","narrative":"楼道堆放杂物第{i}处","lat":37.105,"lon":111.705}}"#);
        let r = w.post_json("/api/v1/matters", Some(&gw1), &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        mine.push(r.json()["code"].as_str().unwrap().to_string());
    }
    for i in 0..3 {
        let body = format!(r#"{{"kind":"hazard","narrative":"路灯不亮第{i}处","lat":37.105,"lon":111.715}}"#);
        assert_eq!(w.post_json("/api/v1/matters", Some(&gw2), &body).await.status, 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/matters?limit=3".to_string(),
            Some(c) => format!("/api/v1/matters?limit=3&cursor={c}"),
        };
        let page = w.get(&path, Some(&gw1)).await.json();
        assert_eq!(page["total"], 7, "{page}");
        assert_eq!(page["total_is_capped"], false);
        seen.extend(page["items"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(seen.len() <= 7, "no page repeats");
    }
    mine.reverse();
    assert_eq!(seen, mine, "every matter of the grid once, newest first");
    let all = w.get("/api/v1/matters?limit=500", Some(&w.token("commander").await)).await.json();
    assert_eq!(all["total"], 10);
    // A cursor that was never handed out, and a search deeper than the cap.
    let r = w.get("/api/v1/matters?cursor=1000000000000", Some(&gw1)).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "cursor");
    let r = w.get("/api/v1/matters?q=%E6%9D%82%E7%89%A9&cursor=s1000000000000", Some(&gw1)).await;
    assert_error_body(&r, 422, "validation");
    // The page shows a next link, and it works.
    let page = w.get("/matters", Some(&gw1)).await;
    assert!(page.body.contains("共 7 条"), "{}", page.body);
}

/// Issue 10, items 4 and 5: recording without GPS. One rule for where (a location, a
/// household code or an address), said once beside the place fields; a typed address is
/// kept and shown; a party may be described rather than named; a refused step reads in
/// Chinese.
async fn recording_without_gps(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let base = [
        ("kind", "dispute"),
        ("category", "neighbour"),
        ("narrative", "楼上住户深夜拖动家具噪音扰民"),
        ("source", "patrol"),
        ("respondent", "楼上301住户"),
    ];
    let r = w.post_multipart("/matters/new", &gw, &base, &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body.matches("定位、户码或地址，请任选其一填写").count(), 1, "{}", r.body);
    assert!(r.body.contains("id=\"err-location\""), "beside the place fields");
    assert!(!r.body.contains("err-lat") && !r.body.contains("err-lon") && !r.body.contains("必填"), "{}", r.body);
    // By the address alone: routed by it, the address kept and shown with the location.
    let mut by_address = base.to_vec();
    by_address.push(("address", "府前街1号幸福小区1号楼101室"));
    let r = w.post_multipart("/matters/new", &gw, &by_address, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let code = r.headers["location"].to_str().unwrap().trim_start_matches("/matters/").to_string();
    let f = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(f["matter"]["address"], "府前街1号幸福小区1号楼101室");
    assert_eq!(f["matter"]["grid"]["code"], "XY-C01-G01");
    assert_eq!(f["parties"][0]["name"], "楼上301住户", "a description with digits is a party's name");
    let page = w.get(&format!("/matters/{code}"), Some(&gw)).await.body;
    assert!(page.contains("data-testid=\"matter-address\">府前街1号幸福小区1号楼101室<"), "{page}");
    assert!(page.contains("data-testid=\"matter-location\""), "{page}");
    // The history names the source in Chinese, and the recorder by name.
    assert!(page.contains("来源：巡查发现") && page.contains("测试gw1"), "{page}");
    // A step the workflow does not allow now reads in Chinese, once.
    let r = w
        .post_body(
            &format!("/matters/{code}/events"),
            Some(&gw),
            "application/x-www-form-urlencoded",
            "event=reach_agreement",
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body.matches("事件当前为“已登记”，不能“达成调解协议”").count(), 1, "{}", r.body);
    assert!(!r.body.contains("ReachAgreement") && !r.body.contains("is not allowed"), "{}", r.body);
}

contract_tests!(
    recording_without_gps,
    matters_lists_page_by_cursor,
    matters_intake_and_workflow,
    tier_rules_move_disputes_up,
    intake_form_with_photos_and_parties,
    duplicates_are_proposed_and_merged,
    full_text_search_with_filters,
    screening_rounds_link_what_they_find,
    every_workflow_path_is_audited,
    the_category_taxonomy_is_configurable,
);
