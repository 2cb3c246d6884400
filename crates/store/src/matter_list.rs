//! Lists of matters that hold at a city's scale: newest first by keyset (a cursor of the
//! last row's creation time and id, never an offset), the jurisdiction reached through the
//! grids it contains (an indexed `grid_id`), only the filters asked for in the SQL (no
//! `($n IS NULL OR …)` that no index serves), and counts that stop at a cap.

use crate::matters::MatterDetail;
use crate::{Store, StoreResult};
use fengqiao_domain::matter::MatterKind;
use fengqiao_domain::org::UnitPath;

/// Where a list continues: after the row created at `created_at` with `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: i64,
}

impl Cursor {
    /// The cursor as the API and pages pass it: `<created_at>.<id>`.
    pub fn encode(self) -> String {
        format!("{}.{}", self.created_at, self.id)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (a, b) = s.trim().split_once('.')?;
        let c = Cursor { created_at: a.parse().ok()?, id: b.parse().ok()? };
        (c.created_at >= 0 && c.id > 0).then_some(c)
    }
}

/// What a list of matters is filtered by.
#[derive(Debug, Clone, Default)]
pub struct MatterFilter {
    /// The grids of the jurisdiction; `None`: every grid (the station's whole area).
    pub grids: Option<Vec<i64>>,
    /// The status column (`closed` for every closure), or `open` for every status but closed.
    pub status: Option<&'static str>,
    pub kind: Option<MatterKind>,
}

impl MatterFilter {
    /// The WHERE clause with `$1`, `$2` for the cursor's two values; grid ids (integers),
    /// status and kind (vocabulary codes) are written inline.
    fn clause(&self, cursor: bool) -> String {
        self.clause_for(cursor, false)
    }

    /// `counting`: a count reaches every row of the grids anyway, so it uses the grid index.
    fn clause_for(&self, cursor: bool, counting: bool) -> String {
        let mut conds: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        match self.grids.as_deref() {
            None => {}
            Some([]) => conds.push("1 = 0".into()),
            Some([one]) => conds.push(format!("m.grid_id = {one}")),
            // Several grids: walk the matters newest first and keep those of the grids (the
            // unary plus stops the planner from collecting every row of every grid to sort).
            Some(many) => conds.push(format!(
                "{}m.grid_id IN ({})",
                if counting { "" } else { "+" },
                many.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(",")
            )),
        }
        // Status and kind come from closed vocabularies (static codes, checked here): written
        // as literals, so PostgreSQL plans each query for the value (a rare status is found
        // through its index; a generic plan for `status = $1` walked the whole table).
        let literal = |v: &str| {
            assert!(v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "a vocabulary code");
            format!("'{v}'")
        };
        if self.status == Some("open") {
            conds.push("m.status <> 'closed'".into());
        } else if let Some(st) = self.status {
            conds.push(format!("m.status = {}", literal(st)));
        }
        if let Some(k) = self.kind {
            conds.push(format!("m.kind = {}", literal(k.as_str())));
        }
        if cursor {
            let (a, b) = (next(), next());
            conds.push(format!("(m.created_at < {a} OR (m.created_at = {a} AND m.id < {b}))"));
        }
        if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) }
    }
}

impl Store {
    /// The ids of the grids at or below a unit.
    pub async fn grid_ids_under(&self, path: &UnitPath) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM units WHERE kind = 'grid' AND path LIKE $1 ORDER BY id")
            .bind(format!("{}%", path.0))
            .fetch_all(&self.read)
            .await?)
    }

    /// One page of matters, newest first, after `after` (the first page without it). The
    /// page's ids come from the matters table alone (so the planner walks one of its
    /// indexes in order and stops at the page's end), then their rows are read in full.
    pub async fn matters_page(
        &self,
        f: &MatterFilter,
        after: Option<Cursor>,
        limit: i64,
    ) -> StoreResult<Vec<MatterDetail>> {
        let sql = format!(
            "SELECT m.id FROM matters m {} ORDER BY m.created_at DESC, m.id DESC LIMIT {}",
            f.clause(after.is_some()),
            limit.clamp(1, 500)
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        if let Some(c) = after {
            q = q.bind(c.created_at).bind(c.id);
        }
        let ids = q.fetch_all(&self.read).await?;
        self.matters_by_ids(&ids).await
    }

    /// How many matters the filter matches, counted up to `cap` (a list shows "10,000+"
    /// rather than counting a city's two years on every page).
    pub async fn count_matters(&self, f: &MatterFilter, cap: i64) -> StoreResult<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM matters m {} LIMIT {}) t",
            f.clause_for(false, true),
            cap.max(0)
        );
        Ok(sqlx::query_scalar::<_, i64>(&sql).fetch_one(&self.read).await?)
    }
}

/// A generated matter (benchmarks at a city's scale), written without events or audit.
#[derive(Debug, Clone)]
pub struct BulkMatter {
    pub code: String,
    pub kind: MatterKind,
    pub category: String,
    pub narrative: String,
    pub status: fengqiao_domain::matter::Status,
    pub grid_id: i64,
    pub created_at: i64,
}

/// Write generated matters in multi-row statements of 20 (see DECISIONS: bulk writes), in
/// the caller's transaction.
pub async fn bulk_insert_matters(conn: &mut crate::Conn, rows: &[BulkMatter]) -> StoreResult<()> {
    for chunk in rows.chunks(20) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 8;
                format!(
                    "(${}, ${}, ${}, 'normal', ${}, ${}, ${}, 'api', ${}, ${}, ${}, ${}, 'ordinary')",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 8,
                    b + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO matters (code, kind, category, priority, narrative, status, closure, source, grid_id, \
             created_at, updated_at, handler_unit_id, difficulty) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(&r.code)
                .bind(r.kind.as_str())
                .bind(&r.category)
                .bind(&r.narrative)
                .bind(r.status.code())
                .bind(r.status.closure().map(|c| c.as_str()))
                .bind(r.grid_id)
                .bind(r.created_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_nonsense() {
        let c = Cursor { created_at: 1_764_633_600_000, id: 42 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "1", "a.b", "1.0", "-5.3", "1.2.3", "99999999999999999999.1"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_filters_asked_for_reach_the_sql() {
        let all = MatterFilter::default();
        assert_eq!(all.clause(false), "");
        let one = MatterFilter { grids: Some(vec![7]), status: Some("closed"), kind: None };
        assert_eq!(
            one.clause(true),
            "WHERE m.grid_id = 7 AND m.status = 'closed' AND (m.created_at < $1 OR (m.created_at = $1 AND m.id < $2))"
        );
        let many = MatterFilter { grids: Some(vec![1, 2]), status: None, kind: Some(MatterKind::Dispute) };
        assert_eq!(many.clause(false), "WHERE +m.grid_id IN (1,2) AND m.kind = 'dispute'");
        assert_eq!(many.clause_for(false, true), "WHERE m.grid_id IN (1,2) AND m.kind = 'dispute'");
        assert_eq!(MatterFilter { grids: Some(vec![]), ..Default::default() }.clause(false), "WHERE 1 = 0");
    }
}
