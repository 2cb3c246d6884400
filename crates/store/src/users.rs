//! Staff accounts: identity, roles, jurisdiction (a unit), credentials and lockout.

use crate::audit::{self, AuditCtx, AuditEvent, Outcome};
use crate::{Store, StoreError, StoreResult, now_ms};
use fengqiao_domain::Phone;
use fengqiao_domain::ids::{UnitId, UserId};
use fengqiao_domain::org::{UnitKind, UnitPath};
use fengqiao_domain::role::Role;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub unit_id: UnitId,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_kind: UnitKind,
    pub unit_path: UnitPath,
    pub title: Option<String>,
    pub officer_rank: Option<String>,
    pub mediator_kind: Option<String>,
    pub roles: Vec<Role>,
    /// Sealed phone number; open with `Store::crypto` only where the role allows, and audit it.
    pub phone_enc: Option<crate::Sealed>,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<i64>,
    pub totp_secret_enc: Option<crate::Sealed>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub locked_until: Option<i64>,
    /// When the pending one-time reset code (if any) expires.
    pub reset_code_expires_at: Option<i64>,
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    unit_id: i64,
    unit_code: String,
    unit_name: String,
    unit_kind: String,
    unit_path: String,
    title: Option<String>,
    officer_rank: Option<String>,
    mediator_kind: Option<String>,
    phone_enc: Option<Vec<u8>>,
    password_hash: Option<String>,
    password_changed_at: Option<i64>,
    totp_secret_enc: Option<Vec<u8>>,
    totp_enabled: i64,
    totp_last_step: Option<i64>,
    disabled: i64,
    locked_until: Option<i64>,
    reset_code_expires_at: Option<i64>,
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.unit_id, n.code AS unit_code, n.name AS unit_name, \
     n.kind AS unit_kind, n.path AS unit_path, u.title, u.officer_rank, u.mediator_kind, u.phone_enc, u.password_hash, \
     u.password_changed_at, u.totp_secret_enc, u.totp_enabled, u.totp_last_step, u.disabled, u.locked_until, \
     u.reset_code_expires_at FROM users u JOIN units n ON n.id = u.unit_id";

