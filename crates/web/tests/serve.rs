//! The real server: `serve_with_shutdown` on a socket, answering over TCP, printing nothing
//! secret, and stopping cleanly when asked; `load_demo` through a `WebConfig`.
//!
//! Uses raw HTTP/1.1 over a `TcpStream`, so no HTTP client is needed.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonus_web::WebConfig;

fn config(dir: &std::path::Path, listen: SocketAddr) -> WebConfig {
    WebConfig { listen, share_link_ttl_secs: 600, ..WebConfig::sqlite_in(dir) }
}

async fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_socket_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    // Take a free port, then hand it to the server.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tonus_web::serve_with_shutdown(config(dir.path(), addr), async {
        let _ = stopped.await;
    }));
    let mut health = String::new();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            health = get(addr, "/healthz").await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"database\":\"sqlite\""));
    let login = get(addr, "/clients").await;
    assert!(login.starts_with("HTTP/1.1 303") && login.contains("location: /login"), "{login}");
    // A second server on the same data directory refuses to start, naming it.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let refused = tonus_web::serve_with_shutdown(config(dir.path(), other), async {}).await.unwrap_err();
    assert!(refused.to_string().contains("already using the data directory"), "{refused}");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    assert!(dir.path().join("tonus.db").is_file());
    // The lock goes with the server: the directory can be served again.
    let again = tonus_web::serve_with_shutdown(config(dir.path(), other), async {}).await;
    assert!(again.is_ok(), "{again:?}");
}

#[tokio::test]
async fn demo_through_the_config_and_refused_twice() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "127.0.0.1:0".parse().unwrap());
    let summary = tonus_web::load_demo(&config, "demo", "a sample clinic key").await.unwrap();
    assert_eq!(summary.clients, 3);
    assert!(tonus_web::load_demo(&config, "demo", "a sample clinic key").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_and_pages_on_postgres() {
    let Ok(base) = std::env::var("TONUS_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED demo_and_pages_on_postgres: set TONUS_TEST_POSTGRES_URL to run it");
        return;
    };
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use sqlx::Connection;
    let db = format!("tonus_web_{}", &tonus_store::token::generate().unwrap()[..12]);
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.unwrap();
    let (prefix, _) = base.split('?').next().unwrap().rsplit_once('/').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), "127.0.0.1:0".parse().unwrap());
    config.database_url = format!("{prefix}/{db}");
    let summary = tonus_web::load_demo(&config, "demo", "a sample clinic key").await.unwrap();
    assert_eq!(summary.assessments, 3);
    let store = tonus_store::connect(&config.store_config()).await.unwrap();
    let mut settings = config.settings();
    settings.password_cost = tonus_web::PasswordCost::MinimalForTests;
    let router = tonus_web::router(tonus_web::AppState::new(store.clone(), settings).unwrap());
    let login = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"login": "demo", "password": "a sample clinic key"}"#))
        .unwrap();
    let reply = router.clone().oneshot(login).await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let cookie = reply.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let clients = store.clients(&tonus_store::ClientQuery::default()).await.unwrap();
    let assessment = store.assessments_for(clients[0].id).await.unwrap()[0].id;
    for path in ["/clients".to_owned(), format!("/clients/{}", clients[0].id), format!("/assessments/{assessment}")] {
        let request = Request::get(&path).header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(!body.is_empty());
    }
    drop(router);
    drop(store);
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await.unwrap();
}
