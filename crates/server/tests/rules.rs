//! Rules of the application layer seen through the front-ends, on SQLite and PostgreSQL:
//! looking is not trying (a page asks `can`, which audits nothing), and a matter raises its
//! red early-warning alert once however many changes recompute its risk at the same time.

mod common;

use common::world;
use fengqiao_domain::Phone;
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::{AuditCtx, AuditFilter};
use fengqiao_store::testing::TestDb;
use fengqiao_store::users::NewUser;
use fengqiao_store::{Crypto, Store, StoreOptions, contract_tests};

async fn audit_count(w: &common::World) -> usize {
    w.store.search_audit(&AuditFilter { limit: 1_000_000, ..Default::default() }).await.unwrap().len()
}

async fn dispute(w: &common::World, token: &str, narrative: &str) -> String {
    let body =
        format!(r#"{{"kind":"dispute","category":"neighbour","narrative":"{narrative}","lat":37.105,"lon":111.705}}"#);
    let r = w.post_json("/api/v1/matters", Some(token), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

async fn a_leader_viewing_matter_pages_adds_no_audit_record(db: &TestDb) {
    let w = world(db).await;
    let c1 = db.store.unit_by_code("XY-C01").await.unwrap();
    assert_eq!(c1.kind, UnitKind::Community);
    let leader = NewUser {
        username: "cl01".into(),
        display_name: "社区书记".into(),
        unit_id: c1.id,
        title: None,
        officer_rank: None,
        mediator_kind: None,
        roles: vec![Role::CommunityLeader],
        phone: Some(Phone::parse("13800000009").unwrap()),
        password_hash: Some(common::password_hash().into()),
    };
    db.store.create_user(&AuditCtx::system("test", "setup"), &leader).await.unwrap();
    let code = dispute(&w, &w.token("gw1").await, "楼道堆放杂物影响通行，邻居之间有些口角").await;
    let cl = w.token("cl01").await;

    let before = audit_count(&w).await;
    for _ in 0..50 {
        let page = w.get(&format!("/matters/{code}"), Some(&cl)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(&code));
    }
    assert_eq!(audit_count(&w).await, before, "viewing is not trying: no denial is recorded");

    // Trying to act is refused, and that refusal is recorded once.
    let r = w.post_json(&format!("/api/v1/matters/{code}/events"), Some(&cl), r#"{"event":"accept"}"#).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let denied = w
        .store
        .search_audit(&AuditFilter {
            actor: Some("cl01".into()),
            result: Some("denied".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(audit_count(&w).await, before + 1);
}

async fn concurrent_changes_raise_one_red_alert(db: &TestDb) {
    let w = world(db).await;
    let code = dispute(&w, &w.token("gw1").await, "楼道堆放杂物影响通行，邻居之间有些口角").await;
    let m = w.store.matter_by_code(&code).await.unwrap();
    assert_eq!(m.escalation_risk_level, fengqiao_domain::risk::Level::None);
    // What was recorded now reads as a threat to life (as a session record or a note would).
    db.execute_raw(&format!(
        "UPDATE matters SET narrative = '邻居酒后拿着菜刀堵门，扬言要砍死对方' WHERE code = '{code}'"
    ))
    .await;
    // Two nodes recompute the risk at the same moment, several times over.
    let second = Store::connect(&db.url, Crypto::new(&db.key), &StoreOptions::default()).await.unwrap();
    let a = w.state.app.clone();
    let b = fengqiao_app::App::new(second, (*w.state.settings).clone());
    let runs = (0..4).flat_map(|_| [a.clone(), b.clone()]).map(|app| {
        let id = m.id;
        tokio::spawn(async move { fengqiao_app::casework::reassess(&app, id).await })
    });
    for r in futures_join(runs).await {
        r.expect("reassessed");
    }
    let m = w.store.matter_by_code(&code).await.unwrap();
    assert_eq!(m.escalation_risk_level, fengqiao_domain::risk::Level::Red);
    let cmd = w.token("commander").await;
    let alerts = w.get("/api/v1/alerts", Some(&cmd)).await.json();
    let mine = alerts.as_array().unwrap().iter().filter(|a| a["matter"] == code.as_str()).count();
    assert_eq!(mine, 1, "{alerts}");
    let raised = w
        .store
        .search_audit(&AuditFilter { action: Some("matter.risk.alert".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(raised.iter().filter(|r| r.object_id == code).count(), 1);
}

/// The matter offers the steps its status allows (the API's `next_steps`, the page's
/// buttons): a closed dispute does not offer "accept"; a step the law does not allow yet
/// says what is missing; someone who may not act is offered nothing.
async fn a_matter_offers_only_possible_steps(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let code = dispute(&w, &gw, "楼上漏水到楼下，多次协商无果").await;
    let steps = |j: serde_json::Value| -> Vec<String> {
        j["next_steps"].as_array().unwrap().iter().map(|s| s["event"].as_str().unwrap().to_string()).collect()
    };
    let file = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(steps(file.clone()), ["accept", "withdraw", "escalate"]);
    let page = w.get(&format!("/matters/{code}"), Some(&gw)).await;
    assert!(page.body.contains(r#"name="event" value="accept""#), "{}", page.body);
    assert!(!page.body.contains(r#"value="reopen""#) && !page.body.contains(r#"value="perform""#));
    let r = w.post_json(&format!("/api/v1/matters/{code}/events"), Some(&gw), r#"{"event":"accept"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let file = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(steps(file.clone()), ["start_mediation", "consent_refused", "withdraw", "escalate"]);
    let start = &file["next_steps"][0];
    assert_eq!(start["blocked_key"], "guard_parties", "{start}");
    assert!(file["next_steps"][3]["needs_note"].as_bool().unwrap());
    let page = w.get(&format!("/matters/{code}"), Some(&gw)).await;
    assert!(page.body.contains("请先登记申请人和被申请人"), "the page says what is missing, in Chinese");
    // Withdrawn: closed, and only reopening is offered.
    let r = w.post_json(&format!("/api/v1/matters/{code}/events"), Some(&gw), r#"{"event":"withdraw"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let file = w.get(&format!("/api/v1/matters/{code}"), Some(&gw)).await.json();
    assert_eq!(steps(file), ["reopen"]);
    // Another grid's worker cannot see it; the commander may act, a mediator not assigned may not see it.
    assert_eq!(w.get(&format!("/api/v1/matters/{code}"), Some(&w.token("gw2").await)).await.status, 404);
    let cmd = w.get(&format!("/api/v1/matters/{code}"), Some(&w.token("commander").await)).await.json();
    assert_eq!(steps(cmd), ["reopen"]);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<fengqiao_app::Result<T>>>,
) -> Vec<fengqiao_app::Result<T>> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.expect("task"));
    }
    out
}

contract_tests!(
    a_leader_viewing_matter_pages_adds_no_audit_record,
    concurrent_changes_raise_one_red_alert,
    a_matter_offers_only_possible_steps
);
