//! Backups: an online, consistent copy of the database and the photos, and its restore.
//!
//! A backup is a folder: `tonus.db` (SQLite's `VACUUM INTO`, a consistent snapshot taken while
//! the server keeps serving), `photos/` (the files the snapshot's photo rows name, each checked
//! against its content hash while copied, or hard-linked from the previous backup when it
//! already holds them) and `manifest.json` (the snapshot's SHA-256, each table's row count and
//! digest, each photo's hash and size). It is written under a `.partial` name and renamed when
//! whole, so an interrupted backup never looks like one.
//!
//! A restore checks every hash in the manifest before it writes anything, refuses to write over
//! an existing database or photo files, copies, and then recomputes the table digests of the
//! restored database: equal digests mean every row came back as it was.
//!
//! PostgreSQL keeps its data in its own server: a backup there holds the photos and the
//! manifest, and the database is dumped with PostgreSQL's own tools (`pg_dump --format=custom`,
//! restored with `pg_restore`), as [`POSTGRES_DATABASE`] says.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};

use crate::{Backend, StoreConfig, StoreError, Timestamp};

/// The manifest's format version.
pub const MANIFEST_FORMAT: u32 = 1;
/// The manifest's file name inside a backup.
pub const MANIFEST: &str = "manifest.json";
/// The database snapshot's file name inside a backup.
pub const DATABASE_FILE: &str = "tonus.db";
/// What to do for the database part on PostgreSQL.
pub const POSTGRES_DATABASE: &str = "PostgreSQL keeps the database in its own server: dump it beside this backup with \
`pg_dump --format=custom --file=BACKUP/tonus.pgdump DATABASE_URL` (consistent while Tonus serves), and restore it into an \
empty database with `pg_restore --dbname=DATABASE_URL BACKUP/tonus.pgdump` before `tonus restore` puts the photos back.";

/// What a backup holds, written as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// When the snapshot was taken (milliseconds since the Unix epoch, as every store time).
    pub created_at: i64,
    /// The Tonus version that wrote it.
    pub tonus_version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The database snapshot, when the backup holds one (SQLite).
    pub database: Option<DatabaseEntry>,
    /// Every photo file the snapshot names, by path.
    pub photos: Vec<PhotoEntry>,
}

/// The database snapshot in a backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseEntry {
    /// File name inside the backup.
    pub file: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Each table, by name.
    pub tables: Vec<TableDigest>,
}

/// One table's rows, counted and hashed in primary-key order, so two databases with equal
/// digests hold the same rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDigest {
    /// Table name.
    pub table: String,
    /// Rows.
    pub rows: u64,
    /// SHA-256 over every row's quoted values, hex.
    pub sha256: String,
}

/// A photo file in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoEntry {
    /// Path under `photos/`, as the database names it (`ab/abcd….jpg`).
    pub rel_path: String,
    /// SHA-256 of the bytes, hex (the photo's content hash).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// What a backup did.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupSummary {
    /// The finished backup folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Photos hard-linked from the previous backup instead of copied.
    pub linked: usize,
}

/// Takes a backup of the store `config` names into `dest`, which must not exist yet. `previous`
/// is an earlier backup whose photo files may be hard-linked (they are immutable and named by
/// their hash). Safe while `tonus serve` runs on the same data.
pub async fn backup(config: &StoreConfig, dest: &Path, previous: Option<&Path>) -> Result<BackupSummary, StoreError> {
    if dest.exists() {
        return Err(StoreError::Invalid(format!("{}: already exists; name a new folder for the backup", dest.display())));
    }
    let partial = partial_name(dest);
    if partial.exists() {
        // A backup that was interrupted before: it was never renamed, so it is not one.
        std::fs::remove_dir_all(&partial)?;
    }
    std::fs::create_dir_all(partial.join("photos"))?;
    let result = write_backup(config, &partial, previous).await;
    let (manifest, linked) = match result {
        Ok(done) => done,
        Err(err) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(err);
        }
    };
    std::fs::rename(&partial, dest)?;
    if let Some(parent) = dest.parent() {
        let _ = std::fs::File::open(parent).and_then(|dir| dir.sync_all());
    }
    Ok(BackupSummary { dir: dest.to_path_buf(), manifest, linked })
}

