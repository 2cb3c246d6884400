//! Imports shared by `fengqiao import` and the upload page: parse everything, report every
//! bad row with its line, column and reason, then write all good rows in one transaction —
//! or nothing, unless the caller chose to skip invalid rows.

pub mod csvrows;
pub mod grids;
pub mod registry;

use serde::Serialize;

/// One rejected row (or feature).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// 1-based line in the file where the row (or feature) starts.
    pub line: usize,
    /// The column (CSV header, or GeoJSON property / member) at fault.
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.column, self.message)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Rows rejected; with `skip_invalid` false, a non-empty list means nothing was written.
    pub rejected: Vec<RowError>,
    /// Whether anything was written.
    pub committed: bool,
}

/// A failure of the whole file (unreadable, not the expected format).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Store(#[from] fengqiao_store::StoreError),
}

/// Upload registry rows (households, residents or organisations) as CSV into the actor's
/// jurisdiction: every row checked and each bad one named by line and column; nothing is
/// written unless all are good, or, with `skip_invalid`, the good ones are written and the
/// rejects handed back as CSV. The page's upload and the API share it.
pub async fn upload(
    app: &crate::App,
    actor: &crate::Actor,
    kind: &str,
    filename: &str,
    text: &str,
    skip_invalid: bool,
) -> crate::Result<registry::CsvOutcome> {
    use crate::Error;
    if kind == "cameras" {
        return crate::video::import::upload(app, actor, filename, text, skip_invalid).await;
    }
    let home = actor.jurisdiction().clone();
    actor
        .authorize(app, fengqiao_domain::policy::Action::ImportRegistry, &home, ("registry", &actor.user.unit_code))
        .await?;
    if text.trim().is_empty() {
        return Err(Error::field("file", "the file is empty"));
    }
    let ctx = actor.audit_ctx(&format!("upload {kind} {filename}"));
    let within = Some(&home);
    let outcome = match kind {
        "households" | "organisations" => {
            let index = crate::routing::build(app.store.grid_routes().await?);
            if kind == "households" {
                registry::households(&app.store, &index, within, &ctx, text, skip_invalid, &|_, _| {}).await
            } else {
                registry::organisations(&app.store, &index, within, &ctx, text, skip_invalid, &|_, _| {}).await
            }
        }
        "residents" => registry::residents(&app.store, within, &ctx, text, skip_invalid, &|_, _| {}).await,
        _ => return Err(Error::field("kind", "households, residents, organisations or cameras")),
    };
    match outcome {
        Ok(o) => Ok(o),
        Err(ImportError::File(m)) => Err(Error::field("file", m)),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}
