//! What the browser tests share: finding Node, Chromium and playwright-core (skipping
//! loudly, or failing under `TONUS_REQUIRE_BROWSER` as CI sets it), a server configuration on a
//! free loopback port, starting and stopping the real server, and running a script with Node.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use tonus_web::WebConfig;

/// The tools a browser test drives.
pub struct Browser {
    /// `crates/web/browser-tests`, where the scripts and their `node_modules` live.
    pub dir: PathBuf,
    /// The Chromium executable.
    pub chromium: String,
}

/// The browser tools, or `None` after saying what is missing (a failure under
/// `TONUS_REQUIRE_BROWSER`). `also_needs` are files the test reads besides.
pub fn browser(test: &str, also_needs: &[&Path]) -> Option<Browser> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser-tests");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node = std::process::Command::new("node").arg("--version").output();
    let missing = !dir.join("node_modules/playwright-core").is_dir()
        || !Path::new(&chromium).exists()
        || node.is_err()
        || also_needs.iter().any(|p| !p.is_file());
    if missing {
        let files: String = also_needs.iter().map(|p| format!(" and {}", p.display())).collect();
        let msg = format!("{test} needs node, {chromium}, `npm ci --prefix crates/web/browser-tests`{files}");
        // CI sets TONUS_REQUIRE_BROWSER so that a missing browser fails instead of skipping.
        assert!(std::env::var_os("TONUS_REQUIRE_BROWSER").is_none(), "{msg}");
        eprintln!("SKIPPED {msg}");
        return None;
    }
    Some(Browser { dir, chromium })
}

/// A server on a free loopback port with its data under `data`.
pub fn config(data: &Path, max_upload_bytes: usize) -> WebConfig {
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    WebConfig { listen: addr, share_link_ttl_secs: 600, max_upload_bytes, ..WebConfig::sqlite_in(data) }
}

/// The real server, running until [`Server::stop`].
pub struct Server {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), tonus_web::WebError>>,
}

/// Starts the server and waits until it accepts connections.
pub async fn start(config: WebConfig) -> Server {
    let addr: SocketAddr = config.listen;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tonus_web::serve_with_shutdown(config, async {
        let _ = stopped.await;
    }));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { stop, task }
}

impl Server {
    /// Shuts the server down and checks it ended cleanly.
    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

/// Runs `script` with Node in the browser-tests folder, Chromium named in its environment.
pub async fn node(browser: &Browser, script: &str, args: &[&OsStr], env: &[(&str, &OsStr)]) -> Output {
    let mut command = tokio::process::Command::new("node");
    command.arg(script).args(args).current_dir(&browser.dir).env("CHROMIUM", &browser.chromium);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().await.unwrap()
}

/// Prints what the script said and fails the test, with `what`, unless it succeeded.
pub fn assert_passed(output: &Output, what: &str) {
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{report}");
    assert!(output.status.success(), "{what} failed:\n{report}");
}
