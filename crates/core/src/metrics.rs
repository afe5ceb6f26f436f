//! Posture metrics from one landmark set, each with the quality gates that decide whether it can
//! be measured at all. A metric that cannot be measured is a [`MetricValue::NotMeasurable`] with
//! the reason, never an error.
//!
//! Conventions follow the brief (§2.2): pixels, x to the right, y downward; `fwd(a, b)` is the
//! horizontal distance from b to a in the direction the person faces; `up(a, b) = y_b − y_a`.
//! MediaPipe has no tragus, C7 or acromion, so the side-view angles are proxies (§2.3); the
//! knowledge base's measures say so, and the report shows it.

use crate::knowledge::{KnowledgeBase, MeasureView};
use crate::landmarks::{Pose, View, idx};

/// Thresholds of the quality gates. These are engineering choices, not clinical ones; they are
/// documented in ARCHITECTURE.md.
#[derive(Debug, Clone, Copy)]
pub struct Gates {
    /// Landmarks below this visibility are not measured from.
    pub min_visibility: f64,
    /// In a side view, the two shoulders may be at most this far apart horizontally, as a
    /// fraction of torso length, before the body counts as rotated.
    pub max_side_shoulder_spread: f64,
    /// In a front view, the shoulders must be at least this far apart, as a fraction of torso
    /// length, or the body counts as turned sideways.
    pub min_front_shoulder_spread: f64,
}

impl Gates {
    /// The gates Tonus uses.
    pub const STANDARD: Gates = Gates { min_visibility: 0.5, max_side_shoulder_spread: 0.35, min_front_shoulder_spread: 0.45 };
}

/// A metric's value or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// Measured.
    Measured {
        /// The value in the measure's unit.
        value: f64,
        /// A detail such as which side is higher.
        detail: Option<String>,
    },
    /// Not measurable from this photo.
    NotMeasurable {
        /// Why, in words a therapist can act on.
        reason: String,
    },
}

impl MetricValue {
    /// The value, if measured.
    pub fn value(&self) -> Option<f64> {
        match self {
            MetricValue::Measured { value, .. } => Some(*value),
            MetricValue::NotMeasurable { .. } => None,
        }
    }
}

/// One metric from one landmark set.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Measure id in the knowledge base.
    pub measure: String,
    /// The value or the reason there is none.
    pub value: MetricValue,
}

/// The metrics of one landmark set, with the view used and how it was determined.
#[derive(Debug, Clone, PartialEq)]
pub struct PoseMetrics {
    /// The view the metrics were computed for.
    pub view: View,
    /// Whether the view was detected from the landmarks rather than given.
    pub view_detected: bool,
    /// Problems that apply to the whole photo (rotated body, wrong view).
    pub warnings: Vec<String>,
    /// Every photo metric in the knowledge base, measured or not.
    pub metrics: Vec<Metric>,
}

