//! The store's one error type and the translation from sqlx and IO errors into it.
//!
//! Callers can act on `NotFound`, `Conflict`, `Invalid` and `Full`; everything else is `Backend`.

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
    /// The disk (or the database's size limit) is full, so nothing was written: SQLite's
    /// `SQLITE_FULL`, PostgreSQL's `disk_full` (53100), or `ENOSPC`/`EDQUOT` from the file system.
    #[error("the clinic's storage is full")]
    Full(#[source] BoxError),
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
            sqlx::Error::Database(db) if is_full_code(db.code().as_deref()) => Self::Full(Box::new(err)),
            sqlx::Error::Io(io) if is_full_io(io) => Self::Full(Box::new(err)),
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
        if is_full_io(&err) { Self::Full(Box::new(err)) } else { Self::Backend(Box::new(err)) }
    }
}

impl StoreError {
    /// Whether the failure is a full disk or database (the write did not happen).
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }
}

/// PostgreSQL's SQLSTATE `53100` (disk_full; SQLSTATEs are always five characters), or SQLite's
/// primary result code `SQLITE_FULL` (13; sqlx reports SQLite's extended code as a number of at
/// most four digits, whose low byte is the primary code).
fn is_full_code(code: Option<&str>) -> bool {
    match code {
        Some(sqlstate) if sqlstate.len() == 5 => sqlstate == "53100",
        Some(sqlite) => sqlite.parse::<i64>().is_ok_and(|c| c & 0xff == 13),
        None => false,
    }
}

/// `ENOSPC` or `EDQUOT` (Linux 28 and 122), however the standard library classifies them.
fn is_full_io(err: &std::io::Error) -> bool {
    matches!(err.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
        || matches!(err.raw_os_error(), Some(28 | 122))
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        Self::Backend(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disks_are_recognised_by_code_and_errno() {
        assert!(is_full_code(Some("13")));
        assert!(is_full_code(Some("53100")));
        assert!(!is_full_code(Some("19"))); // SQLITE_CONSTRAINT
        assert!(!is_full_code(Some("2067"))); // SQLITE_CONSTRAINT_UNIQUE
        assert!(!is_full_code(Some("23505")));
        assert!(!is_full_code(Some("10253"))); // five characters: a SQLSTATE, though 10253 & 0xff is 13
        assert!(!is_full_code(None));
        assert!(StoreError::from(std::io::Error::from_raw_os_error(28)).is_full());
        assert!(StoreError::from(std::io::Error::from_raw_os_error(122)).is_full());
        assert!(!StoreError::from(std::io::Error::from_raw_os_error(13)).is_full()); // EACCES
    }
}
