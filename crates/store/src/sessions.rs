//! Login sessions (web cookie and API bearer token). Only a hash of the token is stored.

use crate::{Store, StoreResult};
use fengqiao_domain::ids::UserId;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub mfa_pending: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub client_addr: String,
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
        .bind(s.mfa_pending)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(&s.client_addr)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        Ok(sqlx::query_as("SELECT * FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?)
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn complete_mfa(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET mfa_pending = 0 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
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
