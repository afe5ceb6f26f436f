//! The browser module (`cargo xtask wasm`'s `target/wasm/`): `pose.mjs` and
//! `tonus_pose.wasm`, served from the directory in [`crate::Settings::wasm_dir`] with their
//! MIME types (`application/wasm` lets browsers compile while downloading) and an ETag from
//! the build's `manifest.json`, so a browser revalidates with a cheap 304 and fetches the
//! 13 MB module again only after a rebuild. Only these two names are served.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::WebError;
use crate::state::AppState;

/// The files served, with their content types.
const FILES: &[(&str, &str)] = &[("tonus_pose.wasm", "application/wasm"), ("pose.mjs", "text/javascript; charset=utf-8")];

/// Where the module is when no directory is configured: `wasm/` beside the directory of the
/// running binary (`target/debug/tonus` → `target/wasm`), if it exists.
pub fn default_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.join("wasm");
    dir.join("tonus_pose.wasm").is_file().then_some(dir)
}

/// The file's SHA-256 as recorded in the build's manifest.
fn etag(dir: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    let manifest: std::collections::BTreeMap<String, ManifestEntry> = serde_json::from_str(&text).ok()?;
    manifest.get(name).map(|e| format!("\"{}\"", e.sha256))
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    sha256: String,
}

pub(crate) async fn file(State(state): State<AppState>, UrlPath(name): UrlPath<String>, headers: HeaderMap) -> Result<Response, WebError> {
    serve(state.settings().wasm_dir.as_deref(), &name, &headers).await
}

/// Answers for `name` from `dir` (the clinic app's and `tonus desk`'s `/wasm/{name}`).
pub(crate) async fn serve(dir: Option<&Path>, name: &str, headers: &HeaderMap) -> Result<Response, WebError> {
    let Some(&(name, content_type)) = FILES.iter().find(|(n, _)| *n == name) else { return Err(WebError::NotFound) };
    let Some(dir) = dir else {
        return Ok((
            StatusCode::NOT_FOUND,
            "The browser module is not built on this server: run `cargo xtask wasm`, or set serve.wasm_dir.",
        )
            .into_response());
    };
    let tag = etag(dir, name);
    let mut response = match &tag {
        Some(tag) if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str()) => {
            StatusCode::NOT_MODIFIED.into_response()
        }
        _ => match tokio::fs::read(dir.join(name)).await {
            Ok(bytes) => {
                let mut r = bytes.into_response();
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
                r
            }
            Err(_) => return Err(WebError::NotFound),
        },
    };
    let h = response.headers_mut();
    // Revalidate every time (the URL has no version in it), but a 304 costs nothing.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, tag);
    }
    Ok(response)
}
