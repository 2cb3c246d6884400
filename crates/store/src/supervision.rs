//! The supervision desk's records (督查): supervision slips (督办单) with their timeline, and the
//! weekly quality spot checks (质量抽查) with the matters drawn. Every change is one
//! transaction with its event row, its audit record and its outbox event
//! (`supervision.slip_issued`, `supervision.slip_step`, `supervision.finding`), under the
//! addressee's path. The rules are in `fengqiao_domain::supervision`; times come from the
//! caller.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::outbox::outbox;
use crate::{Store, StoreError, StoreResult};
use sqlx::FromRow;

/// A slip to write.
#[derive(Debug, Clone)]
pub struct NewSlip {
    pub colour: String,
    pub subject: String,
    pub matter_id: Option<i64>,
    pub instruction_id: Option<i64>,
    pub reason: String,
    pub issuer_id: i64,
    pub addressee_unit_id: i64,
    pub addressee_user_id: Option<i64>,
    /// The addressee unit's path.
    pub path: String,
    pub issued_at: i64,
    pub answer_due_at: i64,
}

/// A slip as stored, with the names a page shows.
#[derive(Debug, Clone, FromRow, PartialEq, serde::Serialize)]
pub struct SlipRow {
    pub id: i64,
    pub code: String,
    pub colour: String,
    pub subject: String,
    pub matter_code: Option<String>,
    pub instruction_code: Option<String>,
    pub reason: String,
    pub issuer_id: i64,
    pub issuer_username: String,
    pub issuer_name: String,
    pub addressee_unit_id: i64,
    pub addressee_unit_code: String,
    pub addressee_unit_name: String,
    pub addressee_user_id: Option<i64>,
    pub addressee_username: Option<String>,
    pub addressee_name: Option<String>,
    pub path: String,
    pub status: String,
    pub issued_at: i64,
    pub answer_due_at: i64,
    pub answered_at: Option<i64>,
    pub answer: Option<String>,
    pub closed_at: Option<i64>,
    pub sent_back: i64,
}

/// One step on a slip's timeline.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct SlipEventRow {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: i64,
}

/// A step decided by the domain rules, applied only if the slip is still `from`.
#[derive(Debug, Clone)]
pub struct SlipStep<'a> {
    pub code: &'a str,
    pub event: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub note: &'a str,
    pub now: i64,
    /// A new deadline to answer (an answer sent back is given its time again).
    pub answer_due_at: Option<i64>,
}

/// Which slips to list. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct SlipFilter {
    /// Addressee unit under this path.
    pub under: Option<String>,
    /// Addressed to this person, or to this unit as a whole: (user id, unit id).
    pub addressed_to: Option<(i64, i64)>,
    pub matter_id: Option<i64>,
    pub status: Option<String>,
    /// Not closed.
    pub open_only: bool,
    pub limit: i64,
    pub offset: i64,
}

const SLIP: &str = "SELECT s.id, s.code, s.colour, s.subject, m.code AS matter_code, i.code AS instruction_code, \
    s.reason, s.issuer_id, iu.username AS issuer_username, iu.display_name AS issuer_name, s.addressee_unit_id, \
    au.code AS addressee_unit_code, au.name AS addressee_unit_name, s.addressee_user_id, \
    ap.username AS addressee_username, ap.display_name AS addressee_name, s.path, s.status, s.issued_at, \
    s.answer_due_at, s.answered_at, s.answer, s.closed_at, s.sent_back \
    FROM supervision_slips s JOIN users iu ON iu.id = s.issuer_id JOIN units au ON au.id = s.addressee_unit_id \
    LEFT JOIN users ap ON ap.id = s.addressee_user_id LEFT JOIN matters m ON m.id = s.matter_id \
    LEFT JOIN instructions i ON i.id = s.instruction_id";

