//! Bad and hostile input: every case must come back as a clear `PoseError` (or a valid result),
//! never a panic, and a decompression bomb must be refused from its header before any pixel
//! buffer is allocated. Inputs are built in the test from real files or by hand.

use std::io::Cursor;

use image::{ImageEncoder, Rgb, RgbImage};
use tonus_pose::{Limits, ModelKind, PoseError, PoseEstimator, decode};

fn local(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(path)).unwrap()
}

fn check(bytes: &[u8], name: &str, expect: fn(&PoseError) -> bool) {
    match decode(bytes, name, &Limits::default()) {
        Ok(img) => panic!("{name}: decoded {}x{} instead of failing", img.width(), img.height()),
        Err(e) => {
            let msg = e.to_string();
            assert!(expect(&e), "{name}: unexpected error {e:?}");
            assert!(msg.contains(name), "{name}: message does not name the file: {msg}");
            assert_eq!(msg, msg.to_lowercase().replace(&name.to_lowercase(), name), "{name}: message not lowercase: {msg}");
            assert!(!msg.ends_with('.'), "{name}: trailing period: {msg}");
        }
    }
}

fn png_bytes(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A PNG signature, an IHDR chunk announcing `w` x `h` and an empty IDAT chunk, with valid
/// CRCs: a well-formed header whose pixel data would be enormous.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc32(&ihdr).to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend(b"IDAT");
    out.extend(crc32(b"IDAT").to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A baseline JPEG whose SOF0 announces `w` x `h`: the real file's header with the size patched.
fn jpeg_with_size(w: u16, h: u16) -> Vec<u8> {
    let mut bytes = local("side/sitting_posture_recognition/jav.jpg");
    let sof = bytes.windows(2).position(|m| m == [0xff, 0xc0]).expect("baseline jpeg");
    bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    bytes
}

#[test]
fn empty_file() {
    check(&[], "empty.jpg", |e| matches!(e, PoseError::UnsupportedFormat { .. }));
}

#[test]
fn text_file_named_jpg() {
    check(b"hello, this is not a photo\n", "notes.jpg", |e| matches!(e, PoseError::UnsupportedFormat { .. }));
}

#[test]
fn truncated_jpeg() {
    let bytes = local("side/sitting_posture_recognition/jav.jpg");
    for cut in [2, 100, 1000, bytes.len() / 2] {
        // Either a clear error or (for a late cut, as libjpeg does) a partly grey image.
        match decode(&bytes[..cut], "cut.jpg", &Limits::default()) {
            Ok(img) => assert_eq!((img.width(), img.height()), (720, 1280)),
            Err(e) => assert!(e.to_string().contains("cut.jpg"), "{e}"),
        }
    }
}

#[test]
fn tiny_images_are_refused() {
    check(&png_bytes(&RgbImage::new(1, 1)), "dot.png", |e| matches!(e, PoseError::TooSmall { width: 1, height: 1, .. }));
}

#[test]
fn one_pixel_image_allowed_by_limits_gives_no_person() {
    let limits = Limits { min_side: 1, ..Limits::default() };
    let img = decode(&png_bytes(&RgbImage::from_pixel(1, 1, Rgb([90, 90, 90]))), "dot.png", &limits).unwrap();
    let est = PoseEstimator::new(ModelKind::Lite).unwrap().estimate(&img).unwrap();
    assert_eq!(est.persons_found, 0);
    assert!(est.landmarks.is_none());
}

#[test]
fn png_bomb_is_refused_by_its_header() {
    check(&png_header(30_000, 30_000), "bomb.png", |e| matches!(e, PoseError::TooLarge { .. }));
    // Within the side limit but over the pixel limit.
    check(&png_header(16_000, 4_000), "wide.png", |e| matches!(e, PoseError::TooLarge { .. }));
}

#[test]
fn jpeg_bomb_is_refused_by_its_header() {
    check(&jpeg_with_size(30_000, 30_000), "bomb.jpg", |e| matches!(e, PoseError::TooLarge { .. }));
}

#[test]
fn oversized_file_is_refused_before_decoding() {
    let limits = Limits { max_file_bytes: 1000, ..Limits::default() };
    let bytes = local("side/sitting_posture_recognition/jav.jpg");
    assert!(matches!(decode(&bytes, "big.jpg", &limits), Err(PoseError::TooLarge { .. })));
}

#[test]
fn corrupt_exif_is_ignored() {
    let bytes = local("side/openposture_desk/OP29.jpeg");
    // Damage the TIFF header inside the APP1 Exif segment: the photo still decodes, as stored.
    let exif = bytes.windows(6).position(|m| m == b"Exif\0\0").expect("exif segment");
    let mut broken = bytes.clone();
    broken[exif + 6..exif + 14].copy_from_slice(b"garbage!");
    let img = decode(&broken, "exif.jpg", &Limits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (5712, 4284));
    let img = decode(&bytes, "OP29.jpeg", &Limits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (4284, 5712), "orientation 6 applied");
}

#[test]
fn gif_is_an_unsupported_format() {
    // A complete 1x1 GIF89a.
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    check(gif, "anim.gif", |e| matches!(e, PoseError::UnsupportedFormat { detail, .. } if detail.contains("gif")));
}

#[test]
fn other_formats_are_unsupported() {
    check(b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "x.bmp", |e| matches!(e, PoseError::UnsupportedFormat { .. }));
    check(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "x.heic", |e| matches!(e, PoseError::UnsupportedFormat { .. }));
}

#[test]
fn grayscale_and_sixteen_bit_inputs_work() {
    let gray = image::GrayImage::from_fn(64, 48, |x, y| image::Luma([(x * 3 + y) as u8]));
    let mut bytes = Vec::new();
    gray.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    let img = decode(&bytes, "gray.png", &Limits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (64, 48));
    let rgb16 = image::ImageBuffer::<Rgb<u16>, _>::from_fn(40, 30, |x, _| Rgb([x as u16 * 1000, 0, 65535]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb16(rgb16).write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    let img = decode(&bytes, "deep.png", &Limits::default()).unwrap();
    assert_eq!(img.to_rgb().get_pixel(0, 0).0, [0, 0, 255]);
    // The grayscale camera photo runs through the whole pipeline.
    let cam = local("side/misc/skimage_camera.png");
    let img = decode(&cam, "camera.png", &Limits::default()).unwrap();
    let est = PoseEstimator::new(ModelKind::Lite).unwrap().estimate(&img).unwrap();
    assert!(est.landmarks.is_some());
}

#[test]
fn webp_decodes() {
    let rgb = RgbImage::from_fn(50, 40, |x, y| Rgb([x as u8 * 5, y as u8 * 5, 128]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(rgb).write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::WebP).unwrap();
    let img = decode(&bytes, "x.webp", &Limits::default()).unwrap();
    assert_eq!((img.width(), img.height()), (50, 40));
}

#[test]
fn cmyk_jpeg_decodes_to_rgb() {
    // A real 4-component JPEG (plain CMYK and Adobe YCCK), as print workflows produce. The
    // encoder stores Adobe's inverted CMYK: 255 means no ink. A pure cyan patch (C=255, no M,
    // Y or K) must come out cyan-ish: low red, high green and blue.
    let (w, h) = (32u16, 24u16);
    let cmyk: Vec<u8> = (0..usize::from(w) * usize::from(h)).flat_map(|_| [0u8, 255, 255, 255]).collect();
    for (ty, name) in [(jpeg_encoder::ColorType::Cmyk, "cmyk.jpg"), (jpeg_encoder::ColorType::CmykAsYcck, "ycck.jpg")] {
        let mut bytes = Vec::new();
        jpeg_encoder::Encoder::new(&mut bytes, 95).encode(&cmyk, w, h, ty).unwrap();
        let img = decode(&bytes, name, &Limits::default()).unwrap();
        assert_eq!((img.width(), img.height()), (32, 24));
        let p = img.to_rgb().get_pixel(16, 12).0;
        assert!(p[0] < 60 && p[1] > 200 && p[2] > 200, "{name}: {p:?}");
    }
}

#[test]
fn corrupt_component_count_fails_clearly() {
    // SOF0 claiming 4 components while the scan has 3.
    let mut bytes = local("side/sitting_posture_recognition/jav.jpg");
    let sof = bytes.windows(2).position(|m| m == [0xff, 0xc0]).unwrap();
    bytes[sof + 9] = 4;
    match decode(&bytes, "nf.jpg", &Limits::default()) {
        Ok(img) => assert_eq!((img.width(), img.height()), (720, 1280)),
        Err(e) => assert!(e.to_string().contains("nf.jpg"), "{e}"),
    }
}

#[test]
fn random_garbage_never_panics() {
    // A cheap stand-in for the fuzz target: flip bytes all over real files.
    let files = ["side/sitting_posture_recognition/jav.jpg", "front/misc/skimage_astronaut.png"];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for f in files {
        let bytes = local(f);
        for _ in 0..40 {
            let mut b = bytes.clone();
            for _ in 0..20 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let i = (state as usize) % b.len().min(4096);
                b[i] = (state >> 32) as u8;
            }
            let _ = decode(&b, "fuzz.bin", &Limits::default());
        }
    }
}
