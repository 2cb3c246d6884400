//! Matters: intake (with the response clock), reading, and workflow steps — each step
//! checked against the status it expects (so two people acting at once cannot both move
//! the case), recorded in `matter_events` and audited in the same transaction.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::outbox::matter_event;
use crate::{Store, StoreError, StoreResult, now_ms};
use fengqiao_domain::Phone;
use fengqiao_domain::matter::{Approach, Closure, Difficulty, FiveSmall, MatterKind, Priority, Source, Status, Tier};
use fengqiao_domain::mediation::Route;
use fengqiao_domain::risk::Level;
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct NewMatter {
    pub kind: MatterKind,
    pub category: String,
    pub priority: Priority,
    pub narrative: String,
    pub source: Source,
    pub grid_id: i64,
    pub household_id: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The address as typed by whoever reported it, if any.
    pub address: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    /// Disputes start at the grid tier; other kinds have none.
    pub tier: Option<Tier>,
    pub approach: Option<Approach>,
    pub ack_due_at: i64,
    pub resolve_due_at: i64,
    pub difficulty: Difficulty,
    /// A "five small" tag (五小警务), if any.
    pub five_small: Option<FiveSmall>,
    /// Open311: the client that posted it, the token handed back, a photo's address.
    pub open311: Option<(i64, String, Option<String>)>,
    /// Decided at intake, written in the same transaction.
    pub initial: Initial,
}

/// What intake decides before the matter is written: its escalation risk (from the
/// narrative) with its factors and, at red, the alert with its police report; and the tier
/// rules' moves (to tier, reason) — so a new matter costs one transaction.
#[derive(Debug, Clone, Default)]
pub struct Initial {
    pub risk_score: i64,
    /// `None`: not assessed (the columns keep their defaults).
    pub risk_level: Option<Level>,
    pub factors: Vec<RiskFactor>,
    pub alert: Option<AlertText>,
    pub moves: Vec<TierMove>,
    /// Found during this screening round (排查).
    pub screening_round_id: Option<i64>,
}

/// One factor of an escalation-risk score, with its weight and the evidence found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFactor {
    pub factor: String,
    pub weight: i64,
    pub evidence: String,
}

/// An alert's text: its factors and the report to the police (`{code}` stands for the
/// matter's code, known only once it is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertText {
    pub factors: String,
    pub police_report: String,
}

/// A move up a tier the rules decided, with their reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierMove {
    pub to: Tier,
    pub reason: String,
}

/// A matter as stored, typed: every vocabulary column is a domain enum (an unknown value
/// in the database is reported as corrupt data, never passed on as text).
#[derive(Debug, Clone)]
pub struct MatterDetail {
    pub id: i64,
    pub code: String,
    pub kind: MatterKind,
    /// A category code of the taxonomy in use (installations add their own).
    pub category: String,
    pub priority: Priority,
    pub narrative: String,
    /// The status, with the closure of a closed matter.
    pub status: Status,
    pub source: Source,
    pub tier: Option<Tier>,
    pub approach: Option<Approach>,
    pub grid_code: String,
    pub grid_name: String,
    pub grid_path: String,
    pub household_code: Option<String>,
    pub ack_due_at: Option<i64>,
    pub resolve_due_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The unit handling it at its tier (the grid, its community or its street).
    pub handler_path: String,
    pub handler_name: String,
    pub escalation_risk_score: i64,
    pub escalation_risk_level: Level,
    /// The routes the parties were told of on failure.
    pub routes_told: Vec<Route>,
    pub mediation_started_at: Option<i64>,
    pub difficulty: Difficulty,
    pub five_small: Option<FiveSmall>,
    /// The address as typed at intake, if one was.
    pub address: Option<String>,
    /// Where it was located (a household's point, an address's, or the reporter's GPS).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl MatterDetail {
    pub fn closure(&self) -> Option<Closure> {
        self.status.closure()
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.status, Status::Closed(_))
    }
}