async fn slip_event(
    conn: &mut sqlx::AnyConnection,
    topic: &str,
    code: &str,
    extra: serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    let s: SlipRow = sqlx::query_as(&format!("{SLIP} WHERE s.code = $1")).bind(code).fetch_one(&mut *conn).await?;
    let mut payload = serde_json::json!({
        "code": s.code, "colour": s.colour, "subject": s.subject, "status": s.status,
        "matter_code": s.matter_code, "instruction_code": s.instruction_code, "reason": s.reason,
        "issuer": s.issuer_name, "addressee_unit_name": s.addressee_unit_name, "addressee_name": s.addressee_name,
        "addressee_username": s.addressee_username, "answer_due_at": s.answer_due_at,
    });
    if let (Some(p), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    outbox(conn, topic, code, &s.path, &payload, now).await
}

async fn add_slip_event(conn: &mut sqlx::AnyConnection, id: i64, s: &SlipStep<'_>, actor: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO supervision_slip_events (slip_id, event, from_status, to_status, actor, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(s.event)
    .bind(s.from)
    .bind(s.to)
    .bind(actor)
    .bind(s.note)
    .bind(s.now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `DB20261203-000042`: the day of issue (China time) and the row id.
fn slip_code(id: i64, now: i64) -> String {
    let day = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y%m%d").to_string())
        .unwrap_or_default();
    format!("DB{day}-{id:06}")
}

/// A spot check as a list shows it, with its progress.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct SpotCheckRow {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub path: String,
    pub week_start: i64,
    pub population: i64,
    pub drawn_at: i64,
    pub drawn_by: String,
    pub items: i64,
    pub reviewed: i64,
    pub flawed: i64,
    pub replied: i64,
}

/// A matter drawn for review.
#[derive(Debug, Clone, FromRow, PartialEq, Eq, serde::Serialize)]
pub struct SpotItemRow {
    pub id: i64,
    pub check_id: i64,
    pub week_start: i64,
    pub matter_code: String,
    pub matter_kind: String,
    pub narrative: String,
    pub grid_name: String,
    pub closed_at: Option<i64>,
    pub closure: Option<String>,
    pub path: String,
    pub addressee_unit_id: i64,
    pub addressee_unit_name: String,
    pub addressee_user_id: Option<i64>,
    pub addressee_username: Option<String>,
    pub addressee_name: Option<String>,
    pub verdict: String,
    pub flaws: String,
    pub findings: String,
    pub reviewer_name: Option<String>,
    pub reviewed_at: Option<i64>,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
}

const ITEM: &str = "SELECT it.id, it.check_id, c.week_start, m.code AS matter_code, m.kind AS matter_kind, \
    m.narrative, g.name AS grid_name, m.closed_at, m.closure, it.path, it.addressee_unit_id, au.name AS addressee_unit_name, \
    it.addressee_user_id, ap.username AS addressee_username, ap.display_name AS addressee_name, it.verdict, it.flaws, \
    it.findings, rv.display_name AS reviewer_name, it.reviewed_at, it.reply, it.replied_at \
    FROM spot_check_items it JOIN spot_checks c ON c.id = it.check_id JOIN matters m ON m.id = it.matter_id \
    JOIN units g ON g.id = m.grid_id JOIN units au ON au.id = it.addressee_unit_id \
    LEFT JOIN users ap ON ap.id = it.addressee_user_id LEFT JOIN users rv ON rv.id = it.reviewer_id";

/// A closed matter a check may draw: who closed it (the last `close` step's account, if it
/// is still active) and the unit that handled it.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct ClosedMatter {
    pub id: i64,
    pub path: String,
    pub handler_unit_id: i64,
    pub closer_id: Option<i64>,
}

/// A review of a drawn matter.
#[derive(Debug, Clone)]
pub struct Review<'a> {
    pub item_id: i64,
    pub verdict: &'a str,
    pub flaws: &'a str,
    pub findings: &'a str,
    pub reviewer_id: i64,
    pub now: i64,
}

