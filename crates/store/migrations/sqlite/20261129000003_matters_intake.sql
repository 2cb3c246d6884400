-- Matters (事件) as residents report them through their household's QR code: the first
-- channel of intake. The dispute workflow extends this table in later migrations.

CREATE TABLE matters (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT matters_code_key UNIQUE,
    kind TEXT NOT NULL,
    narrative TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES units (id),
    household_id BIGINT REFERENCES households (id),
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    reporter_name TEXT,
    reporter_phone_enc BLOB,
    reporter_phone_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX matters_grid_idx ON matters (grid_id, status);
CREATE INDEX matters_household_idx ON matters (household_id, created_at);

-- A resident's rating on the four degrees (四度): attitude, speed, firmness, warmth, 1–5.
CREATE TABLE matter_ratings (
    matter_id BIGINT PRIMARY KEY REFERENCES matters (id) ON DELETE CASCADE,
    attitude BIGINT NOT NULL,
    speed BIGINT NOT NULL,
    firmness BIGINT NOT NULL,
    warmth BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
