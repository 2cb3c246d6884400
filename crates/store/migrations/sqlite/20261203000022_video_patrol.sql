-- Video patrol (视频巡查, issue 11 item 6). No video passes through Fengqiao: it keeps the
-- camera registry (GB/T 28181 device IDs, the grid each camera's point lies in, the address
-- the operator's own viewer opens), the patrol plans, the rounds walked camera by camera
-- (`patrol_entries`), and the repair tasks opened when a look finds the camera at fault.
-- `path` is the camera's grid path (or the plan's unit path): who sees it is decided by it.
CREATE TABLE cameras (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    tier TEXT NOT NULL,
    interval_minutes BIGINT NOT NULL,
    grid_id BIGINT NOT NULL REFERENCES units (id),
    path TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    recorder_id TEXT NOT NULL DEFAULT '',
    stream_url TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'online',
    status_at BIGINT NOT NULL,
    last_checked_at BIGINT,
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cameras_path_idx ON cameras (path);
CREATE INDEX cameras_due_idx ON cameras (tier, status, due_at);

CREATE TABLE patrol_plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    path TEXT NOT NULL,
    tier TEXT NOT NULL DEFAULT '',
    categories TEXT NOT NULL DEFAULT '',
    interval_minutes BIGINT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX patrol_plans_path_idx ON patrol_plans (path);

CREATE TABLE patrol_rounds (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES patrol_plans (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    path TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    looked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX patrol_rounds_plan_idx ON patrol_rounds (plan_id, started_at);
CREATE INDEX patrol_rounds_user_idx ON patrol_rounds (user_id, finished_at);
-- One open round per plan and person: a second start goes on with it.
CREATE UNIQUE INDEX patrol_rounds_open_idx ON patrol_rounds (plan_id, user_id) WHERE finished_at IS NULL;

CREATE TABLE camera_repairs (
    id INTEGER PRIMARY KEY,
    camera_id BIGINT NOT NULL REFERENCES cameras (id),
    path TEXT NOT NULL,
    finding TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    opened_by BIGINT REFERENCES users (id),
    opened_at BIGINT NOT NULL,
    fixed_by BIGINT REFERENCES users (id),
    fixed_at BIGINT,
    fixed_note TEXT NOT NULL DEFAULT ''
);
-- One open repair per camera: a second fault found while one is open adds to its log only.
CREATE UNIQUE INDEX camera_repairs_open_idx ON camera_repairs (camera_id) WHERE status = 'open';
CREATE INDEX camera_repairs_path_idx ON camera_repairs (path, status);

CREATE TABLE patrol_entries (
    id INTEGER PRIMARY KEY,
    round_id BIGINT REFERENCES patrol_rounds (id),
    camera_id BIGINT NOT NULL REFERENCES cameras (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    finding TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    matter_id BIGINT REFERENCES matters (id),
    repair_id BIGINT REFERENCES camera_repairs (id),
    -- Set while a matter is being raised from the look, so two clicks raise one.
    matter_claimed_at BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX patrol_entries_camera_idx ON patrol_entries (camera_id, at);
CREATE INDEX patrol_entries_round_idx ON patrol_entries (round_id);
