//! Import of a FHIR R4 Bundle: a Bundle exported by Tonus comes back without loss (its
//! `tonus-record` document, with the photos' bytes from its Media); a Bundle from another
//! system gives a new client from its Patient (name, date of birth, phone, e-mail, an
//! identifier as the clinic's reference). Whatever is not read is reported by resource and
//! path, never dropped in silence; a Bundle that cannot be read at all is refused with the path
//! of the first problem, and nothing is stored.
//!
//! Staff named by an imported Tonus record who have no account here become disabled
//! practitioner accounts (`imported-<id>`, no password), so each assessment, correction, plan
//! edit and note keeps its author; the client belongs to whoever imports it. Left out on
//! purpose: merging into an existing client (an id already here is refused), and other
//! systems' clinical resources (Tonus cannot recompute its findings from them).

use std::collections::{BTreeSet, HashMap};

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use tonus_store::{ClientDetails, ClientId, ImportRecord, ImportedAccount, NewClient, Role, UserId};

use super::TONUS_SYSTEM;
use super::r4::{HumanName, Patient, Resource};
use super::record::{RECORD_FORMAT, RecordDocument};
use crate::audit::{Action, Event, RecordKind};
use crate::error::{ClinicError, ErrorKind};
use crate::{Actor, Clinic};

/// Something in the Bundle that was not read, by resource and path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// The resource: `Observation/…`; `entry[3]` (or `entry[3] (Observation)`) when its type or
    /// id is missing or not what FHIR allows; empty on the line that counts what was not listed.
    pub resource: String,
    /// The element inside it, such as `code.coding[0]`, or empty for the whole resource.
    pub path: String,
    /// What happened to it.
    pub message: String,
}

/// What an import stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// The new client's id.
    pub client: ClientId,
    /// The client's name.
    pub name: String,
    /// Whether the Bundle was Tonus's own (everything restored) or another system's (the
    /// Patient only).
    pub from_tonus: bool,
    /// Assessments stored.
    pub assessments: usize,
    /// Photos stored.
    pub photos: usize,
    /// Staff accounts created (disabled) for the record's authors.
    pub accounts_created: usize,
    /// What was not read: the first [`MAX_PROBLEMS`] one by one, then a line that counts the
    /// rest.
    pub not_read: Vec<Problem>,
    /// How many things were not read in all.
    pub not_read_total: usize,
}

fn b64(data: &str, resource: &str, path: &str) -> Result<Vec<u8>, ClinicError> {
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| ClinicError::field(format!("{resource}.{path}"), format!("{resource}: {path} is not base64 ({e})")))
}

/// The most problems an import reports one by one; the rest are counted in one more line.
/// A Bundle can hold any number of elements Tonus does not read, and the answer lists them.
pub const MAX_PROBLEMS: usize = 200;
/// The longest message of a problem, in characters (an error can quote the value it refused).
const MAX_PROBLEM_MESSAGE: usize = 300;

/// The problems of an import, one by one up to [`MAX_PROBLEMS`], then counted.
#[derive(Default)]
struct Problems {
    listed: Vec<Problem>,
    more: usize,
}

impl Problems {
    fn push(&mut self, resource: &str, path: impl Into<String>, message: impl Into<String>) {
        if self.listed.len() >= MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        let cut = |text: String| match text.char_indices().nth(MAX_PROBLEM_MESSAGE) {
            Some((at, _)) => format!("{}…", &text[..at]),
            None => text,
        };
        self.listed.push(Problem { resource: resource.to_owned(), path: cut(path.into()), message: cut(message.into()) });
    }

    fn total(&self) -> usize {
        self.listed.len() + self.more
    }

    fn into_list(mut self) -> Vec<Problem> {
        if self.more > 0 {
            self.listed.push(Problem {
                resource: String::new(),
                path: String::new(),
                message: format!("… and {} more not read, not listed one by one", self.more),
            });
        }
        self.listed
    }
}

/// How a Bundle entry is named in problems: `Type/id` when both are what FHIR allows (a
/// type name, an id of at most 64 letters, digits, `-` and `.`), else by its place in the
/// Bundle when known, else by its type.
fn entry_name(i: Option<usize>, kind: Option<&str>, id: Option<&str>) -> String {
    let kind = kind.filter(|k| !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_ascii_alphabetic()));
    let id = id.filter(|id| !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    match (kind, id, i) {
        (Some(kind), Some(id), _) => format!("{kind}/{id}"),
        (Some(kind), None, Some(i)) => format!("entry[{i}] ({kind})"),
        (Some(kind), None, None) => format!("{kind} (an id FHIR does not allow)"),
        (None, _, Some(i)) => format!("entry[{i}]"),
        (None, _, None) => "a resource".into(),
    }
}

