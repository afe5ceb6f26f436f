//! Prints, per image, how far the Rust landmarks are from MediaPipe's reference ones (mean
//! offset and worst landmark, in pixels of the 256-pixel crop), to find systematic differences.
//! A development aid: the pass/fail golden tests are in `tests/`.
//!
//! Usage: `compare_reference TESTDATA_ROOT [lite|full] [MIN_SIDE for reduced-scale JPEG decoding]`

use tonus_pose::{Limits, ModelKind, PoseEstimator, decode_file, decode_file_reduced};

fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: compare_reference ROOT [lite|full]"));
    let kind = if std::env::args().nth(2).as_deref() == Some("lite") { ModelKind::Lite } else { ModelKind::Full };
    let text = std::fs::read_to_string(root.join("reference/mediapipe-0.10.21.json"))
        .or_else(|_| std::fs::read_to_string(root.join("mediapipe-0.10.21.json")))
        .expect("reference json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let est = PoseEstimator::new(kind).expect("models");
    let key = if kind == ModelKind::Lite { "c0" } else { "c1" };
    for (name, r) in v["images"].as_object().expect("images") {
        let path = root.join(name);
        let min_side: Option<u32> = std::env::args().nth(3).and_then(|v| v.parse().ok());
        let decoded = match min_side {
            Some(m) => decode_file_reduced(&path, &Limits::default(), m),
            None => decode_file(&path, &Limits::default()),
        };
        let Ok(img) = decoded else { continue };
        let out = est.estimate(&img).expect("estimate");
        let (w, h) = (f64::from(img.width()), f64::from(img.height()));
        let (Some(lms), Some(refl)) = (&out.landmarks, r[key]["landmarks"].as_array()) else {
            println!("{name}: rust persons {} landmarks {} / reference {}", out.persons_found, out.landmarks.is_some(), !r[key].is_null());
            continue;
        };
        let roi = out.roi.expect("roi");
        let side = f64::from(roi.width) * w / 256.0;
        let diag = w.hypot(h);
        let mut worst_group = 0.0f64;
        for i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 23, 24] {
            let m = refl[i].as_array().expect("lm");
            let dx = (f64::from(lms[i].x) - m[0].as_f64().expect("x")) * w;
            let dy = (f64::from(lms[i].y) - m[1].as_f64().expect("y")) * h;
            worst_group = worst_group.max(dx.hypot(dy) / diag * 100.0);
        }
        let (mut sx, mut sy, mut worst, mut wi) = (0.0, 0.0, 0.0, 0);
        for i in 0..33 {
            let m = refl[i].as_array().expect("lm");
            let dx = (f64::from(lms[i].x) - m[0].as_f64().expect("x")) * w / side;
            let dy = (f64::from(lms[i].y) - m[1].as_f64().expect("y")) * h / side;
            sx += dx;
            sy += dy;
            if dx.hypot(dy) > worst {
                worst = dx.hypot(dy);
                wi = i;
            }
        }
        println!(
            "{name:60} scale {:.3} worst-group {worst_group:.2}%diag persons {} mean offset ({:+.2},{:+.2}) crop px, worst {worst:.2} at {wi}, roi side {:.0}px rot {:.1}°",
            img.pixel_scale(),
            out.persons_found,
            sx / 33.0,
            sy / 33.0,
            side * 256.0,
            roi.rotation.to_degrees()
        );
    }
}
