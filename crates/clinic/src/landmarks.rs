//! Photos and landmark sets: storing an upload, finding its landmarks with the pose model,
//! adding a landmark file, correcting landmarks by hand, and the *effective* sets the engine
//! runs on.
//!
//! A hand correction is stored beside the set it corrects, never replacing it: a new set with
//! source `manual`, a `corrects` reference to the original, the original's model and version
//! as provenance, and the file's `moved` list saying which points moved and by how much from
//! the original. The effective sets are, for each original set, its newest correction or the
//! set itself. Every set added, however it came, writes an audit line.
//!
//! Left out on purpose: several people in one photo (the landmark files do not say which
//! person is which) and moving points other than the 33 of the file.

use serde::Deserialize;
use tonus_app::landmarks::{LandmarkFile, LandmarkSource, Moved, Posture, View};
use tonus_core::landmarks::LANDMARK_COUNT;
use tonus_store::{Assessment, AssessmentId, AssessmentStatus, LandmarkSet, LandmarkSetId, NewLandmarkSet, NewPhoto, Photo, PhotoId};

use crate::audit::{Action, Event, RecordKind};
use crate::docs::{self, ReportRecord};
use crate::error::ClinicError;
use crate::{Actor, Clinic};

/// A stored landmark set with its file read.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The stored set.
    pub set: LandmarkSet,
    /// Its landmark file.
    pub file: LandmarkFile,
}

/// A set the engine runs on: an original set, or its newest hand correction with the
/// original beside it.
#[derive(Debug, Clone)]
pub struct EffectiveSet {
    /// What the engine measures.
    pub current: Measured,
    /// The set it corrects, when `current` is a correction.
    pub original: Option<Measured>,
}

impl EffectiveSet {
    /// The engine's name for this set, which labels its photo in the report (and in its
    /// print, so no database id: see [`engine_names`]).
    pub fn engine_name(&self) -> String {
        let view = self.current.set.view.map_or("detected view", View::as_str);
        match &self.original {
            Some(_) => format!("{view} photo, landmarks corrected by hand"),
            None => format!("{view} photo"),
        }
    }
}

/// The engine's names for an assessment's sets, numbered where two would read the same
/// ("side-left photo 2").
pub fn engine_names(sets: &[EffectiveSet]) -> Vec<String> {
    let names: Vec<String> = sets.iter().map(EffectiveSet::engine_name).collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let same = names.iter().filter(|n| *n == name).count();
            let nth = names[..i].iter().filter(|n| *n == name).count() + 1;
            if same > 1 { format!("{name} {nth}") } else { name.clone() }
        })
        .collect()
}

/// One point the therapist moved: its index and new normalised position.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct MovedPoint {
    /// Landmark index, 0–32.
    pub i: usize,
    /// New x, 0–1 of the image width.
    pub x: f64,
    /// New y, 0–1 of the image height.
    pub y: f64,
}

/// The image type from the file's first bytes; the browser's claim is not trusted.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// Checks a landmark file's text: it must read and describe a usable pose. The error names
/// `file_name` and the field.
pub fn parse_landmarks(bytes: &[u8], file_name: &str) -> Result<LandmarkFile, ClinicError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ClinicError::invalid(format!("{file_name}: not a UTF-8 JSON file")))?;
    let file = tonus_app::landmarks::parse(text, file_name)?;
    tonus_app::landmarks::to_pose(&file, file_name)?;
    Ok(file)
}

/// The names of the points a file says were moved by hand.
fn moved_names(file: &LandmarkFile) -> Vec<String> {
    file.moved.iter().map(|m| format!("{} ({})", tonus_app::words::landmark(m.index), m.index)).collect()
}

/// A correction of `current` (an original set or an earlier correction) with `moves` applied:
/// source `manual`, and `moved` measured from `original`'s points.
pub fn corrected_file(current: &LandmarkFile, original: &LandmarkFile, moves: &[MovedPoint]) -> Result<LandmarkFile, ClinicError> {
    let mut file = current.clone();
    for m in moves {
        if !(m.x.is_finite() && m.y.is_finite() && (0.0..=1.0).contains(&m.x) && (0.0..=1.0).contains(&m.y)) {
            return Err(ClinicError::field("points", format!("landmark {} must stay inside the image", m.i)));
        }
        let row = file
            .landmarks
            .get_mut(m.i)
            .filter(|_| m.i < LANDMARK_COUNT)
            .ok_or_else(|| ClinicError::field("points", format!("there is no landmark {}", m.i)))?;
        if row.len() < 2 {
            return Err(ClinicError::field("points", format!("landmark {} is malformed", m.i)));
        }
        row[0] = m.x;
        row[1] = m.y;
    }
    file.moved = original
        .landmarks
        .iter()
        .zip(&file.landmarks)
        .enumerate()
        .filter_map(|(index, (before, after))| {
            let (dx, dy) = (after.first()? - before.first()?, after.get(1)? - before.get(1)?);
            (dx.abs() > 1e-9 || dy.abs() > 1e-9).then_some(Moved { index, dx, dy })
        })
        .collect();
    file.capture.source = LandmarkSource::Manual;
    Ok(file)
}

