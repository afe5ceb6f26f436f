//! The documents that cross the boundary between the WebAssembly module and JavaScript, as
//! JSON: what each exported function answers, and the baseline the page keeps and gives back.
//! `js/pose.mjs` documents the same shapes for its callers.

use serde::{Deserialize, Serialize};
use tonus_core::knowledge::{Certainty, WebcamMetricId};
use tonus_core::webcam::{Baseline, Drift, Geometry, Unreadable};

/// The answer to `tonus_init`.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    /// The landmark model, as recorded with photo measurements ("blazepose-lite").
    pub model: &'static str,
    /// The MediaPipe Pose package the models come from.
    pub model_version: String,
}

/// An error answer.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorDoc {
    /// What went wrong, for a person.
    pub error: String,
}

/// What one video frame showed.
#[derive(Debug, Clone, Serialize)]
pub struct FrameReport {
    /// Whether the person detector ran on this frame (the first frame, or the person was
    /// lost); otherwise only the landmark model ran, on the previous frame's region.
    pub detector_ran: bool,
    /// Someone is in front of the camera.
    pub present: bool,
    /// The landmark model's pose presence, when it ran.
    pub pose_presence: Option<f32>,
    /// The 33 landmarks as `[x, y, z, visibility, presence]`, x and y normalised to the frame.
    pub landmarks: Option<Vec<[f32; 5]>>,
    /// Mean luma of the frame, 0–255.
    pub brightness: f64,
    /// Whether the frame can be read, or why not.
    pub quality: Quality,
    /// The frame's raw geometry, when readable.
    pub geometry: Option<Geometry>,
    /// Drift from the baseline, one per metric, when the frame is readable and a baseline is
    /// set; empty otherwise.
    pub drift: Vec<DriftDoc>,
    /// While calibrating: readable frames collected so far.
    pub calibration_frames: Option<usize>,
}

/// A frame's quality gate outcome: `{"status": "readable"}`, or why not (core's [`Unreadable`],
/// under the same `status` tag).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Quality {
    /// The frame passed every gate.
    Readable,
    /// Why the frame cannot be read.
    #[serde(untagged)]
    Unreadable(Unreadable),
}

impl From<Result<&Geometry, &Unreadable>> for Quality {
    fn from(r: Result<&Geometry, &Unreadable>) -> Quality {
        r.map_or_else(|u| Quality::Unreadable(*u), |_| Quality::Readable)
    }
}

/// One metric's drift on one frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DriftDoc {
    /// Which metric.
    pub metric: WebcamMetricId,
    /// The drift in the metric's unit, when measurable on this frame.
    pub value: Option<f64>,
    /// Whether its size passes the metric's real-change threshold (a single frame; the desk
    /// page decides what a sustained drift is).
    pub beyond_real_change: Option<bool>,
}

impl DriftDoc {
    /// The drift with its threshold applied.
    pub fn new(d: &Drift, real_change: f64) -> DriftDoc {
        DriftDoc { metric: d.metric, value: d.value, beyond_real_change: d.value.map(|v| v.abs() >= real_change) }
    }
}

/// A calibrated baseline as the page keeps it (in IndexedDB) and gives it back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineDoc {
    /// Format version; 1.
    pub format_version: u32,
    /// Eye level, pixels.
    pub eye_level_px: f64,
    /// Shoulder width, pixels.
    pub shoulder_width_px: f64,
    /// Face width, shoulder widths.
    pub face_width: f64,
    /// Left ear above shoulder, shoulder widths.
    pub ear_shoulder_left: Option<f64>,
    /// Right ear above shoulder, shoulder widths.
    pub ear_shoulder_right: Option<f64>,
    /// Head tilt, degrees.
    pub head_tilt: f64,
    /// Shoulder tilt, degrees.
    pub shoulder_tilt: f64,
    /// Frames it was made from.
    pub frames: usize,
}

