//! Browser tests of the visual pages: starts the real server with the demo personas plus a
//! second, later assessment of the driver persona (so progress and comparison have two points)
//! and runs `browser-tests/visual.mjs` (playwright-core driving the system Chromium): drag a
//! landmark and check the saved correction and the changed angle, read a muscle's evidence on
//! the body map, load the progress, comparison and what-if charts (moving the slider), and save
//! screenshots at 1280 and 390 px into `target/visual-screenshots/`.
//!
//! Skips loudly when Node, Chromium or `browser-tests/node_modules` are missing; with
//! `TONUS_REQUIRE_BROWSER` set it fails instead. Nothing is downloaded at test time.

mod browser_support;

use std::ffi::OsStr;
use std::path::Path;

use serde_json::{Value, json};
use tonus_store::{
    AssessmentId, AssessmentStatus, ClientQuery, CompleteAssessment, LandmarkSet, LandmarkSource, NewAssessment, NewLandmarkSet, NewPhoto,
    PhotoId,
};
use tonus_web::WebConfig;

/// The driver persona seen again six weeks later: less pain, better endurance, the ear moved
/// back over the shoulder in the side view. Run through the real engine and stored complete.
/// Returns whether a real photo (from the pose crate's test data) was attached to the side view.
async fn add_reassessment(config: &WebConfig) -> bool {
    let store = tonus_store::connect(&config.store_config()).await.unwrap();
    let clients = store.clients(&ClientQuery::default()).await.unwrap();
    let client = clients.iter().find(|c| c.display_name.starts_with("Sam Okafor")).expect("the driver persona");
    let first = store.assessments_for(client.id).await.unwrap().into_iter().find(|a| a.status == AssessmentStatus::Complete).unwrap();
    let mut intake = first.intake.clone().unwrap();
    intake["assessed_on"] = json!("2027-01-05");
    *intake.pointer_mut("/outcomes/nprs/now").unwrap() = json!(2);
    *intake.pointer_mut("/tests/dnf_endurance_s").unwrap() = json!(48);
    let user = first.created_by;
    let draft = store
        .create_assessment(NewAssessment { client: client.id, created_by: user, form: json!({}), intake: Some(intake.clone()) })
        .await
        .unwrap();
    let photo_bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../pose/test_data/side/sitting_posture_recognition/straight_flip.jpg"))
            .ok();
    let mut files = Vec::new();
    for set in store.landmark_sets_for(first.id).await.unwrap() {
        let mut landmarks = set.landmarks.clone();
        let side = landmarks.get("view").and_then(Value::as_str).is_none_or(|v| v.starts_with("side"));
        let mut photo = None;
        if side {
            // Both ears 0.03 of the width toward the shoulders: less forward head.
            for ear in [7, 8] {
                let x = landmarks["landmarks"][ear][0].as_f64().unwrap();
                let shoulder = landmarks["landmarks"][ear + 4][0].as_f64().unwrap();
                landmarks["landmarks"][ear][0] = json!(x + 0.03 * (shoulder - x).signum());
            }
            if let Some(bytes) = photo_bytes.clone() {
                let p = store
                    .add_photo(NewPhoto { assessment: draft.id, bytes, media_type: "image/jpeg".into(), view: tonus_store::View::SideLeft })
                    .await
                    .unwrap();
                photo = Some(p.id);
            }
        }
        let added = store.add_landmark_set(moved_copy(&set, draft.id, photo, landmarks.clone())).await.unwrap();
        files.push((
            format!("{:?} landmarks ({})", added.view, added.id),
            serde_json::from_value::<tonus_app::landmarks::LandmarkFile>(landmarks).unwrap(),
        ));
    }
    let engine = tonus_app::Engine::embedded().unwrap();
    let parsed: tonus_app::intake::Intake = serde_json::from_value(intake.clone()).unwrap();
    let report = engine.assess(&parsed, "reassessment", &files).unwrap();
    let value = serde_json::to_value(&report).unwrap();
    store
        .complete_assessment(CompleteAssessment {
            id: draft.id,
            form: json!({}),
            intake,
            plan: value.get("plan").cloned().unwrap_or(Value::Null),
            report: value,
            version: tonus_store::ReportVersion { engine: report.engine_version.clone(), format: report.format_version },
        })
        .await
        .unwrap();
    photo_bytes.is_some()
}

