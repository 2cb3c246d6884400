//! `fengqiao reindex`: rebuild this node's full-text index from the database (the index is
//! derived; the database is the truth). A running server rebuilds a missing index by
//! itself; this command does it on demand, e.g. after restoring a backup.

use super::DbArgs;
use crate::config::Config;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DbArgs,
    /// The index directory (default: the configuration's server.index_dir).
    #[arg(long)]
    index_dir: Option<std::path::PathBuf>,
}

pub async fn run(config: Option<std::path::PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    args.db.apply(&mut cfg);
    let Some(dir) = args.index_dir.or(cfg.server.index_dir.clone()) else {
        anyhow::bail!(
            "no index directory: give --index-dir or set server.index_dir (an in-memory index is rebuilt at every start)"
        );
    };
    let store = cfg.open_store(false).await?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| anyhow::anyhow!("cannot clear {}: {e}", dir.display()))?;
    }
    let started = Instant::now();
    let index = fengqiao_app::search::SearchIndex::open(&dir)?;
    let n = index.sync(&store).await?;
    println!("indexed {n} matters into {} in {:.1} s", dir.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
