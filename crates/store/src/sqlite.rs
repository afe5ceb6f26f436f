//! The SQLite backend: connection settings, migrations, and the shared SQL bound to it.
//!
//! The database runs in WAL mode with `synchronous = FULL`: every acknowledged commit is on
//! disk before the call returns, so killing the process (or the machine) never loses a saved
//! assessment. NORMAL would be faster but may drop the last commits on power loss. Foreign keys
//! are on; a busy timeout lets concurrent writers queue instead of failing.
//!
//! Checkpoints (copying the WAL back into the database file) run in the background once a
//! second rather than inside whichever commit happens to cross SQLite's 1,000-page mark:
//! there a checkpoint of a few megabytes, with its flushes, held up every request waiting on
//! a write (the load test's p99 jumped from 20 to 165 ms). SQLite's own automatic checkpoint
//! stays as a backstop at a larger size.

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
        let options = SqliteConnectOptions::from_str(url)?;
        let file = options.get_filename().to_path_buf();
        if !in_memory {
            refuse_missing_database(&file, &photos)?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted content is overwritten with zeros, so an erased record cannot be read
            // back from the file's free pages.
            .pragma("secure_delete", "ON")
            .pragma("wal_autocheckpoint", AUTOCHECKPOINT_BACKSTOP_PAGES.to_string());
        // An in-memory database lives in one connection; more would each see an empty one.
        let max = if in_memory { 1 } else { max_connections.max(1) };
        let damaged = |err: sqlx::Error| damaged(&file, err);
        let pool = SqlitePoolOptions::new().max_connections(max).connect_with(options).await.map_err(damaged)?;
        let check: String = sqlx::query_scalar("PRAGMA quick_check").fetch_one(&pool).await.map_err(damaged)?;
        if check != "ok" {
            return Err(StoreError::Refused(format!(
                "{}: the database file is damaged (quick_check: {check}). {RECOVERY}",
                file.display()
            )));
        }
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(|err| match err {
            sqlx::migrate::MigrateError::Execute(inner) => damaged(inner),
            other => other.into(),
        })?;
        if !in_memory {
            // Start from an empty WAL: a large one left by a bulk import (or a crash) would
            // otherwise be copied back while the first requests wait on their commits.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await?;
            tokio::spawn(checkpoint_in_background(pool.clone()));
        }
        Ok(Self { pool, photos })
    }

    /// After an erasure: copies the zeroed pages into the database file and empties the WAL,
    /// which still holds the pages as they were before the deletion.
    pub(crate) async fn clear_erased(&self) -> Result<(), StoreError> {
        // A reader's snapshot from before the erasure holds the checkpoint back (it answers
        // busy), and until the checkpoint completes the database file may still hold the
        // erased rows' old pages. Retry for up to two seconds until it completes.
        for _ in 0..40 {
            let rows: Vec<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&self.pool).await?;
            if rows.first().is_some_and(|(busy, _, _)| *busy == 0) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

/// What to do about a damaged or missing database.
const RECOVERY: &str = "Tonus will not start on it, so nothing more is lost. Stop every Tonus process, copy the whole \
data directory aside, then restore the newest backup of the database into it; `sqlite3 tonus.db .recover` can \
salvage what is still readable from a damaged file.";

/// A database that is missing while the photo folder holds photos: starting would give an
/// empty clinic beside the old photos (and a new first-run link), so it is refused.
fn refuse_missing_database(file: &std::path::Path, photos: &PhotoDir) -> Result<(), StoreError> {
    if file.exists() {
        return Ok(());
    }
    let held = photos.count_files();
    if held == 0 {
        return Ok(());
    }
    Err(StoreError::Refused(format!(
        "{}: the database is missing, but the photo folder holds {held} photo file(s) of an earlier database. {RECOVERY} \
         To start a new, empty clinic on purpose, move the photo folder away first.",
        file.display()
    )))
}

/// An error opening or checking the file, with the recovery steps when it says the file is not
/// a sound database.
fn damaged(file: &std::path::Path, err: sqlx::Error) -> StoreError {
    let text = err.to_string();
    if text.contains("malformed") || text.contains("not a database") || text.contains("corrupt") {
        StoreError::Refused(format!("{}: the database file is damaged ({text}). {RECOVERY}", file.display()))
    } else {
        err.into()
    }
}

/// WAL pages after which a commit checkpoints by itself (64 MiB), should the background
/// checkpoints fall behind.
const AUTOCHECKPOINT_BACKSTOP_PAGES: u32 = 16_384;

/// Copies committed pages from the WAL into the database file once a second, without
/// blocking readers or writers (`PASSIVE`), until the pool closes.
async fn checkpoint_in_background(pool: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        // A failed checkpoint (the database busy or closing) is tried again at the next
        // tick; the backstop bounds the WAL meanwhile. Nothing is lost either way.
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await;
    }
}

crate::login::impl_login_guard!(SqliteStore);
crate::sql::impl_store!(SqliteStore, Backend::Sqlite);
