//! The browser pose module in the real server and a real browser: `tonus serve` serves
//! `target/wasm` (built by `cargo xtask wasm`) at `/wasm/` and `browser-tests/wasm.mjs` loads
//! it in Chromium under the app's CSP and runs a frame through it (see that script).
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
