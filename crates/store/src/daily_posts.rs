//! The daily grid posts (一日一微): one per grid and China day. The day's figures are counted
//! here from the records (visits, matters, instructions) for every grid under a path at once;
//! drafts are written in batches and never replace a post that exists; an edit and a send
//! check the version they were made on. Sending is one transaction with its audit record and
//! the outbox event (`grid.daily_post`) the grid's robots deliver. The rules and the drafted
//! text are in `fengqiao_domain::daily_post`; times come from the caller.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::outbox::outbox;
use crate::{Store, StoreError, StoreResult};
use fengqiao_domain::daily_post::Figures;
use sqlx::FromRow;
use std::collections::HashMap;

/// A grid as the posts list it.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PostGrid {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
    /// Its community's name.
    pub parent_name: String,
}

/// A grid's post of a day, or the grid without one (`id` none).
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PostRow {
    pub id: Option<i64>,
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub day: Option<String>,
    pub status: Option<String>,
    pub figures: Option<String>,
    pub body: Option<String>,
    pub drafted_at: Option<i64>,
    pub edited_at: Option<i64>,
    pub editor_name: Option<String>,
    pub sent_at: Option<i64>,
    pub sender_name: Option<String>,
    pub version: Option<i64>,
}

impl PostRow {
    /// The stored figures (zeros when none or unreadable).
    pub fn figures(&self) -> Figures {
        self.figures.as_deref().and_then(|f| serde_json::from_str(f).ok()).unwrap_or_default()
    }
}

const ROW: &str = "SELECT p.id, g.id AS grid_id, g.code AS grid_code, g.name AS grid_name, g.path, p.day, p.status, \
    p.figures, p.body, p.drafted_at, p.edited_at, eu.display_name AS editor_name, p.sent_at, su.display_name AS sender_name, p.version";

const JOINS: &str = "LEFT JOIN users eu ON eu.id = p.edited_by LEFT JOIN users su ON su.id = p.sent_by";

/// After an UPDATE of one draft at its version: `Conflict` (`daily_post_version`) when it
/// changed no row (changed meanwhile, or sent); else the change's audit record.
async fn one_draft_changed(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &AuditCtx,
    rows: u64,
    action: &str,
    id: i64,
    detail: String,
) -> StoreResult<()> {
    if rows == 0 {
        return Err(StoreError::Conflict { constraint: "daily_post_version".into() });
    }
    audit::append(tx, ctx, &AuditEvent::new(action, "daily_post", id, Outcome::Success).detail(detail)).await?;
    Ok(())
}

impl Store {
    /// The grids (kind `grid`) under `path`, in tree order.
    pub async fn post_grids(&self, path: &str) -> StoreResult<Vec<PostGrid>> {
        Ok(sqlx::query_as(
            "SELECT g.id, g.code, g.name, g.path, COALESCE(p.name, '') AS parent_name FROM units g \
             LEFT JOIN units p ON p.id = g.parent_id WHERE g.kind = 'grid' AND g.path LIKE $1 ORDER BY g.path LIMIT 100000",
        )
        .bind(format!("{path}%"))
        .fetch_all(&self.read)
        .await?)
    }

