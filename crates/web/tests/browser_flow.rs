//! The main flow in headless Chromium: starts the real server on an EMPTY data directory, takes
//! the one-time setup link the server prints, and runs `browser-tests/main-flow.mjs` (first-run
//! account, new client, assessment with a real photo and its landmark file, report, handout,
//! logout, and the client's login seeing only their own handout).
//!
//! Screenshots (desktop 1280 and phone 390 wide) go to `target/browser-screenshots/main-flow/`
//! for a person to look at. Skips loudly when Node, Chromium or `browser-tests/node_modules`
//! are missing; with `TONUS_REQUIRE_BROWSER` set (as CI does) it fails instead.

mod browser_support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_flow_in_a_browser() {
    // A real photo (MIT, see its README) and MediaPipe's landmarks for it.
    let photo = workspace().join("crates/pose/test_data/side/sitting_posture_recognition/hunchback.jpg");
    let landmarks = workspace().join("examples/landmarks/red-flag-side.json");
    let intake = workspace().join("examples/desk-worker.toml");
    let Some(browser) = browser_support::browser("main_flow_in_a_browser", &[&photo]) else { return };
    let data = tempfile::tempdir().unwrap();
    let config = browser_support::config(data.path(), 8 * 1024 * 1024);
    let addr = config.listen;
    let base = format!("http://{addr}");
    // The same call `serve` makes at start: on an empty store it issues the one-time link.
    let store = tonus_store::connect(&config.store_config()).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 0, "the data directory starts empty");
    let setup_url = tonus_web::print_setup_link(store.as_ref(), &base).await.unwrap().expect("no account yet, so a setup link");
    drop(store);
    let server = browser_support::start(config.clone()).await;
    let shots = workspace().join("target/browser-screenshots/main-flow");
    let _ = std::fs::remove_dir_all(&shots);
    let args = [OsStr::new(&base), OsStr::new(&setup_url), photo.as_os_str(), landmarks.as_os_str(), intake.as_os_str(), shots.as_os_str()];
    let output = browser_support::node(&browser, "main-flow.mjs", &args, &[]).await;
    server.stop().await;
    browser_support::assert_passed(&output, "main-flow browser checks");

    // What the browser did is in the store: one staff account, the client's login, the
    // completed assessment with the photo's bytes on disk.
    let store = tonus_store::connect(&config.store_config()).await.unwrap();
    let users = store.users().await.unwrap();
    assert_eq!(users.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(), ["robin", "therapist"]);
    let robin = store.client_for_user(users[0].id).await.unwrap().expect("robin's login is linked to the client");
    let assessments = store.assessments_for(robin.id).await.unwrap();
    assert_eq!(assessments.len(), 1);
    assert_eq!(assessments[0].status, tonus_store::AssessmentStatus::Complete);
    let photos = store.photos_for(assessments[0].id).await.unwrap();
    assert_eq!(store.photo_bytes(photos[0].id).await.unwrap().1, std::fs::read(&photo).unwrap());
    for name in ["desktop-04-report", "desktop-06-handout", "phone-04-report", "desktop-11-client-handout", "phone-07-client-handout"] {
        assert!(shots.join(format!("{name}.png")).is_file(), "screenshot {name} was saved");
    }
}