/// Detects the view from the landmarks: a front view has the shoulders far apart relative to
/// the torso; in a side view the nose is ahead of the ears in the facing direction.
pub fn detect_view(pose: &Pose) -> View {
    let (ls, rs) = (pose.px(idx::LEFT_SHOULDER), pose.px(idx::RIGHT_SHOULDER));
    let torso = torso_length(pose).max(1e-9);
    let spread = (ls.0 - rs.0).abs() / torso;
    if spread >= 0.5 {
        return View::Front;
    }
    let nose = pose.px(idx::NOSE).0;
    let ears = (pose.px(idx::LEFT_EAR).0 + pose.px(idx::RIGHT_EAR).0) / 2.0;
    if nose < ears { View::SideLeft } else { View::SideRight }
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn mid(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

/// Shoulder-midpoint to hip-midpoint distance, pixels.
fn torso_length(pose: &Pose) -> f64 {
    let s = mid(pose.px(idx::LEFT_SHOULDER), pose.px(idx::RIGHT_SHOULDER));
    let h = mid(pose.px(idx::LEFT_HIP), pose.px(idx::RIGHT_HIP));
    dist(s, h)
}

/// Checks that each landmark is visible and inside the image; returns the first failure.
fn usable(pose: &Pose, gates: &Gates, points: &[(usize, &str)]) -> Result<(), String> {
    for &(i, name) in points {
        let p = pose.point(i);
        if p.visibility < gates.min_visibility {
            return Err(format!("the {name} is not visible enough (visibility {:.2} < {:.2})", p.visibility, gates.min_visibility));
        }
        if !(0.0..=1.0).contains(&p.x) || !(0.0..=1.0).contains(&p.y) {
            return Err(format!("the {name} lies outside the image"));
        }
    }
    Ok(())
}

fn deg(rad: f64) -> f64 {
    rad.to_degrees()
}

/// Computes every photo metric of the knowledge base from one landmark set.
pub fn compute(pose: &Pose, kb: &KnowledgeBase, gates: &Gates) -> PoseMetrics {
    let detected = detect_view(pose);
    let view = pose.given_view().unwrap_or(detected);
    let mut warnings = Vec::new();
    if let Some(given) = pose.given_view() {
        if given.is_side() != detected.is_side() {
            warnings.push(format!(
                "the photo is labelled {given} but the landmarks look like a {} view; check the view",
                if detected.is_side() { "side" } else { "front" }
            ));
        } else if given.is_side() && given != detected {
            warnings.push(format!("the photo is labelled {given} but the person seems to face the other way ({detected})"));
        }
    }
    let torso = torso_length(pose);
    let diag = f64::from(pose.width()).hypot(f64::from(pose.height()));
    let spread = (pose.px(idx::LEFT_SHOULDER).0 - pose.px(idx::RIGHT_SHOULDER).0).abs() / torso.max(1e-9);
    let whole_photo: Option<String> = if torso < 0.02 * diag {
        Some("the torso is too small in the photo to measure (shoulders and hips almost coincide)".into())
    } else if view.is_side() && spread > gates.max_side_shoulder_spread {
        Some(format!(
            "the body is rotated toward the camera (shoulders {:.0}% of torso length apart, at most {:.0}% in a side view); turn the person side-on",
            spread * 100.0,
            gates.max_side_shoulder_spread * 100.0
        ))
    } else if view == View::Front && spread < gates.min_front_shoulder_spread {
        Some(format!("the body is turned sideways (shoulders only {:.0}% of torso length apart); face the camera squarely", spread * 100.0))
    } else {
        None
    };
    if let Some(w) = &whole_photo {
        warnings.push(w.clone());
    }

    let metrics = kb
        .measures()
        .iter()
        .filter(|m| m.view.is_some())
        .map(|m| {
            let needs = m.view.expect("filtered on view");
            let value = match (needs, view.is_side()) {
                (MeasureView::Side, false) => MetricValue::NotMeasurable { reason: "needs a side view; this photo is a front view".into() },
                (MeasureView::Front, true) => MetricValue::NotMeasurable { reason: "needs a front view; this photo is a side view".into() },
                _ => match &whole_photo {
                    Some(reason) => MetricValue::NotMeasurable { reason: reason.clone() },
                    None => measure(&m.id, pose, view, gates),
                },
            };
            Metric { measure: m.id.clone(), value }
        })
        .collect();
    PoseMetrics { view, view_detected: pose.given_view().is_none(), warnings, metrics }
}

/// One metric; unknown ids (a user-added measure with no formula) are not measurable.
fn measure(id: &str, pose: &Pose, view: View, gates: &Gates) -> MetricValue {
    let result = match id {
        "ear_shoulder_angle" | "sagittal_head_tilt" | "forward_head_distance" | "shoulder_protraction" | "trunk_inclination" => {
            side_metric(id, pose, view, gates).map(|v| (v, None))
        }
        "coronal_head_tilt" => level_metric(pose, gates, (idx::LEFT_EAR, "left ear"), (idx::RIGHT_EAR, "right ear"), "ear"),
        "shoulder_height_asymmetry" => {
            level_metric(pose, gates, (idx::LEFT_SHOULDER, "left shoulder"), (idx::RIGHT_SHOULDER, "right shoulder"), "shoulder")
        }
        _ => Err("Tonus has no formula for this measure from landmarks".to_string()),
    };
    match result {
        Ok((value, detail)) => MetricValue::Measured { value, detail },
        Err(reason) => MetricValue::NotMeasurable { reason },
    }
}

/// Side-view metrics, computed on the side nearer the camera.
fn side_metric(id: &str, pose: &Pose, view: View, gates: &Gates) -> Result<f64, String> {
    let (ear, eye, shoulder, hip, side) = match view {
        View::SideLeft => (idx::LEFT_EAR, idx::LEFT_EYE_OUTER, idx::LEFT_SHOULDER, idx::LEFT_HIP, "left"),
        _ => (idx::RIGHT_EAR, idx::RIGHT_EYE_OUTER, idx::RIGHT_SHOULDER, idx::RIGHT_HIP, "right"),
    };
    // The person faces the image's left in a left lateral view.
    let facing = if view == View::SideLeft { -1.0 } else { 1.0 };
    let fwd = |a: (f64, f64), b: (f64, f64)| facing * (a.0 - b.0);
    let up = |a: (f64, f64), b: (f64, f64)| b.1 - a.1;
    let name = |part: &str| format!("{side} {part}");
    let (e, s, h) = (pose.px(ear), pose.px(shoulder), pose.px(hip));
    match id {
        "ear_shoulder_angle" => {
            usable(pose, gates, &[(ear, &name("ear")), (shoulder, &name("shoulder"))])?;
            Ok(deg(up(e, s).atan2(fwd(e, s))))
        }
        "sagittal_head_tilt" => {
            usable(pose, gates, &[(ear, &name("ear")), (eye, &name("outer eye corner"))])?;
            let c = pose.px(eye);
            Ok(deg(up(c, e).atan2(fwd(c, e))))
        }
        "forward_head_distance" => {
            usable(pose, gates, &[(ear, &name("ear")), (shoulder, &name("shoulder")), (hip, &name("hip"))])?;
            Ok(fwd(e, s) / dist(s, h).max(1e-9))
        }
        "shoulder_protraction" => {
            usable(pose, gates, &[(ear, &name("ear")), (shoulder, &name("shoulder")), (hip, &name("hip"))])?;
            if (e.1 - h.1).abs() < 1e-9 {
                return Err("the ear and hip are level, so the hip–ear line is undefined".into());
            }
            let line_x = h.0 + (e.0 - h.0) * (s.1 - h.1) / (e.1 - h.1);
            Ok(facing * (s.0 - line_x) / dist(s, h).max(1e-9))
        }
        "trunk_inclination" => {
            usable(pose, gates, &[(shoulder, &name("shoulder")), (hip, &name("hip"))])?;
            Ok(deg(fwd(s, h).atan2(up(s, h))))
        }
        _ => Err("Tonus has no formula for this measure from landmarks".into()),
    }
}

/// Front-view tilt of the line between a left and a right landmark, in degrees (absolute), with
/// which side is higher as the detail.
fn level_metric(
    pose: &Pose,
    gates: &Gates,
    left: (usize, &str),
    right: (usize, &str),
    part: &str,
) -> Result<(f64, Option<String>), String> {
    usable(pose, gates, &[left, right])?;
    let (l, r) = (pose.px(left.0), pose.px(right.0));
    // In a front view the person's right is on the image's left; the angle of the line from the
    // right point to the left point against the horizontal, positive when the right side is lower.
    let dx = (l.0 - r.0).abs();
    let angle = deg((r.1 - l.1).atan2(dx));
    let detail = if angle.abs() < 0.05 {
        format!("{part}s level")
    } else if angle > 0.0 {
        format!("left {part} higher")
    } else {
        format!("right {part} higher")
    };
    Ok((angle.abs(), Some(detail)))
}
