//! Store conformance suite: one behaviour per test, each on a fresh store of every backend.
//!
//! Every test runs against a fresh SQLite file, and against a fresh PostgreSQL database when
//! `TONUS_TEST_POSTGRES_URL` names a server where the user may create databases (see
//! `common/mod.rs`), as `<test>::sqlite` and `<test>::postgres`. Leaves out access control,
//! which the web crate's tests cover, the login limiter (`login_guard.rs`), durability under
//! `kill -9` (`crash.rs`) and converting an older schema's rows (`migrations.rs`).

mod common;

use std::sync::Arc;

use common::TestStore;
use serde_json::{Value, json};
use tonus_store::*;

// Fixtures: the records most tests start from.

fn new_user(login: &str, role: Role) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: format!("{login} display"),
        role,
        password_hash: format!("$argon2id$fake-hash-for-{login}"),
        must_change_password: false,
    }
}

async fn practitioner(store: &dyn Store, login: &str) -> User {
    store.create_user(new_user(login, Role::Practitioner)).await.unwrap()
}

fn new_client(owner: &User, name: &str) -> NewClient {
    NewClient { owner: owner.id, display_name: name.into(), reference: None, shared_with_clinic: false }
}

async fn client_of(store: &dyn Store, owner: &User, name: &str) -> Client {
    store.create_client(new_client(owner, name)).await.unwrap()
}

async fn draft(store: &dyn Store, client: &Client) -> Assessment {
    store.create_assessment(NewAssessment { client: client.id, created_by: client.owner, form: json!({}), intake: None }).await.unwrap()
}

fn completion(id: AssessmentId, report: Value, plan: Value) -> CompleteAssessment {
    CompleteAssessment {
        id,
        form: json!({"nprs": "7"}),
        intake: json!({"nprs": 7}),
        report,
        version: ReportVersion { engine: "0.1.0".into(), format: 2 },
        plan,
    }
}

/// A practitioner, their client and a completed assessment (report `{"n": 1}`, plan `release`).
async fn completed(store: &dyn Store) -> (User, Client, Assessment) {
    let ann = practitioner(store, "ann").await;
    let client = client_of(store, &ann, "Alice Archer").await;
    let draft = draft(store, &client).await;
    let done = store.complete_assessment(completion(draft.id, json!({"n": 1}), json!({"phases": ["release"]}))).await.unwrap();
    (ann, client, done)
}

