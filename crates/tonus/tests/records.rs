//! `tonus client list|export|import|erase` (`src/records.rs`) on a real SQLite demo store in a
//! temp dir: the ZIP export lists the JSON, the CSVs and the photo files; the FHIR export
//! imports back; erasure refuses without `--yes`, then removes the rows and the photo files no
//! other record uses, and both are audited.
//!
//! The module is compiled into this test with `#[path]` and driven through its public `run`,
//! so the test does not depend on how `main.rs` names the subcommand.

#[path = "../src/records.rs"]
#[allow(dead_code, reason = "the binary uses the whole module; this test drives `run`")]
mod records;

use std::io::Read as _;
use std::path::Path;

use records::RecordsCommand;
use tonus_store::{ClientQuery, NewPhoto, Store, StoreError};
use tonus_web::{PasswordCost, WebConfig};

fn config(dir: &Path) -> WebConfig {
    WebConfig { max_connections: 2, ..WebConfig::sqlite_in(dir) }
}

fn zip_names(path: &Path) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    archive.file_names().map(|n| n.unwrap().into_owned()).collect()
}

fn zip_entry(path: &Path, name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut bytes = Vec::new();
    archive.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

#[test]
fn export_then_erase_a_demo_client() {
    let dir = tempfile::tempdir().unwrap();
    let web = config(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store: std::sync::Arc<dyn Store> = rt.block_on(tonus_store::connect(&web.store_config())).unwrap();
    let mut settings = web.settings();
    settings.password_cost = PasswordCost::MinimalForTests;
    rt.block_on(tonus_web::load_demo_into(store.clone(), settings, "demo", "a sample clinic key")).unwrap();
    let clients = rt.block_on(store.clients(&ClientQuery::default())).unwrap();
    assert!(clients.len() >= 2, "the demo has several personas");
    let (a, b) = (clients[0].id, clients[1].id);
    let a_assessment = rt.block_on(store.assessments_for(a)).unwrap()[0].id;
    let b_assessment = rt.block_on(store.assessments_for(b)).unwrap()[0].id;
    // One photo only A has, and one whose bytes B shares, so erasing A must keep that file.
    let photo = |assessment, bytes: &[u8]| {
        rt.block_on(store.add_photo(NewPhoto {
            assessment,
            bytes: bytes.to_vec(),
            media_type: "image/jpeg".into(),
            view: tonus_store::View::SideLeft,
        }))
        .unwrap()
    };
    let own = photo(a_assessment, b"\xff\xd8\xff own photo of A");
    let shared = photo(a_assessment, b"\xff\xd8\xff the same bytes for A and B");
    photo(b_assessment, b"\xff\xd8\xff the same bytes for A and B");
    let own_file = dir.path().join("photos").join(&own.rel_path);
    let shared_file = dir.path().join("photos").join(&shared.rel_path);
    assert!(own_file.is_file() && shared_file.is_file());

    records::run(RecordsCommand::List, &web).unwrap();

    // Export to zip: the JSON, every CSV and both photo files.
    let zip_path = dir.path().join("out/a.zip");
    records::run(RecordsCommand::Export { client: a.to_string(), out: zip_path.clone(), format: None }, &web).unwrap();
    let names = zip_names(&zip_path);
    for expected in ["client.json", "client.csv", "assessments.csv", "measurements.csv", "plans.csv", "notes.csv", "photos.csv"] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    for p in [&own, &shared] {
        let entry = format!("photos/{}.jpg", p.content_hash);
        assert!(names.contains(&entry), "{entry} in {names:?}");
    }
    assert_eq!(zip_entry(&zip_path, &format!("photos/{}.jpg", own.content_hash)), b"\xff\xd8\xff own photo of A");
    let json: serde_json::Value = serde_json::from_slice(&zip_entry(&zip_path, "client.json")).unwrap();
    assert_eq!(json["client"]["id"], a.to_string());
    assert_eq!(json["photos"].as_array().unwrap().len(), 2);

    // An export never overwrites, and the extension must name a format.
    let again = records::run(RecordsCommand::Export { client: a.to_string(), out: zip_path.clone(), format: None }, &web).unwrap_err();
    assert!(format!("{again:#}").contains("already exists"), "{again:#}");
    let bad =
        records::run(RecordsCommand::Export { client: a.to_string(), out: dir.path().join("a.txt"), format: None }, &web).unwrap_err();
    assert!(format!("{bad:#}").contains(".zip or .json"), "{bad:#}");
    let json_path = dir.path().join("a.json");
    records::run(RecordsCommand::Export { client: a.to_string(), out: json_path.clone(), format: None }, &web).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(json["format"], "tonus-client-export/1");
    // --format fhir: one FHIR R4 Bundle; an unknown format is named.
    let fhir_path = dir.path().join("a.fhir.json");
    let fhir = Some("fhir".to_owned());
    records::run(RecordsCommand::Export { client: a.to_string(), out: fhir_path.clone(), format: fhir }, &web).unwrap();
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&fhir_path).unwrap()).unwrap();
    assert_eq!((bundle["resourceType"].as_str(), bundle["type"].as_str()), (Some("Bundle"), Some("collection")));
    assert_eq!(bundle["entry"][0]["resource"]["resourceType"], "Patient");
    let xml = Some("xml".to_owned());
    let unknown = records::run(RecordsCommand::Export { client: a.to_string(), out: dir.path().join("a.xml"), format: xml }, &web);
    let unknown = format!("{:#}", unknown.unwrap_err());
    assert!(unknown.contains("--format xml") && unknown.contains("zip, json or fhir"), "{unknown}");

    // Erase without --yes refuses and changes nothing.
    let refused = records::run(RecordsCommand::Erase { client: a.to_string(), yes: false }, &web).unwrap_err();
    let message = format!("{refused:#}");
    assert!(message.contains("without --yes") && message.contains("cannot be undone"), "{message}");
    assert!(rt.block_on(store.client(a)).is_ok());
    assert!(own_file.is_file());

    // Erase with --yes: the rows and A's own photo file go; the shared file stays for B.
    records::run(RecordsCommand::Erase { client: a.to_string(), yes: true }, &web).unwrap();
    assert!(matches!(rt.block_on(store.client(a)), Err(StoreError::NotFound)));
    assert!(rt.block_on(store.assessments_for(a)).unwrap().is_empty());
    assert!(matches!(rt.block_on(store.assessment(a_assessment)), Err(StoreError::NotFound)));
    assert!(rt.block_on(store.photos_for(a_assessment)).unwrap().is_empty());
    assert!(rt.block_on(store.notes_for(a)).unwrap().is_empty());
    assert!(!own_file.exists(), "A's own photo file is removed");
    assert!(shared_file.is_file(), "a file B still uses is kept");
    assert_eq!(rt.block_on(store.photos_for(b_assessment)).unwrap().len(), 1);

    // Both operations are in the audit log, marked as done at the command line.
    let audit = rt.block_on(store.audit_for(&a.to_string(), 50)).unwrap();
    assert!(audit.iter().any(|l| l.action == "export" && l.detail == "zip, command line"), "{audit:?}");
    assert!(audit.iter().any(|l| l.action == "erase" && l.detail.ends_with("command line")), "{audit:?}");

    // The FHIR Bundle brings the erased record back, its photo file included, for the owner
    // named; an unknown owner is refused before anything is stored.
    let import = |owner: &str| records::run(RecordsCommand::Import { file: fhir_path.clone(), owner: owner.into() }, &web);
    let nobody = format!("{:#}", import("nobody").unwrap_err());
    assert!(nobody.contains("--owner nobody") && nobody.contains("no active practitioner"), "{nobody}");
    assert!(matches!(rt.block_on(store.client(a)), Err(StoreError::NotFound)));
    import("demo").unwrap();
    assert_eq!(rt.block_on(store.assessments_for(a)).unwrap().len(), 1);
    assert!(own_file.is_file(), "the photo file is back");
    let twice = format!("{:#}", import("demo").unwrap_err());
    assert!(twice.contains("already in this clinic"), "{twice}");
    records::run(RecordsCommand::Erase { client: a.to_string(), yes: true }, &web).unwrap();

    // Unknown and malformed ids are named.
    let gone = records::run(RecordsCommand::Erase { client: a.to_string(), yes: true }, &web).unwrap_err();
    assert!(format!("{gone:#}").contains("no client has the id"), "{gone:#}");
    let malformed =
        records::run(RecordsCommand::Export { client: "nobody".into(), out: dir.path().join("n.zip"), format: None }, &web).unwrap_err();
    assert!(format!("{malformed:#}").contains("is not a client id"), "{malformed:#}");
}
