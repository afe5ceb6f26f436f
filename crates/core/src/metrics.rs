//! Posture metrics from one landmark set, each with the quality gates that decide whether it can
//! be measured at all. A metric that cannot be measured is a [`MetricValue::NotMeasurable`] with
//! its cause, never an error.
//!
//! Conventions follow the brief (§2.2): pixels, x to the right, y downward; `fwd(a, b)` is the
//! horizontal distance from b to a in the direction the person faces; `up(a, b) = y_b − y_a`.
//! MediaPipe has no tragus, C7 or acromion, so the side-view angles are proxies (§2.3); the
//! knowledge base's measures say so, and say in words what each sign means.

use crate::knowledge::{KnowledgeBase, MeasureView};
use crate::landmarks::{LANDMARK_NAMES, Pose, View, idx};
use crate::vocab::Side;

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
    /// In a side view, a trunk leaning forward more than this many degrees makes the head and
    /// shoulder angles (measured against the image's horizontal) unreadable.
    pub max_lean_forward_deg: f64,
    /// The same for leaning back: the head angles then read far too high.
    pub max_lean_back_deg: f64,
}

impl Gates {
    /// The gates Tonus uses.
    pub const STANDARD: Gates = Gates {
        min_visibility: 0.5,
        max_side_shoulder_spread: 0.35,
        min_front_shoulder_spread: 0.45,
        max_lean_forward_deg: 30.0,
        max_lean_back_deg: 15.0,
    };
}

/// Why a metric could not be measured on a photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NotMeasurable {
    /// The metric needs the other view.
    WrongView {
        /// The view it needs.
        needs: MeasureView,
    },
    /// A landmark it needs is not visible enough.
    LowVisibility {
        /// MediaPipe's landmark name.
        landmark: &'static str,
        /// Its visibility.
        visibility: f64,
        /// The gate.
        minimum: f64,
    },
    /// A landmark it needs lies outside the image.
    OutsideImage {
        /// MediaPipe's landmark name.
        landmark: &'static str,
    },
    /// A side photo labelled one side whose person clearly faces the other way: measuring it
    /// as labelled would turn forward into backward, so the label must be checked first.
    FacesOtherWay {
        /// The view it was labelled.
        given: View,
        /// The view the face shows.
        detected: View,
    },
    /// A side photo without a label whose face does not show which way the person faces (the
    /// nose or both ears hidden, or level with each other).
    FacingUnclear,
    /// The torso is too small in the photo (shoulders and hips almost coincide).
    TorsoTooSmall,
    /// A side view with the body turned toward the camera.
    Rotated {
        /// Shoulder spread, fraction of torso length.
        spread: f64,
        /// The most a side view allows.
        limit: f64,
    },
    /// A front view with the body turned sideways.
    TurnedSideways {
        /// Shoulder spread, fraction of torso length.
        spread: f64,
        /// The least a front view needs.
        limit: f64,
    },
    /// The trunk leans too far for the head and shoulder angles to mean anything.
    Leaning {
        /// Trunk inclination, degrees: positive forward, negative back.
        degrees: f64,
        /// The gate that was passed.
        limit: f64,
    },
    /// The geometry leaves it undefined (the ear and hip level, say).
    Undefined,
    /// Tonus has no formula for this measure (a knowledge-base addition).
    NoFormula,
}

impl NotMeasurable {
    /// Whether the cause is only that the metric belongs to the other view.
    pub fn is_wrong_view(&self) -> bool {
        matches!(self, NotMeasurable::WrongView { .. })
    }
}

/// Which way a front-view asymmetry goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "side", rename_all = "snake_case")]
pub enum Asymmetry {
    /// Level (under 0.05°).
    Level,
    /// This side is higher (shoulders).
    Higher(Side),
    /// The head tilts toward this side (its ear is lower).
    TiltedTo(Side),
}

/// A metric's value or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// Measured.
    Measured {
        /// The value in the measure's unit.
        value: f64,
        /// For front-view asymmetries: which side.
        asymmetry: Option<Asymmetry>,
    },
    /// Not measurable from this photo.
    NotMeasurable(NotMeasurable),
}

