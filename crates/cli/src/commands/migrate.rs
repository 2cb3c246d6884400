//! `fengqiao migrate`: apply pending migrations and report the schema version.

use super::DbArgs;
use crate::config::Config;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(config: Option<std::path::PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    args.db.apply(&mut cfg);
    let store = cfg.open_store(true).await?;
    let s = store.schema_status().await?;
    println!("{}: schema version {} (current)", store.url(), s.applied);
    Ok(ExitCode::SUCCESS)
}
