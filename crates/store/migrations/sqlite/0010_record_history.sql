-- Earlier versions of clinical records. A correction or an "entered in error" never loses what was
-- there: the version it supersedes is kept here as a JSON snapshot with who changed it, when and
-- why. The current version stays in the record's own table (an entered-in-error record leaves it),
-- so everything that reads those tables reads only what is in force. Rows are never changed or
-- deleted. Same logical schema as migrations/postgres/0010_record_history.sql.
CREATE TABLE record_versions (
    id          BLOB PRIMARY KEY,
    patient_id  BLOB NOT NULL REFERENCES patients (id),
    record_kind TEXT NOT NULL CHECK (record_kind IN ('diary_day', 'session', 'adverse_event',
                                                     'questionnaire', 'preventive', 'attestation')),
    -- The date (YYYY-MM-DD) of a diary day, the id of any other record.
    record_id   TEXT NOT NULL CHECK (length(record_id) > 0),
    -- The number of the version kept here: 1 is what was first recorded.
    version     INTEGER NOT NULL CHECK (version >= 1),
    -- What happened to it: corrected (a new version replaced it) or entered_in_error.
    action      TEXT NOT NULL CHECK (action IN ('corrected', 'entered_in_error')),
    snapshot    TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL CHECK (length(changed_by) > 0),
    reason      TEXT NOT NULL CHECK (length(reason) > 0),
    UNIQUE (patient_id, record_kind, record_id, version)
) STRICT;
CREATE INDEX record_versions_patient ON record_versions (patient_id, record_kind, record_id);

CREATE TRIGGER record_versions_no_update BEFORE UPDATE ON record_versions
BEGIN
    SELECT RAISE(ABORT, 'record_versions is append-only');
END;
CREATE TRIGGER record_versions_no_delete BEFORE DELETE ON record_versions
BEGIN
    SELECT RAISE(ABORT, 'record_versions is append-only');
END;