/// The row as SQL returns it, before its vocabulary is checked.
#[derive(FromRow)]
struct MatterRow {
    id: i64,
    code: String,
    kind: String,
    category: String,
    priority: String,
    narrative: String,
    status: String,
    closure: Option<String>,
    source: String,
    tier: Option<String>,
    approach: Option<String>,
    grid_code: String,
    grid_name: String,
    grid_path: String,
    household_code: Option<String>,
    ack_due_at: Option<i64>,
    resolve_due_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    handler_path: String,
    handler_name: String,
    escalation_risk_score: i64,
    escalation_risk_level: String,
    routes_told: Option<String>,
    mediation_started_at: Option<i64>,
    difficulty: String,
    five_small: Option<String>,
    address: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
}

impl TryFrom<MatterRow> for MatterDetail {
    type Error = StoreError;

    fn try_from(r: MatterRow) -> StoreResult<Self> {
        let bad = |column: &str, value: &str| StoreError::Corrupt(format!("matter {}: {column} '{value}'", r.code));
        fn opt<T>(v: &Option<String>, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>, String> {
            match v.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse(s).map(Some).ok_or_else(|| s.to_string()),
            }
        }
        let status = Status::from_parts(&r.status, r.closure.as_deref())
            .ok_or_else(|| bad("status", &format!("{}/{}", r.status, r.closure.as_deref().unwrap_or(""))))?;
        let routes_told = r
            .routes_told
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| Route::parse(s).ok_or_else(|| bad("routes_told", s)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(MatterDetail {
            kind: MatterKind::parse(&r.kind).ok_or_else(|| bad("kind", &r.kind))?,
            priority: Priority::parse(&r.priority).ok_or_else(|| bad("priority", &r.priority))?,
            source: Source::parse(&r.source).ok_or_else(|| bad("source", &r.source))?,
            tier: opt(&r.tier, Tier::parse).map_err(|v| bad("tier", &v))?,
            approach: opt(&r.approach, Approach::parse).map_err(|v| bad("approach", &v))?,
            escalation_risk_level: Level::parse(&r.escalation_risk_level)
                .ok_or_else(|| bad("escalation_risk_level", &r.escalation_risk_level))?,
            difficulty: Difficulty::parse(&r.difficulty).ok_or_else(|| bad("difficulty", &r.difficulty))?,
            five_small: opt(&r.five_small, FiveSmall::parse).map_err(|v| bad("five_small", &v))?,
            status,
            routes_told,
            id: r.id,
            code: r.code,
            category: r.category,
            narrative: r.narrative,
            address: r.address,
            lat: r.lat,
            lon: r.lon,
            grid_code: r.grid_code,
            grid_name: r.grid_name,
            grid_path: r.grid_path,
            household_code: r.household_code,
            ack_due_at: r.ack_due_at,
            resolve_due_at: r.resolve_due_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            handler_path: r.handler_path,
            handler_name: r.handler_name,
            escalation_risk_score: r.escalation_risk_score,
            mediation_started_at: r.mediation_started_at,
        })
    }
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct MatterEventRow {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub tier: Option<String>,
    pub actor: String,
    pub note: String,
    pub at: i64,
}

const MATTER_SELECT: &str = "SELECT m.id, m.code, m.kind, m.category, m.priority, m.narrative, m.status, m.closure, m.source, m.tier, m.approach, \
     g.code AS grid_code, g.name AS grid_name, g.path AS grid_path, h.code AS household_code, m.ack_due_at, m.resolve_due_at, m.created_at, m.updated_at, \
     hu.path AS handler_path, hu.name AS handler_name, m.escalation_risk_score, m.escalation_risk_level, m.routes_told, m.mediation_started_at, m.difficulty, m.five_small, m.address, m.lat, m.lon \
     FROM matters m JOIN units g ON g.id = m.grid_id JOIN units hu ON hu.id = COALESCE(m.handler_unit_id, m.grid_id) \
     LEFT JOIN households h ON h.id = m.household_id";

/// A workflow step to apply.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub code: &'a str,
    pub event: &'a str,
    /// The status the caller saw; the step fails with `Conflict` otherwise.
    pub from: Status,
    pub to: Status,
    /// The new tier, when the step moves the dispute up.
    pub tier: Option<Tier>,
    pub note: &'a str,
    /// On a refusal or a failure: the routes the parties were told of.
    pub routes_told: &'a [Route],
    /// Follow-up visits the step schedules (due times), as the domain decided.
    pub follow_ups: &'a [i64],
}

/// The handler of a dispute at a tier: the grid's ancestor of that kind (tiers are named
/// after unit kinds), or the grid itself when there is none.
const HANDLER_AT_TIER: &str = "COALESCE((SELECT u.id FROM units u, units g WHERE g.id = matters.grid_id AND u.kind = $1 \
     AND g.path LIKE u.path || '%' ORDER BY LENGTH(u.path) DESC LIMIT 1), matters.grid_id)";

impl Store {
    /// Record a matter with its audit record, in its own transaction; returns its code
    /// (`M20261129-000123`). Many at once are better written with [`Store::create_matters`].
    pub async fn create_matter(&self, ctx: &AuditCtx, m: &NewMatter) -> StoreResult<String> {
        self.create_matters(std::slice::from_ref(&(ctx.clone(), m.clone()))).await.pop().expect("one result")
    }