    /// The figures of every grid under `path` for the day `[from, to)`; matters still open
    /// are counted as of `to` (or now, for today). Grids with nothing have no entry.
    pub async fn day_figures(&self, path: &str, from: i64, to: i64) -> StoreResult<HashMap<i64, Figures>> {
        let like = format!("{path}%");
        let mut out: HashMap<i64, Figures> = HashMap::new();
        let visits: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT h.grid_id, COUNT(*), COUNT(DISTINCT v.household_id) FROM visits v \
             JOIN households h ON h.id = v.household_id JOIN units g ON g.id = h.grid_id \
             WHERE g.path LIKE $1 AND v.visited_at >= $2 AND v.visited_at < $3 GROUP BY h.grid_id",
        )
        .bind(&like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        for (g, n, h) in visits {
            let f = out.entry(g).or_default();
            (f.visits, f.households_visited) = (n, h);
        }
        let new: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT m.grid_id, m.kind, COUNT(*) FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.created_at >= $2 AND m.created_at < $3 GROUP BY m.grid_id, m.kind",
        )
        .bind(&like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        for (g, kind, n) in new {
            let f = out.entry(g).or_default();
            f.matters_new += n;
            match kind.as_str() {
                "dispute" => f.disputes_new += n,
                "hazard" => f.hazards_new += n,
                "request" => f.requests_new += n,
                _ => {}
            }
        }
        let closed: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT m.grid_id, m.kind, COUNT(*) FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status = 'closed' AND m.closed_at >= $2 AND m.closed_at < $3 \
             GROUP BY m.grid_id, m.kind",
        )
        .bind(&like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        for (g, kind, n) in closed {
            let f = out.entry(g).or_default();
            f.matters_closed += n;
            match kind.as_str() {
                "dispute" => f.disputes_settled += n,
                "hazard" => f.hazards_cleared += n,
                _ => {}
            }
        }
        // Open at `to`: not closed then. Of the matters open now or closed since, those whose
        // last step before `to` closed them were closed then (and reopened since).
        let open: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT m.grid_id, COUNT(*) FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.created_at < $2 AND (m.status <> 'closed' OR m.closed_at >= $2) \
             AND COALESCE((SELECT e.to_status FROM matter_events e WHERE e.matter_id = m.id AND e.at < $2 \
                           ORDER BY e.at DESC, e.id DESC LIMIT 1), 'registered') NOT LIKE 'closed%' \
             GROUP BY m.grid_id",
        )
        .bind(&like)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        for (g, n) in open {
            out.entry(g).or_default().open_matters = n;
        }
        // Instructions to the grid or to one of its people: the recipient unit is the grid.
        let instructions: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT i.recipient_unit_id, \
             SUM(CASE WHEN i.issued_at >= $2 AND i.issued_at < $3 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.reported_at >= $2 AND i.reported_at < $3 THEN 1 ELSE 0 END) \
             FROM instructions i JOIN units g ON g.id = i.recipient_unit_id \
             WHERE g.path LIKE $1 AND g.kind = 'grid' AND ((i.issued_at >= $2 AND i.issued_at < $3) OR (i.reported_at >= $2 AND i.reported_at < $3)) \
             GROUP BY i.recipient_unit_id",
        )
        .bind(&like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        for (g, issued, reported) in instructions {
            let f = out.entry(g).or_default();
            (f.instructions_received, f.instructions_reported) = (issued, reported);
        }
        Ok(out)
    }

    /// Write drafts — (grid id, figures, text) — for `day`, in batches of 20, leaving any post
    /// that exists as it is; how many were written. One audit record for the lot.
    pub async fn insert_daily_drafts(
        &self,
        ctx: &AuditCtx,
        day: &str,
        drafts: &[(i64, Figures, String)],
        now: i64,
    ) -> StoreResult<usize> {
        let mut written = 0;
        for batch in drafts.chunks(20) {
            let mut tx = self.begin().await?;
            let values: Vec<String> = (0..batch.len())
                .map(|i| format!("(${}, $1, 'draft', ${}, ${}, $2)", 3 + i * 3, 4 + i * 3, 5 + i * 3))
                .collect();
            let sql = format!(
                "INSERT INTO daily_posts (grid_id, day, status, figures, body, drafted_at) VALUES {} \
                 ON CONFLICT (grid_id, day) DO NOTHING",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(day).bind(now);
            for (grid, figures, body) in batch {
                q = q.bind(grid).bind(serde_json::to_string(figures).expect("figures serialize")).bind(body);
            }
            let n = q.execute(&mut *tx).await?.rows_affected() as usize;
            if n > 0 {
                let ev = AuditEvent::new("daily_post.draft", "daily_post", day, Outcome::Success)
                    .detail(format!("{n} drafts"));
                audit::append(&mut tx, ctx, &ev).await?;
            }
            tx.commit().await?;
            written += n;
        }
        Ok(written)
    }

    /// The grids under `path` (all, or those with a post in `status` — `none` for those
    /// without) with their post of `day`, a page of them, and how many in all.
    pub async fn daily_posts(
        &self,
        path: &str,
        day: &str,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<PostRow>, i64)> {
        let filter = match status {
            // Every filter names $3: PostgreSQL refuses a parameter the statement does not use.
            Some("none") => "AND p.id IS NULL AND $3 = 'none'",
            Some(_) => "AND p.status = $3",
            None => "AND $3 = $3",
        };
        let from = format!(
            "FROM units g LEFT JOIN daily_posts p ON p.grid_id = g.id AND p.day = $2 {JOINS} \
             WHERE g.kind = 'grid' AND g.path LIKE $1 {filter}"
        );
        let like = format!("{path}%");
        let st = status.unwrap_or("");
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {from}"))
            .bind(&like)
            .bind(day)
            .bind(st)
            .fetch_one(&self.read)
            .await?;
        let rows = sqlx::query_as(&format!("{ROW} {from} ORDER BY g.path LIMIT $4 OFFSET $5"))
            .bind(&like)
            .bind(day)
            .bind(st)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.read)
            .await?;
        Ok((rows, total))
    }

    /// How many grids under `path` have a post of `day` in each state: (draft, sent, grids).
    pub async fn daily_post_counts(&self, path: &str, day: &str) -> StoreResult<(i64, i64, i64)> {
        let (draft, sent, grids): (i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN p.status = 'draft' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN p.status = 'sent' THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM units g LEFT JOIN daily_posts p ON p.grid_id = g.id AND p.day = $2 WHERE g.kind = 'grid' AND g.path LIKE $1",
        )
        .bind(format!("{path}%"))
        .bind(day)
        .fetch_one(&self.read)
        .await?;
        Ok((draft, sent, grids))
    }

    /// One post.
    pub async fn daily_post(&self, id: i64) -> StoreResult<Option<PostRow>> {
        Ok(sqlx::query_as(&format!(
            "{ROW} FROM daily_posts p JOIN units g ON g.id = p.grid_id {JOINS} WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// A grid's post of a day.
    pub async fn daily_post_of(&self, grid_id: i64, day: &str) -> StoreResult<Option<PostRow>> {
        Ok(sqlx::query_as(&format!(
            "{ROW} FROM daily_posts p JOIN units g ON g.id = p.grid_id {JOINS} WHERE p.grid_id = $1 AND p.day = $2"
        ))
        .bind(grid_id)
        .bind(day)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Draft a grid's post again from fresh figures (only while a draft, at `version`):
    /// `Conflict` (`daily_post_version`) when it changed meanwhile or was sent.
    pub async fn redraft_daily_post(
        &self,
        ctx: &AuditCtx,
        id: i64,
        version: i64,
        figures: &Figures,
        body: &str,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE daily_posts SET figures = $1, body = $2, drafted_at = $3, edited_by = NULL, edited_at = NULL, \
             version = version + 1 WHERE id = $4 AND version = $5 AND status = 'draft'",
        )
        .bind(serde_json::to_string(figures).expect("figures serialize"))
        .bind(body)
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        one_draft_changed(&mut tx, ctx, done.rows_affected(), "daily_post.redraft", id, String::new()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keep the officer's text (only while a draft, at `version`).
    pub async fn edit_daily_post(
        &self,
        ctx: &AuditCtx,
        id: i64,
        version: i64,
        body: &str,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE daily_posts SET body = $1, edited_by = $2, edited_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5 AND status = 'draft'",
        )
        .bind(body)
        .bind(ctx.actor_id)
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        one_draft_changed(&mut tx, ctx, done.rows_affected(), "daily_post.edit", id, String::new()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Send the post (its text as it stands at `version`): marked sent, audited, and the
    /// `grid.daily_post` event for the grid's robots, in one transaction.
    pub async fn send_daily_post(&self, ctx: &AuditCtx, post: &PostRow, version: i64, now: i64) -> StoreResult<()> {
        let Some(id) = post.id else { return Err(StoreError::NotFound) };
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE daily_posts SET status = 'sent', sent_by = $1, sent_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND status = 'draft'",
        )
        .bind(ctx.actor_id)
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        let day = post.day.clone().unwrap_or_default();
        let detail = format!("{} {day}", post.grid_code);
        one_draft_changed(&mut tx, ctx, done.rows_affected(), "daily_post.send", id, detail).await?;
        let body: String =
            sqlx::query_scalar("SELECT body FROM daily_posts WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let p = serde_json::json!({
            "id": id, "grid_code": post.grid_code, "grid_name": post.grid_name, "day": day,
            "body": body, "sender": ctx.actor,
        });
        outbox(&mut tx, "grid.daily_post", &format!("{}/{day}", post.grid_code), &post.path, &p, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
