//! `import grids FILE.geojson`: a FeatureCollection of Polygon/MultiPolygon features with
//! properties `code`, `name`, `community_code`, `community_name`, `street_code`,
//! `street_name` and optional `police_grid_code` (and `police_grid_name`). Streets,
//! communities and police grids named by the file are created when missing; grids are
//! created or updated by code. Every grid must be a valid polygon and no two grids (in the
//! file or already stored) may overlap.

use super::{ImportError, ImportReport, RowError};
use fengqiao_domain::org::{UnitKind, validate_code};
use fengqiao_geo::{parse_geometry, validate_tiling};
use fengqiao_store::audit::{self, AuditCtx, AuditEvent, Outcome};
use fengqiao_store::org::{NewUnit, Unit, find_unit, insert_unit, set_name_and_geometry};
use fengqiao_store::{Store, StoreError};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct GridFeature {
    pub line: usize,
    pub code: String,
    pub name: String,
    pub community_code: String,
    pub community_name: String,
    pub street_code: String,
    pub street_name: String,
    pub police_grid_code: Option<String>,
    pub police_grid_name: Option<String>,
    /// The geometry as given (GeoJSON text), stored as is.
    pub geometry: String,
    pub raw: Value,
}

/// Lines where each `"type": "Feature"` member starts, in order: serde_json does not keep
/// positions of nested values, and a feature's own line is what a person fixes.
fn feature_lines(text: &str) -> Vec<usize> {
    let mut out = vec![];
    let bytes = text.as_bytes();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            line += 1;
        } else if bytes[i] == b'"' && text[i..].starts_with("\"Feature\"") {
            out.push(line);
        }
        i += 1;
    }
    out
}

/// Grids one file may have (a city's are a few thousand; a province imports by city).
pub const MAX_GRIDS: usize = 5_000;

/// Parse and check each feature on its own. Returns good features and errors.
pub fn parse(text: &str) -> Result<(Vec<GridFeature>, Vec<RowError>), ImportError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::File(format!("not valid JSON at line {}, column {}: {e}", e.line(), e.column())))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(ImportError::File("the file must be a GeoJSON FeatureCollection".into()));
    }
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::File("the FeatureCollection has no \"features\" array".into()))?;
    if features.len() > MAX_GRIDS {
        return Err(ImportError::File(format!(
            "at most {MAX_GRIDS} grids in a file (this one has {})",
            features.len()
        )));
    }
    let lines = feature_lines(text);
    let (mut good, mut errors) = (vec![], vec![]);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let err = |column: &str, message: String| RowError { line, column: column.into(), message };
        let props = f.get("properties").and_then(Value::as_object);
        let text_prop = |key: &str| -> Option<String> {
            props
                .and_then(|p| p.get(key))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut row_errors = vec![];
        let mut required = |key: &str, is_code: bool| -> String {
            match text_prop(key) {
                Some(v) => {
                    if is_code && let Err(e) = validate_code(&v) {
                        row_errors.push(err(key, format!("\"{v}\": {e}")));
                    } else if !is_code && v.chars().count() > 64 {
                        row_errors.push(err(key, "at most 64 characters".into()));
                    }
                    v
                }
                None => {
                    row_errors.push(err(key, "missing".into()));
                    String::new()
                }
            }
        };
        let code = required("code", true);
        let name = required("name", false);
        let community_code = required("community_code", true);
        let community_name = required("community_name", false);
        let street_code = required("street_code", true);
        let street_name = required("street_name", false);
        let police_grid_code = text_prop("police_grid_code");
        if let Some(p) = &police_grid_code
            && let Err(e) = validate_code(p)
        {
            row_errors.push(err("police_grid_code", format!("\"{p}\": {e}")));
        }
        let geometry = match f.get("geometry") {
            Some(g) if !g.is_null() => match parse_geometry(g) {
                Ok(_) => g.to_string(),
                Err(e) => {
                    row_errors.push(err("geometry", e));
                    String::new()
                }
            },
            _ => {
                row_errors.push(err("geometry", "missing".into()));
                String::new()
            }
        };
        if !code.is_empty()
            && let Some(first) = seen.insert(code.clone(), line)
        {
            row_errors.push(err("code", format!("\"{code}\" appears twice (first at line {first})")));
        }
        if row_errors.is_empty() {
            good.push(GridFeature {
                line,
                code,
                name,
                community_code,
                community_name,
                street_code,
                street_name,
                police_grid_name: text_prop("police_grid_name"),
                police_grid_code,
                geometry,
                raw: f.clone(),
            });
        } else {
            errors.extend(row_errors);
        }
    }
    if features.is_empty() {
        return Err(ImportError::File("the FeatureCollection has no features".into()));
    }
    Ok((good, errors))
}