    /// Write a batch of new matters in one transaction (group commit), each in its own
    /// savepoint so a bad one fails alone; one result per matter, in order.
    pub async fn create_matters(&self, jobs: &[(AuditCtx, NewMatter)]) -> Vec<StoreResult<String>> {
        use sqlx::Acquire;
        let mut tx = match self.begin().await {
            Ok(tx) => tx,
            Err(e) => {
                let msg = e.to_string();
                return jobs.iter().map(|_| Err(StoreError::Corrupt(format!("cannot begin: {msg}")))).collect();
            }
        };
        let mut results = Vec::with_capacity(jobs.len());
        for (ctx, m) in jobs {
            let r = match tx.begin().await {
                Ok(mut sp) => match insert_new_matter(&mut sp, &self.crypto, ctx, m).await {
                    Ok(code) => sp.commit().await.map(|_| code).map_err(StoreError::from),
                    Err(e) => {
                        let _ = sp.rollback().await;
                        Err(e)
                    }
                },
                Err(e) => Err(e.into()),
            };
            results.push(r);
        }
        if let Err(e) = tx.commit().await {
            let msg = e.to_string();
            return jobs.iter().map(|_| Err(StoreError::Corrupt(format!("commit failed: {msg}")))).collect();
        }
        results
    }

    pub async fn matter_by_code(&self, code: &str) -> StoreResult<MatterDetail> {
        sqlx::query_as::<_, MatterRow>(&format!("{MATTER_SELECT} WHERE m.code = $1"))
            .bind(code)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Ids of the matters not closed.
    pub async fn open_matter_ids(&self) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM matters WHERE status <> 'closed' ORDER BY id")
            .fetch_all(&self.read)
            .await?)
    }

    pub async fn matter_by_id(&self, matter_id: i64) -> StoreResult<MatterDetail> {
        sqlx::query_as::<_, MatterRow>(&format!("{MATTER_SELECT} WHERE m.id = $1"))
            .bind(matter_id)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// When the matter reached its current tier (its registration or last move up).
    pub async fn tier_since(&self, matter_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(MAX(at), 0) FROM matter_events WHERE matter_id = $1 AND event IN ('register', 'escalate')",
        )
        .bind(matter_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// Open disputes below the street that reached their tier before `before_ms`: the time
    /// rule's candidates (ids).
    pub async fn disputes_waiting_at_tier(&self, tier: &str, before_ms: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT m.id FROM matters m WHERE m.kind = 'dispute' AND m.tier = $1 \
             AND m.status IN ('registered', 'accepted', 'mediating', 'mediation_failed') \
             AND (SELECT MAX(e.at) FROM matter_events e WHERE e.matter_id = m.id AND e.event IN ('register', 'escalate')) < $2 \
             ORDER BY m.id LIMIT 1000",
        )
        .bind(tier)
        .bind(before_ms)
        .fetch_all(&self.read)
        .await?)
    }

