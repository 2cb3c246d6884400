//! Video patrol (视频巡查): the camera registry, patrol plans, rounds, the log entry of every
//! look, and repair tasks. Each change is one transaction with its audit record and, where a
//! board cares (a camera's status, a fault, a repair), its outbox event under the camera's
//! grid path. Times are given by the caller, so a test controls the clock.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::outbox::outbox;
use crate::{Store, StoreError, StoreResult};
use sqlx::FromRow;
use std::collections::HashMap;

/// A camera to create or update (by device ID).
#[derive(Debug, Clone)]
pub struct NewCamera {
    pub device_id: String,
    pub name: String,
    pub category: String,
    pub tier: String,
    pub interval_minutes: i64,
    pub grid_id: i64,
    pub path: String,
    pub lat: f64,
    pub lon: f64,
    pub owner: String,
    pub recorder_id: String,
    pub stream_url: String,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct CameraRow {
    pub id: i64,
    pub device_id: String,
    pub name: String,
    pub category: String,
    pub tier: String,
    pub interval_minutes: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub lat: f64,
    pub lon: f64,
    pub owner: String,
    pub recorder_id: String,
    pub stream_url: String,
    pub status: String,
    pub status_at: i64,
    pub last_checked_at: Option<i64>,
    pub due_at: i64,
    pub created_at: i64,
}

const CAMERA: &str = "SELECT c.id, c.device_id, c.name, c.category, c.tier, c.interval_minutes, \
    g.code AS grid_code, g.name AS grid_name, c.path, c.lat, c.lon, c.owner, c.recorder_id, c.stream_url, \
    c.status, c.status_at, c.last_checked_at, c.due_at, c.created_at \
    FROM cameras c JOIN units g ON g.id = c.grid_id";

/// Which cameras to list; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct CameraFilter {
    /// Under this path (the viewer's jurisdiction, or a narrower unit).
    pub under: String,
    pub category: Option<String>,
    /// Any of these categories (none: all).
    pub categories: Vec<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    /// Only online cameras whose look is overdue at this time.
    pub overdue_at: Option<i64>,
    /// In the name or the device ID.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Cameras by status under a path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CameraCounts {
    pub total: i64,
    pub online: i64,
    pub offline: i64,
    pub fault: i64,
    pub key_online: i64,
    /// Key cameras online and looked at within their interval.
    pub key_covered: i64,
    pub open_repairs: i64,
}

#[derive(Debug, Clone)]
pub struct NewPlan {
    pub name: String,
    pub unit_id: i64,
    pub path: String,
    pub tier: String,
    pub categories: String,
    pub interval_minutes: i64,
    pub assignee_id: Option<i64>,
    pub created_by: i64,
    pub now: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub path: String,
    pub tier: String,
    pub categories: String,
    pub interval_minutes: i64,
    pub assignee_username: Option<String>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    /// When a round of the plan last started.
    pub last_round_at: Option<i64>,
}

const PLAN: &str = "SELECT p.id, p.name, u.code AS unit_code, u.name AS unit_name, p.path, p.tier, p.categories, \
    p.interval_minutes, a.username AS assignee_username, a.display_name AS assignee_name, p.created_at, \
    (SELECT MAX(r.started_at) FROM patrol_rounds r WHERE r.plan_id = p.id) AS last_round_at \
    FROM patrol_plans p JOIN units u ON u.id = p.unit_id LEFT JOIN users a ON a.id = p.assignee_id";

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct RoundRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub username: String,
    pub user_name: String,
    pub path: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub looked: i64,
}

const ROUND: &str = "SELECT r.id, r.plan_id, p.name AS plan_name, u.username, u.display_name AS user_name, r.path, \
    r.started_at, r.finished_at, r.looked FROM patrol_rounds r JOIN patrol_plans p ON p.id = r.plan_id \
    JOIN users u ON u.id = r.user_id";

/// One look at a camera, as the log shows it.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct EntryRow {
    pub id: i64,
    pub round_id: Option<i64>,
    pub device_id: String,
    pub camera_name: String,
    pub path: String,
    pub username: String,
    pub user_name: String,
    pub finding: String,
    pub note: String,
    pub matter_code: Option<String>,
    pub repair_id: Option<i64>,
    pub at: i64,
}