/// Check the grids against each other and against the grids already stored (those the
/// file does not replace): every polygon valid, no overlaps.
async fn check_tiling(store: &Store, features: &[GridFeature]) -> Result<Vec<RowError>, ImportError> {
    let root = store.root_unit().await?;
    let existing = match &root {
        Some(r) => store.units_under(&r.path, Some(UnitKind::Grid)).await?,
        None => vec![],
    };
    let in_file: std::collections::HashSet<&str> = features.iter().map(|f| f.code.as_str()).collect();
    let mut shapes = vec![];
    let mut owners: Vec<(Option<usize>, String)> = vec![];
    for (i, f) in features.iter().enumerate() {
        let v: Value = serde_json::from_str(&f.geometry).expect("checked at parse");
        shapes.push(parse_geometry(&v).expect("checked at parse"));
        owners.push((Some(i), f.code.clone()));
    }
    for g in existing.iter().filter(|g| !in_file.contains(g.code.as_str())) {
        if let Some(Ok(mp)) =
            g.geometry.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok()).map(|v| parse_geometry(&v))
        {
            shapes.push(mp);
            owners.push((None, g.code.clone()));
        }
    }
    let mut errors = vec![];
    for p in validate_tiling(&shapes) {
        let (a, b) = (&owners[p.index], p.other.map(|o| &owners[o]));
        // Report on the file's feature; stored grids are fine by construction.
        // Two grids of the file: the later one is at fault (the earlier came first).
        let (feature, other) = match (a.0, b) {
            (Some(i), Some(o)) => match o.0 {
                Some(j) if j > i => (Some(j), Some(a.1.clone())),
                _ => (Some(i), Some(o.1.clone())),
            },
            (None, Some(o)) => (o.0, Some(a.1.clone())),
            (Some(i), None) => (Some(i), None),
            (None, None) => (None, None),
        };
        if let Some(i) = feature {
            let message = match other {
                Some(o) => format!("grid {} overlaps grid {o}", features[i].code),
                None => format!("grid {}: {}", features[i].code, p.message),
            };
            errors.push(RowError { line: features[i].line, column: "geometry".into(), message });
        }
    }
    Ok(errors)
}

