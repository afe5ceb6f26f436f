//! Landmark sets in MediaPipe's 33-point layout, with the image size, the view and the capture
//! conditions. A [`Pose`] comes only from [`Pose::new`], which checks the shape of the data, so
//! the metric code does not check it again. Whether a landmark is *good enough* to measure from
//! is not checked here: that is a quality gate in `metrics`, and it yields "not measurable".

/// Number of landmarks in MediaPipe's pose layout.
pub const LANDMARK_COUNT: usize = 33;

/// Indices of the MediaPipe landmarks the metrics use.
#[allow(missing_docs)]
pub mod idx {
    pub const NOSE: usize = 0;
    pub const LEFT_EYE_OUTER: usize = 3;
    pub const RIGHT_EYE_OUTER: usize = 6;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
    pub const LEFT_HIP: usize = 23;
    pub const RIGHT_HIP: usize = 24;
}

/// MediaPipe's landmark names, in index order.
pub const LANDMARK_NAMES: [&str; LANDMARK_COUNT] = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
];

/// One landmark: x and y normalised to the image (0–1, y downward), z a rough relative depth,
/// visibility 0–1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmark {
    /// Horizontal position, 0 = left edge, 1 = right edge.
    pub x: f64,
    /// Vertical position, 0 = top edge, 1 = bottom edge.
    pub y: f64,
    /// Relative depth (smaller = nearer the camera), as MediaPipe gives it.
    pub z: f64,
    /// Likelihood that the point is visible, 0–1.
    pub visibility: f64,
}

pub use crate::vocab::{LandmarkSource, Posture, View};

/// How the landmarks were captured.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// Sitting or standing.
    pub posture: Posture,
    /// Automatic, manual or marker.
    pub source: LandmarkSource,
    /// Model name, for automatic landmarks.
    pub model: Option<String>,
    /// Model version, for automatic landmarks.
    pub model_version: Option<String>,
}

/// A landmark set that has passed shape validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    width: u32,
    height: u32,
    view: Option<View>,
    capture: Capture,
    points: [Landmark; LANDMARK_COUNT],
}

/// Why a landmark set was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PoseError {
    /// Not 33 landmarks.
    #[error("expected {LANDMARK_COUNT} landmarks in MediaPipe's layout, found {0}")]
    Count(usize),
    /// Image size of zero.
    #[error("image size must be positive, found {0}x{1}")]
    ImageSize(u32, u32),
    /// A coordinate is NaN or infinite, or visibility is outside 0–1.
    #[error("landmark {index} ({name}): {what}")]
    Value {
        /// Landmark index.
        index: usize,
        /// Landmark name.
        name: &'static str,
        /// What is wrong.
        what: String,
    },
}

impl Pose {
    /// Checks the shape of a landmark set: 33 landmarks, finite numbers, visibility in 0–1 and
    /// a positive image size. Landmarks outside the image are allowed here (MediaPipe predicts
    /// them) and are refused per metric by the quality gates.
    pub fn new(width: u32, height: u32, view: Option<View>, capture: Capture, points: &[Landmark]) -> Result<Pose, PoseError> {
        if width == 0 || height == 0 {
            return Err(PoseError::ImageSize(width, height));
        }
        let points: [Landmark; LANDMARK_COUNT] = points.try_into().map_err(|_| PoseError::Count(points.len()))?;
        for (index, p) in points.iter().enumerate() {
            let name = LANDMARK_NAMES[index];
            if !(p.x.is_finite() && p.y.is_finite() && p.z.is_finite()) {
                return Err(PoseError::Value { index, name, what: "coordinates must be finite numbers".into() });
            }
            if p.x.abs() > 100.0 || p.y.abs() > 100.0 {
                return Err(PoseError::Value { index, name, what: "x and y must be normalised to the image (0–1), not pixels".into() });
            }
            if !(0.0..=1.0).contains(&p.visibility) {
                return Err(PoseError::Value { index, name, what: format!("visibility {} is outside 0–1", p.visibility) });
            }
        }
        Ok(Pose { width, height, view, capture, points })
    }

    /// Image width, pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Image height, pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// The view as given, if any.
    pub fn given_view(&self) -> Option<View> {
        self.view
    }
    /// Capture conditions.
    pub fn capture(&self) -> &Capture {
        &self.capture
    }
    /// All 33 landmarks.
    pub fn points(&self) -> &[Landmark; LANDMARK_COUNT] {
        &self.points
    }
    /// One landmark.
    pub fn point(&self, index: usize) -> Landmark {
        self.points[index]
    }
    /// A landmark in pixels (x right, y down).
    pub fn px(&self, index: usize) -> (f64, f64) {
        let p = self.points[index];
        (p.x * f64::from(self.width), p.y * f64::from(self.height))
    }

    /// The same pose photographed in a mirror: x flipped, left and right landmarks swapped, and
    /// the view mirrored. Used by tests of the metrics' symmetry.
    pub fn mirrored(&self) -> Pose {
        let mut points = self.points;
        for (i, p) in points.iter_mut().enumerate() {
            *p = self.points[mirror_index(i)];
            p.x = 1.0 - p.x;
        }
        let view = self.view.map(View::mirrored);
        Pose { points, view, ..self.clone() }
    }
}

/// The index of the landmark on the other side of the body (the nose maps to itself).
pub fn mirror_index(i: usize) -> usize {
    match i {
        0 => 0,
        1..=3 => i + 3,
        4..=6 => i - 3,
        9 | 11 | 13 | 15 | 17 | 19 | 21 | 23 | 25 | 27 | 29 | 31 | 7 => i + 1,
        _ => i - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_index_swaps_sides() {
        for (i, a) in LANDMARK_NAMES.iter().enumerate() {
            let j = mirror_index(i);
            assert_eq!(mirror_index(j), i);
            let b = LANDMARK_NAMES[j];
            assert_eq!(a.replace("left", "X").replace("right", "left").replace('X', "right"), b, "{a} ↔ {b}");
        }
    }
}
