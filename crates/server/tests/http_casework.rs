//! Casework over HTTP: mediation as the People's Mediation Law requires, and early warning
//! of disputes that may turn criminal, each on SQLite and on PostgreSQL.

mod common;

use common::{assert_error_body, world};
use common::{consenting_parties, new_dispute};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

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
    let due = w.store.judicial_confirmation_reminders(now, 7).await.unwrap();
    assert_eq!(due.iter().map(|d| d.matter_code.as_str()).collect::<Vec<_>>(), [code.as_str()]);
    assert!(w.store.judicial_confirmation_reminders(now, 7).await.unwrap().is_empty(), "reminded once");
    // The supervision page lists the closing window.
    let cmd = w.token("commander").await;
    let sv = w.get("/supervision", Some(&cmd)).await;
    assert_eq!(sv.status, 200, "{}", sv.body);
    let section =
        sv.body.split("data-testid=\"sv_confirmation_due\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(section.contains(&code), "{section}");
    // The same lists over the API.
    let j = w.get("/api/v1/supervision", Some(&cmd)).await.json();
    assert!(j["confirmation_due"].as_array().unwrap().iter().any(|d| d["matter"] == code.as_str()), "{j}");
    let gw2 = w.token("gw2").await;
    let j = w.get("/api/v1/supervision", Some(&gw2)).await.json();
    assert!(j["confirmation_due"].as_array().unwrap().is_empty(), "outside gw2's grid: {j}");
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
    // Issue 9, item 7: the printout shows numbers as the reader's role may see them; the one
    // for signing, with full numbers, needs the personal-data permission and a purpose, and
    // is audited with it.
    assert!(page.body.contains("139****0000") && !page.body.contains("13903580000"), "the mediator sees masks");
    let full = format!("/matters/{code}/agreement?purpose={}", common::urlencode("双方现场签字"));
    assert_eq!(w.get(&full, Some(&med)).await.status, 403, "a mediator has no personal-data permission");
    let cmd = w.token("commander").await;
    let masked = w.get(&format!("/matters/{code}/agreement"), Some(&cmd)).await;
    assert!(!masked.body.contains("13903580000"), "no purpose, no full numbers");
    assert_eq!(w.get(&format!("/matters/{code}/agreement?purpose=x"), Some(&cmd)).await.status, 422);
    let signed = w.get(&full, Some(&cmd)).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert!(signed.body.contains("13903580000") && signed.body.contains("data-testid=\"full-numbers\""));
    let reads = w
        .store
        .search_audit(&AuditFilter { action: Some("personal_data.read".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert!(reads.iter().any(|r| r.actor == "commander" && r.purpose == "双方现场签字"), "{reads:?}");
    assert_eq!(w.get(&format!("/matters/{code}/agreement.pdf?purpose=x"), Some(&cmd)).await.status, 422);
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
        dash.body.contains("data-testid=\"wb-alerts\"") && dash.body.contains(&code),
        "the alert is on the commander's dashboard"
    );
    let page = w.get("/warning", Some(&cmd)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let risky = w.get("/api/v1/risky-matters", Some(&cmd)).await.json();
    assert!(risky.as_array().unwrap().iter().any(|r| r["matter"] == code.as_str() && r["level"] == "red"), "{risky}");
    let gw2 = w.token("gw2").await;
    assert!(w.get("/api/v1/risky-matters", Some(&gw2)).await.json().as_array().unwrap().is_empty());
    let med = w.token("med1").await;
    assert_error_body(&w.get("/api/v1/risky-matters", Some(&med)).await, 403, "forbidden");
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
        .store
        .search_audit(&AuditFilter { object: Some(format!("matter:{code}")), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert!(audited.iter().any(|a| a.action == "matter.risk.alert"));
    // The alert waits in the outbox for delivery (DingTalk/WeCom), written with the matter.
    let outbox = w.store.pending_outbox(100).await.unwrap();
    assert!(outbox.iter().any(|o| o.topic == "matter.escalation_alert" && o.object_id == code), "{outbox:?}");
    assert!(outbox.iter().filter(|o| o.topic == "matter.created").count() >= 4);
}

/// Issue 9, item 6: adding a party by ID number does not probe another grid's registry or
/// matters. gw1's resident 张世川 (care: elderly living alone) is a party of a dispute in
/// gw1's grid; gw2 adds him as a party of a dispute in gw2's grid: not linked to the
/// registry, not marked vulnerable by his care category, and his other matter is counted,
/// not shown. The commander, who sees both grids, gets the link and the history.
async fn parties_do_not_probe_other_grids(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw1 = w.token("gw1").await;
    let first = new_dispute(&w, &gw1, "neighbour", "楼道堆物引发口角，双方互不相让").await;
    let party = r#"{"role":"applicant","name":"张世川","id_number":"141181198211110173"}"#;
    let r = w.post_json(&format!("/api/v1/matters/{first}/parties"), Some(&gw1), party).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gw2 = w.token("gw2").await;
    let body = r#"{"kind":"dispute","category":"neighbour","narrative":"借款不还发生争执","lat":37.105,"lon":111.715}"#;
    let r = w.post_json("/api/v1/matters", Some(&gw2), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    let f = w.post_json(&format!("/api/v1/matters/{code}/parties"), Some(&gw2), party).await.json();
    let p = &f["parties"][0];
    assert_eq!((p["resident"].as_bool(), p["vulnerable"].as_bool()), (Some(false), Some(false)), "{f}");
    assert_eq!(p["id_number"], "**************0173", "a grid worker sees the last 4 only");
    assert!(f["party_history"].as_array().unwrap().is_empty(), "{f}");
    assert_eq!(f["party_history_elsewhere"], 1);
    let page = w.get(&format!("/matters/{code}"), Some(&gw2)).await;
    assert!(page.body.contains("另有 1 件涉及同一当事人的事项在您的辖区外"), "{}", page.body);
    assert!(!page.body.contains(&first), "the other matter's code is not shown");
    let cmd = w.token("commander").await;
    let f = w.get(&format!("/api/v1/matters/{code}"), Some(&cmd)).await.json();
    assert_eq!(f["party_history"][0]["code"], first.as_str());
    assert_eq!(f["party_history_elsewhere"], 0);
    let r = w.post_json(&format!("/api/v1/matters/{code}/parties"), Some(&cmd), party).await.json();
    let linked = r["parties"].as_array().unwrap().iter().filter(|p| p["resident"] == true).count();
    assert_eq!(linked, 1, "the commander's reach covers the resident: {r}");
}

/// Issue 10, item 10: supervision shows how many days each item is overdue, and those who
/// supervise (not the grid worker handling it, not anyone outside) urge the handler; the
/// reminder is on the matter's timeline and counted on the list.
async fn supervision_urges_the_handler(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let co = w.token("co01").await;
    let code = new_dispute(&w, &gw, "neighbour", "楼上住户深夜拖动家具，楼下老人无法休息").await;
    let day = 86_400_000;
    let now = fengqiao_store::now_ms();
    w.store.set_deadlines_for_tests(&code, now - 3 * day - 3_600_000, now - 2 * day - 3_600_000).await.unwrap();
    let page = w.get("/supervision", Some(&co)).await.body;
    assert!(page.contains("超期 3 天") && page.contains("超期 2 天"), "{page}");
    assert!(page.contains(&format!("urge-{code}")), "the community officer may urge");
    assert!(!w.get("/supervision", Some(&gw)).await.body.contains("urge-"), "the grid worker is not offered it");
    // Who may urge: the community officer and the commander; not the handling grid worker
    // (403), not another grid's (404: the matter is not theirs to see).
    let urge = |token: String, note: &'static str| {
        let w = &w;
        let code = code.clone();
        async move { w.post_json(&format!("/api/v1/matters/{code}/urge"), Some(&token), note).await }
    };
    assert_error_body(&urge(gw.clone(), "{}").await, 403, "forbidden");
    assert_eq!(urge(w.token("gw2").await, "{}").await.status, 404);
    assert_error_body(&urge(co.clone(), r#"{"note":"x"}"#).await, 422, "validation");
    let r = urge(co.clone(), r#"{"note":"老人反映仍未解决，请今天上门"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let last = r.json()["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["event"].as_str(), last["note"].as_str()), (Some("urge"), Some("老人反映仍未解决，请今天上门")));
    assert_eq!(last["from_status"], last["to_status"], "urging changes no status");
    assert_eq!(urge(w.token("commander").await, "{}").await.status, 200);
    let page = w.get("/supervision", Some(&co)).await.body;
    assert!(page.contains("已催办 2 次"), "{page}");
    // The notice echoes only a matter code, never text from a crafted link.
    let crafted = w.get("/supervision?urged=%E9%A2%86%E5%AF%BC%E5%B7%B2%E6%89%B9%E7%A4%BA", Some(&co)).await.body;
    assert!(!crafted.contains("领导已批示") && !crafted.contains("data-testid=\"notice\""), "{crafted}");
    let echoed = w.get(&format!("/supervision?urged={code}"), Some(&co)).await.body;
    assert!(echoed.contains("data-testid=\"notice\""), "{echoed}");
    let m = w.get(&format!("/matters/{code}"), Some(&gw)).await.body;
    assert!(m.contains("催办") && m.contains("请尽快办理"), "on the handler's timeline: {m}");
    // A closed matter is not urged.
    let closed = w
        .post_json(&format!("/api/v1/matters/{code}/events"), Some(&gw), r#"{"event":"withdraw","note":"当事人撤回"}"#)
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_error_body(&urge(co.clone(), "{}").await, 409, "conflict");
}

/// Issue 10, item 5: a refused form on the matter page keeps what was typed and says each
/// error once, beside its field, in the form that was sent (not in the other forms, not as
/// a list of field codes above the page); a term's error names the row as it was sent.
async fn matter_page_forms_keep_what_was_typed(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let code = new_dispute(&w, &gw, "neighbour", "两户因楼道堆放杂物多次争吵").await;
    let api = format!("/api/v1/matters/{code}");
    w.post_json(&format!("{api}/events"), Some(&gw), r#"{"event":"accept"}"#).await;
    let form = |path: &'static str, body: String| {
        let (w, gw, code) = (&w, gw.clone(), code.clone());
        async move {
            w.post_body(&format!("/matters/{code}{path}"), Some(&gw), "application/x-www-form-urlencoded", body).await
        }
    };
    let enc = common::urlencode;
    // A party with a bad ID number: the name and phone typed are kept, the error sits
    // under the ID field (described by it), said once, and no other field is marked.
    let r = form("/parties", format!("role=respondent&name={}&id_number=123&phone=13903580001", enc("李明"))).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let id_field = r.body.find("id=\"p_id\"").expect("the ID field");
    let said = r.body.find("id=\"err-id_number\"").expect("the error beside the ID field");
    assert!(said > id_field && said < r.body.find("id=\"p_phone\"").unwrap(), "{}", r.body);
    assert!(r.body.contains("aria-describedby=\"err-id_number\""), "{}", r.body);
    assert!(r.body.contains("value=\"李明\"") && r.body.contains("value=\"13903580001\""), "kept: {}", r.body);
    assert!(r.body.contains("<option value=\"respondent\" selected>"), "the role chosen is kept");
    assert_eq!(r.body.matches("field-error").count(), 1, "{}", r.body);
    assert!(r.body.contains("有几项需要修改"), "the page says where to look: {}", r.body);
    assert!(!r.body.contains("id_number：") && !r.body.contains("id_number:"), "{}", r.body);
    // Mediation: a long record is not lost when the place is left out.
    common::consenting_parties(&w, &gw, &code).await;
    w.post_json(&format!("{api}/events"), Some(&gw), r#"{"event":"start_mediation"}"#).await;
    let record = "双方到场，申请人陈述楼道杂物影响通行，被申请人同意本周内清理。";
    let r = form(
        "/sessions",
        format!("held_at=2026-01-05T09:30&place=&participants={}&record={}", enc("双方"), enc(record)),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains(&format!(">{record}</textarea>")), "the record typed is kept: {}", r.body);
    assert!(r.body.contains("value=\"2026-01-05T09:30\""), "{}", r.body);
    assert!(r.body.contains("id=\"err-place\"") && !r.body.contains("id=\"err-record\""), "{}", r.body);
    assert!(!r.body.contains("id=\"err-goal\""), "the plan form is not marked");
    // The plan: an error on the third step's date, beside the third step; the steps kept.
    let r = form(
        "/plan",
        format!(
            "goal={}&step_description={}&step_due=2030-01-10&step_description=&step_due=&step_description={}&step_due=soon",
            enc("清理杂物，和好如初"),
            enc("上门查看"),
            enc("回访双方")
        ),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let third = r.body.find("id=\"step_due2\"").expect("the third step's date");
    let said = r.body.find("id=\"err-steps-3-due_date\"").expect("the error of step 3");
    assert!(said > third, "{}", r.body);
    assert!(r.body.contains("value=\"回访双方\"") && r.body.contains("value=\"清理杂物，和好如初\""), "{}", r.body);
    // The agreement: rows 1 and 3 filled, row 3 without its manner — the error is row 3's.
    let term = |obligor: &str, content: &str, manner: &str| {
        format!(
            "&term_obligor={}&term_content={}&term_manner={}&term_due=2030-02-01",
            enc(obligor),
            enc(content),
            enc(manner)
        )
    };
    let body = format!(
        "facts={}&points={}&responsibilities={}{}{}{}",
        enc("楼道堆放杂物引发争吵"),
        enc("杂物是否应当清理"),
        enc("被申请人负责清理杂物"),
        term("赵立新", "清理楼道杂物", "自行清理"),
        term("", "", ""),
        term("赵立新", "向申请人道歉", "")
    );
    let r = form("/agreement", body).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"err-terms-3-manner\""), "{}", r.body);
    assert!(!r.body.contains("err-terms-2"), "{}", r.body);
    assert!(r.body.contains("value=\"向申请人道歉\""), "{}", r.body);
    // The API names the same row.
    let j = w
        .put_json(
            &format!("{api}/agreement"),
            Some(&gw),
            r#"{"facts":"楼道堆放杂物引发争吵","points":"杂物是否应当清理","responsibilities":"被申请人负责清理杂物","terms":[{"obligor":"赵立新","content":"清理楼道杂物","manner":"自行清理","due_date":"2030-02-01"},{"obligor":"","content":"","manner":"","due_date":""},{"obligor":"赵立新","content":"向申请人道歉","manner":"","due_date":"2030-02-01"}]}"#,
        )
        .await;
    assert_error_body(&j, 422, "validation");
    assert_eq!(j.json()["error"]["fields"][0]["field"], "terms[3].manner", "{}", j.body);
    // A step refused for a missing precondition: said beside the routes it needs.
    let r = form("/events", "event=fail_mediation".into()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let routes = r.body.find("name=\"route_court\"").expect("the routes told");
    assert!(r.body[routes..].contains("id=\"err-routes\""), "{}", r.body);
    // A stale form (the matter has moved on) gets the real reason, not its input checked.
    w.post_json(&format!("{api}/events"), Some(&gw), r#"{"event":"withdraw","note":"当事人撤回"}"#).await;
    let r = form("/sessions", "held_at=&place=&participants=&record=".into()).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(!r.body.contains("field-error"), "{}", r.body);
}

contract_tests!(
    matter_page_forms_keep_what_was_typed,
    supervision_urges_the_handler,
    mediation_as_the_law_requires,
    early_warning_of_escalation,
    parties_do_not_probe_other_grids,
);
