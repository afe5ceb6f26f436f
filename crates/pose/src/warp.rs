//! Cropping a rotated rectangle out of a photo into a model's input tensor, the way MediaPipe's
//! CPU `ImageToTensorCalculator` does it (OpenCV `warpPerspective`, bilinear, 1/32-pixel
//! coordinate steps, result rounded to 8 bits, then scaled to the model's value range).
//!
//! Only the pixels the model sees are touched (224² or 256²), never the whole photo, so a
//! 24-megapixel image costs no more than a small one. No antialiasing, on purpose: MediaPipe
//! does none, and matching its landmarks matters more than prettier downsampling.

use crate::decode::DecodedImage;

/// What a sample outside the photo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Border {
    /// Black (the detector's letterbox).
    Zero,
    /// The nearest edge pixel (the landmark crop).
    Replicate,
}

/// A rotated rectangle in pixel coordinates of the upright image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelRect {
    /// Centre x in pixels.
    pub cx: f32,
    /// Centre y in pixels.
    pub cy: f32,
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
    /// Rotation in radians, clockwise on screen.
    pub rotation: f32,
}

/// Anything that can hand out upright RGB pixels.
pub trait PixelSource {
    /// Width in pixels.
    fn width(&self) -> u32;
    /// Height in pixels.
    fn height(&self) -> u32;
    /// The pixel at (`x`, `y`), in bounds.
    fn pixel(&self, x: u32, y: u32) -> [u8; 3];
    /// True when upright columns lie along rows in memory (a sideways-stored photo).
    fn rows_are_columns(&self) -> bool {
        false
    }
    /// Where the pixels lie in memory, when they lie in one flat RGB buffer: lets [`warp`] read
    /// interior samples directly instead of through [`Self::pixel`].
    fn raw(&self) -> Option<RawLayout<'_>> {
        None
    }
}

/// A flat 8-bit RGB buffer in which upright pixel (x, y) starts at byte
/// `origin + x * dx + y * dy`. Every EXIF orientation is such a map.
#[derive(Debug, Clone, Copy)]
pub struct RawLayout<'a> {
    /// The bytes.
    pub data: &'a [u8],
    /// Byte index of upright pixel (0, 0).
    pub origin: isize,
    /// Byte step for one upright pixel to the right.
    pub dx: isize,
    /// Byte step for one upright pixel down.
    pub dy: isize,
}

impl RawLayout<'_> {
    /// The byte index of upright pixel (`x`, `y`), which must be inside the image.
    pub fn offset(&self, x: i64, y: i64) -> usize {
        (self.origin + x as isize * self.dx + y as isize * self.dy) as usize
    }
}

/// Samples the pixels held, which may be a reduced-scale decode: callers scale their
/// rectangles by [`DecodedImage::pixel_scale`].
impl PixelSource for DecodedImage {
    fn width(&self) -> u32 {
        self.pixel_width()
    }
    fn height(&self) -> u32 {
        self.pixel_height()
    }
    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        DecodedImage::pixel(self, x, y)
    }
    fn rows_are_columns(&self) -> bool {
        self.swaps_axes()
    }
    fn raw(&self) -> Option<RawLayout<'_>> {
        Some(self.raw_layout())
    }
}

impl PixelSource for image::RgbImage {
    fn width(&self) -> u32 {
        self.width()
    }
    fn height(&self) -> u32 {
        self.height()
    }
    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        self.get_pixel(x, y).0
    }
    fn raw(&self) -> Option<RawLayout<'_>> {
        Some(RawLayout { data: self.as_raw(), origin: 0, dx: 3, dy: self.width() as isize * 3 })
    }
}

