//! FHIR R4: the export of the demo's clients and of a client with a photo, a hand correction
//! and an edited plan reads back as the typed Bundle, every reference resolves inside it,
//! every Tonus code is in its CodeSystem, and the photo travels byte for byte; the read-only
//! `/fhir` endpoint answers with the same resources behind the app's logins and access rules.
//!
//! With `TONUS_FHIR_OUT=DIR` (relative to the workspace) the Bundles are also written there,
//! for the R4 validators that `.ci/run` runs (`tools/fhir-validate`).

mod support;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::Value;
use support::{Session, TestApp, plan_pairs, refs};
use tonus_clinic::fhir::r4::{Bundle, Resource};
use tonus_clinic::fhir::{LOINC, NDI_TOTAL, TONUS_SYSTEM};

const PHOTO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../pose/test_data/side/sitting_posture_recognition/straight_flip.jpg");

/// A client with a detected photo, a hand correction and an edited plan.
async fn photo_client(app: &TestApp, pat: &Session) -> String {
    let client = app.client(pat, "Rhiannon Photo-Fhir", false).await;
    let persona = tonus_app::examples::personas()[0];
    let saved = app
        .post(
            &format!("/clients/{client}/assessments"),
            Some(pat),
            &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "save")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let id = app.latest_assessment(&client).await;
    let photo = std::fs::read(PHOTO).unwrap();
    let reply = app
        .upload(&format!("/assessments/{id}/photos"), pat, &[("view", "side-right"), ("detect", "on")], ("straight_flip.jpg", &photo))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let done = app
        .post(
            &format!("/assessments/{id}"),
            Some(pat),
            &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "complete")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let set = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap().remove(0);
    let x = set.landmarks["landmarks"][8][0].as_f64().unwrap();
    let y = set.landmarks["landmarks"][8][1].as_f64().unwrap();
    let points = format!(r#"[{{"i":8,"x":{},"y":{y}}}]"#, x - 0.02);
    let corrected =
        app.post(&format!("/assessments/{id}/landmarks/{}/correct", set.id), Some(pat), &[("csrf", &pat.csrf), ("points", &points)]).await;
    assert_eq!(corrected.status, StatusCode::SEE_OTHER, "{}", corrected.text());
    let stored = app.store.plan_for(id.parse().unwrap()).await.unwrap().unwrap();
    let engine_plan: tonus_app::report::PlanView = serde_json::from_value(stored.engine_plan.clone()).unwrap();
    let engine = tonus_app::Engine::embedded().unwrap();
    let mut edit = tonus_clinic::plans::PlanEdit::of(&engine_plan, engine.kb());
    edit.exercises[0].dosage = "Twice a day, 5 repetitions (therapist's dose)".into();
    edit.note = "Little and often.".into();
    let saved = app.post(&format!("/assessments/{id}/plan"), Some(pat), &refs(&plan_pairs(&edit, "save"))).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    client
}

/// Every `reference` string anywhere in the JSON.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// FHIR has no empty objects, arrays or strings.
fn no_empties(v: &Value, path: &str) {
    match v {
        Value::Object(map) => {
            assert!(!map.is_empty(), "empty object at {path}");
            map.iter().for_each(|(k, v)| no_empties(v, &format!("{path}.{k}")));
        }
        Value::Array(items) => {
            assert!(!items.is_empty(), "empty array at {path}");
            items.iter().enumerate().for_each(|(i, v)| no_empties(v, &format!("{path}[{i}]")));
        }
        Value::String(s) => assert!(!s.trim().is_empty(), "empty string at {path}"),
        _ => {}
    }
}

/// Checks what every exported Bundle must hold, and returns it typed.
fn check_bundle(bytes: &[u8]) -> Bundle {
    let json: Value = serde_json::from_slice(bytes).expect("the export is JSON");
    no_empties(&json, "Bundle");
    let bundle: Bundle = serde_json::from_value(json.clone()).expect("the export reads back as the typed Bundle");
    assert_eq!(serde_json::to_value(&bundle).unwrap(), json, "nothing is lost reading it back");
    let urls: Vec<&str> = bundle.entry.iter().map(|e| e.full_url.as_str()).collect();
    let unique: BTreeSet<&str> = urls.iter().copied().collect();
    assert_eq!(unique.len(), urls.len(), "full URLs are unique");
    for e in &bundle.entry {
        assert_eq!(e.full_url, format!("urn:uuid:{}", e.resource.id()));
    }
    let mut refs = Vec::new();
    references(&json, &mut refs);
    for r in &refs {
        assert!(unique.contains(r.as_str()), "reference {r} does not resolve inside the Bundle");
    }
    let code_system = bundle
        .entry
        .iter()
        .find_map(|e| match &e.resource {
            Resource::CodeSystem(cs) => Some(cs),
            _ => None,
        })
        .expect("the Bundle carries Tonus's CodeSystem");
    let known: BTreeSet<&str> = code_system.concept.iter().map(|c| c.code.as_str()).collect();
    let text = String::from_utf8_lossy(bytes);
    for (i, _) in text.match_indices(&format!("\"system\": \"{TONUS_SYSTEM}\"")) {
        let code = text[i..].split("\"code\": \"").nth(1).and_then(|s| s.split('"').next()).unwrap();
        assert!(known.contains(code), "Tonus code {code} is not in the CodeSystem");
    }
    bundle
}

fn of_type<'b>(b: &'b Bundle, name: &str) -> Vec<&'b Resource> {
    b.entry.iter().map(|e| &e.resource).filter(|r| r.type_name() == name).collect()
}

