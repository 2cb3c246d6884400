-- Household codes that were replaced (issue 10, item 6): only the keyed hash, so a resident
-- scanning an old sticker is told the code was replaced and whom to contact, instead of
-- "not found". Nothing of the household is shown for an old code but its grid's contacts.
CREATE TABLE replaced_qr_codes (
    token_hash TEXT PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    replaced_at BIGINT NOT NULL
);