impl Store {
    /// Issue a slip; its code. `Conflict` when a slip about the same matter or instruction
    /// is still open.
    pub async fn insert_slip(&self, ctx: &AuditCtx, n: &NewSlip) -> StoreResult<String> {
        let mut tx = self.begin().await?;
        let temp = format!("tmp-{}-{}", n.issued_at, rand::random::<u64>());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO supervision_slips (code, colour, subject, matter_id, instruction_id, reason, issuer_id, \
             addressee_unit_id, addressee_user_id, path, status, issued_at, answer_due_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'issued', $11, $12, $11) RETURNING id",
        )
        .bind(&temp)
        .bind(&n.colour)
        .bind(&n.subject)
        .bind(n.matter_id)
        .bind(n.instruction_id)
        .bind(&n.reason)
        .bind(n.issuer_id)
        .bind(n.addressee_unit_id)
        .bind(n.addressee_user_id)
        .bind(&n.path)
        .bind(n.issued_at)
        .bind(n.answer_due_at)
        .fetch_one(&mut *tx)
        .await?;
        let code = slip_code(id, n.issued_at);
        sqlx::query("UPDATE supervision_slips SET code = $1 WHERE id = $2")
            .bind(&code)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let step = SlipStep {
            code: &code,
            event: "issue",
            from: "",
            to: "issued",
            note: &n.reason,
            now: n.issued_at,
            answer_due_at: None,
        };
        add_slip_event(&mut tx, id, &step, &ctx.actor).await?;
        let ev = AuditEvent::new("supervision.slip_issue", "supervision_slip", &code, Outcome::Success)
            .detail(format!("{} {}", n.colour, n.subject));
        audit::append(&mut tx, ctx, &ev).await?;
        slip_event(&mut tx, "supervision.slip_issued", &code, serde_json::json!({}), n.issued_at).await?;
        tx.commit().await?;
        Ok(code)
    }

    pub async fn slip(&self, code: &str) -> StoreResult<Option<SlipRow>> {
        Ok(sqlx::query_as(&format!("{SLIP} WHERE s.code = $1")).bind(code).fetch_optional(&self.read).await?)
    }

    /// A slip's timeline, oldest first.
    pub async fn slip_events(&self, id: i64) -> StoreResult<Vec<SlipEventRow>> {
        Ok(sqlx::query_as(
            "SELECT event, from_status, to_status, actor, note, at FROM supervision_slip_events \
             WHERE slip_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Who answered a slip last (an account's username).
    pub async fn slip_answerer(&self, id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT actor FROM supervision_slip_events WHERE slip_id = $1 AND event = 'answer' ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Apply a step. `Conflict` when the slip is no longer in the status the caller saw.
    pub async fn slip_step(&self, ctx: &AuditCtx, s: &SlipStep<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE supervision_slips SET status = $1, updated_at = $2, \
             answered_at = CASE WHEN $1 = 'answered' THEN $2 ELSE answered_at END, \
             answer = CASE WHEN $1 = 'answered' THEN $3 ELSE answer END, \
             closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE closed_at END, \
             sent_back = CASE WHEN $6 = 'reject' THEN sent_back + 1 ELSE sent_back END, \
             answer_due_at = COALESCE($7, answer_due_at) \
             WHERE code = $4 AND status = $5 RETURNING id",
        )
        .bind(s.to)
        .bind(s.now)
        .bind(s.note)
        .bind(s.code)
        .bind(s.from)
        .bind(s.event)
        .bind(s.answer_due_at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(StoreError::Conflict { constraint: "slip_status".into() });
        };
        add_slip_event(&mut tx, id, s, &ctx.actor).await?;
        let ev =
            AuditEvent::new(&format!("supervision.slip_{}", s.event), "supervision_slip", s.code, Outcome::Success)
                .detail(format!("{} → {}", s.from, s.to));
        audit::append(&mut tx, ctx, &ev).await?;
        let extra = serde_json::json!({ "event": s.event, "from": s.from, "actor": ctx.actor, "note": s.note });
        slip_event(&mut tx, "supervision.slip_step", s.code, extra, s.now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Slips matching `f`: open ones first, the nearest deadline first; and how many match.
    pub async fn slips(&self, f: &SlipFilter) -> StoreResult<(Vec<SlipRow>, i64)> {
        let mut wh = vec!["1 = 1".to_string()];
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if f.under.is_some() {
            wh.push(format!("s.path LIKE {}", next()));
        }
        if f.addressed_to.is_some() {
            let (u, unit) = (next(), next());
            wh.push(format!(
                "(s.addressee_user_id = {u} OR (s.addressee_user_id IS NULL AND s.addressee_unit_id = {unit}))"
            ));
        }
        if f.matter_id.is_some() {
            wh.push(format!("s.matter_id = {}", next()));
        }
        if f.status.is_some() {
            wh.push(format!("s.status = {}", next()));
        }
        if f.open_only {
            wh.push("s.status <> 'closed'".into());
        }
        let wh = wh.join(" AND ");
        let (lim, off) = (next(), next());
        let list = format!(
            "{SLIP} WHERE {wh} ORDER BY CASE s.status WHEN 'issued' THEN 0 WHEN 'answered' THEN 1 ELSE 2 END, \
             s.answer_due_at, s.id DESC LIMIT {lim} OFFSET {off}"
        );
        let count = format!("SELECT COUNT(*) FROM supervision_slips s WHERE {wh}");
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                if let Some(p) = &f.under {
                    q = q.bind(format!("{p}%"));
                }
                if let Some((u, unit)) = f.addressed_to {
                    q = q.bind(u).bind(unit);
                }
                if let Some(m) = f.matter_id {
                    q = q.bind(m);
                }
                if let Some(s) = &f.status {
                    q = q.bind(s.clone());
                }
                q
            }};
        }
        let rows = bind_all!(sqlx::query_as::<_, SlipRow>(&list))
            .bind(f.limit.clamp(1, 500))
            .bind(f.offset.clamp(0, 1_000_000))
            .fetch_all(&self.read)
            .await?;
        let total: i64 = bind_all!(sqlx::query_scalar(&count)).fetch_one(&self.read).await?;
        Ok((rows, total))
    }

    /// The matters closed under `path` in `[from, to)`, with who closed them.
    pub async fn closed_matters(&self, path: &str, from: i64, to: i64) -> StoreResult<Vec<ClosedMatter>> {
        Ok(sqlx::query_as(
            "SELECT m.id, g.path, COALESCE(m.handler_unit_id, m.grid_id) AS handler_unit_id, \
             (SELECT u.id FROM matter_events e JOIN users u ON u.username = e.actor \
              WHERE e.matter_id = m.id AND e.to_status LIKE 'closed%' AND u.disabled = 0 ORDER BY e.at DESC, e.id DESC LIMIT 1) AS closer_id \
             FROM matters m JOIN units g ON g.id = m.grid_id \
             WHERE g.path LIKE $1 AND m.status = 'closed' AND m.closed_at >= $2 AND m.closed_at < $3 ORDER BY m.id LIMIT 100000",
        )
        .bind(format!("{path}%"))
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?)
    }

    /// Write a week's check of a unit (id, path) with the matters drawn; its id, or `None` when that
    /// week of that unit was drawn already (by another node or person).
    pub async fn insert_spot_check(
        &self,
        ctx: &AuditCtx,
        (unit_id, path): (i64, &str),
        week_start: i64,
        population: i64,
        drawn: &[ClosedMatter],
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO spot_checks (unit_id, path, week_start, population, drawn_at, drawn_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unit_id, week_start) DO NOTHING RETURNING id",
        )
        .bind(unit_id)
        .bind(path)
        .bind(week_start)
        .bind(population)
        .bind(now)
        .bind(&ctx.actor)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(None) };
        for m in drawn {
            sqlx::query(
                "INSERT INTO spot_check_items (check_id, matter_id, path, addressee_unit_id, addressee_user_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(m.id)
            .bind(&m.path)
            .bind(m.handler_unit_id)
            .bind(m.closer_id)
            .execute(&mut *tx)
            .await?;
        }
        let ev = AuditEvent::new("supervision.spot_check_draw", "spot_check", id, Outcome::Success)
            .detail(format!("{} of {population}", drawn.len()));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    const SPOT: &'static str = "SELECT c.id, u.code AS unit_code, u.name AS unit_name, c.path, c.week_start, c.population, \
        c.drawn_at, c.drawn_by, \
        (SELECT COUNT(*) FROM spot_check_items i WHERE i.check_id = c.id) AS items, \
        (SELECT COUNT(*) FROM spot_check_items i WHERE i.check_id = c.id AND i.verdict <> 'pending') AS reviewed, \
        (SELECT COUNT(*) FROM spot_check_items i WHERE i.check_id = c.id AND i.verdict = 'flawed') AS flawed, \
        (SELECT COUNT(*) FROM spot_check_items i WHERE i.check_id = c.id AND i.replied_at IS NOT NULL) AS replied \
        FROM spot_checks c JOIN units u ON u.id = c.unit_id";

    /// The checks of units at or under `path` (and of the units above it that the caller
    /// names), newest week first, at most `limit`.
    pub async fn spot_checks(&self, path: &str, limit: i64) -> StoreResult<Vec<SpotCheckRow>> {
        Ok(sqlx::query_as(&format!(
            "{} WHERE c.path LIKE $1 ORDER BY c.week_start DESC, c.id DESC LIMIT $2",
            Self::SPOT
        ))
        .bind(format!("{path}%"))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn spot_check(&self, id: i64) -> StoreResult<Option<SpotCheckRow>> {
        Ok(sqlx::query_as(&format!("{} WHERE c.id = $1", Self::SPOT)).bind(id).fetch_optional(&self.read).await?)
    }

    /// The matters a check drew, pending first.
    pub async fn spot_items(&self, check_id: i64) -> StoreResult<Vec<SpotItemRow>> {
        Ok(sqlx::query_as(&format!(
            "{ITEM} WHERE it.check_id = $1 ORDER BY CASE it.verdict WHEN 'pending' THEN 0 ELSE 1 END, it.id"
        ))
        .bind(check_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn spot_item(&self, id: i64) -> StoreResult<Option<SpotItemRow>> {
        Ok(sqlx::query_as(&format!("{ITEM} WHERE it.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// Findings sent back and not yet replied to, addressed to a person or their unit as a
    /// whole; at most `limit`.
    pub async fn findings_to_reply(&self, user_id: i64, unit_id: i64, limit: i64) -> StoreResult<Vec<SpotItemRow>> {
        Ok(sqlx::query_as(&format!(
            "{ITEM} WHERE it.verdict = 'flawed' AND it.replied_at IS NULL AND (it.addressee_user_id = $1 \
             OR (it.addressee_user_id IS NULL AND it.addressee_unit_id = $2)) ORDER BY it.reviewed_at LIMIT $3"
        ))
        .bind(user_id)
        .bind(unit_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?)
    }

    /// Record a review (once: `Conflict` when reviewed meanwhile). A flawed verdict goes to
    /// the outbox (`supervision.finding`) for whoever closed the matter.
    pub async fn review_spot_item(&self, ctx: &AuditCtx, r: &Review<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE spot_check_items SET verdict = $1, flaws = $2, findings = $3, reviewer_id = $4, reviewed_at = $5 \
             WHERE id = $6 AND verdict = 'pending'",
        )
        .bind(r.verdict)
        .bind(r.flaws)
        .bind(r.findings)
        .bind(r.reviewer_id)
        .bind(r.now)
        .bind(r.item_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict { constraint: "spot_item_reviewed".into() });
        }
        let it: SpotItemRow =
            sqlx::query_as(&format!("{ITEM} WHERE it.id = $1")).bind(r.item_id).fetch_one(&mut *tx).await?;
        let ev = AuditEvent::new("supervision.spot_review", "spot_check_item", r.item_id, Outcome::Success)
            .detail(format!("{} {} {}", it.matter_code, r.verdict, r.flaws));
        audit::append(&mut tx, ctx, &ev).await?;
        if r.verdict == "flawed" {
            let p = serde_json::json!({
                "item": it.id, "check": it.check_id, "matter_code": it.matter_code, "grid_name": it.grid_name,
                "flaws": r.flaws, "findings": r.findings, "addressee_username": it.addressee_username,
                "addressee_name": it.addressee_name, "addressee_unit_name": it.addressee_unit_name,
            });
            outbox(&mut tx, "supervision.finding", &it.matter_code, &it.path, &p, r.now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Record the handler's reply to findings (once: `Conflict` when replied meanwhile).
    pub async fn reply_spot_item(&self, ctx: &AuditCtx, item_id: i64, reply: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE spot_check_items SET reply = $1, replied_at = $2 \
             WHERE id = $3 AND verdict = 'flawed' AND replied_at IS NULL",
        )
        .bind(reply)
        .bind(now)
        .bind(item_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict { constraint: "spot_item_replied".into() });
        }
        let ev = AuditEvent::new("supervision.spot_reply", "spot_check_item", item_id, Outcome::Success);
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The unit handling a matter (its grid until it moves up), and that unit's path.
    pub async fn matter_handler_unit(&self, matter_id: i64) -> StoreResult<(i64, String)> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.path FROM matters m JOIN units u ON u.id = COALESCE(m.handler_unit_id, m.grid_id) WHERE m.id = $1",
        )
        .bind(matter_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// How many times a matter was urged (督办).
    pub async fn urge_count(&self, matter_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM matter_events WHERE matter_id = $1 AND event = 'urge'")
            .bind(matter_id)
            .fetch_one(&self.read)
            .await?)
    }

    /// The units a weekly check is drawn for: every police station.
    pub async fn stations(&self) -> StoreResult<Vec<(i64, String)>> {
        Ok(sqlx::query_as("SELECT id, path FROM units WHERE kind = 'station' ORDER BY path")
            .fetch_all(&self.read)
            .await?)
    }
}
