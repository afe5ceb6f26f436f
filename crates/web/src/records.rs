//! Whole-record operations outside the browser, for `tonus client list|export|erase`: list the
//! clients with their ids, export one as JSON or as a ZIP archive, erase one.
//!
//! Each call opens the configured store (running migrations), does one thing and records it
//! in the audit log with no actor and the detail `command line`, so an export or erasure made
//! at the server's console is as traceable as one made in the browser. Left out on purpose:
//! argv, confirmation prompts and writing files (the binary does those) and access control
//! (whoever can run the binary on the data directory already holds the whole database).

use std::sync::Arc;

use serde::Serialize;
use tonus_store::{ClientId, ClientQuery, Erasure, Store};

use crate::error::WebError;
use crate::serve::WebConfig;

/// One line of `tonus client list`.
#[derive(Debug, Clone, Serialize)]
pub struct ClientSummary {
    /// The id to pass to `export` and `erase`.
    pub id: String,
    /// The client's name.
    pub name: String,
    /// The clinic's reference, or empty.
    pub reference: String,
    /// The responsible practitioner's login.
    pub owner: String,
    /// How many assessments (drafts included) the record holds.
    pub assessments: usize,
    /// Last change, `YYYY-MM-DD`.
    pub updated: String,
}

/// The form of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `client.json` alone: the whole record, lossless.
    Json,
    /// A ZIP archive with the JSON, one CSV per table and the photo files.
    Zip,
}

impl ExportFormat {
    /// Picks the format from an output file name: `.zip` or `.json`.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("zip") => Some(Self::Zip),
            Some("json") => Some(Self::Json),
            _ => None,
        }
    }
}

async fn open(config: &WebConfig) -> Result<Arc<dyn Store>, WebError> {
    Ok(tonus_store::connect(&config.store_config()).await?)
}

fn client_id(text: &str) -> Result<ClientId, WebError> {
    text.trim().parse().map_err(|_| WebError::BadRequest(format!("client id {text:?} is not a client id; `tonus client list` shows them")))
}

/// A missing client is named by the id that was asked for.
fn not_found(id: &str) -> impl Fn(WebError) -> WebError + '_ {
    move |err| match err {
        WebError::NotFound => WebError::BadRequest(format!("no client has the id {id}; `tonus client list` shows them")),
        other => other,
    }
}

/// Every client, by name, with the id to pass to `export` and `erase`.
pub async fn list_clients(config: &WebConfig) -> Result<Vec<ClientSummary>, WebError> {
    let store = open(config).await?;
    let users = store.users().await?;
    let mut out = Vec::new();
    for client in store.clients(&ClientQuery::default()).await? {
        let assessments = store.assessments_for(client.id).await?.len();
        out.push(ClientSummary {
            id: client.id.to_string(),
            owner: users.iter().find(|u| u.id == client.owner).map_or_else(String::new, |u| u.login.clone()),
            name: client.display_name,
            reference: client.reference.unwrap_or_default(),
            assessments,
            updated: crate::format::date(client.updated_at),
        });
    }
    Ok(out)
}

/// Exports one client's record in the given format and records the export.
pub async fn export_client(config: &WebConfig, id: &str, format: ExportFormat) -> Result<Vec<u8>, WebError> {
    let client = client_id(id)?;
    let store = open(config).await?;
    store.client(client).await.map_err(WebError::from).map_err(not_found(id))?;
    let detail = match format {
        ExportFormat::Json => "json, command line",
        ExportFormat::Zip => "zip, command line",
    };
    crate::audit::record_on(store.as_ref(), None, "export", "client", &client.to_string(), detail).await?;
    let export = store.export_client(client).await?;
    match format {
        ExportFormat::Json => crate::export::json_bytes(&export),
        ExportFormat::Zip => crate::export::archive(store.as_ref(), &export).await,
    }
}

/// Erases one client's record (rows, the linked client account and photo files no other
/// record uses) and records the erasure.
pub async fn erase_client(config: &WebConfig, id: &str) -> Result<Erasure, WebError> {
    let client = client_id(id)?;
    let store = open(config).await?;
    let erased = store.erase_client(client).await.map_err(WebError::from).map_err(not_found(id))?;
    let detail = format!("{} assessments, {} photo files, command line", erased.assessments, erased.photo_files_removed);
    crate::audit::record_on(store.as_ref(), None, "erase", "client", &client.to_string(), &detail).await?;
    Ok(erased)
}
