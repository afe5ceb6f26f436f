//! Fresh stores for the store tests: a new SQLite file always, and a new PostgreSQL database
//! when `TONUS_TEST_POSTGRES_URL` names a server where the user may create databases (dropped
//! again when the [`Backend`](TestStore) goes out of scope). Without the variable the PostgreSQL
//! half prints a `SKIPPED` line naming the test.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::path::PathBuf;
use std::sync::Arc;

use tonus_store::*;

/// A store on a fresh database, with its photo folder.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub config: StoreConfig,
    pub photos: PathBuf,
    _dir: tempfile::TempDir,
    #[cfg(feature = "postgres")]
    drop_db: Option<(String, String)>,
}

impl TestStore {
    /// Another connection pool on the same database, as a second server process would open.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        connect(&self.config).await.unwrap()
    }
}

#[cfg(feature = "postgres")]
impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((base, db)) = self.drop_db.take() {
            // A runtime of its own: the test's runtime may be shutting down.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&base).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).execute(&mut admin).await;
                    }
                });
            })
            .join()
            .unwrap();
        }
    }
}

/// A fresh SQLite store.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let config = StoreConfig {
        database_url: format!("sqlite://{}", dir.path().join("tonus.db").display()),
        photos_dir: photos.clone(),
        max_connections: 4,
    };
    let store = connect(&config).await.unwrap();
    TestStore {
        store,
        config,
        photos,
        _dir: dir,
        #[cfg(feature = "postgres")]
        drop_db: None,
    }
}

/// A fresh PostgreSQL store, or `None` (with a `SKIPPED` line) when no server is configured.
pub async fn postgres(test: &str) -> Option<TestStore> {
    #[cfg(feature = "postgres")]
    {
        use sqlx::Connection;
        let Ok(base) = std::env::var("TONUS_TEST_POSTGRES_URL") else {
            eprintln!("SKIPPED {test} on postgres: set TONUS_TEST_POSTGRES_URL to run it");
            return None;
        };
        let db = format!("tonus_t_{}", &token::generate().unwrap()[..16]);
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.unwrap();
        let (prefix, _) = base.split('?').next().unwrap().rsplit_once('/').unwrap();
        let dir = tempfile::tempdir().unwrap();
        let photos = dir.path().join("photos");
        let config = StoreConfig { database_url: format!("{prefix}/{db}"), photos_dir: photos.clone(), max_connections: 4 };
        let store = connect(&config).await.unwrap();
        Some(TestStore { store, config, photos, _dir: dir, drop_db: Some((base, db)) })
    }
    #[cfg(not(feature = "postgres"))]
    {
        eprintln!("SKIPPED {test} on postgres: this build has no postgres feature");
        None
    }
}

/// Defines one `#[tokio::test]` per backend for each listed `async fn(TestStore)`:
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(store) = $crate::common::postgres(stringify!($name)).await {
                    super::$name(store).await;
                }
            }
        }
    )*};
}
