-- A plan carried forward at reassessment: which assessment's plan it started from, and whether
-- the therapist has yet to review the engine's proposed changes to it.
ALTER TABLE plans ADD COLUMN carried_from TEXT REFERENCES assessments (id) ON DELETE SET NULL;
ALTER TABLE plans ADD COLUMN review_pending BOOLEAN NOT NULL DEFAULT FALSE;
