//! Two-way instructions (指令): issued, stepped through their lifecycle, listed, escalated.
//! Every change is one transaction with its event row, its audit record and its outbox event
//! (`instruction.issued`, `instruction.step`, `instruction.escalated`), the event carrying the
//! instruction as it stands, under the recipient unit's path. The rules (which step is
//! allowed, colours, deadlines) are in `fengqiao_domain::instruction`; times are given by the
//! caller, so a test controls the clock.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::outbox::outbox;
use crate::{Store, StoreError, StoreResult};
use sqlx::FromRow;

/// An instruction to write.
#[derive(Debug, Clone)]
pub struct NewInstruction {
    pub title: String,
    pub body: String,
    /// `normal`, `urgent` or `critical`.
    pub priority: String,
    pub matter_id: Option<i64>,
    pub issuer_id: i64,
    pub recipient_unit_id: i64,
    /// A person; `None` for the unit as a whole.
    pub recipient_user_id: Option<i64>,
    /// The recipient unit's path.
    pub path: String,
    pub issued_at: i64,
    pub ack_due_at: i64,
    pub report_due_at: i64,
}

/// An instruction as stored, with the names a page shows.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct InstructionRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub body: String,
    pub priority: String,
    pub matter_code: Option<String>,
    pub issuer_id: i64,
    pub issuer_username: String,
    pub issuer_name: String,
    pub issuer_path: String,
    pub recipient_unit_id: i64,
    pub recipient_unit_code: String,
    pub recipient_unit_name: String,
    pub recipient_user_id: Option<i64>,
    pub recipient_username: Option<String>,
    pub recipient_name: Option<String>,
    pub path: String,
    pub status: String,
    pub issued_at: i64,
    pub ack_due_at: i64,
    pub report_due_at: i64,
    pub delivered_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub reported_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub report: Option<String>,
    pub escalated_at: Option<i64>,
    pub updated_at: i64,
}

/// One step on an instruction's timeline.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct InstructionEventRow {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor: String,
    pub note: String,
    pub at: i64,
}

/// A step decided by the domain rules, applied only if the instruction is still `from`.
#[derive(Debug, Clone)]
pub struct InstructionStep<'a> {
    pub code: &'a str,
    pub event: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub note: &'a str,
    pub now: i64,
}

/// Which instructions to list. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct InstructionFilter {
    /// Recipient unit under this path (the viewer's jurisdiction).
    pub under: Option<String>,
    /// Addressed to this person, or to this unit as a whole: (user id, unit id).
    pub addressed_to: Option<(i64, i64)>,
    pub issuer_id: Option<i64>,
    pub matter_id: Option<i64>,
    /// Not closed or returned.
    pub open_only: bool,
    /// One status.
    pub status: Option<String>,
    /// Not this status.
    pub not_status: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const SELECT: &str = "SELECT i.id, i.code, i.title, i.body, i.priority, m.code AS matter_code, i.issuer_id, \
    iu.username AS issuer_username, iu.display_name AS issuer_name, iun.path AS issuer_path, i.recipient_unit_id, \
    ru.code AS recipient_unit_code, ru.name AS recipient_unit_name, i.recipient_user_id, \
    rp.username AS recipient_username, rp.display_name AS recipient_name, i.path, i.status, i.issued_at, \
    i.ack_due_at, i.report_due_at, i.delivered_at, i.acknowledged_at, i.reported_at, i.closed_at, i.report, \
    i.escalated_at, i.updated_at \
    FROM instructions i \
    JOIN users iu ON iu.id = i.issuer_id JOIN units iun ON iun.id = iu.unit_id \
    JOIN units ru ON ru.id = i.recipient_unit_id \
    LEFT JOIN users rp ON rp.id = i.recipient_user_id \
    LEFT JOIN matters m ON m.id = i.matter_id";

/// The statuses in which something is still expected of someone.
const OPEN: &str = "i.status NOT IN ('closed', 'returned')";

