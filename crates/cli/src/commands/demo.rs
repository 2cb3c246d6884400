//! `fengqiao demo`: create (once) and serve the demo jurisdiction on embedded SQLite, then
//! print the address and one login per role.

use super::DbArgs;
use crate::config::{Config, Secret};
use crate::demo::{self, DEMO_PASSWORD, LOGINS};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long)]
    pub listen: Option<String>,
    /// Seed of the generator: the same seed gives the same jurisdiction.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Households to generate (spread over the 156 grids) the first time.
    #[arg(long, default_value_t = 30_000)]
    pub households: usize,
}

pub async fn run(config: Option<std::path::PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let defaults = Config { database: Secret("sqlite://fengqiao-demo.db".into()), ..Config::default() };
    let mut cfg = Config::load(config.as_deref(), defaults)?;
    args.db.apply(&mut cfg);
    if let Some(l) = args.listen {
        cfg.listen = l;
    }
    crate::config::init_logging(&cfg);
    let started = Instant::now();
    let store = cfg.open_store(true).await?;
    if store.root_unit().await?.is_none() {
        println!("Generating the demo jurisdiction (seed {}) ...", args.seed);
        let s = demo::generate(&store, args.seed, args.households).await?;
        // The open matters' escalation risk, as intake would have scored it.
        for id in store.open_matter_ids().await? {
            store.reassess(id, fengqiao_domain::risk::Lexicon::default_shared()).await?;
        }
        // A day's instructions from the command room, in every state.
        let instructions = demo::instructions::generate(&store, args.seed, fengqiao_store::now_ms()).await?;
        // The video patrol: cameras over the seed's categories, plans and the last hours' looks.
        let cameras = demo::cameras::generate(&store, args.seed, fengqiao_store::now_ms()).await?;
        // The command room's roster, four weeks of it, and yesterday's handover.
        let app = fengqiao_app::App::new(store.clone(), Default::default());
        let shifts = demo::roster::generate(&app, &store, fengqiao_store::now_ms()).await?;
        // Case work by size: the case team's and the battalions' officers, cases set up.
        let cases = demo::cases::generate(&store, args.seed, fengqiao_store::now_ms()).await?;
        // The supervision desk: slips in three colours and last week's spot check.
        let (slips, drawn) = demo::supervision::generate(&app, &store, args.seed, fengqiao_store::now_ms()).await?;
        // The last week's daily grid posts, most sent to the grids' groups.
        let (posts, posts_sent) = demo::daily_posts::generate(&app, &store, fengqiao_store::now_ms()).await?;
        let ctx = fengqiao_store::audit::AuditCtx::system("demo", "open311 demo client");
        store.add_open311_client_with_key(&ctx, "示例应用", &demo_open311_key(args.seed)).await?;
        println!(
            "  {} units ({} police grids, {} grids), {} staff accounts, {} volunteers, {} households, {} residents, {} organisations, {} visits, {} matters, {} instructions, {} cameras, {} shifts, {} cases worked by size, {} supervision slips, {} matters drawn for review, {} daily grid posts ({} sent) in {:.1} s",
            s.units,
            s.police_grids,
            s.grids,
            s.accounts,
            s.volunteers,
            s.registry.households,
            s.registry.residents,
            s.registry.organisations,
            s.registry.visits,
            s.matters,
            instructions,
            cameras,
            shifts,
            cases,
            slips,
            drawn,
            posts,
            posts_sent,
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("Reusing the demo database {}", store.url());
    }
    let mut lines = vec![];
    for (username, role) in LOGINS {
        let user = store.user_by_username(username).await?;
        let totp = match (&user.totp_secret_enc, user.totp_enabled) {
            (Some(enc), true) => format!("  TOTP secret {}", store.crypto.open(enc)?),
            _ => String::new(),
        };
        lines.push(format!(
            "  {:<10} {:<12} {} / {}{}",
            username,
            user.unit_code,
            role.label_zh(),
            role.label_en(),
            totp
        ));
    }
    let listen = cfg.listen.clone();
    let open311_key = demo_open311_key(args.seed);
    super::serve::serve(cfg, store, move |addr| {
        println!();
        println!("Open http://{addr}/ and log in (password {DEMO_PASSWORD} for every account below):");
        for l in &lines {
            println!("{l}");
        }
        println!("Open311 GeoReport v2: http://{addr}/open311/v2/discovery.json (demo API key {open311_key})");
        // The last line: scripts and tests wait for it.
        println!("Administrators need a one-time code from an authenticator app with the TOTP secret shown.");
        let _ = listen;
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// The demo's Open311 API key, derived from the seed so every start can print it. A real
/// installation's keys come from `fengqiao open311 add-client` and are random.
fn demo_open311_key(seed: u64) -> String {
    format!("demo-open311-{seed}")
}
