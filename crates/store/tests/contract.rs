//! The backend-neutral contract suite: every test runs on SQLite and on PostgreSQL.

use fengqiao_domain::Phone;
use fengqiao_domain::ids::UserId;
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::{AuditCtx, AuditEvent, AuditFilter, ChainCheck, Outcome};
use fengqiao_store::org::{NewUnit, UnitUpdate};
use fengqiao_store::testing::TestDb;
use fengqiao_store::users::{NewUser, UserFilter};
use fengqiao_store::{StoreError, contract_tests};

fn ctx() -> AuditCtx {
    AuditCtx::system("test", "contract test")
}

async fn tree(db: &TestDb) -> (fengqiao_store::org::Unit, fengqiao_store::org::Unit, fengqiao_store::org::Unit) {
    let s = &db.store;
    let station = s.create_unit(&ctx(), &NewUnit::new("ST", UnitKind::Station, "新义派出所", None)).await.unwrap();
    let street =
        s.create_unit(&ctx(), &NewUnit::new("STR", UnitKind::Street, "新义街道", Some(station.id))).await.unwrap();
    let community =
        s.create_unit(&ctx(), &NewUnit::new("C01", UnitKind::Community, "府前社区", Some(street.id))).await.unwrap();
    (station, street, community)
}

fn new_user(username: &str, unit: &fengqiao_store::org::Unit, roles: &[Role]) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "张世川".into(),
        unit_id: unit.id,
        title: None,
        officer_rank: Some("police".into()),
        mediator_kind: None,
        roles: roles.to_vec(),
        phone: Some(Phone::parse("13812345678").unwrap()),
        password_hash: Some("$argon2id$placeholder".into()),
    }
}

async fn migrations_are_current_and_idempotent(db: &TestDb) {
    let st = db.store.schema_status().await.unwrap();
    assert!(st.current() && st.applied > 0, "{st:?}");
    assert_eq!(db.store.migrate().await.unwrap(), st);
    assert!(db.store.ready().await.unwrap().current());
}

async fn newer_schema_is_refused(db: &TestDb) {
    let checksum = match db.store.backend() {
        fengqiao_store::Backend::Sqlite => "X'00'",
        fengqiao_store::Backend::Postgres => "'\\x00'::bytea",
    };
    db.execute_raw(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99991231000000, 'from the future', TRUE, {checksum}, 0)"
    ))
    .await;
    match db.store.migrate().await {
        Err(StoreError::SchemaTooNew { found, .. }) => assert_eq!(found, 99991231000000),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert!(!db.store.ready().await.unwrap().current());
}

async fn org_tree_paths_and_jurisdiction(db: &TestDb) {
    let (station, street, community) = tree(db).await;
    let grid = db
        .store
        .create_unit(&ctx(), &NewUnit::new("C01-G01", UnitKind::Grid, "第一网格", Some(community.id)))
        .await
        .unwrap();
    assert_eq!(grid.path.0, format!("/{}/{}/{}/{}/", station.id, street.id, community.id, grid.id));
    assert!(street.path.covers(&grid.path));
    let under = db.store.units_under(&community.path, None).await.unwrap();
    assert_eq!(under.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["C01", "C01-G01"]);
    let grids = db.store.units_under(&station.path, Some(UnitKind::Grid)).await.unwrap();
    assert_eq!(grids.len(), 1);
    assert_eq!(db.store.children(street.id).await.unwrap().len(), 1);
    let anc = db.store.ancestors(&grid).await.unwrap();
    assert_eq!(anc.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["ST", "STR", "C01", "C01-G01"]);
    assert_eq!(db.store.root_unit().await.unwrap().unwrap().code, "ST");

    let up =
        UnitUpdate {
            name: "府前社区（新）".into(), address: Some("府前街1号".into()), geometry: None, sort_order: 3
        };
    let changed = db.store.update_unit(&ctx(), community.id, &up).await.unwrap();
    assert_eq!(changed.name, "府前社区（新）");
    assert_eq!(db.store.unit_by_code("C01").await.unwrap().address.as_deref(), Some("府前街1号"));
}

