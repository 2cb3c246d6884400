-- The outbox: events written in the same transaction as the change that caused them, for
-- delivery to DingTalk/WeCom and other nodes by the notifications issue. Nothing is lost if
-- a delivery fails; nothing is announced that did not happen.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    object_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX outbox_pending_idx ON outbox (delivered_at, id);
