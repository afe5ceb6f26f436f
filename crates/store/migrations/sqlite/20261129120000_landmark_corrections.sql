-- Landmark sets may come from skin markers located in the photo ('marker'). SQLite cannot change
-- the source's CHECK in place, so the table is rebuilt, gaining `corrects_id` on the way. The new
-- table names itself under its temporary name, which the rename rewrites; no other table refers
-- to landmark_sets, so dropping the old one (foreign keys on) cascades nowhere.
CREATE TABLE landmark_sets_new (
    id                TEXT PRIMARY KEY NOT NULL,
    assessment_id     TEXT NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    photo_id          TEXT REFERENCES photos (id) ON DELETE SET NULL,
    view              TEXT NOT NULL,
    landmarks_json    TEXT NOT NULL,
    model             TEXT NOT NULL,
    model_version     TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('automatic', 'manual', 'marker')),
    moved_points_json TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    corrects_id       TEXT REFERENCES landmark_sets_new (id) ON DELETE CASCADE
);
INSERT INTO landmark_sets_new (id, assessment_id, photo_id, view, landmarks_json, model, model_version, source, moved_points_json, created_at)
    SELECT id, assessment_id, photo_id, view, landmarks_json, model, model_version, source, moved_points_json, created_at
    FROM landmark_sets;
DROP TABLE landmark_sets;
ALTER TABLE landmark_sets_new RENAME TO landmark_sets;
CREATE INDEX landmark_sets_assessment ON landmark_sets (assessment_id);
-- A hand-corrected landmark set names the set it corrects in its own column, instead of the
-- earlier convention of `model = 'corrected'` with the corrected set's id in `model_version`.
-- The correction keeps the corrected set's model and version as its provenance.
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
