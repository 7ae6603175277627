-- Adverse events with CTCAE grade, seriousness (MedWatch outcomes), reporter and suspect
-- products; a case is stored even when it is not yet a valid ICSR. Same logical schema as
-- migrations/sqlite/0005_adverse_events.sql.
CREATE TABLE adverse_events (
    id                     UUID PRIMARY KEY,
    patient_id             UUID NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    reported_term          TEXT NOT NULL CHECK (length(reported_term) > 0),
    meddra_code            TEXT,
    onset                  DATE NOT NULL,
    resolution             DATE,
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
    awareness_date         DATE NOT NULL,
    narrative              TEXT NOT NULL,
    submitted_on           DATE,
    created_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX adverse_events_patient ON adverse_events (patient_id, onset);

CREATE TABLE adverse_event_products (
    event_id     UUID NOT NULL REFERENCES adverse_events (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    product_name TEXT NOT NULL,
    lot_number   TEXT,
    dose_units   DOUBLE PRECISION,
    session_date DATE NOT NULL,
    PRIMARY KEY (event_id, position)
);
