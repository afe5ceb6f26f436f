//! Posture metrics on synthetic landmarks with known geometry: angles, mirrored views, view
//! detection and every quality gate.

use proptest::prelude::*;
use tonus_core::KnowledgeBase;
use tonus_core::knowledge::MeasureView;
use tonus_core::landmarks::{Capture, Landmark, LandmarkSource, Pose, Posture, View, idx};
use tonus_core::metrics::{self, Asymmetry, Gates, MetricValue, NotMeasurable, PhotoWarning, PoseMetrics};
use tonus_core::vocab::Side;

const W: f64 = 1000.0;
const H: f64 = 1000.0;

fn capture() -> Capture {
    Capture { posture: Posture::Standing, source: LandmarkSource::Manual, model: None, model_version: None }
}

/// A side-view pose facing right (x grows forward), from pixel positions of the ear, outer eye
/// corner, shoulder and hip on the camera (right) side; the far side sits just behind.
fn side_pose(ear: (f64, f64), eye: (f64, f64), shoulder: (f64, f64), hip: (f64, f64)) -> Pose {
    let mut pts = vec![Landmark { x: 0.5, y: 0.5, z: 0.0, visibility: 0.9 }; 33];
    let set = |pts: &mut Vec<Landmark>, i: usize, (x, y): (f64, f64)| pts[i] = Landmark { x: x / W, y: y / H, z: 0.0, visibility: 0.99 };
    set(&mut pts, idx::RIGHT_EAR, ear);
    set(&mut pts, idx::LEFT_EAR, (ear.0 - 5.0, ear.1));
    set(&mut pts, idx::RIGHT_EYE_OUTER, eye);
    set(&mut pts, idx::LEFT_EYE_OUTER, (eye.0 - 5.0, eye.1));
    set(&mut pts, idx::NOSE, (eye.0 + 20.0, eye.1 + 15.0));
    set(&mut pts, idx::RIGHT_SHOULDER, shoulder);
    set(&mut pts, idx::LEFT_SHOULDER, (shoulder.0 - 10.0, shoulder.1));
    set(&mut pts, idx::RIGHT_HIP, hip);
    set(&mut pts, idx::LEFT_HIP, (hip.0 - 10.0, hip.1));
    Pose::new(W as u32, H as u32, None, capture(), &pts).unwrap()
}

/// The upright side pose of `side_view_angles_match_the_geometry`: ear–shoulder angle 45°.
fn upright() -> Pose {
    side_pose((600.0, 300.0), (680.0, 280.0), (500.0, 400.0), (480.0, 700.0))
}

fn metric(pm: &PoseMetrics, id: &str) -> MetricValue {
    pm.metrics.iter().find(|m| m.measure == id).unwrap().value.clone()
}

fn num(pm: &PoseMetrics, id: &str) -> f64 {
    metric(pm, id).value().unwrap_or_else(|| panic!("{id} not measured: {:?}", metric(pm, id)))
}

fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().unwrap()
}

#[test]
fn side_view_angles_match_the_geometry() {
    // Shoulder at (500, 400); ear 100 px forward and 100 px up → 45°.
    let pose = side_pose((600.0, 300.0), (680.0, 280.0), (500.0, 400.0), (480.0, 700.0));
    let pm = metrics::compute(&pose, &kb(), &Gates::STANDARD);
    assert_eq!(pm.view, View::SideRight);
    assert!(pm.view_detected);
    assert!((num(&pm, "ear_shoulder_angle") - 45.0).abs() < 1e-9);
    // Ear → eye: 80 forward, 20 up → atan(20/80).
    assert!((num(&pm, "sagittal_head_tilt") - (20.0f64 / 80.0).atan().to_degrees()).abs() < 1e-9);
    // Forward head distance: 100 px ÷ torso length √(20² + 300²).
    assert!((num(&pm, "forward_head_distance") - 100.0 / (20.0f64.hypot(300.0))).abs() < 1e-9);
    // Trunk: shoulder 20 px ahead of the hip over 300 px → atan(20/300).
    assert!((num(&pm, "trunk_inclination") - (20.0f64 / 300.0).atan().to_degrees()).abs() < 1e-9);
    // Front metrics are not measurable on a side view, with the reason.
    assert_eq!(
        metric(&pm, "shoulder_height_asymmetry"),
        MetricValue::NotMeasurable(NotMeasurable::WrongView { needs: MeasureView::Front })
    );
}

