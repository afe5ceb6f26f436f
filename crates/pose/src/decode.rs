//! Decoding photos safely: format sniffing, size limits checked on the header before any pixel
//! buffer is allocated, EXIF orientation, and conversion of every colour type (grey, 16-bit,
//! alpha) to 8-bit RGB.
//!
//! The EXIF orientation is not applied by copying the pixels: [`DecodedImage`] keeps the
//! pixels as stored and maps coordinates when sampling, which saves a full-size copy (73 MB for
//! a 24-megapixel phone photo). [`DecodedImage::to_rgb`] makes the upright copy when one is
//! really needed (drawing). Only JPEG, PNG and WebP are decoded; HEIC and GIF are not.

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use crate::clock::Stopwatch;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use crate::PoseError;

/// Limits that refuse decompression bombs and absurd uploads before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most pixels (width x height) an image may have.
    pub max_pixels: u64,
    /// Largest file, in bytes.
    pub max_file_bytes: u64,
    /// Longest side, in pixels.
    pub max_side: u32,
    /// Shortest side, in pixels; smaller images cannot show a person usefully.
    pub min_side: u32,
}

impl Default for Limits {
    /// 50 megapixels, 16384 px a side, 50 MiB a file, at least 16 px a side. A 50-megapixel
    /// photo takes 150 MB as RGB.
    fn default() -> Self {
        Self { max_pixels: 50_000_000, max_file_bytes: 50 << 20, max_side: 16_384, min_side: 16 }
    }
}

/// A decoded photo: 8-bit RGB pixels as stored in the file plus the EXIF orientation that makes
/// them upright. Every coordinate this crate returns refers to the upright (oriented) image.
#[derive(Clone)]
pub struct DecodedImage {
    name: String,
    stored: RgbImage,
    /// Size of the image as stored in the file, before any reduced-scale decoding.
    full: (u32, u32),
    orientation: Orientation,
    decode_time: Duration,
}

impl std::fmt::Debug for DecodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedImage")
            .field("name", &self.name)
            .field("width", &self.width())
            .field("height", &self.height())
            .field("orientation", &self.orientation)
            .field("decode_time", &self.decode_time)
            .finish()
    }
}

impl DecodedImage {
    /// Wraps pixels that are already upright (for callers that decoded or generated them).
    pub fn from_rgb(name: &str, rgb: RgbImage) -> Self {
        let full = rgb.dimensions();
        Self { name: name.to_owned(), stored: rgb, full, orientation: Orientation::NoTransforms, decode_time: Duration::ZERO }
    }

    /// Wraps one video frame of RGBA pixels, row by row from the top left (a canvas's
    /// `ImageData`), dropping the alpha channel. A frame is upright by definition. Refused when
    /// `rgba` is not `width × height × 4` bytes or the frame breaks `limits`.
    pub fn from_rgba(name: &str, width: u32, height: u32, rgba: &[u8], limits: &Limits) -> Result<DecodedImage, PoseError> {
        check_dimensions(name, width, height, limits)?;
        let expected = u64::from(width) * u64::from(height) * 4;
        if rgba.len() as u64 != expected {
            return Err(unsupported(name, format!("{} bytes of RGBA for a {width}x{height} frame, which needs {expected}", rgba.len())));
        }
        let rgb: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        let rgb = RgbImage::from_raw(width, height, rgb).ok_or_else(|| unsupported(name, "frame buffer does not match its size"))?;
        Ok(Self::from_rgb(name, rgb))
    }

    /// The name given to [`decode`] (usually the file name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Width of the upright image in pixels, at the file's full resolution.
    pub fn width(&self) -> u32 {
        if self.swaps_axes() { self.full.1 } else { self.full.0 }
    }

    /// Height of the upright image in pixels, at the file's full resolution.
    pub fn height(&self) -> u32 {
        if self.swaps_axes() { self.full.0 } else { self.full.1 }
    }

    /// Decoded pixels per full-resolution pixel: 1 normally, 1/2, 1/4 or 1/8 after
    /// [`decode_reduced`].
    pub fn pixel_scale(&self) -> f32 {
        self.stored.width() as f32 / self.full.0.max(1) as f32
    }

    /// Width of the upright pixels actually held (smaller than [`Self::width`] after
    /// [`decode_reduced`]).
    pub fn pixel_width(&self) -> u32 {
        if self.swaps_axes() { self.stored.height() } else { self.stored.width() }
    }

    /// Height of the upright pixels actually held.
    pub fn pixel_height(&self) -> u32 {
        if self.swaps_axes() { self.stored.width() } else { self.stored.height() }
    }

    /// The EXIF orientation that was found (and is applied by every accessor).
    pub fn orientation(&self) -> Orientation {
        self.orientation
    }

