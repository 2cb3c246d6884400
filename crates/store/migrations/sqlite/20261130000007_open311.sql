-- Open311 GeoReport v2 (issue 4): the clients allowed to post requests (their API keys,
-- kept as keyed hashes), and what a request brings with it.
CREATE TABLE open311_clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CONSTRAINT open311_clients_name_key UNIQUE,
    key_hash TEXT NOT NULL CONSTRAINT open311_clients_key_hash_key UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
ALTER TABLE matters ADD COLUMN open311_client_id BIGINT REFERENCES open311_clients (id);
ALTER TABLE matters ADD COLUMN open311_token TEXT;
ALTER TABLE matters ADD COLUMN media_url TEXT;
CREATE INDEX matters_open311_idx ON matters (open311_client_id, created_at);
CREATE UNIQUE INDEX matters_open311_token_idx ON matters (open311_token);
