//! Durability under `kill -9`: a child process writes and completes assessments (with a photo
//! each) in a loop and reports each one only after the store acknowledged it; the parent kills
//! it with SIGKILL mid-stream, reopens the database and checks that every acknowledged write
//! is there, whole.
//!
//! The child is this same test binary, re-run as `--ignored --exact crash_child` with
//! `TONUS_CRASH_CHILD` set, so no extra binary is needed; `crash_child` is ignored in every
//! other run, and fails if run by hand without the variables. Runs against SQLite always and
//! PostgreSQL when `TONUS_TEST_POSTGRES_URL` is set. Leaves out power loss (the kernel's page
//! cache survives a killed process) and the web layer.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tonus_store::*;

const ACKS_BEFORE_KILL: usize = 40;

fn config(url: &str, photos: &str) -> StoreConfig {
    StoreConfig { database_url: url.to_owned(), photos_dir: photos.into(), max_connections: 4 }
}

/// The child: writes until killed.
#[tokio::test]
#[ignore = "the kill -9 tests' child process: they run it themselves, with the database to write to"]
async fn crash_child() {
    let (Ok(url), Ok(photos)) = (std::env::var("TONUS_CRASH_CHILD"), std::env::var("TONUS_CRASH_PHOTOS")) else {
        panic!(
            "crash_child writes until killed: run the *_after_kill_9 tests, which start it with TONUS_CRASH_CHILD and TONUS_CRASH_PHOTOS"
        );
    };
    let store = connect(&config(&url, &photos)).await.unwrap();
    let (user, client) = common::practitioner_with_client(store.as_ref(), "writer").await;
    println!("CLIENT {}", client.id);
    for i in 0u64.. {
        let draft = store
            .create_assessment(NewAssessment { client: client.id, created_by: user.id, form: json!({"i": i}), intake: None })
            .await
            .unwrap();
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(i.to_le_bytes());
        let photo =
            store.add_photo(NewPhoto { assessment: draft.id, bytes, media_type: "image/png".into(), view: View::Front }).await.unwrap();
        store
            .complete_assessment(CompleteAssessment {
                id: draft.id,
                form: json!({"i": i}),
                intake: json!({"i": i}),
                report: json!({"engine_version": "crash-test", "i": i}),
                version: ReportVersion { engine: "crash-test".into(), format: 2 },
                plan: json!({"phases": [i]}),
            })
            .await
            .unwrap();
        // Only now is the write acknowledged.
        println!("ACK {} {} {i}", draft.id, photo.id);
    }
}

fn run_and_kill(url: &str, photos: &str) -> (String, Vec<(String, String, u64)>) {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--ignored", "--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env("TONUS_CRASH_CHILD", url)
        .env("TONUS_CRASH_PHOTOS", photos)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut client = String::new();
    let mut acks = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acks.len() < ACKS_BEFORE_KILL {
        assert!(Instant::now() < deadline, "child too slow: {} acks", acks.len());
        let line = lines.next().expect("child ended early").unwrap();
        // libtest may print "test crash_child ... " in front of the first line.
        if let Some((_, id)) = line.split_once("CLIENT ") {
            client = id.to_owned();
        } else if let Some((_, rest)) = line.split_once("ACK ") {
            let parts: Vec<&str> = rest.split(' ').collect();
            acks.push((parts[0].to_owned(), parts[1].to_owned(), parts[2].parse().unwrap()));
        }
    }
    // SIGKILL while the child is in the middle of its next writes.
    child.kill().unwrap();
    child.wait().unwrap();
    // Lines the child printed before dying are acknowledged too.
    for line in lines.map_while(Result::ok) {
        if let Some((_, rest)) = line.split_once("ACK ") {
            let parts: Vec<&str> = rest.split(' ').collect();
            if parts.len() == 3 && parts[2].parse::<u64>().is_ok() {
                acks.push((parts[0].to_owned(), parts[1].to_owned(), parts[2].parse().unwrap()));
            }
        }
    }
    (client, acks)
}

async fn check_survivors(url: &str, photos: &str) {
    let (client, acks) = run_and_kill(url, photos);
    let store = connect(&config(url, photos)).await.unwrap();
    let client: ClientId = client.parse().unwrap();
    let stored = store.assessments_for(client).await.unwrap();
    for (id, photo, i) in &acks {
        let id: AssessmentId = id.parse().unwrap();
        let assessment = store.assessment(id).await.unwrap();
        assert_eq!(assessment.status, AssessmentStatus::Complete, "assessment {i}");
        assert_eq!(assessment.intake, Some(json!({"i": i})));
        let report = store.latest_report(id).await.unwrap().expect("report of an acknowledged write");
        assert_eq!(report.report["i"], json!(i));
        assert_eq!(store.plan_for(id).await.unwrap().unwrap().engine_plan, json!({"phases": [i]}));
        let (_, bytes) = store.photo_bytes(photo.parse().unwrap()).await.unwrap();
        assert_eq!(bytes[8..], i.to_le_bytes());
    }
    // Whatever the kill interrupted is either absent or a whole draft, never half a completion.
    for a in &stored {
        if a.status == AssessmentStatus::Complete {
            assert!(store.latest_report(a.id).await.unwrap().is_some());
            assert!(store.plan_for(a.id).await.unwrap().is_some());
        }
    }
    eprintln!("{} acknowledged writes survived SIGKILL ({} rows found)", acks.len(), stored.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_write_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let photos = dir.path().join("photos").display().to_string();
    check_survivors(&url, &photos).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_write_after_kill_9() {
    use sqlx::Connection;

    let Ok(base) = std::env::var("TONUS_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED postgres_keeps_every_acknowledged_write_after_kill_9: set TONUS_TEST_POSTGRES_URL to run it");
        return;
    };
    let db = format!("tonus_crash_{}", &token::generate().unwrap()[..12]);
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.unwrap();
    let (prefix, _) = base.split('?').next().unwrap().rsplit_once('/').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos").display().to_string();
    check_survivors(&format!("{prefix}/{db}"), &photos).await;
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await.unwrap();
}
