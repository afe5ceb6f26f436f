//! Whole client records: list them with their ids, export one (JSON, or a ZIP with CSVs and
//! photos), erase one. Each export and erasure writes its audit line.
//!
//! Left out on purpose: who may do this (the web app checks access; whoever can run the
//! binary on the data directory already holds the whole database) and writing files (the
//! caller does, durably).

use serde::Serialize;
use tonus_store::{Client, ClientId, ClientQuery, Erasure};

use crate::audit::{Action, Event, RecordKind};
use crate::error::{ClinicError, ErrorKind};
use crate::{Actor, Clinic};

/// One line of the client list.
#[derive(Debug, Clone, Serialize)]
pub struct ClientSummary {
    /// The id to pass to `export` and `erase`.
    pub id: ClientId,
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

/// The form of an export (also the API's `format` parameter, by these names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// `client.json` alone: the whole record, lossless.
    Json,
    /// A ZIP archive with the JSON, one CSV per table and the photo files.
    Zip,
    /// One FHIR R4 Bundle (JSON) with the photos inside ([`crate::fhir`]).
    Fhir,
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

    /// Picks the format by name: `json`, `zip` or `fhir`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "json" => Some(Self::Json),
            "zip" => Some(Self::Zip),
            "fhir" => Some(Self::Fhir),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Zip => "zip",
            Self::Fhir => "fhir",
        }
    }
}

/// Reads a client id typed by a person; the error says where ids are listed.
pub fn parse_client_id(text: &str) -> Result<ClientId, ClinicError> {
    text.trim().parse().map_err(|_| ClinicError::invalid(format!("{text:?} is not a client id; `tonus client list` shows them")))
}

impl Clinic {
    /// A client by id; a missing one is named in the error.
    pub async fn client(&self, id: ClientId) -> Result<Client, ClinicError> {
        self.store.client(id).await.map_err(|err| match ClinicError::from(err) {
            e if e.kind == ErrorKind::NotFound => ClinicError::not_found(format!("no client has the id {id}")),
            other => other,
        })
    }

    /// Every client, by name, with the id to pass to `export` and `erase`.
    pub async fn list_clients(&self) -> Result<Vec<ClientSummary>, ClinicError> {
        let users = self.store.users().await?;
        let mut out = Vec::new();
        for client in self.store.clients(&ClientQuery::default()).await? {
            let assessments = self.store.assessments_for(client.id).await?.len();
            out.push(ClientSummary {
                id: client.id,
                owner: users.iter().find(|u| u.id == client.owner).map_or_else(String::new, |u| u.login.clone()),
                name: client.display_name,
                reference: client.reference.unwrap_or_default(),
                assessments,
                updated: crate::time::date(client.updated_at),
            });
        }
        Ok(out)
    }

    /// Exports a client's whole record; `via` (such as `command line`) goes into the audit
    /// line's detail.
    pub async fn export(&self, actor: Actor, client: ClientId, format: ExportFormat, via: &str) -> Result<Vec<u8>, ClinicError> {
        self.client(client).await?;
        let detail = if via.is_empty() { format.as_str().to_owned() } else { format!("{}, {via}", format.as_str()) };
        self.audit(actor, Event::new(Action::Export, RecordKind::Client, client).detail(detail)).await?;
        let export = self.store.export_client(client).await?;
        match format {
            ExportFormat::Json => crate::export::json_bytes(&export),
            ExportFormat::Zip => crate::export::archive(self.store.as_ref(), &export).await,
            ExportFormat::Fhir => {
                let mut bytes = serde_json::to_vec_pretty(&self.fhir_bundle(&export, true).await?)
                    .map_err(|e| ClinicError::engine(format!("cannot serialise the FHIR Bundle: {e}")))?;
                bytes.push(b'\n');
                Ok(bytes)
            }
        }
    }

    /// A client's record as a FHIR R4 Bundle for the read-only FHIR endpoint, audited as a
    /// view (`detail` says which request); `with_photos` puts the images into the Media.
    pub async fn fhir_record(
        &self,
        actor: Actor,
        client: ClientId,
        with_photos: bool,
        detail: &str,
    ) -> Result<crate::fhir::r4::Bundle, ClinicError> {
        self.client(client).await?;
        self.audit(actor, Event::new(Action::View, RecordKind::Client, client).detail(format!("fhir {detail}"))).await?;
        let export = self.store.export_client(client).await?;
        self.fhir_bundle(&export, with_photos).await
    }

    /// A record as a FHIR R4 Bundle, with the names of the staff it mentions and, when
    /// `with_photos`, the images. No audit line: the caller's use case writes it.
    async fn fhir_bundle(&self, export: &tonus_store::ClientExport, with_photos: bool) -> Result<crate::fhir::r4::Bundle, ClinicError> {
        let users = self.store.users().await?;
        let mut photos = std::collections::HashMap::new();
        for photo in export.photos.iter().filter(|_| with_photos) {
            let (_, bytes) = self.store.photo_bytes(photo.id).await?;
            photos.insert(photo.id, bytes);
        }
        crate::fhir::bundle(crate::fhir::Inputs { export, users: &users, photos: &photos })
    }

    /// Erases a client's whole record (rows, the linked client account and photo files no
    /// other record uses) and records the erasure.
    pub async fn erase(&self, actor: Actor, client: ClientId, via: &str) -> Result<Erasure, ClinicError> {
        self.client(client).await?;
        let erased = self.store.erase_client(client).await?;
        let mut detail = format!("{} assessments, {} photo files", erased.assessments, erased.photo_files_removed);
        if !via.is_empty() {
            detail.push_str(", ");
            detail.push_str(via);
        }
        self.audit(actor, Event::new(Action::Erase, RecordKind::Client, client).detail(detail)).await?;
        Ok(erased)
    }
}
