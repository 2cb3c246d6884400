-- The supervision desk (督查, issue 11 item 5): supervision slips (督办单) in three colours and
-- the weekly quality spot checks (质量抽查) of closed matters.

-- A slip about a matter, an instruction or a unit, addressed to a person or a unit as a whole;
-- issued → answered → closed, an answer sent back returns it to issued. `path` is the
-- addressee unit's path (who may see it).
CREATE TABLE supervision_slips (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT supervision_slips_code_key UNIQUE,
    colour TEXT NOT NULL,
    subject TEXT NOT NULL,
    matter_id BIGINT REFERENCES matters (id),
    instruction_id BIGINT REFERENCES instructions (id),
    reason TEXT NOT NULL,
    issuer_id BIGINT NOT NULL REFERENCES users (id),
    addressee_unit_id BIGINT NOT NULL REFERENCES units (id),
    addressee_user_id BIGINT REFERENCES users (id),
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    answer_due_at BIGINT NOT NULL,
    answered_at BIGINT,
    answer TEXT,
    closed_at BIGINT,
    sent_back BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE INDEX supervision_slips_path_idx ON supervision_slips (path, status);
CREATE INDEX supervision_slips_addressee_idx ON supervision_slips (addressee_unit_id, status);
-- One open slip per matter and per instruction: a second one would be the same demand twice.
CREATE UNIQUE INDEX supervision_slips_open_matter_idx ON supervision_slips (matter_id) WHERE status <> 'closed' AND matter_id IS NOT NULL;
CREATE UNIQUE INDEX supervision_slips_open_instruction_idx ON supervision_slips (instruction_id) WHERE status <> 'closed' AND instruction_id IS NOT NULL;

CREATE TABLE supervision_slip_events (
    id INTEGER PRIMARY KEY,
    slip_id BIGINT NOT NULL REFERENCES supervision_slips (id),
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX supervision_slip_events_idx ON supervision_slip_events (slip_id, id);

-- A week's spot check of one unit's closed matters: drawn once per unit and week.
CREATE TABLE spot_checks (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    path TEXT NOT NULL,
    week_start BIGINT NOT NULL,
    population BIGINT NOT NULL,
    drawn_at BIGINT NOT NULL,
    drawn_by TEXT NOT NULL,
    CONSTRAINT spot_checks_once UNIQUE (unit_id, week_start)
);

-- A matter drawn for review: its verdict, the flaws found and the findings, sent back to
-- whoever closed it (or its handling unit), and their reply.
CREATE TABLE spot_check_items (
    id INTEGER PRIMARY KEY,
    check_id BIGINT NOT NULL REFERENCES spot_checks (id),
    matter_id BIGINT NOT NULL REFERENCES matters (id),
    path TEXT NOT NULL,
    addressee_unit_id BIGINT NOT NULL REFERENCES units (id),
    addressee_user_id BIGINT REFERENCES users (id),
    verdict TEXT NOT NULL DEFAULT 'pending',
    flaws TEXT NOT NULL DEFAULT '',
    findings TEXT NOT NULL DEFAULT '',
    reviewer_id BIGINT REFERENCES users (id),
    reviewed_at BIGINT,
    reply TEXT,
    replied_at BIGINT,
    CONSTRAINT spot_check_items_once UNIQUE (check_id, matter_id)
);
CREATE INDEX spot_check_items_addressee_idx ON spot_check_items (addressee_unit_id, verdict);
