//! `fengqiao org list`: the organisation tree with codes (the jurisdiction codes
//! `user add --jurisdiction` takes).

use super::DbArgs;
use crate::config::Config;
use fengqiao_domain::org::UnitKind;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum OrgCommand {
    /// Create the root of the tree (the police station) in an empty database.
    Init {
        #[command(flatten)]
        db: DbArgs,
        /// Code of the station, e.g. XY.
        #[arg(long)]
        code: String,
        /// Name, e.g. 新义派出所.
        #[arg(long)]
        name: String,
    },
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
    let (db, kind) = match cmd {
        OrgCommand::Init { db, code, name } => return init(config, db, code, name).await,
        OrgCommand::List { db, kind } => (db, kind),
    };
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
    let key = |p: &str| p.split('/').filter_map(|s| s.parse::<i64>().ok()).collect::<Vec<_>>();
    units.sort_by_key(|u| key(&u.path.0));
    for u in units {
        let depth = u.path.0.matches('/').count().saturating_sub(2);
        let indent = if kind.is_some() { String::new() } else { "  ".repeat(depth) };
        println!("{indent}{:<20} {:<16} {}", u.code, u.kind.as_str(), u.name);
    }
    Ok(ExitCode::SUCCESS)
}

async fn init(config: Option<std::path::PathBuf>, db: DbArgs, code: String, name: String) -> anyhow::Result<ExitCode> {
    fengqiao_domain::org::validate_code(&code).map_err(|e| anyhow::anyhow!("--code: {e}"))?;
    if name.trim().is_empty() {
        anyhow::bail!("--name: required");
    }
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    db.apply(&mut cfg);
    let store = cfg.open_store(true).await?;
    if let Some(root) = store.root_unit().await? {
        anyhow::bail!("the organisation already has its root: {} {}", root.code, root.name);
    }
    let ctx = fengqiao_store::audit::AuditCtx::system("cli", "org init");
    let unit =
        store.create_unit(&ctx, &fengqiao_store::org::NewUnit::new(code, UnitKind::Station, name.trim(), None)).await?;
    println!("created station {} {}", unit.code, unit.name);
    Ok(ExitCode::SUCCESS)
}
