-- Rosters and handovers (值班表, 交接班; issue 11 item 2). A shift template is a post of the
-- command room (commander, duty commander, one of the five desks) with its hours and how
-- many people it needs; shifts are its dated instances, made by rotations; assignments put
-- people on them and follow their state. A handover sheet is written from the data when
-- the outgoing duty commander prepares it, and signed by the outgoing and the incoming one.
CREATE TABLE shift_templates (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    path TEXT NOT NULL,
    post TEXT NOT NULL,
    name TEXT NOT NULL,
    start_minute BIGINT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    min_people BIGINT NOT NULL,
    max_people BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX shift_templates_path_idx ON shift_templates (path);

CREATE TABLE shifts (
    id INTEGER PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES shift_templates (id),
    path TEXT NOT NULL,
    post TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    UNIQUE (template_id, starts_at)
);
CREATE INDEX shifts_time_idx ON shifts (path, starts_at);

CREATE TABLE shift_assignments (
    id INTEGER PRIMARY KEY,
    shift_id BIGINT NOT NULL REFERENCES shifts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL DEFAULT 'assigned',
    swapped_to BIGINT REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    UNIQUE (shift_id, user_id)
);
CREATE INDEX shift_assignments_user_idx ON shift_assignments (user_id, state);

CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    shift_id BIGINT NOT NULL REFERENCES shifts (id),
    next_shift_id BIGINT REFERENCES shifts (id),
    path TEXT NOT NULL,
    sheet TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    prepared_by BIGINT NOT NULL REFERENCES users (id),
    prepared_at BIGINT NOT NULL,
    outgoing_id BIGINT REFERENCES users (id),
    outgoing_signed_at BIGINT,
    incoming_id BIGINT REFERENCES users (id),
    incoming_signed_at BIGINT,
    UNIQUE (shift_id)
);
CREATE INDEX handovers_path_idx ON handovers (path, prepared_at);
