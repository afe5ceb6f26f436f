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

/// The first `n` demo personas assessed as clients of `pat`: (persona id, client id).
async fn assessed_personas(app: &TestApp, pat: &Session, n: usize) -> Vec<(String, String)> {
    let mut clients = Vec::new();
    for (i, persona) in tonus_app::examples::personas().iter().enumerate().take(n) {
        let client = app.client(pat, persona.id, false).await;
        app.assess(pat, &client, i).await;
        clients.push((persona.id.to_owned(), client));
    }
    clients
}

/// The exporting clinic of the import tests: an administrator, practitioner pat and the FHIR
/// exports of pat's first `n` demo clients, assessed.
async fn exporting_clinic(n: usize) -> (TestApp, Session, Vec<Vec<u8>>) {
    let a = TestApp::new().await;
    let admin = a.setup_admin().await;
    let pat = a.staff(&admin, "pat", "practitioner").await;
    let mut exports = Vec::new();
    for (_, client) in assessed_personas(&a, &pat, n).await {
        exports.push(fhir_export(&a, &pat, &client).await);
    }
    (a, pat, exports)
}

/// The importing clinic of the import tests: its administrator and practitioner sam.
async fn importing_clinic() -> (TestApp, Session, Session) {
    let b = TestApp::new().await;
    let admin = b.setup_admin().await;
    let sam = b.staff(&admin, "sam", "practitioner").await;
    (b, admin, sam)
}

/// A client's FHIR export, as the client page downloads it.
async fn fhir_export(app: &TestApp, who: &Session, client: &str) -> Vec<u8> {
    app.get(&format!("/clients/{client}/export.fhir.json"), Some(who)).await.body
}

fn of_type<'b>(b: &'b Bundle, name: &str) -> Vec<&'b Resource> {
    b.entry.iter().map(|e| &e.resource).filter(|r| r.type_name() == name).collect()
}

#[tokio::test]
async fn the_demo_clients_and_a_photographed_client_export_as_fhir_bundles() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let mut clients = assessed_personas(&app, &pat, 3).await;
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
    let bundle = check_bundle(&fhir_export(&app, &pat, &clients[3].1).await);
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
    // The validators in CI read the server's answers too.
    if let Some(dir) = std::env::var_os("TONUS_FHIR_OUT").map(|d| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(d)) {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("server-everything.json"), &everything.body).unwrap();
        std::fs::write(dir.join("server-metadata.json"), &metadata.body).unwrap();
        std::fs::write(dir.join("server-patient.json"), &patient.body).unwrap();
    }
    // References name resources as a server does, and every one inside the answer resolves.
    let answer: Bundle = serde_json::from_slice(&everything.body).unwrap();
    let here: BTreeSet<String> = answer.entry.iter().map(|e| format!("{}/{}", e.resource.type_name(), e.resource.id())).collect();
    let mut named = Vec::new();
    references(&serde_json::from_slice(&everything.body).unwrap(), &mut named);
    assert!(named.contains(&format!("Patient/{client}")), "references name resources as a server does");
    for r in named {
        assert!(here.contains(&r), "{r} is in the answer");
    }
    assert!(answer.entry.iter().all(|e| e.full_url.starts_with("http://") && e.full_url.contains("/fhir/")));
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

/// The Bundle's resources as JSON, without what names the clinic's own staff (the client
/// belongs to whoever imports it): Practitioners, the Patient's practitioner, and the owner in
/// Tonus's record.
fn without_owner(bundle: &Bundle) -> Vec<Value> {
    bundle
        .entry
        .iter()
        .filter(|e| e.resource.type_name() != "Practitioner")
        .map(|e| {
            let mut v = serde_json::to_value(&e.resource).unwrap();
            v.as_object_mut().unwrap().remove("generalPractitioner");
            if v["type"]["coding"][0]["code"] == "tonus-record" {
                let data = v["content"][0]["attachment"]["data"].as_str().unwrap();
                let mut record: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap();
                record["client"]["owner"] = Value::Null;
                v["content"][0]["attachment"]["data"] = record;
                v["content"][0]["attachment"].as_object_mut().unwrap().remove("size");
            }
            // The record's authors are named here as imported.
            serde_json::from_str(&serde_json::to_string(&v).unwrap().replace(" (imported)", "")).unwrap()
        })
        .collect()
}

