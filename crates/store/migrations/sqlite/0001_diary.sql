-- Patients, their diagnoses, the diary and the clinic's medicine dictionary.
-- Same logical schema as migrations/postgres/0001_diary.sql.
CREATE TABLE patients (
    id            BLOB PRIMARY KEY,
    mrn           TEXT UNIQUE,
    name          TEXT NOT NULL CHECK (length(name) > 0),
    date_of_birth TEXT NOT NULL,
    sex           TEXT CHECK (sex IN ('female', 'male', 'other')),
    notes         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE patient_diagnoses (
    patient_id BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    onset      TEXT,
    PRIMARY KEY (patient_id, code)
) STRICT;

CREATE TABLE diary_days (
    patient_id             BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    day                    TEXT NOT NULL,
    headache_minutes       INTEGER NOT NULL CHECK (headache_minutes BETWEEN 0 AND 1440),
    peak_intensity         TEXT NOT NULL CHECK (peak_intensity IN ('none', 'mild', 'moderate', 'severe')),
    unilateral             INTEGER NOT NULL CHECK (unilateral IN (0, 1)),
    pulsating              INTEGER NOT NULL CHECK (pulsating IN (0, 1)),
    aggravated_by_activity INTEGER NOT NULL CHECK (aggravated_by_activity IN (0, 1)),
    nausea                 INTEGER NOT NULL CHECK (nausea IN (0, 1)),
    vomiting               INTEGER NOT NULL CHECK (vomiting IN (0, 1)),
    photophobia            INTEGER NOT NULL CHECK (photophobia IN (0, 1)),
    phonophobia            INTEGER NOT NULL CHECK (phonophobia IN (0, 1)),
    aura                   INTEGER NOT NULL CHECK (aura IN (0, 1)),
    paroxysms              INTEGER NOT NULL CHECK (paroxysms >= 0),
    notes                  TEXT NOT NULL,
    PRIMARY KEY (patient_id, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE diary_medications (
    patient_id        BLOB NOT NULL,
    day               TEXT NOT NULL,
    position          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    dose              TEXT,
    class             TEXT NOT NULL,
    migraine_specific INTEGER NOT NULL CHECK (migraine_specific IN (0, 1)),
    PRIMARY KEY (patient_id, day, position),
    FOREIGN KEY (patient_id, day) REFERENCES diary_days (patient_id, day) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE clinic_drugs (
    name  TEXT PRIMARY KEY,
    class TEXT NOT NULL
) STRICT;
