//! The PostgreSQL backend: connection settings, migrations, and the shared SQL bound to it.
//!
//! Used by larger practices with several practitioners on one server. Transactions run at
//! PostgreSQL's default READ COMMITTED level; every multi-row write is one transaction.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::photos::PhotoDir;
use crate::*;

/// PostgreSQL-backed [`Store`].
#[derive(Debug, Clone)]
pub(crate) struct PgStore {
    pool: PgPool,
    photos: PhotoDir,
}

impl PgStore {
    pub(crate) async fn connect(url: &str, max_connections: u32, photos: PhotoDir) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().max_connections(max_connections.max(1)).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool, photos })
    }

    /// After an erasure: `VACUUM` the tables that held the record, so PostgreSQL reclaims the
    /// dead rows at once instead of when autovacuum gets to them. VACUUM marks their space free
    /// for new rows; it does not overwrite it, so the bytes stay in the table files until new
    /// rows reuse the space (`VACUUM FULL`, which rewrites the tables under an exclusive lock,
    /// removes them at once: see the operations guide).
    pub(crate) async fn clear_erased(&self) -> Result<(), StoreError> {
        for table in ["clients", "assessments", "photos", "landmark_sets", "reports", "plans", "notes", "share_links", "users", "sessions"]
        {
            sqlx::query(&format!("VACUUM {table}")).execute(&self.pool).await?;
        }
        Ok(())
    }
}

crate::login::impl_login_guard!(PgStore);
crate::sql::impl_store!(PgStore, Backend::Postgres);
