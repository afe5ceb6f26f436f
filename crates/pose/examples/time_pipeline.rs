//! Times `PoseEstimator::estimate` (decode excluded, reported apart) on the given photos and
//! prints one JSON line per photo and model with the median over the runs. Used by
//! `bench/compare_mediapipe.py` so both pipelines are timed in the same run on the same
//! machine; `benches/pipeline.rs` is the fuller breakdown.
//!
//! Usage: `time_pipeline RUNS lite|full|both PHOTO...`

use std::time::Instant;

use tonus_pose::{Limits, ModelKind, PoseEstimator, decode_file};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|v| v.parse().ok()).expect("usage: time_pipeline RUNS lite|full|both PHOTO...");
    let kinds = match args.next().as_deref() {
        Some("lite") => vec![ModelKind::Lite],
        Some("full") => vec![ModelKind::Full],
        _ => vec![ModelKind::Lite, ModelKind::Full],
    };
    let photos: Vec<String> = args.collect();
    for kind in kinds {
        let est = PoseEstimator::new(kind).expect("models");
        for p in &photos {
            let img = decode_file(p.as_ref(), &Limits::default()).expect("decode");
            let decode_ms = img.decode_time().as_secs_f64() * 1000.0;
            let first = est.estimate(&img).expect("estimate");
            let times: Vec<f64> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    let _ = est.estimate(&img).expect("estimate");
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            let landmarks = first.landmarks.as_ref().map_or("null".to_owned(), |lms| {
                let pts: Vec<String> = lms.iter().map(|l| format!("[{:.6}, {:.6}]", l.x, l.y)).collect();
                format!("[{}]", pts.join(", "))
            });
            println!(
                "{{\"path\": {:?}, \"model\": \"{}\", \"median_ms\": {:.3}, \"decode_ms\": {:.3}, \"landmarks\": {landmarks}}}",
                p,
                if kind == ModelKind::Lite { "lite" } else { "full" },
                median(times),
                decode_ms,
            );
        }
    }
}
