//! `fengqiao`: one binary for the whole product. Each subcommand lives in its own file
//! under `commands/`; everything else is in the library crates.

mod commands;
mod config;
mod demo;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "fengqiao", version, about = "枫桥 Fengqiao — community policing and dispute resolution")]
struct Cli {
    /// Configuration file (TOML). Default: ./fengqiao.toml when it exists.
    #[arg(long, global = true, env = "FENGQIAO_CONFIG")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and API (and run the periodic jobs).
    Serve(commands::serve::Args),
    /// Run only the periodic jobs (once per period across all nodes).
    Worker(commands::worker::Args),
    /// Build (once) and serve the demo jurisdiction on embedded SQLite.
    Demo(commands::demo::Args),
    /// Apply database migrations.
    Migrate(commands::migrate::Args),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Show the organisation.
    #[command(subcommand)]
    Org(commands::org::OrgCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Import data from files (all-or-nothing unless --skip-invalid).
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Rebuild the full-text index from the database.
    Reindex(commands::reindex::Args),
    /// Open311 GeoReport v2 clients and their API keys.
    #[command(subcommand)]
    Open311(commands::open311::Open311Command),
    /// Check that a running server is ready (exit 0) or not (exit 1).
    Healthcheck(commands::healthcheck::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Serve(a) => commands::serve::run(cli.config, a).await,
            Command::Worker(a) => commands::worker::run(cli.config, a).await,
            Command::Demo(a) => commands::demo::run(cli.config, a).await,
            Command::Migrate(a) => commands::migrate::run(cli.config, a).await,
            Command::User(c) => commands::user::run(cli.config, c).await,
            Command::Org(c) => commands::org::run(cli.config, c).await,
            Command::Audit(c) => commands::audit::run(cli.config, c).await,
            Command::Import(c) => commands::import::run(cli.config, c).await,
            Command::Open311(c) => commands::open311::run(cli.config, c).await,
            Command::Reindex(a) => commands::reindex::run(cli.config, a).await,
            Command::Healthcheck(a) => commands::healthcheck::run(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            // The cause chain, without repeating what an outer message already says.
            let mut msg = String::new();
            for cause in e.chain() {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    if !msg.is_empty() {
                        msg.push_str(": ");
                    }
                    msg.push_str(&c);
                }
            }
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
