//! The organisation tree: units of every kind, each with a materialised path.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult, now_ms};
use fengqiao_domain::ids::UnitId;
use fengqiao_domain::org::{UnitKind, UnitPath};
use sqlx::{AnyConnection, FromRow, Row};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    pub parent_id: Option<UnitId>,
    pub path: UnitPath,
    pub zone_id: Option<UnitId>,
    pub geometry: Option<String>,
    pub address: Option<String>,
    pub sort_order: i64,
}

#[derive(FromRow)]
struct UnitRow {
    id: i64,
    code: String,
    kind: String,
    name: String,
    parent_id: Option<i64>,
    path: String,
    zone_id: Option<i64>,
    geometry: Option<String>,
    address: Option<String>,
    sort_order: i64,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;
    fn try_from(r: UnitRow) -> StoreResult<Unit> {
        Ok(Unit {
            id: UnitId(r.id),
            kind: UnitKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("unit kind {}", r.kind)))?,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id.map(UnitId),
            path: UnitPath(r.path),
            zone_id: r.zone_id.map(UnitId),
            geometry: r.geometry,
            address: r.address,
            sort_order: r.sort_order,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    pub parent_id: Option<UnitId>,
    pub zone_id: Option<UnitId>,
    pub geometry: Option<String>,
    pub address: Option<String>,
    pub sort_order: i64,
}

impl NewUnit {
    pub fn new(code: impl Into<String>, kind: UnitKind, name: impl Into<String>, parent: Option<UnitId>) -> Self {
        Self {
            code: code.into(),
            kind,
            name: name.into(),
            parent_id: parent,
            zone_id: None,
            geometry: None,
            address: None,
            sort_order: 0,
        }
    }
}

/// Editable fields of a unit (its code, kind and place in the tree stay fixed).
#[derive(Debug, Clone)]
pub struct UnitUpdate {
    pub name: String,
    pub address: Option<String>,
    pub geometry: Option<String>,
    pub sort_order: i64,
}

const UNIT_COLS: &str = "id, code, kind, name, parent_id, path, zone_id, geometry, address, sort_order";

/// Insert a unit inside a transaction; its path is derived from its parent's.
pub async fn insert_unit(conn: &mut AnyConnection, new: &NewUnit) -> StoreResult<Unit> {
    let parent_path = match new.parent_id {
        Some(p) => {
            let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                .bind(p.0)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
            Some(UnitPath(path))
        }
        None => None,
    };
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (code, kind, name, parent_id, path, zone_id, geometry, address, sort_order, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&new.code)
    .bind(new.kind.as_str())
    .bind(&new.name)
    .bind(new.parent_id.map(|p| p.0))
    .bind(new.zone_id.map(|p| p.0))
    .bind(&new.geometry)
    .bind(&new.address)
    .bind(new.sort_order)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let path = match parent_path {
        Some(pp) => pp.child(id),
        None => UnitPath::root(id),
    };
    sqlx::query("UPDATE units SET path = $1 WHERE id = $2").bind(&path.0).bind(id).execute(&mut *conn).await?;
    Ok(Unit {
        id: UnitId(id),
        code: new.code.clone(),
        kind: new.kind,
        name: new.name.clone(),
        parent_id: new.parent_id,
        path,
        zone_id: new.zone_id,
        geometry: new.geometry.clone(),
        address: new.address.clone(),
        sort_order: new.sort_order,
    })
}

/// A unit by code inside a transaction.
pub async fn find_unit(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<Unit>> {
    let row: Option<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE code = $1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(Unit::try_from).transpose()
}

/// Set a unit's name and geometry inside a transaction (imports).
pub async fn set_name_and_geometry(
    conn: &mut AnyConnection,
    id: UnitId,
    name: &str,
    geometry: Option<&str>,
) -> StoreResult<()> {
    sqlx::query("UPDATE units SET name = $1, geometry = $2, updated_at = $3 WHERE id = $4")
        .bind(name)
        .bind(geometry)
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Count of units of each kind under a path.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KindCount {
    pub kind: UnitKind,
    pub count: i64,
}

impl Store {
    pub async fn create_unit(&self, ctx: &AuditCtx, new: &NewUnit) -> StoreResult<Unit> {
        let mut tx = self.begin().await?;
        let unit = insert_unit(&mut tx, new).await?;
        let ev = AuditEvent::new("org.unit.create", "unit", &unit.code, Outcome::Success).detail(format!(
            "{} {}",
            unit.kind.as_str(),
            unit.name
        ));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(unit)
    }

    pub async fn update_unit(&self, ctx: &AuditCtx, id: UnitId, up: &UnitUpdate) -> StoreResult<Unit> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE units SET name = $1, address = $2, geometry = $3, sort_order = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(&up.name)
        .bind(&up.address)
        .bind(&up.geometry)
        .bind(up.sort_order)
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let row: UnitRow = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1"))
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
        let unit = Unit::try_from(row)?;
        let ev = AuditEvent::new("org.unit.update", "unit", &unit.code, Outcome::Success)
            .detail(format!("name={}", up.name));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(unit)
    }

    pub async fn unit_by_id(&self, id: UnitId) -> StoreResult<Unit> {
        let row: UnitRow = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    pub async fn unit_by_code(&self, code: &str) -> StoreResult<Unit> {
        let row: UnitRow = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE code = $1"))
            .bind(code)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_into()
    }

    /// Every unit at or below `path`, optionally of one kind, in tree order.
    pub async fn units_under(&self, path: &UnitPath, kind: Option<UnitKind>) -> StoreResult<Vec<Unit>> {
        let rows: Vec<UnitRow> = sqlx::query_as(&format!(
            "SELECT {UNIT_COLS} FROM units WHERE path LIKE $1 AND ($2 IS NULL OR kind = $2) ORDER BY sort_order, id"
        ))
        .bind(format!("{}%", path.0))
        .bind(kind.map(|k| k.as_str()))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(Unit::try_from).collect()
    }

    pub async fn children(&self, id: UnitId) -> StoreResult<Vec<Unit>> {
        let rows: Vec<UnitRow> =
            sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE parent_id = $1 ORDER BY sort_order, id"))
                .bind(id.0)
                .fetch_all(&self.read)
                .await?;
        rows.into_iter().map(Unit::try_from).collect()
    }

    /// The chain of units from the root down to (and including) `unit`.
    pub async fn ancestors(&self, unit: &Unit) -> StoreResult<Vec<Unit>> {
        let ids: Vec<i64> = unit.path.0.split('/').filter_map(|s| s.parse().ok()).collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.unit_by_id(UnitId(id)).await?);
        }
        Ok(out)
    }

    pub async fn count_units_by_kind(&self, path: &UnitPath) -> StoreResult<Vec<KindCount>> {
        let rows = sqlx::query("SELECT kind, COUNT(*) AS n FROM units WHERE path LIKE $1 GROUP BY kind")
            .bind(format!("{}%", path.0))
            .fetch_all(&self.read)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let kind: String = r.try_get("kind")?;
            if let Some(kind) = UnitKind::parse(&kind) {
                out.push(KindCount { kind, count: r.try_get("n")? });
            }
        }
        Ok(out)
    }

    /// The root of the tree (the station), if the organisation has been set up.
    pub async fn root_unit(&self) -> StoreResult<Option<Unit>> {
        let row: Option<UnitRow> =
            sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1"))
                .fetch_optional(&self.read)
                .await?;
        row.map(Unit::try_from).transpose()
    }
}
