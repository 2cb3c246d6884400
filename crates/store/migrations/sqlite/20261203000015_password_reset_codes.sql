-- One-time password reset codes (issue 9, item 4): an administrator issues a code, only its
-- SHA-256 is kept, and the account's owner redeems it (with their second factor when
-- enrolled) to set a password no administrator has seen. One pending code per account.
ALTER TABLE users ADD COLUMN reset_code_hash TEXT;
ALTER TABLE users ADD COLUMN reset_code_expires_at BIGINT;
