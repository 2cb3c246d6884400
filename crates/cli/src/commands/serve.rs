//! `fengqiao serve`: migrate and serve.

use super::DbArgs;
use crate::config::Config;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on, e.g. 127.0.0.1:8080 or 0.0.0.0:80 (port 0 picks a free port).
    #[arg(long)]
    pub listen: Option<String>,
}

pub async fn run(config: Option<std::path::PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    args.db.apply(&mut cfg);
    if let Some(l) = args.listen {
        cfg.listen = l;
    }
    crate::config::init_logging(&cfg);
    let store = cfg.open_store(true).await?;
    serve(cfg, store, |_| {}).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(cfg: Config, store: fengqiao_store::Store, on_bound: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let listen: SocketAddr = cfg
        .listen
        .parse()
        .map_err(|e| anyhow::anyhow!("configuration: listen \"{}\" is not an address ({e})", cfg.listen))?;
    let app = build_app(&cfg, store)?;
    // The periodic jobs run beside the server; leases keep them to once per period however
    // many nodes run (see fengqiao_app::jobs).
    tokio::spawn(fengqiao_app::jobs::Runner::standard(app.clone()).run_forever(JOB_TICK));
    // Notices to DingTalk, WeCom and webhooks: a delivery pass every second, on one node.
    let notifier =
        fengqiao_app::jobs::Runner::new(app.clone(), fengqiao_app::jobs::node_name(), fengqiao_app::jobs::notifier());
    tokio::spawn(notifier.run_forever(NOTIFY_TICK));
    if app.settings.public_url.trim().is_empty() && listen.ip().is_unspecified() {
        tracing::warn!(%listen, "public_url is not set: household QR codes cannot be printed until it is");
    }
    let scheme = if app.settings.tls_cert_file.is_some() { "https" } else { "http" };
    fengqiao_server::serve(fengqiao_server::AppState::with_app(app), listen, move |addr| {
        println!("Fengqiao is serving on {scheme}://{addr}");
        tracing::info!(%addr, "listening");
        on_bound(addr);
    })
    .await
}

/// How often a node looks for periodic jobs to run (each runs once per its own period).
pub const JOB_TICK: std::time::Duration = std::time::Duration::from_secs(30);
/// How often a node looks for notices to deliver.
pub const NOTIFY_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// The application as configured: the search index's place and the installation's lexicon.
pub fn build_app(cfg: &Config, store: fengqiao_store::Store) -> anyhow::Result<fengqiao_app::App> {
    let mut app = fengqiao_app::App::new(store, cfg.server.clone())
        .with_index_dir()?
        .with_group_commit()
        .with_transport(fengqiao_server::notify_http::transport());
    if let Some(file) = &cfg.risk_lexicon_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("configuration: risk_lexicon_file {}: {e}", file.display()))?;
        let lexicon = fengqiao_domain::risk::Lexicon::parse(&text)
            .map_err(|e| anyhow::anyhow!("configuration: risk_lexicon_file {}: {e}", file.display()))?;
        app = app.with_lexicon(lexicon);
    }
    Ok(app)
}
