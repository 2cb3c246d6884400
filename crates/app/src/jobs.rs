//! The periodic jobs and their runner. Every job runs once per period however many nodes
//! run the runner: before running, a node claims the job's lease row in the database
//! ([`fengqiao_store::jobs`]); while the job runs, the lease is renewed; a node that dies
//! mid-job loses its lease when it runs out, and the period is run again by the next node to
//! claim it. A failed run is retried at the next tick. `fengqiao serve` runs the runner beside
//! the HTTP server; `fengqiao worker` runs only the runner.
//!
//! Periods are counted from the Unix epoch (`now / every`), so nodes agree on them without
//! talking; their clocks must agree to within a lease (NTP does far better).

use crate::{App, Result};
use fengqiao_store::now_ms;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

type RunFn = Arc<dyn Fn(App) -> Pin<Box<dyn Future<Output = Result<String>> + Send>> + Send + Sync>;

/// A periodic job: its name (the lease row's key), how often it runs, how long a lease
/// lasts before another node may take over, and what it does (returning a summary).
#[derive(Clone)]
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub lease: Duration,
    run: RunFn,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, every: Duration, lease: Duration, run: F) -> Self
    where
        F: Fn(App) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String>> + Send + 'static,
    {
        Self { name, every, lease, run: Arc::new(move |app| Box::pin(run(app))) }
    }

    fn period(&self, now: i64) -> i64 {
        now / (self.every.as_millis() as i64).max(1)
    }
}

/// What one tick did with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// This node ran the period; the job's summary.
    Ran(String),
    /// This node ran it and it failed (retried at the next tick).
    Failed(String),
    /// Already done for this period, or another node holds the lease.
    Skipped,
}

/// The jobs every installation runs.
pub fn standard() -> Vec<Job> {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    vec![
        // Disputes left too long at the grid or the community move up (the time rule).
        Job::new("tier_time_rules", minutes(5), minutes(10), |app| async move {
            let n = crate::casework::apply_time_rules(&app).await?;
            Ok(format!("{n} disputes checked"))
        }),
        // Agreements whose 30-day window for judicial confirmation closes within a week are
        // reminded once (audited; delivery to DingTalk/WeCom arrives with that issue).
        Job::new("judicial_confirmation_reminders", minutes(60), minutes(10), |app| async move {
            let days = fengqiao_domain::mediation::JUDICIAL_CONFIRMATION_REMINDER_DAYS;
            let due = app.store.judicial_confirmation_reminders(now_ms(), days).await?;
            for r in &due {
                tracing::info!(matter = %r.matter_code, agreement = %r.agreement_number, "judicial confirmation window closes within a week");
            }
            Ok(format!("{} reminders", due.len()))
        }),
        // Instructions left overdue go up to the recipient unit's leaders, once, and are sent
        // to the recipient again.
        Job::new("instruction_escalation", minutes(1), minutes(5), |app| async move {
            let n = crate::instructions::escalate_overdue(&app, app.clock.now()).await?;
            Ok(format!("{n} instructions escalated"))
        }),
        // Each week, a random sample of the matters closed the week before, for every
        // police station (drawn once per station and week, however often this runs).
        Job::new("weekly_spot_check", minutes(60), minutes(10), |app| async move {
            let n = crate::supervision::draw_weekly(&app, app.clock.now()).await?;
            Ok(format!("{n} spot checks drawn"))
        }),
        // From 18:00 (China time) every grid gets a draft of its day's post (一日一微), once.
        Job::new("daily_posts", minutes(10), minutes(10), |app| async move {
            let n = crate::daily_posts::draft_evening(&app, app.clock.now()).await?;
            Ok(format!("{n} daily posts drafted"))
        }),
        Job::new("session_purge", minutes(5), minutes(10), |app| async move {
            let idle_ms = app.settings.session_idle_minutes * 60_000;
            let n = app.store.purge_sessions(now_ms(), idle_ms).await?;
            Ok(format!("{n} sessions purged"))
        }),
    ]
}

/// The notifier: a delivery pass every second, on one node at a time (see
/// [`crate::notify::deliver`]); run by its own runner ticking every second.
pub fn notifier() -> Vec<Job> {
    vec![Job::new("notify", Duration::from_secs(1), Duration::from_secs(60), |app| async move {
        let s = crate::notify::deliver::pass(&app, app.clock.now()).await?;
        // Most passes find nothing; only those that did something are worth a log line.
        Ok(if s == Default::default() { String::new() } else { format!("{s:?}") })
    })]
}

/// Runs jobs on this node, each at most once per period across all nodes.
pub struct Runner {
    app: App,
    node: String,
    jobs: Vec<Job>,
}

impl Runner {
    /// A runner of `jobs`; `node` names this node in the lease rows (unique per process).
    pub fn new(app: App, node: impl Into<String>, jobs: Vec<Job>) -> Self {
        Self { app, node: node.into(), jobs }
    }

    /// A runner of the standard jobs under a name unique to this process.
    pub fn standard(app: App) -> Self {
        Self::new(app, node_name(), standard())
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// One pass over the jobs at time `now` (ms): each job whose period is not done and
    /// whose lease is free is claimed, run and released.
    pub async fn tick(&self, now: i64) -> Vec<(&'static str, Outcome)> {
        let mut out = Vec::with_capacity(self.jobs.len());
        for job in &self.jobs {
            let outcome = match self.run_one(job, now).await {
                Ok(o) => o,
                Err(e) => {
                    tracing::warn!(job = job.name, error = %e, "job lease failed");
                    Outcome::Failed(e.to_string())
                }
            };
            out.push((job.name, outcome));
        }
        out
    }

    async fn run_one(&self, job: &Job, now: i64) -> Result<Outcome> {
        let period = job.period(now);
        let lease_ms = job.lease.as_millis() as i64;
        if !self.app.store.claim_job(job.name, &self.node, period, now, now + lease_ms).await? {
            return Ok(Outcome::Skipped);
        }
        let run = (job.run)(self.app.clone());
        tokio::pin!(run);
        // Renew the lease at a third of its length while the job runs.
        let mut renew = tokio::time::interval((job.lease / 3).max(Duration::from_millis(10)));
        renew.tick().await;
        let result = loop {
            tokio::select! {
                r = &mut run => break r,
                _ = renew.tick() => {
                    let t = now_ms();
                    if !self.app.store.renew_job(job.name, &self.node, t, t + lease_ms).await? {
                        tracing::warn!(job = job.name, "lease lost while running");
                    }
                }
            }
        };
        let finished = now_ms().max(now);
        match result {
            Ok(summary) => {
                self.app.store.finish_job(job.name, &self.node, period, finished, None).await?;
                tracing::debug!(job = job.name, %summary, "job ran");
                Ok(Outcome::Ran(summary))
            }
            Err(e) => {
                let msg = e.to_string();
                self.app.store.finish_job(job.name, &self.node, period, finished, Some(&msg)).await?;
                tracing::warn!(job = job.name, error = %msg, "job failed");
                Ok(Outcome::Failed(msg))
            }
        }
    }

    /// Tick every `every` until the process ends.
    pub async fn run_forever(self, every: Duration) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            for (name, o) in self.tick(now_ms()).await {
                if let Outcome::Ran(summary) = o
                    && !summary.is_empty()
                {
                    tracing::info!(job = name, %summary, "job ran");
                }
            }
        }
    }
}

/// This process's name in lease rows: host, process id and a random suffix (a restarted
/// process is a new holder).
pub fn node_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|s| s.trim().to_string()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    format!("{host}:{}:{}", std::process::id(), &crate::accounts::random_token()[..8])
}