/// A Tonus Bundle imports into another Tonus without loss: the second export holds the same
/// resources (the client now belongs to the importing practitioner, its authors are named as
/// imported), and exporting, erasing and importing again gives the same bytes. The record's
/// authors become disabled accounts.
#[tokio::test]
async fn a_tonus_bundle_imports_into_another_tonus_without_loss() {
    let (a, pat, mut exports) = exporting_clinic(3).await;
    let photographed = photo_client(&a, &pat).await;
    a.post(&format!("/clients/{photographed}/notes"), Some(&pat), &[("body", "Works at a standing desk from Monday.")]).await;
    // What the client's home and desk page record travels too.
    let id: tonus_store::ClientId = photographed.parse().unwrap();
    a.store.put_pain_checkin(id, &tonus_store::PainCheckIn { week: "2026-11-23".into(), nprs: 4 }).await.unwrap();
    a.store
        .set_exercise_done(id, &tonus_store::ExerciseTick { day: "2026-11-25".into(), exercise: "prone_y_t_w".into() }, true)
        .await
        .unwrap();
    let day = tonus_store::DeskDay {
        day: "2026-11-25".into(),
        sitting_ms: 20_000_000,
        longest_bout_ms: 3_000_000,
        breaks_offered: 6,
        breaks_taken: 5,
        readable_ms: 18_000_000,
        within_ms: 12_000_000,
        nudges: 3,
        exercises_done: 4,
    };
    a.store.put_desk_days(id, &[day]).await.unwrap();
    exports.push(fhir_export(&a, &pat, &photographed).await);

    let b = TestApp::new().await;
    let kim = b.setup_admin().await;
    for e1 in &exports {
        let first: Bundle = serde_json::from_slice(e1).unwrap();
        let reply = b.api_raw("POST", "/api/clients/import", Some(&kim), e1.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let outcome = &reply.json()["import"];
        assert_eq!(outcome["from_tonus"], true);
        assert_eq!(outcome["not_read"], serde_json::json!([]), "a Tonus Bundle is read whole");
        let client = outcome["client"].as_str().unwrap().to_owned();
        let e2 = fhir_export(&b, &kim, &client).await;
        let second: Bundle = serde_json::from_slice(&e2).unwrap();
        assert_eq!(without_owner(&first), without_owner(&second), "the second export holds the first's resources");
        // And the store holds the same record, row for row.
        let (was, is) =
            (a.store.export_client(client.parse().unwrap()).await.unwrap(), b.store.export_client(client.parse().unwrap()).await.unwrap());
        assert_eq!(
            (&was.assessments, &was.photos, &was.landmark_sets, &was.reports),
            (&is.assessments, &is.photos, &is.landmark_sets, &is.reports)
        );
        assert_eq!((&was.plans, &was.notes, &was.desk_days, &was.details), (&is.plans, &is.notes, &is.desk_days, &is.details));
        assert_eq!((&was.exercise_ticks, &was.pain_checkins), (&is.exercise_ticks, &is.pain_checkins));
        assert_eq!(
            (&was.client.display_name, &was.client.reference, was.client.created_at, was.client.updated_at),
            (&is.client.display_name, &is.client.reference, is.client.created_at, is.client.updated_at)
        );
        for photo in &is.photos {
            assert_eq!(b.store.photo_bytes(photo.id).await.unwrap().1, a.store.photo_bytes(photo.id).await.unwrap().1, "the photo's bytes");
        }

        // Again: the same bytes (a Tonus export is repeatable once the staff are the same).
        let again = b.api_raw("POST", "/api/clients/import", Some(&kim), e2.clone()).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "a client already here is not imported twice");
        assert_eq!(b.api("DELETE", &format!("/api/clients/{client}"), Some(&kim), None).await.status, StatusCode::OK);
        let reply = b.api_raw("POST", "/api/clients/import", Some(&kim), e2.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let e3 = fhir_export(&b, &kim, &client).await;
        let third: Bundle = serde_json::from_slice(&e3).unwrap();
        assert_eq!(serde_json::to_vec(&second.entry).unwrap(), serde_json::to_vec(&third.entry).unwrap(), "byte for byte");
    }
    // Pat has no account in the second clinic: a disabled one keeps their name on their work.
    let pat_id = a.store.users().await.unwrap().into_iter().find(|u| u.login == "pat").unwrap().id;
    let imported = b.store.user(pat_id).await.unwrap();
    assert!(imported.disabled && imported.login.starts_with("imported-"), "{imported:?}");
    assert_eq!(imported.display_name, "pat (imported)");
}

/// Another system's Bundle gives a client from its Patient; everything else is named, by
/// resource and path, as not read. Files that are not Bundles are refused by name.
#[tokio::test]
async fn another_systems_patient_becomes_a_client_and_the_rest_is_reported() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let bundle = serde_json::json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "ext-7",
                "identifier": [{"system": "http://hospital.example/mrn", "value": "MRN-2231"}],
                "name": [{"family": "Okafor", "given": ["Ada", "N."]}],
                "gender": "female", "birthDate": "1984-03-09",
                "telecom": [{"system": "phone", "value": "+44 7700 900456"}, {"system": "email", "value": "ada@example.org"},
                            {"system": "phone", "value": "+44 20 7946 0000"}],
                "address": [{"city": "Leeds"}]}},
            {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/ext-7"}}},
            {"resource": {"resourceType": "Observation", "id": "o1", "status": "final"}}
        ]
    });
    let reply = app.api_raw("POST", "/api/clients/import", Some(&pat), serde_json::to_vec(&bundle).unwrap()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let outcome = reply.json()["import"].clone();
    assert_eq!(outcome["from_tonus"], false);
    let client: tonus_store::ClientId = outcome["client"].as_str().unwrap().parse().unwrap();
    let stored = app.store.client(client).await.unwrap();
    assert_eq!((stored.display_name.as_str(), stored.reference.as_deref()), ("Ada N. Okafor", Some("MRN-2231")));
    let details = app.store.client_details(client).await.unwrap();
    assert_eq!(details.date_of_birth.as_deref(), Some("1984-03-09"));
    assert_eq!((details.phone.as_str(), details.email.as_str()), ("+44 7700 900456", "ada@example.org"));
    let not_read: Vec<String> = outcome["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p["resource"].as_str().unwrap(), p["path"].as_str().unwrap()))
        .collect();
    for expected in ["Patient/ext-7 address", "Patient/ext-7 gender", "Patient/ext-7 telecom[2]", "Condition/c1 ", "Observation/o1 code"] {
        assert!(not_read.iter().any(|n| n == expected), "{expected:?} is reported: {not_read:?}");
    }

    // The page: upload from the client list, and the result names what was not read.
    let list = app.get("/clients", Some(&pat)).await.text();
    assert!(list.contains(r#"action="/clients/import""#));
    let page = app.upload("/clients/import", &pat, &[], ("other.json", &serde_json::to_vec(&bundle).unwrap())).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("Client imported") && page.text().contains("Condition/c1"), "{}", page.text());

    for (body, field) in [
        (b"not json".to_vec(), "not JSON"),
        (br#"{"resourceType":"Patient","id":"x"}"#.to_vec(), "not a Bundle"),
        (br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#.to_vec(), "no Patient"),
        (
            br#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"a","name":[{"text":"A"}]}},{"resource":{"resourceType":"Patient","id":"b","name":[{"text":"B"}]}}]}"#.to_vec(),
            "several Patients",
        ),
        (br#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"a"}}]}"#.to_vec(), "has no name"),
    ] {
        let before = app.store.clients(&tonus_store::ClientQuery::default()).await.unwrap().len();
        let reply = app.api_raw("POST", "/api/clients/import", Some(&pat), body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", reply.text());
        assert!(reply.json()["error"].as_str().unwrap().contains(field), "{field}: {}", reply.text());
        assert_eq!(app.store.clients(&tonus_store::ClientQuery::default()).await.unwrap().len(), before, "nothing stored");
    }
}

/// The Bundle with its Tonus record changed by `change`.
fn with_record(bundle: &[u8], change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut b: Value = serde_json::from_slice(bundle).unwrap();
    let entry = b["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["resource"]["type"]["coding"][0]["code"] == "tonus-record")
        .expect("the Bundle carries Tonus's record");
    let data = &mut entry["resource"]["content"][0]["attachment"]["data"];
    let mut record: Value =
        serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap()).unwrap()).unwrap();
    change(&mut record);
    *data = Value::String(base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&record).unwrap()));
    serde_json::to_vec(&b).unwrap()
}

/// An import cannot reach outside its own record: rows naming another client's assessment are
/// refused, and a record that names this clinic's own staff as authors needs an administrator;
/// nothing is stored when refused.
#[tokio::test]
async fn an_import_cannot_write_into_other_records_or_borrow_staff_names() {
    let (_a, _, exports) = exporting_clinic(2).await;
    let (b, admin, sam) = importing_clinic().await;
    let first = b.api_raw("POST", "/api/clients/import", Some(&sam), exports[0].clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let theirs = b.latest_assessment(first.json()["import"]["client"].as_str().unwrap()).await;
    let count = || async { b.store.clients(&tonus_store::ClientQuery::default()).await.unwrap().len() };
    let before = count().await;

    // A report of the second record pointed at the first client's assessment.
    let sneaky = with_record(&exports[1], |r| r["reports"][0]["assessment"] = Value::String(theirs.clone()));
    let refused = b.api_raw("POST", "/api/clients/import", Some(&sam), sneaky).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert!(refused.text().contains("is not in the record"), "{}", refused.text());
    assert_eq!(count().await, before, "nothing stored");
    assert_eq!(b.store.latest_report(theirs.parse().unwrap()).await.unwrap().unwrap().assessment.to_string(), theirs);

    // The second record's assessment said to be written by this clinic's administrator.
    let admin_id = b.store.users().await.unwrap().into_iter().find(|u| u.role == tonus_store::Role::Admin).unwrap().id;
    let borrowed = with_record(&exports[1], |r| r["assessments"][0]["created_by"] = Value::String(admin_id.to_string()));
    let refused = b.api_raw("POST", "/api/clients/import", Some(&sam), borrowed.clone()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert!(refused.text().contains("only an administrator"), "{}", refused.text());
    assert_eq!(count().await, before, "nothing stored");
    let restored = b.api_raw("POST", "/api/clients/import", Some(&admin), borrowed).await;
    assert_eq!(restored.status, StatusCode::CREATED, "an administrator restores a record of this clinic: {}", restored.text());
}

/// An import's answer and its work stay in proportion to the Bundle: what is not read is
/// listed up to a bound and then counted, a resource is named by an id FHIR allows (not a
/// megabyte of text), a photo named many times is refused before any image is decoded, the
/// record's authors are labelled as imported, and a record already here is refused without
/// saying which of its ids was found.
#[tokio::test]
async fn an_import_stays_in_proportion_to_its_bundle() {
    let (a, pat, _) = exporting_clinic(0).await;
    let photographed = photo_client(&a, &pat).await;
    let export = fhir_export(&a, &pat, &photographed).await;
    let (b, _, sam) = importing_clinic().await;

    // Another system's Patient with a 20 kB id and 5,000 elements Tonus has no place for.
    let long_id = "A".repeat(20_000);
    let mut patient = serde_json::json!({"resourceType": "Patient", "id": long_id, "name": [{"text": "Noor Haddad"}]});
    for i in 0..5_000 {
        patient[format!("k{i}")] = Value::from(i);
    }
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}]});
    let reply = b.api_raw("POST", "/api/clients/import", Some(&sam), serde_json::to_vec(&bundle).unwrap()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", &reply.text()[..300.min(reply.text().len())]);
    assert!(reply.text().len() < 64 * 1024, "the answer is {} bytes", reply.text().len());
    let not_read = reply.json()["import"]["not_read"].as_array().unwrap().clone();
    assert_eq!(not_read.len(), tonus_clinic::fhir::MAX_PROBLEMS + 1);
    assert_eq!(reply.json()["import"]["not_read_total"], 5_000);
    assert!(not_read.iter().all(|p| p["resource"].as_str().unwrap().len() < 80), "{}", not_read[0]);
    let last = not_read.last().unwrap()["message"].as_str().unwrap();
    assert!(last.contains(&format!("{} more", 5_000 - tonus_clinic::fhir::MAX_PROBLEMS)), "{last}");

    // The record's one photo named fifty times.
    let repeated = with_record(&export, |r| {
        let photo = r["photos"][0].clone();
        r["photos"] = Value::Array(vec![photo; 50]);
    });
    let before = b.store.clients(&tonus_store::ClientQuery::default()).await.unwrap().len();
    let refused = b.api_raw("POST", "/api/clients/import", Some(&sam), repeated).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert!(refused.text().contains("names photo"), "refused before the images are decoded: {}", refused.text());
    assert_eq!(b.store.clients(&tonus_store::ClientQuery::default()).await.unwrap().len(), before, "nothing stored");

    // The record's authors under another clinic's name: labelled as imported.
    let renamed = {
        let mut bundle: Value = serde_json::from_slice(&export).unwrap();
        for e in bundle["entry"].as_array_mut().unwrap() {
            if e["resource"]["resourceType"] == "Practitioner" {
                e["resource"]["name"] = serde_json::json!([{"text": "Demo practitioner"}]);
            }
        }
        serde_json::to_vec(&bundle).unwrap()
    };
    let stored = b.api_raw("POST", "/api/clients/import", Some(&sam), renamed.clone()).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    let names: Vec<String> = b.store.users().await.unwrap().into_iter().filter(|u| u.disabled).map(|u| u.display_name).collect();
    assert!(!names.is_empty() && names.iter().all(|n| n == "Demo practitioner (imported)"), "{names:?}");

    // Again: refused, without naming the client or the row found.
    let again = b.api_raw("POST", "/api/clients/import", Some(&sam), renamed).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert!(!again.text().contains(&photographed), "{}", again.text());
}
