//! Pure post-processing of the landmark model's outputs, as MediaPipe's
//! `pose_landmark_by_roi_cpu` graph does it: raw tensor → landmarks in crop coordinates,
//! heatmap refinement (`RefineLandmarksFromHeatmapCalculator`), projection from the rotated
//! crop back to the image (`LandmarkProjectionCalculator`), and the sigmoid on visibility and
//! presence. Also the landmark names and the skeleton used for drawing.
//!
//! No model here, so these are unit-tested on hand-made tensors. Landmark smoothing and the
//! video tracking ROI (landmarks 33 and 34) are left out: each photo stands alone.

use crate::detector::Roi;

/// Number of landmarks the model predicts (33 body landmarks + 6 auxiliary).
pub const NUM_MODEL_LANDMARKS: usize = 39;
/// Number of landmarks returned (the 33 body landmarks).
pub const NUM_LANDMARKS: usize = 33;
/// Side of the landmark model's square input.
pub const LANDMARK_INPUT: u32 = 256;
/// Side of the heatmap.
pub const HEATMAP_SIDE: usize = 64;
/// Window used around each landmark when refining it from the heatmap. 9x9 reproduces
/// MediaPipe 0.10.21's output; with 7x7 the median difference from it roughly doubles.
pub const HEATMAP_KERNEL: usize = 9;
/// A landmark is refined only where the heatmap's peak confidence reaches this.
pub const HEATMAP_MIN_CONFIDENCE: f32 = 0.5;

/// MediaPipe's 33 BlazePose landmark names, in output order.
pub const LANDMARK_NAMES: [&str; NUM_LANDMARKS] = [
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

/// Pairs of landmark indices joined when drawing the skeleton (MediaPipe's `POSE_CONNECTIONS`).
pub const SKELETON: [(usize, usize); 35] = [
    (0, 1),
    (1, 2),
    (2, 3),
    (3, 7),
    (0, 4),
    (4, 5),
    (5, 6),
    (6, 8),
    (9, 10),
    (11, 12),
    (11, 13),
    (13, 15),
    (15, 17),
    (15, 19),
    (15, 21),
    (17, 19),
    (12, 14),
    (14, 16),
    (16, 18),
    (16, 20),
    (16, 22),
    (18, 20),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (24, 26),
    (25, 27),
    (26, 28),
    (27, 29),
    (28, 30),
    (29, 31),
    (30, 32),
    (27, 31),
    (28, 32),
];

/// One body landmark.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Landmark {
    /// x, normalised to the upright image's width (0 = left edge, 1 = right edge; may fall
    /// outside for points beyond the frame).
    pub x: f32,
    /// y, normalised to the upright image's height (0 = top).
    pub y: f32,
    /// Depth relative to the hips, in roughly the same scale as `x` (smaller = nearer the
    /// camera). MediaPipe's own caveat applies: it is much less reliable than x and y.
    pub z: f32,
    /// Probability that the landmark is visible (not occluded), in [0, 1].
    pub visibility: f32,
    /// Probability that the landmark is inside the frame, in [0, 1].
    pub presence: f32,
}

/// A landmark in the crop's normalised coordinates, with raw logits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropLandmark {
    /// x in [0, 1] across the crop.
    pub x: f32,
    /// y in [0, 1] down the crop.
    pub y: f32,
    /// z in the crop's x scale.
    pub z: f32,
    /// Visibility logit.
    pub visibility: f32,
    /// Presence logit.
    pub presence: f32,
}

