-- Notices to DingTalk and WeCom group robots and generic webhooks (issue 11): a robot per
-- unit, grid or community receives the notices of its unit's area. Its address carries the
-- robot's token and is sealed like personal data; so is its signing secret.
CREATE TABLE robots (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    platform TEXT NOT NULL,
    name TEXT NOT NULL,
    url_enc BLOB NOT NULL,
    secret_enc BLOB,
    topics TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX robots_unit_idx ON robots (unit_id);

-- One delivery per event and robot: pending → sent, merged (into a digest), expired or
-- failed; retried with backoff while `next_attempt_at` says.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    robot_id BIGINT NOT NULL REFERENCES robots (id),
    status TEXT NOT NULL,
    alarm BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    error_class TEXT,
    last_error TEXT,
    send_id BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    CONSTRAINT deliveries_once UNIQUE (outbox_id, robot_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (robot_id, status, next_attempt_at);

-- Every message sent to a robot (one notice, or one digest of many): the rate limit counts these.
CREATE TABLE robot_sends (
    id INTEGER PRIMARY KEY,
    robot_id BIGINT NOT NULL REFERENCES robots (id),
    notices BIGINT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX robot_sends_idx ON robot_sends (robot_id, sent_at);

-- Links in a notice that let an instruction's recipient acknowledge it from the phone:
-- single-use, expiring; only the token's hash is kept.
CREATE TABLE ack_links (
    token_hash TEXT PRIMARY KEY,
    instruction_id BIGINT NOT NULL REFERENCES instructions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