/// Samples `rect` into an `out_w` x `out_h` RGB image (row-major, 3 bytes a pixel). The
/// rectangle's corners map to the output's outer corners, and output pixel (i, j) samples the
/// source at the rectangle point (i / out_w, j / out_h), exactly as MediaPipe sets up OpenCV.
pub fn warp(src: &impl PixelSource, rect: &PixelRect, out_w: u32, out_h: u32, border: Border) -> Vec<u8> {
    let (w, h) = (src.width() as i64, src.height() as i64);
    let (sin, cos) = rect.rotation.sin_cos();
    let mut out = vec![0u8; (out_w * out_h * 3) as usize];
    let raw = src.raw();
    let fetch = |x: i64, y: i64| -> [i32; 3] {
        let (x, y) = match border {
            Border::Replicate => (x.clamp(0, w - 1), y.clamp(0, h - 1)),
            Border::Zero if x < 0 || y < 0 || x >= w || y >= h => return [0; 3],
            Border::Zero => (x, y),
        };
        let p = match raw {
            Some(raw) => {
                let at = raw.offset(x, y);
                [raw.data[at], raw.data[at + 1], raw.data[at + 2]]
            }
            None => src.pixel(x as u32, y as u32),
        };
        [i32::from(p[0]), i32::from(p[1]), i32::from(p[2])]
    };
    let direct = |x: i64, y: i64| -> Option<[[i32; 3]; 4]> {
        let raw = raw?;
        // 0 <= x < w - 1 and 0 <= y < h - 1, in two comparisons.
        if x as u64 >= (w - 1) as u64 || y as u64 >= (h - 1) as u64 {
            return None;
        }
        let px = |at: usize| {
            let p = &raw.data[at..at + 3];
            [i32::from(p[0]), i32::from(p[1]), i32::from(p[2])]
        };
        Some([px(raw.offset(x, y)), px(raw.offset(x + 1, y)), px(raw.offset(x, y + 1)), px(raw.offset(x + 1, y + 1))])
    };
    // A sample at or beyond the edge with replicated borders: the four clamped pixels straight
    // from memory (what `fetch` gives, without its per-pixel dispatch). A crop around a person
    // whose legs are out of frame is mostly such samples: this halved a webcam frame's crop.
    let edge = |x: i64, y: i64| -> Option<[[i32; 3]; 4]> {
        let raw = raw.filter(|_| border == Border::Replicate)?;
        let (xa, xb) = (x.clamp(0, w - 1), (x + 1).clamp(0, w - 1));
        let (ya, yb) = (y.clamp(0, h - 1), (y + 1).clamp(0, h - 1));
        let px = |at: usize| {
            let p = &raw.data[at..at + 3];
            [i32::from(p[0]), i32::from(p[1]), i32::from(p[2])]
        };
        Some([px(raw.offset(xa, ya)), px(raw.offset(xb, ya)), px(raw.offset(xa, yb)), px(raw.offset(xb, yb))])
    };
    // The rectangle point of output column i and row j, split into the per-column and per-row
    // products so the loop does no division and no trigonometry. The sums are evaluated in the
    // same order as `cx + cos·u − sin·v`, so the result is bit for bit what that gives.
    let u: Vec<f32> = (0..out_w).map(|i| (i as f32 / out_w as f32 - 0.5) * rect.width).collect();
    let v: Vec<f32> = (0..out_h).map(|j| (j as f32 / out_h as f32 - 0.5) * rect.height).collect();
    // `cx + cos·u` and `cy + sin·u` per column, `sin·v` and `cos·v` per row.
    let (cx_u, cy_u): (Vec<f32>, Vec<f32>) = u.iter().map(|&u| (rect.cx + cos * u, rect.cy + sin * u)).unzip();
    let (sin_v, cos_v): (Vec<f32>, Vec<f32>) = v.iter().map(|&v| (sin * v, cos * v)).unzip();
    let mut sample = |i: u32, j: u32| {
        let sx = cx_u[i as usize] - sin_v[j as usize];
        let sy = cy_u[i as usize] + cos_v[j as usize];
        // OpenCV works in 1/32-pixel steps with 15-bit fixed-point weights. (An arithmetic
        // shift and a mask are floor division and the Euclidean remainder by 32.)
        let (qx, qy) = (to_32ths(sx), to_32ths(sy));
        let (x0, y0) = (qx >> 5, qy >> 5);
        let (fx, fy) = ((qx & 31) as i32, (qy & 31) as i32);
        let [p00, p10, p01, p11] = direct(x0, y0)
            .or_else(|| edge(x0, y0))
            .unwrap_or_else(|| [fetch(x0, y0), fetch(x0 + 1, y0), fetch(x0, y0 + 1), fetch(x0 + 1, y0 + 1)]);
        let at = ((j * out_w + i) * 3) as usize;
        let (w00, w10, w01, w11) = ((32 - fx) * (32 - fy), fx * (32 - fy), (32 - fx) * fy, fx * fy);
        for c in 0..3 {
            // Weights sum to 32 * 32 = 1024; round half up.
            let acc = p00[c] * w00 + p10[c] * w10 + p01[c] * w01 + p11[c] * w11;
            out[at + c] = ((acc + 512) >> 10) as u8;
        }
    };
    // Walk the output in tiles, so that the few hundred source rows a tile reads stay in cache
    // while it is sampled: a crop shrinks the photo several times, and walking whole output rows
    // touched a new cache line for almost every sample. Within a tile, walk in the order that
    // walks the source's memory forwards: for a photo stored sideways (EXIF rotation), upright
    // columns are stored rows.
    const TILE: u32 = 16;
    let columns_first = src.rows_are_columns();
    for tj in (0..out_h).step_by(TILE as usize) {
        for ti in (0..out_w).step_by(TILE as usize) {
            let (i_end, j_end) = ((ti + TILE).min(out_w), (tj + TILE).min(out_h));
            if columns_first {
                for i in ti..i_end {
                    for j in tj..j_end {
                        sample(i, j);
                    }
                }
            } else {
                for j in tj..j_end {
                    for i in ti..i_end {
                        sample(i, j);
                    }
                }
            }
        }
    }
    out
}

