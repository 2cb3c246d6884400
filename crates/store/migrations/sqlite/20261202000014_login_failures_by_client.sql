-- Failed logins are also counted per client address (issue 9, item 12).
CREATE INDEX login_failures_client_idx ON login_failures (client_addr, at);
