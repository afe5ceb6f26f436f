-- Who placed or corrected a landmark set by hand (NULL for a pose model's set, for sets made at
-- the server's console, and for sets stored before this column): the FHIR export's Provenance
-- names them, and an imported record keeps them.
ALTER TABLE landmark_sets ADD COLUMN created_by TEXT REFERENCES users (id) ON DELETE SET NULL;
