//! The landmark file format: MediaPipe's 33 landmarks (normalised x, y, z, visibility and
//! optionally presence) with the image size, the view and the capture conditions; and its
//! conversion into a validated [`tonus_core::landmarks::Pose`].

use serde::{Deserialize, Serialize};
use tonus_core::landmarks::{self as core, LANDMARK_COUNT};
pub use tonus_core::vocab::{LandmarkSource, Posture, View};

use crate::error::InputError;

/// A landmark set as written in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandmarkFile {
    /// Format version; 1.
    #[serde(default = "one")]
    pub format_version: u32,
    /// The photo.
    pub image: Image,
    /// The view; detected from the landmarks when absent.
    #[serde(default)]
    pub view: Option<View>,
    /// How the landmarks were captured.
    pub capture: Capture,
    /// 33 rows of `[x, y, z, visibility]` or `[x, y, z, visibility, presence]`, x and y
    /// normalised to the image.
    pub landmarks: Vec<Vec<f64>>,
    /// Landmarks moved by hand after automatic placement.
    #[serde(default)]
    pub moved: Vec<Moved>,
    /// How many people the pose model found in the photo (the landmarks describe the most
    /// prominent one); absent for manual or marker landmarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persons_found: Option<usize>,
}

fn one() -> u32 {
    1
}

/// The photo the landmarks belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Width in pixels, after EXIF orientation.
    pub width: u32,
    /// Height in pixels, after EXIF orientation.
    pub height: u32,
    /// The photo's file name or content hash, for the record.
    #[serde(default)]
    pub file: Option<String>,
}

/// Capture conditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// Sitting or standing.
    pub posture: Posture,
    /// Automatic, manual or marker.
    pub source: LandmarkSource,
    /// Model name, for automatic landmarks.
    #[serde(default)]
    pub model: Option<String>,
    /// Model version, for automatic landmarks.
    #[serde(default)]
    pub model_version: Option<String>,
}

/// A landmark moved by hand: its index and how far (normalised units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moved {
    /// Landmark index.
    pub index: usize,
    /// Horizontal move.
    pub dx: f64,
    /// Vertical move.
    pub dy: f64,
}

/// Parses a landmark file (JSON).
pub fn parse(text: &str, file_name: &str) -> Result<LandmarkFile, InputError> {
    InputError::from_json(text, file_name)
}

/// Validates and converts into the core's pose.
pub fn to_pose(f: &LandmarkFile, file: &str) -> Result<core::Pose, InputError> {
    let fail = |field: &str, message: String| InputError::field(file, field, message);
    if f.format_version != 1 {
        return Err(fail("format_version", format!("unsupported version {}; this Tonus reads version 1", f.format_version)));
    }
    if f.image.width > 100_000 || f.image.height > 100_000 {
        return Err(fail("image", "width and height must be at most 100000 pixels".into()));
    }
    let mut points = Vec::with_capacity(LANDMARK_COUNT);
    for (i, row) in f.landmarks.iter().enumerate() {
        if !(4..=5).contains(&row.len()) {
            return Err(fail(
                &format!("landmarks[{i}]"),
                format!("needs [x, y, z, visibility] (optionally presence), found {} numbers", row.len()),
            ));
        }
        points.push(core::Landmark { x: row[0], y: row[1], z: row[2], visibility: row[3] });
    }
    for (i, m) in f.moved.iter().enumerate() {
        if m.index >= LANDMARK_COUNT || !m.dx.is_finite() || !m.dy.is_finite() {
            return Err(fail(&format!("moved[{i}]"), format!("index must be below {LANDMARK_COUNT} and moves finite")));
        }
    }
    let capture = core::Capture {
        posture: f.capture.posture,
        source: f.capture.source,
        model: f.capture.model.clone(),
        model_version: f.capture.model_version.clone(),
    };
    core::Pose::new(f.image.width, f.image.height, f.view, capture, &points).map_err(|e| match e {
        core::PoseError::Count(n) => fail("landmarks", format!("expected {LANDMARK_COUNT} landmarks in MediaPipe's layout, found {n}")),
        core::PoseError::ImageSize(..) => fail("image", e.to_string()),
        core::PoseError::Value { index, what, .. } => fail(&format!("landmarks[{index}]"), what),
    })
}