    /// How long decoding took.
    pub fn decode_time(&self) -> Duration {
        self.decode_time
    }

    /// An upright copy of the pixels held ([`Self::pixel_width`] x [`Self::pixel_height`]).
    pub fn to_rgb(&self) -> RgbImage {
        let mut img = DynamicImage::ImageRgb8(self.stored.clone());
        img.apply_orientation(self.orientation);
        img.into_rgb8()
    }

    pub(crate) fn swaps_axes(&self) -> bool {
        matches!(
            self.orientation,
            Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
        )
    }

    /// The pixel at upright coordinates (`x`, `y`), which must be in bounds.
    #[inline]
    /// The same pixels under another EXIF orientation (for tests of orientation handling).
    #[cfg(test)]
    pub(crate) fn with_orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = orientation;
        self
    }

    /// Where upright pixel (x, y) lies in the stored buffer, as an origin and two byte steps.
    pub(crate) fn raw_layout(&self) -> crate::warp::RawLayout<'_> {
        let (w, h) = (self.stored.width() as isize, self.stored.height() as isize);
        let row = w * 3;
        let (last_col, last_row) = ((w - 1).max(0) * 3, (h - 1).max(0) * row);
        let (origin, dx, dy) = match self.orientation {
            Orientation::NoTransforms => (0, 3, row),
            Orientation::Rotate90 => (last_row, -row, 3),
            Orientation::Rotate180 => (last_row + last_col, -3, -row),
            Orientation::Rotate270 => (last_col, row, -3),
            Orientation::FlipHorizontal => (last_col, -3, row),
            Orientation::FlipVertical => (last_row, 3, -row),
            Orientation::Rotate90FlipH => (0, row, 3),
            Orientation::Rotate270FlipH => (last_row + last_col, -row, -3),
        };
        crate::warp::RawLayout { data: self.stored.as_raw(), origin, dx, dy }
    }

    pub(crate) fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let (w, h) = (self.stored.width(), self.stored.height());
        let (sx, sy) = match self.orientation {
            Orientation::NoTransforms => (x, y),
            Orientation::Rotate90 => (y, h - 1 - x),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::Rotate270 => (w - 1 - y, x),
            Orientation::FlipHorizontal => (w - 1 - x, y),
            Orientation::FlipVertical => (x, h - 1 - y),
            Orientation::Rotate90FlipH => (y, x),
            Orientation::Rotate270FlipH => (w - 1 - y, h - 1 - x),
        };
        self.stored.get_pixel(sx, sy).0
    }
}

fn unsupported(name: &str, detail: impl Into<String>) -> PoseError {
    PoseError::UnsupportedFormat { name: name.to_owned(), detail: detail.into() }
}

fn decode_error(name: &str, e: image::ImageError) -> PoseError {
    match e {
        image::ImageError::Unsupported(u) => unsupported(name, u.to_string().to_lowercase()),
        image::ImageError::Limits(l) => PoseError::TooLarge { name: name.to_owned(), detail: l.to_string().to_lowercase() },
        other => PoseError::Decode { name: name.to_owned(), source: Box::new(other) },
    }
}

/// Decodes a JPEG, PNG or WebP photo held in memory. `name` is only used in errors.
///
/// The header's dimensions are checked against `limits` before the pixel buffer is
/// allocated, so a 30000x30000 "bomb" is refused cheaply. A damaged EXIF block is ignored
/// (the image is taken as upright).
pub fn decode(bytes: &[u8], name: &str, limits: &Limits) -> Result<DecodedImage, PoseError> {
    decode_inner(bytes, name, limits, None)
}

/// Like [`decode`], but a large JPEG is decoded at 1/2, 1/4 or 1/8 scale (the JPEG's own DCT
/// scaling, much faster and smaller than decoding and then shrinking) as long as its shorter
/// side stays at least `min_side` pixels. Coordinates and [`DecodedImage::width`] still refer
/// to the full-resolution image. Other formats are decoded at full size.
///
/// The trade-off: on the 5712x4284 test photos this decodes in about a third of the time
/// with a quarter of the memory, but the model then sees an area-averaged image instead of
/// MediaPipe's point samples, and landmarks move by up to about 2 % of the image diagonal
/// from MediaPipe's (under 1 % at full size). Use it for previews, not for measurements.
pub fn decode_reduced(bytes: &[u8], name: &str, limits: &Limits, min_side: u32) -> Result<DecodedImage, PoseError> {
    decode_inner(bytes, name, limits, Some(min_side))
}

