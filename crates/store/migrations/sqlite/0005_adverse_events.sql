-- Adverse events with CTCAE grade, seriousness (MedWatch outcomes), reporter and suspect
-- products; a case is stored even when it is not yet a valid ICSR. Same logical schema as
-- migrations/postgres/0005_adverse_events.sql.
CREATE TABLE adverse_events (
    id                     BLOB PRIMARY KEY,
    patient_id             BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    reported_term          TEXT NOT NULL CHECK (length(reported_term) > 0),
    meddra_code            TEXT,
    onset                  TEXT NOT NULL,
    resolution             TEXT,
    ctcae_grade            INTEGER NOT NULL CHECK (ctcae_grade BETWEEN 1 AND 5),
    seriousness            TEXT NOT NULL,
    action_taken           TEXT NOT NULL,
    outcome                TEXT NOT NULL,
    causality              TEXT NOT NULL,
    reporter_given_name    TEXT,
    reporter_family_name   TEXT,
    reporter_qualification TEXT,
    reporter_country       TEXT,
    reporter_email         TEXT,
    awareness_date         TEXT NOT NULL,
    narrative              TEXT NOT NULL,
    submitted_on           TEXT,
    created_at             TEXT NOT NULL
) STRICT;
CREATE INDEX adverse_events_patient ON adverse_events (patient_id, onset);

CREATE TABLE adverse_event_products (
    event_id     BLOB NOT NULL REFERENCES adverse_events (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    product_name TEXT NOT NULL,
    lot_number   TEXT,
    dose_units   REAL,
    session_date TEXT NOT NULL,
    PRIMARY KEY (event_id, position)
) STRICT;
