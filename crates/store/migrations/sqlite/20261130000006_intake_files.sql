-- Intake from staff (issue 4): difficulty and the "five small" tag of a matter, and the
-- photos and files attached to it. File contents live outside the database (files_dir),
-- named by their SHA-256; the row records what was checked.
ALTER TABLE matters ADD COLUMN difficulty TEXT NOT NULL DEFAULT 'ordinary';
ALTER TABLE matters ADD COLUMN five_small TEXT;

CREATE TABLE matter_files (
    id INTEGER PRIMARY KEY,
    matter_id BIGINT NOT NULL REFERENCES matters (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX matter_files_matter_idx ON matter_files (matter_id);
