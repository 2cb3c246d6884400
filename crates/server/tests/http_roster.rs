//! Issue 11, item 2: the command room's roster — templates, rotations, attendance and swaps,
//! who is on duty now — and the handover sheet written from the data, signed by the outgoing
//! and then the incoming duty commander. On SQLite and on PostgreSQL.

mod common;

use common::{World, assert_error_body, new_dispute, world};
use fengqiao_domain::role::Role;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

async fn add_user(w: &World, username: &str, role: Role) {
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "setup");
    let unit = w.store.unit_by_code("XY").await.unwrap();
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

/// Today's date in China time, as the app's clock sees it.
fn today(w: &World) -> String {
    let t = chrono::DateTime::from_timestamp_millis(w.state.app.clock.now()).unwrap();
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d").to_string()
}

/// Two duty commanders on a day-long duty commander's shift from midnight, by rotation from
/// today: dutya today, dutyb tomorrow, dutya the day after.
async fn duty_roster(w: &World, cmd: &str) -> i64 {
    add_user(w, "dutya", Role::DutyCommander).await;
    add_user(w, "dutyb", Role::DutyCommander).await;
    add_user(w, "dutyc", Role::DutyCommander).await;
    add_user(w, "deska", Role::DeskOfficer).await;
    let t = json!({"post": "duty_commander", "name": "值班指挥长", "start": "00:00", "duration_minutes": 1440,
                   "min_people": 1, "max_people": 1});
    let r = w.post_json("/api/v1/shift-templates", Some(cmd), &t.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let template = r.json()["id"].as_i64().unwrap();
    let rot = json!({"template": template, "people": ["dutya", "dutyb"], "from": today(w), "days": 3});
    let r = w.post_json("/api/v1/roster/rotations", Some(cmd), &rot.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["assigned"], 3);
    template
}

async fn roster(w: &World, token: &str) -> Vec<Value> {
    let r = w.get("/api/v1/roster?days=3", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

async fn a_roster_is_made_kept_and_swapped(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    let template = duty_roster(&w, &cmd).await;
    let days = roster(&w, &cmd).await;
    let who: Vec<&str> = days.iter().map(|d| d["username"].as_str().unwrap()).collect();
    assert_eq!(who, ["dutya", "dutyb", "dutya"], "in turn");
    // A rotation again over the same days adds nobody twice.
    let rot = json!({"template": template, "people": ["dutya", "dutyb"], "from": today(&w), "days": 3});
    assert_eq!(w.post_json("/api/v1/roster/rotations", Some(&cmd), &rot.to_string()).await.json()["assigned"], 0);
    // Every bad field at once, by name.
    let bad = json!({"template": template, "people": ["dutya", "nobody", "dutya"], "from": "2026-02-30", "days": 85, "per_shift": 3});
    let r = w.post_json("/api/v1/roster/rotations", Some(&cmd), &bad.to_string()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["from", "days", "per_shift", "people[1]", "people[2]"] {
        assert!(r.body.contains(&format!("\"{field}\"")), "{field} in {}", r.body);
    }
    for q in ["days=0", "days=1000", "from=yesterday"] {
        assert_eq!(w.get(&format!("/api/v1/roster?{q}"), Some(&cmd)).await.status, 422, "{q}");
    }
    // Only the command room sees the roster.
    for who in ["gw1", "co01"] {
        assert_eq!(w.get("/api/v1/roster", Some(&w.token(who).await)).await.status, 403, "{who}");
    }

    // dutya confirms their own shift; a desk officer may neither confirm it for them nor
    // record attendance (the chiefs do: the commander and the duty commanders).
    let (a, b, desk) = (w.token("dutya").await, w.token("dutyb").await, w.token("deska").await);
    let first = days[0]["assignment"].as_i64().unwrap();
    let state = |s: &str| json!({"state": s}).to_string();
    let url = format!("/api/v1/shift-assignments/{first}/state");
    assert_eq!(w.post_json(&url, Some(&desk), &state("confirmed")).await.status, 403);
    assert_eq!(w.post_json(&url, Some(&desk), &state("done")).await.status, 403, "attendance is the chiefs'");
    assert_eq!(w.post_json(&url, Some(&a), &state("confirmed")).await.status, 204);
    assert_error_body(&w.post_json(&url, Some(&a), &state("confirmed")).await, 409, "conflict");
    assert_eq!(w.post_json(&url, Some(&cmd), &state("done")).await.status, 204);
    assert_eq!(w.post_json(&url, Some(&cmd), &state("no_show")).await.status, 409, "done stays done");
    assert_eq!(w.post_json(&url, Some(&cmd), &state("late")).await.status, 422);

    // dutyb swaps tomorrow's shift to dutyc (a desk officer does not stand a duty
    // commander's post): both in one step.
    let second = days[1]["assignment"].as_i64().unwrap();
    let swap = |with: &str| json!({"with": with}).to_string();
    let r = w.post_json(&format!("/api/v1/shift-assignments/{second}/swap"), Some(&b), &swap("nobody")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = w.post_json(&format!("/api/v1/shift-assignments/{second}/swap"), Some(&b), &swap("deska")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = w.post_json(&format!("/api/v1/shift-assignments/{second}/swap"), Some(&b), &swap("dutyc")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let days = roster(&w, &cmd).await;
    let tomorrow: Vec<(&str, &str)> = days
        .iter()
        .filter(|d| d["starts_at"] == days[1]["starts_at"])
        .map(|d| (d["username"].as_str().unwrap(), d["state"].as_str().unwrap()))
        .collect();
    assert_eq!(tomorrow, [("dutyb", "swapped"), ("dutyc", "assigned")]);
    // A chief records attendance but does not confirm another's shift.
    let third = days[2]["assignment"].as_i64().unwrap();
    let r = w.post_json(&format!("/api/v1/shift-assignments/{third}/state"), Some(&cmd), &state("confirmed")).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = w.post_json(&format!("/api/v1/shift-assignments/{second}/swap"), Some(&b), &swap("dutya")).await;
    assert_eq!(r.status, 409, "a swapped shift is not swapped again: {}", r.body);
    // The workbench shows one's own shifts: dutya today's (done now, so gone) and the one
    // after tomorrow; dutyc the one swapped to them.
    let wb = w.get("/api/v1/workbench", Some(&w.token("dutyc").await)).await.json();
    let shifts =
        wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == "shifts").expect("a shifts section").clone();
    assert_eq!(shifts["total"], 1, "{shifts}");
    assert_eq!(shifts["items"][0]["status"], "assigned");
    let wb = w.get("/api/v1/workbench", Some(&a)).await.json();
    let shifts =
        wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == "shifts").expect("a shifts section").clone();
    assert_eq!(shifts["total"], 1, "today's is done; the one after tomorrow remains: {shifts}");
    // Who is on duty now: dutya.
    let now: Vec<String> = w
        .get("/api/v1/on-duty", Some(&cmd))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now, ["dutya"]);
}

async fn the_handover_sheet_says_what_the_data_says(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    duty_roster(&w, &cmd).await;
    let (a, b, gw) = (w.token("dutya").await, w.token("dutyb").await, w.token("gw1").await);
    // The data: an open instruction, an alert nobody acknowledged, a camera offline and one
    // at fault, an urgent hazard due tomorrow and an ordinary one due next week.
    let due = (chrono::Utc::now() + chrono::Duration::days(2))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let i = json!({"title": "上门核查", "body": "核查楼道堆物情况。", "to_user": "gw1", "report_due": due.format("%Y-%m-%dT%H:%M").to_string()});
    let r = w.post_json("/api/v1/instructions", Some(&cmd), &i.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let instruction = r.json()["code"].as_str().unwrap().to_string();
    let risky = new_dispute(
        &w,
        &gw,
        "marriage_family",
        "法院判决离婚后，乔某心有不甘，三番五次前往前妻郭某萍父母家中纠缠，扬言不让他们好过",
    )
    .await;
    let csv = "device_id,name,category,tier,lat,lon\n33068100001320000001,府前街口,key_road,key,37.105,111.705\n\
               33068100001320000002,府前小学,school,key,37.106,111.706\n33068100001320000003,府前网吧,internet_cafe,ordinary,37.107,111.707\n";
    assert_eq!(w.post_body("/api/v1/imports/cameras", Some(&cmd), "text/csv", csv).await.status, 200);
    assert_eq!(
        w.post_json("/api/v1/cameras/33068100001320000001/status", Some(&cmd), r#"{"status":"offline"}"#).await.status,
        200
    );
    let look = r#"{"device_id":"33068100001320000002","finding":"no_picture"}"#;
    assert_eq!(w.post_json("/api/v1/patrol-entries", Some(&cmd), look).await.status, 201);
    let hazard = |priority: &str| {
        json!({"kind": "hazard", "priority": priority, "narrative": format!("{priority}：楼道内电动车充电"), "lat": 37.105, "lon": 111.705})
            .to_string()
    };
    let urgent =
        w.post_json("/api/v1/matters", Some(&gw), &hazard("urgent")).await.json()["code"].as_str().unwrap().to_string();
    let later =
        w.post_json("/api/v1/matters", Some(&gw), &hazard("normal")).await.json()["code"].as_str().unwrap().to_string();

    // A desk officer not on the shift cannot prepare its handover; dutya, on it, can, and it
    // says what the data says.
    add_user(&w, "deskb", Role::DeskOfficer).await;
    assert_eq!(w.post_json("/api/v1/handovers", Some(&w.token("deskb").await), "{}").await.status, 403);
    let r = w.post_json("/api/v1/handovers", Some(&a), r#"{"note":"府前社区烧烤店周边加密巡逻"}"#).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let h = r.json();
    let id = h["id"].as_i64().unwrap();
    let s = &h["sheet"];
    let codes = |k: &str, f: &str| -> Vec<String> {
        s[k].as_array().unwrap().iter().map(|x| x[f].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(codes("instructions", "code"), std::slice::from_ref(&instruction));
    assert_eq!(codes("alerts", "matter"), std::slice::from_ref(&risky));
    let mut cams = codes("cameras", "device_id");
    cams.sort();
    assert_eq!(cams, ["33068100001320000001", "33068100001320000002"]);
    assert!(codes("due_next", "code").contains(&urgent), "{s}");
    assert!(!codes("due_next", "code").contains(&later), "{s}");
    assert_eq!(h["may_sign"], true);

    // The workbench asks for the signatures: the outgoing's now, the incoming's after.
    let to_sign =
        |wb: Value| wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == "handovers_to_sign").cloned();
    let wb = w.get("/api/v1/workbench", Some(&a)).await.json();
    assert_eq!(to_sign(wb).expect("dutya is asked to sign")["items"][0]["status"], "outgoing");
    assert!(to_sign(w.get("/api/v1/workbench", Some(&b)).await.json()).is_none(), "not before the outgoing signs");
    // Signatures: not the incoming first; the outgoing, then the incoming; once each; nobody
    // else.
    assert_eq!(w.post_json(&format!("/api/v1/handovers/{id}/sign"), Some(&b), "").await.status, 409);
    assert_eq!(w.post_json(&format!("/api/v1/handovers/{id}/sign"), Some(&cmd), "").await.status, 403);
    let r = w.post_json(&format!("/api/v1/handovers/{id}/sign"), Some(&a), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["outgoing_signed_at"].is_string());
    // Signed, the sheet is no longer written again.
    assert_eq!(w.post_json("/api/v1/handovers", Some(&a), "{}").await.status, 409);
    let wb = w.get("/api/v1/workbench", Some(&b)).await.json();
    assert_eq!(to_sign(wb).expect("dutyb is asked to sign")["items"][0]["status"], "incoming");
    assert!(to_sign(w.get("/api/v1/workbench", Some(&a)).await.json()).is_none(), "dutya has signed");
    let r = w.post_json(&format!("/api/v1/handovers/{id}/sign"), Some(&b), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(to_sign(w.get("/api/v1/workbench", Some(&b)).await.json()).is_none(), "signed by both");
    assert_eq!(r.json()["incoming"], "测试dutyb");
    assert_eq!(w.post_json(&format!("/api/v1/handovers/{id}/sign"), Some(&b), "").await.status, 409);
    // Out of the command room, the sheet does not exist.
    assert_error_body(&w.get(&format!("/api/v1/handovers/{id}"), Some(&gw)).await, 404, "not_found");
    // The page shows it, with both signatures.
    let page = w.get(&format!("/handovers/{id}"), Some(&cmd)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&instruction) && page.body.contains(&risky) && page.body.contains("府前小学"),
        "the sheet's items"
    );
    assert!(page.body.contains("测试dutya") && page.body.contains("测试dutyb"));
    let roster_page = w.get("/roster", Some(&a)).await;
    assert_eq!(roster_page.status, 200);
    assert!(roster_page.body.contains(&format!("/handovers/{id}")), "listed on the roster page");
}

/// Who is on duty decides who is told: an overdue instruction goes up to its unit's leaders
/// and to the duty commander on duty at that moment — not to the one whose shift is over.
async fn an_overdue_instruction_reaches_the_duty_commander_on_duty(db: &TestDb) {
    let w = world(db).await;
    let cmd = w.token("commander").await;
    duty_roster(&w, &cmd).await;
    let due = (chrono::Utc::now() + chrono::Duration::minutes(40))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let i = json!({"title": "上门核查", "body": "核查楼道堆物情况。", "to_user": "gw1", "ack_within_minutes": 10, "report_due": due});
    let r = w.post_json("/api/v1/instructions", Some(&cmd), &i.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    let clock = &w.state.app.clock;
    clock.advance(45 * 60_000);
    assert_eq!(fengqiao_app::instructions::escalate_overdue(&w.state.app, clock.now()).await.unwrap(), 1);
    let events = w.store.outbox_after(0, 1000).await.unwrap();
    let up = events.iter().find(|e| e.topic == "instruction.escalated" && e.object_id == code).expect("escalated");
    let payload: Value = serde_json::from_str(&up.payload).unwrap();
    let leaders: Vec<&str> = payload["leaders"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    // Whoever's shift it is at that moment (dutya's today, dutyb's after midnight).
    let on = w.get("/api/v1/on-duty", Some(&cmd)).await.json()[0]["username"].as_str().unwrap().to_string();
    let off = if on == "dutya" { "dutyb" } else { "dutya" };
    assert!(leaders.contains(&"co01") && leaders.contains(&on.as_str()), "{leaders:?}");
    assert!(!leaders.contains(&off), "the duty commander off duty is not told: {leaders:?}");
}

contract_tests!(
    a_roster_is_made_kept_and_swapped,
    the_handover_sheet_says_what_the_data_says,
    an_overdue_instruction_reaches_the_duty_commander_on_duty
);