async fn write_backup(config: &StoreConfig, partial: &Path, previous: Option<&Path>) -> Result<(Manifest, usize), StoreError> {
    let backend = Backend::from_url(&config.database_url)?;
    let (database, photo_rows) = match backend {
        Backend::Sqlite => {
            let snapshot = partial.join(DATABASE_FILE);
            let source = open_read_only(&config.database_url).await?;
            sqlx::query("VACUUM INTO $1").bind(snapshot.to_string_lossy().into_owned()).execute(&source).await?;
            source.close().await;
            let db = open_file_read_only(&snapshot).await?;
            let tables = table_digests(&db).await?;
            let photos = photo_rows(&db).await?;
            db.close().await;
            let bytes = std::fs::read(&snapshot)?;
            let entry = DatabaseEntry {
                file: DATABASE_FILE.into(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                bytes: bytes.len() as u64,
                tables,
            };
            (Some(entry), photos)
        }
        Backend::Postgres => (None, postgres_photo_rows(config).await?),
    };
    let mut photos = Vec::with_capacity(photo_rows.len());
    let mut linked = 0;
    for (rel_path, hash) in photo_rows {
        crate::photos::check_rel_path(&rel_path)?;
        let target = partial.join("photos").join(&rel_path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let earlier = previous.map(|p| p.join("photos").join(&rel_path)).filter(|p| p.is_file());
        if let Some(earlier) = earlier
            && std::fs::hard_link(&earlier, &target).is_ok()
        {
            let bytes = std::fs::metadata(&target)?.len();
            photos.push(PhotoEntry { rel_path, sha256: hash, bytes });
            linked += 1;
            continue;
        }
        let source = config.photos_dir.join(&rel_path);
        let bytes = read_checked(
            &source,
            &hash,
            "the photo file is missing (erased while the backup ran, or lost): run the backup again, and if it is still missing restore it from an older backup",
            "its record names: the photo is damaged on disk; restore it from an older backup",
        )?;
        write_synced(&target, &bytes)?;
        photos.push(PhotoEntry { rel_path, sha256: hash, bytes: bytes.len() as u64 });
    }
    photos.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    photos.dedup_by(|a, b| a.rel_path == b.rel_path);
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        created_at: Timestamp::now().0,
        tonus_version: env!("CARGO_PKG_VERSION").into(),
        backend: match backend {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        database,
        photos,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|err| StoreError::Backend(Box::new(err)))?;
    write_synced(&partial.join(MANIFEST), &text)?;
    Ok((manifest, linked))
}

/// Reads a backup's manifest and checks every file it names against its hash; the manifest
/// when all match, else an error naming the first file that does not.
pub fn verify(dir: &Path) -> Result<Manifest, StoreError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => {
            StoreError::Invalid(format!("{}: no manifest; this is not a finished Tonus backup", path.display()))
        }
        _ => err.into(),
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|err| StoreError::Invalid(format!("{}: not a Tonus backup manifest: {err}", path.display())))?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(StoreError::Invalid(format!(
            "{}: manifest format {} is not the {MANIFEST_FORMAT} this version reads",
            path.display(),
            manifest.format
        )));
    }
    if let Some(db) = &manifest.database {
        check_file(&dir.join(&db.file), &db.sha256)?;
    }
    for photo in &manifest.photos {
        crate::photos::check_rel_path(&photo.rel_path)?;
        check_file(&dir.join("photos").join(&photo.rel_path), &photo.sha256)?;
    }
    Ok(manifest)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreSummary {
    /// The manifest restored.
    pub manifest: Manifest,
    /// Whether the database was restored (SQLite), or is left to `pg_restore` (PostgreSQL).
    pub database_restored: bool,
}