fn png(tag: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

fn new_photo(assessment: AssessmentId, bytes: &[u8], view: View) -> NewPhoto {
    NewPhoto { assessment, bytes: bytes.to_vec(), media_type: "image/png".into(), view }
}

fn automatic_set(assessment: AssessmentId, photo: Option<PhotoId>, view: Option<View>) -> NewLandmarkSet {
    NewLandmarkSet {
        assessment,
        photo,
        view,
        landmarks: json!({"landmarks": [[0.5, 0.5, 0.0, 0.99]]}),
        model: "mediapipe-pose-full".into(),
        model_version: "0.10.21".into(),
        source: LandmarkSource::Automatic,
        moved_points: Vec::new(),
        corrects: None,
        created_by: None,
    }
}

/// A hand correction of `original`, keeping its model as provenance.
fn correction_of(original: &LandmarkSet, assessment: AssessmentId) -> NewLandmarkSet {
    NewLandmarkSet {
        assessment,
        photo: original.photo,
        view: original.view,
        landmarks: json!({"landmarks": [[0.52, 0.5, 0.0, 0.99]]}),
        model: original.model.clone(),
        model_version: original.model_version.clone(),
        source: LandmarkSource::Manual,
        moved_points: vec!["landmark 0".into()],
        corrects: Some(original.id),
        created_by: None,
    }
}

fn audit_line(action: &str, record_id: &str) -> NewAuditEntry {
    NewAuditEntry { actor: None, action: action.into(), record_kind: "client".into(), record_id: record_id.into(), detail: String::new() }
}

fn names(clients: Vec<Client>) -> Vec<String> {
    clients.into_iter().map(|c| c.display_name).collect()
}

// The database.

async fn store_answers_and_reopens_without_migrating_again(t: TestStore) {
    t.store.ping().await.unwrap();
    assert_eq!(t.store.backend(), t.backend());
    practitioner(&*t.store, "ann").await;
    if let Some(file) = t.sqlite_file() {
        // WAL mode: committed pages sit in the write-ahead log next to the database.
        assert!(file.with_extension("db-wal").is_file(), "sqlite runs in WAL mode");
    }
    let again = t.reopen().await;
    assert_eq!(again.count_users().await.unwrap(), 1);
}

// Accounts, first-run setup and sessions.

async fn setup_token_creates_the_first_account_once(t: TestStore) {
    let store = &*t.store;
    let now = Timestamp::now();
    let setup = token::hash("setup");
    assert_eq!(store.count_users().await.unwrap(), 0);
    store.create_setup_token(&setup, now.plus_seconds(3600)).await.unwrap();
    assert!(store.setup_token_valid(&setup, now).await.unwrap());
    assert!(!store.setup_token_valid(&token::hash("wrong"), now).await.unwrap());
    assert!(!store.setup_token_valid(&setup, now.plus_seconds(3600)).await.unwrap(), "expired");
    let admin = store.redeem_setup_token(&setup, now, new_user("admin", Role::Admin)).await.unwrap();
    assert_eq!((admin.login.as_str(), admin.role), ("admin", Role::Admin));
    assert!(matches!(store.redeem_setup_token(&setup, now, new_user("admin2", Role::Admin)).await, Err(StoreError::Conflict)));
    assert!(!store.setup_token_valid(&setup, now).await.unwrap());
    // A second token is no use once an account exists.
    let late = token::hash("late");
    store.create_setup_token(&late, now.plus_seconds(3600)).await.unwrap();
    assert!(!store.setup_token_valid(&late, now).await.unwrap());
    assert!(matches!(store.redeem_setup_token(&late, now, new_user("admin3", Role::Admin)).await, Err(StoreError::Conflict)));
    assert_eq!(store.count_users().await.unwrap(), 1);
}

async fn logins_are_unique_and_credentials_carry_the_hash(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    practitioner(store, "bob").await;
    assert!(matches!(store.create_user(new_user("ann", Role::Practitioner)).await, Err(StoreError::Conflict)));
    assert!(matches!(store.create_user(new_user(" ", Role::Practitioner)).await, Err(StoreError::Invalid(_))));
    let creds = store.credentials("ann").await.unwrap().unwrap();
    assert_eq!((creds.user, creds.password_hash.as_str()), (ann.clone(), "$argon2id$fake-hash-for-ann"));
    assert!(store.credentials("nobody").await.unwrap().is_none());
    assert_eq!(store.user(ann.id).await.unwrap(), ann);
    assert_eq!(store.users().await.unwrap().iter().map(|u| u.login.as_str()).collect::<Vec<_>>(), ["ann", "bob"]);
    assert!(matches!(store.user(UserId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_password_hash(UserId::new(), "h", false).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_password_hash(ann.id, "", false).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.set_user_disabled(UserId::new(), true).await, Err(StoreError::NotFound)));
}

async fn sessions_end_on_expiry_disabling_and_password_change(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let bob = practitioner(store, "bob").await;
    let now = Timestamp::now();
    let session = |name: &str, user: &User, expires_at| NewSession {
        token_hash: token::hash(name),
        user: user.id,
        csrf_token: format!("csrf-{name}"),
        expires_at,
    };
    store.create_session(session("first", &ann, now.plus_seconds(60))).await.unwrap();
    let live = store.session(&token::hash("first"), now).await.unwrap().unwrap();
    assert_eq!((live.user.id, live.csrf_token.as_str()), (ann.id, "csrf-first"));
    assert!(store.session(&token::hash("first"), now.plus_seconds(61)).await.unwrap().is_none(), "expired");
    store.set_user_disabled(ann.id, true).await.unwrap();
    assert!(store.user(ann.id).await.unwrap().disabled);
    assert!(store.session(&token::hash("first"), now).await.unwrap().is_none(), "disabling ends sessions");
    store.set_user_disabled(ann.id, false).await.unwrap();
    store.create_session(session("second", &ann, now.plus_seconds(60))).await.unwrap();
    store.set_password_hash(ann.id, "$argon2id$new", true).await.unwrap();
    assert!(store.user(ann.id).await.unwrap().must_change_password, "a password someone else set must be changed");
    assert!(store.session(&token::hash("second"), now).await.unwrap().is_none(), "a new password ends sessions");
    assert_eq!(store.credentials("ann").await.unwrap().unwrap().password_hash, "$argon2id$new");
    store.create_session(session("logout", &bob, now.plus_seconds(60))).await.unwrap();
    store.delete_session(&token::hash("logout")).await.unwrap();
    assert!(store.session(&token::hash("logout"), now).await.unwrap().is_none());
    store.create_session(session("old", &bob, now.plus_seconds(-1))).await.unwrap();
    store.create_session(session("live", &bob, now.plus_seconds(60))).await.unwrap();
    assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 1);
    assert!(store.session(&token::hash("live"), now).await.unwrap().is_some());
}

// Clients.

async fn clients_are_created_updated_and_missing_ones_not_found(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let carol = store
        .create_client(NewClient {
            owner: ann.id,
            display_name: "  carol cole ".into(),
            reference: Some(" C-1 ".into()),
            shared_with_clinic: false,
        })
        .await
        .unwrap();
    assert_eq!((carol.display_name.as_str(), carol.reference.as_deref(), carol.user), ("carol cole", Some("C-1"), None));
    assert_eq!(store.client(carol.id).await.unwrap(), carol);
    let renamed = store
        .update_client(carol.id, ClientUpdate { display_name: "Carol Cole".into(), reference: Some("  ".into()), shared_with_clinic: true })
        .await
        .unwrap();
    assert_eq!((renamed.display_name.as_str(), renamed.reference.as_deref(), renamed.shared_with_clinic), ("Carol Cole", None, true));
    assert_eq!(store.client(carol.id).await.unwrap(), renamed);
    assert!(matches!(store.create_client(new_client(&ann, " ")).await, Err(StoreError::Invalid(_))));
    let blank = ClientUpdate { display_name: "".into(), reference: None, shared_with_clinic: false };
    assert!(matches!(store.update_client(carol.id, blank).await, Err(StoreError::Invalid(_))));
    let rename = ClientUpdate { display_name: "X".into(), reference: None, shared_with_clinic: false };
    assert!(matches!(store.update_client(ClientId::new(), rename).await, Err(StoreError::NotFound)));
    assert!(matches!(store.client(ClientId::new()).await, Err(StoreError::NotFound)));
}

/// Alice and "Ben 100% Shared" (shared with the clinic) belong to ann; carol to bob.
async fn three_clients(store: &dyn Store) -> (User, User) {
    let ann = practitioner(store, "ann").await;
    let bob = practitioner(store, "bob").await;
    let alice = NewClient { reference: Some("A-100".into()), ..new_client(&ann, "Alice Archer") };
    store.create_client(alice).await.unwrap();
    store.create_client(NewClient { shared_with_clinic: true, ..new_client(&ann, "Ben 100% Shared") }).await.unwrap();
    client_of(store, &bob, "carol cole").await;
    (ann, bob)
}

fn visible(user: &User, search: Option<&str>) -> ClientQuery {
    ClientQuery { visible_to: Some(user.id), search: search.map(str::to_owned), ..ClientQuery::default() }
}

async fn clients_are_visible_to_their_owner_and_when_shared(t: TestStore) {
    let store = &*t.store;
    let (ann, bob) = three_clients(store).await;
    assert_eq!(names(store.clients(&visible(&ann, None)).await.unwrap()), ["Alice Archer", "Ben 100% Shared"]);
    assert_eq!(names(store.clients(&visible(&bob, None)).await.unwrap()), ["Ben 100% Shared", "carol cole"]);
    assert_eq!(store.clients(&ClientQuery::default()).await.unwrap().len(), 3);
    assert_eq!(store.count_clients(&visible(&bob, None)).await.unwrap(), 2);
    let stranger = practitioner(store, "cy").await;
    assert_eq!(names(store.clients(&visible(&stranger, None)).await.unwrap()), ["Ben 100% Shared"]);
}

async fn client_search_ignores_case_and_escapes_wildcards(t: TestStore) {
    let store = &*t.store;
    let (ann, bob) = three_clients(store).await;
    let search = |user: &User, text: &str| visible(user, Some(text));
    assert_eq!(names(store.clients(&search(&ann, "ARCH")).await.unwrap()), ["Alice Archer"]);
    assert_eq!(names(store.clients(&search(&ann, "a-1")).await.unwrap()), ["Alice Archer"], "by reference");
    assert_eq!(names(store.clients(&search(&ann, "0%")).await.unwrap()), ["Ben 100% Shared"], "% is literal");
    assert!(store.clients(&search(&ann, "_")).await.unwrap().is_empty(), "_ is literal");
    assert!(store.clients(&search(&ann, "carol")).await.unwrap().is_empty(), "bob's client");
    assert_eq!(names(store.clients(&search(&bob, "carol")).await.unwrap()), ["carol cole"]);
    assert_eq!(store.clients(&search(&ann, "   ")).await.unwrap().len(), 2, "a blank search matches all");
    assert_eq!(store.count_clients(&search(&ann, "0%")).await.unwrap(), 1);
}

async fn client_pages_keep_name_order_and_count_every_match(t: TestStore) {
    let store = &*t.store;
    let (ann, bob) = three_clients(store).await;
    // A limit keeps the first clients in name order; the count ignores it.
    let first = ClientQuery { limit: Some(2), ..ClientQuery::default() };
    assert_eq!(names(store.clients(&first).await.unwrap()), ["Alice Archer", "Ben 100% Shared"]);
    assert_eq!(store.count_clients(&first).await.unwrap(), 3);
    let page = store.listed_clients(&first).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.clients.iter().map(|l| l.client.clone()).collect::<Vec<_>>(), store.clients(&first).await.unwrap());
    assert_eq!(page.clients[0].owner_name, ann.display_name);
    assert_eq!(store.listed_clients(&visible(&bob, Some("carol"))).await.unwrap().clients[0].owner_name, bob.display_name);
    let second = ClientQuery { limit: Some(2), offset: 2, ..ClientQuery::default() };
    assert_eq!(names(store.clients(&second).await.unwrap()), ["carol cole"]);
    assert_eq!(store.count_clients(&second).await.unwrap(), 3);
    let past_the_end = store.listed_clients(&ClientQuery { limit: Some(2), offset: 10, ..ClientQuery::default() }).await.unwrap();
    assert_eq!((past_the_end.clients.len(), past_the_end.total), (0, 3));
    assert!(store.clients(&ClientQuery { limit: Some(0), ..ClientQuery::default() }).await.unwrap().is_empty());
    // The page's total is counted by the quickest query for each case; each agrees with the
    // general count: everyone's, one practitioner's with the shared ones, and a search.
    for query in [
        ClientQuery { limit: Some(1), ..ClientQuery::default() },
        ClientQuery { limit: Some(1), ..visible(&ann, None) },
        ClientQuery { limit: Some(1), ..visible(&bob, None) },
        ClientQuery { limit: Some(1), ..visible(&ann, Some("a")) },
    ] {
        assert_eq!(store.listed_clients(&query).await.unwrap().total, store.count_clients(&query).await.unwrap(), "{query:?}");
    }
}

async fn client_account_links_once_and_rolls_back_on_conflict(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice Archer").await;
    assert!(matches!(store.create_client_account(alice.id, new_user("p", Role::Practitioner)).await, Err(StoreError::Invalid(_))));
    let login = store.create_client_account(alice.id, new_user("alice", Role::Client)).await.unwrap();
    assert_eq!(login.role, Role::Client);
    assert_eq!(store.client_for_user(login.id).await.unwrap().unwrap().id, alice.id);
    assert_eq!(store.client(alice.id).await.unwrap().user, Some(login.id));
    assert!(store.client_for_user(ann.id).await.unwrap().is_none());
    assert!(matches!(store.create_client_account(alice.id, new_user("alice2", Role::Client)).await, Err(StoreError::Conflict)));
    assert!(store.credentials("alice2").await.unwrap().is_none(), "rolled back");
    assert!(matches!(store.create_client_account(ClientId::new(), new_user("ghost", Role::Client)).await, Err(StoreError::NotFound)));
    assert!(store.credentials("ghost").await.unwrap().is_none(), "rolled back");
}

