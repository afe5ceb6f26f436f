//! Runs the full pipeline on one photo and writes an annotated PNG with an example
//! ear–shoulder overlay, to eyeball the drawing. Not a CLI: the real one is `crates/tonus`.
//!
//! Usage: `annotate_photo IN.jpg OUT.png [lite|full]`

use tonus_pose::{Limits, ModelKind, Overlay, PoseEstimator, annotate_png, decode_file};

fn main() {
    let mut args = std::env::args().skip(1);
    let input = args.next().expect("usage: annotate_photo IN OUT [lite|full]");
    let output = args.next().expect("usage: annotate_photo IN OUT [lite|full]");
    let kind = if args.next().as_deref() == Some("lite") { ModelKind::Lite } else { ModelKind::Full };
    let img = decode_file(input.as_ref(), &Limits::default()).expect("decode");
    let est = PoseEstimator::new(kind).expect("models").estimate(&img).expect("estimate");
    println!("{} persons, timings {:?}", est.persons_found, est.timings);
    let lms = est.landmarks.unwrap_or_default();
    let mut overlays = Vec::new();
    if lms.len() == 33 {
        // The more visible side's ear and shoulder.
        let (ear, sh) = if lms[7].visibility >= lms[8].visibility { (7, 11) } else { (8, 12) };
        let (w, h) = (img.width() as f32, img.height() as f32);
        let (dx, dy) = ((lms[ear].x - lms[sh].x) * w, (lms[ear].y - lms[sh].y) * h);
        let angle = dy.abs().atan2(dx.abs()).to_degrees();
        overlays
            .push(Overlay { from: (lms[sh].x, lms[sh].y), to: (lms[ear].x, lms[ear].y), label: format!("ear–shoulder {angle:.1}°") });
    }
    let png = annotate_png(&img, &lms, &overlays).expect("png");
    std::fs::write(&output, png).expect("write png");
}
