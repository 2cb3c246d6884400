//! `fengqiao audit verify`: walk the hash chain.

use super::DbArgs;
use crate::config::Config;
use fengqiao_store::audit::ChainCheck;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log's hash chain; exits non-zero naming the first broken record.
    Verify(DbArgs),
}

pub async fn run(config: Option<std::path::PathBuf>, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify(db) = cmd;
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    db.apply(&mut cfg);
    let store = cfg.open_store(false).await?;
    match store.verify_audit().await? {
        ChainCheck::Intact { records } => {
            println!("audit log intact: {records} records");
            Ok(ExitCode::SUCCESS)
        }
        ChainCheck::Broken { seq, reason } => {
            eprintln!("audit log broken at record {seq}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}
