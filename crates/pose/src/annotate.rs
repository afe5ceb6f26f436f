//! Drawing the result on the photo for the client: landmarks, the skeleton, and caller-supplied
//! measurement lines with a text label ("ear–shoulder 43.2°"). Line widths and text scale with
//! the image so the picture reads the same on a 512-pixel thumbnail and a 24-megapixel photo.
//!
//! Text uses the public-domain 8x8 bitmap font of the `font8x8` crate (MIT), compiled in: no
//! font files are loaded at run time. Only ASCII and Latin-1 (which has "°") are drawn;
//! dashes become "-" and anything else "?". No antialiasing, no arbitrary fonts: this is a
//! clinical overlay, not typesetting.

use font8x8::legacy::{BASIC_LEGACY, LATIN_LEGACY};
use image::RgbImage;

use crate::PoseError;
use crate::decode::DecodedImage;
use crate::landmarks::{Landmark, SKELETON};

/// A measurement line drawn over the photo, in coordinates normalised to the upright image.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// Start point (x, y), normalised.
    pub from: (f32, f32),
    /// End point (x, y), normalised.
    pub to: (f32, f32),
    /// Text drawn beside the line, e.g. "ear–shoulder 43.2°". May be empty.
    pub label: String,
}

/// Landmarks whose visibility is below this are drawn faintly.
const VISIBLE: f32 = 0.5;
const LEFT: [u8; 3] = [255, 138, 0];
const RIGHT: [u8; 3] = [0, 170, 255];
const CENTRE: [u8; 3] = [240, 240, 240];
const BONE: [u8; 3] = [255, 255, 255];
const OVERLAY: [u8; 3] = [255, 230, 0];
const TEXT: [u8; 3] = [255, 255, 255];
const TEXT_BG: [u8; 3] = [0, 0, 0];

fn side_colour(i: usize) -> [u8; 3] {
    // MediaPipe numbers left-side landmarks odd (1–31, except 9 mouth-left/10 swap) — use names.
    match crate::landmarks::LANDMARK_NAMES.get(i) {
        Some(n) if n.starts_with("left") || *n == "mouth_left" => LEFT,
        Some(n) if n.starts_with("right") || *n == "mouth_right" => RIGHT,
        _ => CENTRE,
    }
}

/// Sizes in pixels for an image, all scaled with its longer side.
#[derive(Debug, Clone, Copy)]
struct Scale {
    line: f32,
    point: f32,
    text: u32,
}

impl Scale {
    fn for_image(w: u32, h: u32) -> Self {
        let s = w.max(h) as f32 / 1000.0;
        Self { line: (2.5 * s).max(1.5), point: (5.0 * s).max(3.0), text: (3.0 * s).round().max(2.0) as u32 }
    }
}

fn blend(img: &mut RgbImage, x: i64, y: i64, c: [u8; 3], alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return;
    }
    let p = img.get_pixel_mut(x as u32, y as u32);
    for (dst, &src) in p.0.iter_mut().zip(&c) {
        *dst = (f32::from(*dst) * (1.0 - alpha) + f32::from(src) * alpha).round() as u8;
    }
}

fn disc(img: &mut RgbImage, cx: f32, cy: f32, r: f32, c: [u8; 3], alpha: f32) {
    let r2 = r * r;
    for y in (cy - r).floor() as i64..=(cy + r).ceil() as i64 {
        for x in (cx - r).floor() as i64..=(cx + r).ceil() as i64 {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            if dx * dx + dy * dy <= r2 {
                blend(img, x, y, c, alpha);
            }
        }
    }
}

