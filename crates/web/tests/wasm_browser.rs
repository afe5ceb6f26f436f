//! The browser pose module in the real server and a real browser: `tonus serve` serves
//! `target/wasm` (built by `cargo xtask wasm`) at `/wasm/` and `browser-tests/wasm.mjs` loads
//! it in Chromium under the app's CSP and runs a frame through it. The desk page runs on fake
//! cameras fed videos made here: a still person from a committed photo (`desk.mjs`), the same
//! person leaving and moving away, with real webcam frames of a slouch from `../shared` where
//! they are (`desk-moves.mjs`), and `tonus desk`'s page without a clinic server
//! (`desk-local.mjs`).
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

/// A picture in a 640×480 camera frame on grey, fitted to the frame's height and then scaled by
/// `scale` about the centre (below 1: the person further from the camera).
fn framed(img: &image::RgbImage, scale: f64) -> image::RgbImage {
    let (w, h) = (640u32, 480u32);
    let fit = f64::from(h) / f64::from(img.height()).max(f64::from(img.width()) * 0.75);
    let (iw, ih) = ((f64::from(img.width()) * fit * scale) as u32, (f64::from(img.height()) * fit * scale) as u32);
    let img = image::imageops::resize(img, iw, ih, image::imageops::FilterType::Triangle);
    let mut frame = image::RgbImage::from_pixel(w, h, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut frame, &img, i64::from((w - iw) / 2), i64::from(h - ih));
    frame
}

/// YUV4MPEG2 (4:2:0, full-range BT.601) of `frames`, each repeated its count, at `fps`:
/// the fake camera's video, which Chromium loops.
fn y4m(frames: &[(image::RgbImage, u32)], fps: u32, out: &Path) {
    let (w, h) = (640usize, 480usize);
    let mut file = format!("YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n").into_bytes();
    for (frame, count) in frames {
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
        for _ in 0..*count {
            file.extend_from_slice(b"FRAME\n");
            file.extend_from_slice(&yuv);
        }
    }
    std::fs::write(out, file).unwrap();
}

/// A still, seated person as the fake camera's video: the astronaut portrait, one second of
/// identical frames at `fps`.
fn camera_video(photo: &Path, out: &Path, fps: u32) {
    let img = image::open(photo).unwrap().to_rgb8();
    y4m(&[(framed(&img, 1.0), fps)], fps, out);
}

/// The same person, moving: 12 s at the desk, 6 s away (an empty frame), 8 s further from the
/// camera (the camera or seat moved: shoulders 0.7 as wide), at 2 frames a second.
fn moving_video(photo: &Path, out: &Path) {
    let img = image::open(photo).unwrap().to_rgb8();
    let empty = image::RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128]));
    y4m(&[(framed(&img, 1.0), 12 * 2), (empty, 6 * 2), (framed(&img, 0.7), 8 * 2)], 2, out);
}

