-- Questionnaires: PHQ-9 (depression) and GAD-7 (anxiety) beside MIDAS and HIT-6. The instrument
-- codes are those of cephalog_core::prom::Instrument. Same logical schema as
-- migrations/sqlite/0013_questionnaire_registry.sql.
ALTER TABLE proms DROP CONSTRAINT proms_instrument_check;
ALTER TABLE proms ADD CONSTRAINT proms_instrument_check
    CHECK (instrument IN ('midas', 'hit6', 'phq9', 'gad7'));
