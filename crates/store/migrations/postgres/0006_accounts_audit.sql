-- Clinics (tenants), user accounts with argon2id password hashes, and the append-only,
-- hash-chained audit trail. Same logical schema as migrations/sqlite/0006_accounts_audit.sql.
CREATE TABLE clinics (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    clinic_id     UUID NOT NULL REFERENCES clinics (id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'nurse', 'patient')),
    patient_id    UUID REFERENCES patients (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK ((role = 'patient') = (patient_id IS NOT NULL))
);

-- One row: the last entry's sequence number and hash. Updating it inside every append serialises
-- appends, and a deleted tail is detected against it.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    patient_id TEXT,
    source     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
