//! A database that cannot be trusted is refused with the recovery steps, never opened as if all
//! were well: a damaged file, a file that is not a database at all, and a missing database
//! beside the photos of an earlier one (which would otherwise start an empty clinic). SQLite
//! only: these are files on the clinic's disk; a PostgreSQL server checks its own.

use std::io::{Seek, SeekFrom, Write};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tonus_store::{StoreConfig, StoreError, connect};

fn config(dir: &std::path::Path) -> StoreConfig {
    StoreConfig { database_url: format!("sqlite://{}", dir.join("tonus.db").display()), photos_dir: dir.join("photos"), max_connections: 2 }
}

fn refused(result: Result<std::sync::Arc<dyn tonus_store::Store>, StoreError>) -> String {
    match result {
        Err(StoreError::Refused(message)) => message,
        Err(other) => panic!("expected a refusal, got {other:?}"),
        Ok(_) => panic!("expected a refusal, the store opened"),
    }
}

#[tokio::test]
async fn a_damaged_file_is_refused_with_the_recovery_steps() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tonus.db");
    // A database of several pages, closed cleanly.
    let options = SqliteConnectOptions::new().filename(&file).create_if_missing(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)").execute(&pool).await.unwrap();
    for i in 0..400 {
        sqlx::query("INSERT INTO t (body) VALUES ($1)").bind(format!("row {i} {}", "x".repeat(100))).execute(&pool).await.unwrap();
    }
    sqlx::query("CREATE INDEX t_body ON t (body)").execute(&pool).await.unwrap();
    pool.close().await;
    // Scribble over the third page.
    let mut f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    f.seek(SeekFrom::Start(2 * 4096 + 100)).unwrap();
    f.write_all(&[0xAB; 2000]).unwrap();
    drop(f);
    let message = refused(connect(&config(dir.path())).await);
    assert!(message.contains("damaged") && message.contains("tonus.db"), "{message}");
    assert!(message.contains("backup"), "the message says how to recover: {message}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tonus.db"), vec![0x5Au8; 8192]).unwrap();
    let message = refused(connect(&config(dir.path())).await);
    assert!(message.contains("damaged"), "{message}");
}

#[tokio::test]
async fn a_missing_database_beside_old_photos_is_refused_and_a_new_clinic_starts_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let photo_dir = dir.path().join("photos").join("ab");
    std::fs::create_dir_all(&photo_dir).unwrap();
    std::fs::write(photo_dir.join("abcdef.jpg"), b"\xff\xd8\xff a photo").unwrap();
    let message = refused(connect(&config(dir.path())).await);
    assert!(message.contains("missing") && message.contains("1 photo file"), "{message}");
    // Moving the photos away is the deliberate way to start afresh.
    std::fs::rename(dir.path().join("photos"), dir.path().join("photos-old")).unwrap();
    assert!(connect(&config(dir.path())).await.is_ok());
}
