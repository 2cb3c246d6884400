//! Issue 11, item 3: two-way instructions (指令) over the API — issued to a person or a unit,
//! delivered when the recipient opens them, acknowledged, reported on, closed; coloured blue,
//! orange and red as deadlines near and pass, and escalated once to the recipient unit's
//! leaders when overdue. Time moves by the app's clock, never by sleeping. On SQLite and on
//! PostgreSQL.

mod common;

use common::{World, assert_error_body, new_dispute, world};
use fengqiao_domain::role::Role;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

const MIN: i64 = 60_000;

/// A local (Beijing) time `ms` from the app's now, as a form or the API writes it.
fn local_in(w: &World, ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(w.state.app.clock.now() + ms).unwrap();
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%dT%H:%M").to_string()
}

async fn issue(w: &World, token: &str, body: Value) -> common::Resp {
    w.post_json("/api/v1/instructions", Some(token), &body.to_string()).await
}

async fn step(w: &World, token: &str, code: &str, event: &str, note: &str) -> common::Resp {
    let body = json!({ "event": event, "note": note }).to_string();
    w.post_json(&format!("/api/v1/instructions/{code}/steps"), Some(token), &body).await
}

async fn instruction(w: &World, token: &str, code: &str) -> Value {
    let r = w.get(&format!("/api/v1/instructions/{code}"), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

async fn add_user(w: &World, username: &str, unit: &str, role: Role) {
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
    w.store.create_user(&ctx, &nu).await.unwrap();
}

async fn an_instruction_goes_round_its_loop(db: &TestDb) {
    let w = world(db).await;
    let (cmd, gw1, gw2, co) =
        (w.token("commander").await, w.token("gw1").await, w.token("gw2").await, w.token("co01").await);
    let m = new_dispute(&w, &gw1, "neighbour", "楼上装修噪音扰民，双方多次争吵").await;
    // Acknowledge within 30 minutes, report within four hours.
    let r = issue(
        &w,
        &cmd,
        json!({"title": "上门核查噪音纠纷", "body": "今日内上门了解双方诉求，防止矛盾激化。", "matter": m,
               "to_user": "gw1", "ack_within_minutes": 30, "report_due": local_in(&w, 240 * MIN)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("ZL"), "{code}");
    assert_eq!(r.json()["status"], "sent");
    assert_eq!(r.json()["colour"], "none");
    assert_eq!(r.json()["matter"], m.as_str());
    assert_eq!(r.json()["may"], json!([]), "the issuer has nothing to do until a report comes");

    // Nobody outside sees it; the community's officer does, without delivering it.
    assert_error_body(&w.get(&format!("/api/v1/instructions/{code}"), Some(&gw2)).await, 404, "not_found");
    assert_eq!(instruction(&w, &co, &code).await["status"], "sent");
    let all = w.get("/api/v1/instructions?scope=all", Some(&gw2)).await;
    assert_eq!(all.status, 403, "a grid worker does not oversee instructions: {}", all.body);
    let theirs = w.get("/api/v1/instructions", Some(&gw2)).await.json();
    assert_eq!(theirs["total"], 0, "{theirs}");

    // The recipient opens it: delivered. Their inbox holds it.
    let seen = instruction(&w, &gw1, &code).await;
    assert_eq!(seen["status"], "delivered");
    assert_eq!(seen["may"], json!(["acknowledge", "return"]));
    let inbox = w.get("/api/v1/instructions?scope=mine&open=true", Some(&gw1)).await.json();
    assert_eq!(inbox["items"][0]["code"], code.as_str(), "{inbox}");

    // Only the recipient acknowledges; a report comes after the acknowledgement.
    assert_error_body(&step(&w, &cmd, &code, "acknowledge", "").await, 403, "forbidden");
    assert_error_body(&step(&w, &gw2, &code, "acknowledge", "").await, 404, "not_found");
    assert_error_body(&step(&w, &gw1, &code, "report", "已上门").await, 409, "conflict");
    let r = step(&w, &gw1, &code, "acknowledge", "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "acknowledged");
    assert!(r.json()["acknowledged_at"].is_string());

    // Time passes (the app's clock): blue in the last quarter before the report deadline,
    // red once it is passed — and then escalated to the community officer once.
    let clock = &w.state.app.clock;
    // The report window is 4 h − 30 min; its last quarter (52½ minutes) is blue.
    clock.advance(180 * MIN);
    assert_eq!(instruction(&w, &cmd, &code).await["colour"], "none");
    clock.advance(30 * MIN);
    assert_eq!(instruction(&w, &cmd, &code).await["colour"], "blue");
    assert_eq!(fengqiao_app::instructions::escalate_overdue(&w.state.app, clock.now()).await.unwrap(), 0);
    clock.advance(31 * MIN);
    assert_eq!(instruction(&w, &cmd, &code).await["colour"], "red");
    assert_eq!(fengqiao_app::instructions::escalate_overdue(&w.state.app, clock.now()).await.unwrap(), 1);
    assert_eq!(
        fengqiao_app::instructions::escalate_overdue(&w.state.app, clock.now() + 60 * MIN).await.unwrap(),
        0,
        "escalated once"
    );
    let now = instruction(&w, &cmd, &code).await;
    assert!(now["escalated_at"].is_string(), "{now}");
    let up = now["events"].as_array().unwrap().iter().find(|e| e["event"] == "escalate").expect("escalated");
    assert!(up["note"].as_str().unwrap().contains("测试co01"), "{up}");
    let events = w.store.outbox_after(0, 1000).await.unwrap();
    let escalated: Vec<_> = events.iter().filter(|e| e.topic == "instruction.escalated").collect();
    assert_eq!(escalated.len(), 1);
    let payload: Value = serde_json::from_str(&escalated[0].payload).unwrap();
    assert_eq!(payload["leaders"], json!(["co01"]));
    assert_eq!(payload["code"], code.as_str());

    // The report needs words; the recipient cannot close it, the issuer does.
    let r = step(&w, &gw1, &code, "report", " ").await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "note");
    let r = step(&w, &gw1, &code, "report", "已上门调解，双方约定施工时间为上午9点至下午5点。").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "reported");
    assert_eq!(r.json()["colour"], "none", "the issuer's turn is not the recipient's lateness");
    assert_error_body(&step(&w, &gw1, &code, "close", "").await, 403, "forbidden");
    let r = step(&w, &cmd, &code, "reject", "请补充双方签字的约定").await;
    assert_eq!(r.json()["status"], "acknowledged", "{}", r.body);
    step(&w, &gw1, &code, "report", "已补充双方签字的书面约定。").await;
    let r = step(&w, &cmd, &code, "close", "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "closed");
    let closed = r.json();
    let steps: Vec<&str> = closed["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        steps,
        ["issue", "deliver", "acknowledge", "escalate", "report", "reject", "report", "close"],
        "the whole timeline"
    );
    assert_eq!(r.json()["report"], "已补充双方签字的书面约定。");
    assert_error_body(&step(&w, &cmd, &code, "close", "").await, 409, "conflict");

    // Every step is audited.
    let f = fengqiao_store::audit::AuditFilter { object: Some(code.clone()), limit: 100, ..Default::default() };
    let audit: Vec<String> = w.store.search_audit(&f).await.unwrap().into_iter().map(|a| a.action).collect();
    for a in ["instruction.issue", "instruction.acknowledge", "instruction.report", "instruction.close"] {
        assert!(audit.iter().any(|x| x == a), "{a} audited: {audit:?}");
    }
}

async fn lateness_turns_orange_and_a_unit_is_instructed_as_a_whole(db: &TestDb) {
    let w = world(db).await;
    let (cmd, gw1, co) = (w.token("commander").await, w.token("gw1").await, w.token("co01").await);
    let r = issue(
        &w,
        &cmd,
        json!({"title": "排查辖区出租屋消防隐患", "body": "本周内完成网格内出租屋消防检查。", "priority": "urgent",
               "to_unit": "XY-C01-G01", "report_due": local_in(&w, 3 * 24 * 60 * MIN)}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    // Urgent: 15 minutes to acknowledge. Blue from 11 minutes (the window is at least ten).
    w.state.app.clock.advance(6 * MIN);
    assert_eq!(instruction(&w, &cmd, &code).await["colour"], "blue");
    w.state.app.clock.advance(10 * MIN);
    let late = instruction(&w, &cmd, &code).await;
    assert_eq!(late["colour"], "orange", "not acknowledged in time: {late}");
    let all = w.get("/api/v1/instructions?scope=all&open=true", Some(&cmd)).await.json();
    assert_eq!(all["items"][0]["colour"], "orange", "{all}");
    // The community's officer is not of the grid: it is not theirs to acknowledge.
    assert_error_body(&step(&w, &co, &code, "acknowledge", "").await, 403, "forbidden");
    // A member of the grid acknowledges for the unit.
    let r = step(&w, &gw1, &code, "acknowledge", "").await;
    assert_eq!(r.json()["status"], "acknowledged", "{}", r.body);
    assert_eq!(r.json()["colour"], "none");
    // Returned only before acknowledging.
    assert_error_body(&step(&w, &gw1, &code, "return", "不属于本网格").await, 409, "conflict");
}

async fn bad_instructions_are_refused_field_by_field(db: &TestDb) {
    let w = world(db).await;
    add_user(&w, "cl1", "XY-C01", Role::CommunityLeader).await;
    let (cmd, gw1, cl) = (w.token("commander").await, w.token("gw1").await, w.token("cl1").await);
    let fine =
        json!({"title": "上门走访", "body": "走访独居老人。", "to_user": "gw1", "report_due": local_in(&w, 120 * MIN)});
    // A grid worker does not issue instructions.
    assert_error_body(&issue(&w, &gw1, fine.clone()).await, 403, "forbidden");
    // A community leader instructs within the community, not beyond it.
    assert_eq!(issue(&w, &cl, fine.clone()).await.status, 201);
    let mut outside = fine.clone();
    outside["to_user"] = json!("gw2");
    let r = issue(&w, &cl, outside).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "to_user");
    // Every bad field named at once.
    let r = issue(
        &w,
        &cmd,
        json!({"title": "x", "body": "", "priority": "whenever", "to_user": "gw1", "to_unit": "XY-C01",
               "ack_within_minutes": 0, "report_due": "tomorrow", "matter": "M00000000-000000"}),
    )
    .await;
    assert_error_body(&r, 422, "validation");
    let mut fields: Vec<String> =
        r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().into()).collect();
    fields.sort();
    assert_eq!(fields, ["ack_within_minutes", "body", "matter", "priority", "report_due", "title", "to_user"]);
    // An absurd number is refused, not computed with (Schemathesis found it overflowing).
    let mut absurd = fine.clone();
    absurd["ack_within_minutes"] = json!(9_223_372_036_854_775_806i64);
    let r = issue(&w, &cmd, absurd).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "ack_within_minutes");
    // The report cannot be due before the acknowledgement.
    let mut early = fine.clone();
    early["report_due"] = json!(local_in(&w, 10 * MIN));
    let r = issue(&w, &cmd, early).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "report_due", "{}", r.body);
    let mut nobody = fine.clone();
    nobody["to_user"] = json!("nobody");
    assert_eq!(issue(&w, &cmd, nobody).await.json()["error"]["fields"][0]["field"], "to_user");
    let mut admin = fine;
    admin["to_user"] = json!("auditor");
    let r = issue(&w, &cmd, admin).await;
    assert!(r.body.contains("does not take instructions"), "{}", r.body);
    // Lists bound what a client sends.
    for q in ["limit=0", "limit=501", "offset=-1", "offset=1000001", "scope=everyone", "status=lost"] {
        assert_error_body(&w.get(&format!("/api/v1/instructions?{q}"), Some(&cmd)).await, 422, "validation");
    }
    // Nothing half-written: only the community leader's instruction exists.
    let all = w.get("/api/v1/instructions?scope=all", Some(&cmd)).await.json();
    assert_eq!(all["total"], 1, "{all}");
}

contract_tests!(
    an_instruction_goes_round_its_loop,
    lateness_turns_orange_and_a_unit_is_instructed_as_a_whole,
    bad_instructions_are_refused_field_by_field,
    the_pages_carry_an_instruction_through
);

/// The pages: the form (errors beside their fields, what was typed kept), the instruction's
/// page with the steps its viewer may take, the workbench's section, the matter's timeline.
async fn the_pages_carry_an_instruction_through(db: &TestDb) {
    let w = world(db).await;
    let (cmd, gw1) = (w.token("commander").await, w.token("gw1").await);
    let m = new_dispute(&w, &gw1, "neighbour", "邻里之间因停车位发生争执").await;
    let form = "application/x-www-form-urlencoded";
    let page = w.get(&format!("/instructions/new?matter={m}"), Some(&cmd)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"user:gw1\"") && page.body.contains("value=\"unit:XY-C01-G01\""));
    assert!(page.body.contains(&format!("value=\"{m}\"")), "the matter is filled in");

    // Nobody chosen, no deadline: said beside each field; the words typed are kept.
    let body = format!("to=&title=%E6%A0%B8%E5%AE%9E&body=%E6%A0%B8%E5%AE%9E%E5%81%9C%E8%BD%A6%E4%BD%8D&matter={m}");
    let r = w.post_body("/instructions/new", Some(&cmd), form, body).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"err-to\"") && r.body.contains("id=\"err-report_due\""), "errors beside fields");
    assert!(r.body.contains("核实停车位"), "the body typed is kept");
    assert_eq!(w.get("/api/v1/instructions?scope=all", Some(&cmd)).await.json()["total"], 0, "nothing written");

    let due = local_in(&w, 120 * MIN).replace(':', "%3A");
    let body = format!(
        "to=user%3Agw1&title=%E6%A0%B8%E5%AE%9E&body=%E6%A0%B8%E5%AE%9E%E5%81%9C%E8%BD%A6%E4%BD%8D&priority=urgent&ack=10&report_due={due}&matter={m}"
    );
    let r = w.post_body("/instructions/new", Some(&cmd), form, body).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.headers["location"].to_str().unwrap().to_string();
    let code = at.trim_start_matches("/instructions/").to_string();

    // The recipient's workbench leads to it; opening it delivers it.
    let dash = w.get("/dashboard", Some(&gw1)).await.body.replace("&#x2f;", "/");
    assert!(dash.contains("wb-instructions") && dash.contains(&at), "on the workbench");
    let p = w.get(&at, Some(&gw1)).await;
    assert!(p.body.contains("已送达") && p.body.contains("value=\"acknowledge\""), "delivered, to acknowledge");
    assert!(!p.body.contains("data-testid=\"step-report\""), "no report before acknowledging");

    // A report before acknowledging is refused above the page; then acknowledge, and a
    // report without words is refused beside its box.
    let r = w.post_body(&format!("{at}/steps"), Some(&gw1), form, "event=report&note=%E5%B7%B2%E5%8A%9E").await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("不能"), "{}", r.body);
    let r = w.post_body(&format!("{at}/steps"), Some(&gw1), form, "event=acknowledge").await;
    assert_eq!(r.status, 303);
    let r = w.post_body(&format!("{at}/steps"), Some(&gw1), form, "event=report&note=+").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"err-note_report\""), "the error is beside the report's box");

    // The matter's page lists the instruction and its steps in the timeline.
    let mp = w.get(&format!("/matters/{m}"), Some(&gw1)).await;
    assert!(mp.body.contains("data-testid=\"matter-instructions\"") && mp.body.contains(&code));
    assert!(mp.body.contains(&format!("data-instruction=\"{code}\"")) && mp.body.contains("已签收"), "in the timeline");
    // The issuer's own workbench waits for the report; the recipient's shows the instruction.
    let wb = w.get("/api/v1/workbench", Some(&gw1)).await.json();
    assert_eq!(wb["sections"][0]["code"], "instructions", "{wb}");
    assert_eq!(wb["sections"][0]["items"][0]["status"], "acknowledged");
}
