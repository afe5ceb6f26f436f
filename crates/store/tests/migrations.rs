//! Migrations convert what earlier releases stored: a database migrated up to just before a
//! migration gets rows written the old way, then the store opens it as usual (running the
//! rest) and the rows must read back typed. Runs on SQLite always and on PostgreSQL when
//! `TONUS_TEST_POSTGRES_URL` is set.
//!
//! Leaves out the schema's behaviour once migrated, which `conformance.rs` covers on a fresh
//! database, and migrations that only add tables or indexes.

mod common;

use common::FreshDb;
use serde_json::json;
use tonus_store::*;

/// A practitioner and their client, as the first migration's schema stores them.
fn owner_and_client(user: UserId, client: ClientId) -> String {
    format!(
        "INSERT INTO users (id, login, display_name, role, password_hash, disabled, created_at) \
         VALUES ('{user}', 'ann', 'Ann', 'practitioner', 'h', FALSE, 1); \
         INSERT INTO clients (id, owner_id, display_name, reference, shared_with_clinic, user_id, created_at, updated_at) \
         VALUES ('{client}', '{user}', 'Alice', NULL, FALSE, NULL, 1, 1);"
    )
}

/// `20261129120000_landmark_corrections`: corrections named by `corrects_id`, typed views.
const LANDMARK_CORRECTIONS: i64 = 20261129120000;

/// Before it, a hand correction was `model = 'corrected'` with the corrected set's id as its
/// `model_version`; photos could be `back`; a landmark file's view was any text.
async fn legacy_corrections_and_views_read_back_typed(db: FreshDb) {
    db.migrate_before(LANDMARK_CORRECTIONS).await;
    let (user, client, assessment) = (UserId::new(), ClientId::new(), AssessmentId::new());
    let (back, left) = (PhotoId::new(), PhotoId::new());
    let (automatic, corrected, side, detected, front) =
        (LandmarkSetId::new(), LandmarkSetId::new(), LandmarkSetId::new(), LandmarkSetId::new(), LandmarkSetId::new());
    let set = |id: LandmarkSetId, photo: Option<PhotoId>, view: &str, model: &str, version: &str, source: &str, at: i64| {
        let photo = photo.map_or("NULL".to_owned(), |p| format!("'{p}'"));
        format!(
            "INSERT INTO landmark_sets (id, assessment_id, photo_id, view, landmarks_json, model, model_version, source, \
             moved_points_json, created_at) VALUES ('{id}', '{assessment}', {photo}, '{view}', '{{\"landmarks\": []}}', \
             '{model}', '{version}', '{source}', '[\"landmark 7\"]', {at});"
        )
    };
    let photo = |id: PhotoId, view: &str, hash: &str| {
        format!(
            "INSERT INTO photos (id, assessment_id, content_hash, rel_path, media_type, view, byte_len, created_at) \
             VALUES ('{id}', '{assessment}', '{hash}', '{}/{hash}.png', 'image/png', '{view}', 3, 1);",
            &hash[..2]
        )
    };
    let sql = [
        owner_and_client(user, client),
        format!(
            "INSERT INTO assessments (id, client_id, created_by, status, form_json, intake_json, created_at, updated_at, completed_at) \
             VALUES ('{assessment}', '{client}', '{user}', 'complete', '{{}}', '{{}}', 1, 1, 1);"
        ),
        photo(back, "back", &"ab".repeat(32)),
        photo(left, "side-left", &"cd".repeat(32)),
        set(automatic, Some(back), "front", "mediapipe-pose-full", "0.10.21", "automatic", 2),
        set(corrected, Some(back), "front", "corrected", &automatic.to_string(), "manual", 3),
        set(side, Some(left), "side", "file", "", "manual", 4),
        set(detected, None, "detected", "manual", "", "manual", 5),
        set(front, None, "front", "file", "2", "automatic", 6),
    ]
    .concat();
    db.execute(&sql).await;
    let t = db.open().await;
    let store = &*t.store;

    let views: Vec<_> = store.photos_for(assessment).await.unwrap().into_iter().map(|p| (p.id, p.view)).collect();
    assert_eq!(views, [(back, View::Front), (left, View::SideLeft)], "a back photo was measured as a front one");

    let sets = store.landmark_sets_for(assessment).await.unwrap();
    let read: Vec<_> = sets.iter().map(|s| (s.id, s.view, s.model.as_str(), s.model_version.as_str(), s.source, s.corrects)).collect();
    assert_eq!(
        read,
        [
            (automatic, Some(View::Front), "mediapipe-pose-full", "0.10.21", LandmarkSource::Automatic, None),
            (corrected, Some(View::Front), "mediapipe-pose-full", "0.10.21", LandmarkSource::Manual, Some(automatic)),
            (side, None, "file", "", LandmarkSource::Manual, None),
            (detected, None, "manual", "", LandmarkSource::Manual, None),
            (front, Some(View::Front), "file", "2", LandmarkSource::Automatic, None),
        ]
    );
    assert!(sets.iter().all(|s| s.moved_points == ["landmark 7"] && s.landmarks == json!({"landmarks": []})));

    // The converted rows behave like new ones: a correction of the converted correction, and
    // the whole chain going with the set it started from.
    let again = NewLandmarkSet {
        assessment,
        photo: Some(back),
        view: Some(View::Front),
        landmarks: json!({"landmarks": []}),
        model: "mediapipe-pose-full".into(),
        model_version: "0.10.21".into(),
        source: LandmarkSource::Manual,
        moved_points: Vec::new(),
        corrects: Some(corrected),
        created_by: None,
    };
    store.add_landmark_set(again).await.unwrap();
    t.execute(&format!("DELETE FROM landmark_sets WHERE id = '{automatic}'")).await;
    let left_over: Vec<_> = store.landmark_sets_for(assessment).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left_over, [side, detected, front]);
    assert_eq!(store.export_client(client).await.unwrap().photos.len(), 2);
}

