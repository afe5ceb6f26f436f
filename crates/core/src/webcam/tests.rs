//! Tests of the webcam metrics on a drawn frontal pose: each gate, the signs of every drift,
//! the calibration's median and the pooled noise.

use super::*;
use crate::knowledge::KnowledgeBase;

const W: u32 = 640;
const H: u32 = 480;

/// A person facing an unmirrored camera: their right side on the image's left.
fn person() -> Vec<Landmark> {
    let mut p = vec![Landmark { x: 0.5, y: 0.9, z: 0.0, visibility: 0.9 }; LANDMARK_COUNT];
    let mut set = |i: usize, x: f64, y: f64| p[i] = Landmark { x, y, z: 0.0, visibility: 0.9 };
    set(idx::NOSE, 0.5, 0.45);
    set(idx::LEFT_EYE_OUTER, 0.56, 0.40);
    set(idx::RIGHT_EYE_OUTER, 0.44, 0.40);
    set(idx::LEFT_EAR, 0.60, 0.42);
    set(idx::RIGHT_EAR, 0.40, 0.42);
    set(idx::LEFT_SHOULDER, 0.70, 0.80);
    set(idx::RIGHT_SHOULDER, 0.30, 0.80);
    p
}

fn gates() -> WebcamGates {
    KnowledgeBase::embedded().unwrap().webcam_gates().clone()
}

fn geometry_of(points: &[Landmark]) -> Result<Geometry, Unreadable> {
    read(&Frame { width: W, height: H, landmarks: Some(points), brightness: Some(120.0) }, &gates()).geometry
}

fn moved(f: impl Fn(&mut Vec<Landmark>)) -> Vec<Landmark> {
    let mut p = person();
    f(&mut p);
    p
}

#[test]
fn an_upright_person_reads_level_with_the_expected_geometry() {
    let g = geometry_of(&person()).unwrap();
    // Shoulders 0.4 × 640 = 256 px apart; eyes 0.12 × 640 = 76.8 px.
    assert!((g.shoulder_width_px - 256.0).abs() < 1e-9, "{g:?}");
    assert!((g.face_width - 0.3).abs() < 1e-9, "{g:?}");
    assert!((g.eye_level - 0.4 * 480.0 / 256.0).abs() < 1e-9, "{g:?}");
    // Ears 0.38 × 480 = 182.4 px above the shoulders.
    assert!((g.ear_shoulder_left.unwrap() - 182.4 / 256.0).abs() < 1e-9, "{g:?}");
    assert_eq!((g.head_tilt, g.shoulder_tilt), (0.0, 0.0));
}

#[test]
fn every_gate_names_its_cause() {
    let cases: Vec<(&str, Vec<Landmark>, Option<f64>, &str)> = vec![
        ("too dark", person(), Some(10.0), "TooDark"),
        ("shoulder out of frame", moved(|p| p[idx::LEFT_SHOULDER].y = 1.2), None, "OutOfFrame { landmark: \"left_shoulder\" }"),
        ("nose covered", moved(|p| p[idx::NOSE].visibility = 0.2), None, "LowVisibility { landmark: \"nose\""),
        ("head turned", moved(|p| p[idx::NOSE].x = 0.56), None, "TurnedAway"),
        (
            "sitting far back",
            moved(|p| {
                p[idx::LEFT_SHOULDER].x = 0.53;
                p[idx::RIGHT_SHOULDER].x = 0.47;
            }),
            None,
            "TooFar",
        ),
    ];
    for (what, points, brightness, want) in cases {
        let r = read(&Frame { width: W, height: H, landmarks: Some(&points), brightness }, &gates());
        assert!(r.present, "{what}: a gated frame still shows someone there");
        let got = format!("{:?}", r.geometry.unwrap_err());
        assert!(got.starts_with(want), "{what}: {got}");
    }
    let nobody = read(&Frame { width: W, height: H, landmarks: None, brightness: Some(120.0) }, &gates());
    assert_eq!((nobody.present, nobody.geometry), (false, Err(Unreadable::NoPerson)));
    let short = person()[..20].to_vec();
    assert_eq!(geometry_of(&short), Err(Unreadable::BadLandmarks));
}

#[test]
fn a_mirrored_frame_reads_the_same_as_an_unmirrored_one() {
    let plain = geometry_of(&person()).unwrap();
    let mirrored: Vec<Landmark> = person().into_iter().map(|l| Landmark { x: 1.0 - l.x, ..l }).collect();
    let m = geometry_of(&mirrored).unwrap();
    assert!((m.face_width - plain.face_width).abs() < 1e-9 && (m.eye_level - plain.eye_level).abs() < 1e-9);
    let tilted = |mirror: bool| {
        let p: Vec<Landmark> = moved(|p| p[idx::RIGHT_EYE_OUTER].y = 0.43)
            .into_iter()
            .map(|l| if mirror { Landmark { x: 1.0 - l.x, ..l } } else { l })
            .collect();
        geometry_of(&p).unwrap().head_tilt
    };
    assert!(tilted(false) > 10.0, "right eye lower is a tilt to the right: {}", tilted(false));
    assert!((tilted(true) - tilted(false)).abs() < 1e-9, "mirroring keeps the sign");
}