impl From<&Baseline> for BaselineDoc {
    fn from(b: &Baseline) -> BaselineDoc {
        BaselineDoc {
            format_version: 1,
            eye_level_px: b.eye_level_px,
            shoulder_width_px: b.shoulder_width_px,
            face_width: b.face_width,
            ear_shoulder_left: b.ear_shoulder_left,
            ear_shoulder_right: b.ear_shoulder_right,
            head_tilt: b.head_tilt,
            shoulder_tilt: b.shoulder_tilt,
            frames: b.frames,
        }
    }
}

impl BaselineDoc {
    /// The baseline, or which field is unusable.
    pub fn to_core(&self) -> Result<Baseline, String> {
        if self.format_version != 1 {
            return Err(format!("baseline format_version {} is not 1", self.format_version));
        }
        for (field, v) in [
            ("eye_level_px", self.eye_level_px),
            ("shoulder_width_px", self.shoulder_width_px),
            ("face_width", self.face_width),
            ("head_tilt", self.head_tilt),
            ("shoulder_tilt", self.shoulder_tilt),
        ] {
            if !v.is_finite() {
                return Err(format!("baseline {field} must be a finite number"));
            }
        }
        if self.shoulder_width_px <= 0.0 || self.face_width <= 0.0 {
            return Err("baseline shoulder_width_px and face_width must be positive".into());
        }
        Ok(Baseline {
            eye_level_px: self.eye_level_px,
            shoulder_width_px: self.shoulder_width_px,
            face_width: self.face_width,
            ear_shoulder_left: self.ear_shoulder_left.filter(|v| v.is_finite()),
            ear_shoulder_right: self.ear_shoulder_right.filter(|v| v.is_finite()),
            head_tilt: self.head_tilt,
            shoulder_tilt: self.shoulder_tilt,
            frames: self.frames,
        })
    }
}

/// A webcam metric's description for the page.
#[derive(Debug, Clone, Serialize)]
pub struct MetricInfo {
    /// Which metric.
    pub id: WebcamMetricId,
    /// Display name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// What it stands in for.
    pub proxy_for: String,
    /// What a positive drift means.
    pub positive_means: String,
    /// What a negative drift means.
    pub negative_means: String,
    /// The real-change threshold, in the unit.
    pub real_change: f64,
    /// Certainty.
    pub certainty: Certainty,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quality document keeps one `status` tag whether the frame is readable or not, and
    /// an unreadable frame's fields beside it (core's `Unreadable` serialises itself).
    #[test]
    fn quality_documents_are_flat_and_tagged() {
        let json = |q: Quality| serde_json::to_string(&q).unwrap();
        assert_eq!(json(Quality::Readable), r#"{"status":"readable"}"#);
        assert_eq!(json(Quality::Unreadable(Unreadable::NoPerson)), r#"{"status":"no_person"}"#);
        assert_eq!(
            json(Quality::Unreadable(Unreadable::LowVisibility { landmark: "left_ear", visibility: 0.25, minimum: 0.5 })),
            r#"{"status":"low_visibility","landmark":"left_ear","visibility":0.25,"minimum":0.5}"#
        );
        assert_eq!(
            json(Quality::Unreadable(Unreadable::TooFar { shoulder_width: 0.125, minimum: 0.2 })),
            r#"{"status":"too_far","shoulder_width":0.125,"minimum":0.2}"#
        );
    }

    /// The geometry document keeps core's field names, which the desk page and `pose.mjs`'s
    /// callers read (`shoulder_width_px` for the "moved" check).
    #[test]
    fn the_geometry_document_has_its_documented_fields() {
        let g = Geometry {
            eye_level: 1.5,
            face_width: 0.25,
            ear_shoulder_left: Some(0.75),
            ear_shoulder_right: None,
            head_tilt: -2.0,
            shoulder_tilt: 1.0,
            shoulder_width_px: 320.0,
        };
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            r#"{"eye_level":1.5,"face_width":0.25,"ear_shoulder_left":0.75,"ear_shoulder_right":null,"head_tilt":-2.0,"shoulder_tilt":1.0,"shoulder_width_px":320.0}"#
        );
    }
}