/// Restores the backup in `from` into the store `config` names. Refuses when the database file
/// or any photo file is already there (move them aside first), and when any file of the backup
/// fails its hash. Checks the restored tables against the manifest's digests.
pub async fn restore(from: &Path, config: &StoreConfig) -> Result<RestoreSummary, StoreError> {
    let manifest = verify(from)?;
    let backend = Backend::from_url(&config.database_url)?;
    let held = crate::photos::PhotoDir::new(config.photos_dir.clone()).count_files();
    if held > 0 {
        return Err(StoreError::Invalid(format!(
            "{}: holds {held} photo file(s) already; restore into an empty data directory (move the current one aside first)",
            config.photos_dir.display()
        )));
    }
    let database_restored = match (backend, &manifest.database) {
        (Backend::Sqlite, Some(db)) => {
            let target = sqlite_file(&config.database_url)?;
            for existing in [target.clone(), sidecar(&target, "-wal")] {
                if existing.exists() {
                    return Err(StoreError::Invalid(format!(
                        "{}: already exists; restore into an empty data directory (move the current one aside first)",
                        existing.display()
                    )));
                }
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let bytes = std::fs::read(from.join(&db.file))?;
            let temporary = sidecar(&target, ".restoring");
            write_synced(&temporary, &bytes)?;
            let restored = open_file_read_only(&temporary).await?;
            let tables = table_digests(&restored).await?;
            restored.close().await;
            if tables != db.tables {
                let _ = std::fs::remove_file(&temporary);
                return Err(StoreError::Invalid(format!(
                    "{}: the restored tables differ from the manifest's digests; the backup is not usable",
                    from.display()
                )));
            }
            std::fs::rename(&temporary, &target)?;
            true
        }
        (Backend::Sqlite, None) => {
            return Err(StoreError::Invalid(format!(
                "{}: this backup holds no database (it was taken from PostgreSQL); restore it with pg_restore into PostgreSQL",
                from.display()
            )));
        }
        (Backend::Postgres, _) => false,
    };
    for photo in &manifest.photos {
        let bytes = std::fs::read(from.join("photos").join(&photo.rel_path))?;
        write_synced(&config.photos_dir.join(&photo.rel_path), &bytes)?;
    }
    Ok(RestoreSummary { manifest, database_restored })
}

/// The table digests of the SQLite database at `file` (read only), for comparing two databases.
pub async fn database_digests(file: &Path) -> Result<Vec<TableDigest>, StoreError> {
    let db = open_file_read_only(file).await?;
    let digests = table_digests(&db).await;
    db.close().await;
    digests
}

fn partial_name(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    dest.with_file_name(format!(".{name}.partial"))
}

fn sidecar(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sqlite_file(url: &str) -> Result<PathBuf, StoreError> {
    Ok(SqliteConnectOptions::from_str(url)?.get_filename().to_path_buf())
}

async fn open_read_only(url: &str) -> Result<SqlitePool, StoreError> {
    let file = sqlite_file(url)?;
    if !file.exists() {
        return Err(StoreError::Invalid(format!("{}: no database to back up", file.display())));
    }
    open_file_read_only(&file).await
}

async fn open_file_read_only(file: &Path) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::from_secs(30));
    Ok(SqlitePoolOptions::new().max_connections(1).connect_with(options).await?)
}

/// Every table's rows in rowid order, each value as SQLite's `quote()` writes it.
async fn table_digests(db: &SqlitePool) -> Result<Vec<TableDigest>, StoreError> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(db)
            .await?;
    let mut digests = Vec::with_capacity(tables.len());
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid").bind(&table).fetch_all(db).await?;
        let quoted = columns.iter().map(|c| format!("quote(\"{}\")", c.replace('"', "\"\""))).collect::<Vec<_>>().join(" || ',' || ");
        let order = if without_rowid(db, &table).await? { "1".to_owned() } else { "rowid".to_owned() };
        let sql = format!("SELECT {quoted} FROM \"{}\" ORDER BY {order}", table.replace('"', "\"\""));
        let rows = sqlx::query(&sql).fetch_all(db).await?;
        let mut hash = Sha256::new();
        for row in &rows {
            let line: String = row.try_get(0)?;
            hash.update(line.as_bytes());
            hash.update(b"\n");
        }
        digests.push(TableDigest { table, rows: rows.len() as u64, sha256: hex::encode(hash.finalize()) });
    }
    Ok(digests)
}

async fn without_rowid(db: &SqlitePool, table: &str) -> Result<bool, StoreError> {
    let sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = $1").bind(table).fetch_one(db).await?;
    Ok(sql.to_ascii_uppercase().contains("WITHOUT ROWID"))
}

async fn photo_rows(db: &SqlitePool) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT DISTINCT rel_path, content_hash FROM photos ORDER BY rel_path").fetch_all(db).await?)
}

#[cfg(feature = "postgres")]
async fn postgres_photo_rows(config: &StoreConfig) -> Result<Vec<(String, String)>, StoreError> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&config.database_url).await?;
    let rows = sqlx::query_as("SELECT DISTINCT rel_path, content_hash FROM photos ORDER BY rel_path").fetch_all(&pool).await?;
    pool.close().await;
    Ok(rows)
}

#[cfg(not(feature = "postgres"))]
async fn postgres_photo_rows(_config: &StoreConfig) -> Result<Vec<(String, String)>, StoreError> {
    Err(StoreError::Invalid("this build has no postgresql support: rebuild with the `postgres` feature".into()))
}

fn check_file(path: &Path, sha256: &str) -> Result<(), StoreError> {
    read_checked(path, sha256, "missing from the backup", "the manifest names: the backup is damaged").map(drop)
}

/// The file's bytes when their SHA-256 is `sha256`; else an error naming the file, with
/// `missing` or `mismatch` ("… is not the HASH {mismatch}") saying what it means.
fn read_checked(path: &Path, sha256: &str, missing: &str, mismatch: &str) -> Result<Vec<u8>, StoreError> {
    let bytes = std::fs::read(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => StoreError::Invalid(format!("{}: {missing}", path.display())),
        _ => err.into(),
    })?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != sha256 {
        return Err(StoreError::Invalid(format!("{}: SHA-256 {actual} is not the {sha256} {mismatch}", path.display())));
    }
    Ok(bytes)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
