//! Per-test databases: a fresh SQLite file in a temporary folder, or a fresh PostgreSQL
//! database created on the server named by `FENGQIAO_TEST_POSTGRES` and dropped afterwards.
//! When `FENGQIAO_REQUIRE_POSTGRES` is set, a missing PostgreSQL fails the test instead of
//! skipping it (the test command sets both).

use crate::{Crypto, DataKey, DatabaseUrl, Store, StoreOptions};
use rand::Rng;
use sqlx::any::AnyPoolOptions;

pub struct TestDb {
    pub store: Store,
    pub url: DatabaseUrl,
    pub key: DataKey,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::new(format!("sqlite://{}", dir.path().join("test.db").display()));
        Self::open(url, Some(dir), None).await
    }

    /// `None` when PostgreSQL is not configured for tests (and not required).
    pub async fn postgres() -> Option<TestDb> {
        let base = match std::env::var("FENGQIAO_TEST_POSTGRES") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                assert!(
                    std::env::var_os("FENGQIAO_REQUIRE_POSTGRES").is_none(),
                    "FENGQIAO_REQUIRE_POSTGRES is set but FENGQIAO_TEST_POSTGRES is not"
                );
                eprintln!("skipped: FENGQIAO_TEST_POSTGRES is not set");
                return None;
            }
        };
        sqlx::any::install_default_drivers();
        let name = format!("fengqiao_test_{:016x}", rand::thread_rng().r#gen::<u64>());
        let admin =
            AnyPoolOptions::new().max_connections(1).connect(&base).await.expect("connect to FENGQIAO_TEST_POSTGRES");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create test database");
        admin.close().await;
        let url = DatabaseUrl::new(replace_db_name(&base, &name));
        Some(Self::open(url, None, Some((base, name))).await)
    }

    async fn open(url: DatabaseUrl, dir: Option<tempfile::TempDir>, pg: Option<(String, String)>) -> TestDb {
        let key = DataKey::generate();
        let store = Store::connect(&url, Crypto::new(&key), &StoreOptions::default()).await.expect("connect");
        store.migrate().await.expect("migrate");
        TestDb { store, url, key, _dir: dir, pg }
    }

    /// Run SQL straight on the database, going around the application (for tampering tests).
    pub async fn execute_raw(&self, sql: &str) {
        use sqlx::Executor;
        self.store.write.execute(sql).await.expect("raw SQL");
    }

    /// Close pools and drop the PostgreSQL database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((base, name)) = self.pg {
            let admin = AnyPoolOptions::new().max_connections(1).connect(&base).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await
                .expect("drop test database");
            admin.close().await;
        }
    }
}

/// Replace the database name in a PostgreSQL URL.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let prefix = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Generate a test for each backend from one async function taking `&TestDb`.
#[macro_export]
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::testing::TestDb::sqlite().await;
                super::$name(&db).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDb::postgres().await {
                    super::$name(&db).await;
                    db.finish().await;
                }
            }
        }
    )*};
}

impl crate::Store {
    /// Move a matter's creation back in time (tests of ordering only); marks it changed.
    pub async fn set_created_for_tests(&self, code: &str, at: i64) -> crate::StoreResult<()> {
        sqlx::query("UPDATE matters SET created_at = $1, updated_at = $2 WHERE code = $3")
            .bind(at)
            .bind(crate::now_ms())
            .bind(code)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Move a matter's registration back in time (tests of time rules only).
    /// As a database of before migration 18: no phone tails, and not yet filled.
    pub async fn forget_phone_tails_for_tests(&self) -> crate::StoreResult<()> {
        sqlx::query("UPDATE residents SET phone_tail_hash = NULL").execute(&self.write).await?;
        sqlx::query("DELETE FROM settings WHERE key = 'phone_tails'").execute(&self.write).await?;
        Ok(())
    }

    /// Move a matter's acknowledgement and resolution deadlines (tests of what is overdue).
    pub async fn set_deadlines_for_tests(
        &self,
        code: &str,
        ack_due_at: i64,
        resolve_due_at: i64,
    ) -> crate::StoreResult<()> {
        sqlx::query("UPDATE matters SET ack_due_at = $1, resolve_due_at = $2 WHERE code = $3")
            .bind(ack_due_at)
            .bind(resolve_due_at)
            .bind(code)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn backdate_for_tests(&self, code: &str, at: i64) -> crate::StoreResult<()> {
        sqlx::query(
            "UPDATE matter_events SET at = $1 WHERE event = 'register' AND matter_id = (SELECT id FROM matters WHERE code = $2)",
        )
        .bind(at)
        .bind(code)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}

/// A new hazard report in a grid (the `i`-th, so narratives differ), for intake tests.
pub fn new_hazard(grid_id: i64, i: usize) -> crate::matters::NewMatter {
    use fengqiao_domain::matter::{Difficulty, MatterKind, Priority, Source};
    crate::matters::NewMatter {
        kind: MatterKind::Hazard,
        category: "other".into(),
        priority: Priority::Normal,
        narrative: format!("楼道堆放杂物第{i}处"),
        source: Source::Api,
        grid_id,
        household_id: None,
        lat: None,
        lon: None,
        address: None,
        reporter_name: None,
        reporter_phone: None,
        tier: None,
        approach: None,
        ack_due_at: 0,
        resolve_due_at: 0,
        difficulty: Difficulty::Ordinary,
        five_small: None,
        open311: None,
        initial: Default::default(),
    }
}
