-- Botulinum-toxin sessions (sites given, vial, lot, expiry, dilution, injector), the overrides
-- recorded with them, and the patient's toxin doses given elsewhere (which count toward the
-- 400 U / 3 months cap). Same logical schema as migrations/sqlite/0003_sessions.sql.
CREATE TABLE toxin_sessions (
    id           UUID PRIMARY KEY,
    patient_id   UUID NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    session_date DATE NOT NULL,
    indication   TEXT NOT NULL,
    product      TEXT NOT NULL,
    vial_units   INTEGER NOT NULL CHECK (vial_units IN (100, 200)),
    vials        INTEGER NOT NULL CHECK (vials > 0),
    lot          TEXT NOT NULL CHECK (length(lot) > 0),
    expiry       DATE NOT NULL,
    diluent_ul   INTEGER NOT NULL CHECK (diluent_ul > 0),
    injector     TEXT NOT NULL,
    notes        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX toxin_sessions_patient ON toxin_sessions (patient_id, session_date);

CREATE TABLE session_sites (
    session_id UUID NOT NULL REFERENCES toxin_sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    target     TEXT NOT NULL,
    side       TEXT NOT NULL,
    ordinal    INTEGER NOT NULL CHECK (ordinal > 0),
    units      INTEGER NOT NULL CHECK (units > 0),
    PRIMARY KEY (session_id, position)
);

CREATE TABLE session_overrides (
    session_id UUID NOT NULL REFERENCES toxin_sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    check_kind TEXT NOT NULL,
    finding    TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (length(reason) > 0),
    by_name    TEXT NOT NULL CHECK (length(by_name) > 0),
    PRIMARY KEY (session_id, position)
);

CREATE TABLE other_toxin_doses (
    id         UUID PRIMARY KEY,
    patient_id UUID NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    dose_date  DATE NOT NULL,
    product    TEXT NOT NULL,
    units      INTEGER NOT NULL CHECK (units > 0),
    indication TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX other_toxin_doses_patient ON other_toxin_doses (patient_id, dose_date);
