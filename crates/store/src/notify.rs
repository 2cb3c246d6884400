//! Robots and deliveries (issue 11, item 7): the DingTalk and WeCom robots and webhooks of
//! units, the routing of outbox events to them (one delivery per event and robot, written
//! with the outbox row's `delivered_at` in one transaction, so an event is routed once
//! however often a pass is interrupted), the state of each delivery, the messages sent per
//! robot (the rate limit counts them), and single-use links to acknowledge instructions.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Sealed, Store, StoreResult};
use sqlx::FromRow;

/// A robot to add.
#[derive(Debug, Clone)]
pub struct NewRobot {
    pub unit_id: i64,
    /// `dingtalk`, `wecom` or `webhook`.
    pub platform: String,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    pub topics: Vec<String>,
}

/// A robot as listed (its address and secret stay sealed).
#[derive(Debug, Clone, FromRow)]
pub struct RobotRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub path: String,
    pub platform: String,
    pub name: String,
    pub topics: String,
    /// 1 or 0.
    pub enabled: i64,
    pub created_at: i64,
}

/// A robot ready to send to: its address and secret opened.
#[derive(Debug, Clone)]
pub struct Robot {
    pub row: RobotRow,
    pub url: String,
    pub secret: Option<String>,
}

/// A delivery waiting to go, with its event.
#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub outbox_id: i64,
    pub topic: String,
    pub object_id: String,
    pub payload: String,
    /// When the event happened.
    pub created_at: i64,
    /// 1 or 0.
    pub alarm: i64,
    pub attempts: i64,
}

/// A delivery as its status page shows it.
#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub robot_id: i64,
    pub robot_name: String,
    pub platform: String,
    pub topic: String,
    pub object_id: String,
    pub status: String,
    pub attempts: i64,
    pub error_class: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const ROBOT: &str = "SELECT r.id, r.unit_id, u.code AS unit_code, u.name AS unit_name, u.path, r.platform, r.name, \
    r.topics, r.enabled, r.created_at FROM robots r JOIN units u ON u.id = r.unit_id";