// Assessments.

async fn a_draft_and_a_photo_of_a_draft_can_be_deleted_but_not_a_completed_record(t: TestStore) {
    let store = &*t.store;
    let (_, alice, done) = completed(store).await;
    // A draft with a photo and the landmarks found on it; a second draft shares the bytes.
    let first = draft(store, &alice).await;
    let other = draft(store, &alice).await;
    let photo = store.add_photo(new_photo(first.id, &png("retake"), View::SideLeft)).await.unwrap();
    let shared = store.add_photo(new_photo(other.id, &png("retake"), View::SideLeft)).await.unwrap();
    let own = store.add_photo(new_photo(first.id, &png("own"), View::Front)).await.unwrap();
    store.add_landmark_set(automatic_set(first.id, Some(photo.id), Some(View::SideLeft))).await.unwrap();
    store.add_landmark_set(automatic_set(first.id, Some(own.id), Some(View::Front))).await.unwrap();

    // A retake: the photo and its landmarks go; the bytes stay for the other draft.
    assert!(!store.delete_photo(photo.id).await.unwrap(), "another record shares the file");
    assert!(matches!(store.photo(photo.id).await, Err(StoreError::NotFound)));
    let sets: Vec<_> = store.landmark_sets_for(first.id).await.unwrap().into_iter().map(|s| s.photo).collect();
    assert_eq!(sets, [Some(own.id)]);
    assert!(t.photos.join(&shared.rel_path).exists());

    // The whole draft: its own file goes, the shared one stays.
    assert_eq!(store.delete_draft(first.id).await.unwrap(), 1);
    assert!(matches!(store.assessment(first.id).await, Err(StoreError::NotFound)));
    assert!(!t.photos.join(&own.rel_path).exists());
    assert!(t.photos.join(&shared.rel_path).exists());
    assert!(matches!(store.delete_draft(first.id).await, Err(StoreError::NotFound)));

    // A completed assessment keeps its record.
    let kept = store.add_photo(new_photo(other.id, &png("kept"), View::Front)).await.unwrap();
    let done_photo = {
        let d = draft(store, &alice).await;
        let p = store.add_photo(new_photo(d.id, &png("done"), View::Front)).await.unwrap();
        store.complete_assessment(completion(d.id, json!({}), json!({}))).await.unwrap();
        p
    };
    assert!(matches!(store.delete_draft(done.id).await, Err(StoreError::Conflict)));
    assert!(matches!(store.delete_photo(done_photo.id).await, Err(StoreError::Conflict)));
    assert!(store.photo(done_photo.id).await.is_ok());
    assert!(matches!(store.delete_photo(PhotoId::new()).await, Err(StoreError::NotFound)));
    assert!(store.delete_photo(kept.id).await.unwrap(), "an unshared file goes");
}

async fn drafts_keep_invalid_input(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let draft = store
        .create_assessment(NewAssessment { client: alice.id, created_by: ann.id, form: json!({"nprs": "eleven"}), intake: None })
        .await
        .unwrap();
    assert_eq!(
        (draft.status, &draft.form, &draft.intake, draft.completed_at),
        (AssessmentStatus::Draft, &json!({"nprs": "eleven"}), &None, None)
    );
    let saved = store.save_draft(draft.id, json!({"nprs": "7"}), Some(json!({"nprs": 7}))).await.unwrap();
    assert_eq!((saved.form, saved.intake), (json!({"nprs": "7"}), Some(json!({"nprs": 7}))));
    assert_eq!(store.assessment(draft.id).await.unwrap().status, AssessmentStatus::Draft);
    assert!(matches!(store.save_draft(AssessmentId::new(), json!({}), None).await, Err(StoreError::NotFound)));
    assert!(matches!(store.assessment(AssessmentId::new()).await, Err(StoreError::NotFound)));
}

async fn completion_writes_report_and_plan_and_is_final(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let draft = draft(store, &alice).await;
    let report = json!({"engine_version": "0.1.0", "metrics": [1, 2, 3]});
    let done = store.complete_assessment(completion(draft.id, report.clone(), json!({"phases": ["release"]}))).await.unwrap();
    assert_eq!((done.status, done.intake.clone()), (AssessmentStatus::Complete, Some(json!({"nprs": 7}))));
    assert!(done.completed_at.is_some());
    let stored = store.latest_report(draft.id).await.unwrap().unwrap();
    assert_eq!((stored.report, stored.engine_version.as_str()), (report, "0.1.0"));
    assert_eq!(store.plan_for(draft.id).await.unwrap().unwrap().engine_plan, json!({"phases": ["release"]}));
    assert!(matches!(store.save_draft(draft.id, json!({}), None).await, Err(StoreError::Conflict)));
    let again = completion(draft.id, json!({"again": true}), json!({}));
    assert!(matches!(store.complete_assessment(again).await, Err(StoreError::Conflict)));
    assert_eq!(store.latest_report(draft.id).await.unwrap().unwrap().id, stored.id, "a refused completion writes nothing");
    let missing = completion(AssessmentId::new(), json!({}), json!({}));
    assert!(matches!(store.complete_assessment(missing).await, Err(StoreError::NotFound)));
}

async fn assessments_read_with_their_client_in_creation_order(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let carol = client_of(store, &ann, "Carol").await;
    let first = draft(store, &alice).await;
    draft(store, &carol).await;
    let second = draft(store, &alice).await;
    assert_eq!(store.assessment_with_client(second.id).await.unwrap(), (second.clone(), alice.clone()));
    assert!(matches!(store.assessment_with_client(AssessmentId::new()).await, Err(StoreError::NotFound)));
    let ids: Vec<_> = store.assessments_for(alice.id).await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, [first.id, second.id]);
    assert!(store.assessments_for(ClientId::new()).await.unwrap().is_empty());
}

// Photos.