const ENTRY: &str = "SELECT e.id, e.round_id, c.device_id, c.name AS camera_name, c.path, u.username, \
    u.display_name AS user_name, e.finding, e.note, m.code AS matter_code, e.repair_id, e.at \
    FROM patrol_entries e JOIN cameras c ON c.id = e.camera_id JOIN users u ON u.id = e.user_id \
    LEFT JOIN matters m ON m.id = e.matter_id";

/// A look to log.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub round_id: Option<i64>,
    pub camera_id: i64,
    pub user_id: i64,
    pub finding: String,
    /// The camera is at fault: open a repair task unless one is open.
    pub fault: bool,
    pub note: String,
    pub now: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct RepairRow {
    pub id: i64,
    pub device_id: String,
    pub camera_name: String,
    pub grid_name: String,
    pub path: String,
    pub finding: String,
    pub note: String,
    pub status: String,
    pub opened_by: Option<String>,
    pub opened_at: i64,
    pub fixed_by: Option<String>,
    pub fixed_at: Option<i64>,
    pub fixed_note: String,
}

const REPAIR: &str = "SELECT r.id, c.device_id, c.name AS camera_name, g.name AS grid_name, r.path, r.finding, \
    r.note, r.status, o.display_name AS opened_by, r.opened_at, f.display_name AS fixed_by, r.fixed_at, r.fixed_note \
    FROM camera_repairs r JOIN cameras c ON c.id = r.camera_id JOIN units g ON g.id = c.grid_id \
    LEFT JOIN users o ON o.id = r.opened_by LEFT JOIN users f ON f.id = r.fixed_by";

