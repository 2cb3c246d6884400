-- Case work by size (issue 11 item 4): how a case is worked (solo, combined, cluster), the
-- unit leading it, the units and people taking part, and the parent case a child rolls up to.
ALTER TABLE matters ADD COLUMN operation TEXT;
ALTER TABLE matters ADD COLUMN lead_unit_id BIGINT REFERENCES units (id);
ALTER TABLE matters ADD COLUMN parent_id BIGINT REFERENCES matters (id);
CREATE INDEX matters_lead_unit_idx ON matters (lead_unit_id, status);
CREATE INDEX matters_parent_idx ON matters (parent_id);

CREATE TABLE case_units (
    matter_id BIGINT NOT NULL REFERENCES matters (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (matter_id, unit_id)
);
CREATE INDEX case_units_unit_idx ON case_units (unit_id);

CREATE TABLE case_people (
    matter_id BIGINT NOT NULL REFERENCES matters (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (matter_id, user_id)
);
CREATE INDEX case_people_user_idx ON case_people (user_id);
