//! `/admin/clinic`: the clinic's name, address, contact line and logo, which the report and the
//! handout print at their top (`templates/clinic_header.html`). Administrators only. The logo
//! is checked to be a PNG or JPEG by its first bytes and kept as a `data:` URL, so pages need
//! no extra request for it (the CSP allows `data:` images).

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use serde::Deserialize;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{ClinicSettings, MAX_LOGO_BYTES, Role};

use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::check_csrf;
use crate::pages::Layout;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/clinic.html")]
struct ClinicPage {
    layout: Layout,
    clinic: ClinicSettings,
    saved: Option<&'static str>,
    error: Option<String>,
    max_logo_kib: usize,
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    saved: Option<String>,
}

/// `GET /admin/clinic`.
pub(crate) async fn show(State(state): State<AppState>, me: CurrentUser, Query(q): Query<Saved>) -> Result<Html<String>, WebError> {
    me.require_role(&[Role::Admin])?;
    let clinic = state.store.clinic_settings().await?;
    let saved = q.saved.is_some().then_some("Saved: reports and handouts print these details.");
    let page =
        ClinicPage { layout: Layout::for_user("Clinic details", &me), clinic, saved, error: None, max_logo_kib: MAX_LOGO_BYTES / 1024 };
    Ok(Html(page.render()?))
}

/// The logo as a `data:` URL, when the bytes are a PNG or a JPEG within the limit.
fn logo_url(bytes: &[u8]) -> Result<String, String> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(format!("logo: {} KiB is more than the {} KiB allowed", bytes.len().div_ceil(1024), MAX_LOGO_BYTES / 1024));
    }
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        return Err("logo: not a PNG or JPEG image".into());
    };
    Ok(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// `POST /admin/clinic` (multipart): the details, and a new logo or its removal. A problem
/// comes back on the page with what was typed, and nothing is saved.
pub(crate) async fn save(State(state): State<AppState>, me: CurrentUser, mut multipart: Multipart) -> Result<Response, WebError> {
    me.require_role(&[Role::Admin])?;
    let bad = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::TooLarge
        } else {
            WebError::BadRequest("the form could not be read".into())
        }
    };
    let mut clinic = state.store.clinic_settings().await?;
    let (mut csrf, mut logo, mut remove) = (None, None::<Vec<u8>>, false);
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = Some(field.text().await.map_err(bad)?),
            "name" => clinic.name = field.text().await.map_err(bad)?.trim().to_owned(),
            "address" => clinic.address = field.text().await.map_err(bad)?.trim().replace("\r\n", "\n"),
            "contact" => clinic.contact = field.text().await.map_err(bad)?.trim().to_owned(),
            "remove_logo" => remove = field.text().await.map_err(bad)? == "yes",
            "logo" => logo = Some(field.bytes().await.map_err(bad)?.to_vec()).filter(|b| !b.is_empty()),
            _ => {}
        }
    }
    check_csrf(&me, csrf.as_deref())?;
    let mut error = None;
    if remove {
        clinic.logo = None;
    }
    if let Some(bytes) = logo {
        match logo_url(&bytes) {
            Ok(url) => clinic.logo = Some(url),
            Err(e) => error = Some(e),
        }
    }
    if error.is_none() {
        match state.store.put_clinic_settings(&clinic).await {
            Ok(()) => {
                crate::audit::record(&state, Some(me.user.id), Action::Update, RecordKind::Settings, "clinic", "clinic details").await?;
                return Ok(Redirect::to("/admin/clinic?saved=1").into_response());
            }
            Err(tonus_store::StoreError::Invalid(message)) => error = Some(message),
            Err(other) => return Err(other.into()),
        }
    }
    let page =
        ClinicPage { layout: Layout::for_user("Clinic details", &me), clinic, saved: None, error, max_logo_kib: MAX_LOGO_BYTES / 1024 };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logo_must_be_a_small_png_or_jpeg() {
        assert!(logo_url(b"\x89PNG\r\n\x1a\nrest").unwrap().starts_with("data:image/png;base64,"));
        assert!(logo_url(&[0xff, 0xd8, 0xff, 0xe0]).unwrap().starts_with("data:image/jpeg;base64,"));
        assert_eq!(logo_url(b"<svg onload=alert(1)>").unwrap_err(), "logo: not a PNG or JPEG image");
        let big = [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0; MAX_LOGO_BYTES]].concat();
        assert!(logo_url(&big).unwrap_err().contains("more than the 256 KiB allowed"));
    }
}