/// The event a board hears about a camera: the camera as it stands in this transaction.
async fn camera_event(
    conn: &mut sqlx::AnyConnection,
    topic: &str,
    camera_id: i64,
    extra: serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    let c: CameraRow =
        sqlx::query_as(&format!("{CAMERA} WHERE c.id = $1")).bind(camera_id).fetch_one(&mut *conn).await?;
    let mut payload = serde_json::json!({
        "device_id": c.device_id, "name": c.name, "category": c.category, "tier": c.tier, "status": c.status,
        "grid_name": c.grid_name, "lat": c.lat, "lon": c.lon, "due_at": c.due_at,
    });
    if let (Some(p), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    outbox(conn, topic, &c.device_id, &c.path, &payload, now).await
}

/// Paths at or below `under` (a unit path ends with a slash: "/1/2/").
fn under_pattern(under: &str) -> String {
    format!("{}/%", under.trim_end_matches('/'))
}

fn like(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

impl Store {
    /// The paths of the cameras already registered under these device IDs.
    pub async fn camera_paths(&self) -> StoreResult<HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT device_id, path FROM cameras").fetch_all(&self.read).await?;
        Ok(rows.into_iter().collect())
    }

    /// Create or update cameras by device ID in one transaction, with one audit record;
    /// (created, updated). An update keeps the camera's status and its looks; a new camera
    /// is due one interval after it is registered.
    pub async fn upsert_cameras(&self, ctx: &AuditCtx, cameras: &[NewCamera], now: i64) -> StoreResult<(usize, usize)> {
        let mut tx = self.begin().await?;
        let (mut created, mut updated) = (0, 0);
        for c in cameras {
            let n = sqlx::query(
                "UPDATE cameras SET name = $1, category = $2, tier = $3, interval_minutes = $4, grid_id = $5, \
                 path = $6, lat = $7, lon = $8, owner = $9, recorder_id = $10, stream_url = $11, updated_at = $12, \
                 due_at = COALESCE(last_checked_at, created_at) + $4 * 60000 WHERE device_id = $13",
            )
            .bind(&c.name)
            .bind(&c.category)
            .bind(&c.tier)
            .bind(c.interval_minutes)
            .bind(c.grid_id)
            .bind(&c.path)
            .bind(c.lat)
            .bind(c.lon)
            .bind(&c.owner)
            .bind(&c.recorder_id)
            .bind(&c.stream_url)
            .bind(now)
            .bind(&c.device_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                updated += 1;
                continue;
            }
            sqlx::query(
                "INSERT INTO cameras (device_id, name, category, tier, interval_minutes, grid_id, path, lat, lon, \
                 owner, recorder_id, stream_url, status, status_at, due_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'online', $13, $14, $13, $13)",
            )
            .bind(&c.device_id)
            .bind(&c.name)
            .bind(&c.category)
            .bind(&c.tier)
            .bind(c.interval_minutes)
            .bind(c.grid_id)
            .bind(&c.path)
            .bind(c.lat)
            .bind(c.lon)
            .bind(&c.owner)
            .bind(&c.recorder_id)
            .bind(&c.stream_url)
            .bind(now)
            .bind(now + c.interval_minutes * 60_000)
            .execute(&mut *tx)
            .await?;
            created += 1;
        }
        let ev = AuditEvent::new("camera.import", "camera", cameras.len(), Outcome::Success)
            .detail(format!("{created} created, {updated} updated"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok((created, updated))
    }

    pub async fn camera(&self, device_id: &str) -> StoreResult<Option<CameraRow>> {
        Ok(sqlx::query_as(&format!("{CAMERA} WHERE c.device_id = $1"))
            .bind(device_id)
            .fetch_optional(&self.read)
            .await?)
    }

    /// Cameras matching the filter, most overdue first when listing overdue ones, else by
    /// grid and name; and how many match in all.
    pub async fn cameras(&self, f: &CameraFilter) -> StoreResult<(Vec<CameraRow>, i64)> {
        let mut cond = vec!["(c.path = $1 OR c.path LIKE $2)".to_string()];
        let mut binds: Vec<String> = vec![f.under.clone(), under_pattern(&f.under)];
        for (col, v) in [("c.category", &f.category), ("c.tier", &f.tier), ("c.status", &f.status)] {
            if let Some(v) = v {
                binds.push(v.clone());
                cond.push(format!("{col} = ${}", binds.len()));
            }
        }
        if !f.categories.is_empty() {
            let start = binds.len() + 1;
            binds.extend(f.categories.iter().cloned());
            let marks: Vec<String> = (start..=binds.len()).map(|i| format!("${i}")).collect();
            cond.push(format!("c.category IN ({})", marks.join(", ")));
        }
        if let Some(t) = &f.text {
            binds.push(like(t));
            let n = binds.len();
            cond.push(format!("(c.name LIKE ${n} ESCAPE '\\' OR c.device_id LIKE ${n} ESCAPE '\\')"));
        }
        let overdue = f.overdue_at.is_some();
        if overdue {
            cond.push(format!("c.status = 'online' AND c.due_at < ${}", binds.len() + 1));
        }
        let wher = cond.join(" AND ");
        let order = if overdue { "c.due_at, c.id" } else { "c.path, c.name, c.id" };
        let n = binds.len() + usize::from(overdue);
        let sql = format!("{CAMERA} WHERE {wher} ORDER BY {order} LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let mut q = sqlx::query_as::<_, CameraRow>(&sql);
        let count_sql = format!("SELECT COUNT(*) FROM cameras c WHERE {wher}");
        let mut qc = sqlx::query_scalar::<_, i64>(&count_sql);
        for b in &binds {
            q = q.bind(b.clone());
            qc = qc.bind(b.clone());
        }
        if let Some(at) = f.overdue_at {
            q = q.bind(at);
            qc = qc.bind(at);
        }
        let rows = q.bind(f.limit).bind(f.offset).fetch_all(&self.read).await?;
        let total = qc.fetch_one(&self.read).await?;
        Ok((rows, total))
    }

    /// What a live board follows under a path: every key camera (for coverage) and every
    /// camera not online (for alarms), at most `limit`.
    pub async fn board_cameras(&self, under: &str, limit: i64) -> StoreResult<Vec<CameraRow>> {
        Ok(sqlx::query_as(&format!(
            "{CAMERA} WHERE c.path LIKE $1 AND (c.tier = 'key' OR c.status <> 'online') \
             ORDER BY c.status, c.due_at, c.id LIMIT $2"
        ))
        .bind(under_pattern(under))
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// Counts by status, key coverage and open repairs, under a path, at `now`.
    pub async fn camera_counts(&self, under: &str, now: i64) -> StoreResult<CameraCounts> {
        let (total, online, offline, fault, key_online, key_covered): (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), \
             COALESCE(SUM(CASE WHEN status = 'online' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'offline' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'fault' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'online' AND tier = 'key' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'online' AND tier = 'key' AND due_at >= $3 THEN 1 ELSE 0 END), 0) \
             FROM cameras WHERE path = $1 OR path LIKE $2",
        )
        .bind(under)
        .bind(under_pattern(under))
        .bind(now)
        .fetch_one(&self.read)
        .await?;
        let open_repairs: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM camera_repairs WHERE status = 'open' AND (path = $1 OR path LIKE $2)",
        )
        .bind(under)
        .bind(under_pattern(under))
        .fetch_one(&self.read)
        .await?;
        Ok(CameraCounts { total, online, offline, fault, key_online, key_covered, open_repairs })
    }

    /// Set a camera's status (as the video platform reports it); `false` if it already was.
    pub async fn set_camera_status(&self, ctx: &AuditCtx, camera_id: i64, status: &str, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE cameras SET status = $1, status_at = $2, updated_at = $2 WHERE id = $3 AND status <> $1",
        )
        .bind(status)
        .bind(now)
        .bind(camera_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let ev = AuditEvent::new("camera.status", "camera", camera_id, Outcome::Success).detail(status);
        audit::append(&mut tx, ctx, &ev).await?;
        camera_event(&mut tx, "camera.status", camera_id, serde_json::json!({}), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn insert_patrol_plan(&self, ctx: &AuditCtx, p: &NewPlan) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO patrol_plans (name, unit_id, path, tier, categories, interval_minutes, assignee_id, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&p.name)
        .bind(p.unit_id)
        .bind(&p.path)
        .bind(&p.tier)
        .bind(&p.categories)
        .bind(p.interval_minutes)
        .bind(p.assignee_id)
        .bind(p.created_by)
        .bind(p.now)
        .fetch_one(&mut *tx)
        .await?;
        let ev = AuditEvent::new("patrol_plan.create", "patrol_plan", id, Outcome::Success).detail(&p.name);
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The active plans under a path (a viewer's jurisdiction), by name.
    pub async fn patrol_plans(&self, under: &str) -> StoreResult<Vec<PlanRow>> {
        Ok(sqlx::query_as(&format!(
            "{PLAN} WHERE p.active = 1 AND (p.path = $1 OR p.path LIKE $2) ORDER BY p.name, p.id LIMIT 200"
        ))
        .bind(under)
        .bind(under_pattern(under))
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn patrol_plan(&self, id: i64) -> StoreResult<Option<PlanRow>> {
        Ok(sqlx::query_as(&format!("{PLAN} WHERE p.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// Start a round of a plan, or go on with the person's open one (one open round per plan
    /// and person, by a unique index); its id.
    pub async fn start_patrol_round(
        &self,
        ctx: &AuditCtx,
        plan_id: i64,
        user_id: i64,
        path: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO patrol_rounds (plan_id, user_id, path, started_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(plan_id)
        .bind(user_id)
        .bind(path)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            drop(tx);
            let open: i64 = sqlx::query_scalar(
                "SELECT id FROM patrol_rounds WHERE plan_id = $1 AND user_id = $2 AND finished_at IS NULL",
            )
            .bind(plan_id)
            .bind(user_id)
            .fetch_one(&self.write)
            .await?;
            return Ok(open);
        };
        audit::append(&mut tx, ctx, &AuditEvent::new("patrol_round.start", "patrol_round", id, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn patrol_round(&self, id: i64) -> StoreResult<Option<RoundRow>> {
        Ok(sqlx::query_as(&format!("{ROUND} WHERE r.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// Rounds under a path, newest first; only those of one person, or only unfinished ones.
    pub async fn patrol_rounds(
        &self,
        under: &str,
        user_id: Option<i64>,
        open_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<RoundRow>> {
        Ok(sqlx::query_as(&format!(
            "{ROUND} WHERE (r.path = $1 OR r.path LIKE $2) AND ($3 = 0 OR r.user_id = $3) \
             AND ($4 = 0 OR r.finished_at IS NULL) ORDER BY r.started_at DESC, r.id DESC LIMIT $5"
        ))
        .bind(under)
        .bind(under_pattern(under))
        .bind(user_id.unwrap_or(0))
        .bind(i64::from(open_only))
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// Finish a round; `Conflict` if it already was.
    pub async fn finish_patrol_round(&self, ctx: &AuditCtx, id: i64, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE patrol_rounds SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "round_finished".into() });
        }
        audit::append(&mut tx, ctx, &AuditEvent::new("patrol_round.finish", "patrol_round", id, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Log a look at a camera: the camera's next look falls due one interval later; a fault
    /// opens a repair task (unless one is open) and marks the camera faulty. The entry's id
    /// and the repair it opened or joined.
    pub async fn record_entry(&self, ctx: &AuditCtx, e: &NewEntry) -> StoreResult<(i64, Option<i64>)> {
        let mut tx = self.begin().await?;
        let repair = if e.fault {
            let open: Option<i64> =
                sqlx::query_scalar("SELECT id FROM camera_repairs WHERE camera_id = $1 AND status = 'open'")
                    .bind(e.camera_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match open {
                Some(id) => Some(id),
                None => {
                    // Two faults found at once open one task: the second joins the first.
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO camera_repairs (camera_id, path, finding, note, opened_by, opened_at) \
                         SELECT id, path, $2, $3, $4, $5 FROM cameras WHERE id = $1 ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(e.camera_id)
                    .bind(&e.finding)
                    .bind(&e.note)
                    .bind(e.user_id)
                    .bind(e.now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match id {
                        Some(id) => Some(id),
                        None => {
                            sqlx::query_scalar("SELECT id FROM camera_repairs WHERE camera_id = $1 AND status = 'open'")
                                .bind(e.camera_id)
                                .fetch_optional(&mut *tx)
                                .await?
                        }
                    }
                }
            }
        } else {
            None
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO patrol_entries (round_id, camera_id, user_id, finding, note, repair_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.round_id)
        .bind(e.camera_id)
        .bind(e.user_id)
        .bind(&e.finding)
        .bind(&e.note)
        .bind(repair)
        .bind(e.now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE cameras SET last_checked_at = $1, due_at = $1 + interval_minutes * 60000, updated_at = $1, \
             status = CASE WHEN $2 = 1 THEN 'fault' ELSE status END, \
             status_at = CASE WHEN $2 = 1 AND status <> 'fault' THEN $1 ELSE status_at END WHERE id = $3",
        )
        .bind(e.now)
        .bind(i64::from(e.fault))
        .bind(e.camera_id)
        .execute(&mut *tx)
        .await?;
        if let Some(r) = e.round_id {
            sqlx::query("UPDATE patrol_rounds SET looked = looked + 1 WHERE id = $1").bind(r).execute(&mut *tx).await?;
        }
        let ev = AuditEvent::new("patrol_entry.record", "camera", e.camera_id, Outcome::Success).detail(&e.finding);
        audit::append(&mut tx, ctx, &ev).await?;
        let topic = if e.fault { "camera.fault" } else { "camera.looked" };
        let extra = serde_json::json!({ "finding": e.finding, "repair_id": repair });
        camera_event(&mut tx, topic, e.camera_id, extra, e.now).await?;
        tx.commit().await?;
        Ok((id, repair))
    }

    pub async fn patrol_entry(&self, id: i64) -> StoreResult<Option<EntryRow>> {
        Ok(sqlx::query_as(&format!("{ENTRY} WHERE e.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// The latest looks at a camera, newest first.
    pub async fn camera_entries(&self, camera_id: i64, limit: i64) -> StoreResult<Vec<EntryRow>> {
        Ok(sqlx::query_as(&format!("{ENTRY} WHERE e.camera_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2"))
            .bind(camera_id)
            .bind(limit)
            .fetch_all(&self.read)
            .await?)
    }

    /// The looks of a round, in order.
    pub async fn round_entries(&self, round_id: i64) -> StoreResult<Vec<EntryRow>> {
        Ok(sqlx::query_as(&format!("{ENTRY} WHERE e.round_id = $1 ORDER BY e.at, e.id LIMIT 5000"))
            .bind(round_id)
            .fetch_all(&self.read)
            .await?)
    }

    /// Claim a look for raising a matter from it: `false` if a matter was raised from it or
    /// is being raised (a claim older than five minutes has lapsed).
    pub async fn claim_entry(&self, entry_id: i64, now: i64) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE patrol_entries SET matter_claimed_at = $1 WHERE id = $2 AND matter_id IS NULL \
             AND (matter_claimed_at IS NULL OR matter_claimed_at < $3)",
        )
        .bind(now)
        .bind(entry_id)
        .bind(now - 5 * 60_000)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Give a claim up (the matter could not be raised).
    pub async fn release_entry(&self, entry_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE patrol_entries SET matter_claimed_at = NULL WHERE id = $1 AND matter_id IS NULL")
            .bind(entry_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Tie a matter raised from a look to its entry; `Conflict` if one already is.
    pub async fn link_entry_matter(&self, entry_id: i64, matter_code: &str) -> StoreResult<()> {
        let n = sqlx::query(
            "UPDATE patrol_entries SET matter_id = (SELECT id FROM matters WHERE code = $1) \
             WHERE id = $2 AND matter_id IS NULL",
        )
        .bind(matter_code)
        .bind(entry_id)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "entry_matter".into() });
        }
        Ok(())
    }

    /// Repair tasks under a path: open ones first (oldest first), then fixed ones (newest).
    pub async fn repairs(&self, under: &str, open_only: bool, limit: i64, offset: i64) -> StoreResult<Vec<RepairRow>> {
        Ok(sqlx::query_as(&format!(
            "{REPAIR} WHERE (r.path = $1 OR r.path LIKE $2) AND ($3 = 0 OR r.status = 'open') \
             ORDER BY CASE WHEN r.status = 'open' THEN 0 ELSE 1 END, \
             CASE WHEN r.status = 'open' THEN r.opened_at ELSE -r.fixed_at END, r.id LIMIT $4 OFFSET $5"
        ))
        .bind(under)
        .bind(under_pattern(under))
        .bind(i64::from(open_only))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn repair(&self, id: i64) -> StoreResult<Option<RepairRow>> {
        Ok(sqlx::query_as(&format!("{REPAIR} WHERE r.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// The repairs of one camera, newest first.
    pub async fn camera_repairs(&self, camera_id: i64) -> StoreResult<Vec<RepairRow>> {
        Ok(sqlx::query_as(&format!("{REPAIR} WHERE r.camera_id = $1 ORDER BY r.opened_at DESC, r.id DESC LIMIT 50"))
            .bind(camera_id)
            .fetch_all(&self.read)
            .await?)
    }

    /// Close a repair task: the camera is back online. `Conflict` if it was already closed.
    pub async fn fix_repair(&self, ctx: &AuditCtx, id: i64, user_id: i64, note: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let camera: Option<i64> = sqlx::query_scalar(
            "UPDATE camera_repairs SET status = 'fixed', fixed_by = $1, fixed_at = $2, fixed_note = $3 \
             WHERE id = $4 AND status = 'open' RETURNING camera_id",
        )
        .bind(user_id)
        .bind(now)
        .bind(note)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(camera) = camera else {
            return Err(StoreError::Conflict { constraint: "repair_closed".into() });
        };
        sqlx::query("UPDATE cameras SET status = 'online', status_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(camera)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new("camera_repair.fix", "camera_repair", id, Outcome::Success).detail(note);
        audit::append(&mut tx, ctx, &ev).await?;
        camera_event(&mut tx, "camera.repaired", camera, serde_json::json!({ "repair_id": id }), now).await?;
        tx.commit().await?;
        Ok(())
    }
}
