-- no-transaction
-- Medical record numbers are unique per clinic, not across the installation; API tokens carry a
-- scope and an expiry; urgent reviews are acknowledged (who, when, what was decided); a session
-- names its prescribing clinician beside the injector. Same logical schema as
-- migrations/postgres/0011_clinic_safety.sql.
--
-- The old column constraint `mrn TEXT UNIQUE` cannot be dropped in SQLite, so the patients table
-- is rebuilt (SQLite's documented procedure: foreign keys off outside the transaction, so the
-- rebuild cascades nothing, and checked before commit).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE patients_0011 (
    id            BLOB PRIMARY KEY,
    mrn           TEXT,
    name          TEXT NOT NULL CHECK (length(name) > 0),
    date_of_birth TEXT NOT NULL,
    sex           TEXT CHECK (sex IN ('female', 'male', 'other')),
    notes         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    clinic_id     BLOB REFERENCES clinics (id),
    UNIQUE (clinic_id, mrn)
) STRICT;
INSERT INTO patients_0011 (id, mrn, name, date_of_birth, sex, notes, created_at, clinic_id)
SELECT id, mrn, name, date_of_birth, sex, notes, created_at, clinic_id FROM patients;
DROP TABLE patients;
ALTER TABLE patients_0011 RENAME TO patients;
CREATE INDEX patients_clinic ON patients (clinic_id, name);
CREATE INDEX patients_mrn ON patients (mrn);

-- Existing tokens keep working as before (read and write) until 90 days from now.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read_write'
    CHECK (scope IN ('read', 'read_write'));
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '+90 days')
WHERE expires_at IS NULL;

CREATE TABLE urgent_review_acks (
    event_id        BLOB PRIMARY KEY REFERENCES adverse_events (id) ON DELETE CASCADE,
    acknowledged_by TEXT NOT NULL CHECK (length(acknowledged_by) > 0),
    acknowledged_at TEXT NOT NULL,
    decision        TEXT NOT NULL CHECK (length(decision) > 0)
) STRICT;

-- The prescribing clinician who signs the session; NULL on sessions recorded before this
-- version (the injector signed them).
ALTER TABLE toxin_sessions ADD COLUMN prescriber TEXT;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
