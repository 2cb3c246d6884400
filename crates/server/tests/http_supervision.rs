//! Issue 11, item 5: the supervision desk (督查) over the API — supervision slips in three
//! colours about a matter, an instruction or a unit (issued → answered → closed, or sent
//! back), and the weekly quality spot check: a random sample of last week's closed matters,
//! reviewed one by one, the findings sent back to whoever closed the matter. Time moves by
//! the app's clock, never by sleeping. On SQLite and on PostgreSQL.

mod common;

use common::{World, assert_error_body, world};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn issue(w: &World, token: &str, body: Value) -> common::Resp {
    w.post_json("/api/v1/supervision-slips", Some(token), &body.to_string()).await
}

async fn step(w: &World, token: &str, code: &str, event: &str, note: &str) -> common::Resp {
    let body = json!({ "event": event, "note": note }).to_string();
    w.post_json(&format!("/api/v1/supervision-slips/{code}/steps"), Some(token), &body).await
}

/// A hazard in grid G01 recorded by gw1; its code.
async fn hazard(w: &World, gw: &str, narrative: &str) -> String {
    let body = json!({"kind": "hazard", "narrative": narrative, "lat": 37.105, "lon": 111.705}).to_string();
    let r = w.post_json("/api/v1/matters", Some(gw), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

async fn close_hazard(w: &World, gw: &str, code: &str) {
    for ev in ["accept", "start_work", "resolve"] {
        let r =
            w.post_json(&format!("/api/v1/matters/{code}/events"), Some(gw), &json!({"event": ev}).to_string()).await;
        assert_eq!(r.status, 200, "{ev}: {}", r.body);
    }
}

async fn add_user(w: &World, username: &str, unit: &str, role: fengqiao_domain::role::Role) -> i64 {
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "setup");
    let unit = w.store.unit_by_code(unit).await.unwrap();
    let nu = fengqiao_store::users::NewUser {
        username: username.into(),
        display_name: format!("测试{username}"),
        unit_id: unit.id,
        title: None,
        officer_rank: None,
        mediator_kind: None,
        roles: vec![role],
        phone: None,
        password_hash: Some(common::password_hash().into()),
    };
    w.store.create_user(&ctx, &nu).await.unwrap().0
}

async fn workbench_codes(w: &World, token: &str, section: &str) -> Vec<String> {
    let wb = w.get("/api/v1/workbench", Some(token)).await.json();
    wb["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["code"] == section)
        .flat_map(|s| s["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_string()))
        .collect()
}

async fn a_slip_is_answered_sent_back_and_closed(db: &TestDb) {
    let w = world(db).await;
    let (cmd, gw1, gw2) = (w.token("commander").await, w.token("gw1").await, w.token("gw2").await);
    let m = hazard(&w, &gw1, "楼道堆放易燃杂物").await;

    // Every bad field at once, by name; nothing written.
    let r = issue(&w, &cmd, json!({"subject": "x", "about": "", "reason": "", "colour": "purple"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["subject", "about", "reason", "colour"] {
        assert!(r.body.contains(&format!("\"{field}\"")), "{field} in {}", r.body);
    }
    let r = issue(&w, &cmd, json!({"subject": "matter", "about": "SJ-NOPE", "reason": "请说明"})).await;
    assert_eq!(r.status, 422, "an unknown matter: {}", r.body);
    // Only the desk issues slips.
    assert_error_body(
        &issue(&w, &gw1, json!({"subject": "matter", "about": m, "reason": "请说明"})).await,
        403,
        "forbidden",
    );
    assert_eq!(w.get("/api/v1/supervision-slips?scope=all", Some(&cmd)).await.json()["total"], 0);

    // Not late yet: blue, three days to answer, to the matter's handling unit (its grid).
    let r = issue(&w, &cmd, json!({"subject": "matter", "about": m, "reason": "临近期限，请抓紧办理。"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let s = r.json();
    let code = s["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("DB"), "{code}");
    assert_eq!((s["colour"].as_str(), s["status"].as_str()), (Some("blue"), Some("issued")));
    assert_eq!(s["addressee_unit"], "XY-C01-G01");
    let issued = chrono::DateTime::parse_from_rfc3339(s["issued_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(s["answer_due_at"].as_str().unwrap()).unwrap();
    assert_eq!((due - issued).num_hours(), 72, "a blue slip is answered within three days");
    // One open slip per matter.
    let again = issue(&w, &cmd, json!({"subject": "matter", "about": m, "reason": "再次督办"})).await;
    assert_error_body(&again, 409, "conflict");

    // The addressee (gw1, of the grid) sees it on the workbench; another grid's worker does not
    // see it at all.
    assert_eq!(workbench_codes(&w, &gw1, "slips_to_answer").await, vec![code.to_string()]);
    let mine = w.get("/api/v1/supervision-slips", Some(&gw1)).await.json();
    assert_eq!(mine["total"], 1);
    assert_eq!(w.get(&format!("/api/v1/supervision-slips/{code}"), Some(&gw2)).await.status, 404);
    assert_eq!(step(&w, &gw2, &code, "answer", "已处理").await.status, 404);
    assert_eq!(w.get("/api/v1/supervision-slips", Some(&gw2)).await.json()["total"], 0);
    assert_error_body(&w.get("/api/v1/supervision-slips?scope=all", Some(&gw1)).await, 403, "forbidden");

    // A desk of another community neither sees the slip nor supervises this grid.
    use fengqiao_domain::role::Role;
    add_user(&w, "deskc2", "XY-C02", Role::DeskOfficer).await;
    let c2 = w.token("deskc2").await;
    assert_eq!(w.get(&format!("/api/v1/supervision-slips/{code}"), Some(&c2)).await.status, 404);
    assert_eq!(step(&w, &c2, &code, "withdraw", "越权撤销").await.status, 404);
    assert_eq!(w.get("/api/v1/supervision-slips?scope=all", Some(&c2)).await.json()["total"], 0);
    let r = issue(&w, &c2, json!({"subject": "unit", "about": "XY-C01", "reason": "越权督办"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = issue(&w, &c2, json!({"subject": "matter", "about": m, "reason": "越权督办"})).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The desk does not answer for the addressee, and the refusal is audited; the addressee
    // cannot close.
    assert_error_body(&step(&w, &cmd, &code, "answer", "代为回复").await, 403, "forbidden");
    let denied = w
        .store
        .search_audit(&AuditFilter {
            actor: Some("commander".into()),
            object: Some(format!("supervision_slip:{code}")),
            result: Some("denied".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(denied.len(), 1, "the refused answer is audited: {denied:?}");
    assert_error_body(&step(&w, &gw1, &code, "close", "").await, 403, "forbidden");
    assert_error_body(&step(&w, &cmd, &code, "close", "").await, 409, "conflict");
    // An answer says what was done.
    assert_eq!(step(&w, &gw1, &code, "answer", "").await.status, 422);
    assert_eq!(step(&w, &gw1, &code, "teleport", "x").await.status, 422);
    let r = step(&w, &gw1, &code, "answer", "已清理楼道杂物，张贴提示。").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["status"].as_str(), r.json()["may"].as_array().unwrap().len()), (Some("answered"), 0));
    assert!(workbench_codes(&w, &gw1, "slips_to_answer").await.is_empty(), "answered: off the workbench");
    // Sent back with a reason, answered again, closed.
    assert_eq!(step(&w, &cmd, &code, "reject", "").await.status, 422);
    w.state.app.clock.advance(80 * HOUR);
    let r = step(&w, &cmd, &code, "reject", "未附整改照片，请补充。").await;
    assert_eq!((r.json()["status"].as_str(), r.json()["sent_back"].as_i64()), (Some("issued"), Some(1)));
    assert_eq!(r.json()["overdue"], false, "sent back, the answer has its three days again");
    assert_eq!(step(&w, &gw1, &code, "answer", "已补充整改前后照片。").await.status, 200);
    let r = step(&w, &cmd, &code, "close", "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = r.json();
    assert_eq!(s["status"], "closed");
    assert_eq!(s["answer"], "已补充整改前后照片。");
    let events: Vec<&str> = s["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["issue", "answer", "reject", "answer", "close"]);
    assert_error_body(&step(&w, &gw1, &code, "answer", "再答").await, 409, "conflict");
    // The matter's page lists its slips.
    let page = w.get(&format!("/matters/{m}"), Some(&gw1)).await;
    assert!(page.body.contains(&code), "the slip is on the matter's page");

    // Closed, the matter may be supervised again; time passes and the deadline is missed.
    let r = issue(&w, &cmd, json!({"subject": "matter", "about": m, "reason": "再次督办", "colour": "red"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(r.json()["overdue"], false);
    w.state.app.clock.advance(25 * HOUR);
    let s = w.get(&format!("/api/v1/supervision-slips/{second}"), Some(&cmd)).await.json();
    assert_eq!((s["colour"].as_str(), s["overdue"].as_bool()), (Some("red"), Some(true)), "red: a day to answer");

    // Colour by lateness: a matter three days past its deadline and not yet supervised is red.
    let late = hazard(&w, &gw1, "井盖缺失").await;
    w.state.app.clock.advance(10 * DAY);
    let r = issue(&w, &cmd, json!({"subject": "matter", "about": late, "reason": "超期未办结。"})).await;
    assert_eq!(r.json()["colour"], "red", "{}", r.body);

    // A slip about an instruction goes to its recipient person; about a unit, to the unit.
    let report_due = chrono::DateTime::from_timestamp_millis(w.state.app.clock.now() + DAY)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let i = w
        .post_json(
            "/api/v1/instructions",
            Some(&cmd),
            &json!({"title": "上门核查", "body": "核查楼道堆物。", "to_user": "gw1", "report_due": report_due})
                .to_string(),
        )
        .await;
    let ins = i.json()["code"].as_str().unwrap().to_string();
    let r = issue(&w, &cmd, json!({"subject": "instruction", "about": ins, "reason": "尚未签收。"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["addressee_user"], "gw1");
    let r = issue(&w, &cmd, json!({"subject": "unit", "about": "XY-C02", "reason": "本周隐患排查台账未上报。"})).await;
    assert_eq!((r.status, r.json()["addressee_unit"].as_str()), (201, Some("XY-C02")));
    let unit_slip = r.json()["code"].as_str().unwrap().to_string();
    // gw2 is not the community's own: the unit as a whole means its members, not the grids below.
    assert_eq!(w.get(&format!("/api/v1/supervision-slips/{unit_slip}"), Some(&gw2)).await.status, 404);
    // A slip nobody can answer is withdrawn by the desk, with a reason.
    assert_eq!(step(&w, &cmd, &unit_slip, "withdraw", "").await.status, 422);
    let r = step(&w, &cmd, &unit_slip, "withdraw", "该社区已并入其他社区。").await;
    assert_eq!(r.json()["status"], "closed", "{}", r.body);
    // Nobody closes their own answer: the commander answers a slip to the station (their own
    // unit); another desk officer of the station closes it.
    add_user(&w, "desk0", "XY", Role::DeskOfficer).await;
    let desk0 = w.token("desk0").await;
    let r = issue(&w, &desk0, json!({"subject": "unit", "about": "XY", "reason": "值班记录不全。"})).await;
    let own = r.json()["code"].as_str().unwrap().to_string();
    assert_eq!(step(&w, &cmd, &own, "answer", "已补全值班记录。").await.status, 200);
    assert_error_body(&step(&w, &cmd, &own, "close", "").await, 403, "forbidden");
    assert_eq!(step(&w, &desk0, &own, "close", "").await.json()["status"], "closed");
    // The three administrators of the station are not addressed with it.
    assert!(w.get("/api/v1/supervision-slips", Some(&w.sysadmin_token().await)).await.json()["total"] == 0);

    // Every slip issued went to the outbox, for the groups' robots.
    let topics: Vec<String> = w.store.outbox_after(0, 10_000).await.unwrap().into_iter().map(|e| e.topic).collect();
    assert_eq!(topics.iter().filter(|t| *t == "supervision.slip_issued").count(), 6);
}

async fn a_week_of_closed_matters_is_sampled_and_reviewed(db: &TestDb) {
    let w = world(db).await;
    let (cmd, gw1, gw2) = (w.token("commander").await, w.token("gw1").await, w.token("gw2").await);
    let mut closed = vec![];
    for k in 0..12 {
        let code = hazard(&w, &gw1, &format!("第{k}处楼道堆物")).await;
        close_hazard(&w, &gw1, &code).await;
        closed.push(code);
    }
    let open = hazard(&w, &gw1, "仍在办理的隐患").await;
    // A week later, the Monday job draws last week's sample: a tenth, at least five.
    let clock = &w.state.app.clock;
    clock.advance(7 * DAY);
    assert_eq!(fengqiao_app::supervision::draw_weekly(&w.state.app, clock.now()).await.unwrap(), 1);
    assert_eq!(fengqiao_app::supervision::draw_weekly(&w.state.app, clock.now()).await.unwrap(), 0, "once a week");
    assert_error_body(&w.post_json("/api/v1/spot-checks", Some(&cmd), "").await, 409, "conflict");
    let checks = w.get("/api/v1/spot-checks", Some(&cmd)).await.json();
    assert_eq!(checks.as_array().unwrap().len(), 1, "{checks}");
    assert_eq!((checks[0]["population"].as_i64(), checks[0]["items"].as_i64()), (Some(12), Some(5)));
    let id = checks[0]["id"].as_i64().unwrap();
    let check = w.get(&format!("/api/v1/spot-checks/{id}"), Some(&cmd)).await.json();
    let items = check["matters"].as_array().unwrap();
    let drawn: std::collections::BTreeSet<&str> = items.iter().map(|i| i["matter"].as_str().unwrap()).collect();
    assert_eq!(drawn.len(), 5, "no matter drawn twice");
    assert!(drawn.iter().all(|c| closed.iter().any(|x| x == c)), "only closed matters: {drawn:?}");
    assert!(!drawn.contains(open.as_str()));
    assert!(items.iter().all(|i| i["addressee_user"] == "gw1" && i["verdict"] == "pending"), "{items:?}");
    let (first, second) = (items[0]["id"].as_i64().unwrap(), items[1]["id"].as_i64().unwrap());

    // A desk of another community sees no check of the station's, nor its matters.
    use fengqiao_domain::role::Role;
    add_user(&w, "deskc2", "XY-C02", Role::DeskOfficer).await;
    let c2 = w.token("deskc2").await;
    assert_eq!(w.get("/api/v1/spot-checks", Some(&c2)).await.json(), json!([]));
    assert_eq!(w.get(&format!("/api/v1/spot-checks/{id}"), Some(&c2)).await.status, 404);
    let r = w.post_json(&format!("/api/v1/spot-check-items/{first}/review"), Some(&c2), r#"{"verdict":"sound"}"#).await;
    assert_eq!(r.status, 404);
    // Grid workers neither list checks nor see pending items.
    assert_error_body(&w.get("/api/v1/spot-checks", Some(&gw1)).await, 403, "forbidden");
    assert_eq!(w.get(&format!("/api/v1/spot-checks/{id}"), Some(&gw1)).await.status, 404);
    assert_eq!(w.get(&format!("/api/v1/spot-check-items/{first}"), Some(&gw1)).await.status, 404);

    // A review names what is wrong; every bad field at once.
    let review = |item: i64, body: Value| {
        let w = &w;
        let cmd = cmd.clone();
        async move { w.post_json(&format!("/api/v1/spot-check-items/{item}/review"), Some(&cmd), &body.to_string()).await }
    };
    let r = review(first, json!({"verdict": "flawed", "flaws": ["bogus"]})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("\"flaws\"") && r.body.contains("\"findings\""), "{}", r.body);
    assert_eq!(review(first, json!({"verdict": "maybe"})).await.status, 422);
    assert_eq!(review(first, json!({"verdict": "sound", "flaws": ["late"]})).await.status, 422);
    assert_error_body(
        &w.post_json(&format!("/api/v1/spot-check-items/{first}/review"), Some(&gw1), r#"{"verdict":"sound"}"#).await,
        404,
        "not_found",
    );
    // Flawed (a flaw may be named in Chinese too); reviewed once.
    let r = review(
        first,
        json!({"verdict": "flawed", "flaws": ["no_follow_up", "文书记录不全"], "findings": "办结后未回访。"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["flaws"], json!(["no_follow_up", "incomplete_record"]));
    assert_error_body(&review(first, json!({"verdict": "sound"})).await, 409, "conflict");
    assert_eq!(review(second, json!({"verdict": "sound"})).await.status, 200);

    // The findings go back to whoever closed the matter: the workbench, the item's page, the
    // outbox for the group.
    assert_eq!(workbench_codes(&w, &gw1, "findings_to_reply").await, [first.to_string()]);
    assert_eq!(w.get(&format!("/api/v1/spot-check-items/{first}"), Some(&gw1)).await.status, 200);
    assert_eq!(w.get(&format!("/api/v1/spot-check-items/{second}"), Some(&gw1)).await.status, 404, "sound: the desk's");
    assert_eq!(w.get(&format!("/api/v1/spot-check-items/{first}"), Some(&gw2)).await.status, 404);
    let findings = w.store.outbox_after(0, 10_000).await.unwrap();
    assert_eq!(findings.iter().filter(|e| e.topic == "supervision.finding").count(), 1);
    // Only gw1 replies, with words, once.
    let reply = |token: String, text: &'static str| {
        let w = &w;
        async move {
            let body = json!({ "reply": text }).to_string();
            w.post_json(&format!("/api/v1/spot-check-items/{first}/reply"), Some(&token), &body).await
        }
    };
    assert_eq!(reply(gw2.clone(), "不是我").await.status, 404);
    assert_error_body(&reply(cmd.clone(), "代为回复").await, 403, "forbidden");
    assert_eq!(reply(gw1.clone(), "").await.status, 422);
    let r = reply(gw1.clone(), "已补做回访并补录回访记录。").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["replied_at"].is_string());
    assert_error_body(&reply(gw1.clone(), "再次回复").await, 409, "conflict");
    assert!(workbench_codes(&w, &gw1, "findings_to_reply").await.is_empty());
    let c = w.get(&format!("/api/v1/spot-checks/{id}"), Some(&cmd)).await.json();
    assert_eq!((c["reviewed"].as_i64(), c["flawed"].as_i64(), c["replied"].as_i64()), (Some(2), Some(1), Some(1)));

    // Nobody reviews a matter they closed themselves (a check of a long-gone week, drawn here
    // with a matter desk0 closed).
    let desk0 = add_user(&w, "desk0", "XY", Role::DeskOfficer).await;
    let station = w.store.unit_by_code("XY").await.unwrap();
    let g01 = w.store.unit_by_code("XY-C01-G01").await.unwrap();
    let matter = w.store.matter_by_code(&closed[0]).await.unwrap();
    let drawn = fengqiao_store::supervision::ClosedMatter {
        id: matter.id,
        path: g01.path.0.clone(),
        handler_unit_id: g01.id.0,
        closer_id: Some(desk0),
    };
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "setup");
    let old =
        w.store.insert_spot_check(&ctx, (station.id.0, &station.path.0), 0, 1, &[drawn], 1).await.unwrap().unwrap();
    let own = w.store.spot_items(old).await.unwrap()[0].id;
    let body = r#"{"verdict":"sound"}"#;
    let r = w.post_json(&format!("/api/v1/spot-check-items/{own}/review"), Some(&w.token("desk0").await), body).await;
    assert_error_body(&r, 403, "forbidden");
    assert_eq!(review(own, json!({"verdict": "sound"})).await.status, 200, "another reviews it");

    // The next week nothing was closed: the check is drawn, empty.
    clock.advance(7 * DAY);
    let r = w.post_json("/api/v1/spot-checks", Some(&cmd), "").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!((r.json()["population"].as_i64(), r.json()["matters"].as_array().unwrap().len()), (Some(0), 0));
}

contract_tests!(a_slip_is_answered_sent_back_and_closed, a_week_of_closed_matters_is_sampled_and_reviewed);