/// For each original set, its newest correction or itself, in the order the sets were added.
pub fn effective(sets: Vec<Measured>) -> Vec<EffectiveSet> {
    let (corrections, originals): (Vec<Measured>, Vec<Measured>) = sets.into_iter().partition(|m| m.set.corrects.is_some());
    originals
        .into_iter()
        .map(|original| match corrections.iter().rfind(|c| c.set.corrects == Some(original.set.id)) {
            Some(c) => EffectiveSet { current: c.clone(), original: Some(original) },
            None => EffectiveSet { current: original, original: None },
        })
        .collect()
}

impl Clinic {
    /// Every landmark set of an assessment with its file read, in the order they were added.
    pub async fn landmark_sets(&self, assessment: AssessmentId) -> Result<Vec<Measured>, ClinicError> {
        self.store
            .landmark_sets_for(assessment)
            .await?
            .into_iter()
            .map(|set| {
                let file = docs::landmark_file(&set.landmarks, &format!("landmark set {}", set.id))?;
                Ok(Measured { set, file })
            })
            .collect()
    }

    /// The sets the engine runs on (see [`effective`]).
    pub async fn effective_sets(&self, assessment: AssessmentId) -> Result<Vec<EffectiveSet>, ClinicError> {
        Ok(effective(self.landmark_sets(assessment).await?))
    }

    /// Stores a photo for a draft; the type is read from the bytes. Audited.
    pub async fn add_photo(
        &self,
        actor: Actor,
        assessment: &Assessment,
        bytes: Vec<u8>,
        view: View,
        file_name: &str,
    ) -> Result<Photo, ClinicError> {
        require_draft(assessment)?;
        let media_type =
            sniff_image(&bytes).ok_or_else(|| ClinicError::field("file", format!("{file_name}: not a JPEG, PNG or WebP photo")))?;
        let photo = self.store.add_photo(NewPhoto { assessment: assessment.id, bytes, media_type: media_type.into(), view }).await?;
        self.audit(actor, Event::new(Action::Create, RecordKind::Photo, assessment.id).detail(photo.id.to_string())).await?;
        Ok(photo)
    }

    /// Deletes a photo of a draft with the landmarks found on it (a retake). Audited.
    pub async fn delete_photo(&self, actor: Actor, assessment: &Assessment, photo: &Photo) -> Result<(), ClinicError> {
        require_draft(assessment)?;
        if photo.assessment != assessment.id {
            return Err(ClinicError::not_found("the photo is not this assessment's"));
        }
        self.store.delete_photo(photo.id).await?;
        self.audit(actor, Event::new(Action::Delete, RecordKind::Photo, assessment.id).detail(photo.id.to_string())).await?;
        Ok(())
    }

    /// Finds the landmarks on a stored photo with the pose model and adds them as a set linked
    /// to it; `Ok(None)` when no person is found (the photo stays).
    pub async fn detect_landmarks(
        &self,
        actor: Actor,
        assessment: &Assessment,
        photo: &Photo,
        bytes: Vec<u8>,
        file_name: &str,
        posture: Posture,
    ) -> Result<Option<LandmarkSet>, ClinicError> {
        match self.runner.detect(bytes, file_name.to_owned(), photo.view, posture).await? {
            Some(file) => Ok(Some(self.add_landmark_set(actor, assessment, Some(photo.id), file).await?)),
            None => Ok(None),
        }
    }

    /// Adds a landmark set to a draft (from a file, the pose model or the API), linked to its
    /// photo when known. Audited.
    pub async fn add_landmark_set(
        &self,
        actor: Actor,
        assessment: &Assessment,
        photo: Option<PhotoId>,
        file: LandmarkFile,
    ) -> Result<LandmarkSet, ClinicError> {
        require_draft(assessment)?;
        self.insert_set(actor, assessment.id, photo, file, None).await
    }

