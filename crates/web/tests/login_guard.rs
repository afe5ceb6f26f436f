//! Logins under attack: nothing typed reaches the audit log or the disk, a flood of wrong
//! guesses never locks out a correct password from the account's usual browser or address
//! (though guesses from that address are limited),
//! limits hold across two server processes, and `next` never leaves the site.

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use support::{PASSWORD, Reply, TestApp};
use tonus_store::AuditEntry;

/// Logs in through the form from an address, with a device cookie if given.
async fn login_from(router: &axum::Router, login: &str, password: &str, addr: &str, device: Option<&str>) -> Reply {
    let body = serde_urlencoded::to_string([("login", login), ("password", password)]).unwrap();
    let mut request = Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(device) = device {
        request = request.header(header::COOKIE, format!("tonus_device={device}"));
    }
    let mut request = request.body(Body::from(body)).unwrap();
    request.extensions_mut().insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
    TestApp::send_to(router, request).await
}

/// The device cookie a login set.
fn device_of(reply: &Reply) -> String {
    let cookie = reply.set_cookies.iter().find(|c| c.starts_with("tonus_device=")).expect("a device cookie");
    cookie["tonus_device=".len()..].split(';').next().unwrap().to_owned()
}

async fn failed_lines(app: &TestApp) -> Vec<AuditEntry> {
    app.store.recent_audit(10_000).await.unwrap().into_iter().filter(|e| e.action == "login_failed").collect()
}

#[tokio::test]
async fn failed_logins_store_no_typed_text() {
    let app = TestApp::new().await;
    app.setup_admin().await;
    let db = app.dir.path().join("tonus.db");
    let before = std::fs::metadata(&db).unwrap().len();
    // A megabyte login name, and a password typed into the name field.
    let huge = "a".repeat(1024 * 1024);
    let reply = login_from(&app.router, &huge, "whatever", "192.0.2.10:5000", None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "the login form takes 16 KiB at most");
    let long = "b".repeat(10_000);
    let reply = login_from(&app.router, &long, "whatever", "192.0.2.10:5000", None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!reply.text().contains(&long[..100]), "a long name is not echoed back");
    let secret = "My-Secret-Passw0rd!";
    login_from(&app.router, secret, "", "192.0.2.10:5000", None).await;
    login_from(&app.router, "admin", "wrong password!", "192.0.2.10:5000", None).await;
    let lines = failed_lines(&app).await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        assert!(line.record_id.len() <= 36, "{line:?}");
        assert!(!line.record_id.contains("bbbb") && !line.record_id.to_lowercase().contains("secret"), "{line:?}");
    }
    let admin = app.store.credentials("admin").await.unwrap().unwrap().user;
    assert!(lines.iter().any(|l| l.record_id == admin.id.to_string()), "a known account is named by its id");
    assert!(lines.iter().filter(|l| l.record_id.starts_with("unknown:")).count() == 2);
    // Nothing typed reached the database or its log.
    for file in ["tonus.db", "tonus.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{file} holds the typed password");
        assert!(!bytes.windows(200).any(|w| w.iter().all(|b| *b == b'b')), "{file} holds the typed name");
    }
    let after = std::fs::metadata(&db).unwrap().len();
    assert!(after < before + 256 * 1024, "the database grew from {before} to {after} bytes");
}

#[tokio::test]
async fn wrong_guesses_slow_the_account_but_not_its_own_browser() {
    let app = TestApp::new().await;
    app.setup_admin().await;
    // The admin logs in once from her browser at the clinic.
    let ok = login_from(&app.router, "admin", PASSWORD, "192.0.2.10:5000", None).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let device = device_of(&ok);
    // Someone elsewhere guesses: after five failures the account is slowed down.
    for _ in 0..5 {
        let reply = login_from(&app.router, "admin", "wrong password!", "198.51.100.66:4000", None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let blocked = login_from(&app.router, "admin", PASSWORD, "198.51.100.66:4000", None).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "the guesser's correct guess is refused too");
    let wait: u64 = blocked.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=15).contains(&wait), "Retry-After {wait}");
    assert!(blocked.text().contains("try again in"));
    // The admin, from her own browser (new address) or her usual address, gets in.
    let same_browser = login_from(&app.router, "admin", PASSWORD, "203.0.113.5:1", Some(&device)).await;
    assert_eq!(same_browser.status, StatusCode::SEE_OTHER, "{}", same_browser.text());
    for _ in 0..5 {
        login_from(&app.router, "admin", "wrong password!", "198.51.100.66:4000", None).await;
    }
    let usual_address = login_from(&app.router, "admin", PASSWORD, "192.0.2.10:6000", None).await;
    assert_eq!(usual_address.status, StatusCode::SEE_OTHER, "{}", usual_address.text());
}