#[test]
fn each_drift_has_the_sign_its_knowledge_entry_describes() {
    let base = calibrate(&[geometry_of(&person()).unwrap(); MIN_CALIBRATION_FRAMES]).unwrap();
    let value = |points: Vec<Landmark>, metric: WebcamMetricId| {
        drift(&geometry_of(&points).unwrap(), &base).iter().find(|d| d.metric == metric).unwrap().value.unwrap()
    };
    let sunk = moved(|p| {
        for i in [idx::NOSE, idx::LEFT_EYE_OUTER, idx::RIGHT_EYE_OUTER, idx::LEFT_EAR, idx::RIGHT_EAR] {
            p[i].y += 0.05;
        }
    });
    assert!((value(sunk.clone(), WebcamMetricId::HeadDrop) - 0.05 * 480.0 / 256.0).abs() < 1e-9);
    assert!(value(sunk, WebcamMetricId::ShoulderElevation) > 0.0, "a sunk head brings the ears down to the shoulders");
    let forward = moved(|p| {
        p[idx::LEFT_EYE_OUTER].x = 0.57;
        p[idx::RIGHT_EYE_OUTER].x = 0.43;
    });
    assert!((value(forward, WebcamMetricId::ScreenCloseness) - (0.14 / 0.12 - 1.0)).abs() < 1e-9);
    let shrugged = moved(|p| {
        p[idx::LEFT_SHOULDER].y = 0.75;
        p[idx::RIGHT_SHOULDER].y = 0.75;
    });
    assert!((value(shrugged, WebcamMetricId::ShoulderElevation) - 0.05 * 480.0 / 256.0).abs() < 1e-9);
    let right_low = moved(|p| p[idx::RIGHT_SHOULDER].y = 0.85);
    assert!(value(right_low, WebcamMetricId::ShoulderAsymmetry) > 0.0);
    let left_tilt = moved(|p| p[idx::LEFT_EYE_OUTER].y = 0.43);
    assert!(value(left_tilt, WebcamMetricId::HeadTilt) < 0.0);
}

#[test]
fn an_ear_not_seen_leaves_that_side_out_and_both_unseen_leave_elevation_unmeasured() {
    let base = calibrate(&[geometry_of(&person()).unwrap(); MIN_CALIBRATION_FRAMES]).unwrap();
    let one = geometry_of(&moved(|p| p[idx::LEFT_EAR].visibility = 0.1)).unwrap();
    assert_eq!(one.ear_shoulder_left, None);
    let elevation = |g: &Geometry| drift(g, &base)[2].value;
    assert_eq!(elevation(&one), Some(0.0));
    let none = geometry_of(&moved(|p| {
        p[idx::LEFT_EAR].visibility = 0.1;
        p[idx::RIGHT_EAR].visibility = 0.1;
    }))
    .unwrap();
    assert_eq!(elevation(&none), None);
}

#[test]
fn calibration_takes_the_median_and_needs_enough_frames() {
    let g = geometry_of(&person()).unwrap();
    let glance = Geometry { head_tilt: 30.0, ..g };
    let b = calibrate(&[g, g, glance, g, g]).unwrap();
    assert_eq!(b.head_tilt, 0.0, "one glance aside does not move the baseline");
    assert_eq!(calibrate(&[g; 4]), Err(CalibrationError::TooFewFrames { got: 4, needed: MIN_CALIBRATION_FRAMES }));
}

#[test]
fn noise_pools_the_spread_within_each_still_sequence_not_between_them() {
    let g = geometry_of(&person()).unwrap();
    let at = |tilt: f64| Geometry { head_tilt: tilt, ..g };
    // Two sequences at very different tilts, each ±1° about its own mean.
    let a = [at(0.0), at(1.0), at(-1.0)];
    let b = [at(20.0), at(21.0), at(19.0)];
    let n = noise(&[&a, &b]);
    let tilt = n.iter().find(|n| n.metric == WebcamMetricId::HeadTilt).unwrap();
    assert_eq!(tilt.frames, 6);
    assert!((tilt.sd - 1.0).abs() < 1e-9, "{tilt:?}");
    assert!((tilt.real_change - 1.96 * 2f64.sqrt()).abs() < 1e-9);
    assert!(noise(&[&a[..1]]).is_empty(), "one frame says nothing about noise");
}

#[test]
fn the_knowledge_base_describes_every_metric() {
    let kb = KnowledgeBase::embedded().unwrap();
    for id in WebcamMetricId::ALL {
        let m = kb.webcam_metric(id);
        assert!(m.real_change > 0.0 && !m.definition.is_empty(), "{}", id.as_str());
    }
}