impl PixelRect {
    /// The same rectangle on an image resampled by `scale` (pixel centres stay aligned).
    pub fn scaled(&self, scale: f32) -> Self {
        if scale == 1.0 {
            return *self;
        }
        Self {
            cx: (self.cx + 0.5) * scale - 0.5,
            cy: (self.cy + 0.5) * scale - 0.5,
            width: self.width * scale,
            height: self.height * scale,
            rotation: self.rotation,
        }
    }
}

/// Rounds `v * 32` to the nearest integer without calling libm (`round` is a function call
/// on baseline x86-64): shift into positive range, truncate, shift back. Coordinates far
/// outside any image saturate harmlessly, since they are clamped or read as border anyway.
#[inline]
fn to_32ths(v: f32) -> i64 {
    const SHIFT: f64 = (1u64 << 40) as f64;
    ((f64::from(v) * 32.0 + 0.5 + SHIFT) as i64).wrapping_sub(1 << 40)
}

/// Converts 8-bit RGB to floats `v * scale + offset` (MediaPipe's value-range transform).
pub fn to_float(rgb: &[u8], scale: f32, offset: f32) -> Vec<f32> {
    rgb.iter().map(|&v| f32::from(v) * scale + offset).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::metadata::Orientation;
    use image::{Rgb, RgbImage};

    #[test]
    fn identity_crop_reproduces_pixels() {
        let img = RgbImage::from_fn(8, 8, |x, y| Rgb([(x * 30) as u8, (y * 30) as u8, 7]));
        let rect = PixelRect { cx: 4.0, cy: 4.0, width: 8.0, height: 8.0, rotation: 0.0 };
        let out = warp(&img, &rect, 8, 8, Border::Zero);
        for y in 0..8 {
            for x in 0..8 {
                let i = ((y * 8 + x) * 3) as usize;
                assert_eq!(&out[i..i + 3], &img.get_pixel(x, y).0, "{x},{y}");
            }
        }
    }

    #[test]
    fn letterbox_padding_is_black_and_replicate_copies_edges() {
        let img = RgbImage::from_pixel(4, 8, Rgb([200, 100, 50]));
        // The 4x8 image centred in an 8x8 square: columns 0-1 and 6-7 are padding.
        let rect = PixelRect { cx: 2.0, cy: 4.0, width: 8.0, height: 8.0, rotation: 0.0 };
        let out = warp(&img, &rect, 8, 8, Border::Zero);
        assert_eq!(&out[0..3], &[0, 0, 0]);
        assert_eq!(&out[3 * 3..3 * 3 + 3], &[200, 100, 50]);
        let out = warp(&img, &rect, 8, 8, Border::Replicate);
        assert!(out.chunks(3).all(|p| p == [200, 100, 50]));
    }

    #[test]
    fn quarter_turn_rotates_the_crop() {
        // A bright pixel right of centre shows up below centre in a crop turned by -90°:
        // crop point (u, v) reads source (cx + cos·u − sin·v, cy + sin·u + cos·v) = (cx + v, cy − u).
        let mut img = RgbImage::new(9, 9);
        img.put_pixel(6, 4, Rgb([255, 255, 255]));
        let rect = PixelRect { cx: 4.0, cy: 4.0, width: 9.0, height: 9.0, rotation: -std::f32::consts::FRAC_PI_2 };
        let out = warp(&img, &rect, 9, 9, Border::Zero);
        let (mut best, mut at) = (0u8, (0, 0));
        for j in 0..9 {
            for i in 0..9 {
                let v = out[((j * 9 + i) * 3) as usize];
                if v > best {
                    best = v;
                    at = (i, j);
                }
            }
        }
        assert!(at.1 > 4 && (3..=5).contains(&at.0), "brightest at {at:?}");
    }

    /// The same pixels with no raw layout, so [`warp`] reads every sample through `pixel`.
    struct Opaque<'a>(&'a DecodedImage);

    impl PixelSource for Opaque<'_> {
        fn width(&self) -> u32 {
            self.0.pixel_width()
        }
        fn height(&self) -> u32 {
            self.0.pixel_height()
        }
        fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
            self.0.pixel(x, y)
        }
    }

    /// Reading interior samples straight from memory gives exactly what the orientation-aware
    /// accessor gives, for every EXIF orientation, rotation, border mode and crop that reaches
    /// over the edges.
    #[test]
    fn direct_reads_match_the_accessor_bit_for_bit() {
        let stored = RgbImage::from_fn(37, 23, |x, y| Rgb([(x * 7) as u8, (y * 11) as u8, ((x * y) % 251) as u8]));
        let jpeg = {
            let mut bytes = Vec::new();
            image::DynamicImage::ImageRgb8(stored.clone())
                .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
                .expect("encode");
            bytes
        };
        let plain = crate::decode::decode(&jpeg, "t.png", &crate::decode::Limits::default()).expect("decode");
        for o in 1..=8u8 {
            let img = plain.clone().with_orientation(Orientation::from_exif(o).expect("orientation"));
            for (k, rect) in [
                PixelRect { cx: 18.0, cy: 11.0, width: 30.0, height: 20.0, rotation: 0.0 },
                PixelRect { cx: 10.3, cy: 15.7, width: 41.0, height: 41.0, rotation: 0.7 },
                PixelRect { cx: 30.0, cy: 2.0, width: 12.5, height: 60.0, rotation: -2.1 },
            ]
            .iter()
            .enumerate()
            {
                for border in [Border::Zero, Border::Replicate] {
                    let fast = warp(&img, rect, 19, 17, border);
                    let slow = warp(&Opaque(&img), rect, 19, 17, border);
                    assert_eq!(fast, slow, "orientation {o}, rect {k}, {border:?}");
                }
            }
        }
    }

    #[test]
    fn rounding_to_32ths_matches_round() {
        for v in [-3.51f32, -0.5, -0.01, 0.0, 0.015625, 0.49, 1.0 / 64.0, 7.99, 1234.56] {
            assert_eq!(to_32ths(v), (f64::from(v) * 32.0 + 0.5).floor() as i64, "{v}");
        }
    }

    #[test]
    fn float_conversion_ranges() {
        assert_eq!(to_float(&[0, 255], 2.0 / 255.0, -1.0), vec![-1.0, 1.0]);
        assert_eq!(to_float(&[0, 255], 1.0 / 255.0, 0.0), vec![0.0, 1.0]);
    }
}
