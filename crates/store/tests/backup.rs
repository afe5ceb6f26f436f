//! The restore drill: a clinic with accounts, clients, completed assessments (report, plan,
//! landmarks), photos, notes and audit entries is backed up while a writer keeps adding notes
//! and photos, restored into an empty data directory, and compared record by record and photo
//! by photo with what existed when the backup began. Then the failures: a damaged backup, a
//! restore over existing data, and a second backup that hard-links the photos it shares.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use sha2::{Digest, Sha256};
use tonus_store::backup::{self, MANIFEST};
use tonus_store::*;

fn png(tag: &str, n: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(format!("{tag}-{n}").as_bytes());
    bytes.extend(std::iter::repeat_n(u8::try_from(n % 251).unwrap(), 2048));
    bytes
}

struct Clinic {
    user: User,
    clients: Vec<Client>,
}

async fn populate(store: &Arc<dyn Store>) -> Clinic {
    let user = store
        .create_user(NewUser {
            login: "drill".into(),
            display_name: "Drill Therapist".into(),
            role: Role::Practitioner,
            password_hash: "$argon2id$unused".into(),
            must_change_password: false,
        })
        .await
        .unwrap();
    let mut clients = Vec::new();
    for c in 0..4u32 {
        let client = store
            .create_client(NewClient {
                owner: user.id,
                display_name: format!("Client {c} Ünïcode"),
                reference: Some(format!("REF-{c}")),
                shared_with_clinic: c % 2 == 0,
            })
            .await
            .unwrap();
        for a in 0..3u32 {
            let draft = store
                .create_assessment(NewAssessment { client: client.id, created_by: user.id, form: json!({"a": a}), intake: None })
                .await
                .unwrap();
            let photo = store
                .add_photo(NewPhoto {
                    assessment: draft.id,
                    bytes: png("drill", c * 10 + a),
                    media_type: "image/png".into(),
                    view: View::SideRight,
                })
                .await
                .unwrap();
            store
                .add_landmark_set(NewLandmarkSet {
                    assessment: draft.id,
                    photo: Some(photo.id),
                    view: Some(View::SideRight),
                    landmarks: json!({"points": [c, a]}),
                    model: "lite".into(),
                    model_version: "1".into(),
                    source: LandmarkSource::Automatic,
                    moved_points: Vec::new(),
                    corrects: None,
                    created_by: None,
                })
                .await
                .unwrap();
            store
                .complete_assessment(CompleteAssessment {
                    id: draft.id,
                    form: json!({"a": a}),
                    intake: json!({"client": c, "assessment": a}),
                    report: json!({"engine_version": "drill", "c": c, "a": a}),
                    version: ReportVersion { engine: "drill".into(), format: 2 },
                    plan: json!({"phases": [a]}),
                })
                .await
                .unwrap();
        }
        store.add_note(NewNote { client: client.id, assessment: None, author: user.id, body: format!("note for {c}") }).await.unwrap();
        clients.push(client);
    }
    Clinic { user, clients }
}

/// Everything the store says about one client, photos as hashes.
async fn record(store: &Arc<dyn Store>, client: ClientId) -> serde_json::Value {
    let c = store.client(client).await.unwrap();
    let mut assessments = Vec::new();
    for a in store.assessments_for(client).await.unwrap() {
        let mut photos = Vec::new();
        for p in store.photos_for(a.id).await.unwrap() {
            let (photo, bytes) = store.photo_bytes(p.id).await.unwrap();
            photos.push(json!([
                photo.id.to_string(),
                photo.content_hash,
                hex::encode(Sha256::digest(&bytes)),
                format!("{:?}", photo.view)
            ]));
        }
        let sets: Vec<_> = store.landmark_sets_for(a.id).await.unwrap().into_iter().map(|s| format!("{s:?}")).collect();
        let reports = format!("{:?}", store.latest_report(a.id).await.unwrap());
        assessments.push(json!({"assessment": format!("{a:?}"), "photos": photos, "sets": sets, "reports": reports}));
    }
    let notes: Vec<_> = store.notes_for(client).await.unwrap().into_iter().map(|n| format!("{n:?}")).collect();
    json!({"client": format!("{c:?}"), "assessments": assessments, "notes": notes})
}

