//! Browser tests: starts the real server with the demo personas on a free port and runs
//! `browser-tests/run.mjs` (playwright-core driving the system Chromium) against it.
//!
//! Skips loudly when Node, Chromium or `browser-tests/node_modules` are missing (install with
//! `npm ci --prefix crates/web/browser-tests`); nothing is downloaded at test time.

use std::path::Path;
use std::time::Duration;

use tonus_web::WebConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_checks_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser-tests");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node = std::process::Command::new("node").arg("--version").output();
    if !dir.join("node_modules/playwright-core").is_dir() || !Path::new(&chromium).exists() || node.is_err() {
        let msg = format!("browser_checks_pass needs node, {chromium} and `npm ci --prefix crates/web/browser-tests`");
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
        max_upload_bytes: 4 * 1024 * 1024,
    };
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tonus_web::serve_with_shutdown(config, async {
        let _ = stopped.await;
    }));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let output = tokio::process::Command::new("node")
        .arg("run.mjs")
        .arg(format!("http://{addr}"))
        .arg("demo")
        .arg("browser test password")
        .current_dir(&dir)
        .env("CHROMIUM", &chromium)
        .output()
        .await
        .unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{report}");
    assert!(output.status.success(), "browser checks failed:\n{report}");
}
