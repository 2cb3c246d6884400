-- Matters, second slice: category, priority, the tier handling a dispute, the response
-- clock (一事一应) and the suggested mediation approach.
ALTER TABLE matters ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE matters ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE matters ADD COLUMN tier TEXT;
ALTER TABLE matters ADD COLUMN approach TEXT;
ALTER TABLE matters ADD COLUMN ack_due_at BIGINT;
ALTER TABLE matters ADD COLUMN resolve_due_at BIGINT;
ALTER TABLE matters ADD COLUMN acknowledged_at BIGINT;
ALTER TABLE matters ADD COLUMN closed_at BIGINT;
ALTER TABLE matters ADD COLUMN closure TEXT;
CREATE INDEX matters_status_idx ON matters (status, resolve_due_at);

-- Every change of status, who made it and why: the case's own history.
CREATE TABLE matter_events (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    tier TEXT,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX matter_events_matter_idx ON matter_events (matter_id, at);