async fn duplicate_code_is_a_named_conflict_and_leaves_nothing(db: &TestDb) {
    let (_, street, _) = tree(db).await;
    let before = db.store.search_audit(&AuditFilter { limit: 1000, ..Default::default() }).await.unwrap().len();
    let err = db
        .store
        .create_unit(&ctx(), &NewUnit::new("C01", UnitKind::Community, "重复", Some(street.id)))
        .await
        .unwrap_err();
    match err {
        StoreError::Conflict { constraint } => assert_eq!(constraint, "units_code_key"),
        other => panic!("expected conflict, got {other:?}"),
    }
    let after = db.store.search_audit(&AuditFilter { limit: 1000, ..Default::default() }).await.unwrap().len();
    assert_eq!(before, after, "a failed write must not leave an audit record");
    assert!(matches!(db.store.unit_by_code("nope").await, Err(StoreError::NotFound)));
}

async fn users_roles_and_sealed_phone(db: &TestDb) {
    let (station, _, community) = tree(db).await;
    let id = db
        .store
        .create_user(&ctx(), &new_user("zhangsc", &community, &[Role::CommunityOfficer, Role::GridOfficer]))
        .await
        .unwrap();
    let u = db.store.user_by_username("zhangsc").await.unwrap();
    assert_eq!(u.id, id);
    assert_eq!(u.roles, [Role::CommunityOfficer, Role::GridOfficer]);
    assert_eq!(u.unit_code, "C01");
    let sealed = u.phone_enc.clone().unwrap();
    assert!(!sealed.blob.windows(11).any(|w| w == b"13812345678"));
    // Bound to its row (issue 9, item 14): the same value read as another row's is refused.
    let moved = fengqiao_store::Sealed::new(sealed.blob.clone(), "users.phone_enc", u.id.0 + 1);
    assert!(db.store.crypto.open(&moved).is_err());
    assert_eq!(db.store.crypto.open(&sealed).unwrap(), "13812345678");

    let err = db.store.create_user(&ctx(), &new_user("zhangsc", &community, &[Role::GridWorker])).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref constraint } if constraint == "users_username_key"), "{err:?}");

    let (list, total) =
        db.store.users_under(&station.path, &UserFilter { limit: 50, ..Default::default() }).await.unwrap();
    assert_eq!((list.len(), total), (1, 1));
    let (list, _) = db
        .store
        .users_under(&station.path, &UserFilter { role: Some(Role::GridWorker), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert!(list.is_empty());
    let (list, _) = db
        .store
        .users_under(&station.path, &UserFilter { text: Some("世川".into()), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
}

async fn user_with_missing_unit_writes_nothing(db: &TestDb) {
    let (_, _, community) = tree(db).await;
    let mut nu = new_user("ghost", &community, &[Role::GridWorker]);
    nu.unit_id = fengqiao_domain::ids::UnitId(999_999);
    assert!(matches!(db.store.create_user(&ctx(), &nu).await, Err(StoreError::Conflict { .. })));
    assert!(matches!(db.store.user_by_username("ghost").await, Err(StoreError::NotFound)));
    let recs = db
        .store
        .search_audit(&AuditFilter { action: Some("user.create".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert!(recs.is_empty());
}

async fn lockout_bookkeeping(db: &TestDb) {
    let (_, _, community) = tree(db).await;
    let id = db.store.create_user(&ctx(), &new_user("li", &community, &[Role::GridWorker])).await.unwrap();
    for _ in 0..3 {
        db.store.record_login_failure(&ctx(), "li", "bad password").await.unwrap();
    }
    assert_eq!(db.store.login_failures_since("li", 0).await.unwrap(), 3);
    db.store.lock_user(&ctx(), id, i64::MAX / 2).await.unwrap();
    assert!(db.store.user_by_id(id).await.unwrap().locked_until.is_some());
    db.store.unlock_user(&ctx(), id).await.unwrap();
    assert_eq!(db.store.login_failures_since("li", 0).await.unwrap(), 0);
    assert!(db.store.use_totp_step(id, 10).await.unwrap());
    assert!(!db.store.use_totp_step(id, 10).await.unwrap(), "a TOTP step is accepted once");
    assert!(db.store.use_totp_step(id, 11).await.unwrap());
}

async fn sessions_roundtrip(db: &TestDb) {
    let (_, _, community) = tree(db).await;
    let id = db.store.create_user(&ctx(), &new_user("wang", &community, &[Role::GridWorker])).await.unwrap();
    let s = fengqiao_store::sessions::Session {
        token_hash: "h1".into(),
        user_id: id.0,
        kind: "web".into(),
        csrf_token: "c".into(),
        second_factor: fengqiao_domain::SecondFactor::Code,
        created_at: 10,
        last_seen_at: 10,
        expires_at: 1000,
        client_addr: "127.0.0.1".into(),
    };
    db.store.create_session(&s).await.unwrap();
    db.store.complete_mfa("h1", "h2", "c2").await.unwrap();
    assert!(db.store.session("h1").await.unwrap().is_none(), "the pending token is worth nothing after");
    db.store.touch_session("h2", 20).await.unwrap();
    let got = db.store.session("h2").await.unwrap().unwrap();
    assert_eq!((got.second_factor, got.last_seen_at), (fengqiao_domain::SecondFactor::Done, 20));
    assert_eq!(got.csrf_token, "c2");
    assert_eq!(db.store.purge_sessions(500, 1000).await.unwrap(), 0);
    assert_eq!(db.store.purge_sessions(2000, 1000).await.unwrap(), 1);
    assert!(db.store.session("h2").await.unwrap().is_none());
    db.store.delete_sessions_of(UserId(id.0), None).await.unwrap();
}

async fn audit_chain_verifies_and_search_filters(db: &TestDb) {
    for i in 0..5 {
        let ev = AuditEvent::new("person.read", "user", i, if i % 2 == 0 { Outcome::Success } else { Outcome::Denied });
        db.store.audit(&ctx(), &ev).await.unwrap();
    }
    assert_eq!(db.store.verify_audit().await.unwrap(), ChainCheck::Intact { records: 5 });
    let denied = db
        .store
        .search_audit(&AuditFilter { result: Some("denied".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(denied.len(), 2);
    let by_obj = db
        .store
        .search_audit(&AuditFilter { object: Some("user:3".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(by_obj.len(), 1);
    assert_eq!(by_obj[0].seq, 4);
}

async fn audit_log_refuses_updates_and_tampering_is_found(db: &TestDb) {
    for i in 0..4 {
        db.store.audit(&ctx(), &AuditEvent::new("x", "y", i, Outcome::Success)).await.unwrap();
    }
    // The application cannot change the log: the database itself refuses.
    let disable = match db.store.backend() {
        fengqiao_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        fengqiao_store::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    db.execute_raw(disable).await;
    db.execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await;
    match db.store.verify_audit().await.unwrap() {
        ChainCheck::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("altered"), "{reason}");
        }
        ok => panic!("tampering not detected: {ok:?}"),
    }
}

async fn audit_trigger_blocks_changes(db: &TestDb) {
    db.store.audit(&ctx(), &AuditEvent::new("x", "y", 1, Outcome::Success)).await.unwrap();
    use sqlx::Executor;
    let pool = sqlx::AnyPool::connect(db.url.expose()).await.unwrap();
    let err = pool.execute("UPDATE audit_log SET actor = 'mallory'").await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = pool.execute("DELETE FROM audit_log").await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    pool.close().await;
}

async fn deleted_audit_record_is_found(db: &TestDb) {
    for i in 0..4 {
        db.store.audit(&ctx(), &AuditEvent::new("x", "y", i, Outcome::Success)).await.unwrap();
    }
    let disable = match db.store.backend() {
        fengqiao_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_delete",
        fengqiao_store::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    db.execute_raw(disable).await;
    db.execute_raw("DELETE FROM audit_log WHERE seq = 2").await;
    match db.store.verify_audit().await.unwrap() {
        ChainCheck::Broken { seq, .. } => assert_eq!(seq, 2),
        ok => panic!("deletion not detected: {ok:?}"),
    }
}

/// Issue 9, item 14: values sealed before they were bound to their places (a database of an
/// earlier release) are re-sealed once, at the first start, and then open at their place.
async fn old_sealed_values_are_resealed_at_their_places(db: &TestDb) {
    let (_, _, community) = tree(db).await;
    let id = db.store.create_user(&ctx(), &new_user("lisi", &community, &[Role::GridWorker])).await.unwrap();
    // As an earlier release wrote it: sealed unbound, and no record of the re-sealing.
    let old = db.store.crypto.seal_unbound("13812345678");
    db.execute_raw(&format!("UPDATE users SET phone_enc = {} WHERE id = {}", hex_literal(db, &old), id.0)).await;
    db.execute_raw("DELETE FROM settings WHERE key = 'sealed_at_places'").await;
    let before = db.store.user_by_id(id).await.unwrap();
    assert!(db.store.crypto.open(before.phone_enc.as_ref().unwrap()).is_err(), "not yet at its place");
    db.store.check_data_key().await.unwrap();
    let after = db.store.user_by_id(id).await.unwrap();
    assert_eq!(db.store.crypto.open(after.phone_enc.as_ref().unwrap()).unwrap(), "13812345678");
    // Once only: a second start changes nothing.
    assert_eq!(db.store.reseal_at_places().await.unwrap(), 0);
    assert_eq!(db.store.user_by_id(id).await.unwrap().phone_enc, after.phone_enc);
}

/// A blob as an SQL literal of the backend.
fn hex_literal(db: &TestDb, b: &[u8]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    if db.url.expose().starts_with("postgres") { format!("'\\x{h}'::bytea") } else { format!("X'{h}'") }
}

async fn data_key_must_match(db: &TestDb) {
    db.store.check_data_key().await.unwrap();
    db.store.check_data_key().await.unwrap();
    let other = fengqiao_store::Store::connect(
        &db.url,
        fengqiao_store::Crypto::new(&fengqiao_store::DataKey::generate()),
        &fengqiao_store::StoreOptions::default(),
    )
    .await
    .unwrap();
    assert!(matches!(other.check_data_key().await, Err(StoreError::WrongDataKey)));
    other.close().await;
}

/// A batch of new matters is written in one transaction (group commit); a bad one fails
/// alone and the others land, each with its audit record, and the audit chain still verifies.
async fn intake_batch_is_isolated(db: &TestDb) {
    let s = &db.store;
    let station = s.create_unit(&ctx(), &NewUnit::new("ST", UnitKind::Station, "新义派出所", None)).await.unwrap();
    let grid = s.create_unit(&ctx(), &NewUnit::new("G1", UnitKind::Grid, "第1网格", Some(station.id))).await.unwrap();
    let matter = fengqiao_store::testing::new_hazard;
    let batch: Vec<_> = (0..40)
        .map(|i| (AuditCtx::system("test", "intake"), matter(if i == 17 { 999_999 } else { grid.id.0 }, i)))
        .collect();
    let results = s.create_matters(&batch).await;
    assert!(results[17].is_err(), "the matter with no grid is the one refused");
    let mut codes = Vec::new();
    let mut failures = 0;
    for r in results {
        match r {
            Ok(code) => codes.push(code),
            Err(_) => failures += 1,
        }
    }
    assert_eq!((codes.len(), failures), (39, 1), "the matter with no grid fails alone");
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 39, "every code is distinct");
    for c in &codes {
        assert_eq!(&s.matter_by_code(c).await.unwrap().code, c);
    }
    let created = s
        .search_audit(&AuditFilter { action: Some("matter.create".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(created.len(), 39, "one audit record per matter written, none for the failed one");
    assert!(matches!(s.verify_audit().await.unwrap(), ChainCheck::Intact { .. }));
}

contract_tests!(
    intake_batch_is_isolated,
    data_key_must_match,
    old_sealed_values_are_resealed_at_their_places,
    migrations_are_current_and_idempotent,
    newer_schema_is_refused,
    org_tree_paths_and_jurisdiction,
    duplicate_code_is_a_named_conflict_and_leaves_nothing,
    users_roles_and_sealed_phone,
    user_with_missing_unit_writes_nothing,
    lockout_bookkeeping,
    sessions_roundtrip,
    audit_chain_verifies_and_search_filters,
    audit_log_refuses_updates_and_tampering_is_found,
    audit_trigger_blocks_changes,
    deleted_audit_record_is_found,
);
