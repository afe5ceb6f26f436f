//! HTTPS served by Tonus itself (`serve --tls-cert/--tls-key`): a TLS client that trusts only
//! the test CA gets the health answer with HSTS over HTTP/1.1; plain HTTP on the same port gets
//! no page; the server drains and stops when asked; and certificate files that are missing,
//! not PEM or not a pair stop the start with a message naming the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::{TlsConnector, rustls};
use tonus_web::{TlsFiles, WebConfig};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

fn config(dir: &Path, listen: SocketAddr, tls: TlsFiles) -> WebConfig {
    WebConfig { listen, tls: Some(tls), ..WebConfig::sqlite_in(dir) }
}

fn pair() -> TlsFiles {
    TlsFiles { cert: fixture("server.pem"), key: fixture("server.key") }
}

fn connector() -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(fixture("ca.pem")).unwrap()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn get_tls(addr: SocketAddr, path: &str) -> String {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector().connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    tls.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = Vec::new();
    // A server that closes without close_notify is still a whole response here.
    let _ = tls.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_hsts_and_refuses_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tonus_web::serve_with_shutdown(config(dir.path(), addr, pair()), async {
        let _ = stopped.await;
    }));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = get_tls(addr, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"database\":\"sqlite\""), "{health}");
    assert!(health.to_ascii_lowercase().contains("strict-transport-security: max-age="), "HTTPS sends HSTS: {health}");
    let login = get_tls(addr, "/clients").await;
    assert!(login.starts_with("HTTP/1.1 303") && login.contains("location: /login"), "{login}");

    // Plain HTTP to the HTTPS port: the handshake fails and no page is served.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"), "plain HTTP got a page");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(40), server).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn bad_certificate_files_stop_the_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let cases = [
        (TlsFiles { cert: fixture("server.pem"), key: fixture("ca.key") }, "ca.key", "does not go with the certificate"),
        (TlsFiles { cert: fixture("README.md"), key: fixture("server.key") }, "README.md", "no certificate"),
        (TlsFiles { cert: fixture("server.pem"), key: fixture("README.md") }, "README.md", "no private key"),
        (TlsFiles { cert: dir.path().join("missing.pem"), key: fixture("server.key") }, "missing.pem", "cannot read"),
    ];
    for (files, named, says) in cases {
        let err = tonus_web::serve_with_shutdown(config(dir.path(), listen, files), async {}).await.unwrap_err().to_string();
        assert!(err.contains(named) && err.contains(says), "expected {named:?} and {says:?} in: {err}");
    }
}
