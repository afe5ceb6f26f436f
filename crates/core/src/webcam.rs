//! Posture at the desk from a frontal laptop webcam: the per-frame geometry, the quality gates
//! that decide whether a frame can be read at all, the client's calibrated baseline and the
//! drift from it. Pure, so the same code runs natively and in the browser's WebAssembly build.
//!
//! Every value is a proxy (a frontal camera sees no tragus, C7 or acromion, and no side view),
//! defined in `knowledge/webcam.toml` with its source or `convention` tag and its real-change
//! threshold, which is the frame-to-frame noise measured on real still frames, not a clinical
//! cut-off. Drift is always against the person's own baseline, never against a norm.
//!
//! Conventions: pixels, x to the right, y downward, in the frame as the camera delivers it
//! (mirrored or not: the left–right metrics take the horizontal distance's magnitude). "Left"
//! and "right" are the person's, as the pose model labels them. Lengths are in shoulder widths
//! (the distance between the two shoulder landmarks), so that they do not depend on how far
//! the person sits from the camera.

use crate::knowledge::{WebcamGates, WebcamMetricId};
use crate::landmarks::{LANDMARK_COUNT, LANDMARK_NAMES, Landmark, idx};

/// One analysed camera frame: its size, the landmarks of the person found (if any) and its mean
/// brightness.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// MediaPipe's 33 landmarks, normalised to the frame; `None` when no person was found.
    pub landmarks: Option<&'a [Landmark]>,
    /// Mean luma of the frame, 0–255 (BT.601 weights), when the caller measured it.
    pub brightness: Option<f64>,
}

/// Why a frame cannot be read. A frame that fails a gate still tells whether someone is there.
/// It serialises as the desk page's quality document: `{"status": "too_dark", …}`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Unreadable {
    /// No person in the frame: the person has left (a break) or the camera sees no one.
    NoPerson,
    /// The landmarks are not 33, or not finite.
    BadLandmarks,
    /// The frame is too dark for the model to be trusted.
    TooDark {
        /// Mean luma, 0–255.
        brightness: f64,
        /// The gate.
        minimum: f64,
    },
    /// A landmark the metrics need lies outside the frame.
    OutOfFrame {
        /// MediaPipe's landmark name.
        landmark: &'static str,
    },
    /// A landmark the metrics need is not visible enough (covered, or turned away).
    LowVisibility {
        /// MediaPipe's landmark name.
        landmark: &'static str,
        /// Its visibility.
        visibility: f64,
        /// The gate.
        minimum: f64,
    },
    /// The head is turned to one side: the nose is off the middle of the eyes by more than
    /// the gate, as a fraction of the distance between the outer eye corners.
    TurnedAway {
        /// The offset, signed (positive toward the person's left).
        yaw: f64,
        /// The gate.
        limit: f64,
    },
    /// The shoulders are too close together in the frame: the person sits too far away, or
    /// sideways to the camera.
    TooFar {
        /// Shoulder width as a fraction of the frame's width.
        shoulder_width: f64,
        /// The gate.
        minimum: f64,
    },
}

/// The raw geometry of one readable frame. Lengths in shoulder widths, angles in degrees.
/// It serialises as the desk page's geometry document, under these field names.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Geometry {
    /// The height of the eyes' midpoint in the frame, from the top, in shoulder widths.
    pub eye_level: f64,
    /// The distance between the outer eye corners, in shoulder widths: it grows as the head
    /// comes forward toward the camera while the shoulders stay back.
    pub face_width: f64,
    /// How far the person's left ear is above their left shoulder, in shoulder widths; `None`
    /// when the ear is not visible enough.
    pub ear_shoulder_left: Option<f64>,
    /// The same on the right.
    pub ear_shoulder_right: Option<f64>,
    /// Coronal head tilt from the outer eye corners' line; positive when the head tilts to the
    /// person's right (the right eye lower).
    pub head_tilt: f64,
    /// The shoulder line against the horizontal; positive when the right shoulder is lower.
    pub shoulder_tilt: f64,
    /// Shoulder width in pixels, the scale of the lengths above.
    pub shoulder_width_px: f64,
}

/// What one frame shows: whether someone is there, and the geometry when the frame is readable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Someone is in front of the camera (the pose model found a person), whether or not the
    /// frame passes the gates. Continuous presence is sitting; absence is a break.
    pub present: bool,
    /// The geometry, or why the frame cannot be read.
    pub geometry: Result<Geometry, Unreadable>,
}

/// The landmarks every metric needs: the nose, the outer eye corners and the shoulders.
const NEEDED: [usize; 5] = [idx::NOSE, idx::LEFT_EYE_OUTER, idx::RIGHT_EYE_OUTER, idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER];

/// Reads one frame through the quality gates.
pub fn read(frame: &Frame<'_>, gates: &WebcamGates) -> Reading {
    let Some(points) = frame.landmarks else { return Reading { present: false, geometry: Err(Unreadable::NoPerson) } };
    Reading { present: true, geometry: geometry(frame, points, gates) }
}

