-- Patients belong to a clinic (the tenant a clinician's access is scoped to); server-side web
-- sessions; per-user API tokens; failed sign-ins for throttling. Same logical schema as
-- migrations/postgres/0007_web.sql.

-- Existing patients join the first clinic, or a new "Main clinic" when there is none.
ALTER TABLE patients ADD COLUMN clinic_id BLOB REFERENCES clinics (id);
INSERT INTO clinics (id, name, created_at)
SELECT randomblob(16), 'Main clinic', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
WHERE EXISTS (SELECT 1 FROM patients) AND NOT EXISTS (SELECT 1 FROM clinics);
UPDATE patients SET clinic_id = (SELECT id FROM clinics ORDER BY created_at, id LIMIT 1)
WHERE clinic_id IS NULL;
CREATE INDEX patients_clinic ON patients (clinic_id, name);

-- Sessions are found by the SHA-256 of their cookie id, so the table alone does not let anyone
-- take over a live session.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) > 0),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One row per failed sign-in, keyed "user:<name>" and "ip:<address>".
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_key ON login_failures (key, at);