impl UserRow {
    fn into_user(self, roles: Vec<Role>) -> StoreResult<User> {
        Ok(User {
            id: UserId(self.id),
            username: self.username,
            display_name: self.display_name,
            unit_id: UnitId(self.unit_id),
            unit_code: self.unit_code,
            unit_name: self.unit_name,
            unit_kind: UnitKind::parse(&self.unit_kind)
                .ok_or_else(|| StoreError::Corrupt(format!("unit kind {}", self.unit_kind)))?,
            unit_path: UnitPath(self.unit_path),
            title: self.title,
            officer_rank: self.officer_rank,
            mediator_kind: self.mediator_kind,
            roles,
            phone_enc: crate::Sealed::at(self.phone_enc, "users.phone_enc", self.id),
            password_hash: self.password_hash,
            password_changed_at: self.password_changed_at,
            totp_secret_enc: crate::Sealed::at(self.totp_secret_enc, "users.totp_secret_enc", self.id),
            totp_enabled: self.totp_enabled != 0,
            totp_last_step: self.totp_last_step,
            disabled: self.disabled != 0,
            locked_until: self.locked_until,
            reset_code_expires_at: self.reset_code_expires_at,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: UnitId,
    pub title: Option<String>,
    pub officer_rank: Option<String>,
    pub mediator_kind: Option<String>,
    pub roles: Vec<Role>,
    pub phone: Option<Phone>,
    /// An argon2id PHC string; `None` leaves the account without a password until one is set.
    pub password_hash: Option<String>,
}

/// Editable profile fields.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub display_name: String,
    pub unit_id: UnitId,
    pub title: Option<String>,
    pub officer_rank: Option<String>,
    pub mediator_kind: Option<String>,
    pub roles: Vec<Role>,
    pub phone: Option<Phone>,
    pub disabled: bool,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn insert_user(conn: &mut AnyConnection, crypto: &crate::Crypto, new: &NewUser) -> StoreResult<UserId> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, unit_id, title, officer_rank, mediator_kind, phone_enc, phone_hash, \
         password_hash, password_changed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.display_name)
    .bind(new.unit_id.0)
    .bind(&new.title)
    .bind(&new.officer_rank)
    .bind(&new.mediator_kind)
    .bind(None::<Vec<u8>>)
    .bind(new.phone.as_ref().map(|p| crypto.lookup_hash("phone", p.as_str())))
    .bind(&new.password_hash)
    .bind(new.password_hash.as_ref().map(|_| now))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(p) = &new.phone {
        sqlx::query("UPDATE users SET phone_enc = $1 WHERE id = $2")
            .bind(crypto.seal_at("users.phone_enc", &id.to_string(), p.as_str()))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    set_roles(conn, UserId(id), &new.roles).await?;
    Ok(UserId(id))
}

/// Enable TOTP with `secret` inside a transaction (bulk generation; no audit record of its own).
pub async fn enable_totp_in(
    conn: &mut AnyConnection,
    crypto: &crate::Crypto,
    id: UserId,
    secret: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET totp_secret_enc = $1, totp_enabled = 1 WHERE id = $2")
        .bind(crypto.seal_at("users.totp_secret_enc", &id.0.to_string(), secret))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn set_roles(conn: &mut AnyConnection, id: UserId, roles: &[Role]) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id.0).execute(&mut *conn).await?;
    for r in roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id.0)
            .bind(r.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The display names of these usernames (those that are accounts), for showing who did
    /// something by name.
    pub async fn display_names(&self, usernames: &[String]) -> StoreResult<std::collections::HashMap<String, String>> {
        let mut wanted: Vec<&str> = usernames.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        wanted.dedup();
        wanted.truncate(500);
        if wanted.is_empty() {
            return Ok(Default::default());
        }
        let marks = (1..=wanted.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT username, display_name FROM users WHERE username IN ({marks})");
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for u in &wanted {
            q = q.bind(*u);
        }
        Ok(q.fetch_all(&self.read).await?.into_iter().collect())
    }

    async fn roles_of(&self, ids: &[i64]) -> StoreResult<std::collections::HashMap<i64, Vec<Role>>> {
        let mut out: std::collections::HashMap<i64, Vec<Role>> = Default::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql =
            format!("SELECT user_id, role FROM user_roles WHERE user_id IN ({}) ORDER BY role", placeholders.join(","));
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        for (uid, role) in q.fetch_all(&self.read).await? {
            if let Some(r) = Role::parse(&role) {
                out.entry(uid).or_default().push(r);
            }
        }
        Ok(out)
    }

    async fn finish_users(&self, rows: Vec<UserRow>) -> StoreResult<Vec<User>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut roles = self.roles_of(&ids).await?;
        rows.into_iter()
            .map(|r| {
                let rs = roles.remove(&r.id).unwrap_or_default();
                r.into_user(rs)
            })
            .collect()
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<User> {
        let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(&self.write)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.finish_users(vec![row]).await?.pop().ok_or(StoreError::NotFound)
    }

    pub async fn user_by_id(&self, id: UserId) -> StoreResult<User> {
        let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.finish_users(vec![row]).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Accounts whose unit lies at or below `path`.
    pub async fn users_under(&self, path: &UnitPath, f: &UserFilter) -> StoreResult<(Vec<User>, i64)> {
        let text = f.text.as_deref().filter(|s| !s.is_empty()).map(|s| format!("%{s}%"));
        let role = f.role.map(|r| r.as_str());
        let cond = "n.path LIKE $1 AND ($2 IS NULL OR u.display_name LIKE $2 OR u.username LIKE $2 OR n.name LIKE $2) \
                    AND ($3 IS NULL OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $3))";
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u JOIN units n ON n.id = u.unit_id WHERE {cond}"))
                .bind(format!("{}%", path.0))
                .bind(&text)
                .bind(role)
                .fetch_one(&self.read)
                .await?;
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("{USER_SELECT} WHERE {cond} ORDER BY n.path, u.id LIMIT $4 OFFSET $5"))
                .bind(format!("{}%", path.0))
                .bind(&text)
                .bind(role)
                .bind(f.limit.clamp(1, 1000))
                .bind(f.offset.max(0))
                .fetch_all(&self.read)
                .await?;
        Ok((self.finish_users(rows).await?, total))
    }

    pub async fn create_user(&self, ctx: &AuditCtx, new: &NewUser) -> StoreResult<UserId> {
        let mut tx = self.begin().await?;
        let id = insert_user(&mut tx, &self.crypto, new).await?;
        let roles: Vec<&str> = new.roles.iter().map(|r| r.as_str()).collect();
        let ev = AuditEvent::new("user.create", "user", &new.username, Outcome::Success)
            .detail(format!("roles={}", roles.join(",")));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_user(&self, ctx: &AuditCtx, id: UserId, up: &UserUpdate) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET display_name = $1, unit_id = $2, title = $3, officer_rank = $4, mediator_kind = $5, \
             phone_enc = $6, phone_hash = $7, disabled = $8, updated_at = $9 WHERE id = $10",
        )
        .bind(&up.display_name)
        .bind(up.unit_id.0)
        .bind(&up.title)
        .bind(&up.officer_rank)
        .bind(&up.mediator_kind)
        .bind(up.phone.as_ref().map(|p| self.crypto.seal_at("users.phone_enc", &id.0.to_string(), p.as_str())))
        .bind(up.phone.as_ref().map(|p| self.crypto.lookup_hash("phone", p.as_str())))
        .bind(i64::from(up.disabled))
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        set_roles(&mut tx, id, &up.roles).await?;
        if up.disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
        }
        let roles: Vec<&str> = up.roles.iter().map(|r| r.as_str()).collect();
        let ev = AuditEvent::new("user.update", "user", id, Outcome::Success).detail(format!(
            "roles={} disabled={}",
            roles.join(","),
            up.disabled
        ));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Set a new password hash; ends every other session of the account.
    pub async fn set_password(&self, ctx: &AuditCtx, id: UserId, hash: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let n =
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(&mut tx, ctx, &AuditEvent::new("user.password.set", "user", id, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record a one-time reset code (its hash) for an account, replacing any pending one.
    pub async fn issue_reset_code(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        code_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET reset_code_hash = $1, reset_code_expires_at = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(code_hash)
        .bind(expires_at)
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::append(&mut tx, ctx, &AuditEvent::new("user.password.reset_issued", "user", id, Outcome::Success))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `code_hash` is the account's pending, unexpired reset code.
    pub async fn reset_code_matches(&self, id: UserId, code_hash: &str, now: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE id = $1 AND reset_code_hash = $2 AND reset_code_expires_at > $3",
        )
        .bind(id.0)
        .bind(code_hash)
        .bind(now)
        .fetch_one(&self.write)
        .await?;
        Ok(n == 1)
    }

    /// Redeem a reset code: set the new password, spend the code, lift a lockout and end
    /// every session, at once. `false` (and nothing changed) when the code is not the
    /// account's pending one or has expired — so a code is used once however many race.
    pub async fn redeem_reset_code(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        code_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, locked_until = NULL, \
             reset_code_hash = NULL, reset_code_expires_at = NULL \
             WHERE id = $3 AND reset_code_hash = $4 AND reset_code_expires_at > $2",
        )
        .bind(password_hash)
        .bind(now)
        .bind(id.0)
        .bind(code_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("user.password.reset", "user", id, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Store a (sealed) TOTP secret; `enabled` once the user has proven a code.
    pub async fn set_totp(&self, ctx: &AuditCtx, id: UserId, secret: Option<&str>, enabled: bool) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET totp_secret_enc = $1, totp_enabled = $2, totp_last_step = NULL, updated_at = $3 WHERE id = $4")
            .bind(secret.map(|s| self.crypto.seal_at("users.totp_secret_enc", &id.0.to_string(), s)))
            .bind(i64::from(enabled))
            .bind(now_ms())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let action = match (secret.is_some(), enabled) {
            (true, true) => "user.totp.enable",
            (true, false) => "user.totp.enrol",
            (false, _) => "user.totp.reset",
        };
        audit::append(&mut tx, ctx, &AuditEvent::new(action, "user", id, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record the TOTP time step just used, so the same code cannot be replayed. Returns
    /// false when that step (or a later one) was already used.
    pub async fn use_totp_step(&self, id: UserId, step: i64) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id.0)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Record a failed login and the audit record for it, in one transaction.
    pub async fn record_login_failure(&self, ctx: &AuditCtx, username: &str, reason: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO login_failures (username, at, client_addr) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(now_ms())
            .bind(&ctx.client_addr)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new("session.login", "user", username, Outcome::Failure).detail(reason);
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record a login attempt before its password is checked (committed at once, so racing
    /// attempts see each other); [`Store::release_login_attempt`] takes it back when the
    /// password was right.
    pub async fn reserve_login_attempt(&self, username: &str, client_addr: &str) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO login_failures (username, at, client_addr) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(username)
        .bind(now_ms())
        .bind(client_addr)
        .fetch_one(&self.write)
        .await?)
    }

    pub async fn release_login_attempt(&self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id).execute(&self.write).await?;
        Ok(())
    }

    /// Failed logins from one client address since a time, whatever the usernames.
    pub async fn client_login_failures_since(&self, client_addr: &str, since_ms: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE client_addr = $1 AND at >= $2")
            .bind(client_addr)
            .bind(since_ms)
            .fetch_one(&self.write)
            .await?)
    }

    pub async fn login_failures_since(&self, username: &str, since_ms: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at >= $2")
            .bind(username)
            .bind(since_ms)
            .fetch_one(&self.write)
            .await?)
    }

    pub async fn lock_user(&self, ctx: &AuditCtx, id: UserId, until_ms: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(until_ms)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent::new("user.lock", "user", id, Outcome::Success).detail(format!("until={until_ms}"));
        audit::append(&mut tx, ctx, &ev).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lift a lockout and forget the failures that caused it.
    pub async fn unlock_user(&self, ctx: &AuditCtx, id: UserId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let username: String =
            sqlx::query_scalar("UPDATE users SET locked_until = NULL WHERE id = $1 RETURNING username")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(&username).execute(&mut *tx).await?;
        audit::append(&mut tx, ctx, &AuditEvent::new("user.unlock", "user", id, Outcome::Success)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, username: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(&self.write).await?;
        Ok(())
    }

    pub async fn count_users_under(&self, path: &UnitPath) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users u JOIN units n ON n.id = u.unit_id WHERE n.path LIKE $1")
            .bind(format!("{}%", path.0))
            .fetch_one(&self.read)
            .await?)
    }
}
