//! Static files embedded in the binary: the stylesheet, the app's small scripts (the desk
//! page's among them) and the vendored htmx.
//!
//! Only the names listed here are served; nothing is read from disk at run time.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::WebError;

const CSS: &str = include_str!("../assets/tonus.css");
const HTMX: &str = include_str!("../assets/htmx.min.js");
const JS: &str = include_str!("../assets/tonus.js");
const VISUAL_JS: &str = include_str!("../assets/visual.js");
const DESK_JS: &str = include_str!("../assets/desk.js");
const CAPTURE_JS: &str = include_str!("../assets/capture.js");
const DESK_SW: &str = include_str!("../assets/desk-sw.js");
const DESK_ICON: &str = include_str!("../assets/desk-icon.svg");
const DESK_MANIFEST: &str = r##"{
  "name": "Tonus at my desk",
  "short_name": "Tonus desk",
  "description": "Breaks and posture at the desk, with your own exercises; the camera picture stays on your computer.",
  "start_url": "/desk",
  "scope": "/desk",
  "display": "standalone",
  "background_color": "#f6f8fa",
  "theme_color": "#1f6f78",
  "icons": [{ "src": "/assets/desk-icon.svg", "sizes": "any", "type": "image/svg+xml" }]
}
"##;
const HTMX_LICENSE: &str = include_str!("../assets/htmx.LICENSE");

/// `/desk-sw.js`: the desk page's service worker, served from the root so that its scope can
/// cover `/desk` and `/wasm/` (a worker's scope is at most its own path's folder).
pub(crate) async fn desk_worker() -> Response {
    let mut response = DESK_SW.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `/desk.webmanifest`: makes the desk page installable.
pub(crate) async fn desk_manifest() -> Response {
    let mut response = DESK_MANIFEST.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/manifest+json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub(crate) async fn asset(Path(file): Path<String>) -> Result<Response, WebError> {
    let (body, content_type) = match file.as_str() {
        "tonus.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "tonus.js" => (JS, "text/javascript; charset=utf-8"),
        "visual.js" => (VISUAL_JS, "text/javascript; charset=utf-8"),
        "desk.js" => (DESK_JS, "text/javascript; charset=utf-8"),
        "capture.js" => (CAPTURE_JS, "text/javascript; charset=utf-8"),
        "desk-icon.svg" => (DESK_ICON, "image/svg+xml"),
        "htmx.LICENSE" => (HTMX_LICENSE, "text/plain; charset=utf-8"),
        _ => return Err(WebError::NotFound),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}
