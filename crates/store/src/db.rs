//! Connecting, pools, migrations and readiness.

use crate::{Crypto, StoreError, StoreResult};
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};
use std::fmt;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// A database URL. It may hold a password, so `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        let s = &self.0;
        if let Some((scheme, rest)) = s.split_once("://")
            && let Some((userinfo, host)) = rest.split_once('@')
            && let Some((user, _pw)) = userinfo.split_once(':')
        {
            return format!("{scheme}://{user}:***@{host}");
        }
        s.clone()
    }

    pub fn backend(&self) -> Option<Backend> {
        if self.0.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite `synchronous` setting: `FULL` (default, durability first) or `NORMAL`.
    pub sqlite_synchronous: String,
    /// Connections in the read pool (and the whole pool on PostgreSQL).
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { sqlite_synchronous: "FULL".into(), max_connections: 8 }
    }
}

/// The storage handle. Cheap to clone.
///
/// On SQLite, writes go through a pool of one connection so that writers queue inside the
/// process instead of failing with `SQLITE_BUSY`; reads use their own pool (WAL lets them run
/// beside the writer). On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Store {
    pub(crate) read: AnyPool,
    pub(crate) write: AnyPool,
    backend: Backend,
    url: DatabaseUrl,
    pub crypto: Crypto,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Highest migration applied to the database (0 when none).
    pub applied: i64,
    /// Highest migration this binary carries.
    pub known: i64,
}

impl SchemaStatus {
    pub fn current(&self) -> bool {
        self.applied == self.known
    }
}

