//! HTTPS without a reverse proxy: `tonus serve --tls-cert FILE --tls-key FILE`.
//!
//! The certificate chain and key are read once at start (PEM; a key that does not match the
//! certificate is refused there, naming the files). Each accepted connection gets a TLS
//! handshake (10 s at most) and is then served as HTTP/1.1 by hyper with the same router as
//! plain HTTP, the peer address added as axum's `ConnectInfo` for the login limiter. On
//! shutdown the listener closes, connections finish their requests in flight (30 s at most),
//! and the call returns. rustls runs on ring: no OpenSSL, nothing that downloads at build time.
//!
//! Left out: reloading a renewed certificate without a restart (restart the server after
//! renewing), HTTP/2, and client certificates.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::{TlsAcceptor, rustls};
use tower::ServiceExt;

use crate::error::WebError;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long requests in flight may run on after shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The PEM files for HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, the server's certificate first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Reads the files into a TLS acceptor, or says which file is wrong and why.
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, WebError> {
    let bad = |path: &Path, what: String| WebError::Config(format!("{}: {what}", path.display()));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|err| bad(&files.cert, format!("cannot read the certificate: {err}")))?
        .collect::<Result<_, _>>()
        .map_err(|err| bad(&files.cert, format!("not a PEM certificate chain: {err}")))?;
    if certs.is_empty() {
        return Err(bad(&files.cert, "holds no certificate (expected -----BEGIN CERTIFICATE-----)".into()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|err| bad(&files.key, format!("no private key could be read (expected a PEM PRIVATE KEY): {err}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| WebError::Config(format!("TLS setup failed: {err}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|err| bad(&files.key, format!("does not go with the certificate in {}: {err}", files.cert.display())))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `app` over TLS on `listener` until `shutdown` completes, then drains.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (acceptor, app, watcher) = (acceptor.clone(), app.clone(), graceful.watcher());
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(err)) => return tracing::debug!(%peer, error = %err, "TLS handshake failed"),
                Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
            };
            let service = tower::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                app.clone().oneshot(request)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service));
            if let Err(err) = watcher.watch(connection).await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; stopping anyway"),
    }
}
