//! Times the crop (`warp`) and float conversion alone on a real photo, to separate
//! preprocessing cost from model cost. A development aid; `benches/pipeline.rs` is the benchmark.

use std::time::Instant;

use tonus_pose::warp::{Border, PixelRect, to_float, warp};
use tonus_pose::{Limits, decode_file};

fn main() {
    let path = std::env::args().nth(1).expect("usage: warp_timing PHOTO");
    let img = decode_file(path.as_ref(), &Limits::default()).expect("decode");
    let (w, h) = (img.width() as f32, img.height() as f32);
    // A landmark ROI as the detector gives it for a person filling a portrait photo: larger
    // than the image, turned by 22°.
    let side = w.max(h) * 0.87;
    let rect = PixelRect { cx: w * 0.58, cy: h * 0.51, width: side, height: side, rotation: 0.386 };
    for _ in 0..3 {
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..20 {
            n += warp(&img, &rect, 256, 256, Border::Replicate).len();
        }
        let warp_ms = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
        let rgb = warp(&img, &rect, 256, 256, Border::Replicate);
        let t = Instant::now();
        for _ in 0..20 {
            n += to_float(&rgb, 1.0 / 255.0, 0.0).len();
        }
        let float_ms = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
        println!("warp 256² {warp_ms:.3} ms, to_float {float_ms:.3} ms ({n})");
    }
}
