//! The records "five small" policing is counted from (五小警务): matters closed in a period
//! under a path, grouped by who closed them (the account of the last closing step) or by
//! grid, with their kind, closure and tag; and household visits, grouped by visitor or by grid.
//! Which of the five each counts as is `fengqiao_domain::five_small`'s rule.

use crate::{Store, StoreResult};
use sqlx::FromRow;

/// Closed matters of one person or grid, of one kind and closure.
#[derive(Debug, Clone, FromRow)]
pub struct ClosedGroup {
    /// The closer's username, or the grid's code.
    pub key: Option<String>,
    pub name: Option<String>,
    pub unit_name: Option<String>,
    pub kind: String,
    pub closure: Option<String>,
    /// The "five small" tag given at intake.
    pub tag: Option<String>,
    pub n: i64,
}

/// Household visits of one person or grid.
#[derive(Debug, Clone, FromRow)]
pub struct VisitGroup {
    pub key: String,
    pub name: String,
    pub unit_name: String,
    pub n: i64,
}

const CLOSER: &str = "(SELECT e.actor FROM matter_events e WHERE e.matter_id = m.id AND e.to_status LIKE 'closed%' \
    ORDER BY e.at DESC, e.id DESC LIMIT 1)";

impl Store {
    /// Matters under `path` closed in `[from, to)`, by closer (`by_person`) or by grid.
    pub async fn closed_groups(
        &self,
        path: &str,
        from: i64,
        to: i64,
        by_person: bool,
    ) -> StoreResult<Vec<ClosedGroup>> {
        let sql = if by_person {
            format!(
                "SELECT t.closer AS key, u.display_name AS name, un.name AS unit_name, t.kind, t.closure, t.tag, COUNT(*) AS n \
                 FROM (SELECT {CLOSER} AS closer, m.kind, m.closure, m.five_small AS tag FROM matters m JOIN units g ON g.id = m.grid_id \
                       WHERE g.path LIKE $1 AND m.status = 'closed' AND m.closed_at >= $2 AND m.closed_at < $3) t \
                 LEFT JOIN users u ON u.username = t.closer LEFT JOIN units un ON un.id = u.unit_id \
                 GROUP BY t.closer, u.display_name, un.name, t.kind, t.closure, t.tag"
            )
        } else {
            "SELECT g.code AS key, g.name AS name, p.name AS unit_name, m.kind, m.closure, m.five_small AS tag, COUNT(*) AS n \
             FROM matters m JOIN units g ON g.id = m.grid_id LEFT JOIN units p ON p.id = g.parent_id \
             WHERE g.path LIKE $1 AND m.status = 'closed' AND m.closed_at >= $2 AND m.closed_at < $3 \
             GROUP BY g.code, g.name, p.name, m.kind, m.closure, m.five_small"
                .to_string()
        };
        Ok(sqlx::query_as(&sql).bind(format!("{path}%")).bind(from).bind(to).fetch_all(&self.read).await?)
    }

    /// Household visits under `path` in `[from, to)`, by visitor (`by_person`) or by grid.
    pub async fn visit_groups(&self, path: &str, from: i64, to: i64, by_person: bool) -> StoreResult<Vec<VisitGroup>> {
        let (cols, joins, group) = if by_person {
            (
                "u.username AS key, u.display_name AS name, un.name AS unit_name",
                "JOIN users u ON u.id = v.user_id JOIN units un ON un.id = u.unit_id",
                "u.username, u.display_name, un.name",
            )
        } else {
            (
                "g.code AS key, g.name AS name, COALESCE(p.name, '') AS unit_name",
                "LEFT JOIN units p ON p.id = g.parent_id",
                "g.code, g.name, p.name",
            )
        };
        Ok(sqlx::query_as(&format!(
            "SELECT {cols}, COUNT(*) AS n FROM visits v JOIN households h ON h.id = v.household_id \
             JOIN units g ON g.id = h.grid_id {joins} \
             WHERE g.path LIKE $1 AND v.visited_at >= $2 AND v.visited_at < $3 GROUP BY {group}"
        ))
        .bind(format!("{path}%"))
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?)
    }
}
