-- Questionnaires: PHQ-9 (depression) and GAD-7 (anxiety) beside MIDAS and HIT-6. The instrument
-- codes are those of cephalog_core::prom::Instrument. SQLite cannot change a CHECK constraint,
-- so the table is rebuilt with every row kept (no table refers to proms by a foreign key). Same
-- logical schema as migrations/postgres/0013_questionnaire_registry.sql.
CREATE TABLE proms_new (
    id         BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    taken_on   TEXT NOT NULL,
    instrument TEXT NOT NULL CHECK (instrument IN ('midas', 'hit6', 'phq9', 'gad7')),
    answers    TEXT NOT NULL,
    total      INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
INSERT INTO proms_new (id, patient_id, taken_on, instrument, answers, total, created_at)
    SELECT id, patient_id, taken_on, instrument, answers, total, created_at FROM proms;
DROP TABLE proms;
ALTER TABLE proms_new RENAME TO proms;
CREATE INDEX proms_patient ON proms (patient_id, taken_on);

-- A clinician's review of answers that raised a same-day alert (PHQ-9 item 9 above 0): who,
-- when and what was decided. A reviewed questionnaire leaves the worklist; a corrected one (its
-- row replaced) needs a new review.
CREATE TABLE questionnaire_reviews (
    prom_id     BLOB PRIMARY KEY REFERENCES proms (id) ON DELETE CASCADE,
    reviewed_by TEXT NOT NULL CHECK (length(reviewed_by) > 0),
    reviewed_at TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (length(decision) > 0)
) STRICT;
