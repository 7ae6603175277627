-- The audit trail as one chain per clinic, plus the installation chain for entries about no
-- clinic (and every entry written before chains existed, which keeps its numbers and seals).
-- Each chain has its own head row, so appends of one clinic never wait on another's and the
-- tables can be distributed by chain. SQLite cannot change a primary key, so audit_log is
-- rebuilt with every row kept (the append-only triggers go with the old table and are made again
-- on the new one; no table refers to audit_log). Same logical schema as
-- migrations/postgres/0014_audit_chains.sql.
CREATE TABLE audit_chains (
    chain     TEXT PRIMARY KEY CHECK (length(chain) > 0),
    last_seq  INTEGER NOT NULL CHECK (last_seq >= 0),
    last_hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_chains (chain, last_seq, last_hash)
    SELECT 'installation', last_seq, last_hash FROM audit_head;
DROP TABLE audit_head;

CREATE TABLE audit_log_chained (
    chain      TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    patient_id TEXT,
    source     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    key_id     TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (chain, seq)
) STRICT;
INSERT INTO audit_log_chained (chain, seq, at, actor, action, entity, entity_id, patient_id,
                               source, prev_hash, hash, key_id, detail)
    SELECT 'installation', seq, at, actor, action, entity, entity_id, patient_id, source,
           prev_hash, hash, key_id, detail
    FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_chained RENAME TO audit_log;
CREATE INDEX audit_log_patient ON audit_log (patient_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