#[tokio::test]
async fn a_backup_taken_while_writing_restores_every_record_and_photo() {
    let source = common::sqlite().await;
    let clinic = populate(&source.store).await;
    let before: Vec<_> = {
        let mut all = Vec::new();
        for c in &clinic.clients {
            all.push(record(&source.store, c.id).await);
        }
        all
    };

    // A writer keeps going for the whole backup, as a busy server would.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop, client, user) = (source.store.clone(), stop.clone(), clinic.clients[0].id, clinic.user.id);
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                store
                    .add_note(NewNote { client, assessment: None, author: user, body: format!("written during the backup {n}") })
                    .await
                    .unwrap();
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        })
    };
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("backup-1");
    let summary = backup::backup(&source.config, &dest, None).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let written_during = writer.await.unwrap();
    assert!(written_during > 0, "the writer did not overlap the backup");
    assert_eq!(summary.manifest.photos.len(), 12);
    assert!(!out.path().join(".backup-1.partial").exists());
    backup::verify(&dest).unwrap();

    // Restore into an empty data directory and compare.
    let target = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        database_url: format!("sqlite://{}", target.path().join("tonus.db").display()),
        photos_dir: target.path().join("photos"),
        max_connections: 2,
    };
    let restored = backup::restore(&dest, &config).await.unwrap();
    assert!(restored.database_restored);
    let digests = backup::database_digests(&target.path().join("tonus.db")).await.unwrap();
    assert_eq!(Some(&digests), summary.manifest.database.as_ref().map(|d| &d.tables));
    let store = connect(&config).await.unwrap();
    for (c, expected) in clinic.clients.iter().zip(&before) {
        let mut got = record(&store, c.id).await;
        if c.id == clinic.clients[0].id {
            // The notes the writer added before the snapshot are there too, and only whole ones.
            let notes = got["notes"].as_array_mut().unwrap();
            let extra = notes.len() - expected["notes"].as_array().unwrap().len();
            assert!(extra as u32 <= written_during);
            notes.truncate(notes.len() - extra);
        }
        assert_eq!(&got, expected, "client {} differs after the restore", c.display_name);
    }
    assert_eq!(store.users().await.unwrap().len(), 1);
    assert_eq!(store.credentials("drill").await.unwrap().map(|c| c.user.id), Some(clinic.user.id));

    // A second backup links the photos it shares with the first.
    let second = backup::backup(&source.config, &out.path().join("backup-2"), Some(&dest)).await.unwrap();
    assert_eq!(second.linked, 12);
    backup::verify(&second.dir).unwrap();
}

#[tokio::test]
async fn a_damaged_backup_or_an_occupied_target_is_refused_by_name() {
    let source = common::sqlite().await;
    populate(&source.store).await;
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("backup");
    let summary = backup::backup(&source.config, &dest, None).await.unwrap();
    assert!(backup::backup(&source.config, &dest, None).await.is_err(), "a backup over an existing folder");

    // Restoring over the live data is refused, and the live data is untouched.
    let err = backup::restore(&dest, &source.config).await.unwrap_err().to_string();
    assert!(err.contains("already"), "{err}");

    // One flipped byte in one photo: the restore names the file and writes nothing.
    let photo = &summary.manifest.photos[3];
    let path = dest.join("photos").join(&photo.rel_path);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let target = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        database_url: format!("sqlite://{}", target.path().join("tonus.db").display()),
        photos_dir: target.path().join("photos"),
        max_connections: 2,
    };
    let err = backup::restore(&dest, &config).await.unwrap_err().to_string();
    assert!(err.contains(&photo.rel_path) && err.contains("damaged"), "{err}");
    assert!(!target.path().join("tonus.db").exists());
    assert!(!target.path().join("photos").exists());

    // No manifest: not a backup.
    std::fs::remove_file(dest.join(MANIFEST)).unwrap();
    let err = backup::restore(&dest, &config).await.unwrap_err().to_string();
    assert!(err.contains("not a finished Tonus backup"), "{err}");
}

#[tokio::test]
async fn on_postgresql_the_backup_holds_the_photos_and_says_how_to_dump_the_database() {
    let Some(source) = common::postgres("backup_postgres").await else { return };
    populate(&source.store).await;
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("backup");
    let summary = backup::backup(&source.config, &dest, None).await.unwrap();
    assert!(summary.manifest.database.is_none());
    assert_eq!(summary.manifest.backend, "postgres");
    assert_eq!(summary.manifest.photos.len(), 12);
    backup::verify(&dest).unwrap();
    // The photos come back into an empty folder beside the same database.
    let photos = tempfile::tempdir().unwrap();
    let config = StoreConfig { photos_dir: photos.path().join("photos"), ..source.config.clone() };
    let restored = backup::restore(&dest, &config).await.unwrap();
    assert!(!restored.database_restored);
    let store = connect(&config).await.unwrap();
    let client = store.clients(&ClientQuery::default()).await.unwrap()[0].id;
    assert_eq!(record(&store, client).await, record(&source.store, client).await);
}
