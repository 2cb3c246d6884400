//! Storage errors. A database failure is never turned into "not found": only a query that
//! ran and matched nothing is `NotFound`.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint refused the write; `constraint` names it so the
    /// server can tell the client which field clashed.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    #[error("cannot open database {url}")]
    Connect { url: String, source: sqlx::Error },
    #[error(
        "database {url} has schema version {found}, newer than this binary knows ({known}); upgrade fengqiao before using this database"
    )]
    SchemaTooNew { url: String, found: i64, known: i64 },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the configured data key does not match this database (personal data was sealed with another key)")]
    WrongDataKey,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) => {
                let msg = db.message();
                if let Some(c) = db.constraint() {
                    return StoreError::Conflict { constraint: c.to_string() };
                }
                // SQLite reports "UNIQUE constraint failed: users.username" without a name.
                if let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") {
                    let constraint = cols.split(',').next().unwrap_or(cols).trim().replace('.', "_");
                    return StoreError::Conflict { constraint: format!("{constraint}_key") };
                }
                if msg.starts_with("FOREIGN KEY constraint failed") {
                    return StoreError::Conflict { constraint: "foreign_key".into() };
                }
                StoreError::Database(e)
            }
            _ => StoreError::Database(e),
        }
    }
}
