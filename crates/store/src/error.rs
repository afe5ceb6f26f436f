//! The store's one error type and the translation from sqlx and IO errors into it.
//!
//! Callers can act on `NotFound`, `Conflict` and `Invalid`; everything else is `Backend`.

/// Boxed source error kept for logging; never shown to users.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in a store call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or no longer exists).
    #[error("record not found")]
    NotFound,
    /// The write clashes with existing data (duplicate login, used token, finished assessment).
    #[error("conflicting record")]
    Conflict,
    /// The input cannot be stored as given.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The database cannot be opened safely (damaged, or missing beside existing photos); the
    /// message says what was found and how to recover, and is meant for the administrator.
    #[error("{0}")]
    Refused(String),
    /// The database or the file system failed.
    #[error("storage backend failed")]
    Backend(#[source] BoxError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict,
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Self::Conflict,
            _ => Self::Backend(Box::new(err)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::Backend(Box::new(err))
    }
}

impl From<std::io::Error> for StoreError {
    fn from(err: std::io::Error) -> Self {
        Self::Backend(Box::new(err))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        Self::Backend(Box::new(err))
    }
}
