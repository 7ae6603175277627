-- Questionnaires: PHQ-9 (depression) and GAD-7 (anxiety) beside MIDAS and HIT-6. The instrument
-- codes are those of cephalog_core::prom::Instrument. Same logical schema as
-- migrations/sqlite/0013_questionnaire_registry.sql.
ALTER TABLE proms DROP CONSTRAINT proms_instrument_check;
ALTER TABLE proms ADD CONSTRAINT proms_instrument_check
    CHECK (instrument IN ('midas', 'hit6', 'phq9', 'gad7'));

-- A clinician's review of answers that raised a same-day alert (PHQ-9 item 9 above 0): who,
-- when and what was decided. A reviewed questionnaire leaves the worklist; a corrected one (its
-- row replaced) needs a new review.
CREATE TABLE questionnaire_reviews (
    prom_id     UUID PRIMARY KEY REFERENCES proms (id) ON DELETE CASCADE,
    reviewed_by TEXT NOT NULL CHECK (length(reviewed_by) > 0),
    reviewed_at TIMESTAMPTZ NOT NULL,
    decision    TEXT NOT NULL CHECK (length(decision) > 0)
);
