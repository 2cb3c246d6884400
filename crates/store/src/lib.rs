//! Fengqiao's storage: one `Store` for SQLite and PostgreSQL, chosen by URL scheme.
//!
//! All SQL is written once, with `$1`-style placeholders that both backends accept, and runs
//! through sqlx's `Any` driver. Types are kept to what both share: BIGINT (times as UTC
//! milliseconds, flags as 0/1), TEXT and BLOB/BYTEA. Only the migrations differ per backend
//! (identity columns, triggers), in `migrations/sqlite` and `migrations/postgres`.
//!
//! Every change is written in one transaction together with its audit record (see
//! [`audit`]); personal data is sealed by [`crypto`] before it reaches SQL.

pub mod audit;
pub mod crypto;
pub mod daily_posts;
mod db;
pub mod error;
pub mod five_small;
pub mod instructions;
pub mod jobs;
pub mod matter_list;
pub mod matters;
pub mod mediation;
pub mod notify;
pub mod open311;
pub mod operations;
pub mod org;
pub mod outbox;
pub mod registry;
pub mod roster;
pub mod routing;
pub mod screening;
pub mod search_feed;
pub mod sessions;
pub mod supervision;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;
pub mod video;
pub mod volunteers;
pub mod workbench;

pub use crypto::{Crypto, DataKey, Sealed};
pub use db::{Backend, DatabaseUrl, SchemaStatus, Store, StoreOptions};
pub use error::{StoreError, StoreResult};
/// A connection (or a transaction, through `&mut *tx`) for the low-level `insert_*` helpers.
pub use sqlx::AnyConnection as Conn;

/// A write transaction, from [`Store::begin`].
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Commit a transaction, mapping the error like every other store call.
pub async fn commit(tx: Tx) -> StoreResult<()> {
    Ok(tx.commit().await?)
}

/// Current time as UTC milliseconds since the epoch, the unit of every time column.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
