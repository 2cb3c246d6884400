//! CSV imports of the registry: households, residents, organisations. Each checks every row
//! (with its line, column and reason), then writes all good rows in one transaction, or
//! nothing when any row is bad unless `skip_invalid` is set. Rows update by natural key.

use super::csvrows::{Table, parse_bool, parse_coord};
use super::{ImportError, ImportReport, RowError};
use crate::routing::Index;
use fengqiao_domain::org::{UnitPath, validate_code};
use fengqiao_domain::registry::{DwellingType, OrgKind, Relation, check_against_id, check_name, parse_care};
use fengqiao_domain::{IdNumber, Phone};
use fengqiao_store::audit::{self, AuditCtx, AuditEvent, Outcome};
use fengqiao_store::registry::{
    NewBuilding, NewHousehold, NewOrganisation, NewResident, building_paths, bulk_upsert_households,
    bulk_upsert_residents, household_index, organisation_paths, resident_paths, upsert_buildings, upsert_organisation,
};
use fengqiao_store::{Store, StoreError};
use std::collections::HashMap;

pub const HOUSEHOLD_COLUMNS: &[&str] =
    &["household_code", "address", "lat", "lon", "dwelling_type", "is_rental", "phone"];
pub const RESIDENT_COLUMNS: &[&str] = &["household_code", "name", "id_number", "relation", "phone"];
pub const ORGANISATION_COLUMNS: &[&str] =
    &["code", "name", "kind", "address", "lat", "lon", "responsible_name", "responsible_phone"];

/// What came of an import, with the rejected rows as CSV (header plus `_error`).
#[derive(Debug)]
pub struct CsvOutcome {
    pub report: ImportReport,
    pub rejects_csv: String,
}

fn err(line: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError { line, column: column.into(), message: message.into() }
}

fn optional_phone(line: usize, column: &str, v: &str, errors: &mut Vec<RowError>) -> Option<Phone> {
    if v.is_empty() {
        return None;
    }
    match Phone::parse(v) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(err(line, column, format!("\"{v}\": {e}")));
            None
        }
    }
}

fn text(line: usize, column: &str, v: &str, max: usize, errors: &mut Vec<RowError>) -> String {
    if v.is_empty() {
        errors.push(err(line, column, "missing"));
    } else if v.chars().count() > max {
        errors.push(err(line, column, format!("at most {max} characters")));
    }
    v.to_string()
}

/// Where a point falls: its grid, or a message naming the nearest one (or saying the grid is
/// outside the importer's jurisdiction).
fn route(index: &Index, within: Option<&UnitPath>, lat: f64, lon: f64) -> Result<i64, String> {
    grid_at(index, within, lat, lon).map(|(id, _)| id)
}

/// Where a point falls: its grid's id and path, or why it cannot be placed (see [`route`]).
pub(crate) fn grid_at(index: &Index, within: Option<&UnitPath>, lat: f64, lon: f64) -> Result<(i64, UnitPath), String> {
    match index.locate(lon, lat) {
        Some(r) if within.is_some_and(|w| !w.covers(&r.path)) => {
            Err(format!("point ({lat}, {lon}) is in grid {} {}, outside your jurisdiction", r.grid.code, r.grid.name))
        }
        Some(r) => Ok((r.grid_id, r.path.clone())),
        None => Err(match index.nearest(lon, lat) {
            Some((r, d)) => format!(
                "point ({lat}, {lon}) is outside every grid; the nearest is {} {} ({d:.0} m away)",
                r.grid.code, r.grid.name
            ),
            None => format!("point ({lat}, {lon}) is outside every grid (no grids are defined)"),
        }),
    }
}

/// Write the import's audit record and commit: the rows and their record land together.
async fn commit(
    mut tx: fengqiao_store::Tx,
    ctx: &AuditCtx,
    what: &str,
    object_type: &str,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let ev = AuditEvent::new(&format!("import.{what}"), object_type, "*", Outcome::Success).detail(format!(
        "created={} updated={} rejected={}",
        report.created,
        report.updated,
        report.rejected.len()
    ));
    audit::append(&mut tx, ctx, &ev).await?;
    fengqiao_store::commit(tx).await?;
    report.committed = true;
    Ok(())
}