/// The event about an instruction: the instruction as it stands in this transaction, with
/// `extra` fields of the change, under its recipient's path.
async fn instruction_event(
    conn: &mut sqlx::AnyConnection,
    topic: &str,
    code: &str,
    extra: serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    let i: InstructionRow =
        sqlx::query_as(&format!("{SELECT} WHERE i.code = $1")).bind(code).fetch_one(&mut *conn).await?;
    let mut payload = serde_json::json!({
        "code": i.code, "title": i.title, "priority": i.priority, "status": i.status,
        "matter_code": i.matter_code, "issuer": i.issuer_name,
        "recipient_unit_code": i.recipient_unit_code, "recipient_unit_name": i.recipient_unit_name,
        "recipient_name": i.recipient_name, "recipient_username": i.recipient_username, "issued_at": i.issued_at, "ack_due_at": i.ack_due_at,
        "report_due_at": i.report_due_at, "acknowledged_at": i.acknowledged_at, "escalated_at": i.escalated_at,
    });
    if let (Some(p), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    outbox(conn, topic, code, &i.path, &payload, now).await
}

async fn add_event(conn: &mut sqlx::AnyConnection, id: i64, s: &InstructionStep<'_>, actor: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO instruction_events (instruction_id, event, from_status, to_status, actor, note, at) \
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

/// `ZL20261203-000042`: the day of issue (China time) and the row id.
fn code_for(id: i64, now: i64) -> String {
    let day = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y%m%d").to_string())
        .unwrap_or_default();
    format!("ZL{day}-{id:06}")
}

impl Store {
    /// Issue an instruction; its code.
    pub async fn insert_instruction(&self, ctx: &AuditCtx, n: &NewInstruction) -> StoreResult<String> {
        let mut tx = self.begin().await?;
        let temp = format!("tmp-{}-{}", n.issued_at, rand::random::<u64>());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO instructions (code, title, body, priority, matter_id, issuer_id, recipient_unit_id, \
             recipient_user_id, path, status, issued_at, ack_due_at, report_due_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sent', $10, $11, $12, $10) RETURNING id",
        )
        .bind(&temp)
        .bind(&n.title)
        .bind(&n.body)
        .bind(&n.priority)
        .bind(n.matter_id)
        .bind(n.issuer_id)
        .bind(n.recipient_unit_id)
        .bind(n.recipient_user_id)
        .bind(&n.path)
        .bind(n.issued_at)
        .bind(n.ack_due_at)
        .bind(n.report_due_at)
        .fetch_one(&mut *tx)
        .await?;
        let code = code_for(id, n.issued_at);
        sqlx::query("UPDATE instructions SET code = $1 WHERE id = $2").bind(&code).bind(id).execute(&mut *tx).await?;
        let step = InstructionStep { code: &code, event: "issue", from: "", to: "sent", note: "", now: n.issued_at };
        add_event(&mut tx, id, &step, &ctx.actor).await?;
        let ev = AuditEvent::new("instruction.issue", "instruction", &code, Outcome::Success).detail(&n.title);
        audit::append(&mut tx, ctx, &ev).await?;
        instruction_event(&mut tx, "instruction.issued", &code, serde_json::json!({}), n.issued_at).await?;
        tx.commit().await?;
        Ok(code)
    }

    pub async fn instruction(&self, code: &str) -> StoreResult<Option<InstructionRow>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE i.code = $1")).bind(code).fetch_optional(&self.read).await?)
    }

    /// The instruction's timeline, oldest first.
    pub async fn instruction_events(&self, id: i64) -> StoreResult<Vec<InstructionEventRow>> {
        Ok(sqlx::query_as(
            "SELECT event, from_status, to_status, actor, note, at FROM instruction_events \
             WHERE instruction_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Every step of every instruction about a matter, oldest first, with the instruction's
    /// code and title.
    pub async fn instruction_events_for_matter(
        &self,
        matter_id: i64,
    ) -> StoreResult<Vec<(String, String, InstructionEventRow)>> {
        #[derive(FromRow)]
        struct Row {
            code: String,
            title: String,
            #[sqlx(flatten)]
            e: InstructionEventRow,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.code, i.title, e.event, e.from_status, e.to_status, e.actor, e.note, e.at \
             FROM instruction_events e JOIN instructions i ON i.id = e.instruction_id \
             WHERE i.matter_id = $1 ORDER BY e.at, e.id LIMIT 1000",
        )
        .bind(matter_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(|r| (r.code, r.title, r.e)).collect())
    }

    /// Apply a step. `Conflict` when the instruction is no longer in the status the caller saw.
    pub async fn instruction_step(&self, ctx: &AuditCtx, s: &InstructionStep<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Each state's own time is set when it is first reached; a report sent back is
        // reported again (its time and words replaced).
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE instructions SET status = $1, updated_at = $2, \
             delivered_at = CASE WHEN $1 IN ('delivered', 'acknowledged', 'returned') AND delivered_at IS NULL THEN $2 ELSE delivered_at END, \
             acknowledged_at = CASE WHEN $1 = 'acknowledged' AND acknowledged_at IS NULL THEN $2 ELSE acknowledged_at END, \
             reported_at = CASE WHEN $1 = 'reported' THEN $2 ELSE reported_at END, \
             report = CASE WHEN $1 = 'reported' THEN $3 ELSE report END, \
             closed_at = CASE WHEN $1 IN ('closed', 'returned') THEN $2 ELSE closed_at END \
             WHERE code = $4 AND status = $5 RETURNING id",
        )
        .bind(s.to)
        .bind(s.now)
        .bind(s.note)
        .bind(s.code)
        .bind(s.from)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(StoreError::Conflict { constraint: "instruction_status".into() });
        };
        add_event(&mut tx, id, s, &ctx.actor).await?;
        let ev = AuditEvent::new(&format!("instruction.{}", s.event), "instruction", s.code, Outcome::Success)
            .detail(format!("{} → {}", s.from, s.to));
        audit::append(&mut tx, ctx, &ev).await?;
        let extra = serde_json::json!({ "event": s.event, "from": s.from, "actor": ctx.actor });
        instruction_event(&mut tx, "instruction.step", s.code, extra, s.now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Instructions matching `f`, overdue-first within open ones then newest; and how many
    /// match in all.
    pub async fn list_instructions(&self, f: &InstructionFilter) -> StoreResult<(Vec<InstructionRow>, i64)> {
        let mut wh = vec!["1 = 1".to_string()];
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if f.under.is_some() {
            wh.push(format!("i.path LIKE {}", next()));
        }
        if f.addressed_to.is_some() {
            let (u, unit) = (next(), next());
            wh.push(format!(
                "(i.recipient_user_id = {u} OR (i.recipient_user_id IS NULL AND i.recipient_unit_id = {unit}))"
            ));
        }
        if f.issuer_id.is_some() {
            wh.push(format!("i.issuer_id = {}", next()));
        }
        if f.matter_id.is_some() {
            wh.push(format!("i.matter_id = {}", next()));
        }
        if f.status.is_some() {
            wh.push(format!("i.status = {}", next()));
        }
        if f.not_status.is_some() {
            wh.push(format!("i.status <> {}", next()));
        }
        if f.open_only {
            wh.push(OPEN.into());
        }
        let wh = wh.join(" AND ");
        let (lim, off) = (next(), next());
        let list = format!(
            "{SELECT} WHERE {wh} ORDER BY CASE WHEN {OPEN} THEN 0 ELSE 1 END, \
             CASE WHEN i.status IN ('sent', 'delivered') THEN i.ack_due_at ELSE i.report_due_at END, i.id DESC \
             LIMIT {lim} OFFSET {off}"
        );
        let count = format!("SELECT COUNT(*) FROM instructions i WHERE {wh}");
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                if let Some(p) = &f.under {
                    q = q.bind(format!("{p}%"));
                }
                if let Some((u, unit)) = f.addressed_to {
                    q = q.bind(u).bind(unit);
                }
                if let Some(i) = f.issuer_id {
                    q = q.bind(i);
                }
                if let Some(m) = f.matter_id {
                    q = q.bind(m);
                }
                if let Some(s) = &f.status {
                    q = q.bind(s.clone());
                }
                if let Some(s) = &f.not_status {
                    q = q.bind(s.clone());
                }
                q
            }};
        }
        let rows = bind_all!(sqlx::query_as::<_, InstructionRow>(&list))
            .bind(f.limit.clamp(1, 500))
            .bind(f.offset.clamp(0, 1_000_000))
            .fetch_all(&self.read)
            .await?;
        let total: i64 = bind_all!(sqlx::query_scalar(&count)).fetch_one(&self.read).await?;
        Ok((rows, total))
    }

    /// Open instructions whose report deadline passed before `now` and that were not
    /// escalated yet, oldest deadline first.
    pub async fn instructions_to_escalate(&self, now: i64, limit: i64) -> StoreResult<Vec<InstructionRow>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE i.status IN ('sent', 'delivered', 'acknowledged') AND i.report_due_at < $1 \
             AND i.escalated_at IS NULL ORDER BY i.report_due_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?)
    }

    /// Escalate an overdue instruction once: the timeline says to whom, and the outbox
    /// event (`instruction.escalated`) carries the leaders' accounts for delivery, and sends
    /// the instruction to its recipient again. `false` when it was escalated meanwhile.
    pub async fn escalate_instruction(
        &self,
        code: &str,
        leaders: &[String],
        note: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let row: Option<(i64, String)> = sqlx::query_as(
            "UPDATE instructions SET escalated_at = $1, updated_at = $1 \
             WHERE code = $2 AND escalated_at IS NULL RETURNING id, status",
        )
        .bind(now)
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, status)) = row else { return Ok(false) };
        let step = InstructionStep { code, event: "escalate", from: &status, to: &status, note, now };
        add_event(&mut tx, id, &step, "rules").await?;
        let ctx = AuditCtx::system("rules", "instruction overdue");
        let ev = AuditEvent::new("instruction.escalate", "instruction", code, Outcome::Success).detail(note);
        audit::append(&mut tx, &ctx, &ev).await?;
        let extra = serde_json::json!({ "leaders": leaders, "resend": true });
        instruction_event(&mut tx, "instruction.escalated", code, extra, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The leaders an overdue instruction to a unit at `path` goes up to: the accounts with a
    /// leading role (community leader or officer, street leader, commander) at the nearest
    /// unit at or above it that has any, other than `except`. Usernames with names.
    pub async fn unit_leaders(&self, path: &str, except: Option<i64>) -> StoreResult<Vec<(String, String)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT u.username, u.display_name, un.path FROM users u JOIN units un ON un.id = u.unit_id \
             JOIN user_roles r ON r.user_id = u.id \
             WHERE $1 LIKE un.path || '%' AND u.disabled = 0 AND u.id <> $2 \
             AND r.role IN ('community_leader', 'community_officer', 'street_leader', 'commander') \
             ORDER BY un.path DESC, u.username",
        )
        .bind(path)
        .bind(except.unwrap_or(-1))
        .fetch_all(&self.read)
        .await?;
        let Some(nearest) = rows.iter().map(|r| r.2.len()).max() else { return Ok(vec![]) };
        Ok(rows.into_iter().filter(|r| r.2.len() == nearest).map(|r| (r.0, r.1)).collect())
    }
}
