//! `fengqiao import ...`: load files. Every bad row is reported with its line, column and
//! reason; nothing is written unless every row is good, or with `--skip-invalid` the good
//! rows are written and the rejects saved to a file. The exit status is non-zero whenever
//! anything was rejected. Importing the same file again updates by code and never duplicates.

use super::DbArgs;
use crate::config::Config;
use fengqiao_app::import::{ImportError, grids};
use fengqiao_store::audit::AuditCtx;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Grids from a GeoJSON FeatureCollection.
    ///
    /// Each feature: a Polygon or MultiPolygon geometry (WGS 84 lon/lat) and the properties
    /// code, name, community_code, community_name, street_code, street_name, and optionally
    /// police_grid_code and police_grid_name. Streets, communities and police grids are
    /// created when missing. Polygons must be valid (closed rings, no self-intersections) and
    /// must not overlap each other or grids already stored. Example: examples/grids.geojson.
    Grids(FileArgs),
    /// Households from CSV (UTF-8, header line required).
    ///
    /// Columns: household_code,address,lat,lon,dwelling_type,is_rental,phone and optionally
    /// unit_no,room. dwelling_type is owner_occupied/rented/vacant (or 自住/出租/空置);
    /// is_rental 1/0 (是/否) and must agree with it; phone may be empty. Each household is
    /// routed to the grid containing its point. Example: examples/households.csv.
    Households(FileArgs),
    /// Residents from CSV.
    ///
    /// Columns: household_code,name,id_number,relation,phone and optionally
    /// sex,birth_date,registered_here,registered_address,care. The ID number must carry a
    /// valid GB 11643 check digit; a given sex or birth date must match it. relation is head,
    /// spouse, child, parent, grandchild, grandparent, sibling, tenant or other (or 户主, 配偶,
    /// ...); care lists categories separated by ';' (elderly_alone, left_behind_child,
    /// disability, ...). Households must exist. Example: examples/residents.csv.
    Residents(FileArgs),
    /// Organisations and key places from CSV.
    ///
    /// Columns: code,name,kind,address,lat,lon,responsible_name,responsible_phone and
    /// optionally last_inspection (YYYY-MM-DD), alliance_code. kind is company, shop, school,
    /// hospital, government, internet_cafe, billiard_hall, chess_card_room, ktv, barbecue,
    /// hotel, bar or market (or the Chinese). Example: examples/organisations.csv.
    Organisations(FileArgs),
}

#[derive(clap::Args)]
pub struct FileArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The file to import.
    pub file: PathBuf,
    /// Import the good rows and write the rejected ones to --rejects.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where to write rejected rows (default: FILE with `.rejects` before the extension).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

pub async fn run(config: Option<PathBuf>, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let (kind, args) = match cmd {
        ImportCommand::Grids(a) => ("grids", a),
        ImportCommand::Households(a) => ("households", a),
        ImportCommand::Residents(a) => ("residents", a),
        ImportCommand::Organisations(a) => ("organisations", a),
    };
    if kind != "grids" {
        return run_csv(config, kind, args).await;
    }
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    args.db.apply(&mut cfg);
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let store = cfg.open_store(true).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}").expect("valid template").progress_chars("=> "),
    );
    bar.set_message("writing grids");
    let progress = |n: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(n as u64);
    };
    let ctx = AuditCtx::system("cli", &format!("import grids {}", args.file.display()));
    let (report, rejected) = match grids::import(&store, &ctx, &text, args.skip_invalid, &progress).await {
        Ok(r) => r,
        Err(ImportError::File(m)) => anyhow::bail!("{}: {m}", args.file.display()),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    bar.finish_and_clear();
    for e in &report.rejected {
        eprintln!("{}: {e}", args.file.display());
    }
    if !report.rejected.is_empty() && args.skip_invalid {
        let path = args.rejects.clone().unwrap_or_else(|| {
            let stem = args.file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            args.file.with_file_name(format!("{stem}.rejects.geojson"))
        });
        let doc = serde_json::json!({"type": "FeatureCollection", "features": rejected});
        std::fs::write(&path, serde_json::to_string_pretty(&doc)?)?;
        eprintln!("rejected features written to {}", path.display());
    }
    if report.committed {
        println!("grids: {} created, {} updated, {} rejected", report.created, report.updated, report.rejected.len());
    } else {
        println!("nothing imported: {} rows rejected (fix them, or use --skip-invalid)", report.rejected.len());
    }
    Ok(if report.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn run_csv(config: Option<PathBuf>, kind: &str, args: FileArgs) -> anyhow::Result<ExitCode> {
    use fengqiao_app::import::registry;
    let mut cfg = Config::load(config.as_deref(), Config::default())?;
    args.db.apply(&mut cfg);
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let store = cfg.open_store(true).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("writing {kind}"));
    let progress = |n: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(n as u64);
    };
    let ctx = AuditCtx::system("cli", &format!("import {kind} {}", args.file.display()));
    let result = match kind {
        "households" | "organisations" => {
            let index = fengqiao_app::routing::build(store.grid_routes().await?);
            if kind == "households" {
                registry::households(&store, &index, None, &ctx, &text, args.skip_invalid, &progress).await
            } else {
                registry::organisations(&store, &index, None, &ctx, &text, args.skip_invalid, &progress).await
            }
        }
        _ => registry::residents(&store, None, &ctx, &text, args.skip_invalid, &progress).await,
    };
    let out = match result {
        Ok(o) => o,
        Err(ImportError::File(m)) => anyhow::bail!("{}: {m}", args.file.display()),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    bar.finish_and_clear();
    let report = out.report;
    for e in &report.rejected {
        eprintln!("{}: {e}", args.file.display());
    }
    if !report.rejected.is_empty() && args.skip_invalid {
        let path = args.rejects.clone().unwrap_or_else(|| {
            let stem = args.file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            args.file.with_file_name(format!("{stem}.rejects.csv"))
        });
        std::fs::write(&path, out.rejects_csv)?;
        eprintln!("rejected rows written to {}", path.display());
    }
    if report.committed {
        println!("{kind}: {} created, {} updated, {} rejected", report.created, report.updated, report.rejected.len());
    } else {
        println!("nothing imported: {} problems (fix them, or use --skip-invalid)", report.rejected.len());
    }
    Ok(if report.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
