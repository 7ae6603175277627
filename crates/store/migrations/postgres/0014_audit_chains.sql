-- The audit trail as one chain per clinic, plus the installation chain for entries about no
-- clinic (and every entry written before chains existed, which keeps its numbers and seals).
-- Each chain has its own head row, so appends of one clinic never wait on another's, and both
-- tables can be distributed by `chain` on a sharded PostgreSQL (Citus:
-- create_distributed_table('audit_log', 'chain'), colocated with 'audit_chains'). Same logical
-- schema as migrations/sqlite/0014_audit_chains.sql.
CREATE TABLE audit_chains (
    chain     TEXT PRIMARY KEY CHECK (length(chain) > 0),
    last_seq  BIGINT NOT NULL CHECK (last_seq >= 0),
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chains (chain, last_seq, last_hash)
    SELECT 'installation', last_seq, last_hash FROM audit_head;
DROP TABLE audit_head;

-- Adding a column with a default rewrites no row through UPDATE, so the append-only trigger
-- stays in place throughout.
ALTER TABLE audit_log ADD COLUMN chain TEXT NOT NULL DEFAULT 'installation';
ALTER TABLE audit_log ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (chain, seq);
DROP INDEX audit_log_patient;
CREATE INDEX audit_log_patient ON audit_log (patient_id, at);