    /// Matters by id, in the order given (search results).
    pub async fn matters_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<MatterDetail>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let rows: Vec<MatterRow> =
            sqlx::query_as(&format!("{MATTER_SELECT} WHERE m.id IN ({list})")).fetch_all(&self.read).await?;
        let mut by_id = std::collections::HashMap::new();
        for r in rows {
            let m = MatterDetail::try_from(r)?;
            by_id.insert(m.id, m);
        }
        Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
    }

    pub async fn matter_events(&self, matter_id: i64) -> StoreResult<Vec<MatterEventRow>> {
        Ok(sqlx::query_as("SELECT event, from_status, to_status, tier, actor, note, at FROM matter_events WHERE matter_id = $1 ORDER BY at, id")
            .bind(matter_id)
            .fetch_all(&self.read)
            .await?)
    }

    /// Urge a matter's handler (督办): an `urge` entry on its timeline, its status unchanged,
    /// audited.
    pub async fn urge(&self, ctx: &AuditCtx, matter_id: i64, code: &str, status: &str, note: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO matter_events (matter_id, event, from_status, to_status, tier, actor, note, at) \
             VALUES ($1, 'urge', $2, $2, NULL, $3, $4, $5)",
        )
        .bind(matter_id)
        .bind(status)
        .bind(&ctx.actor)
        .bind(note)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = AuditEvent::new("matter.urge", "matter", code, Outcome::Success).detail(note);
        audit::append(&mut tx, ctx, &ev).await?;
        matter_event(&mut tx, "matter.urged", code, serde_json::json!({ "note": note }), now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Apply a workflow step decided by the domain rules. `Conflict` when the matter is no
    /// longer in the status the caller saw.
    pub async fn apply_step(&self, ctx: &AuditCtx, s: &Step<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let closed_at = matches!(s.to, Status::Closed(_)).then_some(now);
        let (to_status, to_closure) = (s.to.code(), s.to.closure().map(|c| c.as_str()));
        let (from_status, from_closure) = (s.from.code(), s.from.closure().map(|c| c.as_str()));
        let tier = s.tier.map(|t| t.as_str());
        let routes =
            (!s.routes_told.is_empty()).then(|| s.routes_told.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","));
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE matters SET status = $1, closure = $2, tier = COALESCE($3, tier), updated_at = $4, \
             acknowledged_at = CASE WHEN $1 = 'accepted' AND acknowledged_at IS NULL THEN $4 ELSE acknowledged_at END, \
             closed_at = $5, routes_told = COALESCE($9, routes_told), \
             mediation_started_at = CASE WHEN $1 = 'mediating' AND mediation_started_at IS NULL THEN $4 ELSE mediation_started_at END \
             WHERE code = $6 AND status = $7 AND COALESCE(closure, '') = COALESCE($8, '') RETURNING id",
        )
        .bind(to_status)
        .bind(to_closure)
        .bind(tier)
        .bind(now)
        .bind(closed_at)
        .bind(s.code)
        .bind(from_status)
        .bind(from_closure)
        .bind(routes)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(StoreError::Conflict { constraint: "matter_status".into() });
        };
        if let Some(tier) = tier {
            sqlx::query(&format!("UPDATE matters SET handler_unit_id = {HANDLER_AT_TIER} WHERE id = $2"))
                .bind(tier)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for due in s.follow_ups {
            sqlx::query("INSERT INTO follow_ups (matter_id, due_at) VALUES ($1, $2)")
                .bind(id)
                .bind(due)
                .execute(&mut *tx)
                .await?;
        }
        let to = match to_closure {
            Some(c) => format!("{to_status}:{c}"),
            None => to_status.to_string(),
        };
        sqlx::query("INSERT INTO matter_events (matter_id, event, from_status, to_status, tier, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id)
            .bind(s.event)
            .bind(from_status)
            .bind(&to)
            .bind(tier)
            .bind(&ctx.actor)
            .bind(s.note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new(&format!("matter.{}", s.event), "matter", s.code, Outcome::Success)
            .detail(format!("{from_status} -> {to}"));
        audit::append(&mut tx, ctx, &ev).await?;
        let extra = serde_json::json!({ "event": s.event, "from_status": from_status });
        matter_event(&mut tx, "matter.step", s.code, extra, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A matter with its whole past, for generated data (the demo): written inside the
/// caller's transaction without an audit record of its own.
#[derive(Debug, Clone)]
pub struct PastMatter {
    pub matter: NewMatter,
    pub status: String,
    pub closure: Option<String>,
    pub created_at: i64,
    /// (event, from, to, tier, actor, at)
    pub steps: Vec<(String, String, String, Option<String>, String, i64)>,
}

pub async fn insert_past_matter(conn: &mut sqlx::AnyConnection, code: &str, p: &PastMatter) -> StoreResult<i64> {
    let m = &p.matter;
    let last = p.steps.last().map(|s| s.5).unwrap_or(p.created_at);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO matters (code, kind, category, priority, narrative, status, closure, source, grid_id, household_id, lat, lon, tier, approach, \
         ack_due_at, resolve_due_at, acknowledged_at, closed_at, created_at, updated_at, difficulty, five_small) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id",
    )
    .bind(code)
    .bind(m.kind.as_str())
    .bind(&m.category)
    .bind(m.priority.as_str())
    .bind(&m.narrative)
    .bind(&p.status)
    .bind(&p.closure)
    .bind(m.source.as_str())
    .bind(m.grid_id)
    .bind(m.household_id)
    .bind(m.lat)
    .bind(m.lon)
    .bind(m.tier.map(|t| t.as_str()))
    .bind(m.approach.map(|a| a.as_str()))
    .bind(m.ack_due_at)
    .bind(m.resolve_due_at)
    .bind(p.steps.iter().find(|s| s.2 == "accepted").map(|s| s.5))
    .bind((p.status == "closed").then_some(last))
    .bind(p.created_at)
    .bind(last)
    .bind(m.difficulty.as_str())
    .bind(m.five_small.map(|f| f.as_str()))
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(&format!("UPDATE matters SET handler_unit_id = {HANDLER_AT_TIER} WHERE id = $2"))
        .bind(m.tier.map_or("grid", |t| t.as_str()))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    // Disputes are registered at the grid; their later moves carry the tier they reached.
    for (event, from, to, tier, actor, at) in std::iter::once(&(
        "register".to_string(),
        String::new(),
        "registered".to_string(),
        m.tier.as_ref().map(|_| "grid".to_string()),
        "demo".to_string(),
        p.created_at,
    ))
    .chain(p.steps.iter())
    {
        sqlx::query("INSERT INTO matter_events (matter_id, event, from_status, to_status, tier, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, '', $7)")
            .bind(id)
            .bind(event)
            .bind(from)
            .bind(to)
            .bind(tier)
            .bind(actor)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

async fn insert_new_matter(
    tx: &mut sqlx::AnyConnection,
    crypto: &crate::Crypto,
    ctx: &AuditCtx,
    m: &NewMatter,
) -> StoreResult<String> {
    let now = now_ms();
    let temp = format!("tmp-{now}-{}", rand::random::<u64>());
    let id: i64 = sqlx::query_scalar(
            "INSERT INTO matters (code, kind, category, priority, narrative, status, source, grid_id, household_id, lat, lon, reporter_name, \
             reporter_phone_enc, reporter_phone_hash, tier, approach, ack_due_at, resolve_due_at, created_at, updated_at, handler_unit_id, difficulty, five_small, \
             open311_client_id, open311_token, media_url, address) \
             VALUES ($1, $2, $3, $4, $5, 'registered', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $7, $19, $20, $21, $22, $23, $24) RETURNING id",
        )
        .bind(&temp)
        .bind(m.kind.as_str())
        .bind(&m.category)
        .bind(m.priority.as_str())
        .bind(&m.narrative)
        .bind(m.source.as_str())
        .bind(m.grid_id)
        .bind(m.household_id)
        .bind(m.lat)
        .bind(m.lon)
        .bind(&m.reporter_name)
        .bind(None::<Vec<u8>>)
        .bind(m.reporter_phone.as_ref().map(|p| crypto.lookup_hash("phone", p.as_str())))
        .bind(m.tier.map(|t| t.as_str()))
        .bind(m.approach.map(|a| a.as_str()))
        .bind(m.ack_due_at)
        .bind(m.resolve_due_at)
        .bind(now)
        .bind(m.difficulty.as_str())
        .bind(m.five_small.map(|f| f.as_str()))
        .bind(m.open311.as_ref().map(|o| o.0))
        .bind(m.open311.as_ref().map(|o| o.1.clone()))
        .bind(m.open311.as_ref().and_then(|o| o.2.clone()))
        .bind(&m.address)
        .fetch_one(&mut *tx)
        .await?;
    let day = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid")).format("%Y%m%d").to_string())
        .unwrap_or_default();
    let code = format!("M{day}-{id:06}");
    sqlx::query("UPDATE matters SET code = $1, reporter_phone_enc = $2 WHERE id = $3")
        .bind(&code)
        .bind(
            m.reporter_phone
                .as_ref()
                .map(|p| crypto.seal_at("matters.reporter_phone_enc", &id.to_string(), p.as_str())),
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO matter_events (matter_id, event, from_status, to_status, tier, actor, note, at) VALUES ($1, 'register', '', 'registered', $2, $3, $4, $5)")
            .bind(id)
            .bind(m.tier.map(|t| t.as_str()))
            .bind(&ctx.actor)
            .bind(m.source.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
    let ev = AuditEvent::new("matter.create", "matter", &code, Outcome::Success).detail(format!(
        "{} {} via {}",
        m.kind.as_str(),
        m.category,
        m.source.as_str()
    ));
    audit::append(tx, ctx, &ev).await?;
    let init = &m.initial;
    let rules = AuditCtx::system("rules", "three-tier rules");
    let mut from = "registered";
    for TierMove { to: tier, reason } in &init.moves {
        sqlx::query("INSERT INTO matter_events (matter_id, event, from_status, to_status, tier, actor, note, at) VALUES ($1, 'escalate', $2, 'accepted', $3, 'rules', $4, $5)")
                .bind(id)
                .bind(from)
                .bind(tier.as_str())
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        let ev =
            AuditEvent::new("matter.escalate", "matter", &code, Outcome::Success).detail(format!("{from} -> accepted"));
        audit::append(tx, &rules, &ev).await?;
        from = "accepted";
    }
    if let Some(TierMove { to: tier, .. }) = init.moves.last() {
        sqlx::query(&format!(
                "UPDATE matters SET status = 'accepted', tier = $1, acknowledged_at = $3, handler_unit_id = {} WHERE id = $2",
                HANDLER_AT_TIER
            ))
            .bind(tier.as_str())
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(round) = init.screening_round_id {
        sqlx::query("UPDATE matters SET screening_round_id = $1 WHERE id = $2")
            .bind(round)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(level) = init.risk_level {
        sqlx::query("UPDATE matters SET escalation_risk_score = $1, escalation_risk_level = $2 WHERE id = $3")
            .bind(init.risk_score)
            .bind(level.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    for RiskFactor { factor, weight, evidence } in &init.factors {
        sqlx::query(
            "INSERT INTO escalation_risk_factors (matter_id, factor, weight, evidence) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(factor)
        .bind(weight)
        .bind(evidence)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(AlertText { factors, police_report }) = &init.alert {
        let level = init.risk_level.unwrap_or(Level::Red);
        let report = police_report.replace("{code}", &code);
        let alert =
            Alert { matter_id: id, code: &code, level, score: init.risk_score, factors, police_report: &report };
        raise_alert(tx, &alert, now).await?;
    }
    let extra = serde_json::json!({ "priority": m.priority, "grid_id": m.grid_id, "source": m.source });
    matter_event(tx, "matter.created", &code, extra, now).await?;
    Ok(code)
}

/// An early-warning alert to raise on a matter.
pub struct Alert<'a> {
    pub matter_id: i64,
    pub code: &'a str,
    pub level: fengqiao_domain::risk::Level,
    pub score: i64,
    pub factors: &'a str,
    pub police_report: &'a str,
}

/// Raise an alert in the caller's transaction, with its audit record and outbox event, unless
/// the matter already has one at this level: the unique key (matter, level) makes a second
/// impossible, however many changes recompute the risk at once. True when raised now.
pub async fn raise_alert(tx: &mut crate::Conn, a: &Alert<'_>, now: i64) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO escalation_alerts (matter_id, level, score, factors, created_at, police_report) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (matter_id, level) DO NOTHING",
    )
    .bind(a.matter_id)
    .bind(a.level.as_str())
    .bind(a.score)
    .bind(a.factors)
    .bind(now)
    .bind(a.police_report)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    let extra = serde_json::json!({"score": a.score, "level": a.level.as_str(), "factors": a.factors});
    matter_event(tx, "matter.escalation_alert", a.code, extra, now).await?;
    let ev = AuditEvent::new("matter.risk.alert", "matter", a.code, Outcome::Success).detail(format!(
        "{} {}: {}",
        a.level.as_str(),
        a.score,
        a.factors
    ));
    audit::append(tx, &AuditCtx::system("risk", "early warning"), &ev).await?;
    Ok(true)
}
