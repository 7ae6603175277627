-- Medical record numbers are unique per clinic, not across the installation; API tokens carry a
-- scope and an expiry; urgent reviews are acknowledged (who, when, what was decided); a session
-- names its prescribing clinician beside the injector. Same logical schema as
-- migrations/sqlite/0011_clinic_safety.sql.
ALTER TABLE patients DROP CONSTRAINT patients_mrn_key;
ALTER TABLE patients ADD CONSTRAINT patients_clinic_mrn_key UNIQUE (clinic_id, mrn);
CREATE INDEX patients_mrn ON patients (mrn);

-- Existing tokens keep working as before (read and write) until 90 days from now.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read_write'
    CHECK (scope IN ('read', 'read_write'));
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
UPDATE api_tokens SET expires_at = now() + INTERVAL '90 days' WHERE expires_at IS NULL;

CREATE TABLE urgent_review_acks (
    event_id        UUID PRIMARY KEY REFERENCES adverse_events (id) ON DELETE CASCADE,
    acknowledged_by TEXT NOT NULL CHECK (length(acknowledged_by) > 0),
    acknowledged_at TIMESTAMPTZ NOT NULL,
    decision        TEXT NOT NULL CHECK (length(decision) > 0)
);

-- The prescribing clinician who signs the session; NULL on sessions recorded before this
-- version (the injector signed them).
ALTER TABLE toxin_sessions ADD COLUMN prescriber TEXT;