/// Real webcam frames (`shared/testdata/video/neck_pose_frames`, not committable): the upright
/// head (case4) for `upright_s` seconds, then the worst poking chin (case1) for `slouch_s`,
/// each frame of a sequence held in turn, at 2 frames a second. `None` without `../shared`.
fn slouch_video(out: &Path, upright_s: u32, slouch_s: u32) -> Option<()> {
    let root = std::env::var_os("TONUS_SHARED_TESTDATA")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"), PathBuf::from)
        .join("video/neck_pose_frames");
    if !root.is_dir() {
        return None;
    }
    let sequence = |case: &str, seconds: u32| {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(case)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        let frames: Vec<_> = paths.iter().map(|p| framed(&image::open(p).unwrap().to_rgb8(), 1.0)).collect();
        let each = (seconds * 2).div_ceil(frames.len() as u32);
        frames.into_iter().map(move |f| (f, each))
    };
    let frames: Vec<_> = sequence("case4", upright_s).chain(sequence("case1", slouch_s)).collect();
    y4m(&frames, 2, out);
    Some(())
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

/// The desk page on a moving person (away from the desk, then further from the camera), with
/// working hours and the offline queue; then, on real webcam frames from `../shared` where
/// they are, a sustained poking chin nudged after its minute, and good posture not nudged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_page_counts_leaving_as_a_break_offers_recalibration_and_nudges_a_slouch() {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/front/misc/skimage_astronaut.png");
    let Some(browser) = browser_support::browser("the_desk_page_moves", &[&photo]) else { return };
    let Some(wasm_dir) = module_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let moving = data.path().join("moving.y4m");
    moving_video(&photo, &moving);
    let slouch = data.path().join("slouch.y4m");
    let slouch_arg = if slouch_video(&slouch, SLOUCH_UPRIGHT_S, SLOUCH_S).is_some() {
        slouch.clone().into_os_string()
    } else {
        eprintln!("the slouch part is skipped: ../shared/testdata/video/neck_pose_frames is not here");
        "-".into()
    };
    let config = tonus_web::WebConfig { wasm_dir: Some(wasm_dir), ..browser_support::config(data.path(), 1 << 20) };
    let base = format!("http://{}", config.listen);
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let server = browser_support::start(config).await;
    let upright = SLOUCH_UPRIGHT_S.to_string();
    let args =
        [OsStr::new(&base), OsStr::new("demo"), OsStr::new("browser test password"), moving.as_os_str(), &slouch_arg, OsStr::new(&upright)];
    let output = browser_support::node(&browser, "desk-moves.mjs", &args, &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, "the desk page on a moving person");
}

/// Seconds of upright head, then of poking chin, in the slouch video.
const SLOUCH_UPRIGHT_S: u32 = 20;
const SLOUCH_S: u32 = 50;

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

/// The camera page of an assessment draft (`browser-tests/capture.mjs`): a front photo taken
/// from the fake camera, retaken, kept, and saved on the draft with its landmarks found.
/// Screenshots go to `target/browser-screenshots/capture/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_taken_with_the_camera_page_are_saved_on_the_draft() {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/front/misc/skimage_astronaut.png");
    let Some(browser) = browser_support::browser("photos_taken_with_the_camera_page", &[&photo]) else { return };
    let data = tempfile::tempdir().unwrap();
    let video = data.path().join("camera.y4m");
    camera_video(&photo, &video, 10);
    let config = browser_support::config(data.path(), 8 << 20);
    let base = format!("http://{}", config.listen);
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let server = browser_support::start(config).await;
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots/capture");
    let args = [OsStr::new(&base), OsStr::new("demo"), OsStr::new("browser test password"), video.as_os_str(), shots.as_os_str()];
    let output = browser_support::node(&browser, "capture.mjs", &args, &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, "the camera page");
}

/// `tonus desk` in Chromium: the page without a clinic server, calibrated on the fake camera,
/// a break exercise from the saved report, and the day saved into the days file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_desk_page_watches_and_saves_the_day_on_this_computer() {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/front/misc/skimage_astronaut.png");
    let Some(browser) = browser_support::browser("the_local_desk_page", &[&photo]) else { return };
    let Some(wasm_dir) = module_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let video = data.path().join("camera.y4m");
    camera_video(&photo, &video, 10);
    let report = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/tests/snapshots/desk-worker.json");
    let report: tonus_app::report::Report = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let days_file = data.path().join("days.json");
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = tonus_web::DeskLocalConfig {
        listen: addr,
        wasm_dir: Some(wasm_dir),
        days_file: days_file.clone(),
        plan: report.plan,
        engine: tonus_app::Engine::embedded().unwrap(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tonus_web::serve_desk_with_shutdown(config, async {
        let _ = stopped.await;
    }));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let base = format!("http://localhost:{}", addr.port());
    let output = browser_support::node(&browser, "desk-local.mjs", &[OsStr::new(&base), video.as_os_str()], &[]).await;
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    browser_support::assert_passed(&output, "tonus desk in Chromium");
    let kept = tonus_web::DaysFile::read(&days_file).unwrap();
    assert!(kept.days.iter().any(|d| d.exercises_done == 1 && d.breaks_taken == 1), "{kept:?}");
}
