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
const HTMX_LICENSE: &str = include_str!("../assets/htmx.LICENSE");

pub(crate) async fn asset(Path(file): Path<String>) -> Result<Response, WebError> {
    let (body, content_type) = match file.as_str() {
        "tonus.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "tonus.js" => (JS, "text/javascript; charset=utf-8"),
        "visual.js" => (VISUAL_JS, "text/javascript; charset=utf-8"),
        "desk.js" => (DESK_JS, "text/javascript; charset=utf-8"),
        "htmx.LICENSE" => (HTMX_LICENSE, "text/plain; charset=utf-8"),
        _ => return Err(WebError::NotFound),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}