/// A thick line: every pixel within `width / 2` of the segment.
fn line(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, c: [u8; 3], alpha: f32) {
    let r = width / 2.0;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let (x0, x1) = (a.0.min(b.0) - r, a.0.max(b.0) + r);
    let (y0, y1) = (a.1.min(b.1) - r, a.1.max(b.1) + r);
    // Clip the scan to the image so a wild coordinate costs nothing.
    let x0 = x0.max(0.0).floor() as i64;
    let y0 = y0.max(0.0).floor() as i64;
    let x1 = x1.min(img.width() as f32).ceil() as i64;
    let y1 = y1.min(img.height() as f32).ceil() as i64;
    for y in y0..y1 {
        for x in x0..x1 {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = if len2 > 0.0 { (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (qx, qy) = (a.0 + t * dx - px, a.1 + t * dy - py);
            if qx * qx + qy * qy <= r * r {
                blend(img, x, y, c, alpha);
            }
        }
    }
}

fn glyph(ch: char) -> [u8; 8] {
    let ch = match ch {
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        c => c,
    };
    let code = ch as u32;
    match code {
        0x20..=0x7e => BASIC_LEGACY[code as usize],
        0xa0..=0xff => LATIN_LEGACY[(code - 0xa0) as usize],
        _ => BASIC_LEGACY['?' as usize],
    }
}

/// Draws `text` with its top-left corner at (x, y), on a dark box, each font pixel `scale`
/// pixels wide. Returns the box's size.
fn text(img: &mut RgbImage, x: i64, y: i64, s: &str, scale: u32) -> (i64, i64) {
    let scale = i64::from(scale.max(1));
    let n = s.chars().count() as i64;
    let pad = scale * 2;
    let (w, h) = (n * 8 * scale + 2 * pad, 8 * scale + 2 * pad);
    for by in y..y + h {
        for bx in x..x + w {
            blend(img, bx, by, TEXT_BG, 0.6);
        }
    }
    for (i, ch) in s.chars().enumerate() {
        let rows = glyph(ch);
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..8 {
                // font8x8: bit 0 is the leftmost pixel.
                if bits >> col & 1 == 1 {
                    let gx = x + pad + (i as i64 * 8 + col) * scale;
                    let gy = y + pad + row as i64 * scale;
                    for yy in gy..gy + scale {
                        for xx in gx..gx + scale {
                            blend(img, xx, yy, TEXT, 1.0);
                        }
                    }
                }
            }
        }
    }
    (w, h)
}

/// Where to put a `size` label for the segment `a`–`b`: beside the midpoint (right, left), else
/// above or below the segment, choosing the first place that lies inside the image and covers
/// neither the segment nor its end points; failing all, the first one pushed inside the frame.
fn label_position(a: (f32, f32), b: (f32, f32), size: (f32, f32), image: (f32, f32), gap: f32) -> (f32, f32) {
    let (tw, th) = size;
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let candidates = [
        (mid.0 + gap, mid.1 - th / 2.0),
        (mid.0 - gap - tw, mid.1 - th / 2.0),
        (mid.0 - tw / 2.0, a.1.min(b.1) - gap - th),
        (mid.0 - tw / 2.0, a.1.max(b.1) + gap),
    ];
    let covers = |(x, y): (f32, f32)| {
        (0..=16).any(|k| {
            let t = k as f32 / 16.0;
            let (px, py) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            px >= x - gap / 2.0 && px <= x + tw + gap / 2.0 && py >= y - gap / 2.0 && py <= y + th + gap / 2.0
        })
    };
    let inside = |(x, y): (f32, f32)| x >= 0.0 && y >= 0.0 && x + tw <= image.0 && y + th <= image.1;
    candidates.into_iter().find(|&c| inside(c) && !covers(c)).unwrap_or_else(|| {
        let (x, y) = candidates[0];
        (x.min(image.0 - tw).max(0.0), y.min(image.1 - th).max(0.0))
    })
}

/// Draws the skeleton, the landmarks and the `overlays` on an upright copy of `img`.
/// `landmarks` may be empty (no person) or shorter than 33; anything non-finite is skipped.
pub fn annotate(img: &DecodedImage, landmarks: &[Landmark], overlays: &[Overlay]) -> RgbImage {
    let mut out = img.to_rgb();
    draw(&mut out, landmarks, overlays);
    out
}

/// [`annotate`], encoded as PNG.
pub fn annotate_png(img: &DecodedImage, landmarks: &[Landmark], overlays: &[Overlay]) -> Result<Vec<u8>, PoseError> {
    let out = annotate(img, landmarks, overlays);
    let mut buf = std::io::Cursor::new(Vec::new());
    out.write_to(&mut buf, image::ImageFormat::Png)
        .map_err(|e| PoseError::Decode { name: format!("{} (annotated png)", img.name()), source: Box::new(e) })?;
    Ok(buf.into_inner())
}

/// Draws on an image that is already upright.
pub fn draw(out: &mut RgbImage, landmarks: &[Landmark], overlays: &[Overlay]) {
    let (w, h) = (out.width() as f32, out.height() as f32);
    let sc = Scale::for_image(out.width(), out.height());
    let px = |x: f32, y: f32| (x * w, y * h);
    let ok = |l: &Landmark| l.x.is_finite() && l.y.is_finite();
    for &(a, b) in &SKELETON {
        let (Some(la), Some(lb)) = (landmarks.get(a), landmarks.get(b)) else { continue };
        if !ok(la) || !ok(lb) {
            continue;
        }
        let alpha = if la.visibility.min(lb.visibility) >= VISIBLE { 0.85 } else { 0.3 };
        line(out, px(la.x, la.y), px(lb.x, lb.y), sc.line, BONE, alpha);
    }
    for (i, l) in landmarks.iter().enumerate().filter(|(_, l)| ok(l)) {
        let alpha = if l.visibility >= VISIBLE { 1.0 } else { 0.35 };
        let (x, y) = px(l.x, l.y);
        disc(out, x, y, sc.point + sc.line / 2.0, [0, 0, 0], alpha * 0.8);
        disc(out, x, y, sc.point, side_colour(i), alpha);
    }
    for o in overlays {
        let (a, b) = (px(o.from.0, o.from.1), px(o.to.0, o.to.1));
        if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
            continue;
        }
        line(out, a, b, sc.line * 1.6, OVERLAY, 1.0);
        disc(out, a.0, a.1, sc.point * 0.8, OVERLAY, 1.0);
        disc(out, b.0, b.1, sc.point * 0.8, OVERLAY, 1.0);
        if !o.label.is_empty() {
            let n = o.label.chars().count() as f32;
            let fit = ((w * 0.9) / (n * 8.0 + 4.0)).floor().max(1.0) as u32;
            let scale = sc.text.min(fit);
            let (tw, th) = ((n * 8.0 + 4.0) * scale as f32, 12.0 * scale as f32);
            let (mx, my) = label_position(a, b, (tw, th), (w, h), sc.point * 2.0);
            text(out, mx as i64, my as i64, &o.label, scale);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lm(x: f32, y: f32, visibility: f32) -> Landmark {
        Landmark { x, y, z: 0.0, visibility, presence: 1.0 }
    }

    #[test]
    fn glyphs_cover_degree_sign_and_dashes() {
        assert_ne!(glyph('°'), [0; 8]);
        assert_eq!(glyph('–'), glyph('-'));
        assert_eq!(glyph('€'), glyph('?'));
        assert_eq!(glyph(' '), [0; 8]);
    }

    #[test]
    fn overlay_line_and_label_are_drawn_and_scale_with_size() {
        for side in [200u32, 3000] {
            let img = DecodedImage::from_rgb("t", RgbImage::new(side, side));
            let o = Overlay { from: (0.2, 0.2), to: (0.8, 0.2), label: "ear–shoulder 43.2°".into() };
            let out = annotate(&img, &[], &[o]);
            let on_line = out.get_pixel(side * 3 / 10, side / 5).0;
            assert_eq!(on_line, OVERLAY, "line at {side}");
            let yellow = out.pixels().filter(|p| p.0 == OVERLAY).count() as f64;
            let white = out.pixels().filter(|p| p.0 == TEXT).count() as f64;
            assert!(white > 0.0, "label drawn at {side}");
            // Proportional drawing: the yellow share of the image stays about the same.
            let share = yellow / f64::from(side * side);
            assert!(share > 0.001 && share < 0.05, "share {share} at {side}");
        }
    }

    #[test]
    fn landmarks_and_skeleton_are_drawn_and_bad_values_skipped() {
        let img = DecodedImage::from_rgb("t", RgbImage::new(100, 100));
        let mut lms = vec![lm(0.5, 0.5, 0.9); 33];
        lms[11] = lm(0.3, 0.3, 0.9);
        lms[12] = lm(0.7, 0.3, 0.9);
        lms[13] = lm(f32::NAN, 0.1, 0.9);
        lms[14] = lm(50.0, -40.0, 0.9);
        let out = annotate(&img, &lms, &[]);
        assert_eq!(out.get_pixel(30, 30).0, LEFT);
        assert_eq!(out.get_pixel(70, 30).0, RIGHT);
        // The shoulder line between them is drawn.
        assert!(out.get_pixel(50, 30).0[0] > 150);
        // Fewer than 33 landmarks is fine too.
        let _ = annotate(&img, &lms[..5], &[]);
    }

    #[test]
    fn png_encoding_round_trips() {
        let img = DecodedImage::from_rgb("t", RgbImage::new(40, 30));
        let png = annotate_png(&img, &[], &[]).unwrap();
        let back = image::load_from_memory(&png).unwrap();
        assert_eq!((back.width(), back.height()), (40, 30));
    }
}