/// Whether a record that exists at `path` is out of the importer's reach.
fn out_of_reach(within: Option<&UnitPath>, path: Option<&String>) -> bool {
    matches!((within, path), (Some(w), Some(p)) if !w.covers(&UnitPath(p.clone())))
}

/// The message for a code already used by a record out of the importer's reach: an import
/// may create or update only what the importer may handle (it never moves another grid's
/// record into theirs), and says nothing of the record.
fn code_in_use(code: &str) -> String {
    format!("\"{code}\" cannot be used: choose a code that is new, or one of your own grids'")
}

fn finish(table: &Table, mut report: ImportReport) -> CsvOutcome {
    report.rejected.sort_by_key(|e| e.line);
    let rejects_csv = if report.rejected.is_empty() { String::new() } else { table.rejects_csv(&report.rejected) };
    CsvOutcome { report, rejects_csv }
}

pub async fn households(
    store: &Store,
    index: &Index,
    within: Option<&UnitPath>,
    ctx: &AuditCtx,
    text_in: &str,
    skip_invalid: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CsvOutcome, ImportError> {
    let table = Table::parse(text_in, HOUSEHOLD_COLUMNS)?;
    let mut errors = vec![];
    let mut good = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Where the households and buildings named already are, for an importer with a
    // jurisdiction: a row may not take over another grid's record.
    let (existing, buildings_at) = match within {
        Some(_) => {
            let mut conn = store.begin().await?;
            let h: HashMap<String, String> =
                household_index(&mut conn).await?.into_iter().map(|(c, (_, p))| (c, p)).collect();
            (h, building_paths(&mut conn).await?)
        }
        None => Default::default(),
    };
    for row in &table.rows {
        let (l, before) = (row.line, errors.len());
        let code = table.get(row, "household_code");
        if let Err(e) = validate_code(code) {
            errors.push(err(l, "household_code", format!("\"{code}\": {e}")));
        } else if let Some(first) = seen.insert(code.to_string(), l) {
            errors.push(err(l, "household_code", format!("\"{code}\" appears twice (first at line {first})")));
        } else if out_of_reach(within, existing.get(code)) {
            errors.push(err(l, "household_code", code_in_use(code)));
        }
        let building = table.get(row, "building_code");
        if !building.is_empty() && out_of_reach(within, buildings_at.get(building)) {
            errors.push(err(l, "building_code", code_in_use(building)));
        }
        let address = text(l, "address", table.get(row, "address"), 128, &mut errors);
        let lat = parse_coord(table.get(row, "lat"), -90.0, 90.0).map_err(|m| errors.push(err(l, "lat", m))).ok();
        let lon = parse_coord(table.get(row, "lon"), -180.0, 180.0).map_err(|m| errors.push(err(l, "lon", m))).ok();
        let dt = table.get(row, "dwelling_type");
        let dwelling = DwellingType::parse(dt);
        if dwelling.is_none() {
            errors.push(err(l, "dwelling_type", format!("\"{dt}\" is not one of {}", DwellingType::choices())));
        }
        let rental_raw = table.get(row, "is_rental");
        let is_rental = parse_bool(rental_raw);
        match (is_rental, dwelling) {
            (None, _) => errors.push(err(l, "is_rental", format!("\"{rental_raw}\" is not 1/0 (是/否)"))),
            (Some(r), Some(d)) if r != (d == DwellingType::Rented) => errors.push(err(
                l,
                "is_rental",
                format!("{} contradicts dwelling_type {}", if r { "1" } else { "0" }, d.as_str()),
            )),
            _ => {}
        }
        let phone = optional_phone(l, "phone", table.get(row, "phone"), &mut errors);
        let grid = match (lat, lon) {
            (Some(la), Some(lo)) => route(index, within, la, lo).map_err(|m| errors.push(err(l, "lat", m))).ok(),
            _ => None,
        };
        if errors.len() == before {
            let opt = |c: &str| Some(table.get(row, c).to_string()).filter(|v| !v.is_empty());
            good.push((
                (l, opt("building_code"), opt("compound"), opt("building_name")),
                NewHousehold {
                    code: code.to_string(),
                    building_id: None,
                    grid_id: fengqiao_domain::ids::UnitId(grid.expect("checked")),
                    address,
                    unit_no: opt("unit_no"),
                    room: opt("room"),
                    lat: lat.expect("checked"),
                    lon: lon.expect("checked"),
                    dwelling_type: dwelling.expect("checked"),
                    is_rental: is_rental.expect("checked"),
                    phone,
                    qr_token: Some(crate::accounts::random_token()),
                },
            ));
        }
    }
    let mut report = ImportReport { rejected: errors, ..Default::default() };
    if !report.rejected.is_empty() && !skip_invalid {
        return Ok(finish(&table, report));
    }
    let mut tx = store.begin().await?;
    let total = good.len();
    // Buildings named by the file (optional columns building_code, compound, building_name)
    // are created or updated first, each placed at its first household's point.
    let mut buildings: Vec<NewBuilding> = vec![];
    for ((_, bcode, compound, bname), h) in &good {
        if let Some(bc) = bcode
            && !buildings.iter().any(|b| &b.code == bc)
        {
            buildings.push(NewBuilding {
                code: bc.clone(),
                grid_id: h.grid_id,
                compound: compound.clone().unwrap_or_default(),
                name: bname.clone().unwrap_or_else(|| bc.clone()),
                lat: h.lat,
                lon: h.lon,
            });
        }
    }
    let building_ids =
        if buildings.is_empty() { Default::default() } else { upsert_buildings(&mut tx, &buildings).await? };
    let rows: Vec<NewHousehold> = good
        .into_iter()
        .map(|((_, bcode, _, _), mut h)| {
            h.building_id = bcode.and_then(|c| building_ids.get(&c).copied());
            h
        })
        .collect();
    for (n, chunk) in rows.chunks(4000).enumerate() {
        report.created += bulk_upsert_households(&mut tx, &store.crypto, chunk).await? as usize;
        progress(((n + 1) * 4000).min(total), total);
    }
    report.updated = total - report.created;
    commit(tx, ctx, "households", "household", &mut report).await?;
    Ok(finish(&table, report))
}

pub async fn residents(
    store: &Store,
    within: Option<&UnitPath>,
    ctx: &AuditCtx,
    text_in: &str,
    skip_invalid: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CsvOutcome, ImportError> {
    let table = Table::parse(text_in, RESIDENT_COLUMNS)?;
    let mut errors = vec![];
    let mut good = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut heads: HashMap<String, usize> = HashMap::new();
    let mut good_lines: Vec<usize> = vec![];
    // All household codes in one query: a million residents need not mean a million lookups.
    let mut conn = store.begin().await?;
    let households: HashMap<String, (i64, String)> = household_index(&mut conn).await?;
    for row in &table.rows {
        let (l, before) = (row.line, errors.len());
        let hcode = table.get(row, "household_code");
        let known = households.get(hcode);
        let outside = known.is_some_and(|(_, path)| within.is_some_and(|w| !w.covers(&UnitPath(path.clone()))));
        let household = known.filter(|_| !outside).map(|(id, _)| *id);
        // A household out of reach reads as unknown: the import says nothing of it.
        if hcode.is_empty() {
            errors.push(err(l, "household_code", "missing"));
        } else if household.is_none() {
            errors.push(err(l, "household_code", format!("unknown household \"{hcode}\" (import households first)")));
        }
        let name = table.get(row, "name");
        if let Err(m) = check_name(name) {
            errors.push(err(l, "name", format!("\"{name}\": {m}")));
        }
        let raw_id = table.get(row, "id_number");
        let id = match IdNumber::parse(raw_id) {
            Ok(id) => {
                if let Some(first) = seen.insert(id.as_str().to_string(), l) {
                    errors.push(err(l, "id_number", format!("{} appears twice (first at line {first})", id.masked())));
                }
                if let Err((column, m)) =
                    check_against_id(&id, Some(table.get(row, "sex")), Some(table.get(row, "birth_date")))
                {
                    errors.push(err(l, column, m));
                }
                Some(id)
            }
            Err(e) => {
                errors.push(err(l, "id_number", e.to_string()));
                None
            }
        };
        let rel_raw = table.get(row, "relation");
        let relation = Relation::parse(rel_raw);
        match relation {
            None => errors.push(err(l, "relation", format!("\"{rel_raw}\" is not one of {}", Relation::choices()))),
            Some(Relation::Head) if !hcode.is_empty() => {
                if let Some(first) = heads.insert(hcode.to_string(), l) {
                    errors.push(err(
                        l,
                        "relation",
                        format!("household \"{hcode}\" already has a head at line {first}"),
                    ));
                }
            }
            _ => {}
        }
        let phone = optional_phone(l, "phone", table.get(row, "phone"), &mut errors);
        let reg_raw = table.get(row, "registered_here");
        let registered_here = if reg_raw.is_empty() { Some(true) } else { parse_bool(reg_raw) };
        if registered_here.is_none() {
            errors.push(err(l, "registered_here", format!("\"{reg_raw}\" is not 1/0 (是/否)")));
        }
        let care = parse_care(table.get(row, "care")).map_err(|m| errors.push(err(l, "care", m))).ok();
        if errors.len() == before {
            good_lines.push(l);
            good.push(NewResident {
                household_id: household.expect("checked"),
                name: name.to_string(),
                id_number: id.expect("checked"),
                phone,
                relation: relation.expect("checked"),
                registered_here: registered_here.expect("checked"),
                registered_address: Some(table.get(row, "registered_address").to_string()).filter(|v| !v.is_empty()),
                care: care.expect("checked"),
            });
        }
    }
    // A person registered in a household out of reach is not moved into the importer's: the
    // row is refused (the community police of their grid move them).
    if within.is_some() {
        let ids: Vec<&IdNumber> = good.iter().map(|r| &r.id_number).collect();
        let registered = resident_paths(&mut conn, &store.crypto, &ids).await?;
        let lines: Vec<usize> = good_lines.clone();
        let mut kept = vec![];
        for (r, l) in good.into_iter().zip(lines) {
            if out_of_reach(within, registered.get(r.id_number.as_str())) {
                errors.push(err(
                    l,
                    "id_number",
                    format!(
                        "{}: this person cannot be recorded from here; ask the community police",
                        r.id_number.masked()
                    ),
                ));
            } else {
                kept.push(r);
            }
        }
        good = kept;
    }
    let mut report = ImportReport { rejected: errors, ..Default::default() };
    if !report.rejected.is_empty() && !skip_invalid {
        conn.rollback().await.map_err(StoreError::from)?;
        return Ok(finish(&table, report));
    }
    let total = good.len();
    for (n, chunk) in good.chunks(4000).enumerate() {
        report.created += bulk_upsert_residents(&mut conn, &store.crypto, chunk).await? as usize;
        progress(((n + 1) * 4000).min(total), total);
    }
    report.updated = total - report.created;
    commit(conn, ctx, "residents", "resident", &mut report).await?;
    Ok(finish(&table, report))
}

pub async fn organisations(
    store: &Store,
    index: &Index,
    within: Option<&UnitPath>,
    ctx: &AuditCtx,
    text_in: &str,
    skip_invalid: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CsvOutcome, ImportError> {
    let table = Table::parse(text_in, ORGANISATION_COLUMNS)?;
    let mut errors = vec![];
    let mut good = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    let existing = match within {
        Some(_) => {
            let mut conn = store.begin().await?;
            organisation_paths(&mut conn).await?
        }
        None => Default::default(),
    };
    for row in &table.rows {
        let (l, before) = (row.line, errors.len());
        let code = table.get(row, "code");
        if let Err(e) = validate_code(code) {
            errors.push(err(l, "code", format!("\"{code}\": {e}")));
        } else if let Some(first) = seen.insert(code.to_string(), l) {
            errors.push(err(l, "code", format!("\"{code}\" appears twice (first at line {first})")));
        } else if out_of_reach(within, existing.get(code)) {
            errors.push(err(l, "code", code_in_use(code)));
        }
        let name = text(l, "name", table.get(row, "name"), 64, &mut errors);
        let kind_raw = table.get(row, "kind");
        let kind = OrgKind::parse(kind_raw);
        if kind.is_none() {
            errors.push(err(l, "kind", format!("\"{kind_raw}\" is not one of {}", OrgKind::choices())));
        }
        let address = text(l, "address", table.get(row, "address"), 128, &mut errors);
        let lat = parse_coord(table.get(row, "lat"), -90.0, 90.0).map_err(|m| errors.push(err(l, "lat", m))).ok();
        let lon = parse_coord(table.get(row, "lon"), -180.0, 180.0).map_err(|m| errors.push(err(l, "lon", m))).ok();
        let responsible = table.get(row, "responsible_name");
        if !responsible.is_empty()
            && let Err(m) = check_name(responsible)
        {
            errors.push(err(l, "responsible_name", format!("\"{responsible}\": {m}")));
        }
        let phone = optional_phone(l, "responsible_phone", table.get(row, "responsible_phone"), &mut errors);
        let insp = table.get(row, "last_inspection");
        if !insp.is_empty() && chrono::NaiveDate::parse_from_str(insp, "%Y-%m-%d").is_err() {
            errors.push(err(l, "last_inspection", format!("\"{insp}\" is not a date (YYYY-MM-DD)")));
        }
        let alliance_code = table.get(row, "alliance_code");
        let alliance = if alliance_code.is_empty() {
            None
        } else {
            match store.unit_by_code(alliance_code).await {
                Ok(u) if u.kind == fengqiao_domain::org::UnitKind::Alliance => Some(u.id),
                Ok(_) => {
                    errors.push(err(
                        l,
                        "alliance_code",
                        format!("\"{alliance_code}\" is not a business-district alliance"),
                    ));
                    None
                }
                Err(StoreError::NotFound) => {
                    errors.push(err(l, "alliance_code", format!("unknown alliance \"{alliance_code}\"")));
                    None
                }
                Err(e) => return Err(e.into()),
            }
        };
        let grid = match (lat, lon) {
            (Some(la), Some(lo)) => route(index, within, la, lo).map_err(|m| errors.push(err(l, "lat", m))).ok(),
            _ => None,
        };
        if errors.len() == before {
            good.push(NewOrganisation {
                code: code.to_string(),
                name,
                kind: kind.expect("checked"),
                grid_id: fengqiao_domain::ids::UnitId(grid.expect("checked")),
                alliance_id: alliance,
                address,
                lat: lat.expect("checked"),
                lon: lon.expect("checked"),
                responsible_name: Some(responsible.to_string()).filter(|v| !v.is_empty()),
                responsible_phone: phone,
                last_inspection: Some(insp.to_string()).filter(|v| !v.is_empty()),
            });
        }
    }
    let mut report = ImportReport { rejected: errors, ..Default::default() };
    if !report.rejected.is_empty() && !skip_invalid {
        return Ok(finish(&table, report));
    }
    let mut tx = store.begin().await?;
    let total = good.len();
    for (n, o) in good.iter().enumerate() {
        if upsert_organisation(&mut tx, &store.crypto, o).await? {
            report.created += 1
        } else {
            report.updated += 1
        }
        progress(n + 1, total);
    }
    commit(tx, ctx, "organisations", "organisation", &mut report).await?;
    Ok(finish(&table, report))
}
