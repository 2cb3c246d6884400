//! The camera registry from a CSV file (the format the video platform exports, one camera a
//! line): every line checked and each bad one named by line and column; nothing is written
//! unless all are good. A camera is matched by its device ID: a known one is updated (its
//! looks and status kept), a new one created. The importer may place cameras only in their
//! own jurisdiction, and may not take over a camera registered elsewhere.

use crate::import::csvrows::{Table, parse_coord};
use crate::import::registry::CsvOutcome;
use crate::import::{ImportError, ImportReport, RowError};
use crate::{Actor, App, Error, Result};
use fengqiao_domain::org::UnitPath;
use fengqiao_domain::policy::Action;
use fengqiao_domain::video::{self as rules, CameraCategory, Tier};
use fengqiao_store::video::NewCamera;
use std::collections::HashMap;

/// The columns a camera file must have; `interval_minutes`, `owner`, `recorder_id` and
/// `stream_url` may follow.
pub const REQUIRED: &[&str] = &["device_id", "name", "category", "tier", "lat", "lon"];
/// Cameras one file may hold.
pub const MAX_CAMERAS: usize = 20_000;

fn err(line: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError { line, column: column.into(), message: message.into() }
}

/// Check a camera file: the cameras to write, or every bad line.
pub fn parse(
    text: &str,
    index: &crate::routing::Index,
    within: &UnitPath,
    existing: &HashMap<String, String>,
) -> std::result::Result<(Table, Vec<NewCamera>, Vec<RowError>), ImportError> {
    let table = Table::parse(text, REQUIRED)?;
    if table.rows.len() > MAX_CAMERAS {
        return Err(ImportError::File(format!("at most {MAX_CAMERAS} cameras in a file; split it")));
    }
    let (mut good, mut errors) = (vec![], vec![]);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let (l, before) = (row.line, errors.len());
        let device_id = table.get(row, "device_id");
        if let Err(m) = rules::check_camera_id(device_id) {
            errors.push(err(l, "device_id", m));
        } else if let Some(first) = seen.insert(device_id.to_string(), l) {
            errors.push(err(l, "device_id", format!("\"{device_id}\" appears twice (first at line {first})")));
        } else if existing.get(device_id).is_some_and(|p| !within.covers(&UnitPath(p.clone()))) {
            errors.push(err(l, "device_id", format!("\"{device_id}\" is registered outside your jurisdiction")));
        }
        let name = table.get(row, "name");
        if !(2..=60).contains(&name.chars().count()) {
            errors.push(err(l, "name", "2–60 characters"));
        }
        let c = table.get(row, "category");
        let category = CameraCategory::parse(c);
        if category.is_none() {
            let all: Vec<&str> = CameraCategory::ALL.iter().map(|c| c.as_str()).collect();
            errors.push(err(l, "category", format!("\"{c}\" is not one of {}", all.join(", "))));
        }
        let t = table.get(row, "tier");
        let tier = Tier::parse(t);
        if tier.is_none() {
            errors.push(err(l, "tier", format!("\"{t}\" is not key or ordinary (重点/普通)")));
        }
        let iv = table.get(row, "interval_minutes");
        let interval = match (tier, iv) {
            (Some(Tier::Key), _) => Some(rules::KEY_INTERVAL_MINUTES),
            (_, "") => Some(rules::ORDINARY_INTERVAL_DEFAULT),
            (_, v) => match v.parse::<i64>() {
                Ok(m) if rules::ORDINARY_INTERVAL.contains(&m) => Some(m),
                _ => {
                    let (lo, hi) = (rules::ORDINARY_INTERVAL.start(), rules::ORDINARY_INTERVAL.end());
                    errors.push(err(
                        l,
                        "interval_minutes",
                        format!("\"{v}\" is not a whole number of minutes, {lo}–{hi}"),
                    ));
                    None
                }
            },
        };
        let lat = parse_coord(table.get(row, "lat"), -90.0, 90.0).map_err(|m| errors.push(err(l, "lat", m))).ok();
        let lon = parse_coord(table.get(row, "lon"), -180.0, 180.0).map_err(|m| errors.push(err(l, "lon", m))).ok();
        let grid = match (lat, lon) {
            (Some(la), Some(lo)) => crate::import::registry::grid_at(index, Some(within), la, lo)
                .map_err(|m| errors.push(err(l, "lat", m)))
                .ok(),
            _ => None,
        };
        let owner = table.get(row, "owner");
        if owner.chars().count() > 60 {
            errors.push(err(l, "owner", "at most 60 characters"));
        }
        let recorder = table.get(row, "recorder_id");
        if !recorder.is_empty()
            && let Err(m) = rules::check_recorder_id(recorder)
        {
            errors.push(err(l, "recorder_id", m));
        }
        let stream = table.get(row, "stream_url");
        if !stream.is_empty() {
            if stream.chars().count() > 300 {
                errors.push(err(l, "stream_url", "at most 300 characters"));
            } else if let Err(m) = rules::check_stream_address(stream) {
                errors.push(err(l, "stream_url", m));
            }
        }
        if errors.len() == before {
            let (grid_id, path) = grid.expect("checked");
            good.push(NewCamera {
                device_id: device_id.to_string(),
                name: name.to_string(),
                category: category.expect("checked").as_str().to_string(),
                tier: tier.expect("checked").as_str().to_string(),
                interval_minutes: interval.expect("checked"),
                grid_id,
                path: path.0,
                lat: lat.expect("checked"),
                lon: lon.expect("checked"),
                owner: owner.to_string(),
                recorder_id: recorder.to_string(),
                stream_url: stream.to_string(),
            });
        }
    }
    Ok((table, good, errors))
}

/// Import a camera file into the actor's jurisdiction: all or nothing, or with
/// `skip_invalid` the good lines (the rejected ones handed back as CSV).
pub async fn upload(app: &App, actor: &Actor, filename: &str, text: &str, skip_invalid: bool) -> Result<CsvOutcome> {
    let home = actor.jurisdiction().clone();
    actor.authorize(app, Action::PatrolCameras, &home, ("cameras", "import")).await?;
    if text.trim().is_empty() {
        return Err(Error::field("file", "the file is empty"));
    }
    let index = app.router.index(&app.store).await?;
    let existing = app.store.camera_paths().await?;
    let (table, good, mut rejected) = match parse(text, &index, &home, &existing) {
        Ok(v) => v,
        Err(ImportError::File(m)) => return Err(Error::field("file", m)),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    rejected.sort_by_key(|e| e.line);
    let rejects_csv = if rejected.is_empty() { String::new() } else { table.rejects_csv(&rejected) };
    if (!rejected.is_empty() && !skip_invalid) || good.is_empty() {
        return Ok(CsvOutcome { report: ImportReport { rejected, ..Default::default() }, rejects_csv });
    }
    let ctx = actor.audit_ctx(&format!("import cameras {}", filename.chars().take(80).collect::<String>()));
    let (created, updated) = app.store.upsert_cameras(&ctx, &good, app.clock.now()).await?;
    Ok(CsvOutcome { report: ImportReport { created, updated, rejected, committed: true }, rejects_csv })
}
