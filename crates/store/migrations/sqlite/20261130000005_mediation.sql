-- Mediation as the People's Mediation Law requires, and early warning (issue 4, third slice).

-- The unit handling a dispute at its tier (the grid, its community or its street): who may
-- act on it follows the tier, not only the location.
ALTER TABLE matters ADD COLUMN handler_unit_id BIGINT REFERENCES units (id);
UPDATE matters SET handler_unit_id = grid_id WHERE tier IS NULL OR tier = 'grid';
UPDATE matters SET handler_unit_id = (
    SELECT u.id FROM units u, units g
    WHERE g.id = matters.grid_id AND u.kind = matters.tier AND g.path LIKE u.path || '%'
) WHERE tier IN ('community', 'street');
UPDATE matters SET handler_unit_id = grid_id WHERE handler_unit_id IS NULL;
CREATE INDEX matters_handler_idx ON matters (handler_unit_id, status);
-- The explainable escalation risk (民转刑), recomputed on every change.
ALTER TABLE matters ADD COLUMN escalation_risk_score BIGINT NOT NULL DEFAULT 0;
ALTER TABLE matters ADD COLUMN escalation_risk_level TEXT NOT NULL DEFAULT 'none';
-- On failure the parties are told of the arbitration, administrative and court routes.
ALTER TABLE matters ADD COLUMN routes_told TEXT;
ALTER TABLE matters ADD COLUMN mediation_started_at BIGINT;

-- The parties of a matter, linked to the registry where known. Identity for repeat
-- detection: the ID number's keyed hash, or name + phone hash.
CREATE TABLE matter_parties (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    resident_id BIGINT REFERENCES residents (id),
    id_number_enc BLOB,
    id_number_hash TEXT,
    phone_enc BLOB,
    phone_hash TEXT,
    address TEXT NOT NULL DEFAULT '',
    vulnerable BIGINT NOT NULL DEFAULT 0,
    consent TEXT NOT NULL DEFAULT 'pending',
    consent_at BIGINT,
    consent_note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX matter_parties_matter_idx ON matter_parties (matter_id);
CREATE INDEX matter_parties_id_idx ON matter_parties (id_number_hash);
CREATE INDEX matter_parties_phone_idx ON matter_parties (phone_hash);

-- Mediation sessions: when, where, who, and the record.
CREATE TABLE mediation_sessions (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    held_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    participants TEXT NOT NULL,
    record TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mediation_sessions_matter_idx ON mediation_sessions (matter_id, held_at);

-- The case plan (一案一策): goal, mediators chosen from the centre, steps with due dates.
CREATE TABLE case_plans (
    matter_id BIGINT PRIMARY KEY REFERENCES matters (id) ON DELETE CASCADE,
    goal TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE case_plan_steps (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    description TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX case_plan_steps_matter_idx ON case_plan_steps (matter_id, seq);
CREATE TABLE matter_mediators (
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (matter_id, user_id)
);
CREATE INDEX matter_mediators_user_idx ON matter_mediators (user_id);

-- The mediation agreement (调解协议书). It takes effect when signed; joint judicial
-- confirmation must be applied for within 30 days of effect.
CREATE TABLE agreements (
    matter_id BIGINT PRIMARY KEY REFERENCES matters (id) ON DELETE CASCADE,
    number TEXT NOT NULL CONSTRAINT agreements_number_key UNIQUE,
    facts TEXT NOT NULL,
    points TEXT NOT NULL,
    responsibilities TEXT NOT NULL,
    mediator TEXT NOT NULL,
    drafted_at BIGINT NOT NULL,
    signed_at BIGINT,
    judicial_confirmation_due_at BIGINT,
    judicial_confirmation TEXT NOT NULL DEFAULT 'none',
    judicial_confirmation_at BIGINT,
    reminded_at BIGINT
);
CREATE INDEX agreements_due_idx ON agreements (judicial_confirmation, judicial_confirmation_due_at);
CREATE TABLE agreement_terms (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    obligor TEXT NOT NULL,
    content TEXT NOT NULL,
    manner TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    performed_at BIGINT,
    performed_note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX agreement_terms_seq_idx ON agreement_terms (matter_id, seq);

-- The factors behind the current risk score, each with its weight and evidence.
CREATE TABLE escalation_risk_factors (
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    factor TEXT NOT NULL,
    weight BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (matter_id, factor)
);

-- Early-warning alerts to the command room and the duty commander, with the report to
-- the police the law requires.
CREATE TABLE escalation_alerts (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    level TEXT NOT NULL,
    score BIGINT NOT NULL,
    factors TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    police_report TEXT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT
);
CREATE INDEX escalation_alerts_open_idx ON escalation_alerts (acknowledged_at, created_at);

-- Links between matters: a recurrence, an escalation (a police incident between parties
-- of an earlier dispute), a likely duplicate.
CREATE TABLE matter_links (
    from_matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    to_matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (from_matter_id, to_matter_id, kind)
);

-- Follow-up visits after closure (default 7 and 30 days), with the outcome and rating.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    due_at BIGINT NOT NULL,
    done_at BIGINT,
    done_by TEXT,
    outcome TEXT NOT NULL DEFAULT '',
    recurred BIGINT NOT NULL DEFAULT 0,
    attitude BIGINT,
    speed BIGINT,
    firmness BIGINT,
    warmth BIGINT
);
CREATE INDEX follow_ups_due_idx ON follow_ups (done_at, due_at);
CREATE INDEX follow_ups_matter_idx ON follow_ups (matter_id);