async fn photos_are_content_addressed_and_deduplicated(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let carol = client_of(store, &ann, "Carol").await;
    let (a, c) = (draft(store, &alice).await, draft(store, &carol).await);
    let bytes = png("not really a png but bytes are bytes");
    let photo = store.add_photo(new_photo(a.id, &bytes, View::SideLeft)).await.unwrap();
    assert_eq!(photo.content_hash, hex::encode(sha2_of(&bytes)));
    assert_eq!(photo.rel_path, format!("{}/{}.png", &photo.content_hash[..2], photo.content_hash));
    assert_eq!((photo.media_type.as_str(), photo.byte_len), ("image/png", i64::try_from(bytes.len()).unwrap()));
    assert_eq!(std::fs::read(t.photos.join(&photo.rel_path)).unwrap(), bytes);
    assert_eq!(store.photo_bytes(photo.id).await.unwrap(), (photo.clone(), bytes.clone()));
    assert_eq!(store.photo(photo.id).await.unwrap(), photo);
    // The same bytes in another record share one file.
    let same = store.add_photo(new_photo(c.id, &bytes, View::Front)).await.unwrap();
    assert_ne!(same.id, photo.id);
    assert_eq!(same.rel_path, photo.rel_path);
    assert_eq!(std::fs::read_dir(t.photos.join(&photo.content_hash[..2])).unwrap().count(), 1);
    let other = store.add_photo(new_photo(a.id, &png("other"), View::Front)).await.unwrap();
    assert_eq!(store.photos_for(a.id).await.unwrap(), [photo, other]);
    assert!(matches!(store.photo(PhotoId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.photo_bytes(PhotoId::new()).await, Err(StoreError::NotFound)));
}

fn sha2_of(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

async fn photos_refuse_unknown_types_empty_bytes_and_missing_assessments(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let a = draft(store, &client_of(store, &ann, "Alice").await).await;
    let html = NewPhoto { media_type: "text/html".into(), ..new_photo(a.id, b"<script>", View::Front) };
    assert!(matches!(store.add_photo(html).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.add_photo(new_photo(a.id, b"", View::Front)).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.add_photo(new_photo(AssessmentId::new(), &png("x"), View::Front)).await, Err(StoreError::NotFound)));
    assert!(store.photos_for(a.id).await.unwrap().is_empty());
    assert!(!t.photos.exists() || std::fs::read_dir(&t.photos).unwrap().next().is_none(), "no file written");
    for (media_type, ext) in [("image/jpeg", "jpg"), ("image/webp", "webp")] {
        let photo =
            store.add_photo(NewPhoto { media_type: media_type.into(), ..new_photo(a.id, ext.as_bytes(), View::Front) }).await.unwrap();
        assert!(photo.rel_path.ends_with(&format!(".{ext}")), "{}", photo.rel_path);
    }
}

async fn photo_views_are_stored_typed(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let a = draft(store, &client_of(store, &ann, "Alice").await).await;
    for view in View::ALL {
        let photo = store.add_photo(new_photo(a.id, &png(view.as_str()), *view)).await.unwrap();
        assert_eq!(photo.view, *view);
        assert_eq!(store.photo(photo.id).await.unwrap().view, *view);
    }
    assert_eq!(store.photos_for(a.id).await.unwrap().iter().map(|p| p.view).collect::<Vec<_>>(), View::ALL);
}

// Landmark sets.

async fn landmark_sets_keep_view_and_provenance(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let a = draft(store, &client_of(store, &ann, "Alice").await).await;
    let photo = store.add_photo(new_photo(a.id, &png("side"), View::SideRight)).await.unwrap();
    let side = store.add_landmark_set(automatic_set(a.id, Some(photo.id), Some(View::SideRight))).await.unwrap();
    assert_eq!((side.photo, side.view, side.corrects), (Some(photo.id), Some(View::SideRight), None));
    assert_eq!(
        (side.model.as_str(), side.model_version.as_str(), side.source),
        ("mediapipe-pose-full", "0.10.21", LandmarkSource::Automatic)
    );
    // No view in the file: the engine detects it, and the store says so.
    let detected = store.add_landmark_set(automatic_set(a.id, None, None)).await.unwrap();
    assert_eq!((detected.photo, detected.view), (None, None));
    // Every source, including hand-placed and marker sets, with the points moved by hand.
    let mut sets = vec![side, detected];
    for source in LandmarkSource::ALL {
        let new = NewLandmarkSet {
            source: *source,
            model: "manual".into(),
            model_version: String::new(),
            moved_points: vec!["landmark 7".into(), "landmark 11".into()],
            ..automatic_set(a.id, None, Some(View::Front))
        };
        let set = store.add_landmark_set(new).await.unwrap();
        assert_eq!((set.source, set.moved_points.len()), (*source, 2));
        sets.push(set);
    }
    assert_eq!(sets[0].landmarks, json!({"landmarks": [[0.5, 0.5, 0.0, 0.99]]}));
    assert_eq!(store.landmark_sets_for(a.id).await.unwrap(), sets);
    assert!(store.landmark_sets_for(AssessmentId::new()).await.unwrap().is_empty());
}

async fn landmark_correction_names_a_set_of_the_same_assessment(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let (a, b) = (draft(store, &alice).await, draft(store, &alice).await);
    let original = store.add_landmark_set(automatic_set(a.id, None, Some(View::SideLeft))).await.unwrap();
    let elsewhere = store.add_landmark_set(automatic_set(b.id, None, Some(View::SideLeft))).await.unwrap();
    let corrected = store.add_landmark_set(correction_of(&original, a.id)).await.unwrap();
    assert_eq!((corrected.corrects, corrected.source, corrected.view), (Some(original.id), LandmarkSource::Manual, Some(View::SideLeft)));
    assert_eq!((corrected.model, corrected.model_version), (original.model.clone(), original.model_version.clone()));
    // A set of another assessment, or no set at all, is refused, and nothing is written.
    assert!(matches!(store.add_landmark_set(correction_of(&elsewhere, a.id)).await, Err(StoreError::Invalid(_))));
    let ghost = LandmarkSet { id: LandmarkSetId::new(), ..original.clone() };
    assert!(matches!(store.add_landmark_set(correction_of(&ghost, a.id)).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.landmark_sets_for(a.id).await.unwrap().iter().map(|s| s.id).collect::<Vec<_>>(), [original.id, corrected.id]);
    assert_eq!(store.landmark_sets_for(b.id).await.unwrap(), [elsewhere]);
}

async fn corrections_go_with_the_set_they_correct(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let a = draft(store, &client_of(store, &ann, "Alice").await).await;
    let original = store.add_landmark_set(automatic_set(a.id, None, Some(View::SideLeft))).await.unwrap();
    let kept = store.add_landmark_set(automatic_set(a.id, None, Some(View::Front))).await.unwrap();
    let first = store.add_landmark_set(correction_of(&original, a.id)).await.unwrap();
    let of_first = store.add_landmark_set(correction_of(&first, a.id)).await.unwrap();
    assert_eq!(of_first.corrects, Some(first.id));
    // The store never deletes one set, but the schema says a correction cannot outlive it.
    t.execute(&format!("DELETE FROM landmark_sets WHERE id = '{}'", original.id)).await;
    assert_eq!(store.landmark_sets_for(a.id).await.unwrap(), [kept]);
}

// Reports and plans.

async fn newest_report_wins(t: TestStore) {
    let store = &*t.store;
    let (ann, alice, done) = completed(store).await;
    let newer = store.save_report(done.id, json!({"n": 2}), &ReportVersion { engine: "0.2.0".into(), format: 2 }).await.unwrap();
    assert_eq!((newer.assessment, newer.engine_version.as_str()), (done.id, "0.2.0"));
    assert_eq!(store.latest_report(done.id).await.unwrap().unwrap(), newer);
    let undone = draft(store, &alice).await;
    assert!(store.latest_report(undone.id).await.unwrap().is_none());
    assert!(store.plan_for(undone.id).await.unwrap().is_none());
    assert!(matches!(store.edit_plan(undone.id, json!({}), ann.id).await, Err(StoreError::NotFound)));
}

async fn plan_edit_keeps_the_engine_plan(t: TestStore) {
    let store = &*t.store;
    let (ann, _, done) = completed(store).await;
    let plan = store.plan_for(done.id).await.unwrap().unwrap();
    assert_eq!((plan.current(), plan.edited_by, plan.edited_at), (&json!({"phases": ["release"]}), None, None));
    let edited = store.edit_plan(done.id, json!({"phases": ["release", "strengthen"]}), ann.id).await.unwrap();
    assert_eq!((edited.id, &edited.engine_plan), (plan.id, &json!({"phases": ["release"]})));
    assert_eq!((edited.current(), edited.edited_by), (&json!({"phases": ["release", "strengthen"]}), Some(ann.id)));
    assert!(edited.edited_at.is_some());
    assert_eq!(store.plan_for(done.id).await.unwrap().unwrap(), edited);
}

async fn a_carried_plan_waits_for_review_until_edited(t: TestStore) {
    let store = &*t.store;
    let (ann, alice, earlier) = completed(store).await;
    let reassessment = draft(store, &alice).await;
    let done = store.complete_assessment(completion(reassessment.id, json!({"n": 2}), json!({"phases": ["release"]}))).await.unwrap();
    let carried =
        store.carry_plan(done.id, CarriedPlan { plan: json!({"phases": ["carried"]}), editor: ann.id, from: earlier.id }).await.unwrap();
    assert_eq!(
        (carried.current(), carried.carried_from, carried.review_pending),
        (&json!({"phases": ["carried"]}), Some(earlier.id), true)
    );
    assert_eq!(carried.engine_plan, json!({"phases": ["release"]}), "the engine's proposal stays");
    assert_eq!(store.plan_for(done.id).await.unwrap().unwrap(), carried);
    let reviewed = store.edit_plan(done.id, json!({"phases": ["carried", "new"]}), ann.id).await.unwrap();
    assert_eq!((reviewed.carried_from, reviewed.review_pending), (Some(earlier.id), false));
    let nowhere = CarriedPlan { plan: json!({}), editor: ann.id, from: earlier.id };
    assert!(matches!(store.carry_plan(AssessmentId::new(), nowhere).await, Err(StoreError::NotFound)));
}

async fn report_stamp_follows_report_sets_photos_and_plan_edit(t: TestStore) {
    let store = &*t.store;
    let (ann, alice, done) = completed(store).await;
    let stamp = |s: ReportStamp| (s.report, s.landmark_sets, s.photos, s.plan_edited_by, s.plan_edited_at);
    let first = store.latest_report(done.id).await.unwrap().unwrap();
    assert_eq!(stamp(store.report_stamp(done.id).await.unwrap().unwrap()), (first.id, 0, 0, None, None));
    let newer = store.save_report(done.id, json!({"n": 2}), &ReportVersion { engine: "0.2.0".into(), format: 2 }).await.unwrap();
    let photo = store.add_photo(new_photo(done.id, &png("p"), View::SideLeft)).await.unwrap();
    store.add_landmark_set(automatic_set(done.id, Some(photo.id), Some(View::SideLeft))).await.unwrap();
    assert_eq!(stamp(store.report_stamp(done.id).await.unwrap().unwrap()), (newer.id, 1, 1, None, None));
    let edited = store.edit_plan(done.id, json!({"phases": []}), ann.id).await.unwrap();
    assert_eq!(stamp(store.report_stamp(done.id).await.unwrap().unwrap()), (newer.id, 1, 1, Some(ann.id), edited.edited_at));
    assert_eq!(store.report_stamp(draft(store, &alice).await.id).await.unwrap(), None, "no report, no stamp");
}

// Notes.

async fn notes_are_kept_in_order_and_blank_ones_refused(t: TestStore) {
    let store = &*t.store;
    let (ann, alice, done) = completed(store).await;
    let note = |assessment, body: &str| NewNote { client: alice.id, assessment, author: ann.id, body: body.into() };
    let first = store.add_note(note(Some(done.id), " Responded well to release work. ")).await.unwrap();
    assert_eq!((first.body.as_str(), first.assessment, first.author), ("Responded well to release work.", Some(done.id), ann.id));
    let second = store.add_note(note(None, "Phoned to reschedule.")).await.unwrap();
    assert!(matches!(store.add_note(note(None, "   ")).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.notes_for(alice.id).await.unwrap(), [first, second]);
}

fn desk_day(day: &str, sitting_min: i64, breaks_taken: i64) -> DeskDay {
    DeskDay {
        day: day.into(),
        sitting_ms: sitting_min * 60_000,
        longest_bout_ms: 50 * 60_000,
        breaks_offered: 3,
        breaks_taken,
        readable_ms: sitting_min * 50_000,
        within_ms: sitting_min * 40_000,
        nudges: 1,
        exercises_done: breaks_taken,
    }
}

async fn desk_days_keep_the_larger_totals_whatever_order_copies_arrive_in(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let monday = desk_day("2026-11-30", 120, 2);
    store.put_desk_days(alice.id, &[monday.clone(), desk_day("2026-11-29", 60, 1)]).await.unwrap();
    // The same day again (a lost answer), then an older copy from another browser: no change.
    store.put_desk_days(alice.id, std::slice::from_ref(&monday)).await.unwrap();
    store.put_desk_days(alice.id, &[desk_day("2026-11-30", 90, 1)]).await.unwrap();
    let days = store.desk_days(alice.id, "2026-11-01").await.unwrap();
    assert_eq!(days, [desk_day("2026-11-29", 60, 1), monday.clone()]);
    // A later copy grows the day.
    store.put_desk_days(alice.id, &[desk_day("2026-11-30", 180, 3)]).await.unwrap();
    assert_eq!(store.desk_days(alice.id, "2026-11-30").await.unwrap(), [desk_day("2026-11-30", 180, 3)]);
    // A bad day in a batch stores nothing of it, and says which day and field.
    let bad = DeskDay { sitting_ms: -5, ..desk_day("2026-12-01", 10, 0) };
    let err = store.put_desk_days(alice.id, &[desk_day("2026-12-02", 10, 0), bad]).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.contains("2026-12-01 sitting_ms")), "{err:?}");
    for day in ["2026-13-01", "30/11/2026", "", "2026-11-3x"] {
        let err = store.put_desk_days(alice.id, &[desk_day(day, 1, 0)]).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(m) if m.starts_with("day:")), "{day}: {err:?}");
    }
    assert_eq!(store.desk_days(alice.id, "2026-12-01").await.unwrap(), []);
    // Erasing the client erases their days.
    store.erase_client(alice.id).await.unwrap();
    assert_eq!(store.desk_days(alice.id, "2000-01-01").await.unwrap(), []);
}

