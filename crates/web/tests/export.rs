//! The client export from the client page: the ZIP archive holds the JSON record, one CSV per
//! table and the photo files byte for byte, and the download is audited. The authorisation of
//! the route is in `authorisation.rs`.

mod support;

use std::io::Read as _;

use axum::http::StatusCode;
use support::TestApp;

fn entry(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut file = archive.by_name(name).unwrap_or_else(|e| panic!("{name} missing from the archive: {e}"));
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

#[tokio::test]
async fn zip_export_holds_json_csvs_and_photos() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Zoë \"Zip\", Export", false).await;
    let persona = tonus_app::examples::personas()[0];
    app.post(&format!("/clients/{client}/assessments"), Some(&pat), &[("action", "save")]).await;
    let assessment = app.latest_assessment(&client).await;
    let png = b"\x89PNG\r\n\x1a\nexport-test-bytes".to_vec();
    let reply = app.upload(&format!("/assessments/{assessment}/photos"), &pat, &[("view", "side-left")], ("p.png", &png)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    for (name, text) in persona.landmarks {
        let reply = app.upload(&format!("/assessments/{assessment}/landmarks"), &pat, &[], (name, text.as_bytes())).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    }
    let reply = app
        .post(
            &format!("/assessments/{assessment}"),
            Some(&pat),
            &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "complete")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let reply = app.post(&format!("/clients/{client}/notes"), Some(&pat), &[("body", "=1+1, said \"hello\"\nnext line")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);

    let page = app.get(&format!("/clients/{client}"), Some(&pat)).await;
    assert!(page.text().contains(&format!("/clients/{client}/export.zip")), "the client page links the zip export");

    let reply = app.get(&format!("/clients/{client}/export.zip"), Some(&pat)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.content_type, "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(reply.body.clone())).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    for expected in [
        "README.txt",
        "client.json",
        "client.csv",
        "assessments.csv",
        "photos.csv",
        "landmark_sets.csv",
        "measurements.csv",
        "muscles.csv",
        "plans.csv",
        "notes.csv",
        "audit.csv",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    let photos = app.store.photos_for(assessment.parse().unwrap()).await.unwrap();
    assert_eq!(photos.len(), 1);
    let photo_name = format!("photos/{}.png", photos[0].content_hash);
    assert_eq!(entry(&mut archive, &photo_name), png, "the photo is stored byte for byte");

    let json: serde_json::Value = serde_json::from_slice(&entry(&mut archive, "client.json")).unwrap();
    assert_eq!(json["format"], "tonus-client-export/1");
    assert_eq!(json["client"]["id"], client.as_str());

    let client_csv = String::from_utf8(entry(&mut archive, "client.csv")).unwrap();
    assert!(client_csv.starts_with("client_id,display_name,"), "{client_csv}");
    assert!(client_csv.contains("\"Zoë \"\"Zip\"\", Export\""), "names are quoted per RFC 4180: {client_csv}");
    assert!(client_csv.ends_with("\r\n"));

    let notes = String::from_utf8(entry(&mut archive, "notes.csv")).unwrap();
    assert!(notes.contains("\"'=1+1, said \"\"hello\"\"\nnext line\""), "formulas are defused, line breaks kept: {notes}");

    let measurements = String::from_utf8(entry(&mut archive, "measurements.csv")).unwrap();
    let rows: Vec<&str> = measurements.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(rows.len() > 3, "the report's metrics are rows: {measurements}");
    assert!(rows.iter().skip(1).all(|r| r.starts_with(&assessment)), "every row names the assessment");
    assert!(measurements.contains("photo metric"), "{measurements}");

    let plans = String::from_utf8(entry(&mut archive, "plans.csv")).unwrap();
    assert!(plans.contains(",engine,true,"), "the engine's plan is the current one: {plans}");
    assert!(plans.contains(",exercise,"), "{plans}");

    let photos_csv = String::from_utf8(entry(&mut archive, "photos.csv")).unwrap();
    assert!(photos_csv.contains(&photo_name), "{photos_csv}");

    let audit = app.store.audit_for(&client, 20).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "export" && a.detail == "zip"), "{audit:?}");
}
