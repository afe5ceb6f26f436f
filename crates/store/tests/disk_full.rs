//! A full disk, for real: the store on a 2 MiB tmpfs, filled with photos and notes until the
//! file system refuses. Every refusal must be `StoreError::Full` (never a generic failure),
//! leave no half-stored photo (a row without its file, a file without its row, a `.tmp` file),
//! make the health probe fail, and lose nothing already saved; once space is freed the same
//! upload goes through, and sending it again gives the photo already stored.
//!
//! The tmpfs needs a mount namespace: the parent re-runs this test binary as
//! `disk_full_child` under `unshare --user --map-root-user --mount`, which mounts the tmpfs
//! first (no privileges are needed on a kernel that allows user namespaces, as Debian's does).
//! Where `unshare` is missing or refused, the test says so and passes, unless
//! `TONUS_REQUIRE_DISK_FULL=1` (set by `.ci/run`) makes that a failure.

mod common;

use std::process::Command;

use serde_json::json;
use tonus_store::*;

const TMPFS_SIZE: &str = "2m";
// Smaller than the health probe's 64 KiB, so a disk too full for a photo is too full for the probe.
const PHOTO_BYTES: usize = 40 * 1024;

#[test]
fn a_full_disk_is_reported_as_full_and_stores_nothing_by_halves() {
    let probe = Command::new("unshare").args(["--user", "--map-root-user", "--mount", "true"]).output();
    let usable = probe.as_ref().is_ok_and(|out| out.status.success());
    if !usable {
        let why = match &probe {
            Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            Err(err) => err.to_string(),
        };
        assert!(
            std::env::var("TONUS_REQUIRE_DISK_FULL").as_deref() != Ok("1"),
            "TONUS_REQUIRE_DISK_FULL=1 but `unshare --user --mount` cannot run here: {why}"
        );
        eprintln!("disk_full: skipped, `unshare --user --mount` cannot run here ({why})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "mount -t tmpfs -o size={TMPFS_SIZE} tonus-full \"$TONUS_FULL_DIR\" && exec \"$0\" --ignored --exact disk_full_child --nocapture --test-threads=1"
    );
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .arg(&exe)
        .env("TONUS_FULL_DIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the child failed:\n{stdout}\n{stderr}");
    // The child ran its checks (a child that never started would also exit 0 with no tests).
    assert!(stdout.contains("FULL-CHECKED"), "the child did not reach its checks:\n{stdout}\n{stderr}");
}

/// Runs inside the namespace, on the tmpfs.
#[tokio::test]
#[ignore = "the disk-full test's child process: the parent runs it on a small tmpfs"]
async fn disk_full_child() {
    let Ok(dir) = std::env::var("TONUS_FULL_DIR") else {
        panic!("disk_full_child fills a small tmpfs: run a_full_disk_is_reported_as_full_and_stores_nothing_by_halves instead");
    };
    let dir = std::path::PathBuf::from(dir);
    let photos_dir = dir.join("photos");
    // Room to give back later: a filler file the size of a few photos.
    let filler = dir.join("filler");
    std::fs::write(&filler, vec![1u8; 8 * PHOTO_BYTES]).unwrap();
    let config = StoreConfig {
        database_url: format!("sqlite://{}", dir.join("tonus.db").display()),
        photos_dir: photos_dir.clone(),
        max_connections: 2,
    };
    let store = connect(&config).await.unwrap();
    let (user, client) = common::practitioner_with_client(store.as_ref(), "writer").await;
    let draft =
        store.create_assessment(NewAssessment { client: client.id, created_by: user.id, form: json!({}), intake: None }).await.unwrap();
    let photo_bytes = |i: u32| {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(std::iter::repeat_n(i.to_le_bytes(), PHOTO_BYTES / 4).flatten());
        bytes
    };
    let new_photo = |i: u32| NewPhoto { assessment: draft.id, bytes: photo_bytes(i), media_type: "image/png".into(), view: View::Front };

    // Fill the disk with photos until it refuses.
    let mut stored = Vec::new();
    let refused_at = loop {
        let i = u32::try_from(stored.len()).unwrap();
        assert!(i < 100, "a {TMPFS_SIZE} tmpfs took 100 photos of {PHOTO_BYTES} bytes");
        match store.add_photo(new_photo(i)).await {
            Ok(photo) => stored.push(photo),
            Err(err) => {
                assert!(err.is_full(), "photo {i}: expected Full, got {err:?}");
                break i;
            }
        }
    };
    assert!(!stored.is_empty(), "the first photo already did not fit: the tmpfs is too small for the test");
    assert!(store.ping().await.unwrap_err().is_full(), "the health probe must see the full disk");

    // Nothing by halves: every row has its file, every file its row, no temporary file.
    let check_files = |rows: usize| {
        let mut files = 0;
        let mut temporary = Vec::new();
        for sub in std::fs::read_dir(&photos_dir).unwrap().map(Result::unwrap) {
            let name = sub.file_name().to_string_lossy().into_owned();
            if sub.path().is_dir() {
                for file in std::fs::read_dir(sub.path()).unwrap().map(Result::unwrap) {
                    let name = file.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".tmp") { temporary.push(name) } else { files += 1 }
                }
            } else {
                temporary.push(name);
            }
        }
        assert!(temporary.is_empty(), "files left behind: {temporary:?}");
        assert_eq!(files, rows, "photo files and photo rows differ");
    };
    let rows = store.photos_for(draft.id).await.unwrap();
    assert_eq!(rows.len(), stored.len());
    check_files(rows.len());

    // The database refuses too, with the same answer, and keeps what it had.
    let mut notes = 0;
    let note_refused = loop {
        assert!(notes < 5_000, "the database took 5,000 notes of 4,000 bytes on a {TMPFS_SIZE} disk");
        match store.add_note(NewNote { client: client.id, assessment: None, author: user.id, body: "x".repeat(4000) }).await {
            Ok(_) => notes += 1,
            Err(err) => break err,
        }
    };
    assert!(note_refused.is_full(), "a note on a full disk: expected Full, got {note_refused:?}");
    assert_eq!(store.notes_for(client.id).await.unwrap().len(), notes);
    assert_eq!(store.photos_for(draft.id).await.unwrap().len(), stored.len());

    // Space freed: the refused photo goes through, and sending it again is the same photo.
    std::fs::remove_file(&filler).unwrap();
    store.ping().await.unwrap();
    let retried = store.add_photo(new_photo(refused_at)).await.unwrap();
    let again = store.add_photo(new_photo(refused_at)).await.unwrap();
    assert_eq!(again.id, retried.id, "a retried upload must not store the photo twice");
    let rows = store.photos_for(draft.id).await.unwrap();
    assert_eq!(rows.len(), stored.len() + 1);
    check_files(rows.len());
    for photo in &stored {
        assert_eq!(store.photo_bytes(photo.id).await.unwrap().1.len(), PHOTO_BYTES + 8);
    }
    println!("FULL-CHECKED photos={} refused_at={refused_at} notes={notes}", stored.len());
}
