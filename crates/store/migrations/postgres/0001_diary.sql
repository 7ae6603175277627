-- Patients, their diagnoses, the diary and the clinic's medicine dictionary.
-- Same logical schema as migrations/sqlite/0001_diary.sql.
CREATE TABLE patients (
    id            UUID PRIMARY KEY,
    mrn           TEXT UNIQUE,
    name          TEXT NOT NULL CHECK (length(name) > 0),
    date_of_birth DATE NOT NULL,
    sex           TEXT CHECK (sex IN ('female', 'male', 'other')),
    notes         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE patient_diagnoses (
    patient_id UUID NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    onset      DATE,
    PRIMARY KEY (patient_id, code)
);

CREATE TABLE diary_days (
    patient_id             UUID NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    day                    DATE NOT NULL,
    headache_minutes       INTEGER NOT NULL CHECK (headache_minutes BETWEEN 0 AND 1440),
    peak_intensity         TEXT NOT NULL CHECK (peak_intensity IN ('none', 'mild', 'moderate', 'severe')),
    unilateral             BOOLEAN NOT NULL,
    pulsating              BOOLEAN NOT NULL,
    aggravated_by_activity BOOLEAN NOT NULL,
    nausea                 BOOLEAN NOT NULL,
    vomiting               BOOLEAN NOT NULL,
    photophobia            BOOLEAN NOT NULL,
    phonophobia            BOOLEAN NOT NULL,
    aura                   BOOLEAN NOT NULL,
    paroxysms              INTEGER NOT NULL CHECK (paroxysms >= 0),
    notes                  TEXT NOT NULL,
    PRIMARY KEY (patient_id, day)
);

CREATE TABLE diary_medications (
    patient_id        UUID NOT NULL,
    day               DATE NOT NULL,
    position          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    dose              TEXT,
    class             TEXT NOT NULL,
    migraine_specific BOOLEAN NOT NULL,
    PRIMARY KEY (patient_id, day, position),
    FOREIGN KEY (patient_id, day) REFERENCES diary_days (patient_id, day) ON DELETE CASCADE
);

CREATE TABLE clinic_drugs (
    name  TEXT PRIMARY KEY,
    class TEXT NOT NULL
);