fn decode_inner(bytes: &[u8], name: &str, limits: &Limits, min_side: Option<u32>) -> Result<DecodedImage, PoseError> {
    let start = Stopwatch::start();
    if bytes.is_empty() {
        return Err(unsupported(name, "empty file"));
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(PoseError::TooLarge {
            name: name.to_owned(),
            detail: format!("{} bytes, limit {}", bytes.len(), limits.max_file_bytes),
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PoseError::Decode { name: name.to_owned(), source: Box::new(e) })?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        Some(other) => {
            let format = format!("{other:?}").to_lowercase();
            return Err(unsupported(name, format!("{format} images are not supported (use jpeg, png or webp)")));
        }
        None => return Err(unsupported(name, "not a jpeg, png or webp image")),
    }
    if reader.format() == Some(ImageFormat::Jpeg) {
        let (stored, full, orientation) = decode_jpeg(bytes, name, limits, min_side)?;
        return Ok(DecodedImage { name: name.to_owned(), stored, full, orientation, decode_time: start.elapsed() });
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    // Room for the largest allowed image at 16 bits per channel with alpha, plus slack.
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(name, e))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(name, width, height, limits)?;
    // A damaged EXIF block must not make the photo unusable: treat it as upright.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(name, e))?;
    let stored = match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.into_rgb8(),
    };
    let full = stored.dimensions();
    Ok(DecodedImage { name: name.to_owned(), stored, full, orientation, decode_time: start.elapsed() })
}

/// Decodes a JPEG with `jpeg-decoder`, whose IDCT and chroma upsampling follow libjpeg's (as
/// OpenCV, and so MediaPipe's reference, uses), rather than the `image` crate's zune-jpeg.
fn decode_jpeg(bytes: &[u8], name: &str, limits: &Limits, min_side: Option<u32>) -> Result<(RgbImage, (u32, u32), Orientation), PoseError> {
    // jpeg-decoder panics in `info()` on a lossless frame with 1-bit precision and has had
    // other panics on hostile files; refuse what it cannot describe before calling it, and
    // turn any panic that remains into an error rather than a crash.
    if let Some((precision, components)) = frame_header(bytes)
        && (!(2..=16).contains(&precision) || !matches!(components, 1 | 3 | 4))
    {
        return Err(unsupported(name, format!("jpeg with {components} components of {precision} bits")));
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_jpeg_unguarded(bytes, name, limits, min_side)))
        .unwrap_or_else(|_| Err(unsupported(name, "malformed jpeg (the decoder gave up)")))
}

/// The precision and component count in a JPEG's first frame header (SOFn), found by walking
/// the marker segments; `None` if there is none before the first scan.
fn frame_header(bytes: &[u8]) -> Option<(u8, u8)> {
    if bytes.get(..2)? != [0xff, 0xd8] {
        return None;
    }
    let mut i = 2;
    loop {
        while *bytes.get(i)? != 0xff {
            i += 1;
        }
        while *bytes.get(i)? == 0xff {
            i += 1;
        }
        let marker = *bytes.get(i)?;
        i += 1;
        match marker {
            0xd8 | 0x01 | 0xd0..=0xd7 => continue,
            0xda | 0xd9 => return None,
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                return Some((*bytes.get(i + 2)?, *bytes.get(i + 7)?));
            }
            _ => {
                let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
                i += len.max(2);
            }
        }
    }
}

fn decode_jpeg_unguarded(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
    min_side: Option<u32>,
) -> Result<(RgbImage, (u32, u32), Orientation), PoseError> {
    let fail = |e: jpeg_decoder::Error| match e {
        jpeg_decoder::Error::Unsupported(u) => unsupported(name, format!("jpeg feature {u:?}").to_lowercase()),
        other => PoseError::Decode { name: name.to_owned(), source: Box::new(other) },
    };
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().map_err(fail)?;
    let info = d.info().ok_or_else(|| unsupported(name, "jpeg without a frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_dimensions(name, w, h, limits)?;
    let full = (w, h);
    let (w, h) = match min_side {
        Some(m) if m > 0 && w.min(h) > m => {
            // Ask for the size that keeps the shorter side at `m`; the decoder picks the
            // smallest DCT scale at or above it.
            let short = w.min(h);
            let req = |v: u32| u16::try_from(u64::from(v) * u64::from(m) / u64::from(short)).unwrap_or(u16::MAX).max(1);
            let (sw, sh) = d.scale(req(w), req(h)).map_err(fail)?;
            (u32::from(sw), u32::from(sh))
        }
        _ => (w, h),
    };
    d.set_max_decoding_buffer_size(usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX));
    let pixels = d.decode().map_err(fail)?;
    let orientation = d.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    let n = (w as usize) * (h as usize);
    let rgb: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        jpeg_decoder::PixelFormat::L16 => pixels.chunks_exact(2).flat_map(|c| [c[0]; 3]).collect(),
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|c| {
                // jpeg-decoder returns CMYK as stored by Adobe (inverted); k scales each channel.
                let k = u16::from(c[3]);
                [c[0], c[1], c[2]].map(|v| ((u16::from(v) * k + 127) / 255) as u8)
            })
            .collect(),
    };
    if rgb.len() != n * 3 {
        return Err(unsupported(name, "jpeg decoded to an unexpected size"));
    }
    let img = RgbImage::from_raw(w, h, rgb).ok_or_else(|| unsupported(name, "jpeg decoded to an unexpected size"))?;
    Ok((img, full, orientation))
}

