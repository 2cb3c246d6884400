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
    let mut state = fengqiao_server::AppState::new(store, cfg.server.clone()).with_index_dir()?;
    if let Some(file) = &cfg.risk_lexicon_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("configuration: risk_lexicon_file {}: {e}", file.display()))?;
        let lexicon = fengqiao_domain::risk::Lexicon::parse(&text)
            .map_err(|e| anyhow::anyhow!("configuration: risk_lexicon_file {}: {e}", file.display()))?;
        state = state.with_lexicon(lexicon);
    }
    fengqiao_server::serve(state, listen, |addr| {
        println!("Fengqiao is serving on http://{addr}");
        tracing::info!(%addr, "listening");
        on_bound(addr);
    })
    .await
}