async fn ticks_and_pain_checkins_are_kept_per_day_and_week_and_erased_with_the_client(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let bob = client_of(store, &ann, "Bob").await;
    let tick = |day: &str, exercise: &str| ExerciseTick { day: day.into(), exercise: exercise.into() };
    // Ticking twice is one tick; taking it back removes it; another client's are apart.
    store.set_exercise_done(alice.id, &tick("2026-11-30", "wall_slide"), true).await.unwrap();
    store.set_exercise_done(alice.id, &tick("2026-11-30", "wall_slide"), true).await.unwrap();
    store.set_exercise_done(alice.id, &tick("2026-11-30", "chin_tuck"), true).await.unwrap();
    store.set_exercise_done(alice.id, &tick("2026-11-29", "wall_slide"), true).await.unwrap();
    store.set_exercise_done(alice.id, &tick("2026-11-30", "chin_tuck"), false).await.unwrap();
    store.set_exercise_done(bob.id, &tick("2026-11-30", "wall_slide"), true).await.unwrap();
    assert_eq!(
        store.exercise_ticks(alice.id, "2026-11-01").await.unwrap(),
        [tick("2026-11-29", "wall_slide"), tick("2026-11-30", "wall_slide")]
    );
    assert_eq!(store.exercise_ticks(alice.id, "2026-11-30").await.unwrap(), [tick("2026-11-30", "wall_slide")]);
    // A second check-in for a week replaces the first.
    let checkin = |week: &str, nprs: i64| PainCheckIn { week: week.into(), nprs };
    store.put_pain_checkin(alice.id, &checkin("2026-11-23", 6)).await.unwrap();
    store.put_pain_checkin(alice.id, &checkin("2026-11-30", 5)).await.unwrap();
    store.put_pain_checkin(alice.id, &checkin("2026-11-30", 4)).await.unwrap();
    assert_eq!(store.pain_checkins(alice.id, "2026-11-01").await.unwrap(), [checkin("2026-11-23", 6), checkin("2026-11-30", 4)]);
    // Bad input is refused by field, and stores nothing.
    let err = store.set_exercise_done(alice.id, &tick("2026-11-31x", "wall_slide"), true).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.starts_with("day:")), "{err:?}");
    let err = store.set_exercise_done(alice.id, &tick("2026-12-01", "Wall Slide; DROP"), true).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.starts_with("exercise:")), "{err:?}");
    let err = store.put_pain_checkin(alice.id, &checkin("2026-12-07", 11)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(m) if m.starts_with("nprs:")), "{err:?}");
    assert_eq!(store.pain_checkins(alice.id, "2026-12-01").await.unwrap(), []);
    // The export carries them; erasing the client erases them, and only theirs.
    let export = store.export_client(alice.id).await.unwrap();
    assert_eq!((export.exercise_ticks.len(), export.pain_checkins.len()), (2, 2));
    store.erase_client(alice.id).await.unwrap();
    assert_eq!(store.exercise_ticks(alice.id, "2000-01-01").await.unwrap(), []);
    assert_eq!(store.pain_checkins(alice.id, "2000-01-01").await.unwrap(), []);
    assert_eq!(store.exercise_ticks(bob.id, "2000-01-01").await.unwrap().len(), 1);
}