fn geometry(frame: &Frame<'_>, points: &[Landmark], gates: &WebcamGates) -> Result<Geometry, Unreadable> {
    if points.len() != LANDMARK_COUNT
        || points.iter().any(|p| !(p.x.is_finite() && p.y.is_finite()))
        || frame.width == 0
        || frame.height == 0
    {
        return Err(Unreadable::BadLandmarks);
    }
    if let Some(b) = frame.brightness
        && b < gates.min_brightness
    {
        return Err(Unreadable::TooDark { brightness: b, minimum: gates.min_brightness });
    }
    for i in NEEDED {
        let p = points[i];
        if !(0.0..=1.0).contains(&p.x) || !(0.0..=1.0).contains(&p.y) {
            return Err(Unreadable::OutOfFrame { landmark: LANDMARK_NAMES[i] });
        }
    }
    for i in NEEDED {
        if points[i].visibility < gates.min_visibility {
            return Err(Unreadable::LowVisibility {
                landmark: LANDMARK_NAMES[i],
                visibility: points[i].visibility,
                minimum: gates.min_visibility,
            });
        }
    }
    let (w, h) = (f64::from(frame.width), f64::from(frame.height));
    let px = |i: usize| (points[i].x * w, points[i].y * h);
    let (ls, rs) = (px(idx::LEFT_SHOULDER), px(idx::RIGHT_SHOULDER));
    let (le, re) = (px(idx::LEFT_EYE_OUTER), px(idx::RIGHT_EYE_OUTER));
    let nose = px(idx::NOSE);
    let shoulder_width_px = (ls.0 - rs.0).hypot(ls.1 - rs.1);
    if shoulder_width_px / w < gates.min_shoulder_width {
        return Err(Unreadable::TooFar { shoulder_width: shoulder_width_px / w, minimum: gates.min_shoulder_width });
    }
    let eye_span = (le.0 - re.0).hypot(le.1 - re.1);
    let eye_mid = ((le.0 + re.0) / 2.0, (le.1 + re.1) / 2.0);
    // Positive toward the person's left: their left eye is at larger x in an unmirrored frame,
    // so the sign follows the eyes' own direction, which also holds for a mirrored one.
    let across = if le.0 >= re.0 { 1.0 } else { -1.0 };
    let yaw = if eye_span > 0.0 { across * (nose.0 - eye_mid.0) / eye_span } else { 0.0 };
    if yaw.abs() > gates.max_yaw {
        return Err(Unreadable::TurnedAway { yaw, limit: gates.max_yaw });
    }
    let ear = |ear: usize, shoulder: (f64, f64)| {
        (points[ear].visibility >= gates.min_visibility && (0.0..=1.0).contains(&points[ear].y))
            .then(|| (shoulder.1 - points[ear].y * h) / shoulder_width_px)
    };
    Ok(Geometry {
        eye_level: eye_mid.1 / shoulder_width_px,
        face_width: eye_span / shoulder_width_px,
        ear_shoulder_left: ear(idx::LEFT_EAR, ls),
        ear_shoulder_right: ear(idx::RIGHT_EAR, rs),
        head_tilt: (re.1 - le.1).atan2((le.0 - re.0).abs()).to_degrees(),
        shoulder_tilt: (rs.1 - ls.1).atan2((ls.0 - rs.0).abs()).to_degrees(),
        shoulder_width_px,
    })
}

/// The client's own good sitting posture: the median of each value over the calibration
/// frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// Eye level in the frame, in pixels (not shoulder widths: a head that drops while the
    /// shoulders stay is measured against where the eyes were).
    pub eye_level_px: f64,
    /// Shoulder width in pixels at calibration.
    pub shoulder_width_px: f64,
    /// Face width, shoulder widths.
    pub face_width: f64,
    /// Left ear above left shoulder, shoulder widths; `None` if the ear was not seen.
    pub ear_shoulder_left: Option<f64>,
    /// The same on the right.
    pub ear_shoulder_right: Option<f64>,
    /// Head tilt, degrees.
    pub head_tilt: f64,
    /// Shoulder tilt, degrees.
    pub shoulder_tilt: f64,
    /// How many frames it was made from.
    pub frames: usize,
}

/// Why no baseline could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CalibrationError {
    /// Too few readable frames.
    #[error("calibration needs at least {needed} readable frames, got {got}: sit facing the camera, head and shoulders in view")]
    TooFewFrames {
        /// Readable frames given.
        got: usize,
        /// The least that makes a baseline.
        needed: usize,
    },
}

/// The fewest readable frames a baseline is made from.
pub const MIN_CALIBRATION_FRAMES: usize = 5;