/// The entries of a Bundle, each read as a resource Tonus knows or reported.
fn read_bundle(bytes: &[u8]) -> Result<(Vec<Resource>, Problems), ClinicError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ClinicError::invalid(format!("the file is not JSON: {e}")))?;
    match value.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => return Err(ClinicError::field("resourceType", format!("this is a FHIR {other}, not a Bundle"))),
        None => return Err(ClinicError::field("resourceType", "this is not a FHIR resource: it has no resourceType")),
    }
    let entries = match value.get("entry") {
        Some(Value::Array(entries)) => entries.as_slice(),
        Some(_) => return Err(ClinicError::field("Bundle.entry", "Bundle.entry is not a list")),
        None => &[],
    };
    let mut resources = Vec::new();
    let mut problems = Problems::default();
    for (i, entry) in entries.iter().enumerate() {
        let Some(resource) = entry.get("resource") else {
            problems.push(&format!("entry[{i}]"), "", "no resource: not read");
            continue;
        };
        let kind = resource.get("resourceType").and_then(Value::as_str);
        let name = entry_name(Some(i), kind, resource.get("id").and_then(Value::as_str));
        match serde_path_to_error::deserialize::<_, Resource>(resource) {
            Ok(r) => {
                // What Tonus has no element for is read past by serde: name it.
                if let Ok(back) = serde_json::to_value(&r) {
                    let mut lost = Vec::new();
                    lost_paths(resource, &back, "", &mut lost);
                    for path in lost {
                        problems.push(&name, path, "not read: Tonus has no place for it");
                    }
                }
                resources.push(r);
            }
            Err(e) if e.inner().to_string().contains("unknown variant") => {
                problems.push(&name, "", "not read; Tonus imports a Patient, and everything else only from its own Bundles")
            }
            Err(e) => problems.push(&name, error_path(&e), format!("not read: {}", e.inner())),
        }
    }
    Ok((resources, problems))
}

/// Where a resource failed to read; a missing element is named at its own path.
fn error_path(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let at = e.path().to_string();
    let at = if at == "." { String::new() } else { at };
    let message = e.inner().to_string();
    match message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        Some(field) if at.is_empty() => field.to_owned(),
        Some(field) => format!("{at}.{field}"),
        None => at,
    }
}

/// The paths present in `input` but not in `kept` (what reading it dropped).
fn lost_paths(input: &Value, kept: &Value, at: &str, out: &mut Vec<String>) {
    let join = |key: &str| if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") };
    match (input, kept) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => lost_paths(v, w, &join(k), out),
                    None => out.push(join(k)),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, v) in a.iter().enumerate() {
                match b.get(i) {
                    Some(w) => lost_paths(v, w, &format!("{at}[{i}]"), out),
                    None => out.push(format!("{at}[{i}]")),
                }
            }
        }
        _ => {}
    }
}

/// The longest name an imported author keeps, in characters, before its label.
const MAX_IMPORTED_NAME: usize = 100;

/// The most authors without an account here that one record may name.
const MAX_IMPORTED_AUTHORS: usize = 100;

