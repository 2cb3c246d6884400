-- The real-population registry (实有人口): buildings, households (each occupying one
-- dwelling), residents, organisations and key places, and household visits.
-- Personal data is sealed (…_enc) with a keyed hash (…_hash) for exact lookup.

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT buildings_code_key UNIQUE,
    grid_id BIGINT NOT NULL REFERENCES units (id),
    compound TEXT NOT NULL,
    name TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX buildings_grid_idx ON buildings (grid_id);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT households_code_key UNIQUE,
    grid_id BIGINT NOT NULL REFERENCES units (id),
    building_id BIGINT REFERENCES buildings (id),
    address TEXT NOT NULL,
    unit_no TEXT,
    room TEXT,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    dwelling_type TEXT NOT NULL,
    is_rental BIGINT NOT NULL DEFAULT 0,
    phone_enc BLOB,
    phone_hash TEXT,
    qr_token_enc BLOB,
    qr_token_hash TEXT CONSTRAINT households_qr_token_hash_key UNIQUE,
    qr_issued_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX households_grid_idx ON households (grid_id);
CREATE INDEX households_building_idx ON households (building_id);
CREATE INDEX households_address_idx ON households (address);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_pinyin TEXT NOT NULL,
    name_initials TEXT NOT NULL,
    id_enc BLOB NOT NULL,
    id_hash TEXT NOT NULL CONSTRAINT residents_id_hash_key UNIQUE,
    id_masked TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    phone_enc BLOB,
    phone_hash TEXT,
    relation TEXT NOT NULL,
    registered_here BIGINT NOT NULL DEFAULT 1,
    registered_address TEXT,
    care TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX residents_household_idx ON residents (household_id);
CREATE INDEX residents_name_idx ON residents (name);
CREATE INDEX residents_pinyin_idx ON residents (name_pinyin);
CREATE INDEX residents_initials_idx ON residents (name_initials);
CREATE INDEX residents_phone_hash_idx ON residents (phone_hash);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT organisations_code_key UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    is_key_place BIGINT NOT NULL DEFAULT 0,
    grid_id BIGINT NOT NULL REFERENCES units (id),
    alliance_id BIGINT REFERENCES units (id),
    address TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    responsible_name TEXT,
    responsible_phone_enc BLOB,
    responsible_phone_hash TEXT,
    last_inspection TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organisations_grid_idx ON organisations (grid_id);
CREATE INDEX organisations_name_idx ON organisations (name);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    visited_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX visits_household_idx ON visits (household_id, visited_at);
CREATE INDEX visits_at_idx ON visits (visited_at);