#[test]
fn upright_head_gives_a_larger_angle_than_forward_head() {
    let upright = side_pose((520.0, 250.0), (600.0, 240.0), (500.0, 400.0), (500.0, 700.0));
    let forward = side_pose((650.0, 330.0), (730.0, 320.0), (500.0, 400.0), (500.0, 700.0));
    let (u, f) = (metrics::compute(&upright, &kb(), &Gates::STANDARD), metrics::compute(&forward, &kb(), &Gates::STANDARD));
    assert!(num(&u, "ear_shoulder_angle") > 80.0);
    assert!(num(&f, "ear_shoulder_angle") < 30.0);
    assert!(num(&f, "forward_head_distance") > num(&u, "forward_head_distance"));
}

#[test]
fn quality_gates_say_why() {
    let kb = kb();
    // Ear not visible.
    let pose = upright();
    let mut pts = *pose.points();
    pts[idx::RIGHT_EAR].visibility = 0.2;
    let p = Pose::new(1000, 1000, Some(View::SideRight), capture(), &pts).unwrap();
    let pm = metrics::compute(&p, &kb, &Gates::STANDARD);
    assert_eq!(
        metric(&pm, "ear_shoulder_angle"),
        MetricValue::NotMeasurable(NotMeasurable::LowVisibility { landmark: "right_ear", visibility: 0.2, minimum: 0.5 })
    );
    // The trunk metric does not need the ear and is still measured.
    assert!(metric(&pm, "trunk_inclination").value().is_some());

    // Ear outside the image.
    let mut pts = *pose.points();
    pts[idx::RIGHT_EAR].x = 1.2;
    let p = Pose::new(1000, 1000, Some(View::SideRight), capture(), &pts).unwrap();
    let pm = metrics::compute(&p, &kb, &Gates::STANDARD);
    assert_eq!(metric(&pm, "ear_shoulder_angle"), MetricValue::NotMeasurable(NotMeasurable::OutsideImage { landmark: "right_ear" }));

    // Body rotated in a side view: shoulders far apart.
    let mut pts = *pose.points();
    pts[idx::LEFT_SHOULDER].x = 0.32;
    let p = Pose::new(1000, 1000, Some(View::SideRight), capture(), &pts).unwrap();
    let pm = metrics::compute(&p, &kb, &Gates::STANDARD);
    let MetricValue::NotMeasurable(cause) = metric(&pm, "ear_shoulder_angle") else { panic!("rotated body was measured") };
    assert!(matches!(cause, NotMeasurable::Rotated { limit, .. } if limit == 0.35), "{cause:?}");
    assert!(pm.warnings.iter().any(|w| matches!(w, PhotoWarning::Unusable(NotMeasurable::Rotated { .. }))));

    // Wrong view label: a side pose labelled front.
    let p = Pose::new(1000, 1000, Some(View::Front), capture(), pose.points()).unwrap();
    let pm = metrics::compute(&p, &kb, &Gates::STANDARD);
    assert!(pm.warnings.contains(&PhotoWarning::ViewMismatch { given: View::Front, looks_like: View::SideRight }), "{:?}", pm.warnings);
    assert_eq!(metric(&pm, "ear_shoulder_angle"), MetricValue::NotMeasurable(NotMeasurable::WrongView { needs: MeasureView::Side }));
}

#[test]
fn a_leaning_trunk_gates_the_head_and_shoulder_angles() {
    let kb = kb();
    // The shoulder 300 px behind the hip over 300 px: leaning back 45°.
    let back = side_pose((300.0, 300.0), (380.0, 280.0), (200.0, 400.0), (500.0, 700.0));
    let pm = metrics::compute(&back, &kb, &Gates::STANDARD);
    for id in ["ear_shoulder_angle", "sagittal_head_tilt", "forward_head_distance", "shoulder_protraction", "trunk_inclination"] {
        let MetricValue::NotMeasurable(NotMeasurable::Leaning { degrees, limit }) = metric(&pm, id) else {
            panic!("{id} measured while leaning")
        };
        assert!((degrees + 45.0).abs() < 1e-9 && limit == 15.0, "{degrees} {limit}");
    }
    assert!(matches!(pm.warnings[..], [PhotoWarning::Leaning(NotMeasurable::Leaning { .. })]), "{:?}", pm.warnings);
    // Upright within the gates: measured.
    let upright = upright();
    assert!(metric(&metrics::compute(&upright, &kb, &Gates::STANDARD), "ear_shoulder_angle").value().is_some());
}

