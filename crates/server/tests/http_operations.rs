//! Issue 11, item 4: case work by size over the API — a case worked alone, by combined units
//! or by a cluster, its lead unit, the units and people taking part, a parent case whose child
//! cases roll up (it is closed only after them), and the workload board of the case-handling
//! team and the combined battalions by combat zone. On SQLite and on PostgreSQL.

mod common;

use common::{World, assert_error_body, rect, world};
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::contract_tests;
use fengqiao_store::org::NewUnit;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

async fn add_user(w: &World, username: &str, unit: &str, role: Role) {
    let ctx = AuditCtx::system("test", "setup");
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

/// The station's case-handling team, a combat zone with its battalion and a community of its
/// own (with one grid), and an officer of the team.
async fn teams(w: &World) {
    let ctx = AuditCtx::system("test", "setup");
    let s = &w.store;
    let station = s.unit_by_code("XY").await.unwrap();
    let street = s.unit_by_code("XY-ST").await.unwrap();
    s.create_unit(&ctx, &NewUnit::new("XY-CT", UnitKind::CaseTeam, "案件办理队", Some(station.id))).await.unwrap();
    let zone = s.create_unit(&ctx, &NewUnit::new("XY-Z1", UnitKind::Zone, "城东战区", Some(station.id))).await.unwrap();
    let mut b1 = NewUnit::new("XY-B1", UnitKind::Battalion, "合成作战综合一大队", Some(station.id));
    b1.zone_id = Some(zone.id);
    s.create_unit(&ctx, &b1).await.unwrap();
    let mut c3 = NewUnit::new("XY-C03", UnitKind::Community, "城东社区", Some(street.id));
    c3.zone_id = Some(zone.id);
    let c3 = s.create_unit(&ctx, &c3).await.unwrap();
    let mut g3 = NewUnit::new("XY-C03-G01", UnitKind::Grid, "城东社区第1网格", Some(c3.id));
    g3.geometry = Some(rect(111.72, 37.10, 111.73, 37.11));
    s.create_unit(&ctx, &g3).await.unwrap();
    add_user(w, "ct1", "XY-CT", Role::DeskOfficer).await;
}

async fn hazard(w: &World, token: &str, narrative: &str, lon: f64) -> String {
    let body = json!({"kind": "hazard", "narrative": narrative, "lat": 37.105, "lon": lon}).to_string();
    let r = w.post_json("/api/v1/matters", Some(token), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

async fn set(w: &World, token: &str, code: &str, body: Value) -> common::Resp {
    w.put_json(&format!("/api/v1/matters/{code}/operation"), Some(token), &body.to_string()).await
}

async fn close(w: &World, token: &str, code: &str) -> common::Resp {
    let mut last = None;
    for ev in ["accept", "start_work", "resolve"] {
        let r = w
            .post_json(&format!("/api/v1/matters/{code}/events"), Some(token), &json!({"event": ev}).to_string())
            .await;
        if r.status != 200 {
            return r;
        }
        last = Some(r);
    }
    last.unwrap()
}

async fn a_case_is_worked_by_its_size_and_rolls_up(db: &TestDb) {
    let w = world(db).await;
    teams(&w).await;
    let (cmd, gw1, co) = (w.token("commander").await, w.token("gw1").await, w.token("co01").await);
    let big = hazard(&w, &cmd, "城东社区连续发生电动车被盗", 111.725).await;
    let a = hazard(&w, &gw1, "府前社区车棚电动车被盗", 111.705).await;
    let b = hazard(&w, &gw1, "府前社区楼道电瓶被盗", 111.705).await;
    assert_eq!(w.get(&format!("/api/v1/matters/{a}/operation"), Some(&gw1)).await.json()["operation"], Value::Null);

    // Every bad field at once, by name; nothing written.
    let r = set(&w, &cmd, &a, json!({"operation": "swarm", "lead_unit": "XY-C01-G01", "people": []})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["operation", "lead_unit", "people"] {
        assert!(r.body.contains(&format!("\"{field}\"")), "{field} in {}", r.body);
    }
    let r = set(&w, &cmd, &a, json!({"operation": "solo", "lead_unit": "XY-CT", "units": ["XY-C01"], "people": ["nobody", "sysadmin", "ct1", "ct1"]})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["units", "people[0]", "people[1]", "people[3]"] {
        assert!(r.body.contains(&format!("\"{field}\"")), "{field} in {}", r.body);
    }
    let r = set(&w, &cmd, &big, json!({"operation": "combined", "lead_unit": "XY-B1", "people": ["ct1"]})).await;
    assert!(r.status == 422 && r.body.contains("\"units\""), "combined needs a unit besides the lead: {}", r.body);
    let r = set(
        &w,
        &cmd,
        &big,
        json!({"operation": "cluster", "lead_unit": "XY-B1", "units": ["XY-B1", "XY-CT"], "people": ["ct1"]}),
    )
    .await;
    assert!(r.status == 422 && r.body.contains("\"units[0]\""), "the lead is not also supporting: {}", r.body);
    assert_eq!(w.get(&format!("/api/v1/matters/{a}/operation"), Some(&cmd)).await.json()["operation"], Value::Null);
    // Only the command room directs cases; another community's duty commander does not see them.
    assert_error_body(
        &set(&w, &co, &a, json!({"operation": "solo", "lead_unit": "XY-CT", "people": ["ct1"]})).await,
        403,
        "forbidden",
    );
    add_user(&w, "dutyc2", "XY-C02", Role::DutyCommander).await;
    let c2 = w.token("dutyc2").await;
    assert_eq!(
        set(&w, &c2, &a, json!({"operation": "solo", "lead_unit": "XY-CT", "people": ["ct1"]})).await.status,
        404
    );

    // A cluster led by the zone's battalion with the case team and the community; two child
    // cases worked alone by the case team.
    let r = set(
        &w,
        &cmd,
        &big,
        json!({"operation": "cluster", "lead_unit": "XY-B1", "units": ["XY-CT", "XY-C01"], "people": ["ct1", "co01"]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let o = r.json();
    assert_eq!((o["operation"].as_str(), o["lead_unit"]["code"].as_str()), (Some("cluster"), Some("XY-B1")));
    assert_eq!(o["units"].as_array().unwrap().len(), 2);
    for child in [&a, &b] {
        let r =
            set(&w, &cmd, child, json!({"operation": "solo", "lead_unit": "XY-CT", "people": ["ct1"], "parent": big}))
                .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["parent"], big.as_str());
    }
    let o = w.get(&format!("/api/v1/matters/{big}/operation"), Some(&cmd)).await.json();
    assert_eq!((o["children"].as_array().unwrap().len(), o["children_open"].as_i64()), (2, Some(2)));
    // One level: a parent is not a child, a child is not a parent, nothing is its own parent.
    let c = hazard(&w, &gw1, "府前社区又一起电动车被盗", 111.705).await;
    let r = set(&w, &cmd, &big, json!({"operation": "cluster", "lead_unit": "XY-B1", "units": ["XY-CT", "XY-C01"], "people": ["ct1"], "parent": a})).await;
    assert!(r.status == 422 && r.body.contains("\"parent\""), "{}", r.body);
    let r = set(&w, &cmd, &c, json!({"operation": "solo", "lead_unit": "XY-CT", "people": ["ct1"], "parent": a})).await;
    assert!(r.status == 422 && r.body.contains("\"parent\""), "{}", r.body);
    let r = set(&w, &cmd, &c, json!({"operation": "solo", "lead_unit": "XY-CT", "people": ["ct1"], "parent": c})).await;
    assert!(r.status == 422 && r.body.contains("\"parent\""), "{}", r.body);
    // The matter's timeline and the outbox have it.
    let page = w.get(&format!("/matters/{big}"), Some(&cmd)).await;
    assert!(page.body.contains("集群作战：主办 合成作战综合一大队"), "on the timeline");
    let events = w.store.outbox_after(0, 10_000).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.topic == "matter.operation").count(), 3);

    // The workload board.
    let wl = w.get("/api/v1/case-workload", Some(&cmd)).await.json();
    let team = |code: &str| wl["teams"].as_array().unwrap().iter().find(|t| t["code"] == code).unwrap().clone();
    let (ct, b1) = (team("XY-CT"), team("XY-B1"));
    assert_eq!((ct["solo"].as_i64(), ct["supporting"].as_i64(), ct["members"].as_i64()), (Some(2), Some(1), Some(1)));
    assert_eq!((b1["cluster"].as_i64(), b1["zone"].as_str()), (Some(1), Some("城东战区")));
    let ct1 = wl["people"].as_array().unwrap().iter().find(|p| p["username"] == "ct1").unwrap().clone();
    assert_eq!((ct1["open_cases"].as_i64(), ct1["joint"].as_i64()), (Some(3), Some(1)));
    let zone = wl["zones"].as_array().unwrap().iter().find(|z| z["code"] == "XY-Z1").unwrap().clone();
    assert_eq!((zone["cluster"].as_i64(), zone["unassigned"].as_i64()), (Some(1), Some(0)), "{zone}");
    assert_error_body(&w.get("/api/v1/case-workload", Some(&gw1)).await, 403, "forbidden");

    // The parent is closed only after its child cases.
    let r = close(&w, &cmd, &big).await;
    assert_error_body(&r, 409, "conflict");
    assert!(r.body.contains(&a) && r.body.contains(&b), "the open child cases are named: {}", r.body);
    for child in [&a, &b] {
        assert_eq!(close(&w, &gw1, child).await.status, 200);
    }
    let r = w.post_json(&format!("/api/v1/matters/{big}/events"), Some(&cmd), r#"{"event":"resolve"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let wl = w.get("/api/v1/case-workload", Some(&cmd)).await.json();
    let ct = wl["teams"].as_array().unwrap().iter().find(|t| t["code"] == "XY-CT").unwrap().clone();
    assert_eq!((ct["solo"].as_i64(), ct["closed_30d"].as_i64()), (Some(0), Some(2)));
    // Closed, a case is not set up again.
    let r = set(&w, &cmd, &a, json!({"operation": "solo", "lead_unit": "XY-CT", "people": ["ct1"]})).await;
    assert_error_body(&r, 409, "conflict");
}

contract_tests!(a_case_is_worked_by_its_size_and_rolls_up);
