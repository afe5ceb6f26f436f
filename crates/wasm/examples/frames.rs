//! Prepares camera frames for the wasm benchmarks and times the native build on them, so the
//! three numbers (native, Node, Chromium) come from the same frames on the same machine:
//!
//! ```text
//! cargo run --release -p tonus-wasm --example frames -- OUT_DIR WIDTH ROUNDS PHOTO...
//! ```
//!
//! Each photo is scaled and cropped to a WIDTH-pixel 4:3 frame (a webcam's) and written as raw RGBA to
//! `OUT_DIR/NNN.rgba`, with `OUT_DIR/frames.json` listing them. Then, single-threaded, it times
//! ROUNDS passes over the frames twice: once with the tracker reset before every frame (the
//! detector and the landmark model: a first frame) and once tracking through them (the
//! landmark model alone after the first), and prints the medians per frame in milliseconds as
//! one JSON line, which `crates/wasm/bench/run.sh` reads.

use std::time::Instant;

use anyhow::{Context, bail};
use tonus_wasm::Session;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, width, rounds, photos @ ..] = args.as_slice() else { bail!("usage: frames OUT_DIR WIDTH ROUNDS PHOTO...") };
    let width: u32 = width.parse().context("WIDTH")?;
    let rounds: usize = rounds.parse().context("ROUNDS")?;
    std::fs::create_dir_all(out)?;
    let mut frames = Vec::new();
    let mut names = Vec::new();
    for (i, photo) in photos.iter().enumerate() {
        let img = tonus_pose::decode_file(photo.as_ref(), &tonus_pose::Limits::default())?.to_rgb();
        // Scaled to cover a 4:3 frame, then its middle cut out: what a webcam delivers.
        let height = width * 3 / 4;
        let scale = (f64::from(width) / f64::from(img.width())).max(f64::from(height) / f64::from(img.height()));
        let (sw, sh) = ((f64::from(img.width()) * scale).ceil() as u32, (f64::from(img.height()) * scale).ceil() as u32);
        let img = image::imageops::resize(&img, sw.max(width), sh.max(height), image::imageops::FilterType::Triangle);
        let img = image::imageops::crop_imm(&img, (img.width() - width) / 2, (img.height() - height) / 2, width, height).to_image();
        let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let name = format!("{i:03}.rgba");
        std::fs::write(format!("{out}/{name}"), &rgba)?;
        names.push(name);
        frames.push(rgba);
    }
    let height = width as usize * 3 / 4;
    std::fs::write(
        format!("{out}/frames.json"),
        serde_json::to_string(&serde_json::json!({ "width": width, "height": height, "files": names }))?,
    )?;

    let mut session = Session::default();
    session.track_frame(&frames[0], width, height as u32).map_err(anyhow::Error::msg)?;
    let mut detector = Vec::new();
    let mut tracked = Vec::new();
    for _ in 0..rounds {
        for f in &frames {
            session.reset();
            let start = Instant::now();
            let r = session.track_frame(f, width, height as u32).map_err(anyhow::Error::msg)?;
            detector.push(start.elapsed().as_secs_f64() * 1e3);
            assert!(r.detector_ran);
        }
        for f in &frames {
            let start = Instant::now();
            let r = session.track_frame(f, width, height as u32).map_err(anyhow::Error::msg)?;
            if !r.detector_ran {
                tracked.push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    println!(
        "{}",
        serde_json::json!({ "runtime": "native", "detector_frame_ms": median(&mut detector), "tracked_frame_ms": median(&mut tracked), "frames": frames.len(), "rounds": rounds })
    );
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}