/// A front-view pose: shoulders 300 px apart, the right one (image left) `drop` px lower.
fn front_pose(drop: f64, ear_drop: f64) -> Pose {
    let mut pts = vec![Landmark { x: 0.5, y: 0.5, z: 0.0, visibility: 0.95 }; 33];
    let set = |pts: &mut Vec<Landmark>, i: usize, (x, y): (f64, f64)| pts[i] = Landmark { x: x / W, y: y / H, z: 0.0, visibility: 0.99 };
    set(&mut pts, idx::RIGHT_SHOULDER, (350.0, 400.0 + drop));
    set(&mut pts, idx::LEFT_SHOULDER, (650.0, 400.0));
    set(&mut pts, idx::RIGHT_EAR, (440.0, 250.0 + ear_drop));
    set(&mut pts, idx::LEFT_EAR, (560.0, 250.0));
    set(&mut pts, idx::RIGHT_HIP, (420.0, 800.0));
    set(&mut pts, idx::LEFT_HIP, (580.0, 800.0));
    set(&mut pts, idx::NOSE, (500.0, 260.0));
    Pose::new(1000, 1000, None, capture(), &pts).unwrap()
}

#[test]
fn front_view_asymmetry_names_the_higher_side() {
    let pm = metrics::compute(&front_pose(300.0 * 0.1, 0.0), &kb(), &Gates::STANDARD);
    assert_eq!(pm.view, View::Front);
    let MetricValue::Measured { value, asymmetry } = metric(&pm, "shoulder_height_asymmetry") else { panic!() };
    assert!((value - 0.1f64.atan().to_degrees()).abs() < 1e-9);
    assert_eq!(asymmetry, Some(Asymmetry::Higher(Side::Left)));
    let MetricValue::Measured { value, .. } = metric(&pm, "coronal_head_tilt") else { panic!() };
    assert!(value.abs() < 1e-9);
    let pm = metrics::compute(&front_pose(-30.0, 12.0), &kb(), &Gates::STANDARD);
    let MetricValue::Measured { asymmetry, .. } = metric(&pm, "shoulder_height_asymmetry") else { panic!() };
    assert_eq!(asymmetry, Some(Asymmetry::Higher(Side::Right)));
    // The right ear is lower: the head tilts to the right.
    let MetricValue::Measured { asymmetry, .. } = metric(&pm, "coronal_head_tilt") else { panic!() };
    assert_eq!(asymmetry, Some(Asymmetry::TiltedTo(Side::Right)));
}

proptest! {
    /// A mirrored photo gives the same angles, the mirrored view, and swapped sides.
    #[test]
    fn mirroring_keeps_values_and_swaps_sides(
        ex in 520.0f64..700.0, ey in 230.0f64..380.0, tilt in -40.0f64..40.0,
        hx in 430.0f64..560.0, drop in -40.0f64..40.0,
    ) {
        let kb = kb();
        let side = side_pose((ex, ey), (ex + 80.0, ey - tilt), (500.0, 400.0), (hx, 700.0));
        let (a, b) = (metrics::compute(&side, &kb, &Gates::STANDARD), metrics::compute(&side.mirrored(), &kb, &Gates::STANDARD));
        prop_assert_eq!(a.view, View::SideRight);
        prop_assert_eq!(b.view, View::SideLeft);
        for (x, y) in a.metrics.iter().zip(&b.metrics) {
            match (x.value.value(), y.value.value()) {
                (Some(u), Some(v)) => prop_assert!((u - v).abs() < 1e-9, "{} {} vs {}", x.measure, u, v),
                (None, None) => {}
                _ => prop_assert!(false, "{} measured on one side only", x.measure),
            }
        }
        let front = front_pose(drop, drop / 2.0);
        let (a, b) = (metrics::compute(&front, &kb, &Gates::STANDARD), metrics::compute(&front.mirrored(), &kb, &Gates::STANDARD));
        for id in ["shoulder_height_asymmetry", "coronal_head_tilt"] {
            let (MetricValue::Measured { value: u, asymmetry: du }, MetricValue::Measured { value: v, asymmetry: dv }) = (metric(&a, id), metric(&b, id)) else {
                panic!("{id} not measured")
            };
            prop_assert!((u - v).abs() < 1e-9);
            let swapped = du.map(|a| match a {
                Asymmetry::Higher(s) => Asymmetry::Higher(s.other()),
                Asymmetry::TiltedTo(s) => Asymmetry::TiltedTo(s.other()),
                Asymmetry::Level => Asymmetry::Level,
            });
            prop_assert_eq!(swapped, dv);
        }
    }
}

