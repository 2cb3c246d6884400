//! What the grid index is built from: every grid with a geometry, the units above it, and
//! the grid officer and grid worker who answer for it.

use crate::{Store, StoreResult};
use fengqiao_domain::org::UnitPath;
use sqlx::FromRow;
use std::collections::HashMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct StaffRef {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub phone_enc: Option<crate::Sealed>,
}

#[derive(Debug, Clone)]
pub struct GridRoute {
    pub grid_id: i64,
    pub grid: UnitRef,
    pub path: UnitPath,
    pub geometry: String,
    pub police_grid: Option<UnitRef>,
    pub community: Option<UnitRef>,
    pub street: Option<UnitRef>,
    pub officer: Option<StaffRef>,
    pub worker: Option<StaffRef>,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    code: String,
    name: String,
    kind: String,
    path: String,
    geometry: Option<String>,
}

#[derive(FromRow)]
struct StaffRow {
    unit_id: i64,
    role: String,
    user_id: i64,
    username: String,
    display_name: String,
    phone_enc: Option<Vec<u8>>,
}

impl Store {
    /// A cheap fingerprint of the grids: it changes whenever a grid is added or edited, so
    /// every node can tell when to rebuild its index without being told.
    pub async fn grid_version(&self) -> StoreResult<String> {
        let (n, max): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM units WHERE kind = 'grid'")
                .fetch_one(&self.read)
                .await?;
        Ok(format!("{n}:{}", max.unwrap_or(0)))
    }

    pub async fn grid_routes(&self) -> StoreResult<Vec<GridRoute>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, code, name, kind, path, geometry FROM units WHERE kind IN ('street', 'community', 'police_grid', 'grid')",
        )
        .fetch_all(&self.read)
        .await?;
        let by_id: HashMap<i64, &Row> = rows.iter().map(|r| (r.id, r)).collect();
        let staff: Vec<StaffRow> = sqlx::query_as(
            "SELECT u.unit_id, r.role, u.id AS user_id, u.username, u.display_name, u.phone_enc FROM users u \
             JOIN user_roles r ON r.user_id = u.id WHERE r.role IN ('grid_officer', 'grid_worker') AND u.disabled = 0 ORDER BY u.id",
        )
        .fetch_all(&self.read)
        .await?;
        let mut officers: HashMap<i64, StaffRef> = HashMap::new();
        let mut workers: HashMap<i64, StaffRef> = HashMap::new();
        for s in staff {
            let map = if s.role == "grid_officer" { &mut officers } else { &mut workers };
            map.entry(s.unit_id).or_insert(StaffRef {
                user_id: s.user_id,
                username: s.username,
                name: s.display_name,
                phone_enc: crate::Sealed::at(s.phone_enc, "users.phone_enc", s.user_id),
            });
        }
        let mut out = vec![];
        for g in rows.iter().filter(|r| r.kind == "grid") {
            let Some(geometry) = g.geometry.clone() else { continue };
            let ancestors: Vec<&Row> = g
                .path
                .split('/')
                .filter_map(|s| s.parse::<i64>().ok())
                .filter_map(|id| by_id.get(&id).copied())
                .collect();
            let find = |kind: &str| ancestors.iter().rev().find(|a| a.kind == kind);
            let unit_ref = |r: &&Row| UnitRef { code: r.code.clone(), name: r.name.clone() };
            let pg = find("police_grid");
            // The grid's own officer is the one of its police grid, else of its community.
            let officer =
                pg.and_then(|p| officers.get(&p.id)).or_else(|| find("community").and_then(|c| officers.get(&c.id)));
            out.push(GridRoute {
                grid_id: g.id,
                grid: UnitRef { code: g.code.clone(), name: g.name.clone() },
                path: UnitPath(g.path.clone()),
                geometry,
                police_grid: pg.map(unit_ref),
                community: find("community").map(unit_ref),
                street: find("street").map(unit_ref),
                officer: officer.cloned(),
                worker: workers.get(&g.id).cloned(),
            });
        }
        out.sort_by(|a, b| a.grid.code.cmp(&b.grid.code));
        Ok(out)
    }
}

impl Store {
    /// Volunteers per grid (through the grid's volunteer teams), by grid code.
    pub async fn volunteers_per_grid(&self) -> StoreResult<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT g.code, COUNT(*) FROM volunteers v JOIN units t ON t.id = v.unit_id JOIN units g ON g.id = t.parent_id \
             WHERE g.kind = 'grid' GROUP BY g.code",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().collect())
    }
}
