//! Leases of the periodic jobs. A job's period is a number (the time divided by the job's
//! interval); a node may run a period only after claiming the job's row with one conditional
//! `UPDATE`, which both backends serialise: the period must not be done, and no live lease
//! may be held by anyone else. A holder that dies leaves its lease to run out.

use crate::{Store, StoreResult};
use sqlx::FromRow;

/// A job's lease row, for the operations view and tests.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct JobLease {
    pub job: String,
    pub holder: String,
    pub expires_at: i64,
    pub done_period: i64,
    pub runs: i64,
    pub last_started_at: Option<i64>,
    pub last_finished_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Store {
    /// Try to take `job` for `period` until `expires_at`. True when this holder may run it:
    /// the period is not done yet and any earlier lease has run out or is this holder's own.
    pub async fn claim_job(
        &self,
        job: &str,
        holder: &str,
        period: i64,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<bool> {
        sqlx::query("INSERT INTO job_leases (job) VALUES ($1) ON CONFLICT (job) DO NOTHING")
            .bind(job)
            .execute(&self.write)
            .await?;
        let claimed = sqlx::query(
            "UPDATE job_leases SET holder = $2, expires_at = $3, last_started_at = $4 \
             WHERE job = $1 AND done_period < $5 AND (expires_at <= $4 OR holder = $2)",
        )
        .bind(job)
        .bind(holder)
        .bind(expires_at)
        .bind(now)
        .bind(period)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Extend a lease this holder still has. False when it was lost (ran out and taken).
    pub async fn renew_job(&self, job: &str, holder: &str, now: i64, expires_at: i64) -> StoreResult<bool> {
        let n = sqlx::query("UPDATE job_leases SET expires_at = $3 WHERE job = $1 AND holder = $2 AND expires_at > $4")
            .bind(job)
            .bind(holder)
            .bind(expires_at)
            .bind(now)
            .execute(&self.write)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Release a lease: with `Ok`, the period is done; with an error, it stays to be run
    /// again at the next tick (by any node).
    pub async fn finish_job(
        &self,
        job: &str,
        holder: &str,
        period: i64,
        now: i64,
        error: Option<&str>,
    ) -> StoreResult<()> {
        let done = if error.is_none() { period } else { -1 };
        sqlx::query(
            "UPDATE job_leases SET expires_at = 0, runs = runs + 1, last_finished_at = $3, last_error = $4, \
             done_period = CASE WHEN $5 > done_period THEN $5 ELSE done_period END \
             WHERE job = $1 AND holder = $2",
        )
        .bind(job)
        .bind(holder)
        .bind(now)
        .bind(error)
        .bind(done)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn job_leases(&self) -> StoreResult<Vec<JobLease>> {
        Ok(sqlx::query_as("SELECT * FROM job_leases ORDER BY job").fetch_all(&self.read).await?)
    }
}
