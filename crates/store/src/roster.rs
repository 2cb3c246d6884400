//! Rosters and handovers (值班表, 交接班): shift templates, their dated shifts, people's
//! assignments with their states, and handover sheets with the two signatures. Each change
//! is one transaction with its audit record; times are given by the caller.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult};
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub unit_id: i64,
    pub path: String,
    pub post: String,
    pub name: String,
    pub start_minute: i64,
    pub duration_minutes: i64,
    pub min_people: i64,
    pub max_people: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct TemplateRow {
    pub id: i64,
    pub path: String,
    pub post: String,
    pub name: String,
    pub start_minute: i64,
    pub duration_minutes: i64,
    pub min_people: i64,
    pub max_people: i64,
}

/// One person on one shift (or a shift nobody is on yet: no assignment).
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct RosterRow {
    pub shift_id: i64,
    pub template_id: i64,
    pub template_name: String,
    pub post: String,
    pub path: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub min_people: i64,
    pub assignment_id: Option<i64>,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub state: Option<String>,
    pub swapped_to: Option<String>,
}

const ROSTER: &str = "SELECT s.id AS shift_id, t.id AS template_id, t.name AS template_name, s.post, s.path, \
    s.starts_at, s.ends_at, t.min_people, a.id AS assignment_id, a.user_id, u.username, u.display_name, a.state, \
    w.display_name AS swapped_to \
    FROM shifts s JOIN shift_templates t ON t.id = s.template_id \
    LEFT JOIN shift_assignments a ON a.shift_id = s.id LEFT JOIN users u ON u.id = a.user_id \
    LEFT JOIN users w ON w.id = a.swapped_to";

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct HandoverRow {
    pub id: i64,
    pub shift_id: i64,
    pub next_shift_id: Option<i64>,
    pub path: String,
    pub sheet: String,
    pub note: String,
    pub prepared_by: String,
    pub prepared_at: i64,
    pub outgoing: Option<String>,
    pub outgoing_signed_at: Option<i64>,
    pub incoming: Option<String>,
    pub incoming_signed_at: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
}

const HANDOVER: &str = "SELECT h.id, h.shift_id, h.next_shift_id, h.path, h.sheet, h.note, p.display_name AS prepared_by, \
    h.prepared_at, o.display_name AS outgoing, h.outgoing_signed_at, i.display_name AS incoming, h.incoming_signed_at, \
    s.starts_at, s.ends_at \
    FROM handovers h JOIN shifts s ON s.id = h.shift_id JOIN users p ON p.id = h.prepared_by \
    LEFT JOIN users o ON o.id = h.outgoing_id LEFT JOIN users i ON i.id = h.incoming_id";

fn under(path: &str) -> String {
    format!("{}/%", path.trim_end_matches('/'))
}

