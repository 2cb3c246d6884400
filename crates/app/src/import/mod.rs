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