    async fn insert_set(
        &self,
        actor: Actor,
        assessment: AssessmentId,
        photo: Option<PhotoId>,
        file: LandmarkFile,
        corrects: Option<&LandmarkSet>,
    ) -> Result<LandmarkSet, ClinicError> {
        let (model, model_version) = match corrects {
            Some(original) => (original.model.clone(), original.model_version.clone()),
            None => (
                file.capture.model.clone().unwrap_or_else(|| file.capture.source.as_str().to_owned()),
                file.capture.model_version.clone().unwrap_or_default(),
            ),
        };
        let new = NewLandmarkSet {
            assessment,
            photo,
            view: file.view,
            landmarks: docs::to_value(&file, "the landmark file")?,
            model,
            model_version,
            source: file.capture.source,
            moved_points: moved_names(&file),
            corrects: corrects.map(|c| c.id),
            created_by: if file.capture.source == LandmarkSource::Automatic { None } else { actor.0 },
        };
        let set = self.store.add_landmark_set(new).await?;
        let detail = match corrects {
            Some(original) => format!("{} corrects {}", set.id, original.id),
            None => set.id.to_string(),
        };
        self.audit(actor, Event::new(Action::Create, RecordKind::LandmarkSet, assessment).detail(detail)).await?;
        Ok(set)
    }

    /// Stores the moved points as a correction of `set` (or of the set it corrects, when it is
    /// itself a correction) and recomputes the report on the effective sets.
    pub async fn correct_landmarks(
        &self,
        actor: Actor,
        assessment: &Assessment,
        set: LandmarkSetId,
        moves: &[MovedPoint],
    ) -> Result<(LandmarkSet, ReportRecord), ClinicError> {
        if assessment.status != AssessmentStatus::Complete {
            return Err(ClinicError::conflict("landmarks are corrected on a complete assessment's report"));
        }
        if moves.is_empty() {
            return Err(ClinicError::field("points", "no point was moved"));
        }
        let sets = self.landmark_sets(assessment.id).await?;
        let posted = sets.iter().find(|m| m.set.id == set).ok_or_else(|| ClinicError::not_found(format!("no landmark set {set}")))?;
        let original = match posted.set.corrects {
            Some(id) => sets.iter().find(|m| m.set.id == id).ok_or_else(|| ClinicError::not_found(format!("no landmark set {id}")))?,
            None => posted,
        };
        let file = corrected_file(&posted.file, &original.file, moves)?;
        tonus_app::landmarks::to_pose(&file, "corrected landmarks")?;
        let saved = self.insert_set(actor, assessment.id, original.set.photo, file, Some(&original.set)).await?;
        let report = self.recompute(actor, assessment).await?;
        Ok((saved, report))
    }
}

/// Photos and landmark files are added while the assessment is a draft.
fn require_draft(assessment: &Assessment) -> Result<(), ClinicError> {
    match assessment.status {
        AssessmentStatus::Draft => Ok(()),
        AssessmentStatus::Complete => Err(ClinicError::conflict("this assessment is complete; start a new one to reassess")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonus_app::landmarks::{Capture, Image};

    fn file(points: &[(usize, f64, f64)]) -> LandmarkFile {
        let mut landmarks = vec![vec![0.5, 0.5, 0.0, 0.9]; LANDMARK_COUNT];
        for &(i, x, y) in points {
            landmarks[i] = vec![x, y, 0.0, 0.9];
        }
        LandmarkFile {
            format_version: 1,
            image: Image { width: 1000, height: 2000, file: None },
            view: Some(View::SideLeft),
            capture: Capture { posture: Posture::Standing, source: LandmarkSource::Automatic, model: None, model_version: None },
            landmarks,
            moved: vec![],
            persons_found: None,
        }
    }

    #[test]
    fn a_correction_records_the_moves_from_the_automatic_points() {
        let original = file(&[(7, 0.4, 0.2)]);
        let once = corrected_file(&original, &original, &[MovedPoint { i: 7, x: 0.45, y: 0.2 }]).unwrap();
        assert_eq!(once.capture.source, LandmarkSource::Manual);
        assert_eq!(once.landmarks[7][0], 0.45);
        assert_eq!(once.moved.len(), 1);
        assert_eq!(once.moved[0].index, 7);
        assert!((once.moved[0].dx - 0.05).abs() < 1e-12);
        // Correcting the correction still measures from the automatic set.
        let twice = corrected_file(&once, &original, &[MovedPoint { i: 11, x: 0.5, y: 0.3 }]).unwrap();
        assert_eq!(twice.moved.len(), 2);
        // Moving a point back where it was leaves it out of the list.
        let back = corrected_file(&once, &original, &[MovedPoint { i: 7, x: 0.4, y: 0.2 }]).unwrap();
        assert!(back.moved.is_empty());
        for bad in [MovedPoint { i: 7, x: 1.5, y: 0.2 }, MovedPoint { i: 40, x: 0.5, y: 0.2 }, MovedPoint { i: 7, x: f64::NAN, y: 0.2 }] {
            let err = corrected_file(&original, &original, &[bad]).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("points"), "{err}");
        }
    }

    #[test]
    fn sniffs_image_types_from_their_bytes() {
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"\x89PNG\r\n"), Some("image/png"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"<svg>"), None);
    }
}
