-- Clinics (tenants), user accounts with argon2id password hashes, and the append-only,
-- hash-chained audit trail. Same logical schema as migrations/postgres/0006_accounts_audit.sql.
CREATE TABLE clinics (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    clinic_id     BLOB NOT NULL REFERENCES clinics (id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'nurse', 'patient')),
    patient_id    BLOB REFERENCES patients (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    CHECK ((role = 'patient') = (patient_id IS NOT NULL))
) STRICT;

-- One row: the last entry's sequence number and hash. Updating it inside every append serialises
-- appends, and a deleted tail is detected against it.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL,
    last_hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    patient_id TEXT,
    source     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
