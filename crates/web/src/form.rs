//! Extractors for state-changing requests: the session plus a checked CSRF token.
//!
//! Forms carry the session's synchronizer token in a hidden `csrf` field; API calls send it
//! in the `X-CSRF-Token` header. Multipart uploads check the field themselves
//! (`check_csrf`), since their body is streamed.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use serde::de::DeserializeOwned;

use crate::auth::{CurrentUser, constant_time_eq};
use crate::error::WebError;
use crate::state::AppState;

/// Fails unless `given` is the session's CSRF token.
pub(crate) fn check_csrf(user: &CurrentUser, given: Option<&str>) -> Result<(), WebError> {
    match given {
        Some(token) if constant_time_eq(token, &user.csrf) => Ok(()),
        _ => Err(WebError::Csrf),
    }
}

/// A URL-encoded form posted by a logged-in user with a valid CSRF token.
#[derive(Debug)]
pub(crate) struct CsrfForm<T>(pub CurrentUser, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = request.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                WebError::TooLarge
            } else {
                WebError::BadRequest("the form could not be read".into())
            }
        })?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| WebError::BadRequest("the form could not be read".into()))?;
        let token = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
        check_csrf(&user, token)?;
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|err| WebError::BadRequest(format!("the form is incomplete: {err}")))?;
        Ok(Self(user, value))
    }
}

/// A logged-in API caller whose `X-CSRF-Token` header matches the session.
#[derive(Debug)]
pub(crate) struct ApiWriter(pub CurrentUser);

impl FromRequestParts<AppState> for ApiWriter {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        check_csrf(&user, token)?;
        Ok(Self(user))
    }
}
