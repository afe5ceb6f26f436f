//! `tonus desk` (`serve_desk_with_shutdown`): the desk page on a loopback port without
//! accounts, its exercises from a saved report, the day totals merged into a file, and the
//! guards of a server that any web site the client visits could reach: the page's token on
//! every write, and this server's own `Host` only. The page itself runs in Chromium in
//! `wasm_browser.rs`.
//!
//! Raw HTTP/1.1 over a `TcpStream`, as in `serve.rs`.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonus_web::{DaysFile, DeskLocalConfig};

async fn request(addr: SocketAddr, host: &str, head: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let text = format!("{head}\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// The date `n` days from today (UTC), as the page writes it.
fn from_today(n: i64) -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 86_400;
    tonus_core::date::Date::from_ymd(1970, 1, 1).unwrap().add_days(days as i64 + n).to_string()
}

fn day(date: &str, sitting_ms: i64, breaks_taken: i64) -> String {
    format!(
        r#"{{"day":"{date}","sitting_ms":{sitting_ms},"longest_bout_ms":1000,"breaks_offered":2,"breaks_taken":{breaks_taken},"readable_ms":900,"within_ms":800,"nudges":0,"exercises_done":1}}"#
    )
}

fn report_plan() -> tonus_app::report::PlanView {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/tests/snapshots/desk-worker.json");
    let report: tonus_app::report::Report = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    report.plan.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_desk_serves_the_page_and_keeps_the_totals_in_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let days_file = dir.path().join("days.json");
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let host = format!("localhost:{}", addr.port());
    let config = DeskLocalConfig {
        listen: addr,
        wasm_dir: None,
        days_file: days_file.clone(),
        plan: Some(report_plan()),
        engine: tonus_app::Engine::embedded().unwrap(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tonus_web::serve_desk_with_shutdown(config, async {
        let _ = stopped.await;
    }));
    let mut page = String::new();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            page = request(addr, &host, "GET /desk HTTP/1.1", "").await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("content-security-policy: default-src 'self'"), "the app's CSP: {page}");
    assert!(page.contains("kept on this computer, in"), "the page says where the totals go");
    let data = page.replace("&#34;", "\"").replace("&quot;", "\"");
    assert!(data.contains(r#""sync":"local""#), "the script is told to save locally");
    assert!(data.contains(r#""exercises":[{"id":"#), "breaks carry the report's exercises");
    assert!(!page.contains("/logout"), "no accounts");
    let token = page.split("data-csrf=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(token.len(), 64);

    let post = |token: String, body: String| {
        let host = host.clone();
        async move {
            let head = format!("POST /api/desk/days HTTP/1.1\r\nContent-Type: application/json\r\nX-CSRF-Token: {token}");
            request(addr, &host, &head, &body).await
        }
    };
    // Two copies of a day, the older one second, and another day: each field keeps its larger value.
    let (today, yesterday) = (from_today(0), from_today(-1));
    let first = post(token.clone(), format!(r#"{{"days":[{},{}]}}"#, day(&today, 5000, 2), day(&yesterday, 100, 1))).await;
    assert!(first.starts_with("HTTP/1.1 200") && first.contains(r#"{"stored":2}"#), "{first}");
    let older = post(token.clone(), format!(r#"{{"days":[{}]}}"#, day(&today, 3000, 3))).await;
    assert!(older.starts_with("HTTP/1.1 200"), "{older}");
    let kept = DaysFile::read(&days_file).unwrap();
    let summary: Vec<_> = kept.days.iter().map(|d| (d.day.as_str(), d.sitting_ms, d.breaks_taken)).collect();
    assert_eq!(summary, [(yesterday.as_str(), 100, 1), (today.as_str(), 5000, 3)]);

    // Refused, and nothing written: no token, a wrong one, a day that is not one, a day far
    // from today, another Host.
    let before = std::fs::read_to_string(&days_file).unwrap();
    let bad_token = post("0".repeat(64), format!(r#"{{"days":[{}]}}"#, day(&yesterday, 1, 1))).await;
    assert!(bad_token.starts_with("HTTP/1.1 403"), "{bad_token}");
    for bad in ["2026-13-01", "2026-04-31", "2027-02-29", &from_today(3), &from_today(-367), "9999-12-31"] {
        let bad_day = post(token.clone(), format!(r#"{{"days":[{},{}]}}"#, day(&yesterday, 1, 1), day(bad, 1, 1))).await;
        assert!(bad_day.starts_with("HTTP/1.1 422") && bad_day.contains(bad), "{bad}: {bad_day}");
        assert!(bad_day.contains("application/json"), "the API's JSON error: {bad_day}");
    }
    let head = format!("POST /api/desk/days HTTP/1.1\r\nContent-Type: application/json\r\nX-CSRF-Token: {token}");
    let rebound = request(addr, &format!("attacker.example:{}", addr.port()), &head, r#"{"days":[]}"#).await;
    assert!(rebound.starts_with("HTTP/1.1 421"), "{rebound}");
    let rebound_page = request(addr, "attacker.example", "GET /desk HTTP/1.1", "").await;
    assert!(rebound_page.starts_with("HTTP/1.1 421"), "{rebound_page}");
    assert_eq!(std::fs::read_to_string(&days_file).unwrap(), before);

    // The module and the service worker are served as in the clinic app.
    let worker = request(addr, &host, "GET /desk-sw.js HTTP/1.1", "").await;
    assert!(worker.starts_with("HTTP/1.1 200") && worker.contains("text/javascript"), "{worker}");
    let no_module = request(addr, &host, "GET /wasm/tonus_pose.wasm HTTP/1.1", "").await;
    assert!(no_module.starts_with("HTTP/1.1 404") && no_module.contains("cargo xtask wasm"), "{no_module}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn the_local_desk_refuses_a_non_loopback_address_and_a_file_not_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("notes.json");
    std::fs::write(&foreign, r#"{"shopping": ["milk"]}"#).unwrap();
    let config = |listen: &str, days_file: &Path| DeskLocalConfig {
        listen: listen.parse().unwrap(),
        wasm_dir: None,
        days_file: days_file.to_owned(),
        plan: None,
        engine: tonus_app::Engine::embedded().unwrap(),
    };
    let open = tonus_web::serve_desk_with_shutdown(config("0.0.0.0:0", &dir.path().join("d.json")), async {}).await.unwrap_err();
    assert!(open.to_string().contains("this computer only"), "{open}");
    let not_ours = tonus_web::serve_desk_with_shutdown(config("127.0.0.1:0", &foreign), async {}).await.unwrap_err();
    assert!(not_ours.to_string().contains("notes.json: not a Tonus desk days file"), "{not_ours}");
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), r#"{"shopping": ["milk"]}"#, "left as it was");
}