impl MetricValue {
    /// The value, if measured.
    pub fn value(&self) -> Option<f64> {
        match self {
            MetricValue::Measured { value, .. } => Some(*value),
            MetricValue::NotMeasurable(_) => None,
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

/// A problem with a whole photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PhotoWarning {
    /// The photo was labelled one kind of view but the landmarks look like the other.
    ViewMismatch {
        /// The view it was labelled.
        given: View,
        /// What the landmarks look like.
        looks_like: View,
    },
    /// A side photo whose person seems to face the other way.
    FacesOtherWay {
        /// The view it was labelled.
        given: View,
        /// The view detected.
        detected: View,
    },
    /// Nothing on the photo can be measured.
    Unusable(NotMeasurable),
    /// The head and shoulder angles were not measured: the trunk leans too far.
    Leaning(NotMeasurable),
}

/// The metrics of one landmark set, with the view used and how it was determined.
#[derive(Debug, Clone, PartialEq)]
pub struct PoseMetrics {
    /// The view the metrics were computed for.
    pub view: View,
    /// Whether the view was detected from the landmarks rather than given.
    pub view_detected: bool,
    /// Problems that apply to the whole photo.
    pub warnings: Vec<PhotoWarning>,
    /// Every photo metric in the knowledge base, measured or not.
    pub metrics: Vec<Metric>,
}

/// Side-view metrics measured against the image's horizontal or vertical, which a leaning trunk
/// makes unreadable.
const GRAVITY_REFERENCED: &[&str] =
    &["ear_shoulder_angle", "sagittal_head_tilt", "forward_head_distance", "shoulder_protraction", "trunk_inclination"];

/// The least horizontal gap between the nose and the visible ears, as a fraction of the
/// torso's length, that shows which way a side view faces. The nose stands some 10 cm ahead of
/// the ear in profile, about a fifth of the torso; under a twentieth the face is turned to the
/// camera or the landmarks are guesses. A plausibility gate of Tonus's own (convention), like
/// the other view gates.
const MIN_FACING_GAP: f64 = 0.05;

/// Which way a side view's person faces: the nose ahead of the visible ears. `None` when the
/// nose or both ears are hidden, or the gap is too small to tell.
fn facing(pose: &Pose, gates: &Gates) -> Option<View> {
    let seen = |i: usize| {
        let p = pose.point(i);
        p.visibility >= gates.min_visibility && (0.0..=1.0).contains(&p.x) && (0.0..=1.0).contains(&p.y)
    };
    if !seen(idx::NOSE) {
        return None;
    }
    let ears: Vec<f64> = [idx::LEFT_EAR, idx::RIGHT_EAR].into_iter().filter(|&i| seen(i)).map(|i| pose.px(i).0).collect();
    if ears.is_empty() {
        return None;
    }
    let gap = (pose.px(idx::NOSE).0 - ears.iter().sum::<f64>() / ears.len() as f64) / torso_length(pose).max(1e-9);
    if gap.abs() < MIN_FACING_GAP {
        None
    } else if gap < 0.0 {
        Some(View::SideLeft)
    } else {
        Some(View::SideRight)
    }
}

/// The view the landmarks show: a front view has the shoulders far apart relative to the torso;
/// in a side view the nose is ahead of the ears in the facing direction. `None` for a side view
/// whose facing the face does not show.
pub fn detect_view(pose: &Pose, gates: &Gates) -> Option<View> {
    let (ls, rs) = (pose.px(idx::LEFT_SHOULDER), pose.px(idx::RIGHT_SHOULDER));
    let torso = torso_length(pose).max(1e-9);
    let spread = (ls.0 - rs.0).abs() / torso;
    if spread >= 0.5 {
        return Some(View::Front);
    }
    facing(pose, gates)
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
fn usable(pose: &Pose, gates: &Gates, points: &[usize]) -> Result<(), NotMeasurable> {
    for &i in points {
        let p = pose.point(i);
        let landmark = LANDMARK_NAMES[i];
        if p.visibility < gates.min_visibility {
            return Err(NotMeasurable::LowVisibility { landmark, visibility: p.visibility, minimum: gates.min_visibility });
        }
        if !(0.0..=1.0).contains(&p.x) || !(0.0..=1.0).contains(&p.y) {
            return Err(NotMeasurable::OutsideImage { landmark });
        }
    }
    Ok(())
}

fn deg(rad: f64) -> f64 {
    rad.to_degrees()
}

/// What makes the whole photo unusable, if anything.
fn whole_photo(pose: &Pose, view: View, gates: &Gates) -> Option<NotMeasurable> {
    let torso = torso_length(pose);
    let diag = f64::from(pose.width()).hypot(f64::from(pose.height()));
    let spread = (pose.px(idx::LEFT_SHOULDER).0 - pose.px(idx::RIGHT_SHOULDER).0).abs() / torso.max(1e-9);
    if torso < 0.02 * diag {
        Some(NotMeasurable::TorsoTooSmall)
    } else if view.is_side() && spread > gates.max_side_shoulder_spread {
        Some(NotMeasurable::Rotated { spread, limit: gates.max_side_shoulder_spread })
    } else if view == View::Front && spread < gates.min_front_shoulder_spread {
        Some(NotMeasurable::TurnedSideways { spread, limit: gates.min_front_shoulder_spread })
    } else {
        None
    }
}

/// A lean beyond the gates in a side view, if the trunk can be measured at all.
fn leaning(pose: &Pose, view: View, gates: &Gates) -> Option<NotMeasurable> {
    let degrees = side_metric("trunk_inclination", pose, view, gates).ok()?;
    if degrees > gates.max_lean_forward_deg {
        Some(NotMeasurable::Leaning { degrees, limit: gates.max_lean_forward_deg })
    } else if degrees < -gates.max_lean_back_deg {
        Some(NotMeasurable::Leaning { degrees, limit: gates.max_lean_back_deg })
    } else {
        None
    }
}

/// The warnings about the view, and the cause that stops every side metric when the facing
/// contradicts the label or cannot be told.
fn view_check(pose: &Pose, view: View, detected: Option<View>) -> (Vec<PhotoWarning>, Option<NotMeasurable>) {
    let given = pose.given_view();
    let looks_like = detected.unwrap_or_else(|| guess_side(pose));
    match (given, detected) {
        (Some(given), _) if given.is_side() != looks_like.is_side() => (vec![PhotoWarning::ViewMismatch { given, looks_like }], None),
        (Some(given), Some(detected)) if given.is_side() && given != detected => {
            (vec![PhotoWarning::FacesOtherWay { given, detected }], Some(NotMeasurable::FacesOtherWay { given, detected }))
        }
        (None, None) if view.is_side() => (vec![PhotoWarning::Unusable(NotMeasurable::FacingUnclear)], Some(NotMeasurable::FacingUnclear)),
        _ => (Vec::new(), None),
    }
}

/// Computes every photo metric of the knowledge base from one landmark set.
pub fn compute(pose: &Pose, kb: &KnowledgeBase, gates: &Gates) -> PoseMetrics {
    let detected = detect_view(pose, gates);
    // A side view whose facing cannot be told is named after its side nearer the camera's
    // guess; its side metrics are not measured (`FacingUnclear`).
    let view = pose.given_view().or(detected).unwrap_or_else(|| guess_side(pose));
    let (mut warnings, facing) = view_check(pose, view, detected);
    let unusable = whole_photo(pose, view, gates);
    warnings.extend(unusable.map(PhotoWarning::Unusable));
    let unusable = unusable.or(facing);
    let lean = if unusable.is_none() && view.is_side() { leaning(pose, view, gates) } else { None };
    warnings.extend(lean.map(PhotoWarning::Leaning));
    let metrics = kb
        .measures()
        .iter()
        .filter_map(|m| m.view.map(|needs| (m, needs)))
        .map(|(m, needs)| {
            let value = match (needs, view.is_side()) {
                (MeasureView::Side, false) | (MeasureView::Front, true) => MetricValue::NotMeasurable(NotMeasurable::WrongView { needs }),
                _ => match (unusable, lean) {
                    (Some(cause), _) => MetricValue::NotMeasurable(cause),
                    (None, Some(cause)) if GRAVITY_REFERENCED.contains(&m.id.as_str()) => MetricValue::NotMeasurable(cause),
                    _ => measure(&m.id, pose, view, gates),
                },
            };
            Metric { measure: m.id.clone(), value }
        })
        .collect();
    PoseMetrics { view, view_detected: pose.given_view().is_none(), warnings, metrics }
}

/// The side a side view without a clear facing is named after: the nose against the ears,
/// whatever their visibility.
fn guess_side(pose: &Pose) -> View {
    let ears = (pose.px(idx::LEFT_EAR).0 + pose.px(idx::RIGHT_EAR).0) / 2.0;
    if pose.px(idx::NOSE).0 < ears { View::SideLeft } else { View::SideRight }
}

/// One metric; unknown ids (a user-added measure with no formula) are not measurable.
fn measure(id: &str, pose: &Pose, view: View, gates: &Gates) -> MetricValue {
    let result = match id {
        "ear_shoulder_angle" | "sagittal_head_tilt" | "forward_head_distance" | "shoulder_protraction" | "trunk_inclination" => {
            side_metric(id, pose, view, gates).map(|v| (v, None))
        }
        "coronal_head_tilt" => level_metric(pose, gates, idx::LEFT_EAR, idx::RIGHT_EAR, Asymmetry::TiltedTo),
        "shoulder_height_asymmetry" => {
            level_metric(pose, gates, idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER, |s: Side| Asymmetry::Higher(s.other()))
        }
        _ => Err(NotMeasurable::NoFormula),
    };
    match result {
        Ok((value, asymmetry)) => MetricValue::Measured { value, asymmetry },
        Err(cause) => MetricValue::NotMeasurable(cause),
    }
}

/// Side-view metrics, computed on the side nearer the camera.
fn side_metric(id: &str, pose: &Pose, view: View, gates: &Gates) -> Result<f64, NotMeasurable> {
    let (ear, eye, shoulder, hip) = match view {
        View::SideLeft => (idx::LEFT_EAR, idx::LEFT_EYE_OUTER, idx::LEFT_SHOULDER, idx::LEFT_HIP),
        _ => (idx::RIGHT_EAR, idx::RIGHT_EYE_OUTER, idx::RIGHT_SHOULDER, idx::RIGHT_HIP),
    };
    // The person faces the image's left in a left lateral view.
    let facing = if view == View::SideLeft { -1.0 } else { 1.0 };
    let fwd = |a: (f64, f64), b: (f64, f64)| facing * (a.0 - b.0);
    let up = |a: (f64, f64), b: (f64, f64)| b.1 - a.1;
    let (e, s, h) = (pose.px(ear), pose.px(shoulder), pose.px(hip));
    match id {
        "ear_shoulder_angle" => {
            usable(pose, gates, &[ear, shoulder])?;
            Ok(deg(up(e, s).atan2(fwd(e, s))))
        }
        "sagittal_head_tilt" => {
            usable(pose, gates, &[ear, eye])?;
            let c = pose.px(eye);
            Ok(deg(up(c, e).atan2(fwd(c, e))))
        }
        "forward_head_distance" => {
            usable(pose, gates, &[ear, shoulder, hip])?;
            Ok(fwd(e, s) / dist(s, h).max(1e-9))
        }
        "shoulder_protraction" => {
            usable(pose, gates, &[ear, shoulder, hip])?;
            if (e.1 - h.1).abs() < 1e-9 {
                return Err(NotMeasurable::Undefined);
            }
            let line_x = h.0 + (e.0 - h.0) * (s.1 - h.1) / (e.1 - h.1);
            Ok(facing * (s.0 - line_x) / dist(s, h).max(1e-9))
        }
        "trunk_inclination" => {
            usable(pose, gates, &[shoulder, hip])?;
            Ok(deg(fwd(s, h).atan2(up(s, h))))
        }
        _ => Err(NotMeasurable::NoFormula),
    }
}

/// Front-view tilt of the line between a left and a right landmark, in degrees (its size),
/// with which side is lower passed to `lower` to say what that means.
fn level_metric(
    pose: &Pose,
    gates: &Gates,
    left: usize,
    right: usize,
    lower: impl Fn(Side) -> Asymmetry,
) -> Result<(f64, Option<Asymmetry>), NotMeasurable> {
    usable(pose, gates, &[left, right])?;
    let (l, r) = (pose.px(left), pose.px(right));
    // In a front view the person's right is on the image's left; y grows downward, so a
    // positive angle means the right point is lower.
    let dx = (l.0 - r.0).abs();
    let angle = deg((r.1 - l.1).atan2(dx));
    let asymmetry = if angle.abs() < 0.05 {
        Asymmetry::Level
    } else if angle > 0.0 {
        lower(Side::Right)
    } else {
        lower(Side::Left)
    };
    Ok((angle.abs(), Some(asymmetry)))
}
