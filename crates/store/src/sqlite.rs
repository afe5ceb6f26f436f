//! The SQLite backend: connection settings, migrations, and the shared SQL bound to it.
//!
//! The database runs in WAL mode with `synchronous = FULL`: every acknowledged commit is on
//! disk before the call returns, so killing the process (or the machine) never loses a saved
//! assessment. NORMAL would be faster but may drop the last commits on power loss. Foreign keys
//! are on; a busy timeout lets concurrent writers queue instead of failing.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::photos::PhotoDir;
use crate::*;

/// SQLite-backed [`Store`].
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    photos: PhotoDir,
}

impl SqliteStore {
    pub(crate) async fn connect(url: &str, max_connections: u32, photos: PhotoDir) -> Result<Self, StoreError> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // An in-memory database lives in one connection; more would each see an empty one.
        let max = if in_memory { 1 } else { max_connections.max(1) };
        let pool = SqlitePoolOptions::new().max_connections(max).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, photos })
    }
}

crate::sql::impl_store!(SqliteStore, Backend::Sqlite);
