//! The browser pose module in the real server and a real browser: `tonus serve` serves
//! `target/wasm` (built by `cargo xtask wasm`) at `/wasm/` and `browser-tests/wasm.mjs` loads
//! it in Chromium under the app's CSP and runs a frame through it; `browser-tests/desk.mjs`
//! runs the desk page on a fake camera fed a video made here from a committed photo (see
//! those scripts).
//!
//! Skips, saying why, without the module or the browser tools; `TONUS_REQUIRE_WASM=1` (CI) makes
//! a missing module a failure, `TONUS_REQUIRE_BROWSER` a missing browser.

mod browser_support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn module_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = target.join("wasm");
    if dir.join("tonus_pose.wasm").is_file() && dir.join("pose.mjs").is_file() {
        return Some(dir);
    }
    let msg = format!("{} has no module: run `cargo xtask wasm`", dir.display());
    assert!(std::env::var("TONUS_REQUIRE_WASM").as_deref() != Ok("1"), "{msg}");
    eprintln!("SKIPPED {msg}");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pose_module_runs_in_chromium_under_the_apps_csp_and_sends_nothing() {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/front/misc/skimage_astronaut.png");
    let Some(browser) = browser_support::browser("the_pose_module_runs_in_chromium", &[&photo]) else { return };
    let Some(wasm_dir) = module_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let config = tonus_web::WebConfig { wasm_dir: Some(wasm_dir), ..browser_support::config(data.path(), 1 << 20) };
    let base = format!("http://{}", config.listen);
    let server = browser_support::start(config).await;
    let output = browser_support::node(&browser, "wasm.mjs", &[OsStr::new(&base), photo.as_os_str()], &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, "the pose module in Chromium");
}

/// A still, seated person as the fake camera's video: the astronaut portrait in a 640×480
/// frame, as YUV4MPEG2 (4:2:0, full-range BT.601), ten identical frames that Chromium loops.
fn camera_video(photo: &Path, out: &Path, fps: u32) {
    let img = image::open(photo).unwrap().to_rgb8();
    let img = image::imageops::resize(&img, 480, 480, image::imageops::FilterType::Triangle);
    let (w, h) = (640usize, 480usize);
    let mut frame = image::RgbImage::from_pixel(w as u32, h as u32, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut frame, &img, 80, 0);
    let rgb = |x: usize, y: usize| {
        let p = frame.get_pixel(x as u32, y as u32);
        (f64::from(p[0]), f64::from(p[1]), f64::from(p[2]))
    };
    let clamp = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    let mut yuv = Vec::with_capacity(w * h * 3 / 2);
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = rgb(x, y);
            yuv.push(clamp(0.299 * r + 0.587 * g + 0.114 * b));
        }
    }
    for (cr, cg, cb) in [(-0.168_736, -0.331_264, 0.5), (0.5, -0.418_688, -0.081_312)] {
        for y in (0..h).step_by(2) {
            for x in (0..w).step_by(2) {
                let mut sum = 0.0;
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (r, g, b) = rgb(x + dx, y + dy);
                    sum += cr * r + cg * g + cb * b;
                }
                yuv.push(clamp(128.0 + sum / 4.0));
            }
        }
    }
    let mut file = format!("YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..fps {
        file.extend_from_slice(b"FRAME\n");
        file.extend_from_slice(&yuv);
    }
    std::fs::write(out, file).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_page_watches_a_seated_person_prompts_breaks_and_pauses() {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/front/misc/skimage_astronaut.png");
    let Some(browser) = browser_support::browser("the_desk_page", &[&photo]) else { return };
    let Some(wasm_dir) = module_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let video = data.path().join("camera.y4m");
    camera_video(&photo, &video, 10);
    let config = tonus_web::WebConfig { wasm_dir: Some(wasm_dir), ..browser_support::config(data.path(), 1 << 20) };
    let base = format!("http://{}", config.listen);
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let server = browser_support::start(config).await;
    let args = [OsStr::new(&base), OsStr::new("demo"), OsStr::new("browser test password"), video.as_os_str()];
    let output = browser_support::node(&browser, "desk.mjs", &args, &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, "the desk page in Chromium");
}

/// The desk page's CPU in Chromium over ten minutes (`DESK_CPU_SECONDS` to change it), on the
/// fake camera: a benchmark that prints its numbers, not a test of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a ten-minute benchmark: cargo test -p tonus-web --test wasm_browser desk_cpu -- --ignored --nocapture"]
async fn desk_cpu_benchmark() {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/front/misc/skimage_astronaut.png");
    let Some(browser) = browser_support::browser("desk_cpu_benchmark", &[&photo]) else { return };
    let Some(wasm_dir) = module_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let video = data.path().join("camera.y4m");
    let fps = std::env::var("DESK_CAMERA_FPS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    camera_video(&photo, &video, fps);
    let config = tonus_web::WebConfig { wasm_dir: Some(wasm_dir), ..browser_support::config(data.path(), 1 << 20) };
    let base = format!("http://{}", config.listen);
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let server = browser_support::start(config).await;
    let seconds = std::env::var("DESK_CPU_SECONDS").unwrap_or_else(|_| "600".into());
    let args = [OsStr::new(&base), OsStr::new("demo"), OsStr::new("browser test password"), video.as_os_str(), OsStr::new(&seconds)];
    let output = browser_support::node(&browser, "desk-cpu.mjs", &args, &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, "the desk CPU benchmark");
}
