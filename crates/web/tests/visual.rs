//! The visual pages through the router (no socket, no browser): landmark correction stored
//! beside the automatic set and the report recomputed with it, the photo overlay and warnings,
//! the comparison of two assessments, the progress charts and the what-if fragment.

mod support;

use axum::http::StatusCode;
use serde_json::Value;
use support::TestApp;
use tonus_store::LandmarkSource;

/// The driver persona (side and front photos), assessed once; returns (client, assessment).
async fn driver(app: &TestApp, admin: &support::Session) -> (String, String) {
    let client = app.client(admin, "Sam Okafor", false).await;
    let id = app.assess(admin, &client, 1).await;
    (client, id)
}

fn ear_shoulder(report: &Value) -> f64 {
    report["photos"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["metrics"].as_array().unwrap())
        .find(|m| m["id"] == "ear_shoulder_angle" && m["reading"]["status"] == "measured")
        .and_then(|m| m["reading"]["value"].as_f64())
        .unwrap()
}

#[tokio::test]
async fn a_correction_is_stored_beside_the_automatic_set_and_recomputes_the_report() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let (client, id) = driver(&app, &admin).await;
    let page = app.get(&format!("/assessments/{id}"), Some(&admin)).await.text();
    assert!(page.contains(r#"class="lm-svg""#) && page.contains(r#"viewBox="0 0 720 1280""#), "{page}");
    assert!(page.contains(r#"action="/assessments/"#) && page.contains("/correct\""), "staff get the save form");
    // The rendered report is kept per viewer kind: the client, reading the same report just
    // after staff did, never gets the staff's form.
    let account = app.post(&format!("/clients/{client}/account"), Some(&admin), &[("login", "sam"), ("password", support::PASSWORD)]).await;
    assert_eq!(account.status, StatusCode::SEE_OTHER, "{}", account.text());
    let sam = app.login("sam").await;
    let own = app.get(&format!("/assessments/{id}"), Some(&sam)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text().contains(r#"class="lm-svg""#) && !own.text().contains("/correct\""), "the client sees the photo, not the form");
    // The staff page cites sources and certainty; the client's reads in plain words.
    assert!(page.contains("clinical convention") || page.contains("contested"), "staff see the certainty");
    for jargon in ["contested", "clinical convention", "page2010"] {
        assert!(!own.text().contains(jargon), "the client's page shows {jargon}");
    }
    assert_eq!(app.get(&format!("/assessments/{id}"), Some(&admin)).await.text(), page, "the second staff view is the same page");
    let sets = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap();
    let side = sets.iter().find(|s| s.landmarks.get("view").and_then(Value::as_str).is_none_or(|v| v.starts_with("side"))).unwrap();
    let before = ear_shoulder(&app.store.latest_report(id.parse().unwrap()).await.unwrap().unwrap().report);
    // Move the near-side ear (the file's points are normalised) a little backward.
    let view =
        app.store.latest_report(id.parse().unwrap()).await.unwrap().unwrap().report["photos"][0]["view"].as_str().unwrap().to_owned();
    let ear = if view == "side-left" { 7 } else { 8 };
    let x = side.landmarks["landmarks"][ear][0].as_f64().unwrap();
    let y = side.landmarks["landmarks"][ear][1].as_f64().unwrap();
    let dx = if view == "side-left" { 0.04 } else { -0.04 };
    let points = format!(r#"[{{"i":{ear},"x":{},"y":{y}}}]"#, x + dx);
    let path = format!("/assessments/{id}/landmarks/{}/correct", side.id);

    let wrong_token = app.post(&path, Some(&admin), &[("csrf", "not the token"), ("points", &points)]).await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN, "the CSRF token is required");
    let outside = app.post(&path, Some(&admin), &[("csrf", &admin.csrf), ("points", r#"[{"i":7,"x":1.5,"y":0.2}]"#)]).await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", outside.text());

    let saved = app.post(&path, Some(&admin), &[("csrf", &admin.csrf), ("points", &points)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let sets = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap();
    assert_eq!(sets.len(), 3, "the automatic sets are kept");
    let corrected = sets.last().unwrap();
    assert_eq!(corrected.source, LandmarkSource::Manual);
    assert_eq!(corrected.corrects, Some(side.id), "the correction names the set it corrects");
    assert_eq!((&corrected.model, &corrected.model_version), (&side.model, &side.model_version), "and keeps its provenance");
    assert_eq!(corrected.moved_points.len(), 1);
    let moved = corrected.landmarks["moved"].as_array().unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["index"], ear);
    assert!((moved[0]["dx"].as_f64().unwrap() - dx).abs() < 1e-9);
    assert_eq!(corrected.landmarks["capture"]["source"], "manual");

    let report = app.store.latest_report(id.parse().unwrap()).await.unwrap().unwrap().report;
    assert_eq!(report["photos"].as_array().unwrap().len(), 2, "the corrected set replaces the automatic one in the report");
    let after = ear_shoulder(&report);
    assert!((after - before).abs() > 1.0, "the ear–shoulder angle changed: {before} → {after}");
    let page = app.get(&format!("/assessments/{id}"), Some(&admin)).await.text();
    assert!(page.contains("corrected by hand"), "{page}");
    assert!(page.contains(&format!("{before:.1}°")) && page.contains(&format!("{after:.1}°")), "automatic and corrected side by side");
    assert!(page.contains("manual landmarks"), "the report says the landmarks are manual");

    // Nothing moved is not a correction.
    let empty = app
        .post(&format!("/assessments/{id}/landmarks/{}/correct", corrected.id), Some(&admin), &[("csrf", &admin.csrf), ("points", "[]")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text());
    // Correcting again measures from the automatic points and keeps one correction per set in use.
    let further = format!(r#"[{{"i":{ear},"x":{},"y":{y}}}]"#, x + 2.0 * dx);
    let again = app
        .post(
            &format!("/assessments/{id}/landmarks/{}/correct", corrected.id),
            Some(&admin),
            &[("csrf", &admin.csrf), ("points", &further)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
    let latest = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap().pop().unwrap();
    assert_eq!(latest.corrects, Some(side.id));
    assert!((latest.landmarks["moved"][0]["dx"].as_f64().unwrap() - 2.0 * dx).abs() < 1e-9, "measured from the automatic set");
    assert_eq!(latest.landmarks["moved"].as_array().unwrap().len(), 1, "the earlier move is still a move from the automatic set");
    let recomputed = app.post(&format!("/assessments/{id}/recompute"), Some(&admin), &[("csrf", &admin.csrf)]).await;
    assert_eq!(recomputed.status, StatusCode::SEE_OTHER);
    let report = app.store.latest_report(id.parse().unwrap()).await.unwrap().unwrap().report;
    assert_eq!(report["photos"].as_array().unwrap().len(), 2, "recompute uses the effective sets too");
}

#[tokio::test]
async fn only_staff_who_may_write_can_correct() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let (_, id) = driver(&app, &admin).await;
    let other = app.staff(&admin, "other", "practitioner").await;
    let set = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap().remove(0);
    let reply = app
        .post(&format!("/assessments/{id}/landmarks/{}/correct", set.id), Some(&other), &[("csrf", &other.csrf), ("points", "[]")])
        .await;
    assert!(matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", reply.status);
    assert_eq!(app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn comparison_progress_and_what_if_render() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let (client, _) = driver(&app, &admin).await;
    let one = app.get(&format!("/clients/{client}/compare"), Some(&admin)).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.text().contains("Comparing needs two completed assessments"));
    app.assess(&admin, &client, 1).await;
    let compare = app.get(&format!("/clients/{client}/compare"), Some(&admin)).await.text();
    assert_eq!(compare.matches("<section class=\"compare-view\"").count(), 2, "side and front: {compare}");
    assert!(compare.contains("noise (within ±"), "identical photos change by noise only: {compare}");
    assert!(compare.contains("class=\"compare-svg\""));

    let progress = app.get(&format!("/clients/{client}/progress"), Some(&admin)).await.text();
    assert!(progress.contains("Ear–shoulder") || progress.contains("ear"), "{progress}");
    assert!(progress.matches("class=\"chart progress\"").count() >= 5, "{progress}");

    let page = app.get(&format!("/clients/{client}/what-if"), Some(&admin)).await.text();
    assert!(page.contains("Illustrative only") && page.contains("type=\"range\""), "{page}");
    assert!(page.contains("adherence 70%"), "{page}");
    let low = app.get(&format!("/clients/{client}/what-if/chart?adherence=10&weeks=20"), Some(&admin)).await;
    assert_eq!(low.status, StatusCode::OK);
    let low = low.text();
    assert!(low.contains("adherence 10%") && !low.contains("<html"), "a fragment: {low}");
    let high = app.get(&format!("/clients/{client}/what-if/chart?adherence=100&weeks=20"), Some(&admin)).await.text();
    let emptied = app.get(&format!("/clients/{client}/what-if/chart?adherence=100&weeks="), Some(&admin)).await;
    assert_eq!(emptied.status, StatusCode::OK, "an emptied weeks field falls back to 12 weeks");
    let line = |s: &str| s.split("class=\"with-plan\" points=\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned);
    assert_ne!(line(&low), line(&high), "adherence changes the with-plan trajectory");

    // With three days measured at the desk, two of them with an exercise confirmed, the page
    // offers the measured adherence instead of the slider's guess.
    assert!(!page.contains("Measured at the desk"), "no desk days yet: {page}");
    let id: tonus_store::ClientId = client.parse().unwrap();
    let day = |day: &str, exercises_done| tonus_store::DeskDay {
        day: day.into(),
        sitting_ms: 3_600_000,
        longest_bout_ms: 3_000_000,
        breaks_offered: 2,
        breaks_taken: 1,
        readable_ms: 3_000_000,
        within_ms: 2_000_000,
        nudges: 0,
        exercises_done,
    };
    let today = |back: i64| {
        let epoch = tonus_core::Date::from_ymd(1970, 1, 1).unwrap();
        let (y, m, d) = epoch.add_days(tonus_store::Timestamp::now().0.div_euclid(86_400_000) - back).ymd();
        format!("{y:04}-{m:02}-{d:02}")
    };
    app.store.put_desk_days(id, &[day(&today(0), 2), day(&today(1), 0), day(&today(2), 1)]).await.unwrap();
    let measured = app.get(&format!("/clients/{client}/what-if"), Some(&admin)).await.text();
    assert!(measured.contains("an exercise confirmed on 2 of the last 3 days (65%"), "{measured}");
    assert!(measured.contains("what-if?adherence=65&amp;weeks=12"), "{measured}");
}
