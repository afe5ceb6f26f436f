//! `tonus client list|export|erase`: whole-record operations on the clinic app's data at the
//! server's console, for data requests (export) and the right to erasure.
//!
//! The store work and its audit lines are the clinic's (`tonus_clinic::Clinic::list_clients`,
//! `export`, `erase`, run as the console: no account, detail `command line`); this module
//! parses the arguments, refuses an erasure that was not confirmed with `--yes`, writes the
//! export file durably and prints what happened. An unknown or malformed client id is invalid
//! input (exit code 3). Left out on
//! purpose: interactive prompts (the command must be scriptable) and picking clients by name
//! (names are not unique; ids are).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tonus_clinic::{Actor, ClientSummary, Clinic, ExportFormat};
use tonus_web::WebConfig;

/// What to do with client records.
#[derive(Debug, clap::Subcommand)]
pub enum RecordsCommand {
    /// Export one client's whole record: a .zip (JSON, CSVs and photos), a .json file, or a
    /// FHIR R4 Bundle (`--format fhir`).
    Export {
        /// The client's id (`tonus client list` shows them).
        client: String,
        /// Output file. Without --format its extension picks the format: .zip or .json. An
        /// existing file is not overwritten.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The format: zip, json (Tonus's own record) or fhir (one FHIR R4 Bundle in JSON,
        /// photos included).
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
    },
    /// Erase one client's whole record: assessments, photos, plans, notes, share links and
    /// their login. This cannot be undone; export first if the record must be kept.
    Erase {
        /// The client's id (`tonus client list` shows them).
        client: String,
        /// Confirms the erasure; without it nothing is erased.
        #[arg(long)]
        yes: bool,
    },
    /// List every client with the id the other commands take.
    List,
    /// Import a client from a FHIR R4 Bundle (JSON): a Bundle exported by Tonus comes back
    /// whole; another system's gives the client from its Patient. What is not read is listed.
    Import {
        /// The Bundle file.
        file: PathBuf,
        /// The login of the practitioner the client will belong to.
        #[arg(long, value_name = "LOGIN")]
        owner: String,
    },
}

/// Runs one records command against the configured store.
pub fn run(cmd: RecordsCommand, web: &WebConfig) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let open = || async {
        let store = tonus_store::connect(&web.store_config()).await.context("cannot open the clinic's store")?;
        Ok::<_, anyhow::Error>(Clinic::console(store)?)
    };
    match cmd {
        RecordsCommand::List => {
            let clients = rt.block_on(async { open().await?.list_clients().await.context("cannot list the clients") })?;
            println!("{}", list_text(&clients));
        }
        RecordsCommand::Export { client, out, format } => {
            let format = match format.as_deref() {
                Some(name) => ExportFormat::parse(name)
                    .ok_or_else(|| tonus_clinic::ClinicError::invalid(format!("--format {name}: the format is zip, json or fhir")))?,
                None => ExportFormat::from_path(&out).ok_or_else(|| {
                    tonus_clinic::ClinicError::invalid(format!(
                        "--out {}: the file name must end in .zip or .json, which picks the format (or name it with --format)",
                        out.display()
                    ))
                })?,
            };
            if out.exists() {
                bail!(tonus_clinic::ClinicError::invalid(format!(
                    "--out {}: the file already exists; choose a new name (an export never overwrites a file)",
                    out.display()
                )));
            }
            let id = tonus_clinic::records::parse_client_id(&client)?;
            let bytes =
                rt.block_on(async { Ok::<_, anyhow::Error>(open().await?.export(Actor::CONSOLE, id, format, "command line").await?) })?;
            write_new(&out, &bytes)?;
            println!("Exported client {client} to {} ({} bytes).", out.display(), bytes.len());
        }
        RecordsCommand::Import { file, owner } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let outcome = rt.block_on(async {
                let clinic = open().await?;
                let login = owner.trim().to_lowercase();
                let staff = |u: &tonus_store::User| u.login == login && !u.disabled && u.role != tonus_store::Role::Client;
                let user = clinic.store().users().await?.into_iter().find(staff).ok_or_else(|| {
                    tonus_clinic::ClinicError::invalid(format!(
                        "--owner {owner}: no active practitioner or administrator has that login; `tonus client list` shows owners"
                    ))
                })?;
                Ok::<_, anyhow::Error>(clinic.import_fhir(Actor::CONSOLE, user.id, &bytes).await.map_err(|e| {
                    let at = e.field.clone().map(|f| format!(" ({f})")).unwrap_or_default();
                    tonus_clinic::ClinicError { message: format!("{}: {}{at}", file.display(), e.message), ..e }
                })?)
            })?;
            println!("{}", import_text(&outcome));
        }
        RecordsCommand::Erase { client, yes } => {
            if !yes {
                bail!(tonus_clinic::ClinicError::invalid(format!(
                    "refusing to erase client {client} without --yes: erasure removes the whole record (assessments, photos, plans, \
                     notes, share links and the client's login) and cannot be undone; export it first with \
                     `tonus client export {client} --out FILE.zip` if it must be kept"
                )));
            }
            let id = tonus_clinic::records::parse_client_id(&client)?;
            let erased = rt.block_on(async { Ok::<_, anyhow::Error>(open().await?.erase(Actor::CONSOLE, id, "command line").await?) })?;
            println!(
                "Erased client {client}: {} assessments, {} photo files removed{}.",
                erased.assessments,
                erased.photo_files_removed,
                if erased.client_account_removed { ", and the client's login" } else { "" }
            );
        }
    }
    Ok(())
}

