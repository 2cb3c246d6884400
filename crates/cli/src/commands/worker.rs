//! `fengqiao worker`: run only the periodic jobs (tier time rules, reminders, session purge),
//! for deployments that keep them apart from the nodes serving requests. Any number of
//! workers and servers may run: each job runs once per period (leases in the database).

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
    crate::config::init_logging(&cfg);
    let store = cfg.open_store(true).await?;
    let app = super::serve::build_app(&cfg, store)?;
    let runner = fengqiao_app::jobs::Runner::standard(app.clone());
    let notifier =
        fengqiao_app::jobs::Runner::new(app, fengqiao_app::jobs::node_name(), fengqiao_app::jobs::notifier());
    println!("Fengqiao worker {} runs the periodic jobs", runner.node());
    tokio::select! {
        _ = runner.run_forever(super::serve::JOB_TICK) => {}
        _ = notifier.run_forever(super::serve::NOTIFY_TICK) => {}
        _ = tokio::signal::ctrl_c() => tracing::info!("worker stopping"),
    }
    Ok(ExitCode::SUCCESS)
}
