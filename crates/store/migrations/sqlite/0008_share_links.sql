-- Expiring read-only links to a patient's visit summary for a doctor outside the clinic. The
-- token is stored only as its SHA-256, so the table alone opens nothing. Each opening is in the
-- audit trail (actor "share:<id>"). Same logical schema as migrations/postgres/0008_share_links.sql.
CREATE TABLE share_links (
    id          BLOB PRIMARY KEY,
    patient_id  BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    report      TEXT NOT NULL CHECK (report IN ('visit_summary')),
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    created_by  TEXT NOT NULL CHECK (length(created_by) > 0),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  TEXT,
    CHECK (period_from <= period_to),
    CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX share_links_patient ON share_links (patient_id, created_at);
