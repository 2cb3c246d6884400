//! Follow-up visits, files attached to a matter, and links between matters.

use super::*;

impl Store {
    /// Follow-up visits of a matter, by due date.
    pub async fn follow_ups(&self, matter_id: i64) -> StoreResult<Vec<FollowUpRow>> {
        Ok(sqlx::query_as(
            "SELECT id, matter_id, due_at, done_at, done_by, outcome, recurred FROM follow_ups WHERE matter_id = $1 ORDER BY due_at, id",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Schedule a follow-up visit.
    pub async fn schedule_follow_up(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        due_at: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO follow_ups (matter_id, due_at) VALUES ($1, $2) RETURNING id")
            .bind(matter_id)
            .bind(due_at)
            .fetch_one(&mut *tx)
            .await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("matter.follow_up.schedule", "matter", code, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Record a follow-up visit. The caller reopens the matter on a recurrence.
    pub async fn record_follow_up(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        id: i64,
        r: &FollowUpResult<'_>,
    ) -> StoreResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let [a, s, f, w] = r.rating.map_or([None; 4], |x| x.map(Some));
        let n = sqlx::query(
            "UPDATE follow_ups SET done_at = $1, done_by = $2, outcome = $3, recurred = $4, attitude = $5, speed = $6, firmness = $7, warmth = $8 \
             WHERE id = $9 AND matter_id = $10 AND done_at IS NULL",
        )
        .bind(now)
        .bind(&ctx.actor)
        .bind(r.outcome.trim())
        .bind(i64::from(r.recurred))
        .bind(a)
        .bind(s)
        .bind(f)
        .bind(w)
        .bind(id)
        .bind(matter_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "follow_up_done".into() });
        }
        if let Some(x) = r.rating {
            sqlx::query("DELETE FROM matter_ratings WHERE matter_id = $1").bind(matter_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO matter_ratings (matter_id, attitude, speed, firmness, warmth, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(matter_id)
            .bind(x[0])
            .bind(x[1])
            .bind(x[2])
            .bind(x[3])
            .bind(r.outcome.trim())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let ev = AuditEvent::new("matter.follow_up", "matter", code, Outcome::Success).detail(if r.recurred {
            "recurred"
        } else {
            "stable"
        });
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record a file attached to a matter (its content already stored under its SHA-256).
    pub async fn add_file(
        &self,
        ctx: &AuditCtx,
        matter_id: i64,
        code: &str,
        (name, content_type, size, sha256): (&str, &str, i64, &str),
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO matter_files (matter_id, name, content_type, size, sha256, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(matter_id)
        .bind(name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(&ctx.actor)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let ev = AuditEvent::new("matter.file.add", "matter", code, Outcome::Success)
            .detail(format!("{name} ({content_type}, {size} bytes, sha256 {sha256})"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn files_of(&self, matter_id: i64) -> StoreResult<Vec<FileRow>> {
        Ok(sqlx::query_as(
            "SELECT id, matter_id, name, content_type, size, sha256, uploaded_by, created_at FROM matter_files WHERE matter_id = $1 ORDER BY id",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Links of a matter to others (recurrence, escalation, duplicate), both directions.
    pub async fn links_of(&self, matter_id: i64) -> StoreResult<Vec<LinkRow>> {
        Ok(sqlx::query_as(
            "SELECT m.code AS code, l.kind AS kind, 'to' AS direction, l.created_at AS created_at FROM matter_links l JOIN matters m ON m.id = l.to_matter_id WHERE l.from_matter_id = $1 \
             UNION ALL SELECT m.code AS code, l.kind AS kind, 'from' AS direction, l.created_at AS created_at FROM matter_links l JOIN matters m ON m.id = l.from_matter_id WHERE l.to_matter_id = $1 \
             ORDER BY 4",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?)
    }
}
