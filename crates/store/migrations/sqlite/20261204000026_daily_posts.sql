-- The daily grid post (一日一微, issue 11 item 8): one post per grid and China day, drafted
-- from the day's records in the evening, edited by the grid's officer and sent to the grid's
-- group (the robots of the grid). `figures` is the day's counts as JSON, `day` YYYY-MM-DD.
CREATE TABLE daily_posts (
    id INTEGER PRIMARY KEY,
    grid_id BIGINT NOT NULL REFERENCES units (id),
    day TEXT NOT NULL,
    status TEXT NOT NULL,
    figures TEXT NOT NULL,
    body TEXT NOT NULL,
    drafted_at BIGINT NOT NULL,
    edited_by BIGINT REFERENCES users (id),
    edited_at BIGINT,
    sent_by BIGINT REFERENCES users (id),
    sent_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT daily_posts_grid_day_key UNIQUE (grid_id, day)
);
CREATE INDEX daily_posts_day_idx ON daily_posts (day, status);
