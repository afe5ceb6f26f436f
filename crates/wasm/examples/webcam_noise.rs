//! Measures the webcam metrics' frame-to-frame noise on folders of still frames (in each, a
//! person holding one posture), pooled over the folders: the numbers behind `real_change` in
//! `knowledge/webcam.toml`.
//!
//! ```text
//! F=../shared/testdata/video/neck_pose_frames
//! cargo run --release -p tonus-wasm --example webcam_noise -- $F/case4 $F/case3 $F/case1
//! ```
//!
//! Each folder's frames go through the same [`tonus_wasm::Session`] the browser runs (tracking
//! mode, the quality gates), in file-name order, the tracker reset between folders.

use anyhow::{Context, bail};
use tonus_core::webcam::{self, Geometry};
use tonus_wasm::Session;

fn main() -> anyhow::Result<()> {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        bail!("usage: webcam_noise FOLDER_OF_FRAMES...");
    }
    let mut session = Session::default();
    let mut sequences = Vec::new();
    for dir in &dirs {
        let geometries = folder(&mut session, dir)?;
        println!("{dir}: {} readable frames", geometries.len());
        for n in webcam::noise(&[&geometries]) {
            println!("  {:<20} sd {:.4}", n.metric.as_str(), n.sd);
        }
        sequences.push(geometries);
    }
    if let Some(baseline) = sequences.first().and_then(|s| webcam::calibrate(s).ok()) {
        println!("median drift against a baseline calibrated on {}:", dirs[0]);
        for (dir, seq) in dirs.iter().zip(&sequences) {
            let drifts: Vec<_> = seq.iter().map(|g| webcam::drift(g, &baseline)).collect();
            let medians: Vec<String> = (0..5)
                .map(|k| {
                    let mut v: Vec<f64> = drifts.iter().filter_map(|d| d[k].value).collect();
                    v.sort_by(f64::total_cmp);
                    format!("{} {:+.4}", drifts[0][k].metric.as_str(), v.get(v.len() / 2).copied().unwrap_or(f64::NAN))
                })
                .collect();
            println!("  {dir}: {}", medians.join(", "));
        }
    }
    let all: Vec<&[Geometry]> = sequences.iter().map(Vec::as_slice).collect();
    println!("pooled over {} folders:", dirs.len());
    for n in webcam::noise(&all) {
        println!("  {:<20} frames {:>3}  sd {:.4}  real change (1.96·√2·sd) {:.4}", n.metric.as_str(), n.frames, n.sd, n.real_change);
    }
    Ok(())
}

fn folder(session: &mut Session, dir: &str) -> anyhow::Result<Vec<Geometry>> {
    session.reset();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {dir}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("png")))
        .collect();
    paths.sort();
    let mut geometries = Vec::new();
    for path in &paths {
        let img = tonus_pose::decode_file(path, &tonus_pose::Limits::default())?.to_rgb();
        let (w, h) = img.dimensions();
        let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let report = session.track_frame(&rgba, w, h).map_err(anyhow::Error::msg)?;
        if report.geometry.is_none() {
            println!("  {}: {:?}", path.display(), report.quality);
        }
        if let Some(g) = report.geometry {
            geometries.push(g);
        }
    }
    Ok(geometries)
}
