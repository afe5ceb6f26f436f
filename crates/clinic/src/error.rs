//! The clinic layer's one error: a kind the callers act on (the binary maps it to an exit code,
//! the web app to an HTTP status), the field it concerns when there is one, and a message that
//! is safe to show.
//!
//! Storage and engine failures keep their source for the log; their message says only what
//! was being done. Left out on purpose: HTTP statuses and exit codes (the callers' choice).

use tonus_store::StoreError;

/// What kind of failure, for the caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong; the message names the field and the fix.
    Invalid,
    /// The record does not exist.
    NotFound,
    /// The request clashes with the record's state (a complete assessment edited as a draft).
    Conflict,
    /// The disk holding the database or the photos is full: nothing was saved.
    Full,
    /// The database or the file system failed.
    Storage,
    /// The engine or the pose model failed on input it had accepted, or would not load.
    Engine,
}

/// A failed clinic use case.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.shown())]
pub struct ClinicError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The field the message is about (an intake path such as `symptoms.pain[0].intensity`, or
    /// a request field such as `points`), when there is one.
    pub field: Option<String>,
    /// What is wrong and, for bad input, how to fix it; safe to show.
    pub message: String,
    /// The underlying failure, for the log.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What a full disk means to the person who was saving.
pub const FULL: &str = "The clinic's storage is full, so this was not saved. Nothing saved earlier is lost. \
Ask whoever runs the Tonus server to free disk space, then try again.";

impl ClinicError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, field: None, message: message.into(), source: None }
    }

    /// Bad input about the whole request.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    /// Bad input in one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(ErrorKind::Invalid, message) }
    }

    /// A record that does not exist, named.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A request that clashes with the record's state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// The engine failed; `what` says what it was doing.
    pub fn engine(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::Engine, what)
    }

    /// Storage failed while doing `what`.
    pub fn storage(what: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self { source: Some(Box::new(source)), ..Self::new(ErrorKind::Storage, what) }
    }

    /// The message with its field, as shown.
    pub fn shown(&self) -> String {
        match &self.field {
            Some(field) => format!("{field}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

impl From<StoreError> for ClinicError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::not_found("not found"),
            StoreError::Conflict => Self::conflict("the record was changed or already exists"),
            StoreError::Invalid(message) => Self::invalid(message),
            full @ StoreError::Full(_) => Self { source: Some(Box::new(full)), ..Self::new(ErrorKind::Full, FULL) },
            other => Self::storage("the store failed", other),
        }
    }
}

impl From<tonus_app::InputError> for ClinicError {
    fn from(err: tonus_app::InputError) -> Self {
        match err.field.clone() {
            // Shown next to its field: the message alone.
            Some(field) => Self::field(field, err.message),
            None => Self::invalid(err.to_string()),
        }
    }
}

impl From<tonus_app::AppError> for ClinicError {
    fn from(err: tonus_app::AppError) -> Self {
        match err {
            tonus_app::AppError::Input(input) => input.into(),
            // A photo that cannot be decoded is bad input; a model that fails to load is not.
            tonus_app::AppError::Photo(e)
                if !matches!(
                    e,
                    tonus_pose::PoseError::ModelChecksum { .. }
                        | tonus_pose::PoseError::Model { .. }
                        | tonus_pose::PoseError::Worker { .. }
                ) =>
            {
                Self::invalid(e.to_string())
            }
            other => Self { source: Some(Box::new(other)), ..Self::new(ErrorKind::Engine, "the engine failed") },
        }
    }
}
