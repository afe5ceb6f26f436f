//! The main flow in headless Chromium: starts the real server on an EMPTY data directory, takes
//! the one-time setup link the server prints, and runs `browser-tests/main-flow.mjs` (first-run
//! account, new client, assessment with a real photo and its landmark file, report, handout,
//! logout, and the client's login seeing only their own handout).
//!
//! Screenshots (desktop 1280 and phone 390 wide) go to `target/browser-screenshots/main-flow/`
//! for a person to look at. Skips loudly when Node, Chromium or `browser-tests/node_modules`
//! are missing; with `TONUS_REQUIRE_BROWSER` set (as CI does) it fails instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tonus_web::WebConfig;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_flow_in_a_browser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser-tests");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node = std::process::Command::new("node").arg("--version").output();
    // A real photo (MIT, see its README) and MediaPipe's landmarks for it.
    let photo = workspace().join("crates/pose/test_data/side/sitting_posture_recognition/hunchback.jpg");
    let landmarks = workspace().join("examples/landmarks/red-flag-side.json");
    let intake = workspace().join("examples/desk-worker.toml");
    let missing = !dir.join("node_modules/playwright-core").is_dir() || !Path::new(&chromium).exists() || node.is_err() || !photo.is_file();
    if missing {
        let msg =
            format!("main_flow_in_a_browser needs node, {chromium}, `npm ci --prefix crates/web/browser-tests` and {}", photo.display());
        // CI sets TONUS_REQUIRE_BROWSER so that a missing browser fails instead of skipping.
        assert!(std::env::var_os("TONUS_REQUIRE_BROWSER").is_none(), "{msg}");
        eprintln!("SKIPPED {msg}");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = WebConfig {
        listen: addr,
        data_dir: data.path().to_path_buf(),
        database_url: format!("sqlite://{}", data.path().join("tonus.db").display()),
        max_connections: 4,
        engine_permits: 1,
        behind_https: false,
        session_ttl_secs: 3600,
        share_link_ttl_secs: 600,
        max_upload_bytes: 8 * 1024 * 1024,
    };
    let base = format!("http://{addr}");
    // The same call `serve` makes at start: on an empty store it issues the one-time link.
    let store = tonus_store::connect(&config.store_config()).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 0, "the data directory starts empty");
    let setup_url = tonus_web::print_setup_link(store.as_ref(), &base).await.unwrap().expect("no account yet, so a setup link");
    drop(store);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tonus_web::serve_with_shutdown(config.clone(), async {
        let _ = stopped.await;
    }));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shots = workspace().join("target/browser-screenshots/main-flow");
    let _ = std::fs::remove_dir_all(&shots);
    let output = tokio::process::Command::new("node")
        .arg("main-flow.mjs")
        .arg(&base)
        .arg(&setup_url)
        .arg(&photo)
        .arg(&landmarks)
        .arg(&intake)
        .arg(&shots)
        .current_dir(&dir)
        .env("CHROMIUM", &chromium)
        .output()
        .await
        .unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{report}");
    assert!(output.status.success(), "main-flow browser checks failed:\n{report}");

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
