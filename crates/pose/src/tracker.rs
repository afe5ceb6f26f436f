//! Video: MediaPipe Pose's tracking mode. The person detector runs on the first frame; every
//! later frame runs only the landmark model, on the region that the previous frame's two
//! auxiliary landmarks give (the same rule that turns a detection into a region: centred on
//! the hip-centre point, 2.5 × its distance to the body-size point, rotated upright). When the
//! landmark model's pose presence falls below 0.5 the person is lost, and the detector runs
//! again on that same frame. A tracked frame costs one landmark-model run instead of two
//! models.
//!
//! The region is steadied between frames as MediaPipe steadies it (it filters the auxiliary
//! points before turning them into the next region): without that, on a still person the
//! region follows the points' own jitter and the landmarks shake with it (measured on the
//! astronaut portrait: face and shoulders moving 1–4 % of the image from frame to frame). Here
//! the filter is an exponential average whose weight grows with the motion, measured against
//! the body's size: a shift of a tenth of the body or more is followed at once, a small one
//! by a quarter. MediaPipe's own filter needs timestamps; this one does not. The landmarks
//! themselves are not smoothed: the desk metrics average over time themselves.

use crate::PoseError;
use crate::clock::Stopwatch;
use crate::decode::DecodedImage;
use crate::detector::{self, Roi};
use crate::estimator::{Estimate, MIN_POSE_PRESENCE, PoseEstimator, Timings, split_aux};
use crate::landmarks::Landmark;

/// One frame's outcome.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackedFrame {
    /// The landmarks, as for a photo. On a tracked frame (`detector_ran` false),
    /// `persons_found` is 1 (the person followed) and `detection_score` is `None`.
    pub estimate: Estimate,
    /// Whether the person detector ran on this frame: the first frame, the frame after
    /// [`PoseTracker::reset`], and any frame on which the person was lost.
    pub detector_ran: bool,
}

/// Follows one person through a sequence of frames. Holds the region to look at next.
#[derive(Debug, Clone)]
pub struct PoseTracker {
    estimator: PoseEstimator,
    next: Option<Roi>,
    /// The filtered auxiliary points (normalised x, y) the region came from.
    aux: Option<[(f32, f32); 2]>,
}

/// Motion, as a fraction of the distance between the two auxiliary points, that the filter
/// follows at once.
const FOLLOW_AT: f32 = 0.1;
/// The filter's least weight for a new position (on a still person).
const MIN_WEIGHT: f32 = 0.25;

impl PoseTracker {
    /// A tracker that starts with the detector.
    pub fn new(estimator: PoseEstimator) -> PoseTracker {
        PoseTracker { estimator, next: None, aux: None }
    }

    /// The estimator it runs.
    pub fn estimator(&self) -> &PoseEstimator {
        &self.estimator
    }

    /// Forgets the person: the next frame runs the detector (for a camera that was switched or
    /// a stream that was paused).
    pub fn reset(&mut self) {
        self.next = None;
        self.aux = None;
    }

    /// Whether the next frame will skip the detector.
    pub fn is_tracking(&self) -> bool {
        self.next.is_some()
    }

    /// Finds the person in `frame`: from the previous frame's region when there is one, else
    /// (or when the person was lost) with the detector.
    pub fn track(&mut self, frame: &DecodedImage) -> Result<TrackedFrame, PoseError> {
        let (width, height) = (frame.width(), frame.height());
        if let Some(roi) = self.next.take() {
            let start = Stopwatch::start();
            let mut t = Timings::default();
            let (presence, mut lms) = self.estimator.landmarks_and_aux(frame, &roi, &mut t)?;
            if presence >= MIN_POSE_PRESENCE {
                let aux = split_aux(&mut lms);
                self.follow(aux, width, height);
                t.total = start.elapsed();
                let estimate = Estimate {
                    width,
                    height,
                    persons_found: 1,
                    detection_score: None,
                    pose_presence: Some(presence),
                    landmarks: Some(lms),
                    roi: Some(roi),
                    model: self.estimator.kind(),
                    timings: t,
                };
                return Ok(TrackedFrame { estimate, detector_ran: false });
            }
        }
        let (estimate, aux) = self.estimator.estimate_with_aux(frame)?;
        self.aux = None;
        self.follow(aux, width, height);
        Ok(TrackedFrame { estimate, detector_ran: true })
    }

