//! Case work by size (issue 11 item 4): how a case is worked, who leads it and takes part,
//! its parent case; and the workload of the case-handling team and the combined battalions.
//! Setting a case's operation is one transaction with its timeline entry (`operate`), its
//! audit record and its outbox event (`matter.operation`). The rules are in
//! `fengqiao_domain::operation`.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::outbox::matter_event;
use crate::{Store, StoreResult};
use sqlx::FromRow;

/// How a case is to be worked, as decided.
#[derive(Debug, Clone)]
pub struct NewOperation<'a> {
    pub matter_id: i64,
    pub code: &'a str,
    /// The matter's status code, for its timeline.
    pub status: &'a str,
    pub operation: &'a str,
    pub lead_unit_id: i64,
    pub units: &'a [i64],
    pub people: &'a [i64],
    pub parent_id: Option<i64>,
    /// What the timeline says ("合成作战：主办…").
    pub note: &'a str,
    pub now: i64,
}

/// A unit or person on a case.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct Taking {
    /// A unit's code or a person's username.
    pub code: String,
    pub name: String,
    /// The unit's kind, or the person's unit name.
    pub detail: String,
}

/// A child case as its parent lists it.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct ChildCase {
    pub code: String,
    pub kind: String,
    pub status: String,
    pub narrative: String,
    pub operation: Option<String>,
    pub lead_unit_name: Option<String>,
}

/// How a case is worked, as stored; `operation` is `None` for a matter not set up as one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaseSetup {
    pub operation: Option<String>,
    pub lead_unit: Option<Taking>,
    pub units: Vec<Taking>,
    pub people: Vec<Taking>,
    /// The parent case: its code and narrative.
    pub parent: Option<(String, String)>,
    pub children: Vec<ChildCase>,
}

/// A unit of the workload board (the case-handling team, a combined battalion) with its
/// zone and its counts.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct TeamLoad {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub zone_name: Option<String>,
    /// Open cases it leads, by operation.
    pub solo: i64,
    pub combined: i64,
    pub cluster: i64,
    /// Open cases of others it takes part in.
    pub supporting: i64,
    /// Cases it led closed since the given time.
    pub closed_recently: i64,
    /// Its members (accounts of the unit).
    pub members: i64,
}

/// A person's open cases.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct PersonLoad {
    pub username: String,
    pub name: String,
    pub unit_name: String,
    pub open_cases: i64,
    /// Of which combined or cluster operations.
    pub joint: i64,
}

/// Open cases by combat zone (where their grid lies) and operation.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct ZoneLoad {
    pub code: String,
    pub name: String,
    pub solo: i64,
    pub combined: i64,
    pub cluster: i64,
    /// Open matters of the zone not (yet) set up as a case operation.
    pub unassigned: i64,
}

const OPEN: &str = "m.status <> 'closed'";

impl Store {
    /// A matter's operation, lead unit, parent and whether it has child cases:
    /// (operation, lead unit id, parent id, has children).
    pub async fn case_links(&self, matter_id: i64) -> StoreResult<(Option<String>, Option<i64>, Option<i64>, bool)> {
        let (op, lead, parent, children): (Option<String>, Option<i64>, Option<i64>, i64) = sqlx::query_as(
            "SELECT m.operation, m.lead_unit_id, m.parent_id, (SELECT COUNT(*) FROM matters c WHERE c.parent_id = m.id) \
             FROM matters m WHERE m.id = $1",
        )
        .bind(matter_id)
        .fetch_one(&self.read)
        .await?;
        Ok((op, lead, parent, children > 0))
    }

