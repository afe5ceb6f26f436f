-- Landmark sets may come from skin markers located in the photo ('marker').
ALTER TABLE landmark_sets DROP CONSTRAINT landmark_sets_source_check;
ALTER TABLE landmark_sets ADD CONSTRAINT landmark_sets_source_check CHECK (source IN ('automatic', 'manual', 'marker'));
-- A hand-corrected landmark set names the set it corrects in its own column, instead of the
-- earlier convention of `model = 'corrected'` with the corrected set's id in `model_version`.
-- The correction keeps the corrected set's model and version as its provenance.
ALTER TABLE landmark_sets ADD COLUMN corrects_id TEXT REFERENCES landmark_sets (id) ON DELETE CASCADE;
UPDATE landmark_sets SET corrects_id = model_version WHERE model = 'corrected';
UPDATE landmark_sets SET model = (SELECT o.model FROM landmark_sets o WHERE o.id = landmark_sets.corrects_id),
                         model_version = (SELECT o.model_version FROM landmark_sets o WHERE o.id = landmark_sets.corrects_id)
    WHERE corrects_id IS NOT NULL;
CREATE INDEX landmark_sets_corrects ON landmark_sets (corrects_id);
-- Early versions accepted a 'back' photo view that no metric uses; its landmarks were measured
-- with the view detected from the landmarks, which reads a back photo as a front one. Store it
-- as what was measured.
UPDATE photos SET view = 'front' WHERE view NOT IN ('side-left', 'side-right', 'front');
UPDATE landmark_sets SET view = 'detected' WHERE view NOT IN ('side-left', 'side-right', 'front', 'detected');