    /// Filters this frame's auxiliary points into the next frame's region; no points, no
    /// region (the next frame runs the detector).
    fn follow(&mut self, aux: Option<[Landmark; 2]>, width: u32, height: u32) {
        let Some(aux) = aux else {
            self.reset();
            return;
        };
        let now = [(aux[0].x, aux[0].y), (aux[1].x, aux[1].y)];
        let filtered = match self.aux {
            Some(before) => steady(before, now, width, height),
            None => now,
        };
        self.aux = Some(filtered);
        self.next = next_region(&filtered, width, height);
        if self.next.is_none() {
            self.reset();
        }
    }
}

/// The exponential average of the auxiliary points, weighted by how far the centre point moved
/// against the body's size (in pixels, so the frame's shape does not matter).
fn steady(before: [(f32, f32); 2], now: [(f32, f32); 2], width: u32, height: u32) -> [(f32, f32); 2] {
    let (w, h) = (width as f32, height as f32);
    let size = ((now[1].0 - now[0].0) * w).hypot((now[1].1 - now[0].1) * h);
    let moved = ((now[0].0 - before[0].0) * w).hypot((now[0].1 - before[0].1) * h);
    let weight = if size > 0.0 { (moved / size / FOLLOW_AT).clamp(MIN_WEIGHT, 1.0) } else { 1.0 };
    let mix = |a: (f32, f32), b: (f32, f32)| (a.0 + weight * (b.0 - a.0), a.1 + weight * (b.1 - a.1));
    [mix(before[0], now[0]), mix(before[1], now[1])]
}

/// The region for the next frame from this frame's auxiliary points; `None` when they are not
/// finite or coincide (nothing to follow).
fn next_region(aux: &[(f32, f32); 2], width: u32, height: u32) -> Option<Roi> {
    let roi = detector::roi_from_keypoints(aux[0], aux[1], width, height);
    let finite = [roi.cx, roi.cy, roi.width, roi.height, roi.rotation].iter().all(|v| v.is_finite());
    (finite && roi.width > 1e-3 && roi.height > 1e-3).then_some(roi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f32, y: f32) -> (f32, f32) {
        (x, y)
    }

    #[test]
    fn a_small_shift_is_followed_by_a_quarter_and_a_large_one_at_once() {
        let before = [(0.5, 0.6), (0.5, 0.4)];
        // The body is 0.2 × 480 = 96 px; 2 px is 2 % of it: followed by the least weight.
        let small = steady(before, [(0.5 + 2.0 / 640.0, 0.6), (0.5 + 2.0 / 640.0, 0.4)], 640, 480);
        assert!((small[0].0 - (0.5 + 0.25 * 2.0 / 640.0)).abs() < 1e-6, "{small:?}");
        // 20 px is a fifth of the body: followed at once.
        let large = steady(before, [(0.5 + 20.0 / 640.0, 0.6), (0.5 + 20.0 / 640.0, 0.4)], 640, 480);
        assert!((large[0].0 - (0.5 + 20.0 / 640.0)).abs() < 1e-6, "{large:?}");
    }

    #[test]
    fn the_next_region_is_centred_on_the_hip_point_and_sized_by_the_body_point() {
        let roi = next_region(&[point(0.5, 0.6), point(0.5, 0.4)], 640, 480).unwrap();
        assert!((roi.cx - 0.5).abs() < 1e-6 && (roi.cy - 0.6).abs() < 1e-6, "{roi:?}");
        // 0.2 of 480 px = 96 px, × 2.5 = 240 px: 240/640 wide and 240/480 high.
        assert!((roi.width - 0.375).abs() < 1e-5 && (roi.height - 0.5).abs() < 1e-5, "{roi:?}");
        assert!(roi.rotation.abs() < 1e-6, "upright body, no rotation: {roi:?}");
    }

    #[test]
    fn coinciding_or_broken_points_give_nothing_to_follow() {
        assert_eq!(next_region(&[point(0.5, 0.5), point(0.5, 0.5)], 640, 480), None);
        assert_eq!(next_region(&[point(f32::NAN, 0.5), point(0.5, 0.2)], 640, 480), None);
    }
}