impl Store {
    /// Add a robot; its id. The address and the secret are sealed at their row.
    pub async fn create_robot(&self, ctx: &AuditCtx, r: &NewRobot, now: i64) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO robots (unit_id, platform, name, url_enc, topics, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(r.unit_id)
        .bind(&r.platform)
        .bind(&r.name)
        .bind(Vec::<u8>::new())
        .bind(r.topics.join(","))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let row = id.to_string();
        sqlx::query("UPDATE robots SET url_enc = $1, secret_enc = $2 WHERE id = $3")
            .bind(self.crypto.seal_at("robots.url_enc", &row, &r.url))
            .bind(r.secret.as_ref().map(|s| self.crypto.seal_at("robots.secret_enc", &row, s)))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new("robot.create", "robot", &row, Outcome::Success).detail(format!(
            "{} {} topics={}",
            r.platform,
            r.name,
            r.topics.join(",")
        ));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stop sending to a robot (its deliveries stay on record).
    pub async fn disable_robot(&self, ctx: &AuditCtx, id: i64, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE robots SET enabled = 0, updated_at = $1 WHERE id = $2 AND enabled = 1")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let ev = AuditEvent::new("robot.disable", "robot", id.to_string(), Outcome::Success);
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn robot(&self, id: i64) -> StoreResult<Option<RobotRow>> {
        Ok(sqlx::query_as(&format!("{ROBOT} WHERE r.id = $1")).bind(id).fetch_optional(&self.read).await?)
    }

    /// The robots of units under `path`, enabled first.
    pub async fn robots_under(&self, path: &str) -> StoreResult<Vec<RobotRow>> {
        Ok(sqlx::query_as(&format!("{ROBOT} WHERE u.path LIKE $1 ORDER BY r.enabled DESC, u.path, r.id"))
            .bind(format!("{path}%"))
            .fetch_all(&self.read)
            .await?)
    }

    /// Every enabled robot, its address and secret opened, for the sender.
    pub async fn enabled_robots(&self) -> StoreResult<Vec<Robot>> {
        #[derive(FromRow)]
        struct WithSecrets {
            #[sqlx(flatten)]
            row: RobotRow,
            url_enc: Vec<u8>,
            secret_enc: Option<Vec<u8>>,
        }
        let rows: Vec<WithSecrets> = sqlx::query_as(
            "SELECT r.id, r.unit_id, u.code AS unit_code, u.name AS unit_name, u.path, r.platform, r.name, \
             r.topics, r.enabled, r.created_at, r.url_enc, r.secret_enc FROM robots r JOIN units u ON u.id = r.unit_id \
             WHERE r.enabled = 1 ORDER BY r.id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                let at = r.row.id.to_string();
                let url = self.crypto.open(&Sealed::new(r.url_enc, "robots.url_enc", &at))?;
                let secret = match r.secret_enc {
                    Some(b) => Some(self.crypto.open(&Sealed::new(b, "robots.secret_enc", &at))?),
                    None => None,
                };
                Ok(Robot { row: r.row, url, secret })
            })
            .collect()
    }

    /// Route an event: a delivery for each (robot, alarm) target, and the event marked as
    /// routed — together, so an interrupted pass routes it again from scratch or not at all.
    pub async fn route_event(&self, outbox_id: i64, targets: &[(i64, bool)], now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for (robot, alarm) in targets {
            sqlx::query(
                "INSERT INTO deliveries (outbox_id, robot_id, status, alarm, next_attempt_at, created_at) \
                 VALUES ($1, $2, 'pending', $3, $4, $4) ON CONFLICT (outbox_id, robot_id) DO NOTHING",
            )
            .bind(outbox_id)
            .bind(robot)
            .bind(*alarm as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE outbox SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL")
            .bind(now)
            .bind(outbox_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A robot's deliveries due at `now`, oldest event first.
    pub async fn due_deliveries(&self, robot_id: i64, now: i64, limit: i64) -> StoreResult<Vec<DueDelivery>> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.outbox_id, o.topic, o.object_id, o.payload, o.created_at, d.alarm, d.attempts \
             FROM deliveries d JOIN outbox o ON o.id = d.outbox_id \
             WHERE d.robot_id = $1 AND d.status = 'pending' AND d.next_attempt_at <= $2 ORDER BY d.outbox_id LIMIT $3",
        )
        .bind(robot_id)
        .bind(now)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?)
    }

    /// Messages sent to a robot since `since`.
    pub async fn sends_since(&self, robot_id: i64, since: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM robot_sends WHERE robot_id = $1 AND sent_at > $2")
            .bind(robot_id)
            .bind(since)
            .fetch_one(&self.read)
            .await?)
    }

    /// One message went out to a robot carrying `ids` (one notice: `sent`; several: each
    /// `merged` into the digest).
    pub async fn mark_sent(&self, robot_id: i64, ids: &[i64], now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let send: i64 =
            sqlx::query_scalar("INSERT INTO robot_sends (robot_id, notices, sent_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(robot_id)
                .bind(ids.len() as i64)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
        let status = if ids.len() == 1 { "sent" } else { "merged" };
        for id in ids {
            sqlx::query(
                "UPDATE deliveries SET status = $1, sent_at = $2, send_id = $3, attempts = attempts + 1, \
                 error_class = NULL WHERE id = $4",
            )
            .bind(status)
            .bind(now)
            .bind(send)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deliveries that end without being sent: `expired` (too old) or `failed` (with why).
    pub async fn mark_ended(
        &self,
        ids: &[i64],
        status: &str,
        class: Option<&str>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for id in ids {
            sqlx::query("UPDATE deliveries SET status = $1, error_class = $2, last_error = $3 WHERE id = $4")
                .bind(status)
                .bind(class)
                .bind(error)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A failed attempt to try again at `next_at`.
    pub async fn mark_retry(&self, ids: &[i64], next_at: i64, class: &str, error: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for id in ids {
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $1, error_class = $2, last_error = $3 \
                 WHERE id = $4",
            )
            .bind(next_at)
            .bind(class)
            .bind(error)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deliveries to robots of units under `path`, newest first.
    pub async fn deliveries_under(&self, path: &str, limit: i64, offset: i64) -> StoreResult<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.robot_id, r.name AS robot_name, r.platform, o.topic, o.object_id, d.status, d.attempts, \
             d.error_class, d.last_error, d.created_at, d.sent_at \
             FROM deliveries d JOIN robots r ON r.id = d.robot_id JOIN units u ON u.id = r.unit_id \
             JOIN outbox o ON o.id = d.outbox_id WHERE u.path LIKE $1 ORDER BY d.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(format!("{path}%"))
        .bind(limit.clamp(1, 500))
        .bind(offset.clamp(0, 1_000_000))
        .fetch_all(&self.read)
        .await?)
    }

    /// Keep a link that acknowledges `instruction` as `user` until `expires_at`.
    pub async fn add_ack_link(
        &self,
        token_hash: &str,
        instruction: &str,
        user: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO ack_links (token_hash, instruction_id, user_id, expires_at, created_at) \
             SELECT $1, i.id, u.id, $2, $3 FROM instructions i, users u WHERE i.code = $4 AND u.username = $5",
        )
        .bind(token_hash)
        .bind(expires_at)
        .bind(now)
        .bind(instruction)
        .bind(user)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A link: (instruction code, username, expires_at, used_at).
    pub async fn ack_link(&self, token_hash: &str) -> StoreResult<Option<(String, String, i64, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT i.code, u.username, l.expires_at, l.used_at FROM ack_links l \
             JOIN instructions i ON i.id = l.instruction_id JOIN users u ON u.id = l.user_id WHERE l.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?)
    }

    /// Use a link once: `true` if it was unused and unexpired at `now` (and is now used).
    pub async fn use_ack_link(&self, token_hash: &str, now: i64) -> StoreResult<bool> {
        Ok(sqlx::query(
            "UPDATE ack_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&self.write)
        .await?
        .rows_affected()
            == 1)
    }
}
