//! `fengqiao org list`: the organisation tree with codes (the jurisdiction codes
//! `user add --jurisdiction` takes).

use super::DbArgs;
use crate::config::Config;
use fengqiao_domain::org::UnitKind;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum OrgCommand {
    /// List units as an indented tree: code, kind, name.
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Only units of this kind (station, street, community, police_grid, grid, ...).
        #[arg(long)]
        kind: Option<String>,
    },
}

pub async fn run(config: Option<std::path::PathBuf>, cmd: OrgCommand) -> anyhow::Result<ExitCode> {
    let OrgCommand::List { db, kind } = cmd;
    let kind = match kind {
        Some(k) => Some(UnitKind::parse(&k).ok_or_else(|| {
            let all: Vec<&str> = UnitKind::ALL.iter().map(|k| k.as_str()).collect();
            anyhow::anyhow!("--kind: unknown unit kind \"{k}\"; one of {}", all.join(", "))
        })?),
        None => None,
    };
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    db.apply(&mut cfg);
    let store = cfg.open_store(false).await?;
    let Some(root) = store.root_unit().await? else {
        println!("(no organisation yet)");
        return Ok(ExitCode::SUCCESS);
    };
    let mut units = store.units_under(&root.path, kind).await?;
    units.sort_by(|a, b| a.path.0.cmp(&b.path.0));
    for u in units {
        let depth = u.path.0.matches('/').count().saturating_sub(2);
        let indent = if kind.is_some() { String::new() } else { "  ".repeat(depth) };
        println!("{indent}{:<20} {:<16} {}", u.code, u.kind.as_str(), u.name);
    }
    Ok(ExitCode::SUCCESS)
}