/// Parse, check and (when allowed) write. With `skip_invalid` false nothing is written if
/// any feature is bad.
pub async fn import(
    store: &Store,
    ctx: &AuditCtx,
    text: &str,
    skip_invalid: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(ImportReport, Vec<Value>), ImportError> {
    let (mut features, mut errors) = parse(text)?;
    errors.extend(check_tiling(store, &features).await?);
    let bad_lines: std::collections::HashSet<usize> = errors.iter().map(|e| e.line).collect();
    let rejected_raw: Vec<Value> = {
        let doc: Value = serde_json::from_str(text).expect("parsed above");
        let lines = feature_lines(text);
        doc["features"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .enumerate()
                    .filter(|(i, _)| bad_lines.contains(&lines.get(*i).copied().unwrap_or(1)))
                    .map(|(i, f)| {
                        let mut f = f.clone();
                        let line = lines.get(i).copied().unwrap_or(1);
                        let why: Vec<String> = errors
                            .iter()
                            .filter(|e| e.line == line)
                            .map(|e| format!("{}: {}", e.column, e.message))
                            .collect();
                        if let Some(p) = f.get_mut("properties").and_then(Value::as_object_mut) {
                            p.insert("_rejected".into(), Value::String(why.join("; ")));
                        }
                        f
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    errors.sort_by_key(|e| e.line);
    let mut report = ImportReport { rejected: errors, ..Default::default() };
    if !report.rejected.is_empty() && !skip_invalid {
        return Ok((report, rejected_raw));
    }
    features.retain(|f| !bad_lines.contains(&f.line));
    let root = store.root_unit().await?.ok_or_else(|| {
        ImportError::File(
            "there is no station yet: create it first with `fengqiao org init --code CODE --name NAME`".into(),
        )
    })?;
    let mut tx = store.begin().await?;
    let mut cache: HashMap<String, Unit> = HashMap::new();
    let total = features.len();
    let mut structural = vec![];
    for (n, f) in features.iter().enumerate() {
        let street = ensure(&mut tx, &mut cache, &f.street_code, UnitKind::Street, &f.street_name, &root).await?;
        let community =
            ensure(&mut tx, &mut cache, &f.community_code, UnitKind::Community, &f.community_name, &street).await?;
        let parent = match &f.police_grid_code {
            Some(pc) => {
                let name = f.police_grid_name.clone().unwrap_or_else(|| pc.clone());
                ensure(&mut tx, &mut cache, pc, UnitKind::PoliceGrid, &name, &community).await?
            }
            None => community.clone(),
        };
        let mismatch = |u: &Unit, want: UnitKind, parent: &Unit| -> Option<String> {
            if u.kind != want {
                Some(format!("code {} belongs to a {}, not a {}", u.code, u.kind.as_str(), want.as_str()))
            } else if u.parent_id != Some(parent.id) {
                Some(format!(
                    "{} {} exists under another parent; moving it is not supported by import",
                    want.as_str(),
                    u.code
                ))
            } else {
                None
            }
        };
        for (u, want, p) in [(&street, UnitKind::Street, &root), (&community, UnitKind::Community, &street)] {
            if let Some(m) = mismatch(u, want, p) {
                structural.push(RowError { line: f.line, column: format!("{}_code", want.as_str()), message: m });
            }
        }
        if f.police_grid_code.is_some()
            && let Some(m) = mismatch(&parent, UnitKind::PoliceGrid, &community)
        {
            structural.push(RowError { line: f.line, column: "police_grid_code".into(), message: m });
        }
        match find_unit(&mut tx, &f.code).await? {
            Some(g) => {
                if let Some(m) = mismatch(&g, UnitKind::Grid, &parent) {
                    structural.push(RowError { line: f.line, column: "code".into(), message: m });
                } else {
                    set_name_and_geometry(&mut tx, g.id, &f.name, Some(&f.geometry)).await?;
                    report.updated += 1;
                }
            }
            None => {
                let mut nu = NewUnit::new(&f.code, UnitKind::Grid, &f.name, Some(parent.id));
                nu.geometry = Some(f.geometry.clone());
                insert_unit(&mut tx, &nu).await?;
                report.created += 1;
            }
        }
        progress(n + 1, total);
    }
    if !structural.is_empty() {
        // Found only while writing: roll back everything, whatever the mode, and report.
        tx.rollback().await.map_err(StoreError::from)?;
        report.rejected.extend(structural);
        report.rejected.sort_by_key(|e| e.line);
        report.created = 0;
        report.updated = 0;
        return Ok((report, rejected_raw));
    }
    let ev = AuditEvent::new("import.grids", "unit", &root.code, Outcome::Success).detail(format!(
        "created={} updated={} rejected={}",
        report.created,
        report.updated,
        report.rejected.len()
    ));
    audit::append(&mut tx, ctx, &ev).await?;
    tx.commit().await.map_err(StoreError::from)?;
    report.committed = true;
    Ok((report, rejected_raw))
}

async fn ensure(
    conn: &mut fengqiao_store::Conn,
    cache: &mut HashMap<String, Unit>,
    code: &str,
    kind: UnitKind,
    name: &str,
    parent: &Unit,
) -> Result<Unit, StoreError> {
    if let Some(u) = cache.get(code) {
        return Ok(u.clone());
    }
    let u = match find_unit(conn, code).await? {
        Some(u) => u,
        None => insert_unit(conn, &NewUnit::new(code, kind, name, Some(parent.id))).await?,
    };
    cache.insert(code.to_string(), u.clone());
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_feature_lines() {
        let text = "{\n \"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\"},\n\n  {\"type\": \"Feature\"}\n ]\n}";
        assert_eq!(feature_lines(text), vec![4, 6]);
    }
}