impl Store {
    pub async fn insert_shift_template(&self, ctx: &AuditCtx, t: &NewTemplate, now: i64) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO shift_templates (unit_id, path, post, name, start_minute, duration_minutes, min_people, \
             max_people, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(t.unit_id)
        .bind(&t.path)
        .bind(&t.post)
        .bind(&t.name)
        .bind(t.start_minute)
        .bind(t.duration_minutes)
        .bind(t.min_people)
        .bind(t.max_people)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            ctx,
            &AuditEvent::new("shift_template.create", "shift_template", id, Outcome::Success).detail(&t.name),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The templates under a path, by post and start.
    pub async fn shift_templates(&self, path: &str) -> StoreResult<Vec<TemplateRow>> {
        Ok(sqlx::query_as(
            "SELECT id, path, post, name, start_minute, duration_minutes, min_people, max_people FROM shift_templates \
             WHERE path LIKE $1 ORDER BY post, start_minute, id LIMIT 200",
        )
        .bind(under(path))
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn shift_template(&self, id: i64) -> StoreResult<Option<TemplateRow>> {
        Ok(sqlx::query_as(
            "SELECT id, path, post, name, start_minute, duration_minutes, min_people, max_people FROM shift_templates WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Put people on a template's shifts in one transaction: for each (starts, ends, user
    /// ids), the shift is made if new and each person assigned unless already on it. How
    /// many assignments were made.
    pub async fn roster_shifts(
        &self,
        ctx: &AuditCtx,
        t: &TemplateRow,
        shifts: &[(i64, i64, Vec<i64>)],
        now: i64,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        let mut made = 0;
        for (starts, ends, people) in shifts {
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM shifts WHERE template_id = $1 AND starts_at = $2")
                    .bind(t.id)
                    .bind(starts)
                    .fetch_optional(&mut *tx)
                    .await?;
            let shift = match existing {
                Some(id) => id,
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO shifts (template_id, path, post, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(t.id)
                    .bind(&t.path)
                    .bind(&t.post)
                    .bind(starts)
                    .bind(ends)
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            // Up to the template's most people on a shift, whoever is already on it.
            let mut on_shift: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM shift_assignments WHERE shift_id = $1 AND state IN ('assigned', 'confirmed', 'done')",
            )
            .bind(shift)
            .fetch_one(&mut *tx)
            .await?;
            for user in people {
                if on_shift >= t.max_people {
                    break;
                }
                let on: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM shift_assignments WHERE shift_id = $1 AND user_id = $2")
                        .bind(shift)
                        .bind(user)
                        .fetch_optional(&mut *tx)
                        .await?;
                if on.is_none() {
                    sqlx::query("INSERT INTO shift_assignments (shift_id, user_id, updated_at) VALUES ($1, $2, $3)")
                        .bind(shift)
                        .bind(user)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    made += 1;
                    on_shift += 1;
                }
            }
        }
        let ev = AuditEvent::new("roster.rotate", "shift_template", t.id, Outcome::Success)
            .detail(format!("{} shifts, {made} assignments", shifts.len()));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// The roster under a path for shifts starting in [from, to), by start and post.
    pub async fn roster(&self, path: &str, from: i64, to: i64) -> StoreResult<Vec<RosterRow>> {
        Ok(sqlx::query_as(&format!(
            "{ROSTER} WHERE s.path LIKE $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
             ORDER BY s.starts_at, s.post, t.id, a.id LIMIT 5000"
        ))
        .bind(under(path))
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?)
    }

    /// Who is on duty at `now` under a path (their assignment expected or done).
    pub async fn on_duty(&self, path: &str, now: i64) -> StoreResult<Vec<RosterRow>> {
        Ok(sqlx::query_as(&format!(
            "{ROSTER} WHERE s.path LIKE $1 AND s.starts_at <= $2 AND s.ends_at > $2 \
             AND a.state IN ('assigned', 'confirmed', 'done') ORDER BY s.post, s.starts_at, a.id LIMIT 500"
        ))
        .bind(under(path))
        .bind(now)
        .fetch_all(&self.read)
        .await?)
    }

    /// A person's shifts still to work (expected) that are under way or begin before
    /// `until`, soonest first.
    pub async fn my_shifts(&self, user_id: i64, now: i64, until: i64, limit: i64) -> StoreResult<Vec<RosterRow>> {
        Ok(sqlx::query_as(&format!(
            "{ROSTER} WHERE a.user_id = $1 AND a.state IN ('assigned', 'confirmed') AND s.ends_at > $2 \
             AND s.starts_at < $3 ORDER BY s.starts_at, s.id LIMIT $4"
        ))
        .bind(user_id)
        .bind(now)
        .bind(until)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// The people on duty now on a post whose roster covers `path` (a shift's unit at or
    /// above it): (username, display name).
    pub async fn on_duty_over(&self, path: &str, post: &str, now: i64) -> StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT u.username, u.display_name FROM shifts s JOIN shift_assignments a ON a.shift_id = s.id \
             JOIN users u ON u.id = a.user_id WHERE $1 LIKE s.path || '%' AND s.post = $2 AND s.starts_at <= $3 \
             AND s.ends_at > $3 AND a.state IN ('assigned', 'confirmed', 'done') AND u.disabled = 0 ORDER BY u.username",
        )
        .bind(path)
        .bind(post)
        .bind(now)
        .fetch_all(&self.read)
        .await?)
    }

    /// One assignment.
    pub async fn shift_assignment(&self, id: i64) -> StoreResult<Option<RosterRow>> {
        Ok(sqlx::query_as(&format!("{ROSTER} WHERE a.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// The shifts of a post under way at `at` under a path, latest start first: (shift id,
    /// starts, ends, template id, path).
    pub async fn shifts_under_way(
        &self,
        path: &str,
        post: &str,
        at: i64,
    ) -> StoreResult<Vec<(i64, i64, i64, i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, starts_at, ends_at, template_id, path FROM shifts WHERE path LIKE $1 AND post = $2 \
             AND starts_at <= $3 AND ends_at > $3 ORDER BY starts_at DESC, id LIMIT 50",
        )
        .bind(under(path))
        .bind(post)
        .bind(at)
        .fetch_all(&self.read)
        .await?)
    }

    /// The next shift of a template starting at or after `at`: (shift id, starts, ends).
    pub async fn next_shift(&self, template_id: i64, at: i64) -> StoreResult<Option<(i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, starts_at, ends_at FROM shifts WHERE template_id = $1 AND starts_at >= $2 ORDER BY starts_at, id LIMIT 1",
        )
        .bind(template_id)
        .bind(at)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Who is (still) expected on a shift, or did it: (user id, username).
    pub async fn shift_people(&self, shift_id: i64) -> StoreResult<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.username FROM shift_assignments a JOIN users u ON u.id = a.user_id \
             WHERE a.shift_id = $1 AND a.state IN ('assigned', 'confirmed', 'done') ORDER BY a.id",
        )
        .bind(shift_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Move an assignment from `from` to `to`; `Conflict` if it is no longer `from`.
    pub async fn set_assignment_state(
        &self,
        ctx: &AuditCtx,
        id: i64,
        from: &str,
        to: &str,
        note: &str,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE shift_assignments SET state = $1, note = $2, updated_at = $3 WHERE id = $4 AND state = $5",
        )
        .bind(to)
        .bind(note)
        .bind(now)
        .bind(id)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "assignment_state".into() });
        }
        let ev = AuditEvent::new("shift_assignment.state", "shift_assignment", id, Outcome::Success)
            .detail(format!("{from} → {to}"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Swap: the assignment becomes `swapped` (naming who takes it) and the other person is
    /// put on the shift, both or neither. `Conflict` if it moved meanwhile or they are on it.
    pub async fn swap_assignment(
        &self,
        ctx: &AuditCtx,
        id: i64,
        from: &str,
        to_user: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let shift: Option<i64> = sqlx::query_scalar(
            "UPDATE shift_assignments SET state = 'swapped', swapped_to = $1, updated_at = $2 WHERE id = $3 AND state = $4 \
             RETURNING shift_id",
        )
        .bind(to_user)
        .bind(now)
        .bind(id)
        .bind(from)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(shift) = shift else {
            return Err(StoreError::Conflict { constraint: "assignment_state".into() });
        };
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM shift_assignments WHERE shift_id = $1 AND user_id = $2")
                .bind(shift)
                .bind(to_user)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict { constraint: "shift_assignments_taken".into() });
        }
        let new: i64 = sqlx::query_scalar(
            "INSERT INTO shift_assignments (shift_id, user_id, note, updated_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(shift)
        .bind(to_user)
        .bind(format!("swap #{id}"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let ev = AuditEvent::new("shift_assignment.swap", "shift_assignment", id, Outcome::Success)
            .detail(format!("to user {to_user}, new assignment {new}"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Write (or, while the outgoing side has not signed, rewrite) the handover sheet of a
    /// shift; its id. `Conflict` once signed.
    #[allow(clippy::too_many_arguments)]
    pub async fn prepare_handover(
        &self,
        ctx: &AuditCtx,
        shift_id: i64,
        next_shift_id: Option<i64>,
        path: &str,
        sheet: &str,
        note: &str,
        user_id: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let existing: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT id, outgoing_signed_at FROM handovers WHERE shift_id = $1")
                .bind(shift_id)
                .fetch_optional(&mut *tx)
                .await?;
        let id = match existing {
            Some((_, Some(_))) => return Err(StoreError::Conflict { constraint: "handover_signed".into() }),
            Some((id, None)) => {
                sqlx::query(
                    "UPDATE handovers SET sheet = $1, note = $2, prepared_by = $3, prepared_at = $4, next_shift_id = $5 WHERE id = $6",
                )
                .bind(sheet)
                .bind(note)
                .bind(user_id)
                .bind(now)
                .bind(next_shift_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO handovers (shift_id, next_shift_id, path, sheet, note, prepared_by, prepared_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(shift_id)
                .bind(next_shift_id)
                .bind(path)
                .bind(sheet)
                .bind(note)
                .bind(user_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        audit::append(&mut tx, ctx, &AuditEvent::new("handover.prepare", "handover", id, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Handovers waiting for this person's signature: as the outgoing side on a shift they
    /// worked, or as the incoming side once the outgoing has signed.
    pub async fn handovers_to_sign(&self, user_id: i64, limit: i64) -> StoreResult<Vec<HandoverRow>> {
        Ok(sqlx::query_as(&format!(
            "{HANDOVER} WHERE (h.outgoing_signed_at IS NULL AND EXISTS (SELECT 1 FROM shift_assignments a \
             WHERE a.shift_id = h.shift_id AND a.user_id = $1 AND a.state IN ('assigned', 'confirmed', 'done'))) \
             OR (h.outgoing_signed_at IS NOT NULL AND h.incoming_signed_at IS NULL AND h.outgoing_id <> $1 \
             AND EXISTS (SELECT 1 FROM shift_assignments a WHERE a.shift_id = h.next_shift_id AND a.user_id = $1 \
             AND a.state IN ('assigned', 'confirmed', 'done'))) ORDER BY h.prepared_at DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn handover(&self, id: i64) -> StoreResult<Option<HandoverRow>> {
        Ok(sqlx::query_as(&format!("{HANDOVER} WHERE h.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// The latest handovers under a path.
    pub async fn handovers(&self, path: &str, limit: i64) -> StoreResult<Vec<HandoverRow>> {
        Ok(sqlx::query_as(&format!("{HANDOVER} WHERE h.path LIKE $1 ORDER BY s.starts_at DESC, h.id DESC LIMIT $2"))
            .bind(under(path))
            .bind(limit)
            .fetch_all(&self.read)
            .await?)
    }

    /// Sign a handover as the outgoing (`incoming` false) or the incoming side: the incoming
    /// only after the outgoing, each once. `Conflict` otherwise.
    pub async fn sign_handover(
        &self,
        ctx: &AuditCtx,
        id: i64,
        user_id: i64,
        incoming: bool,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let sql = if incoming {
            "UPDATE handovers SET incoming_id = $1, incoming_signed_at = $2 WHERE id = $3 \
             AND outgoing_signed_at IS NOT NULL AND incoming_signed_at IS NULL AND outgoing_id <> $1"
        } else {
            "UPDATE handovers SET outgoing_id = $1, outgoing_signed_at = $2 WHERE id = $3 AND outgoing_signed_at IS NULL"
        };
        let n = sqlx::query(sql).bind(user_id).bind(now).bind(id).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { constraint: "handover_signed".into() });
        }
        let side = if incoming { "incoming" } else { "outgoing" };
        audit::append(&mut tx, ctx, &AuditEvent::new("handover.sign", "handover", id, Outcome::Success).detail(side))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Agreements waiting for an application for judicial confirmation, with the window's
    /// end, under a path: (matter code, agreement number, due at).
    pub async fn awaiting_confirmation(
        &self,
        path: &str,
        now: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT m.code, a.number, a.judicial_confirmation_due_at FROM agreements a JOIN matters m ON m.id = a.matter_id \
             JOIN units g ON g.id = m.grid_id WHERE g.path LIKE $1 AND a.judicial_confirmation = 'none' \
             AND a.signed_at IS NOT NULL AND a.judicial_confirmation_due_at >= $2 \
             ORDER BY a.judicial_confirmation_due_at LIMIT $3",
        )
        .bind(under(path))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// Open matters under a path due before `to` (those overdue already among them, first):
    /// (code, kind, grid name, due at).
    pub async fn matters_due_before(
        &self,
        path: &str,
        to: i64,
        limit: i64,
    ) -> StoreResult<Vec<(String, String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT m.code, m.kind, g.name, m.resolve_due_at FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status <> 'closed' AND m.resolve_due_at < $2 \
             ORDER BY m.resolve_due_at LIMIT $3",
        )
        .bind(under(path))
        .bind(to)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }
}
