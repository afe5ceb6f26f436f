//! The web layer's one error type and how each case becomes a response.
//!
//! Users see a status and a short, safe message; storage and engine failures are logged with
//! their source chain and shown only as "something went wrong". Never shows SQL, paths or
//! stack traces.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tonus_store::StoreError;

/// What went wrong while handling a request (or starting the server).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The record does not exist, or the user may not know it exists.
    #[error("not found")]
    NotFound,
    /// The user is known but their role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// No valid session; pages redirect to the login form, the API answers 401.
    #[error("login required")]
    LoginRequired {
        /// Whether the request was for the JSON API.
        api: bool,
    },
    /// The account's password was chosen by someone else and must be changed first; pages
    /// redirect to the change form, the API answers 403.
    #[error("password change required")]
    PasswordChangeRequired {
        /// Whether the request was for the JSON API.
        api: bool,
    },
    /// The input is wrong; the message names the field and is safe to show.
    #[error("invalid input: {0}")]
    BadRequest(String),
    /// The API's login was refused: unknown login or wrong password (401).
    #[error("bad credentials: {0}")]
    BadCredentials(String),
    /// The request clashes with the current state; the message is safe to show.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The CSRF token or the Origin header did not match.
    #[error("csrf check failed")]
    Csrf,
    /// The request body is over the upload limit.
    #[error("request body too large")]
    TooLarge,
    /// Too many failed logins; try again later.
    #[error("too many login attempts")]
    TooManyAttempts {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// The disk is full: nothing was saved (507, with a message that says so).
    #[error("storage full")]
    StorageFull(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The store failed.
    #[error("storage failed")]
    Store(#[source] StoreError),
    /// The engine failed on input it had accepted.
    #[error("engine failed: {0}")]
    Engine(String),
    /// A clinic use case failed in storage or the engine.
    #[error("{0}")]
    Clinic(#[source] tonus_clinic::ClinicError),
    /// A template failed to render.
    #[error("template failed")]
    Template(#[source] askama::Error),
    /// Binding, serving or another IO step of the server failed.
    #[error("{context}")]
    Io {
        /// What was being done, naming the address or path.
        context: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration cannot be used.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl From<StoreError> for WebError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict => Self::Conflict("the record was changed or already exists".into()),
            StoreError::Invalid(message) => Self::BadRequest(message),
            full @ StoreError::Full(_) => Self::StorageFull(Box::new(full)),
            other => Self::Store(other),
        }
    }
}

impl From<tonus_clinic::ClinicError> for WebError {
    fn from(err: tonus_clinic::ClinicError) -> Self {
        use tonus_clinic::ErrorKind;
        match err.kind {
            ErrorKind::Invalid => Self::BadRequest(err.shown()),
            ErrorKind::NotFound => Self::NotFound,
            ErrorKind::Conflict => Self::Conflict(err.shown()),
            ErrorKind::Full => Self::StorageFull(Box::new(err)),
            ErrorKind::Storage => Self::Clinic(err),
            ErrorKind::Engine => Self::Clinic(err),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(err: askama::Error) -> Self {
        Self::Template(err)
    }
}

impl WebError {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            Self::PasswordChangeRequired { .. } => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadCredentials(_) => StatusCode::UNAUTHORIZED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Store(_) | Self::Engine(_) | Self::Clinic(_) | Self::Template(_) | Self::Io { .. } | Self::Config(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The message a user may see.
    pub fn public_message(&self) -> String {
        match self {
            Self::NotFound => "Not found.".into(),
            Self::Forbidden => "You do not have access to this page.".into(),
            Self::LoginRequired { .. } => "Please log in.".into(),
            Self::PasswordChangeRequired { .. } => {
                "Your password was set by someone else: change it first (POST /account/password, or the page of that name).".into()
            }
            Self::BadRequest(message) | Self::Conflict(message) | Self::BadCredentials(message) => message.clone(),
            Self::Csrf => "The form expired or came from another site; reload the page and try again.".into(),
            Self::TooManyAttempts { retry_after_secs } => {
                format!("Too many failed logins; try again in {}.", format_wait(*retry_after_secs))
            }
            Self::TooLarge => "The upload is larger than this server accepts; use a smaller file.".into(),
            Self::StorageFull(_) => tonus_clinic::FULL.into(),
            _ => "Something went wrong on the server; the error has been logged.".into(),
        }
    }

    /// Adds the headers this error implies (`Retry-After` for too many attempts).
    pub(crate) fn add_headers(&self, response: &mut Response) {
        if let Self::TooManyAttempts { retry_after_secs } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(*retry_after_secs));
        }
    }

    /// Logs the internal cause of server-side failures.
    pub(crate) fn log(&self) {
        if self.status().is_server_error() {
            let mut chain = self.to_string();
            let mut source = std::error::Error::source(self);
            while let Some(err) = source {
                chain.push_str(": ");
                chain.push_str(&err.to_string());
                source = err.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
    }
}

/// "45 seconds", "3 minutes".
fn format_wait(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            Self::LoginRequired { api: false } => return Redirect::to("/login").into_response(),
            Self::PasswordChangeRequired { api: false } => return Redirect::to("/account/password?required=1").into_response(),
            // An extractor's refusal inside the API answers the API's JSON error body.
            Self::LoginRequired { api: true } | Self::PasswordChangeRequired { api: true } => return ApiError(self).into_response(),
            _ => {}
        }
        self.log();
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tonus</title>\
             <link rel=\"stylesheet\" href=\"/assets/tonus.css\"></head><body><main class=\"page\">\
             <h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the start page</a></p></main></body></html>",
            self.status().canonical_reason().unwrap_or("Error"),
            tonus_app::render::esc(&self.public_message())
        );
        let mut response = (self.status(), Html(body)).into_response();
        self.add_headers(&mut response);
        response
    }
}

/// An error for the JSON API: the same cases, answered as `{"error": "..."}`.
#[derive(Debug)]
pub(crate) struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let mut response = (status, axum::Json(serde_json::json!({ "error": self.0.public_message() }))).into_response();
        self.0.add_headers(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_answers_507_and_says_nothing_was_saved() {
        let full = || StoreError::Full(Box::new(std::io::Error::from_raw_os_error(28)));
        for err in [WebError::from(full()), WebError::from(tonus_clinic::ClinicError::from(full()))] {
            assert_eq!(err.status(), StatusCode::INSUFFICIENT_STORAGE);
            assert!(err.public_message().contains("storage is full, so this was not saved"), "{}", err.public_message());
        }
    }
}
