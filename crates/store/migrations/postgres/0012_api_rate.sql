-- Per-token request rate: the minute (seconds since the epoch / 60) the token was last counted in
-- and how many requests it made in it. Counted by the same UPDATE that marks the token used, so
-- every server of an installation counts against one limit. Same logical schema as
-- migrations/sqlite/0012_api_rate.sql.
ALTER TABLE api_tokens ADD COLUMN rate_minute BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN rate_count BIGINT NOT NULL DEFAULT 0;