async fn client_details_and_consent_are_kept_replaced_exported_and_erased(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    assert_eq!(store.client_details(alice.id).await.unwrap(), ClientDetails::default());
    let details = ClientDetails {
        date_of_birth: Some("1990-04-01".into()),
        phone: "07700 900123".into(),
        email: "alice@example.org".into(),
        consent: Some(Consent {
            version: "tonus-consent-1".into(),
            items: vec!["assessment".into(), "photos".into()],
            given_on: "2026-11-30".into(),
        }),
    };
    store.put_client_details(alice.id, &details).await.unwrap();
    assert_eq!(store.client_details(alice.id).await.unwrap(), details);
    let without = ClientDetails { consent: None, ..details.clone() };
    store.put_client_details(alice.id, &without).await.unwrap();
    assert_eq!(store.client_details(alice.id).await.unwrap(), without);
    for (bad, field) in [
        (ClientDetails { date_of_birth: Some("01/04/1990".into()), ..details.clone() }, "date_of_birth:"),
        (ClientDetails { email: "alice".into(), ..details.clone() }, "email:"),
        (
            ClientDetails {
                consent: Some(Consent { given_on: "yesterday".into(), ..details.consent.clone().unwrap() }),
                ..details.clone()
            },
            "consent_on:",
        ),
    ] {
        let err = store.put_client_details(alice.id, &bad).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(m) if m.starts_with(field)), "{field} {err:?}");
    }
    assert_eq!(store.client_details(alice.id).await.unwrap(), without, "nothing changed");
    assert_eq!(store.export_client(alice.id).await.unwrap().details, without);
    store.erase_client(alice.id).await.unwrap();
    assert_eq!(store.client_details(alice.id).await.unwrap(), ClientDetails::default());
    assert!(matches!(store.put_client_details(alice.id, &details).await.unwrap_err(), StoreError::NotFound));
}

async fn clinic_settings_start_empty_and_are_replaced_whole(t: TestStore) {
    let store = &*t.store;
    assert_eq!(store.clinic_settings().await.unwrap(), ClinicSettings::default());
    let first = ClinicSettings {
        name: "Harbour Massage".into(),
        address: "1 Quay Street\nPortsmouth".into(),
        contact: "01234 567890".into(),
        logo: Some("data:image/png;base64,iVBORw0KGgo=".into()),
    };
    store.put_clinic_settings(&first).await.unwrap();
    assert_eq!(store.clinic_settings().await.unwrap(), first);
    let second = ClinicSettings { logo: None, ..first.clone() };
    store.put_clinic_settings(&second).await.unwrap();
    assert_eq!(store.clinic_settings().await.unwrap(), second);
    // Refused by field; nothing changes.
    let svg = ClinicSettings { logo: Some("data:image/svg+xml;base64,PHN2Zz4=".into()), ..first.clone() };
    assert!(matches!(store.put_clinic_settings(&svg).await.unwrap_err(), StoreError::Invalid(m) if m.starts_with("logo:")));
    let long = ClinicSettings { name: "x".repeat(121), ..first };
    assert!(matches!(store.put_clinic_settings(&long).await.unwrap_err(), StoreError::Invalid(m) if m.starts_with("name:")));
    assert_eq!(store.clinic_settings().await.unwrap(), second);
}

async fn concurrent_writers_all_land(t: TestStore) {
    let store: Arc<dyn Store> = t.store.clone();
    let ann = practitioner(&*store, "ann").await;
    let shared = client_of(&*store, &ann, "Ben").await;
    // SQLite queues them behind its write lock; PostgreSQL takes them as they come.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let (client, author) = (shared.id, ann.id);
            tokio::spawn(async move { store.add_note(NewNote { client, assessment: None, author, body: format!("note {i}") }).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.notes_for(shared.id).await.unwrap().len(), 16);
}

// Share links.

async fn share_links_expire_and_revoke(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let now = Timestamp::now();
    let hash = token::hash(&token::generate().unwrap());
    let link = store
        .create_share_link(NewShareLink {
            client: alice.id,
            token_hash: hash.clone(),
            created_by: ann.id,
            expires_at: now.plus_seconds(600),
        })
        .await
        .unwrap();
    let found = store.share_link(&hash).await.unwrap().unwrap();
    assert_eq!(found, link);
    assert!(found.is_active(now));
    assert!(!found.is_active(now.plus_seconds(600)), "expired");
    assert!(store.share_link(&token::hash("other")).await.unwrap().is_none());
    store.revoke_share_link(link.id).await.unwrap();
    let revoked = store.share_link(&hash).await.unwrap().unwrap();
    assert!(!revoked.is_active(now));
    // Revoking again keeps the first revocation's time.
    store.revoke_share_link(link.id).await.unwrap();
    assert_eq!(store.share_link(&hash).await.unwrap().unwrap().revoked_at, revoked.revoked_at);
    assert!(matches!(store.revoke_share_link(ShareLinkId::new()).await, Err(StoreError::NotFound)));
    assert_eq!(store.share_links_for(alice.id).await.unwrap(), [revoked]);
    let reused = NewShareLink { client: alice.id, token_hash: hash, created_by: ann.id, expires_at: now };
    assert!(matches!(store.create_share_link(reused).await, Err(StoreError::Conflict)));
}

// The audit log.

async fn audit_lines_are_read_by_record_and_newest_first(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let line = NewAuditEntry { actor: Some(ann.id), detail: "page 2".into(), ..audit_line("view", "client-1") };
    store.record_audit(line).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.record_audit(audit_line("update", "client-1")).await.unwrap();
    store.record_audit(audit_line("view", "client-2")).await.unwrap();
    let lines = store.audit_for("client-1", 10).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.action.as_str()).collect::<Vec<_>>(), ["update", "view"]);
    let first = &lines[1];
    assert_eq!((first.actor, first.record_kind.as_str(), first.detail.as_str()), (Some(ann.id), "client", "page 2"));
    assert_eq!(store.audit_for("client-1", 1).await.unwrap().len(), 1);
    assert_eq!(store.recent_audit(10).await.unwrap().len(), 3);
    assert_eq!(store.recent_audit(10).await.unwrap().last(), Some(first));
}

/// Ids are read as ids: a stored one that is not (a row written by hand, a damaged copy) is the
/// backend's error for that read, never a panic or a made-up id.
async fn a_stored_id_that_is_not_an_id_is_an_error(t: TestStore) {
    t.execute("INSERT INTO audit_log (id, at, actor_id, action, record_kind, record_id, detail) VALUES ('not-an-id', 1, NULL, 'view', 'client', 'c-9', '')").await;
    assert!(matches!(t.store.audit_for("c-9", 10).await, Err(StoreError::Backend(_))));
    let ann = practitioner(&*t.store, "ann").await;
    t.execute(&format!("INSERT INTO audit_log (id, at, actor_id, action, record_kind, record_id, detail) VALUES ('{}', 2, 'nobody', 'view', 'client', 'c-8', '')", AuditId::new())).await;
    assert!(matches!(t.store.audit_for("c-8", 10).await, Err(StoreError::Backend(_))), "an actor that is not an id");
    // The other lines still read.
    t.store.record_audit(NewAuditEntry { actor: Some(ann.id), ..audit_line("view", "c-7") }).await.unwrap();
    assert_eq!(t.store.audit_for("c-7", 10).await.unwrap()[0].actor, Some(ann.id));
}

async fn audit_batches_land_whole(t: TestStore) {
    let store = &*t.store;
    store.record_audit_batch(vec![audit_line("view", "carol"), audit_line("update", "carol")]).await.unwrap();
    store.record_audit_batch(Vec::new()).await.unwrap();
    let mut actions: Vec<_> = store.audit_for("carol", 10).await.unwrap().into_iter().map(|e| e.action).collect();
    actions.sort();
    assert_eq!(actions, ["update", "view"]);
    // Past one statement's worth of rows, the chunks still land together.
    store.record_audit_batch((0..1_200).map(|_| audit_line("view", "ben")).collect()).await.unwrap();
    assert_eq!(store.audit_for("ben", 5_000).await.unwrap().len(), 1_200);
    assert_eq!(store.recent_audit(5_000).await.unwrap().len(), 1_202);
}