/// How an author from another clinic is named here: the Bundle's name without control or
/// direction-changing characters, shortened and labelled as imported (once), so it cannot
/// pass for one of this clinic's own staff.
fn imported_name(name: Option<&String>) -> String {
    const LABEL: &str = " (imported)";
    // Control characters, and the format characters that hide or reorder text (soft hyphen,
    // zero-width characters, bidirectional marks and overrides, word joiner, BOM).
    let shown = |c: &char| {
        !c.is_control()
            && !matches!(*c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    let clean: String = name.map(|n| n.chars().filter(shown).collect()).unwrap_or_default();
    let clean = clean.trim();
    let clean = clean.strip_suffix(LABEL).unwrap_or(clean).trim();
    if clean.is_empty() {
        return "Imported practitioner".into();
    }
    format!("{}{LABEL}", clean.chars().take(MAX_IMPORTED_NAME).collect::<String>().trim_end())
}

/// A person's name as one line.
fn name_of(names: &[HumanName]) -> Option<String> {
    names.iter().find_map(|n| {
        n.text.clone().filter(|t| !t.trim().is_empty()).or_else(|| {
            let parts: Vec<&str> = n.given.iter().map(String::as_str).chain(n.family.as_deref()).filter(|s| !s.trim().is_empty()).collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
    })
}

impl Clinic {
    /// Imports a FHIR R4 Bundle as a new client owned by `owner` (see the module's notes).
    pub async fn import_fhir(&self, actor: Actor, owner: UserId, bytes: &[u8]) -> Result<ImportOutcome, ClinicError> {
        let (resources, mut not_read) = read_bundle(bytes)?;
        let patients: Vec<&Patient> = resources
            .iter()
            .filter_map(|r| match r {
                Resource::Patient(p) => Some(p),
                _ => None,
            })
            .collect();
        let patient = match patients.as_slice() {
            [one] => *one,
            [] => return Err(ClinicError::field("Bundle.entry", "the Bundle has no Patient that Tonus could read")),
            _ => return Err(ClinicError::field("Bundle.entry", "the Bundle holds several Patients; Tonus imports one client per Bundle")),
        };
        let record = resources.iter().find_map(|r| match r {
            Resource::DocumentReference(d)
                if d.kind.as_ref().is_some_and(|k| {
                    k.coding.iter().any(|c| c.system.as_deref() == Some(TONUS_SYSTEM) && c.code.as_deref() == Some("tonus-record"))
                }) =>
            {
                Some(d)
            }
            _ => None,
        });
        let mut outcome = match record {
            Some(doc) => {
                let resource = format!("DocumentReference/{}", doc.id);
                let data = doc.content.first().and_then(|c| c.attachment.data.as_deref()).ok_or_else(|| {
                    ClinicError::field(format!("{resource}.content[0].attachment.data"), format!("{resource} holds no record"))
                })?;
                let json = b64(data, &resource, "content[0].attachment.data")?;
                let record: RecordDocument =
                    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&json)).map_err(|e| {
                        ClinicError::field(
                            format!("{resource} record.{}", e.path()),
                            format!("the Tonus record does not read at {}: {}", e.path(), e.inner()),
                        )
                    })?;
                if record.format != RECORD_FORMAT {
                    return Err(ClinicError::field(
                        resource,
                        format!("a Tonus record of format {:?}; this Tonus reads {RECORD_FORMAT}", record.format),
                    ));
                }
                self.import_record(actor, owner, record, &resources).await?
            }
            None => {
                for r in resources.iter().filter(|r| !matches!(r, Resource::Patient(_))) {
                    not_read.push(
                        &entry_name(None, Some(r.type_name()), Some(r.id())),
                        "",
                        "not read: from another system's Bundle Tonus takes the Patient only",
                    );
                }
                self.import_patient(owner, patient, &mut not_read).await?
            }
        };
        outcome.not_read_total = not_read.total();
        outcome.not_read = not_read.into_list();
        let detail = if outcome.from_tonus { "fhir import, tonus record" } else { "fhir import, patient" };
        self.audit(actor, Event::new(Action::Create, RecordKind::Client, outcome.client).detail(detail)).await?;
        Ok(outcome)
    }

    /// The record's authors (assessors, landmark correctors, plan editors, note writers) as
    /// this clinic knows them: an author with no account here gets a disabled one; an earlier
    /// import's disabled account or the importer stays as it is. A record may name this
    /// clinic's other staff only when an administrator (or the console) imports it, such as a
    /// record exported and erased here; a client's account is never an author.
    async fn authors(
        &self,
        actor: Actor,
        record: &RecordDocument,
        names: &HashMap<String, String>,
    ) -> Result<Vec<ImportedAccount>, ClinicError> {
        let mut named: BTreeSet<UserId> = record.assessments.iter().map(|a| a.created_by).collect();
        named.extend(record.landmark_sets.iter().filter_map(|s| s.created_by));
        named.extend(record.plans.iter().filter_map(|p| p.edited_by));
        named.extend(record.notes.iter().map(|n| n.author));
        let users = self.store.users().await?;
        let trusted = match actor.0 {
            None => true,
            Some(id) => users.iter().any(|u| u.id == id && u.role == Role::Admin),
        };
        let mut accounts = Vec::new();
        for id in named {
            match users.iter().find(|u| u.id == id) {
                None => accounts.push(ImportedAccount { id, display_name: imported_name(names.get(&id.to_string())) }),
                Some(u) if Some(u.id) == actor.0 => {}
                Some(u) if u.disabled && u.login.starts_with("imported-") => {}
                Some(u) if u.role == Role::Client => {
                    return Err(ClinicError::invalid(format!(
                        "the record names {id} as the author of what it holds, which is a client's account in this clinic"
                    )));
                }
                Some(u) if !trusted => {
                    return Err(ClinicError::invalid(format!(
                        "the record names {} ({id}), an account of this clinic, as the author of what it holds; only an administrator may import a record written by this clinic's own staff",
                        u.display_name
                    )));
                }
                Some(_) => {}
            }
        }
        if accounts.len() > MAX_IMPORTED_AUTHORS {
            return Err(ClinicError::invalid(format!(
                "the record names {} authors without an account here; an import creates at most {MAX_IMPORTED_AUTHORS}",
                accounts.len()
            )));
        }
        Ok(accounts)
    }

    async fn import_record(
        &self,
        actor: Actor,
        owner: UserId,
        record: RecordDocument,
        resources: &[Resource],
    ) -> Result<ImportOutcome, ClinicError> {
        // Each photo once, checked before any image is decoded: a record naming one Media many
        // times must not decode it many times. So the images decoded are at most the Bundle's
        // own bytes.
        let mut seen = BTreeSet::new();
        if let Some(twice) = record.photos.iter().find(|p| !seen.insert(p.id)) {
            return Err(ClinicError::field(format!("Media/{}", twice.id), format!("the record names photo {} twice", twice.id)));
        }
        let mut medias = HashMap::new();
        for r in resources {
            if let Resource::Media(m) = r {
                medias.entry(m.id.as_str()).or_insert(m);
            }
        }
        let mut photos = Vec::new();
        for photo in &record.photos {
            let media = medias.get(photo.id.to_string().as_str());
            let resource = format!("Media/{}", photo.id);
            let data = media.and_then(|m| m.content.data.as_deref()).ok_or_else(|| {
                ClinicError::field(resource.clone(), format!("the record's photo {} has no Media with its image", photo.id))
            })?;
            photos.push((photo.clone(), b64(data, &resource, "content.data")?));
        }
        let names: HashMap<String, String> = resources
            .iter()
            .filter_map(|r| match r {
                Resource::Practitioner(p) => Some((p.id.clone(), name_of(&p.name).unwrap_or_default())),
                _ => None,
            })
            .collect();
        let accounts = self.authors(actor, &record, &names).await?;
        let client = tonus_store::Client { owner, user: None, ..record.client };
        let outcome = ImportOutcome {
            client: client.id,
            name: client.display_name.clone(),
            from_tonus: true,
            assessments: record.assessments.len(),
            photos: photos.len(),
            accounts_created: accounts.len(),
            not_read: Vec::new(),
            not_read_total: 0,
        };
        let import = ImportRecord {
            client,
            details: record.details,
            accounts,
            assessments: record.assessments,
            photos,
            landmark_sets: record.landmark_sets,
            reports: record.reports,
            plans: record.plans,
            notes: record.notes,
            desk_days: record.desk_days,
            exercise_ticks: record.exercise_ticks,
            pain_checkins: record.pain_checkins,
        };
        // The store answers Conflict when an id of the record is already here: the record was
        // imported before (or copied from one here). The answer does not say which id or whose
        // record holds it (the importer may not see that record).
        self.store.import_client(import).await.map_err(|e| match ClinicError::from(e) {
            e if e.kind == ErrorKind::Conflict => ClinicError::conflict(
                "some of the record's ids are already in this clinic, so it was imported here before (or copied from a record here); erase that record first to import it again",
            ),
            other => other,
        })?;
        Ok(outcome)
    }

    async fn import_patient(&self, owner: UserId, p: &Patient, not_read: &mut Problems) -> Result<ImportOutcome, ClinicError> {
        let resource = entry_name(None, Some("Patient"), Some(&p.id));
        let name = name_of(&p.name).ok_or_else(|| ClinicError::field(format!("{resource}.name"), format!("{resource} has no name")))?;
        // The first identifier with a value (other than a bare URI) becomes the clinic's
        // reference; the others are reported.
        let kept = p
            .identifier
            .iter()
            .position(|i| i.system.as_deref() != Some("urn:ietf:rfc:3986") && i.value.as_deref().is_some_and(|v| !v.trim().is_empty()));
        let reference = kept.and_then(|i| p.identifier[i].value.clone());
        for i in (0..p.identifier.len()).filter(|i| Some(*i) != kept) {
            not_read.push(&resource, format!("identifier[{i}]"), "not kept: Tonus keeps one reference per client");
        }
        let used_name = p.name.iter().position(|n| name_of(std::slice::from_ref(n)).is_some());
        for i in (0..p.name.len()).filter(|i| Some(*i) != used_name) {
            not_read.push(&resource, format!("name[{i}]"), "not kept: Tonus keeps one name");
        }
        if p.active.is_some() {
            not_read.push(&resource, "active", "not kept: an imported client is an active client");
        }
        let mut details = ClientDetails { date_of_birth: p.birth_date.clone(), ..ClientDetails::default() };
        for (i, t) in p.telecom.iter().enumerate() {
            match (t.system.as_deref(), &t.value) {
                (Some("phone"), Some(v)) if details.phone.is_empty() => details.phone = v.clone(),
                (Some("email"), Some(v)) if details.email.is_empty() => details.email = v.clone(),
                _ => not_read.push(&resource, format!("telecom[{i}]"), "not kept: Tonus keeps one phone number and one e-mail address"),
            }
        }
        if let Err(problem) = details.check() {
            not_read.push(&resource, "birthDate/telecom", format!("not kept: {problem}"));
            details = ClientDetails::default();
        }
        if p.gender.is_some() {
            not_read.push(&resource, "gender", "not kept: Tonus records sex on each assessment's intake, where norms use it");
        }
        if !p.general_practitioner.is_empty() {
            not_read.push(&resource, "generalPractitioner", "not kept: the client belongs to whoever imports it");
        }
        let client = self
            .store
            .create_client(NewClient { owner, display_name: name.clone(), reference: reference.clone(), shared_with_clinic: false })
            .await?;
        if details != ClientDetails::default()
            && let Err(e) = self.store.put_client_details(client.id, &details).await
        {
            // Nothing half-stored: the new client goes again.
            let _ = self.store.erase_client(client.id).await;
            return Err(e.into());
        }
        Ok(ImportOutcome {
            client: client.id,
            name,
            from_tonus: false,
            assessments: 0,
            photos: 0,
            accounts_created: 0,
            not_read: Vec::new(),
            not_read_total: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_names_are_plain_text_labelled_once() {
        let name = |n: &str| imported_name(Some(&n.to_owned()));
        assert_eq!(name("Dr Ann Lee"), "Dr Ann Lee (imported)");
        assert_eq!(name("Dr Ann Lee (imported)"), "Dr Ann Lee (imported)", "a record imported twice");
        assert_eq!(name("Demo\u{202e}rotcod\u{200b} \u{7}practitioner"), "Demorotcod practitioner (imported)");
        assert_eq!(name(" \u{feff} "), "Imported practitioner");
        assert_eq!(imported_name(None), "Imported practitioner");
        assert_eq!(name(&"x".repeat(500)).chars().count(), MAX_IMPORTED_NAME + " (imported)".len());
    }

    #[test]
    fn entries_are_named_by_a_fhir_id_or_their_place() {
        assert_eq!(entry_name(Some(3), Some("Observation"), Some("o-1.2")), "Observation/o-1.2");
        assert_eq!(entry_name(Some(3), Some("Observation"), Some(&"a".repeat(65))), "entry[3] (Observation)");
        assert_eq!(entry_name(Some(3), Some("Obs/ervation"), Some("o1")), "entry[3]");
        assert_eq!(entry_name(None, Some("Patient"), Some("has space")), "Patient (an id FHIR does not allow)");
        assert_eq!(entry_name(None, None, None), "a resource");
    }

    #[test]
    fn problems_are_listed_up_to_the_bound_then_counted() {
        let mut problems = Problems::default();
        for i in 0..MAX_PROBLEMS + 7 {
            problems.push("Patient/p", format!("k{i}"), "x".repeat(1_000));
        }
        assert_eq!(problems.total(), MAX_PROBLEMS + 7);
        let list = problems.into_list();
        assert_eq!(list.len(), MAX_PROBLEMS + 1);
        assert_eq!(list[0].message.chars().count(), MAX_PROBLEM_MESSAGE + 1, "cut, with an ellipsis");
        assert_eq!(list[MAX_PROBLEMS].message, "… and 7 more not read, not listed one by one");
    }
}