/// Splits the raw `[1, 195]` landmark tensor (x, y, z in crop pixels, then two logits) into
/// crop-normalised landmarks. Returns an empty list if the tensor is short.
pub fn parse_raw(raw: &[f32]) -> Vec<CropLandmark> {
    let s = LANDMARK_INPUT as f32;
    raw.chunks_exact(5)
        .take(NUM_MODEL_LANDMARKS)
        .map(|v| CropLandmark { x: v[0] / s, y: v[1] / s, z: v[2] / s, visibility: v[3], presence: v[4] })
        .collect()
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// MediaPipe's `RefineLandmarksFromHeatmapCalculator`: for each landmark, take a
/// `kernel` x `kernel` window of the (sigmoid) heatmap around it, truncated at the edges; if the
/// window's peak reaches `min_confidence`, move the landmark to the window's confidence-weighted
/// centre of mass (in heatmap cells / side, with no half-cell offset, as MediaPipe does).
/// `heatmap` is HWC, `side` x `side` x `lms.len()`.
pub fn refine_from_heatmap(lms: &mut [CropLandmark], heatmap: &[f32], side: usize, kernel: usize, min_confidence: f32) {
    let channels = lms.len();
    if heatmap.len() != side * side * channels {
        return;
    }
    let offset = (kernel as i64 - 1) / 2;
    let side_i = side as i64;
    for (k, lm) in lms.iter_mut().enumerate() {
        // C++ float → int conversion truncates toward zero, like `as`.
        let col = (lm.x * side as f32) as i64;
        let row = (lm.y * side as f32) as i64;
        if col < 0 || col >= side_i || row < 0 || row >= side_i {
            continue;
        }
        let (mut sum, mut wc, mut wr, mut peak) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in (row - offset).max(0)..(row + offset + 1).min(side_i) {
            for c in (col - offset).max(0)..(col + offset + 1).min(side_i) {
                let conf = sigmoid(heatmap[(r as usize * side + c as usize) * channels + k]);
                sum += conf;
                peak = peak.max(conf);
                wc += c as f32 * conf;
                wr += r as f32 * conf;
            }
        }
        if peak >= min_confidence && sum > 0.0 {
            lm.x = wc / side as f32 / sum;
            lm.y = wr / side as f32 / sum;
        }
    }
}

/// Maps a crop landmark to the image: rotate (x − ½, y − ½) by the ROI's angle, scale by its
/// size, add its centre (all normalised, as MediaPipe's `LandmarkProjectionCalculator`), and
/// turn the logits into probabilities.
pub fn project(lm: &CropLandmark, roi: &Roi) -> Landmark {
    let (x, y) = (lm.x - 0.5, lm.y - 0.5);
    let (sin, cos) = roi.rotation.sin_cos();
    Landmark {
        x: (cos * x - sin * y) * roi.width + roi.cx,
        y: (sin * x + cos * y) * roi.height + roi.cy,
        z: lm.z * roi.width,
        visibility: sigmoid(lm.visibility),
        presence: sigmoid(lm.presence),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lm(x: f32, y: f32) -> CropLandmark {
        CropLandmark { x, y, z: 0.0, visibility: 0.0, presence: 0.0 }
    }

    #[test]
    fn raw_tensor_is_split_and_scaled() {
        let mut raw = vec![0.0; 195];
        raw[0] = 128.0;
        raw[1] = 64.0;
        raw[2] = -25.6;
        raw[3] = 3.0;
        let lms = parse_raw(&raw);
        assert_eq!(lms.len(), NUM_MODEL_LANDMARKS);
        assert_eq!(lms[0], CropLandmark { x: 0.5, y: 0.25, z: -0.1, visibility: 3.0, presence: 0.0 });
        assert!(parse_raw(&raw[..7]).len() == 1);
    }

    #[test]
    fn heatmap_moves_landmark_to_the_peak() {
        let side = 8;
        let mut heat = vec![-20.0f32; side * side];
        // A confident blob centred on cell (col 5, row 2).
        heat[2 * side + 5] = 10.0;
        let mut lms = [lm(4.5 / 8.0, 2.2 / 8.0)];
        refine_from_heatmap(&mut lms, &heat, side, 7, 0.5);
        assert!((lms[0].x - 5.0 / 8.0).abs() < 1e-4, "{:?}", lms[0]);
        assert!((lms[0].y - 2.0 / 8.0).abs() < 1e-4);
    }

    #[test]
    fn heatmap_leaves_weak_or_outside_landmarks_alone() {
        let side = 8;
        let heat = vec![-1.0f32; side * side]; // sigmoid ≈ 0.27 < 0.5 everywhere
        let mut lms = [lm(0.3, 0.3)];
        refine_from_heatmap(&mut lms, &heat, side, 7, 0.5);
        assert_eq!(lms[0], lm(0.3, 0.3));
        let heat = vec![10.0f32; side * side];
        let mut lms = [lm(1.2, 0.3), lm(0.5, -0.5)];
        refine_from_heatmap(&mut lms, &heat, side, 7, 0.5);
        assert_eq!(lms, [lm(1.2, 0.3), lm(0.5, -0.5)]);
        // Wrong heatmap size: no change, no panic.
        refine_from_heatmap(&mut lms, &heat[..10], side, 7, 0.5);
    }

    #[test]
    fn window_is_truncated_at_the_edges() {
        let side = 8;
        let heat = vec![10.0f32; side * side]; // uniform: centre of mass of the window
        let mut lms = [lm(0.0, 0.0)];
        refine_from_heatmap(&mut lms, &heat, side, 7, 0.5);
        // Window covers cells 0..=3 in both directions: mean 1.5.
        assert!((lms[0].x - 1.5 / 8.0).abs() < 1e-5 && (lms[0].y - 1.5 / 8.0).abs() < 1e-5);
    }

    #[test]
    fn projection_rotates_scales_and_shifts() {
        let roi = Roi { cx: 0.5, cy: 0.5, width: 0.2, height: 0.4, rotation: 0.0 };
        let p = project(&lm(1.0, 0.5), &roi);
        assert!((p.x - 0.6).abs() < 1e-6 && (p.y - 0.5).abs() < 1e-6);
        assert!((p.visibility - 0.5).abs() < 1e-6);
        // A quarter turn clockwise: the crop's right edge points down on the image.
        let roi = Roi { rotation: std::f32::consts::FRAC_PI_2, ..roi };
        let p = project(&lm(1.0, 0.5), &roi);
        assert!((p.x - 0.5).abs() < 1e-6 && (p.y - 0.7).abs() < 1e-6, "{p:?}");
    }

    #[test]
    fn names_and_skeleton_are_consistent() {
        assert_eq!(LANDMARK_NAMES[0], "nose");
        assert_eq!(LANDMARK_NAMES[7], "left_ear");
        assert_eq!(LANDMARK_NAMES[24], "right_hip");
        assert!(SKELETON.iter().all(|&(a, b)| a < NUM_LANDMARKS && b < NUM_LANDMARKS));
    }
}
