-- Audit entries sealed with an HMAC-SHA256 under a key outside the database: the key's id beside
-- each seal (NULL for the plain SHA-256 entries written before), and the reason a refused request
-- was refused. Same logical schema as migrations/sqlite/0009_audit_seals.sql.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
ALTER TABLE audit_log ADD COLUMN detail TEXT NOT NULL DEFAULT '';