#[test]
fn bad_landmark_sets_are_refused_by_shape() {
    let ok = vec![Landmark { x: 0.5, y: 0.5, z: 0.0, visibility: 0.9 }; 33];
    assert_eq!(
        Pose::new(100, 100, None, capture(), &ok[..32]).unwrap_err().to_string(),
        "expected 33 landmarks in MediaPipe's layout, found 32"
    );
    assert_eq!(Pose::new(0, 100, None, capture(), &ok).unwrap_err().to_string(), "image size must be positive, found 0x100");
    let mut bad = ok.clone();
    bad[7].y = f64::NAN;
    assert_eq!(
        Pose::new(100, 100, None, capture(), &bad).unwrap_err().to_string(),
        "landmark 7 (left_ear): coordinates must be finite numbers"
    );
    let mut bad = ok.clone();
    bad[11].x = 640.0;
    assert_eq!(
        Pose::new(100, 100, None, capture(), &bad).unwrap_err().to_string(),
        "landmark 11 (left_shoulder): x and y must be normalised to the image (0–1), not pixels"
    );
    let mut bad = ok;
    bad[0].visibility = 1.5;
    assert_eq!(Pose::new(100, 100, None, capture(), &bad).unwrap_err().to_string(), "landmark 0 (nose): visibility 1.5 is outside 0–1");
}

#[test]
fn a_side_photo_facing_the_other_way_from_its_label_is_not_measured() {
    let kb = kb();
    let pose = upright();
    let labelled = |view| Pose::new(W as u32, H as u32, Some(view), capture(), pose.points()).unwrap();
    // Labelled as the side it shows: measured.
    let pm = metrics::compute(&labelled(View::SideRight), &kb, &Gates::STANDARD);
    assert!(pm.warnings.is_empty(), "{:?}", pm.warnings);
    assert!((num(&pm, "ear_shoulder_angle") - 45.0).abs() < 1e-9);
    // Labelled as the other side: measuring it as labelled would make forward backward.
    let pm = metrics::compute(&labelled(View::SideLeft), &kb, &Gates::STANDARD);
    let other = NotMeasurable::FacesOtherWay { given: View::SideLeft, detected: View::SideRight };
    assert_eq!(pm.warnings, vec![PhotoWarning::FacesOtherWay { given: View::SideLeft, detected: View::SideRight }]);
    for id in ["ear_shoulder_angle", "sagittal_head_tilt", "forward_head_distance", "shoulder_protraction", "trunk_inclination"] {
        assert_eq!(metric(&pm, id), MetricValue::NotMeasurable(other), "{id}");
    }
}

#[test]
fn a_side_photo_whose_face_does_not_show_its_facing_is_measured_only_when_labelled() {
    let kb = kb();
    let pose = upright();
    let mut hidden = *pose.points();
    hidden[idx::NOSE].visibility = 0.1;
    let unlabelled = Pose::new(W as u32, H as u32, None, capture(), &hidden).unwrap();
    let pm = metrics::compute(&unlabelled, &kb, &Gates::STANDARD);
    assert_eq!(pm.warnings, vec![PhotoWarning::Unusable(NotMeasurable::FacingUnclear)]);
    assert_eq!(metric(&pm, "ear_shoulder_angle"), MetricValue::NotMeasurable(NotMeasurable::FacingUnclear));
    // The nose level with the ears says nothing either.
    let mut level = *pose.points();
    level[idx::NOSE].x = (level[idx::LEFT_EAR].x + level[idx::RIGHT_EAR].x) / 2.0 + 0.005;
    let pm = metrics::compute(&Pose::new(W as u32, H as u32, None, capture(), &level).unwrap(), &kb, &Gates::STANDARD);
    assert_eq!(metric(&pm, "ear_shoulder_angle"), MetricValue::NotMeasurable(NotMeasurable::FacingUnclear));
    // With its view given, the label is taken: measured, without a warning.
    let labelled = Pose::new(W as u32, H as u32, Some(View::SideRight), capture(), &hidden).unwrap();
    let pm = metrics::compute(&labelled, &kb, &Gates::STANDARD);
    assert!(pm.warnings.is_empty(), "{:?}", pm.warnings);
    assert!((num(&pm, "ear_shoulder_angle") - 45.0).abs() < 1e-9);
}
