//! `fengqiao import ...`: load files. Every bad row is reported with its line, column and
//! reason; nothing is written unless every row is good, or with `--skip-invalid` the good
//! rows are written and the rejects saved to a file. The exit status is non-zero whenever
//! anything was rejected. Importing the same file again updates by code and never duplicates.

use super::DbArgs;
use crate::config::Config;
use fengqiao_server::import::{ImportError, grids};
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
    let ImportCommand::Grids(args) = cmd;
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
