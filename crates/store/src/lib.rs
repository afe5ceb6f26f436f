//! tonus-store: where the clinic app keeps accounts, clients and their clinical record.
//!
//! The [`Store`] trait is the only way in; [`connect`] picks SQLite (always built) or
//! PostgreSQL (feature `postgres`) from the URL scheme, runs the embedded migrations and hands
//! back an `Arc<dyn Store>`. Clinical documents (intake, landmarks, reports, plans) are stored
//! as JSON produced by `tonus-app`; this crate never interprets them, so a stored report can be
//! recomputed later from the stored intake and landmarks with the engine version it names.
//!
//! Left out on purpose: access control (the web layer decides who may call what), password
//! hashing (the store keeps the hash it is given) and any knowledge of the engine's types.

#![forbid(unsafe_code)]

pub mod backup;
mod error;
mod ids;
mod login;
mod model;
mod photos;
#[cfg(feature = "postgres")]
mod postgres;
mod sql;
mod sqlite;
mod store;
pub mod token;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::StoreError;
pub use ids::{AssessmentId, AuditId, ClientId, LandmarkSetId, NoteId, PhotoId, PlanId, ReportId, ShareLinkId, UserId};
pub use login::{LoginFailures, LoginGuardStore, MAX_LOGIN_KEY_LEN};
pub use model::*;
pub use sql::{MAX_AUDIT_DETAIL, MAX_AUDIT_RECORD_ID, MAX_AUDIT_WORD};
pub use store::Store;

/// Where the store keeps its data: the database and the photo directory.
#[derive(Clone)]
pub struct StoreConfig {
    /// `sqlite://path/to/tonus.db` (created when missing), `sqlite::memory:` or
    /// `postgres://user:password@host/db`.
    pub database_url: String,
    /// Directory for photo files; each file is named by its content hash.
    pub photos_dir: PathBuf,
    /// Upper bound on pooled connections.
    pub max_connections: u32,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("database_url", &redact_url(&self.database_url))
            .field("photos_dir", &self.photos_dir)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Hides the password in a database URL so it can be logged.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => match parsed.set_password(Some("***")) {
            Ok(()) => parsed.to_string(),
            Err(()) => "(a database url with a password)".to_owned(),
        },
        Ok(_) => url.to_owned(),
        // Not a URL the parser reads: say nothing of what follows the scheme if it might hold
        // credentials.
        Err(_) if url.contains('@') => format!("{}://***", url.split("://").next().unwrap_or("database")),
        Err(_) => url.to_owned(),
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Reads the backend from the URL scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::Invalid(format!("unsupported database url scheme in {}: expected sqlite: or postgres://", redact_url(url))))
        }
    }
}

/// Removes the temporary files that interrupted photo writes left in `photos_dir`; returns how
/// many. Only for a process that holds the data directory's lock (`tonus serve` at start), so
/// that no other process is in the middle of a write.
pub fn sweep_temporary_files(photos_dir: &std::path::Path) -> usize {
    photos::PhotoDir::new(photos_dir.to_path_buf()).sweep_temporary()
}

/// Opens the database the URL names, runs pending migrations and returns the store.
pub async fn connect(config: &StoreConfig) -> Result<Arc<dyn Store>, StoreError> {
    let photos = photos::PhotoDir::new(config.photos_dir.clone());
    match Backend::from_url(&config.database_url)? {
        Backend::Sqlite => {
            let store = sqlite::SqliteStore::connect(&config.database_url, config.max_connections, photos).await?;
            Ok(Arc::new(store))
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            let store = postgres::PgStore::connect(&config.database_url, config.max_connections, photos).await?;
            Ok(Arc::new(store))
        }
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres => Err(StoreError::Invalid("this build has no postgresql support: rebuild with the `postgres` feature".into())),
    }
}
