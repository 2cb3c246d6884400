//! Group commit for intake, on SQLite and PostgreSQL: forty matters submitted at once through
//! the writer are written together; the one with a grid that does not exist fails alone and
//! the others land, each with its audit record, and the audit chain still verifies.

use fengqiao_app::intake::Writer;
use fengqiao_domain::org::UnitKind;
use fengqiao_store::audit::{AuditCtx, AuditFilter, ChainCheck};
use fengqiao_store::contract_tests;
use fengqiao_store::org::NewUnit;
use fengqiao_store::testing::TestDb;
use std::sync::Arc;

async fn concurrent_intake_is_batched_and_isolated(db: &TestDb) {
    let s = &db.store;
    let ctx = AuditCtx::system("test", "setup");
    let station = s.create_unit(&ctx, &NewUnit::new("ST", UnitKind::Station, "新义派出所", None)).await.unwrap();
    let grid = s.create_unit(&ctx, &NewUnit::new("G1", UnitKind::Grid, "第1网格", Some(station.id))).await.unwrap();
    let writer = Arc::new(Writer::start(s.clone()));
    let handles: Vec<_> = (0..40)
        .map(|i| {
            let (w, m) =
                (writer.clone(), fengqiao_store::testing::new_hazard(if i == 17 { 999_999 } else { grid.id.0 }, i));
            tokio::spawn(async move { w.write(&AuditCtx::system("test", "intake"), &m).await })
        })
        .collect();
    let mut codes = Vec::new();
    let mut failures = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(code) => codes.push(code),
            Err(_) => failures += 1,
        }
    }
    assert_eq!((codes.len(), failures), (39, 1), "the matter with no grid fails alone");
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 39, "every code is distinct");
    let created = s
        .search_audit(&AuditFilter { action: Some("matter.create".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(created.len(), 39, "one audit record per matter written, none for the failed one");
    assert!(matches!(s.verify_audit().await.unwrap(), ChainCheck::Intact { .. }));
}

contract_tests!(concurrent_intake_is_batched_and_isolated);
