//! `tonus backup` and `tonus restore` as a user runs them: the demo clinic backed up, restored
//! into an empty data directory and compared; then the refusals, with their exit codes (3 for
//! a wrong folder or an occupied target, as the README's table says).

use std::path::Path;
use std::process::Command;

use tonus_store::{ClientQuery, Store, StoreConfig};
use tonus_web::PasswordCost;

fn tonus(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tonus")).args(args).env_remove("TONUS_CONFIG").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn store_config(dir: &Path) -> StoreConfig {
    StoreConfig { database_url: format!("sqlite://{}", dir.join("tonus.db").display()), photos_dir: dir.join("photos"), max_connections: 2 }
}

/// Every client with its assessments and their latest reports, as text.
async fn contents(store: &dyn Store) -> Vec<String> {
    let mut out = Vec::new();
    for client in store.clients(&ClientQuery::default()).await.unwrap() {
        out.push(format!("{client:?}"));
        for a in store.assessments_for(client.id).await.unwrap() {
            out.push(format!("{a:?} {:?}", store.latest_report(a.id).await.unwrap()));
        }
    }
    out
}

#[test]
fn the_demo_clinic_survives_backup_and_restore() {
    let root = tempfile::tempdir().unwrap();
    let (live, backups, fresh) = (root.path().join("live"), root.path().join("backups"), root.path().join("fresh"));
    std::fs::create_dir_all(&live).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(tonus_store::connect(&store_config(&live))).unwrap();
    let mut settings = tonus_web::WebConfig::sqlite_in(&live).settings();
    settings.password_cost = PasswordCost::MinimalForTests;
    rt.block_on(tonus_web::load_demo_into(store.clone(), settings, "demo", "a sample clinic key")).unwrap();
    let before = rt.block_on(contents(store.as_ref()));
    assert!(before.len() > 3);

    let out = backups.join("first");
    let (code, text) = tonus(&["backup", "--data-dir", live.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Backed up the database"), "{text}");
    let (code, text) = tonus(&["restore", "--data-dir", fresh.to_str().unwrap(), "--from", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("every hash and table digest matched"), "{text}");
    let restored = rt.block_on(tonus_store::connect(&store_config(&fresh))).unwrap();
    assert_eq!(rt.block_on(contents(restored.as_ref())), before);

    // Refusals: the same folder again, a restore over data, a folder that is not a backup.
    let (code, text) = tonus(&["backup", "--data-dir", live.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("already exists"), "{text}");
    let (code, text) = tonus(&["restore", "--data-dir", fresh.to_str().unwrap(), "--from", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("already exists") || text.contains("holds"), "{text}");
    let (code, text) = tonus(&["restore", "--data-dir", root.path().join("other").to_str().unwrap(), "--from", live.to_str().unwrap()]);
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("not a finished Tonus backup"), "{text}");
}