async fn audit_lines_are_bounded_and_a_bad_batch_writes_nothing(t: TestStore) {
    let store = &*t.store;
    let long = |n: usize| "x".repeat(n);
    let at_limit = NewAuditEntry {
        actor: None,
        action: long(MAX_AUDIT_WORD),
        record_kind: long(MAX_AUDIT_WORD),
        record_id: long(MAX_AUDIT_RECORD_ID),
        detail: long(MAX_AUDIT_DETAIL),
    };
    store.record_audit(at_limit.clone()).await.unwrap();
    let over = [
        NewAuditEntry { action: long(MAX_AUDIT_WORD + 1), ..at_limit.clone() },
        NewAuditEntry { record_kind: long(MAX_AUDIT_WORD + 1), ..at_limit.clone() },
        NewAuditEntry { record_id: long(MAX_AUDIT_RECORD_ID + 1), ..at_limit.clone() },
        NewAuditEntry { detail: long(MAX_AUDIT_DETAIL + 1), ..at_limit.clone() },
    ];
    for line in over {
        assert!(matches!(store.record_audit_batch(vec![audit_line("view", "ok"), line]).await, Err(StoreError::Invalid(_))));
    }
    assert_eq!(store.recent_audit(10).await.unwrap().len(), 1, "only the line at the limits");
}

