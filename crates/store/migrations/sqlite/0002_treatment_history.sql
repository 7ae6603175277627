-- Preventive-treatment ledger, patient-reported measures and medication-overuse attestations.
-- Same logical schema as migrations/postgres/0002_treatment_history.sql.
CREATE TABLE preventive_trials (
    id         BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    drug       TEXT NOT NULL CHECK (length(drug) > 0),
    class      TEXT NOT NULL,
    start_date TEXT,
    stop_date  TEXT,
    dose       TEXT,
    outcome    TEXT NOT NULL CHECK (outcome IN ('not_effective', 'not_tolerated', 'contraindicated', 'ongoing')),
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX preventive_trials_patient ON preventive_trials (patient_id);

CREATE TABLE proms (
    id         BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    taken_on   TEXT NOT NULL,
    instrument TEXT NOT NULL CHECK (instrument IN ('midas', 'hit6')),
    answers    TEXT NOT NULL,
    total      INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX proms_patient ON proms (patient_id, taken_on);

CREATE TABLE overuse_attestations (
    id          BLOB PRIMARY KEY,
    patient_id  BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    attested_on TEXT NOT NULL,
    attested_by TEXT NOT NULL CHECK (length(attested_by) > 0),
    note        TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX overuse_attestations_patient ON overuse_attestations (patient_id, attested_on);
