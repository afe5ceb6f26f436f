//! Fresh databases for the store tests: a new SQLite file always, and a new PostgreSQL database
//! when `TONUS_TEST_POSTGRES_URL` names a server where the user may create databases (dropped
//! again when the [`FreshDb`] goes out of scope). Without the variable the PostgreSQL half
//! prints a `SKIPPED` line naming the test.
//!
//! Besides a migrated [`TestStore`], a test can take the database before any migration
//! ([`FreshDb`]), migrate it part of the way and run raw SQL on it, for legacy rows and for
//! deletions the `Store` trait does not offer. Nothing here asserts; the tests do.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tonus_store::*;

/// A store on a fresh, fully migrated database, with its photo folder.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub config: StoreConfig,
    pub photos: PathBuf,
    db: FreshDb,
}

impl TestStore {
    /// Another connection pool on the same database, as a second server process would open.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        connect(&self.config).await.unwrap()
    }

    /// Which backend the store runs on.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Runs raw SQL on the database, outside the store.
    pub async fn execute(&self, sql: &str) {
        self.db.execute(sql).await;
    }

    /// The SQLite database file, `None` on PostgreSQL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.db.sqlite_file()
    }
}

/// An empty database (no migration has run) and a photo folder, both removed when dropped.
pub struct FreshDb {
    pub config: StoreConfig,
    pub photos: PathBuf,
    dir: tempfile::TempDir,
    #[cfg(feature = "postgres")]
    drop_db: Option<(String, String)>,
}

impl FreshDb {
    /// A new SQLite file.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let photos = dir.path().join("photos");
        let config = StoreConfig {
            database_url: format!("sqlite://{}", dir.path().join("tonus.db").display()),
            photos_dir: photos.clone(),
            max_connections: 4,
        };
        Self {
            config,
            photos,
            dir,
            #[cfg(feature = "postgres")]
            drop_db: None,
        }
    }

    /// A new PostgreSQL database, or `None` (with a `SKIPPED` line) when no server is configured.
    pub async fn postgres(test: &str) -> Option<Self> {
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
            Some(Self { config, photos, dir, drop_db: Some((base, db)) })
        }
        #[cfg(not(feature = "postgres"))]
        {
            eprintln!("SKIPPED {test} on postgres: this build has no postgres feature");
            None
        }
    }

    /// Which backend the database is.
    pub fn backend(&self) -> Backend {
        Backend::from_url(&self.config.database_url).unwrap()
    }

    /// The SQLite database file, `None` on PostgreSQL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        (self.backend() == Backend::Sqlite).then(|| self.dir.path().join("tonus.db"))
    }

    /// Opens the store on this database, running every pending migration.
    pub async fn open(self) -> TestStore {
        let store = connect(&self.config).await.unwrap();
        TestStore { store, config: self.config.clone(), photos: self.photos.clone(), db: self }
    }

    /// Applies the backend's migrations older than `version` (a file name's timestamp), as a
    /// database last opened by an earlier release would have them.
    pub async fn migrate_before(&self, version: i64) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(match self.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        });
        let mut migrator = sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap();
        let earlier: Vec<_> = migrator.migrations.iter().filter(|m| m.version < version).cloned().collect();
        assert!(!earlier.is_empty() && earlier.len() < migrator.migrations.len(), "{version} splits the migrations");
        migrator.migrations = earlier.into();
        match self.backend() {
            Backend::Sqlite => migrator.run(&mut self.sqlite_connection().await).await.unwrap(),
            Backend::Postgres => {
                #[cfg(feature = "postgres")]
                migrator.run(&mut self.postgres_connection().await).await.unwrap();
            }
        }
    }

    /// Runs raw SQL (one or more statements) on the database, outside the store.
    pub async fn execute(&self, sql: &str) {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::raw_sql(sql).execute(&mut self.sqlite_connection().await).await.unwrap();
            }
            Backend::Postgres => {
                #[cfg(feature = "postgres")]
                sqlx::raw_sql(sql).execute(&mut self.postgres_connection().await).await.unwrap();
            }
        }
    }

    async fn sqlite_connection(&self) -> sqlx::SqliteConnection {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        sqlx::sqlite::SqliteConnectOptions::from_str(&self.config.database_url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true)
            .connect()
            .await
            .unwrap()
    }

    #[cfg(feature = "postgres")]
    async fn postgres_connection(&self) -> sqlx::PgConnection {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&self.config.database_url).await.unwrap()
    }
}

#[cfg(feature = "postgres")]
impl Drop for FreshDb {
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
    FreshDb::sqlite().open().await
}

/// A fresh PostgreSQL store, or `None` (with a `SKIPPED` line) when no server is configured.
pub async fn postgres(test: &str) -> Option<TestStore> {
    Some(FreshDb::postgres(test).await?.open().await)
}

/// Defines one `#[tokio::test]` per backend for each listed `async fn(TestStore)`:
/// `name::sqlite` and `name::postgres`. With `fresh:` first, each function gets an unmigrated
/// [`FreshDb`] instead.
#[macro_export]
macro_rules! on_both_backends {
    (fresh: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::FreshDb::sqlite()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::common::FreshDb::postgres(stringify!($name)).await {
                    super::$name(db).await;
                }
            }
        }
    )*};
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

/// A practitioner account (`login`) and one client of theirs, for tests that need a record to
/// write under.
pub async fn practitioner_with_client(store: &dyn Store, login: &str) -> (User, Client) {
    let user = store
        .create_user(NewUser {
            login: login.into(),
            display_name: format!("Practitioner {login}"),
            role: Role::Practitioner,
            password_hash: "$argon2id$unused".into(),
            must_change_password: false,
        })
        .await
        .unwrap();
    let client = store
        .create_client(NewClient { owner: user.id, display_name: format!("Client of {login}"), reference: None, shared_with_clinic: false })
        .await
        .unwrap();
    (user, client)
}