fn check_dimensions(name: &str, width: u32, height: u32, limits: &Limits) -> Result<(), PoseError> {
    let too_large = |detail: String| PoseError::TooLarge { name: name.to_owned(), detail };
    if width.max(height) > limits.max_side {
        return Err(too_large(format!("{width}x{height} pixels, longest side limit {}", limits.max_side)));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(too_large(format!("{width}x{height} pixels, limit {} pixels", limits.max_pixels)));
    }
    if width.min(height) < limits.min_side.max(1) {
        return Err(PoseError::TooSmall { name: name.to_owned(), width, height });
    }
    Ok(())
}

/// Reads and decodes a photo from disk (see [`decode`]). The file size is checked before it is
/// read.
pub fn decode_file(path: &Path, limits: &Limits) -> Result<DecodedImage, PoseError> {
    decode_file_inner(path, limits, None)
}

/// [`decode_reduced`] from a file.
pub fn decode_file_reduced(path: &Path, limits: &Limits, min_side: u32) -> Result<DecodedImage, PoseError> {
    decode_file_inner(path, limits, Some(min_side))
}

fn decode_file_inner(path: &Path, limits: &Limits, min_side: Option<u32>) -> Result<DecodedImage, PoseError> {
    let io = |source| PoseError::Io { path: path.to_owned(), source };
    let len = std::fs::metadata(path).map_err(io)?.len();
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    if len > limits.max_file_bytes {
        return Err(PoseError::TooLarge { name, detail: format!("{len} bytes, limit {}", limits.max_file_bytes) });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let mut img = decode_inner(&bytes, &name, limits, min_side)?;
    img.name = path.display().to_string();
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, (x * 7 + y * 13) as u8]))
    }

    #[test]
    fn orientation_mapping_matches_image_crate() {
        let all = [
            Orientation::NoTransforms,
            Orientation::Rotate90,
            Orientation::Rotate180,
            Orientation::Rotate270,
            Orientation::FlipHorizontal,
            Orientation::FlipVertical,
            Orientation::Rotate90FlipH,
            Orientation::Rotate270FlipH,
        ];
        for o in all {
            let img = DecodedImage { name: "t".into(), stored: sample(5, 3), full: (5, 3), orientation: o, decode_time: Duration::ZERO };
            let upright = img.to_rgb();
            assert_eq!((img.width(), img.height()), upright.dimensions(), "{o:?}");
            for y in 0..img.height() {
                for x in 0..img.width() {
                    assert_eq!(img.pixel(x, y), upright.get_pixel(x, y).0, "{o:?} at {x},{y}");
                    let raw = img.raw_layout();
                    let at = raw.offset(i64::from(x), i64::from(y));
                    assert_eq!(raw.data[at..at + 3], upright.get_pixel(x, y).0, "raw layout, {o:?} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn frame_header_is_found_past_other_segments() {
        // SOI, an APP0 segment of length 4, then SOF0: precision 8, 16x16, 3 components.
        let jpeg = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0xaa, 0xbb, 0xff, 0xc0, 0x00, 0x11, 8, 0, 16, 0, 16, 3];
        assert_eq!(frame_header(&jpeg), Some((8, 3)));
        assert_eq!(frame_header(&jpeg[..12]), None);
        assert_eq!(frame_header(b"not a jpeg"), None);
        // A lossless 1-bit frame (SOF3) is refused before the decoder sees it.
        let mut bad = jpeg;
        bad[9] = 0xc3;
        bad[12] = 1;
        assert!(matches!(decode(&bad, "x.jpg", &Limits::default()), Err(PoseError::UnsupportedFormat { .. })));
    }

    #[test]
    fn dimension_checks() {
        let l = Limits::default();
        assert!(check_dimensions("a", 5712, 4284, &l).is_ok());
        assert!(matches!(check_dimensions("a", 30_000, 30_000, &l), Err(PoseError::TooLarge { .. })));
        assert!(matches!(check_dimensions("a", 16_000, 16_000, &l), Err(PoseError::TooLarge { .. })));
        assert!(matches!(check_dimensions("a", 1, 1, &l), Err(PoseError::TooSmall { .. })));
        assert!(matches!(check_dimensions("a", 0, 10, &Limits { min_side: 0, ..l }), Err(PoseError::TooSmall { .. })));
    }
}
