-- Two-way instructions (指令, issue 11): from the command room or a leader to a person or a
-- unit, about a matter or on their own, with deadlines to acknowledge (签收) and to report
-- back (反馈). `path` is the recipient unit's path: who may see an instruction, and which
-- live boards hear of it, is decided by it.
CREATE TABLE instructions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'normal',
    matter_id BIGINT REFERENCES matters (id),
    issuer_id BIGINT NOT NULL REFERENCES users (id),
    recipient_unit_id BIGINT NOT NULL REFERENCES units (id),
    recipient_user_id BIGINT REFERENCES users (id),
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    ack_due_at BIGINT NOT NULL,
    report_due_at BIGINT NOT NULL,
    delivered_at BIGINT,
    acknowledged_at BIGINT,
    reported_at BIGINT,
    closed_at BIGINT,
    report TEXT,
    escalated_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX instructions_path_idx ON instructions (path, status);
CREATE INDEX instructions_recipient_idx ON instructions (recipient_user_id, status);
CREATE INDEX instructions_matter_idx ON instructions (matter_id);
CREATE INDEX instructions_due_idx ON instructions (status, report_due_at);

-- Every step of an instruction: who, when, from which state to which, and the words.
CREATE TABLE instruction_events (
    id INTEGER PRIMARY KEY,
    instruction_id BIGINT NOT NULL REFERENCES instructions (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX instruction_events_idx ON instruction_events (instruction_id, id);
