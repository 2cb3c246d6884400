//! One file per subcommand.

pub mod audit;
pub mod demo;
pub mod healthcheck;
pub mod import;
pub mod migrate;
pub mod open311;
pub mod org;
pub mod reindex;
pub mod serve;
pub mod user;
pub mod worker;

use crate::config::{Config, Secret};

/// Flags shared by commands that open the database.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://... (also FENGQIAO_DATABASE).
    #[arg(long)]
    pub database: Option<String>,
}

impl DbArgs {
    pub fn apply(&self, cfg: &mut Config) {
        if let Some(d) = &self.database {
            cfg.database = Secret(d.clone());
        }
    }
}
