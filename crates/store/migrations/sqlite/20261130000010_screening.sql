-- Screening rounds (排查): a grid worker or officer goes through a unit's households
-- proactively; the matters found on the way are linked to the round.
CREATE TABLE screening_rounds (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    started_by TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    households_checked BIGINT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX screening_rounds_unit_idx ON screening_rounds (unit_id, started_at);
ALTER TABLE matters ADD COLUMN screening_round_id BIGINT REFERENCES screening_rounds (id);
CREATE INDEX matters_screening_idx ON matters (screening_round_id);
