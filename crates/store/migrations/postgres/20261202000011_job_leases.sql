-- Periodic jobs (tier time rules, reminders, session purge, ...) run once per period across
-- every node: a node runs a job only after taking its lease row. `done_period` is the last
-- period that finished; a lease whose holder died runs out at `expires_at` and the period is
-- run again by whoever takes it next.
CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL DEFAULT 0,
    done_period BIGINT NOT NULL DEFAULT -1,
    runs BIGINT NOT NULL DEFAULT 0,
    last_started_at BIGINT,
    last_finished_at BIGINT,
    last_error TEXT
);