#[tokio::test]
async fn guessing_from_the_accounts_usual_address_is_slowed_down_too() {
    let app = TestApp::new().await;
    app.setup_admin().await;
    // The admin logged in from her browser at the office's shared address; someone else in the
    // office guesses her password.
    let office = "192.0.2.10:5000";
    let ok = login_from(&app.router, "admin", PASSWORD, office, None).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let device = device_of(&ok);
    for _ in 0..5 {
        let reply = login_from(&app.router, "admin", "wrong password!", office, None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for _ in 0..3 {
        let reply = login_from(&app.router, "admin", "wrong password!", office, None).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "the usual address has no unlimited guesses");
    }
    let right = login_from(&app.router, "admin", PASSWORD, office, None).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "another browser at that address waits like anyone");
    // Her own browser is not held up by the guesses.
    let mine = login_from(&app.router, "admin", PASSWORD, office, Some(&device)).await;
    assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.text());
}

/// Guesses sent at once are counted one by one: they cannot all pass the limiter's check
/// before the first wrong one is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_sent_at_once_are_limited_like_guesses_in_a_row() {
    let app = TestApp::new().await;
    app.setup_admin().await;
    let guesses = (0..20).map(|i| {
        let router = app.router.clone();
        async move { login_from(&router, "admin", &format!("wrong guess {i}"), "198.51.100.66:4000", None).await.status }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let tried = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert_eq!(tried, 5, "five guesses were checked, the rest refused: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 15);
}

#[tokio::test]
async fn a_flood_of_names_from_one_address_locks_nobody_out() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    app.staff(&admin, "pat", "practitioner").await;
    // Everyone sits behind one proxy address; both staff logged in through it before.
    let proxy = "10.0.0.1:443";
    for login in ["admin", "pat"] {
        assert_eq!(login_from(&app.router, login, PASSWORD, proxy, None).await.status, StatusCode::SEE_OTHER);
    }
    for i in 0..40 {
        login_from(&app.router, &format!("random{i}"), "guess guess guess", proxy, None).await;
    }
    let stranger = login_from(&app.router, "random99", "guess guess guess", proxy, None).await;
    assert_eq!(stranger.status, StatusCode::TOO_MANY_REQUESTS, "the flooding address is slowed down");
    for login in ["admin", "pat"] {
        let reply = login_from(&app.router, login, PASSWORD, proxy, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{login}: {}", reply.text());
    }
    // The flood left one short line per attempt, not the typed names.
    let lines = failed_lines(&app).await;
    assert!(lines.len() <= 41 && lines.iter().all(|l| l.record_id.starts_with("unknown:")), "{}", lines.len());
}

#[tokio::test]
async fn failures_count_across_server_processes() {
    let app = TestApp::new().await;
    app.setup_admin().await;
    let second = app.second_server().await;
    for i in 0..5 {
        let router = if i % 2 == 0 { &app.router } else { &second };
        login_from(router, "admin", "wrong password!", "198.51.100.66:4000", None).await;
    }
    for router in [&app.router, &second] {
        let reply = login_from(router, "admin", PASSWORD, "198.51.100.66:4000", None).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = TestApp::new().await;
    app.setup_admin().await;
    let cases = [
        ("/admin/users?tab=1", "/admin/users?tab=1"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/ /evil.example", "/"),
        ("/caf\u{e9}", "/"),
        ("", "/"),
    ];
    for (next, expected) in cases {
        let reply = app.post("/login", None, &[("login", "admin"), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!((reply.status, reply.location.as_deref()), (StatusCode::SEE_OTHER, Some(expected)), "next={next:?}");
        // The login form's hidden field carries the same safe value.
        let form = app.get(&format!("/login?next={}", urlencode(next)), None).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(!form.text().contains("evil.example"), "next={next:?}");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