/// Makes the baseline from the readable frames of a calibration ("sit as you normally sit
/// well"), each value the median over the frames, so a blink or a glance aside does not move it.
pub fn calibrate(frames: &[Geometry]) -> Result<Baseline, CalibrationError> {
    if frames.len() < MIN_CALIBRATION_FRAMES {
        return Err(CalibrationError::TooFewFrames { got: frames.len(), needed: MIN_CALIBRATION_FRAMES });
    }
    let m = |f: &dyn Fn(&Geometry) -> f64| median(frames.iter().map(f).collect());
    let side = |f: &dyn Fn(&Geometry) -> Option<f64>| {
        let seen: Vec<f64> = frames.iter().filter_map(f).collect();
        (seen.len() * 2 >= frames.len()).then(|| median(seen))
    };
    Ok(Baseline {
        eye_level_px: m(&|g| g.eye_level * g.shoulder_width_px),
        shoulder_width_px: m(&|g| g.shoulder_width_px),
        face_width: m(&|g| g.face_width),
        ear_shoulder_left: side(&|g| g.ear_shoulder_left),
        ear_shoulder_right: side(&|g| g.ear_shoulder_right),
        head_tilt: m(&|g| g.head_tilt),
        shoulder_tilt: m(&|g| g.shoulder_tilt),
        frames: frames.len(),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One webcam metric's value for a frame: the drift from the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drift {
    /// Which metric.
    pub metric: WebcamMetricId,
    /// The drift, in the metric's unit (see `knowledge/webcam.toml`); `None` when this frame
    /// or the baseline lacks what it needs (an ear not seen).
    pub value: Option<f64>,
}

/// Every metric's drift from the baseline for one readable frame, in [`WebcamMetricId::ALL`]
/// order.
pub fn drift(g: &Geometry, b: &Baseline) -> [Drift; 5] {
    let elevation = |now: Option<f64>, then: Option<f64>| Some(then? - now?);
    let sides = [elevation(g.ear_shoulder_left, b.ear_shoulder_left), elevation(g.ear_shoulder_right, b.ear_shoulder_right)];
    let seen: Vec<f64> = sides.iter().flatten().copied().collect();
    let shoulder_elevation = (!seen.is_empty()).then(|| seen.iter().sum::<f64>() / seen.len() as f64);
    WebcamMetricId::ALL.map(|metric| Drift {
        metric,
        value: match metric {
            WebcamMetricId::HeadDrop => Some((g.eye_level * g.shoulder_width_px - b.eye_level_px) / b.shoulder_width_px),
            WebcamMetricId::ScreenCloseness => Some(g.face_width / b.face_width - 1.0),
            WebcamMetricId::ShoulderElevation => shoulder_elevation,
            WebcamMetricId::HeadTilt => Some(g.head_tilt - b.head_tilt),
            WebcamMetricId::ShoulderAsymmetry => Some(g.shoulder_tilt - b.shoulder_tilt),
        },
    })
}

/// Every metric's value on a frame as if the baseline were the first frame of a still
/// sequence: what [`noise`] measures the spread of.
fn values(g: &Geometry, first: &Geometry) -> [Option<f64>; 5] {
    let b = Baseline {
        eye_level_px: first.eye_level * first.shoulder_width_px,
        shoulder_width_px: first.shoulder_width_px,
        face_width: first.face_width,
        ear_shoulder_left: first.ear_shoulder_left,
        ear_shoulder_right: first.ear_shoulder_right,
        head_tilt: first.head_tilt,
        shoulder_tilt: first.shoulder_tilt,
        frames: 1,
    };
    drift(g, &b).map(|d| d.value)
}

/// One metric's noise over still sequences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Which metric.
    pub metric: WebcamMetricId,
    /// Frames that gave a value, over all sequences.
    pub frames: usize,
    /// The pooled within-sequence standard deviation.
    pub sd: f64,
    /// The smallest change that is more than noise, as the MDC95 is formed from a standard
    /// error: 1.96 × √2 × SD.
    pub real_change: f64,
}

/// The frame-to-frame noise of every metric over sequences in each of which the person holds
/// one posture: each sequence's variance about its own mean, pooled over the sequences
/// (weighted by their degrees of freedom), and the real-change threshold it implies. A
/// sequence contributes to a metric only with at least two values; metrics with fewer than
/// three values in all are left out.
pub fn noise(sequences: &[&[Geometry]]) -> Vec<Noise> {
    WebcamMetricId::ALL
        .iter()
        .enumerate()
        .filter_map(|(k, &metric)| {
            let (mut squares, mut dof, mut frames) = (0.0, 0usize, 0usize);
            for seq in sequences {
                let Some(first) = seq.first() else { continue };
                let v: Vec<f64> = seq.iter().filter_map(|g| values(g, first)[k]).collect();
                if v.len() < 2 {
                    continue;
                }
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                squares += v.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
                dof += v.len() - 1;
                frames += v.len();
            }
            if frames < 3 {
                return None;
            }
            let sd = (squares / dof as f64).sqrt();
            Some(Noise { metric, frames, sd, real_change: 1.96 * std::f64::consts::SQRT_2 * sd })
        })
        .collect()
}

#[cfg(test)]
mod tests;
