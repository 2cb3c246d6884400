//! `fengqiao open311 add-client NAME` / `revoke NAME`: the Open311 clients allowed to post
//! requests. The API key is printed once; only its keyed hash is kept.

use super::DbArgs;
use crate::config::Config;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Open311Command {
    /// Register a client (an app, a city hotline system) and print its API key once.
    AddClient {
        #[command(flatten)]
        db: DbArgs,
        /// A name for the client, e.g. 市民热线.
        name: String,
    },
    /// Revoke a client's key: its posts are refused from then on.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        name: String,
    },
}

pub async fn run(config: Option<std::path::PathBuf>, cmd: Open311Command) -> anyhow::Result<ExitCode> {
    let (db, name, add) = match cmd {
        Open311Command::AddClient { db, name } => (db, name, true),
        Open311Command::Revoke { db, name } => (db, name, false),
    };
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        anyhow::bail!("NAME: 1–64 characters");
    }
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    db.apply(&mut cfg);
    let store = cfg.open_store(false).await?;
    let ctx = fengqiao_store::audit::AuditCtx::system("cli", "open311 clients");
    if add {
        let key = store.add_open311_client(&ctx, &name).await.map_err(|e| match e {
            fengqiao_store::StoreError::Conflict { .. } => anyhow::anyhow!("a client named \"{name}\" exists"),
            e => e.into(),
        })?;
        println!("Open311 client \"{name}\" added. API key (shown once, keep it secret):\n{key}");
    } else {
        store.revoke_open311_client(&ctx, &name).await.map_err(|e| match e {
            fengqiao_store::StoreError::NotFound => anyhow::anyhow!("no active client named \"{name}\""),
            e => e.into(),
        })?;
        println!("Open311 client \"{name}\" revoked");
    }
    Ok(ExitCode::SUCCESS)
}
