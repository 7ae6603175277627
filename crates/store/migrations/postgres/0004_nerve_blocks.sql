-- Occipital nerve blocks (CPT 64405 for the greater occipital nerve) with the relief recorded
-- afterwards. Same logical schema as migrations/sqlite/0004_nerve_blocks.sql.
CREATE TABLE nerve_blocks (
    id                 UUID PRIMARY KEY,
    patient_id         UUID NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    block_date         DATE NOT NULL,
    nerve              TEXT NOT NULL,
    laterality         TEXT NOT NULL CHECK (laterality IN ('left', 'right', 'bilateral')),
    agent              TEXT NOT NULL,
    volume_ul          INTEGER NOT NULL CHECK (volume_ul > 0),
    steroid_agent      TEXT,
    steroid_mg         DOUBLE PRECISION,
    injector           TEXT NOT NULL,
    notes              TEXT NOT NULL,
    relief_percent     INTEGER CHECK (relief_percent BETWEEN 0 AND 100),
    relief_minutes     INTEGER CHECK (relief_minutes >= 0),
    relief_recorded_on DATE,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX nerve_blocks_patient ON nerve_blocks (patient_id, block_date);
