-- The last four digits of a resident's phone, as a keyed hash (issue 10, item 7): roles that
-- may read personal data find a resident by the digits people remember. Filled at the
-- first start for residents imported before (the phone is sealed; only the node can read it).
ALTER TABLE residents ADD COLUMN phone_tail_hash TEXT;
CREATE INDEX residents_phone_tail_idx ON residents (phone_tail_hash);
