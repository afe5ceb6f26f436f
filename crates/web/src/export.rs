//! `GET /clients/{id}/export.zip`: a client's whole record as a ZIP archive (the JSON, one
//! CSV per table and the photo files, built by `tonus_clinic::export`), for the staff who may
//! view the client. The export writes its own audit line.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tonus_clinic::{Actor, ExportFormat};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::state::AppState;

/// `GET /clients/{id}/export.zip`: the record as a ZIP archive, for the staff who may view the
/// client (the same rule as the client page); the download is audited.
pub(crate) async fn download_zip(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    let bytes = state.clinic.export(Actor::user(me.user.id), client.id, ExportFormat::Zip, "").await?;
    Ok(attachment(bytes, "application/zip", &format!("{}.zip", tonus_clinic::export::file_stem(client.id))))
}

/// A download: the bytes with their type, saved under `file_name` (an ASCII name the server
/// made, never one a user typed).
pub(crate) fn attachment(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