/// A set like `set` (the same view and model) with its points moved by the test, as if the
/// model had placed them there, for `assessment`.
fn moved_copy(set: &LandmarkSet, assessment: AssessmentId, photo: Option<PhotoId>, landmarks: Value) -> NewLandmarkSet {
    NewLandmarkSet {
        assessment,
        photo,
        view: set.view,
        landmarks,
        model: set.model.clone(),
        model_version: set.model_version.clone(),
        source: LandmarkSource::Automatic,
        moved_points: Vec::new(),
        corrects: None,
        created_by: None,
    }
}

/// A second photo for the desk worker in which the body is turned toward the camera, so that
/// the quality gate fails and the page must say why on the photo.
async fn add_rotated_photo(config: &WebConfig) {
    let store = tonus_store::connect(&config.store_config()).await.unwrap();
    let clients = store.clients(&ClientQuery::default()).await.unwrap();
    let client = clients.iter().find(|c| c.display_name.starts_with("Alex Morgan")).expect("the desk-worker persona");
    let assessment = store.assessments_for(client.id).await.unwrap().remove(0);
    let first = store.landmark_sets_for(assessment.id).await.unwrap().remove(0);
    let mut rotated = first.landmarks.clone();
    let left = rotated["landmarks"][11][0].as_f64().unwrap();
    rotated["landmarks"][12][0] = json!(if left + 0.2 <= 1.0 { left + 0.2 } else { left - 0.2 });
    let added = store.add_landmark_set(moved_copy(&first, assessment.id, None, rotated)).await.unwrap();
    let files: Vec<(String, tonus_app::landmarks::LandmarkFile)> = [&first, &added]
        .iter()
        .map(|s| (format!("{:?} landmarks ({})", s.view, s.id), serde_json::from_value(s.landmarks.clone()).unwrap()))
        .collect();
    let intake: tonus_app::intake::Intake = serde_json::from_value(assessment.intake.clone().unwrap()).unwrap();
    let report = tonus_app::Engine::embedded().unwrap().assess(&intake, "desk worker", &files).unwrap();
    use tonus_app::report::{NotMeasurableView, Reading};
    let rotated = |r: &Reading| matches!(r, Reading::NotMeasurable { cause: NotMeasurableView::Rotated { .. } });
    assert!(report.photos[1].metrics.iter().any(|m| rotated(&m.reading)), "{:?}", report.photos[1]);
    store
        .save_report(
            assessment.id,
            serde_json::to_value(&report).unwrap(),
            &tonus_store::ReportVersion { engine: report.engine_version.clone(), format: report.format_version },
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visual_pages_work_in_a_browser() {
    let Some(browser) = browser_support::browser("visual_pages_work_in_a_browser", &[]) else { return };
    let data = tempfile::tempdir().unwrap();
    let config = browser_support::config(data.path(), 4 * 1024 * 1024);
    let base = format!("http://{}", config.listen);
    tonus_web::load_demo(&config, "demo", "browser test password").await.unwrap();
    let with_photo = add_reassessment(&config).await;
    add_rotated_photo(&config).await;
    let server = browser_support::start(config).await;
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/visual-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let args = [OsStr::new(&base), OsStr::new("demo"), OsStr::new("browser test password")];
    let env = [
        ("SCREENSHOTS", shots.as_os_str()),
        ("PROFILE_DIR", profile.path().as_os_str()),
        ("WITH_PHOTO", OsStr::new(if with_photo { "1" } else { "0" })),
    ];
    let output = browser_support::node(&browser, "visual.mjs", &args, &env).await;
    server.stop().await;
    browser_support::assert_passed(&output, "visual browser checks");
}