impl Store {
    /// Open a database by URL (`sqlite://PATH` or `postgres://...`). Does not migrate.
    pub async fn connect(url: &DatabaseUrl, crypto: Crypto, opts: &StoreOptions) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = url.backend().ok_or_else(|| StoreError::Connect {
            url: url.redacted(),
            source: sqlx::Error::Configuration("the URL must start with sqlite:// or postgres://".into()),
        })?;
        let connect_err = |source| StoreError::Connect { url: url.redacted(), source };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let conn_url = sqlite_url(url.expose());
                let sync = opts.sqlite_synchronous.to_ascii_uppercase();
                if !matches!(sync.as_str(), "FULL" | "NORMAL" | "EXTRA") {
                    return Err(connect_err(sqlx::Error::Configuration(
                        format!("sqlite_synchronous must be FULL, NORMAL or EXTRA, not {sync}").into(),
                    )));
                }
                let pragmas = format!(
                    // SQLite's default page cache is 2 MB; a registry's indexes are far larger,
                    // and random inserts then read pages back from the OS for every row.
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = {sync}; \
                     PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;"
                );
                let write = sqlite_pool(1, pragmas.clone(), true).connect(&conn_url).await.map_err(connect_err)?;
                let read =
                    sqlite_pool(opts.max_connections, pragmas, false).connect(&conn_url).await.map_err(connect_err)?;
                (read, write)
            }
            Backend::Postgres => {
                // One direct attempt first: an unreachable server answers at once with its
                // real reason instead of a pool timeout.
                {
                    use sqlx::Connection;
                    let conn = AnyConnection::connect(url.expose()).await.map_err(connect_err)?;
                    conn.close().await.map_err(connect_err)?;
                }
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url.expose())
                    .await
                    .map_err(connect_err)?;
                (pool.clone(), pool)
            }
        };
        Ok(Store { read, write, backend, url: url.clone(), crypto })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Which migrations the database has, against what this binary knows.
    pub async fn schema_status(&self) -> StoreResult<SchemaStatus> {
        let known = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let exists_sql = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let exists: i64 = sqlx::query(exists_sql).fetch_one(&self.read).await?.try_get(0)?;
        let applied = if exists == 0 {
            0
        } else {
            let row =
                sqlx::query("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations").fetch_one(&self.read).await?;
            row.try_get::<i64, _>(0)?
        };
        Ok(SchemaStatus { applied, known })
    }

    /// Apply pending migrations; refuse a database written by a newer version.
    pub async fn migrate(&self) -> StoreResult<SchemaStatus> {
        let status = self.schema_status().await?;
        if status.applied > status.known {
            return Err(StoreError::SchemaTooNew {
                url: self.url.redacted(),
                found: status.applied,
                known: status.known,
            });
        }
        self.migrator().run(&self.write).await?;
        self.schema_status().await
    }

    /// Readiness: the database answers and the schema is current.
    pub async fn ready(&self) -> StoreResult<SchemaStatus> {
        sqlx::query("SELECT 1").fetch_one(&self.read).await?;
        self.schema_status().await
    }

    /// Make sure the configured data key is the one this database was sealed with: the first
    /// start stores a sealed marker; later starts must be able to open it.
    pub async fn check_data_key(&self) -> StoreResult<()> {
        const MARKER: &str = "fengqiao data key check v1";
        let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'data_key_check'")
            .fetch_optional(&self.write)
            .await?;
        match stored {
            Some(hexed) => {
                let blob = hex::decode(&hexed).map_err(|_| StoreError::Corrupt("data_key_check is not hex".into()))?;
                match self.crypto.open_unbound(&blob) {
                    Ok(m) if m == MARKER => {}
                    _ => return Err(StoreError::WrongDataKey),
                }
            }
            None => {
                sqlx::query("INSERT INTO settings (key, value) VALUES ('data_key_check', $1)")
                    .bind(hex::encode(self.crypto.seal_unbound(MARKER)))
                    .execute(&self.write)
                    .await?;
            }
        }
        self.reseal_at_places().await?;
        self.fill_phone_tails().await?;
        Ok(())
    }

    /// Re-seal, once, the values sealed before they were bound to their places (issue 9,
    /// item 14): each is opened unbound and sealed again for its table, column and row key.
    /// All in one transaction, claimed by a settings row, so of several nodes starting at
    /// once one does it and the others wait and find it done. Returns how many were re-sealed.
    pub async fn reseal_at_places(&self) -> StoreResult<u64> {
        /// (table, column, the row key: `id` or a unique text column).
        const PLACES: &[(&str, &str, &str)] = &[
            ("users", "phone_enc", "id"),
            ("users", "totp_secret_enc", "id"),
            ("volunteers", "phone_enc", "id"),
            ("households", "phone_enc", "code"),
            ("households", "qr_token_enc", "code"),
            ("residents", "id_enc", "id_hash"),
            ("residents", "phone_enc", "id_hash"),
            ("organisations", "responsible_phone_enc", "code"),
            ("matters", "reporter_phone_enc", "id"),
            ("matter_parties", "id_number_enc", "id"),
            ("matter_parties", "phone_enc", "id"),
        ];
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('sealed_at_places', 'v2') ON CONFLICT (key) DO NOTHING",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(0);
        }
        let mut n = 0;
        for (table, column, key) in PLACES {
            let sql = format!("SELECT CAST({key} AS TEXT), {column} FROM {table} WHERE {column} IS NOT NULL");
            let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
            let place = format!("{table}.{column}");
            let update = format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2");
            for (row, blob) in rows {
                let plain = self.crypto.open_unbound(&blob).map_err(|_| {
                    StoreError::Corrupt(format!("{place} of row {row} cannot be opened to be re-sealed"))
                })?;
                let q = sqlx::query(&update).bind(self.crypto.seal_at(&place, &row, &plain));
                let q = match *key {
                    "id" => q.bind(row.parse::<i64>().map_err(|_| StoreError::Corrupt(format!("{table} id {row}")))?),
                    _ => q.bind(row.clone()),
                };
                q.execute(&mut *tx).await?;
                n += 1;
            }
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Give residents imported before migration 18 the hash of their phone's last four
    /// digits, once (claimed by a settings row, in one transaction, as the re-sealing).
    pub async fn fill_phone_tails(&self) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let claimed =
            sqlx::query("INSERT INTO settings (key, value) VALUES ('phone_tails', 'v1') ON CONFLICT (key) DO NOTHING")
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if claimed == 0 {
            return Ok(0);
        }
        let rows: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
            "SELECT id, id_hash, phone_enc FROM residents WHERE phone_enc IS NOT NULL AND phone_tail_hash IS NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut n = 0;
        for (id, id_hash, blob) in rows {
            let phone = self.crypto.open(&crate::crypto::Sealed::new(blob, "residents.phone_enc", &id_hash))?;
            sqlx::query("UPDATE residents SET phone_tail_hash = $1 WHERE id = $2")
                .bind(crate::registry::phone_tail_hash(&self.crypto, &phone))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Begin a write transaction (on the writer pool).
    pub async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.write.begin().await?)
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

fn sqlite_pool(max: u32, pragmas: String, writer: bool) -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(30)).after_connect(
        move |conn: &mut AnyConnection, _meta| {
            let pragmas = pragmas.clone();
            Box::pin(async move {
                if writer {
                    conn.execute("PRAGMA journal_mode = WAL;").await?;
                }
                conn.execute(pragmas.as_str()).await?;
                Ok(())
            })
        },
    )
}

/// `sqlite://file.db` → `sqlite://file.db?mode=rwc` so a new file is created.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        let u = DatabaseUrl::new("postgres://fq:s3cret@db.example:5432/fengqiao");
        assert_eq!(u.to_string(), "postgres://fq:***@db.example:5432/fengqiao");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(DatabaseUrl::new("sqlite://x.db").to_string(), "sqlite://x.db");
    }
}