/// What an import stored and what it did not read.
fn import_text(o: &tonus_clinic::fhir::ImportOutcome) -> String {
    let mut out = format!(
        "Imported client {} ({}) from {}: {} assessments, {} photos",
        o.name,
        o.client,
        if o.from_tonus { "a Tonus Bundle" } else { "another system's Patient" },
        o.assessments,
        o.photos
    );
    if o.accounts_created > 0 {
        out.push_str(&format!(", {} staff accounts created disabled for the record's authors", o.accounts_created));
    }
    out.push('.');
    if !o.not_read.is_empty() {
        out.push_str(&format!("\nNot read ({}):", o.not_read_total));
        for p in &o.not_read {
            let at = if p.path.is_empty() { String::new() } else { format!(" {}", p.path) };
            let what = if p.resource.is_empty() { String::new() } else { format!("{}{at}: ", p.resource) };
            out.push_str(&format!("\n  {what}{}", p.message));
        }
    }
    out
}

/// The client list as an aligned table, or a hint when there are none.
fn list_text(clients: &[ClientSummary]) -> String {
    if clients.is_empty() {
        return "No clients yet.".into();
    }
    let name_w = clients.iter().map(|c| c.name.chars().count()).max().unwrap_or(4).max(4);
    let mut out =
        format!("{:<36}  {:<name_w$}  {:<12}  {:<12}  {:>11}  updated\n", "id", "name", "reference", "practitioner", "assessments");
    for c in clients {
        out.push_str(&format!(
            "{:<36}  {:<name_w$}  {:<12}  {:<12}  {:>11}  {}\n",
            c.id, c.name, c.reference, c.owner, c.assessments, c.updated
        ));
    }
    out.truncate(out.trim_end().len());
    out
}

/// Writes a new file durably (create-new, fsync), so a crash never leaves a half export under
/// the final name unnoticed and an existing file is never replaced.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
    }
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot flush {} to disk", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_clients_in_aligned_columns() {
        let row = |id: &str, name: &str| ClientSummary {
            id: id.parse().unwrap(),
            name: name.into(),
            reference: "demo".into(),
            owner: "demo".into(),
            assessments: 1,
            updated: "2026-11-24".into(),
        };
        let (a, b) = (tonus_store::ClientId::new().to_string(), tonus_store::ClientId::new().to_string());
        let text = list_text(&[row(&a, "Ann"), row(&b, "Bartholomew")]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("id "));
        assert_eq!(lines[1].find("demo"), lines[2].find("demo"), "{text}");
        assert_eq!(list_text(&[]), "No clients yet.");
    }
}