    /// The codes of a case's child cases still open.
    pub async fn open_children(&self, matter_id: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT m.code FROM matters m WHERE m.parent_id = $1 AND {OPEN} ORDER BY m.id LIMIT 100"
        ))
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// How a case is worked, with names.
    pub async fn case_setup(&self, matter_id: i64) -> StoreResult<CaseSetup> {
        let (operation, lead, parent, _) = self.case_links(matter_id).await?;
        let lead_unit = match lead {
            Some(id) => {
                sqlx::query_as("SELECT code, name, kind AS detail FROM units WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
            }
            None => None,
        };
        let units = sqlx::query_as(
            "SELECT u.code, u.name, u.kind AS detail FROM case_units c JOIN units u ON u.id = c.unit_id \
             WHERE c.matter_id = $1 ORDER BY u.sort_order, u.code",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        let people = sqlx::query_as(
            "SELECT u.username AS code, u.display_name AS name, un.name AS detail FROM case_people c \
             JOIN users u ON u.id = c.user_id JOIN units un ON un.id = u.unit_id WHERE c.matter_id = $1 ORDER BY u.username",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        let parent = match parent {
            Some(id) => {
                sqlx::query_as("SELECT code, narrative FROM matters WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
            }
            None => None,
        };
        let children = sqlx::query_as(
            "SELECT m.code, m.kind, m.status, m.narrative, m.operation, u.name AS lead_unit_name FROM matters m \
             LEFT JOIN units u ON u.id = m.lead_unit_id WHERE m.parent_id = $1 ORDER BY m.id LIMIT 200",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        Ok(CaseSetup { operation, lead_unit, units, people, parent, children })
    }

    /// Set how a case is worked, replacing what was set before.
    pub async fn set_operation(&self, ctx: &AuditCtx, o: &NewOperation<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE matters SET operation = $1, lead_unit_id = $2, parent_id = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(o.operation)
        .bind(o.lead_unit_id)
        .bind(o.parent_id)
        .bind(o.now)
        .bind(o.matter_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM case_units WHERE matter_id = $1").bind(o.matter_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM case_people WHERE matter_id = $1").bind(o.matter_id).execute(&mut *tx).await?;
        for u in o.units {
            sqlx::query("INSERT INTO case_units (matter_id, unit_id) VALUES ($1, $2)")
                .bind(o.matter_id)
                .bind(u)
                .execute(&mut *tx)
                .await?;
        }
        for p in o.people {
            sqlx::query("INSERT INTO case_people (matter_id, user_id) VALUES ($1, $2)")
                .bind(o.matter_id)
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO matter_events (matter_id, event, from_status, to_status, tier, actor, note, at) \
             VALUES ($1, 'operate', $2, $2, NULL, $3, $4, $5)",
        )
        .bind(o.matter_id)
        .bind(o.status)
        .bind(&ctx.actor)
        .bind(o.note)
        .bind(o.now)
        .execute(&mut *tx)
        .await?;
        let ev = AuditEvent::new("matter.operate", "matter", o.code, Outcome::Success).detail(o.note);
        audit::append(&mut tx, ctx, &ev).await?;
        let extra = serde_json::json!({ "operation": o.operation, "note": o.note });
        matter_event(&mut tx, "matter.operation", o.code, extra, o.now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The workload board under `path`: the case-handling teams and combined battalions
    /// with their open cases (led by operation, supported), cases closed since `since`, and
    /// members; the people on open cases (and the members of those units) with their load;
    /// open matters by combat zone.
    pub async fn workload(
        &self,
        path: &str,
        since: i64,
    ) -> StoreResult<(Vec<TeamLoad>, Vec<PersonLoad>, Vec<ZoneLoad>)> {
        let like = format!("{path}%");
        let teams: Vec<TeamLoad> = sqlx::query_as(&format!(
            "SELECT u.id, u.code, u.name, u.kind, z.name AS zone_name, \
             (SELECT COUNT(*) FROM matters m WHERE m.lead_unit_id = u.id AND m.operation = 'solo' AND {OPEN}) AS solo, \
             (SELECT COUNT(*) FROM matters m WHERE m.lead_unit_id = u.id AND m.operation = 'combined' AND {OPEN}) AS combined, \
             (SELECT COUNT(*) FROM matters m WHERE m.lead_unit_id = u.id AND m.operation = 'cluster' AND {OPEN}) AS cluster, \
             (SELECT COUNT(*) FROM case_units c JOIN matters m ON m.id = c.matter_id WHERE c.unit_id = u.id AND {OPEN}) AS supporting, \
             (SELECT COUNT(*) FROM matters m WHERE m.lead_unit_id = u.id AND m.status = 'closed' AND m.closed_at >= $2) AS closed_recently, \
             (SELECT COUNT(*) FROM users p WHERE p.unit_id = u.id AND p.disabled = 0) AS members \
             FROM units u LEFT JOIN units z ON z.id = u.zone_id \
             WHERE u.path LIKE $1 AND u.kind IN ('case_team', 'battalion') ORDER BY u.sort_order, u.code LIMIT 100"
        ))
        .bind(&like)
        .bind(since)
        .fetch_all(&self.read)
        .await?;
        let people: Vec<PersonLoad> = sqlx::query_as(&format!(
            "SELECT p.username, p.display_name AS name, un.name AS unit_name, \
             COUNT(m.id) AS open_cases, \
             COALESCE(SUM(CASE WHEN m.operation IN ('combined', 'cluster') THEN 1 ELSE 0 END), 0) AS joint \
             FROM users p JOIN units un ON un.id = p.unit_id \
             LEFT JOIN case_people c ON c.user_id = p.id \
             LEFT JOIN matters m ON m.id = c.matter_id AND {OPEN} \
             WHERE p.disabled = 0 AND un.path LIKE $1 \
             AND (un.kind IN ('case_team', 'battalion') OR EXISTS (SELECT 1 FROM case_people c2 JOIN matters m2 ON m2.id = c2.matter_id \
                  WHERE c2.user_id = p.id AND m2.status <> 'closed')) \
             GROUP BY p.username, p.display_name, un.name ORDER BY 4 DESC, p.username LIMIT 500"
        ))
        .bind(&like)
        .fetch_all(&self.read)
        .await?;
        let zones: Vec<ZoneLoad> = sqlx::query_as(&format!(
            "SELECT z.code, z.name, \
             COALESCE(SUM(CASE WHEN m.operation = 'solo' THEN 1 ELSE 0 END), 0) AS solo, \
             COALESCE(SUM(CASE WHEN m.operation = 'combined' THEN 1 ELSE 0 END), 0) AS combined, \
             COALESCE(SUM(CASE WHEN m.operation = 'cluster' THEN 1 ELSE 0 END), 0) AS cluster, \
             COALESCE(SUM(CASE WHEN m.id IS NOT NULL AND m.operation IS NULL THEN 1 ELSE 0 END), 0) AS unassigned \
             FROM units z \
             LEFT JOIN units c ON c.zone_id = z.id AND c.kind = 'community' \
             LEFT JOIN units g ON g.path LIKE c.path || '%' AND g.kind = 'grid' \
             LEFT JOIN matters m ON m.grid_id = g.id AND {OPEN} \
             WHERE z.path LIKE $1 AND z.kind = 'zone' GROUP BY z.code, z.name, z.sort_order ORDER BY z.sort_order, z.code LIMIT 50"
        ))
        .bind(&like)
        .fetch_all(&self.read)
        .await?;
        Ok((teams, people, zones))
    }
}
