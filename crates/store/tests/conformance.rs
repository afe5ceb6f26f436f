//! Store conformance suite: one clinic story run against every backend.
//!
//! Always runs against a fresh SQLite file; runs against PostgreSQL when
//! `TONUS_TEST_POSTGRES_URL` names a server where the user may create databases (each run
//! creates its own `tonus_conformance_*` database and drops it afterwards). Leaves out access
//! control, which the web crate's tests cover.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use tonus_store::*;

fn new_user(login: &str, role: Role) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: format!("{login} display"),
        role,
        password_hash: format!("$argon2id$fake-hash-for-{login}"),
    }
}

async fn story(store: Arc<dyn Store>, photos_dir: &Path) {
    store.ping().await.unwrap();

    // First-run setup: one token, one first account, never twice.
    assert_eq!(store.count_users().await.unwrap(), 0);
    let now = Timestamp::now();
    let setup = token::generate().unwrap();
    store.create_setup_token(&token::hash(&setup), now.plus_seconds(3600)).await.unwrap();
    assert!(store.setup_token_valid(&token::hash(&setup), now).await.unwrap());
    assert!(!store.setup_token_valid(&token::hash("wrong"), now).await.unwrap());
    let admin = store.redeem_setup_token(&token::hash(&setup), now, new_user("admin", Role::Admin)).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert!(matches!(
        store.redeem_setup_token(&token::hash(&setup), now, new_user("admin2", Role::Admin)).await,
        Err(StoreError::Conflict)
    ));
    assert!(!store.setup_token_valid(&token::hash(&setup), now).await.unwrap());

    // Accounts.
    let p1 = store.create_user(new_user("ann", Role::Practitioner)).await.unwrap();
    let p2 = store.create_user(new_user("bob", Role::Practitioner)).await.unwrap();
    assert!(matches!(store.create_user(new_user("ann", Role::Practitioner)).await, Err(StoreError::Conflict)));
    assert!(matches!(store.create_user(new_user(" ", Role::Practitioner)).await, Err(StoreError::Invalid(_))));
    let creds = store.credentials("ann").await.unwrap().unwrap();
    assert_eq!(creds.user, p1);
    assert_eq!(creds.password_hash, "$argon2id$fake-hash-for-ann");
    assert!(store.credentials("nobody").await.unwrap().is_none());
    assert_eq!(store.users().await.unwrap().len(), 3);
    assert!(matches!(store.user(UserId::new()).await, Err(StoreError::NotFound)));

    // Sessions end on expiry, on disabling and on password change.
    let session_token = token::generate().unwrap();
    store
        .create_session(NewSession {
            token_hash: token::hash(&session_token),
            user: p1.id,
            csrf_token: "csrf".into(),
            expires_at: now.plus_seconds(60),
        })
        .await
        .unwrap();
    let live = store.session(&token::hash(&session_token), now).await.unwrap().unwrap();
    assert_eq!(live.user.id, p1.id);
    assert_eq!(live.csrf_token, "csrf");
    assert!(store.session(&token::hash(&session_token), now.plus_seconds(61)).await.unwrap().is_none());
    store.set_user_disabled(p1.id, true).await.unwrap();
    assert!(store.session(&token::hash(&session_token), now).await.unwrap().is_none());
    assert!(store.user(p1.id).await.unwrap().disabled);
    store.set_user_disabled(p1.id, false).await.unwrap();
    store
        .create_session(NewSession {
            token_hash: token::hash("second"),
            user: p1.id,
            csrf_token: "csrf2".into(),
            expires_at: now.plus_seconds(60),
        })
        .await
        .unwrap();
    store.set_password_hash(p1.id, "$argon2id$new").await.unwrap();
    assert!(store.session(&token::hash("second"), now).await.unwrap().is_none());
    store
        .create_session(NewSession {
            token_hash: token::hash("old"),
            user: p2.id,
            csrf_token: "c".into(),
            expires_at: now.plus_seconds(-1),
        })
        .await
        .unwrap();
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 1);

    // Clients and who sees them.
    let alice = store
        .create_client(NewClient {
            owner: p1.id,
            display_name: "Alice Archer".into(),
            reference: Some("A-100".into()),
            shared_with_clinic: false,
        })
        .await
        .unwrap();
    let shared = store
        .create_client(NewClient { owner: p1.id, display_name: "Ben 100% Shared".into(), reference: None, shared_with_clinic: true })
        .await
        .unwrap();
    let carol = store
        .create_client(NewClient { owner: p2.id, display_name: "carol cole".into(), reference: None, shared_with_clinic: false })
        .await
        .unwrap();
    let names = |clients: Vec<Client>| clients.into_iter().map(|c| c.display_name).collect::<Vec<_>>();
    let visible = |user: UserId, search: Option<&str>| ClientQuery {
        visible_to: Some(user),
        search: search.map(str::to_owned),
        ..ClientQuery::default()
    };
    assert_eq!(names(store.clients(&visible(p1.id, None)).await.unwrap()), ["Alice Archer", "Ben 100% Shared"]);
    assert_eq!(names(store.clients(&visible(p2.id, None)).await.unwrap()), ["Ben 100% Shared", "carol cole"]);
    assert_eq!(store.clients(&ClientQuery::default()).await.unwrap().len(), 3);
    assert_eq!(names(store.clients(&visible(p1.id, Some("ARCH"))).await.unwrap()), ["Alice Archer"]);
    assert_eq!(names(store.clients(&visible(p1.id, Some("a-1"))).await.unwrap()), ["Alice Archer"]);
    assert_eq!(names(store.clients(&visible(p1.id, Some("0%"))).await.unwrap()), ["Ben 100% Shared"]);
    assert!(store.clients(&visible(p1.id, Some("_"))).await.unwrap().is_empty());
    // A limit keeps the first clients in name order; the count ignores it.
    let first = ClientQuery { limit: Some(2), ..ClientQuery::default() };
    assert_eq!(names(store.clients(&first).await.unwrap()), ["Alice Archer", "Ben 100% Shared"]);
    assert_eq!(store.count_clients(&first).await.unwrap(), 3);
    let page = store.listed_clients(&first).await.unwrap();
    assert_eq!(page.total, 3);
    let listed = page.clients;
    assert_eq!(listed.iter().map(|l| l.client.display_name.as_str()).collect::<Vec<_>>(), ["Alice Archer", "Ben 100% Shared"]);
    assert_eq!(listed.iter().map(|l| l.client.clone()).collect::<Vec<_>>(), store.clients(&first).await.unwrap());
    assert_eq!(listed[0].owner_name, p1.display_name);
    assert_eq!(store.listed_clients(&visible(p2.id, Some("carol"))).await.unwrap().clients[0].owner_name, p2.display_name);
    let past_the_end = store.listed_clients(&ClientQuery { limit: Some(2), offset: 10, ..ClientQuery::default() }).await.unwrap();
    assert_eq!((past_the_end.clients.len(), past_the_end.total), (0, 3));
    let second_page = ClientQuery { limit: Some(2), offset: 2, ..ClientQuery::default() };
    assert_eq!(names(store.clients(&second_page).await.unwrap()), ["carol cole"]);
    assert_eq!(store.count_clients(&second_page).await.unwrap(), 3);
    assert_eq!(store.count_clients(&visible(p2.id, None)).await.unwrap(), 2);
    assert_eq!(store.count_clients(&visible(p1.id, Some("0%"))).await.unwrap(), 1);
    assert_eq!(store.clients(&ClientQuery { limit: Some(0), ..ClientQuery::default() }).await.unwrap().len(), 0);
    let renamed = store
        .update_client(
            carol.id,
            ClientUpdate { display_name: "Carol Cole".into(), reference: Some("  ".into()), shared_with_clinic: false },
        )
        .await
        .unwrap();
    assert_eq!(renamed.display_name, "Carol Cole");
    assert_eq!(renamed.reference, None);
    assert!(matches!(store.client(ClientId::new()).await, Err(StoreError::NotFound)));

    // A client account linked to the record.
    let alice_login = store.create_client_account(alice.id, new_user("alice", Role::Client)).await.unwrap();
    assert_eq!(store.client_for_user(alice_login.id).await.unwrap().unwrap().id, alice.id);
    assert!(matches!(store.create_client_account(alice.id, new_user("alice2", Role::Client)).await, Err(StoreError::Conflict)));
    assert!(store.credentials("alice2").await.unwrap().is_none(), "rolled back");

    // Assessments: drafts keep invalid input; completion is atomic and final.
    let draft = store
        .create_assessment(NewAssessment { client: alice.id, created_by: p1.id, form: json!({"nprs": "eleven"}), intake: None })
        .await
        .unwrap();
    assert_eq!(draft.status, AssessmentStatus::Draft);
    let saved = store.save_draft(draft.id, json!({"nprs": "7"}), Some(json!({"nprs": 7}))).await.unwrap();
    assert_eq!(saved.form, json!({"nprs": "7"}));
    assert_eq!(saved.intake, Some(json!({"nprs": 7})));
    let report = json!({"engine_version": "0.1.0", "metrics": [1, 2, 3]});
    let done = store
        .complete_assessment(CompleteAssessment {
            id: draft.id,
            form: json!({"nprs": "7"}),
            intake: json!({"nprs": 7}),
            report: report.clone(),
            engine_version: "0.1.0".into(),
            plan: json!({"phases": ["release"]}),
        })
        .await
        .unwrap();
    assert_eq!(done.status, AssessmentStatus::Complete);
    assert!(done.completed_at.is_some());
    assert!(matches!(store.save_draft(draft.id, json!({}), None).await, Err(StoreError::Conflict)));
    assert!(matches!(
        store
            .complete_assessment(CompleteAssessment {
                id: draft.id,
                form: json!({}),
                intake: json!({}),
                report: json!({}),
                engine_version: "x".into(),
                plan: json!({}),
            })
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(store.save_draft(AssessmentId::new(), json!({}), None).await, Err(StoreError::NotFound)));
    let second =
        store.create_assessment(NewAssessment { client: alice.id, created_by: p1.id, form: json!({}), intake: None }).await.unwrap();
    let (read, its_client) = store.assessment_with_client(second.id).await.unwrap();
    assert_eq!((read, its_client), (second.clone(), store.client(alice.id).await.unwrap()));
    assert!(matches!(store.assessment_with_client(AssessmentId::new()).await, Err(StoreError::NotFound)));
    let ids: Vec<_> = store.assessments_for(alice.id).await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, [draft.id, second.id]);

    // Reports: the newest wins; plans keep the engine's version beside the therapist's.
    assert_eq!(store.latest_report(draft.id).await.unwrap().unwrap().report, report);
    let newer = store.save_report(draft.id, json!({"engine_version": "0.2.0"}), "0.2.0").await.unwrap();
    assert_eq!(store.latest_report(draft.id).await.unwrap().unwrap().id, newer.id);
    assert!(store.latest_report(second.id).await.unwrap().is_none());
    let stamp = store.report_stamp(draft.id).await.unwrap().unwrap();
    assert_eq!((stamp.report, stamp.landmark_sets, stamp.photos, stamp.plan_edited_by), (newer.id, 0, 0, None));
    assert_eq!(store.report_stamp(second.id).await.unwrap(), None);
    let plan = store.plan_for(draft.id).await.unwrap().unwrap();
    assert_eq!(plan.current(), &json!({"phases": ["release"]}));
    let edited = store.edit_plan(draft.id, json!({"phases": ["release", "strengthen"]}), p1.id).await.unwrap();
    assert_eq!(edited.engine_plan, json!({"phases": ["release"]}));
    assert_eq!(edited.current(), &json!({"phases": ["release", "strengthen"]}));
    assert_eq!(edited.edited_by, Some(p1.id));
    let stamp = store.report_stamp(draft.id).await.unwrap().unwrap();
    assert_eq!((stamp.plan_edited_by, stamp.plan_edited_at), (edited.edited_by, edited.edited_at));
    assert!(matches!(store.edit_plan(second.id, json!({}), p1.id).await, Err(StoreError::NotFound)));

    // Photos are content-addressed files; landmarks keep their provenance.
    let bytes = b"\x89PNG\r\n\x1a\nnot really a png but bytes are bytes".to_vec();
    let photo = store
        .add_photo(NewPhoto { assessment: draft.id, bytes: bytes.clone(), media_type: "image/png".into(), view: "side".into() })
        .await
        .unwrap();
    assert!(photos_dir.join(&photo.rel_path).is_file());
    assert!(photo.rel_path.ends_with(".png") && photo.rel_path.contains(&photo.content_hash));
    let (again, read) = store.photo_bytes(photo.id).await.unwrap();
    assert_eq!((again, read), (photo.clone(), bytes.clone()));
    assert!(matches!(
        store.add_photo(NewPhoto { assessment: draft.id, bytes: bytes.clone(), media_type: "text/html".into(), view: "side".into() }).await,
        Err(StoreError::Invalid(_))
    ));
    let carol_assessment =
        store.create_assessment(NewAssessment { client: carol.id, created_by: p2.id, form: json!({}), intake: None }).await.unwrap();
    let same_bytes = store
        .add_photo(NewPhoto { assessment: carol_assessment.id, bytes: bytes.clone(), media_type: "image/png".into(), view: "front".into() })
        .await
        .unwrap();
    assert_eq!(same_bytes.rel_path, photo.rel_path);
    let landmarks = store
        .add_landmark_set(NewLandmarkSet {
            assessment: draft.id,
            photo: Some(photo.id),
            view: "side".into(),
            landmarks: json!({"landmarks": [[0.5, 0.5, 0.0, 0.99]]}),
            model: "blazepose-full".into(),
            model_version: "0.23.9".into(),
            source: LandmarkSource::Manual,
            moved_points: vec!["left_ear".into()],
        })
        .await
        .unwrap();
    assert_eq!(store.landmark_sets_for(draft.id).await.unwrap(), [landmarks]);
    let stamp = store.report_stamp(draft.id).await.unwrap().unwrap();
    assert_eq!((stamp.report, stamp.landmark_sets, stamp.photos), (newer.id, 1, 1));
    assert_eq!(store.photos_for(draft.id).await.unwrap(), std::slice::from_ref(&photo));

    // Notes, share links, audit.
    store
        .add_note(NewNote { client: alice.id, assessment: Some(draft.id), author: p1.id, body: "Responded well to release work.".into() })
        .await
        .unwrap();
    assert!(matches!(
        store.add_note(NewNote { client: alice.id, assessment: None, author: p1.id, body: "   ".into() }).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.notes_for(alice.id).await.unwrap().len(), 1);
    let share_token = token::generate().unwrap();
    let link = store
        .create_share_link(NewShareLink {
            client: alice.id,
            token_hash: token::hash(&share_token),
            created_by: p1.id,
            expires_at: now.plus_seconds(600),
        })
        .await
        .unwrap();
    let found = store.share_link(&token::hash(&share_token)).await.unwrap().unwrap();
    assert!(found.is_active(now));
    assert!(!found.is_active(now.plus_seconds(601)));
    store.revoke_share_link(link.id).await.unwrap();
    assert!(!store.share_link(&token::hash(&share_token)).await.unwrap().unwrap().is_active(now));
    assert_eq!(store.share_links_for(alice.id).await.unwrap().len(), 1);
    store
        .record_audit(NewAuditEntry {
            actor: Some(p1.id),
            action: "view".into(),
            record_kind: "client".into(),
            record_id: alice.id.to_string(),
            detail: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(store.audit_for(&alice.id.to_string(), 10).await.unwrap().len(), 1);
    assert_eq!(store.recent_audit(10).await.unwrap().len(), 1);
    // A batch lands whole, in one transaction; an empty one is nothing.
    let line = |action: &str, id: String| NewAuditEntry {
        actor: Some(p2.id),
        action: action.into(),
        record_kind: "client".into(),
        record_id: id,
        detail: String::new(),
    };
    store.record_audit_batch(vec![line("view", carol.id.to_string()), line("update", carol.id.to_string())]).await.unwrap();
    store.record_audit_batch(Vec::new()).await.unwrap();
    // Past one statement's worth of rows, the chunks still land together.
    store.record_audit_batch((0..1_200).map(|_| line("view", shared.id.to_string())).collect()).await.unwrap();
    assert_eq!(store.audit_for(&shared.id.to_string(), 5_000).await.unwrap().len(), 1_200);
    let mut actions: Vec<_> = store.audit_for(&carol.id.to_string(), 10).await.unwrap().into_iter().map(|e| e.action).collect();
    actions.sort();
    assert_eq!(actions, ["update", "view"]);
    assert_eq!(store.recent_audit(5_000).await.unwrap().len(), 1_203);

    // Export holds the whole record and no token hash.
    let export = store.export_client(alice.id).await.unwrap();
    assert_eq!(export.assessments.len(), 2);
    assert_eq!(export.reports.len(), 2);
    assert_eq!(export.plans.len(), 1);
    assert_eq!(export.photos.len(), 1);
    assert_eq!(export.landmark_sets.len(), 1);
    assert_eq!(export.notes.len(), 1);
    assert_eq!(export.share_links.len(), 1);
    assert_eq!(export.audit_log.len(), 1);
    let text = serde_json::to_string(&export).unwrap();
    assert!(!text.contains(&token::hash(&share_token)));

    // Concurrent writers all land (SQLite queues them behind its write lock).
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let client = shared.id;
        let author = p2.id;
        tasks.push(tokio::spawn(
            async move { store.add_note(NewNote { client, assessment: None, author, body: format!("note {i}") }).await },
        ));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.notes_for(shared.id).await.unwrap().len(), 16);

    // Erasure removes every row and the client's own login; shared photo bytes stay
    // until their last user goes.
    let erased = store.erase_client(alice.id).await.unwrap();
    assert_eq!(erased, Erasure { assessments: 2, photo_files_removed: 0, client_account_removed: true });
    assert!(matches!(store.client(alice.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.assessment(draft.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.photo(photo.id).await, Err(StoreError::NotFound)));
    assert!(store.plan_for(draft.id).await.unwrap().is_none());
    assert!(store.notes_for(alice.id).await.unwrap().is_empty());
    assert!(store.share_link(&token::hash(&share_token)).await.unwrap().is_none());
    assert!(matches!(store.user(alice_login.id).await, Err(StoreError::NotFound)));
    assert!(photos_dir.join(&photo.rel_path).is_file());
    let erased = store.erase_client(carol.id).await.unwrap();
    assert_eq!(erased.photo_files_removed, 1);
    assert!(!photos_dir.join(&photo.rel_path).exists());
    assert!(matches!(store.erase_client(carol.id).await, Err(StoreError::NotFound)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let config = StoreConfig {
        database_url: format!("sqlite://{}", dir.path().join("tonus.db").display()),
        photos_dir: photos.clone(),
        max_connections: 4,
    };
    let store = connect(&config).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    story(store.clone(), &photos).await;
    // WAL mode: committed pages sit in the write-ahead log next to the database.
    assert!(dir.path().join("tonus.db-wal").is_file(), "sqlite runs in WAL mode");
    drop(store);
    // Reopening runs no migration twice and keeps the data.
    let store = connect(&config).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 3);
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_conformance() {
    use sqlx::Connection;

    let Ok(base) = std::env::var("TONUS_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED postgres_conformance: set TONUS_TEST_POSTGRES_URL to run it");
        return;
    };
    let db = format!("tonus_conformance_{}", uuid_suffix());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.unwrap();
    let (prefix, _) = base.split('?').next().unwrap().rsplit_once('/').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    let config = StoreConfig { database_url: format!("{prefix}/{db}"), photos_dir: photos.clone(), max_connections: 4 };
    let store = connect(&config).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    story(store.clone(), &photos).await;
    drop(store);
    let store = connect(&config).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 3);
    drop(store);
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await.unwrap();
}

#[cfg(feature = "postgres")]
fn uuid_suffix() -> String {
    token::generate().unwrap()[..12].to_owned()
}

#[tokio::test]
async fn rejects_unknown_url_scheme() {
    let config = StoreConfig { database_url: "mysql://x".into(), photos_dir: "unused".into(), max_connections: 1 };
    assert!(matches!(connect(&config).await, Err(StoreError::Invalid(_))));
    assert_eq!(redact_url("postgres://tonus:secret@db/tonus"), "postgres://tonus:***@db/tonus");
}