#[tokio::test]
async fn the_demo_clients_and_a_photographed_client_export_as_fhir_bundles() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let mut clients = Vec::new();
    for (i, persona) in tonus_app::examples::personas().iter().enumerate() {
        let client = app.client(&pat, persona.id, false).await;
        app.assess(&pat, &client, i).await;
        clients.push((persona.id.to_owned(), client));
    }
    clients.push(("photo".to_owned(), photo_client(&app, &pat).await));
    // A relative directory is the workspace's, not this crate's (where cargo runs the test).
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::var_os("TONUS_FHIR_OUT").map(|dir| workspace.join(dir));

    for (name, client) in &clients {
        let page = app.get(&format!("/clients/{client}"), Some(&pat)).await.text();
        assert!(page.contains(&format!("/clients/{client}/export.fhir.json")), "the client page links the FHIR export");
        let reply = app.get(&format!("/clients/{client}/export.fhir.json"), Some(&pat)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.content_type, "application/fhir+json");
        let bundle = check_bundle(&reply.body);
        assert_eq!(bundle.kind, "collection");
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{name}.json")), &reply.body).unwrap();
        }
        let api = app.get(&format!("/api/clients/{client}/export?format=fhir"), Some(&pat)).await;
        assert_eq!(api.content_type, "application/fhir+json");
        let again: Bundle = serde_json::from_slice(&api.body).unwrap();
        assert_eq!(again.entry, bundle.entry, "the API gives the same resources");

        assert_eq!(of_type(&bundle, "Patient").len(), 1);
        assert_eq!(of_type(&bundle, "Encounter").len(), 1);
        let observations: Vec<_> = of_type(&bundle, "Observation")
            .into_iter()
            .filter_map(|r| match r {
                Resource::Observation(o) => Some(o),
                _ => None,
            })
            .collect();
        let muscle_states = observations.iter().filter(|o| o.code.coding[0].code.as_deref() == Some("muscle-state")).count();
        let plans = of_type(&bundle, "CarePlan");
        if name == "red-flag" {
            assert_eq!(muscle_states, 0, "a positive red-flag screen has no muscle story");
            assert!(plans.is_empty(), "and no plan");
        } else {
            assert!(muscle_states > 0, "{name}: muscle states are Observations");
            assert!(!plans.is_empty(), "{name}: the plan is a CarePlan");
            assert!(of_type(&bundle, "Condition").is_empty(), "Tonus does not diagnose");
        }
        let ndi = observations
            .iter()
            .find(|o| o.code.coding.iter().any(|c| c.system.as_deref() == Some(LOINC) && c.code.as_deref() == Some(NDI_TOTAL)));
        let intake = tonus_app::examples::personas().iter().find(|p| p.id == name).map(|p| p.intake.contains("[outcomes.ndi]"));
        if intake == Some(true) {
            assert!(ndi.is_some_and(|o| o.value_quantity.is_some()), "{name}: the NDI total is LOINC 82237-9");
            assert_eq!(of_type(&bundle, "QuestionnaireResponse").len(), 1, "{name}: with its answers");
        }
    }

    // The photographed client: the image byte for byte, the landmarks' provenance, the
    // correction and the plan edit.
    let photo = app.get(&format!("/clients/{}/export.fhir.json", clients[3].1), Some(&pat)).await;
    let bundle = check_bundle(&photo.body);
    let media = of_type(&bundle, "Media");
    assert_eq!(media.len(), 1);
    let Resource::Media(media) = media[0] else { unreachable!() };
    let data = base64::engine::general_purpose::STANDARD.decode(media.content.data.as_ref().unwrap()).unwrap();
    assert_eq!(data, std::fs::read(PHOTO).unwrap(), "the photo travels byte for byte");
    let provenance: Vec<_> = of_type(&bundle, "Provenance");
    let activities: Vec<String> = provenance
        .iter()
        .filter_map(|r| match r {
            Resource::Provenance(p) => p.activity.as_ref().and_then(|a| a.coding[0].code.clone()),
            _ => None,
        })
        .collect();
    for expected in ["landmarks-automatic", "landmarks-corrected", "UPDATE"] {
        assert!(activities.iter().any(|a| a == expected), "a Provenance for {expected}: {activities:?}");
    }
    let measured_on_photo = bundle.entry.iter().any(|e| match &e.resource {
        Resource::Observation(o) => {
            o.method.as_ref().is_some_and(|m| m.coding[0].code.as_deref() == Some("landmarks-corrected"))
                && o.derived_from.iter().any(|r| r.reference.as_deref() == Some(&format!("urn:uuid:{}", media.id)))
        }
        _ => false,
    });
    assert!(measured_on_photo, "metrics say they were measured on hand-corrected landmarks, derived from the photo");
    let care_plans: Vec<_> = of_type(&bundle, "CarePlan")
        .into_iter()
        .filter_map(|r| match r {
            Resource::CarePlan(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(care_plans.len(), 2, "the engine's proposal and the therapist's plan");
    let proposal = care_plans.iter().find(|p| p.intent == "proposal").expect("the engine's plan is a proposal");
    let edited = care_plans.iter().find(|p| p.intent == "plan").unwrap();
    assert_eq!(edited.replaces[0].reference.as_deref(), Some(format!("urn:uuid:{}", proposal.id).as_str()));
    assert_eq!(edited.status, "active");
    assert!(
        edited.activity.iter().any(|a| a
            .detail
            .as_ref()
            .and_then(|d| d.scheduled_timing.as_ref())
            .and_then(|t| t.code.as_ref())
            .and_then(|c| c.text.as_deref())
            == Some("Twice a day, 5 repetitions (therapist's dose)")),
        "the therapist's dose"
    );
}

#[tokio::test]
async fn the_fhir_endpoint_reads_behind_the_apps_logins() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let other = app.staff(&admin, "kim", "practitioner").await;
    let client = app.client(&pat, "Noor Endpoint", false).await;
    app.assess(&pat, &client, 0).await;

    let metadata = app.get("/fhir/metadata", None).await;
    assert_eq!(metadata.status, StatusCode::OK);
    assert_eq!(metadata.json()["resourceType"], "CapabilityStatement");
    assert_eq!(metadata.json()["fhirVersion"], "4.0.1");

    let anonymous = app.get(&format!("/fhir/Patient/{client}"), None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "no redirect to the login page");
    assert_eq!(anonymous.json()["resourceType"], "OperationOutcome");
    assert_eq!(anonymous.json()["issue"][0]["code"], "login");
    let elsewhere = app.get(&format!("/fhir/Patient/{client}"), Some(&other)).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND, "another practitioner's client is not there");
    assert_eq!(elsewhere.json()["resourceType"], "OperationOutcome");
    let bad = app.get("/fhir/Patient/not-an-id", Some(&pat)).await;
    assert_eq!(bad.json()["resourceType"], "OperationOutcome", "{}", bad.text());

    let patient = app.get(&format!("/fhir/Patient/{client}"), Some(&pat)).await;
    assert_eq!(patient.status, StatusCode::OK, "{}", patient.text());
    assert_eq!(patient.content_type, "application/fhir+json");
    assert_eq!(patient.json()["resourceType"], "Patient");
    assert_eq!(patient.json()["id"], client.as_str());

    let everything = app.get(&format!("/fhir/Patient/{client}/$everything"), Some(&pat)).await;
    assert_eq!(everything.status, StatusCode::OK, "{}", everything.text());
    let bundle: Bundle = serde_json::from_slice(&everything.body).unwrap();
    assert_eq!(bundle.kind, "searchset");
    assert_eq!(bundle.total, Some(bundle.entry.len() as u64));
    assert!(bundle.entry.iter().all(|e| e.search.is_some()));

    let ndi = app.get(&format!("/fhir/Observation?patient=Patient/{client}&code={LOINC}|{NDI_TOTAL}"), Some(&pat)).await;
    assert_eq!(ndi.status, StatusCode::OK, "{}", ndi.text());
    let found: Bundle = serde_json::from_slice(&ndi.body).unwrap();
    assert_eq!(found.total, Some(1), "one NDI total");
    let all = app.get(&format!("/fhir/Observation?patient={client}"), Some(&pat)).await;
    let all: Bundle = serde_json::from_slice(&all.body).unwrap();
    assert!(all.entry.len() > 1 && all.entry.iter().all(|e| e.resource.type_name() == "Observation"));
    let none = app.get(&format!("/fhir/Observation?patient={client}&code=no-such-code"), Some(&pat)).await;
    assert_eq!(serde_json::from_slice::<Bundle>(&none.body).unwrap().total, Some(0));
    assert_eq!(app.get("/fhir/Observation?code=72514-3", None).await.status, StatusCode::UNAUTHORIZED, "login first");
    let missing = app.get("/fhir/Observation?code=72514-3", Some(&pat)).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.json()["issue"][0]["code"], "invalid");

    let audit = app.store.audit_for(&client, 100).await.unwrap();
    assert!(audit.iter().any(|l| l.detail == "fhir $everything"), "reads are audited");
}
