//! Browser tests: starts the real server with the demo personas on a free port and runs
//! `browser-tests/run.mjs` (playwright-core driving the system Chromium) against it.
//!
//! Skips loudly when Node, Chromium or `browser-tests/node_modules` are missing (install with
//! `npm ci --prefix crates/web/browser-tests`); nothing is downloaded at test time.

mod browser_support;

use std::ffi::OsStr;

/// Runs `script` against a server with the demo personas loaded (staff login `demo`).
async fn on_the_demo(test: &str, script: &str, what: &str) {
    let Some(browser) = browser_support::browser(test, &[]) else { return };
    let data = tempfile::tempdir().unwrap();
    let config = browser_support::config(data.path(), 4 * 1024 * 1024);
    let base = format!("http://{}", config.listen);
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let server = browser_support::start(config).await;
    let args = [OsStr::new(&base), OsStr::new("demo"), OsStr::new("browser test password")];
    let output = browser_support::node(&browser, script, &args, &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, what);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_checks_pass() {
    on_the_demo("browser_checks_pass", "run.mjs", "browser checks").await;
}

/// A complete assessment typed into the form by hand (`browser-tests/assessment-form.mjs`):
/// the client first, the red-flag screen answered by category, and the interactions counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_assessment_by_hand() {
    on_the_demo("a_complete_assessment_by_hand", "assessment-form.mjs", "a complete assessment by hand").await;
}
