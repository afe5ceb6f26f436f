//! Response hardening and the cross-site request check, applied to every route.
//!
//! State-changing requests (anything but GET/HEAD/OPTIONS) must not come from another site:
//! `Sec-Fetch-Site` must be `same-origin` (or `none`) when the browser sends it, otherwise an
//! `Origin` header must match `Host`. This
//! complements the per-form synchronizer token checked in `form.rs`. Requests without either
//! header (non-browser API clients) pass here and still need the token.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::WebError;

pub(crate) async fn headers_and_origin(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) && !same_origin(&request) {
        // The API answers its one JSON error body; pages an HTML page.
        if request.uri().path().starts_with("/api/") {
            return crate::error::ApiError(WebError::Csrf).into_response();
        }
        return WebError::Csrf.into_response();
    }
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Share-link tokens are in URLs; never send them to other sites. (`no-referrer` would also
    // make browsers send `Origin: null` on our own form posts.)
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // `'wasm-unsafe-eval'` lets pages compile the pose module (`/wasm/`); it allows no JavaScript
    // `eval`. `connect-src` falls back to `'self'`, so no page can send anything elsewhere.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    if !is_asset && !headers.contains_key(header::CACHE_CONTROL) {
        // Pages carry clinical data: keep them out of shared caches and the back-forward cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `Strict-Transport-Security` for an app served over HTTPS.
pub(crate) async fn hsts(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    response
}

fn same_origin(request: &Request) -> bool {
    let headers = request.headers();
    // Browsers that send Fetch metadata say directly where the request came from; `none`
    // means the user typed or bookmarked it.
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    // Origin is scheme://host[:port]; compare the authority with Host.
    origin.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}
