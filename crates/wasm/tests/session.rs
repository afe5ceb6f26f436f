//! The module's functions, natively: tracking through frames, the webcam reading of a frontal
//! head-and-shoulders photo, calibration and drift, and every bad input answered with an error
//! that names it, through the same exported functions the page calls.

use std::path::Path;

use serde_json::Value;
use tonus_wasm::*;

fn rgba(photo: &str) -> (Vec<u8>, u32, u32) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data").join(photo);
    let img = tonus_pose::decode_file(&path, &tonus_pose::Limits::default()).unwrap().to_rgb();
    let (w, h) = img.dimensions();
    (img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect(), w, h)
}

/// Calls an export the way pose.mjs does: fill the input, call, read the JSON answer.
fn call(input: &[u8], f: impl FnOnce() -> u32) -> (u32, Value) {
    with_input(input.len(), |buf| buf.copy_from_slice(input));
    let code = f();
    (code, serde_json::from_slice(&with_output(<[u8]>::to_vec)).unwrap())
}

#[test]
fn a_frontal_frame_is_tracked_read_and_measured_against_its_baseline() {
    let (frame, w, h) = rgba("front/misc/skimage_astronaut.png");
    let (code, loaded) = call(&[], || tonus_init());
    assert_eq!(code, 0, "{loaded}");
    assert_eq!(loaded["model"], "blazepose-lite");

    let (code, first) = call(&frame, || tonus_track(w, h));
    assert_eq!(code, 0, "{first}");
    assert_eq!((first["detector_ran"].as_bool(), first["present"].as_bool()), (Some(true), Some(true)), "{first}");
    assert_eq!(first["landmarks"].as_array().map(Vec::len), Some(33));
    assert_eq!(first["quality"]["status"], "readable", "{}", first["quality"]);
    assert_eq!(first["drift"].as_array().map(Vec::len), Some(0), "no baseline yet, no drift");

    let (_, second) = call(&frame, || tonus_track(w, h));
    assert_eq!(second["detector_ran"], false, "the second frame follows the first's region");

    call(&[], || tonus_calibration_start());
    for _ in 0..5 {
        let (_, r) = call(&frame, || tonus_track(w, h));
        assert!(r["calibration_frames"].as_u64().is_some(), "{r}");
    }
    let (code, baseline) = call(&[], || tonus_calibration_finish());
    assert_eq!(code, 0, "{baseline}");
    assert_eq!(baseline["frames"], 5);

    let (_, measured) = call(&frame, || tonus_track(w, h));
    let drift = measured["drift"].as_array().unwrap();
    assert_eq!(drift.len(), 5);
    for d in drift {
        // The same frame again: no drift beyond noise.
        assert_eq!(d["beyond_real_change"], false, "{d}");
    }

    // A baseline kept by the page is accepted back; a broken one is refused by field.
    let (code, _) = call(serde_json::to_vec(&baseline).unwrap().as_slice(), || tonus_baseline_set());
    assert_eq!(code, 0);
    let mut broken = baseline.clone();
    broken.as_object_mut().unwrap().remove("face_width");
    let (code, err) = call(serde_json::to_vec(&broken).unwrap().as_slice(), || tonus_baseline_set());
    assert_eq!(code, 1);
    assert!(err["error"].as_str().unwrap().contains("face_width"), "{err}");

    let (code, metrics) = call(&[], || tonus_metrics());
    assert_eq!(code, 0);
    assert_eq!(metrics.as_array().map(Vec::len), Some(5));
}

#[test]
fn bad_frames_and_calls_out_of_order_are_errors_that_say_what_is_wrong() {
    type Call = Box<dyn FnOnce() -> u32>;
    let cases: Vec<(&str, Vec<u8>, Call, &str)> = vec![
        ("short frame", vec![0; 100], Box::new(|| tonus_track(64, 64)), "100 bytes of RGBA for a 64x64 frame, which needs 16384"),
        ("empty frame", vec![], Box::new(|| tonus_track(0, 0)), "too small"),
        ("huge frame", vec![], Box::new(|| tonus_track(10_000, 10)), "too large"),
        ("finish before start", vec![], Box::new(|| tonus_calibration_finish()), "no calibration was started"),
        ("not a baseline", b"{}".to_vec(), Box::new(|| tonus_baseline_set()), "baseline: missing field"),
        ("name longer than input", b"abc".to_vec(), Box::new(|| tonus_photo(10, 0)), "fewer than the name's 10"),
        ("not a photo", b"x.jpgnot a jpeg".to_vec(), Box::new(|| tonus_photo(5, 0)), "unsupported image format in x.jpg"),
    ];
    for (what, input, f, want) in cases {
        let (code, answer) = call(&input, f);
        assert_eq!(code, 1, "{what}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(want), "{what}: {error}");
    }
    // A calibration with too few readable frames says how many it needs.
    call(&[], || tonus_calibration_start());
    let (code, answer) = call(&[], || tonus_calibration_finish());
    assert_eq!(code, 1);
    assert!(answer["error"].as_str().unwrap().contains("at least 5 readable frames, got 0"), "{answer}");
}

#[test]
fn a_dark_frame_is_present_but_unreadable() {
    let (mut frame, w, h) = rgba("front/misc/skimage_astronaut.png");
    for px in frame.chunks_exact_mut(4) {
        for c in &mut px[..3] {
            *c /= 8;
        }
    }
    let (code, r) = call(&frame, || tonus_track(w, h));
    assert_eq!(code, 0, "{r}");
    if r["present"] == true {
        assert_eq!(r["quality"]["status"], "too_dark", "{r}");
    }
    assert!(r["brightness"].as_f64().unwrap() < 35.0);
}