async fn audit_retention_deletes_only_older_lines(t: TestStore) {
    let store = &*t.store;
    store.record_audit_batch(vec![audit_line("view", "old-1"), audit_line("view", "old-2")]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let cut = Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.record_audit(audit_line("view", "new")).await.unwrap();
    let old = store.audit_before(cut, None, 10).await.unwrap();
    assert_eq!(old.iter().map(|l| l.record_id.as_str()).collect::<Vec<_>>(), ["old-1", "old-2"], "oldest first");
    assert_eq!(store.audit_before(cut, Some(old[0].id), 10).await.unwrap(), old[1..]);
    assert_eq!(store.delete_audit_before(cut).await.unwrap(), 2);
    assert_eq!(store.recent_audit(10).await.unwrap().iter().map(|l| l.record_id.as_str()).collect::<Vec<_>>(), ["new"]);
    assert_eq!(store.delete_audit_before(cut).await.unwrap(), 0);
}

// Whole records.

/// Alice's whole record: a completed and a draft assessment, a photo with a landmark set and
/// its correction, a note, a share link, audit lines about her and her assessment, and a
/// client login. Returns her, the completed assessment and the share link's token hash.
async fn full_record(store: &dyn Store) -> (Client, Assessment, String) {
    let (ann, alice, done) = completed(store).await;
    draft(store, &alice).await;
    let photo = store.add_photo(new_photo(done.id, &png("alice"), View::SideLeft)).await.unwrap();
    let set = store.add_landmark_set(automatic_set(done.id, Some(photo.id), Some(View::SideLeft))).await.unwrap();
    store.add_landmark_set(correction_of(&set, done.id)).await.unwrap();
    store.add_note(NewNote { client: alice.id, assessment: Some(done.id), author: ann.id, body: "Well.".into() }).await.unwrap();
    let hash = token::hash("alice's link");
    let link =
        NewShareLink { client: alice.id, token_hash: hash.clone(), created_by: ann.id, expires_at: Timestamp::now().plus_seconds(60) };
    store.create_share_link(link).await.unwrap();
    store.record_audit_batch(vec![audit_line("view", &alice.id.to_string()), audit_line("complete", &done.id.to_string())]).await.unwrap();
    store.record_audit(audit_line("view", &ClientId::new().to_string())).await.unwrap();
    store.create_client_account(alice.id, new_user("alice", Role::Client)).await.unwrap();
    let alice = store.client(alice.id).await.unwrap();
    (alice, done, hash)
}

async fn export_holds_the_whole_record_and_no_token_hash(t: TestStore) {
    let store = &*t.store;
    let (alice, done, hash) = full_record(store).await;
    store.put_desk_days(alice.id, &[desk_day("2026-11-30", 120, 2)]).await.unwrap();
    let export = store.export_client(alice.id).await.unwrap();
    assert_eq!((export.format, &export.client), ("tonus-client-export/1", &alice));
    assert_eq!(export.assessments, store.assessments_for(alice.id).await.unwrap());
    assert_eq!(export.photos, store.photos_for(done.id).await.unwrap());
    assert_eq!(export.landmark_sets, store.landmark_sets_for(done.id).await.unwrap());
    assert_eq!(export.landmark_sets[1].corrects, Some(export.landmark_sets[0].id));
    assert_eq!(export.reports, [store.latest_report(done.id).await.unwrap().unwrap()]);
    assert_eq!(export.plans, [store.plan_for(done.id).await.unwrap().unwrap()]);
    assert_eq!(export.notes, store.notes_for(alice.id).await.unwrap());
    assert_eq!(export.desk_days, [desk_day("2026-11-30", 120, 2)]);
    assert_eq!(export.share_links, store.share_links_for(alice.id).await.unwrap());
    let mut audited: Vec<_> = export.audit_log.iter().map(|l| l.action.as_str()).collect();
    audited.sort_unstable();
    assert_eq!(audited, ["complete", "view"], "lines about her and her assessments only");
    assert!(!serde_json::to_string(&export).unwrap().contains(&hash));
    assert!(matches!(store.export_client(ClientId::new()).await, Err(StoreError::NotFound)));
}

async fn erase_removes_every_row_and_the_client_login(t: TestStore) {
    let store = &*t.store;
    let (alice, done, hash) = full_record(store).await;
    let photo = store.photos_for(done.id).await.unwrap().remove(0);
    let login = alice.user.unwrap();
    let erased = store.erase_client(alice.id).await.unwrap();
    assert_eq!(erased, Erasure { assessments: 2, photo_files_removed: 1, client_account_removed: true });
    assert!(matches!(store.client(alice.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.assessment(done.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.photo(photo.id).await, Err(StoreError::NotFound)));
    assert!(store.landmark_sets_for(done.id).await.unwrap().is_empty());
    assert!(store.latest_report(done.id).await.unwrap().is_none());
    assert!(store.plan_for(done.id).await.unwrap().is_none());
    assert!(store.notes_for(alice.id).await.unwrap().is_empty());
    assert!(store.share_link(&hash).await.unwrap().is_none());
    assert!(matches!(store.user(login).await, Err(StoreError::NotFound)));
    assert!(!t.photos.join(&photo.rel_path).exists());
    // The audit log outlives the record it names.
    assert_eq!(store.audit_for(&alice.id.to_string(), 10).await.unwrap().len(), 1);
    assert!(matches!(store.erase_client(alice.id).await, Err(StoreError::NotFound)));
    assert_eq!(store.count_users().await.unwrap(), 1, "the practitioner stays");
}

async fn erase_leaves_no_readable_text_in_the_database_files(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let marker = "Zebulon Quixote-Erasable";
    let client = client_of(store, &ann, marker).await;
    store.add_note(NewNote { client: client.id, assessment: None, author: ann.id, body: format!("{marker} note text") }).await.unwrap();
    // Another client's rows keep the file's pages in use.
    client_of(store, &ann, "Someone Else").await;
    store.erase_client(client.id).await.unwrap();
    let Some(db) = t.sqlite_file() else {
        // PostgreSQL: the erasure ran VACUUM on the record's tables (its dead rows are free
        // space for new rows); the bytes are not readable through the server.
        assert!(store.clients(&ClientQuery::default()).await.unwrap().iter().all(|c| c.display_name != marker));
        return;
    };
    for file in [db.clone(), db.with_extension("db-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
        assert!(!found, "{} still holds the erased name", file.display());
    }
}

async fn erase_keeps_photo_files_another_record_uses(t: TestStore) {
    let store = &*t.store;
    let ann = practitioner(store, "ann").await;
    let alice = client_of(store, &ann, "Alice").await;
    let carol = client_of(store, &ann, "Carol").await;
    let bytes = png("shared bytes");
    let photo = store.add_photo(new_photo(draft(store, &alice).await.id, &bytes, View::Front)).await.unwrap();
    store.add_photo(new_photo(draft(store, &carol).await.id, &bytes, View::Front)).await.unwrap();
    let erased = store.erase_client(alice.id).await.unwrap();
    assert_eq!(erased, Erasure { assessments: 1, photo_files_removed: 0, client_account_removed: false });
    assert!(t.photos.join(&photo.rel_path).is_file(), "carol's photo uses the bytes");
    assert_eq!(store.erase_client(carol.id).await.unwrap().photo_files_removed, 1);
    assert!(!t.photos.join(&photo.rel_path).exists());
}

async fn import_restores_a_record_with_its_ids_times_and_photo_files(t: TestStore) {
    let store = &*t.store;
    let (alice, _, _) = full_record(store).await;
    store.put_desk_days(alice.id, &[desk_day("2026-11-30", 120, 2)]).await.unwrap();
    let before = store.export_client(alice.id).await.unwrap();
    let mut photos = Vec::new();
    for photo in &before.photos {
        photos.push((photo.clone(), store.photo_bytes(photo.id).await.unwrap().1));
    }
    store.erase_client(alice.id).await.unwrap();
    let elsewhere = UserId::new();
    let record = |photos: Vec<(Photo, Vec<u8>)>| ImportRecord {
        client: before.client.clone(),
        details: before.details.clone(),
        accounts: vec![ImportedAccount { id: elsewhere, display_name: "Dr Elsewhere".into() }],
        assessments: before.assessments.clone(),
        photos,
        landmark_sets: before.landmark_sets.clone(),
        reports: before.reports.clone(),
        plans: before.plans.clone(),
        notes: before.notes.clone(),
        desk_days: before.desk_days.clone(),
        exercise_ticks: before.exercise_ticks.clone(),
        pain_checkins: before.pain_checkins.clone(),
    };

    // Rows that name what is not in the record (another client's assessment) are refused.
    let other = client_of(store, &practitioner(store, "bo").await, "Other").await;
    let elsewhere_assessment = draft(store, &other).await.id;
    let mut foreign = record(photos.clone());
    foreign.reports[0].assessment = elsewhere_assessment;
    assert!(matches!(store.import_client(foreign).await, Err(StoreError::Invalid(m)) if m.contains("is not in the record")));
    let mut foreign = record(photos.clone());
    foreign.assessments[0].client = other.id;
    assert!(matches!(store.import_client(foreign).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.client(alice.id).await, Err(StoreError::NotFound)));

    // A row twice (which the insert would take for a record already here) is named.
    let mut doubled = record(photos.clone());
    doubled.reports.push(doubled.reports[0].clone());
    assert!(matches!(store.import_client(doubled).await, Err(StoreError::Invalid(m)) if m.contains("a report twice")));
    let mut doubled = record(photos.clone());
    doubled.desk_days = vec![desk_day("2026-11-30", 60, 1), desk_day("2026-11-30", 90, 2)];
    assert!(matches!(store.import_client(doubled).await, Err(StoreError::Invalid(m)) if m.contains("a desk day twice")));
    assert!(matches!(store.client(alice.id).await, Err(StoreError::NotFound)));

    // A landmark set that corrects itself (or a correction) is refused before any insert.
    let mut looped = record(photos.clone());
    let set = looped.landmark_sets.first_mut().expect("the record has landmark sets");
    set.corrects = Some(set.id);
    assert!(matches!(store.import_client(looped).await, Err(StoreError::Invalid(m)) if m.contains("not an original set")));

    // Bytes that do not match their hash: refused, nothing stored, no file left behind.
    let mut wrong = photos.clone();
    wrong[0].1.push(b'!');
    assert!(matches!(store.import_client(record(wrong)).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.client(alice.id).await, Err(StoreError::NotFound)));
    for (photo, _) in &photos {
        assert!(!t.photos.join(&photo.rel_path).exists(), "no photo file is left");
    }

    store.import_client(record(photos.clone())).await.unwrap();
    let after = store.export_client(alice.id).await.unwrap();
    assert_eq!(after.client, Client { user: None, ..before.client.clone() }, "the client's login is not carried over");
    assert_eq!((&after.assessments, &after.photos, &after.landmark_sets), (&before.assessments, &before.photos, &before.landmark_sets));
    assert_eq!((&after.reports, &after.plans, &after.notes), (&before.reports, &before.plans, &before.notes));
    assert_eq!((&after.details, &after.desk_days), (&before.details, &before.desk_days));
    for (photo, bytes) in &photos {
        assert_eq!(&store.photo_bytes(photo.id).await.unwrap().1, bytes);
    }
    let imported = store.user(elsewhere).await.unwrap();
    assert!(imported.disabled && imported.login == format!("imported-{elsewhere}") && imported.display_name == "Dr Elsewhere");
    assert!(matches!(store.import_client(record(photos)).await, Err(StoreError::Conflict)), "a client already here");
}

on_both_backends!(
    store_answers_and_reopens_without_migrating_again,
    setup_token_creates_the_first_account_once,
    logins_are_unique_and_credentials_carry_the_hash,
    sessions_end_on_expiry_disabling_and_password_change,
    clients_are_created_updated_and_missing_ones_not_found,
    clients_are_visible_to_their_owner_and_when_shared,
    client_search_ignores_case_and_escapes_wildcards,
    client_pages_keep_name_order_and_count_every_match,
    client_account_links_once_and_rolls_back_on_conflict,
    drafts_keep_invalid_input,
    completion_writes_report_and_plan_and_is_final,
    assessments_read_with_their_client_in_creation_order,
    photos_are_content_addressed_and_deduplicated,
    photos_refuse_unknown_types_empty_bytes_and_missing_assessments,
    photo_views_are_stored_typed,
    landmark_sets_keep_view_and_provenance,
    landmark_correction_names_a_set_of_the_same_assessment,
    corrections_go_with_the_set_they_correct,
    newest_report_wins,
    plan_edit_keeps_the_engine_plan,
    a_draft_and_a_photo_of_a_draft_can_be_deleted_but_not_a_completed_record,
    a_carried_plan_waits_for_review_until_edited,
    report_stamp_follows_report_sets_photos_and_plan_edit,
    notes_are_kept_in_order_and_blank_ones_refused,
    desk_days_keep_the_larger_totals_whatever_order_copies_arrive_in,
    ticks_and_pain_checkins_are_kept_per_day_and_week_and_erased_with_the_client,
    clinic_settings_start_empty_and_are_replaced_whole,
    client_details_and_consent_are_kept_replaced_exported_and_erased,
    concurrent_writers_all_land,
    share_links_expire_and_revoke,
    audit_lines_are_read_by_record_and_newest_first,
    audit_batches_land_whole,
    a_stored_id_that_is_not_an_id_is_an_error,
    audit_lines_are_bounded_and_a_bad_batch_writes_nothing,
    audit_retention_deletes_only_older_lines,
    export_holds_the_whole_record_and_no_token_hash,
    erase_removes_every_row_and_the_client_login,
    erase_keeps_photo_files_another_record_uses,
    erase_leaves_no_readable_text_in_the_database_files,
    import_restores_a_record_with_its_ids_times_and_photo_files,
);

#[tokio::test]
async fn unknown_url_scheme_is_refused_and_passwords_redacted() {
    let config = StoreConfig { database_url: "mysql://x".into(), photos_dir: "unused".into(), max_connections: 1 };
    assert!(matches!(connect(&config).await, Err(StoreError::Invalid(_))));
    assert_eq!(redact_url("postgres://tonus:secret@db/tonus"), "postgres://tonus:***@db/tonus");
    // A password with URL-escaped characters, an @ inside it, and a query string.
    assert_eq!(
        redact_url("postgres://tonus:p%40ss%3Aword@db:5432/tonus?sslmode=require"),
        "postgres://tonus:***@db:5432/tonus?sslmode=require"
    );
    assert_eq!(redact_url("sqlite:///var/lib/tonus/tonus.db"), "sqlite:///var/lib/tonus/tonus.db");
    assert_eq!(redact_url("postgres://tonus@db/tonus"), "postgres://tonus@db/tonus");
    assert_eq!(Backend::from_url("sqlite::memory:").unwrap(), Backend::Sqlite);
    assert_eq!(Backend::from_url("postgresql://h/db").unwrap(), Backend::Postgres);
}