on_both_backends!(fresh: legacy_corrections_and_views_read_back_typed);

/// `20261129200000_report_format`: the report's JSON format as a column.
const REPORT_FORMAT: i64 = 20261129200000;

/// Before it, the format lived only inside the JSON (missing in format 1); the migration
/// copies it out, so the reports to recompute are found without reading every report.
async fn report_formats_are_copied_out_of_the_json(db: FreshDb) {
    db.migrate_before(REPORT_FORMAT).await;
    let (user, client) = (UserId::new(), ClientId::new());
    let (old, current, mixed) = (AssessmentId::new(), AssessmentId::new(), AssessmentId::new());
    let mut sql = vec![owner_and_client(user, client)];
    for a in [old, current, mixed] {
        sql.push(format!(
            "INSERT INTO assessments (id, client_id, created_by, status, form_json, intake_json, created_at, updated_at, completed_at) \
             VALUES ('{a}', '{client}', '{user}', 'complete', '{{}}', '{{}}', 1, 1, 1);"
        ));
    }
    let report = |a: AssessmentId, json: &str, at: i64| {
        format!(
            "INSERT INTO reports (id, assessment_id, report_json, engine_version, created_at) \
             VALUES ('{}', '{a}', '{json}', '0.1.0', {at});",
            ReportId::new()
        )
    };
    sql.push(report(old, r#"{"engine_version": "0.1.0"}"#, 1));
    sql.push(report(current, r#"{"format_version": 2}"#, 1));
    sql.push(report(mixed, r#"{"format_version": 1}"#, 1));
    sql.push(report(mixed, r#"{"format_version": 2}"#, 2));
    db.execute(&sql.concat()).await;
    let t = db.open().await;
    let mut below = t.store.assessments_with_reports_below(2).await.unwrap();
    below.sort();
    let mut expected = vec![old, mixed];
    expected.sort();
    assert_eq!(below, expected);
    assert!(t.store.assessments_with_reports_below(1).await.unwrap().is_empty());
    // A report saved now carries its format.
    t.store.save_report(old, json!({"format_version": 2}), &ReportVersion { engine: "0.2.0".into(), format: 2 }).await.unwrap();
    t.store.save_report(current, json!({"format_version": 3}), &ReportVersion { engine: "0.3.0".into(), format: 3 }).await.unwrap();
    let mut below = t.store.assessments_with_reports_below(3).await.unwrap();
    below.sort();
    let mut all = vec![old, current, mixed];
    all.sort();
    assert_eq!(below, all);
}

on_both_backends!(fresh: report_formats_are_copied_out_of_the_json);
