//! Speed of the pipeline, single-threaded, as medians over many runs: decoding (shown apart),
//! the detector, the lite and full landmark models, and the whole `estimate` call, on a
//! 720x1280 photo and on a 5712x4284 phone photo; then batch throughput on all cores. Prints
//! MediaPipe 0.10.21's own median from the reference JSON beside each (measured on the same
//! kind of 2-core machine; run `bench/compare_mediapipe.sh` for a same-run comparison).
//!
//! Plain `harness = false` timing, no criterion: the models take tens of milliseconds, so
//! simple medians are stable, and it keeps the dev-dependency tree small. No assertions.
//! Run with `cargo bench -p tonus-pose --bench pipeline`; `TONUS_BENCH_RUNS=N` sets the count.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tonus_pose::{Limits, ModelKind, PoseEstimator, Timings, decode, decode_reduced, estimate_batch};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

fn reference_ms(key: &str, kind: ModelKind) -> Option<f64> {
    let text = std::fs::read_to_string(root().join("mediapipe-0.10.21.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let c = if kind == ModelKind::Lite { "c0" } else { "c1" };
    v["images"][key][c]["pipeline_ms_median"].as_f64()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let runs: usize = std::env::var("TONUS_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let t = Instant::now();
    let lite = PoseEstimator::new(ModelKind::Lite).expect("lite model");
    let load_lite = t.elapsed();
    let t = Instant::now();
    let full = PoseEstimator::new(ModelKind::Full).expect("full model");
    let load_full = t.elapsed();
    println!("model load + rewrite + optimise (once per process): detector+lite {:.0} ms, full {:.0} ms", ms(load_lite), ms(load_full));
    println!("{runs} runs per row, medians in ms, one thread\n");
    println!(
        "{:<44} {:>8} {:>9} {:>9} {:>10} {:>9} {:>11}",
        "photo / model", "decode", "detector", "landmark", "pre+post", "estimate", "mediapipe"
    );

    let photos =
        [("side/sitting_posture_recognition/hunchback.jpg", "720x1280"), ("side/openposture_desk/OP29.jpeg", "5712x4284 (EXIF 6)")];
    for (key, label) in photos {
        let bytes = std::fs::read(root().join(key)).expect("photo");
        let decode_runs = if bytes.len() > 1_000_000 { runs.min(10) } else { runs };
        let decodes: Vec<f64> =
            (0..decode_runs).map(|_| ms(decode(&bytes, key, &Limits::default()).expect("decode").decode_time())).collect();
        let img = decode(&bytes, key, &Limits::default()).expect("decode");
        for (kind, est) in [(ModelKind::Lite, &lite), (ModelKind::Full, &full)] {
            let _ = est.estimate(&img).expect("warm-up");
            let timings: Vec<Timings> = (0..runs).map(|_| est.estimate(&img).expect("estimate").timings).collect();
            let col = |f: fn(&Timings) -> Duration| median(timings.iter().map(|t| ms(f(t))).collect());
            let pre_post = col(|t| t.detector_input + t.detector_post + t.landmark_input + t.landmark_post);
            let stages = format!(
                "det-in {:.2} det-post {:.2} lm-in {:.2} lm-post {:.2}",
                col(|t| t.detector_input),
                col(|t| t.detector_post),
                col(|t| t.landmark_input),
                col(|t| t.landmark_post)
            );
            let mp = reference_ms(key, kind).map_or("n/a".to_owned(), |v| format!("{v:.1}"));
            println!(
                "{:<44} {:>8.1} {:>9.1} {:>9.1} {:>10.2} {:>9.1} {:>11}",
                format!("{label} {}", if kind == ModelKind::Lite { "lite" } else { "full" }),
                median(decodes.clone()),
                col(|t| t.detector),
                col(|t| t.landmark),
                pre_post,
                col(|t| t.total),
                mp
            );
            println!("    pre/post stages: {stages}");
        }
    }

    let op29 = std::fs::read(root().join("side/openposture_desk/OP29.jpeg")).expect("photo");
    let reduced: Vec<f64> =
        (0..runs.min(10)).map(|_| ms(decode_reduced(&op29, "OP29", &Limits::default(), 1024).expect("decode").decode_time())).collect();
    println!("\nOP29 decoded at 1/4 scale (decode_reduced, min side 1024): {:.1} ms", median(reduced));

    let dir = root().join("side/sitting_posture_recognition");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    paths.sort();
    let many: Vec<PathBuf> = paths.iter().cycle().take(paths.len() * 3).cloned().collect();
    for threads in [1, 2] {
        let t = Instant::now();
        let out = estimate_batch(&full, &many, &Limits::default(), threads, &|_, _| {});
        let secs = t.elapsed().as_secs_f64();
        assert!(out.iter().all(|i| i.result.is_ok()));
        println!(
            "batch, full model, {} 720x1280 photos incl. decode, {threads} thread(s): {:.1} photos/s",
            many.len(),
            many.len() as f64 / secs
        );
    }
}
