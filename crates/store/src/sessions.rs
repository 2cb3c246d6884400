//! Login sessions (web cookie and API bearer token). Only a hash of the token is stored.

use crate::{Store, StoreResult};
use fengqiao_domain::SecondFactor;
use fengqiao_domain::ids::UserId;
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub kind: String,
    pub csrf_token: String,
    /// What the session still owes before full use.
    pub second_factor: SecondFactor,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub client_addr: String,
}

#[derive(FromRow)]
struct SessionRow {
    token_hash: String,
    user_id: i64,
    kind: String,
    csrf_token: String,
    mfa_pending: i64,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    client_addr: String,
}

impl Store {
    pub async fn create_session(&self, s: &Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, mfa_pending, created_at, last_seen_at, expires_at, client_addr) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.kind)
        .bind(&s.csrf_token)
        .bind(s.second_factor.as_i64())
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(&s.client_addr)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT token_hash, user_id, kind, csrf_token, mfa_pending, created_at, last_seen_at, expires_at, client_addr \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            let second_factor = SecondFactor::from_i64(r.mfa_pending)
                .ok_or_else(|| crate::StoreError::Corrupt(format!("session mfa_pending {}", r.mfa_pending)))?;
            Ok(Session {
                token_hash: r.token_hash,
                user_id: r.user_id,
                kind: r.kind,
                csrf_token: r.csrf_token,
                second_factor,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
                client_addr: r.client_addr,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Complete a session's second factor and rotate its token and CSRF token: the token
    /// a pending session had (seen before the second factor) is worth nothing after.
    pub async fn complete_mfa(&self, token_hash: &str, new_token_hash: &str, new_csrf: &str) -> StoreResult<()> {
        let n =
            sqlx::query("UPDATE sessions SET mfa_pending = 0, token_hash = $2, csrf_token = $3 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(new_token_hash)
                .bind(new_csrf)
                .execute(&self.write)
                .await?
                .rows_affected();
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.write).await?;
        Ok(())
    }

    pub async fn delete_sessions_of(&self, user: UserId, except: Option<&str>) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)")
            .bind(user.0)
            .bind(except)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Remove sessions past their absolute expiry or idle for longer than `idle_ms`.
    pub async fn purge_sessions(&self, now: i64, idle_ms: i64) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
            .bind(now)
            .bind(now - idle_ms)
            .execute(&self.write)
            .await?
            .rows_affected())
    }
}
