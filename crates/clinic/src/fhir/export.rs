//! The mapping from a client's record to a FHIR R4 Bundle (see the module above for what
//! becomes what). Pure: the caller reads the record, the staff names and the photo bytes.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tonus_app::report::{
    ChangeView, ExerciseView, Finding, MassageView, MetricView, MuscleView, NdiView, NotMeasurableView, PhaseView, PhotoView, PlanView,
    Reading, ReasonView, Report, StatusView, TestReading, TestResult, TestView,
};
use tonus_core::knowledge::{Certainty, MeasureKind};
use tonus_core::vocab::{EvidenceKind, LandmarkSource, Laterality, MuscleState, Sex, Side, View};
use tonus_store::{Assessment, AssessmentStatus, ClientExport, LandmarkSet, Photo, PhotoId, Plan, User, UserId};

use super::r4::*;
use super::{
    ACTIVITY_COUNSELING, EXERCISE_THERAPY, LOINC, NDI_ITEMS, NDI_TOTAL, NPRS_NOW, SNOMED, TONUS_BASE, TONUS_SYSTEM, UCUM, body_site, ucum,
};
use crate::docs::{self, StoredReport};
use crate::error::ClinicError;
use crate::time::iso8601;

/// What the mapping reads besides the record.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The record.
    pub export: &'a ClientExport,
    /// The clinic's accounts, for the names of the staff the record mentions.
    pub users: &'a [User],
    /// Each photo's bytes.
    pub photos: &'a HashMap<PhotoId, Vec<u8>>,
}

const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const ABSENT: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
const PARTICIPANT: &str = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
const OPERATION: &str = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const MEDIA_TYPE: &str = "http://terminology.hl7.org/CodeSystem/media-type";
const URI_IDS: &str = "urn:ietf:rfc:3986";

/// The client's record as a Bundle of type `collection`.
pub fn bundle(inputs: Inputs<'_>) -> Result<Bundle, ClinicError> {
    let e = inputs.export;
    let mut b = Builder { inputs, entries: Vec::new(), codes: BTreeMap::new(), devices: BTreeMap::new() };
    b.patient();
    for user in staff(e) {
        b.practitioner(user);
    }
    let mut plans: Vec<&Plan> = e.plans.iter().collect();
    plans.sort_by_key(|p| p.created_at);
    let newest_complete = e.assessments.iter().filter(|a| a.status == AssessmentStatus::Complete).max_by_key(|a| a.completed_at);
    for a in &e.assessments {
        b.assessment(a, newest_complete.map(|n| n.id) == Some(a.id))?;
    }
    b.checkins();
    b.record_document()?;
    b.code_system();
    b.finish_devices();
    let mut entries = std::mem::take(&mut b.entries);
    entries.sort_by_key(|entry| order(&entry.resource));
    Ok(Bundle {
        resource_type: "Bundle".into(),
        id: derived_id(&format!("bundle:{}:{}", e.client.id, e.exported_at.0)),
        identifier: Some(Identifier {
            system: Some(URI_IDS.into()),
            value: Some(format!("urn:uuid:{}", derived_id(&format!("bundle:{}:{}", e.client.id, e.exported_at.0)))),
            kind: None,
        }),
        kind: "collection".into(),
        timestamp: Some(iso8601(e.exported_at)),
        total: None,
        link: Vec::new(),
        entry: entries,
    })
}

/// Resources in a reading order: who, then what was done, then what was concluded.
fn order(r: &Resource) -> u8 {
    match r {
        Resource::Patient(_) => 0,
        Resource::Practitioner(_) => 1,
        Resource::Device(_) => 2,
        Resource::Encounter(_) => 3,
        Resource::Media(_) => 4,
        Resource::DocumentReference(_) => 5,
        Resource::Provenance(_) => 6,
        Resource::QuestionnaireResponse(_) => 7,
        Resource::Observation(_) => 8,
        Resource::Goal(_) => 9,
        Resource::CarePlan(_) => 10,
        Resource::CodeSystem(_) => 11,
    }
}

/// The accounts a record mentions: the owner, assessors, correctors of landmarks, plan
/// editors and note authors, once each.
pub(crate) fn staff(e: &ClientExport) -> Vec<UserId> {
    let mut ids = vec![e.client.owner];
    ids.extend(e.assessments.iter().map(|a| a.created_by));
    ids.extend(e.landmark_sets.iter().filter_map(|s| s.created_by.or_else(|| corrector_in_audit(e, s))));
    ids.extend(e.plans.iter().filter_map(|p| p.edited_by));
    ids.extend(e.notes.iter().map(|n| n.author));
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(*id));
    ids
}

/// A UUID (version 8, name-based on SHA-256) for a resource the store has no id for.
pub fn derived_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn reference(id: &str, display: Option<String>) -> Reference {
    Reference { reference: Some(format!("urn:uuid:{id}")), display }
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn quantity(value: f64, unit: &str) -> Quantity {
    Quantity { value: Some(value), comparator: None, unit: Some(unit.into()), system: Some(UCUM.into()), code: Some(ucum(unit).into()) }
}

fn score(value: f64) -> Quantity {
    Quantity { value: Some(value), comparator: None, unit: Some("score".into()), system: Some(UCUM.into()), code: Some("{score}".into()) }
}

fn category(code: &str, display: &str) -> CodeableConcept {
    CodeableConcept::coded(Coding::new(CATEGORY, code, display))
}

fn side_concept(side: Side) -> CodeableConcept {
    match side {
        Side::Left => CodeableConcept::coded(Coding::new(SNOMED, "7771000", "Left")),
        Side::Right => CodeableConcept::coded(Coding::new(SNOMED, "24028007", "Right")),
    }
}

fn interpretation(finding: Option<Finding>) -> Vec<CodeableConcept> {
    let (code, display) = match finding {
        Some(Finding::BelowCutoff | Finding::BelowNorm) => ("L", "Low"),
        Some(Finding::AboveCutoff | Finding::AboveNorm) => ("H", "High"),
        Some(Finding::Within) => ("N", "Normal"),
        // Past no cut-off, but with no normal range to call it normal by.
        Some(Finding::NotBeyondCutoff) | None => return Vec::new(),
    };
    vec![CodeableConcept::coded(Coding::new(INTERPRETATION, code, display))]
}

fn certainty_label(c: Certainty) -> &'static str {
    match c {
        Certainty::Established => "Established: consistent evidence from reviews or validated instruments",
        Certainty::Convention => "Convention: widely taught, backed mainly by expert opinion or weak studies",
        Certainty::Contested => "Contested: studies conflict; never the sole basis of a conclusion",
    }
}

fn certainty_code(c: Certainty) -> &'static str {
    match c {
        Certainty::Established => "certainty-established",
        Certainty::Convention => "certainty-convention",
        Certainty::Contested => "certainty-contested",
    }
}

fn state_display(s: MuscleState) -> &'static str {
    match s {
        MuscleState::Overactive => "Overactive (tight)",
        MuscleState::Inhibited => "Inhibited (weak, lengthened)",
        MuscleState::Balanced => "Balanced",
    }
}

fn view_display(v: View) -> &'static str {
    match v {
        View::Front => "Front view",
        View::SideLeft => "Side view, left side toward the camera",
        View::SideRight => "Side view, right side toward the camera",
    }
}

struct Builder<'a> {
    inputs: Inputs<'a>,
    entries: Vec<Entry>,
    /// Tonus codes used: code → display.
    codes: BTreeMap<String, String>,
    /// Devices used: id → (name, version).
    devices: BTreeMap<String, (String, String)>,
}

/// What one assessment's resources refer to.
struct Ctx<'r> {
    assessment: &'r Assessment,
    encounter: Reference,
    date: String,
    assessor: Reference,
    /// `final` for a complete assessment, `preliminary` for a draft's.
    status: &'static str,
}

impl Builder<'_> {
    fn push(&mut self, resource: Resource) {
        let full_url = format!("urn:uuid:{}", resource.id());
        self.entries.push(Entry { full_url, resource, search: None });
    }

    /// A Tonus coding, recorded for the code system.
    fn tonus(&mut self, code: &str, display: &str) -> Coding {
        self.codes.entry(code.to_owned()).or_insert_with(|| display.to_owned());
        Coding::new(TONUS_SYSTEM, code, display)
    }

    fn tonus_concept(&mut self, code: &str, display: &str) -> CodeableConcept {
        CodeableConcept::coded(self.tonus(code, display))
    }

    fn patient_ref(&self) -> Reference {
        reference(&self.inputs.export.client.id.to_string(), Some(self.inputs.export.client.display_name.clone()))
    }

    fn user_name(&self, id: UserId) -> String {
        self.inputs.users.iter().find(|u| u.id == id).map_or_else(|| "a former account".to_owned(), |u| u.display_name.clone())
    }

    fn practitioner_ref(&self, id: UserId) -> Reference {
        reference(&id.to_string(), Some(self.user_name(id)))
    }

    fn device_ref(&mut self, key: &str, name: &str, version: &str) -> Reference {
        let id = derived_id(&format!("device:{key}:{version}"));
        self.devices.insert(id.clone(), (name.to_owned(), version.to_owned()));
        reference(&id, Some(if version.is_empty() { name.to_owned() } else { format!("{name} {version}") }))
    }

    fn engine_ref(&mut self, version: &str) -> Reference {
        self.device_ref("engine", "Tonus engine", version)
    }

    fn patient(&mut self) {
        let e = self.inputs.export;
        let c = &e.client;
        let mut identifier = vec![Identifier { system: Some(URI_IDS.into()), value: Some(format!("urn:uuid:{}", c.id)), kind: None }];
        if let Some(r) = c.reference.as_ref().filter(|r| !r.is_empty()) {
            identifier.push(Identifier {
                system: Some(format!("{TONUS_BASE}/sid/clinic-reference")),
                value: Some(r.clone()),
                kind: Some(CodeableConcept::text("The clinic's own reference")),
            });
        }
        let mut telecom = Vec::new();
        if !e.details.phone.is_empty() {
            telecom.push(ContactPoint { system: Some("phone".into()), value: Some(e.details.phone.clone()) });
        }
        if !e.details.email.is_empty() {
            telecom.push(ContactPoint { system: Some("email".into()), value: Some(e.details.email.clone()) });
        }
        let sex = e
            .assessments
            .iter()
            .filter_map(|a| a.intake.as_ref().and_then(|v| docs::intake(v, a.id).ok()).map(|i| (a.created_at, i.client.sex)))
            .max_by_key(|(at, _)| *at)
            .and_then(|(_, sex)| sex);
        let gender = sex.map(|s| match s {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unspecified => "unknown",
        });
        self.push(Resource::Patient(Patient {
            id: c.id.to_string(),
            identifier,
            active: Some(true),
            name: vec![HumanName { text: Some(c.display_name.clone()), ..HumanName::default() }],
            telecom,
            gender: gender.map(str::to_owned),
            birth_date: e.details.date_of_birth.clone(),
            general_practitioner: vec![self.practitioner_ref(c.owner)],
        }));
    }

    fn practitioner(&mut self, id: UserId) {
        let name = self.user_name(id);
        self.push(Resource::Practitioner(Practitioner {
            id: id.to_string(),
            identifier: vec![Identifier { system: Some(URI_IDS.into()), value: Some(format!("urn:uuid:{id}")), kind: None }],
            name: vec![HumanName { text: Some(name), ..HumanName::default() }],
        }));
    }

    fn finish_devices(&mut self) {
        let devices = std::mem::take(&mut self.devices);
        for (id, (name, version)) in devices {
            let kind = CodeableConcept::text(if name.starts_with("Tonus") {
                "Software: Tonus's analysis engine"
            } else {
                "Software: a pose model that places body landmarks on a photo"
            });
            self.push(Resource::Device(Device {
                id,
                device_name: vec![DeviceName { name, kind: "user-friendly-name".into() }],
                kind: Some(kind),
                version: if version.is_empty() { Vec::new() } else { vec![DeviceVersion { value: version }] },
            }));
        }
    }

    fn assessment(&mut self, a: &Assessment, newest: bool) -> Result<(), ClinicError> {
        let e = self.inputs.export;
        let intake = a.intake.as_ref().map(|v| docs::intake(v, a.id)).transpose()?;
        let assessed_on = intake.as_ref().map(|i| i.assessed_on.clone());
        let kind = self.tonus_concept("posture-assessment", "Posture and muscle-balance assessment");
        self.push(Resource::Encounter(Encounter {
            id: a.id.to_string(),
            identifier: vec![Identifier { system: Some(URI_IDS.into()), value: Some(format!("urn:uuid:{}", a.id)), kind: None }],
            status: match a.status {
                AssessmentStatus::Complete => "finished".into(),
                AssessmentStatus::Draft => "in-progress".into(),
            },
            class: Coding::new(ACT_CODE, "AMB", "ambulatory"),
            kind: vec![kind],
            subject: self.patient_ref(),
            participant: vec![EncounterParticipant { individual: Some(self.practitioner_ref(a.created_by)) }],
            period: Some(encounter_period(a, assessed_on.as_deref())),
        }));
        let report = e
            .reports
            .iter()
            .filter(|r| r.assessment == a.id)
            .max_by_key(|r| r.created_at)
            .map(|r| docs::report(&r.report, r.id).map(|s| (r, s)))
            .transpose()?
            .and_then(|(r, s)| match s {
                StoredReport::Current(report) => Some((r.engine_version.clone(), *report)),
                StoredReport::Outdated { .. } => None,
            });
        let date = intake.as_ref().map_or_else(|| crate::time::date(a.created_at), |i| i.assessed_on.clone());
        let ctx = Ctx {
            assessment: a,
            encounter: reference(&a.id.to_string(), None),
            date,
            assessor: self.practitioner_ref(a.created_by),
            status: if a.status == AssessmentStatus::Complete { "final" } else { "preliminary" },
        };

        let photos: Vec<&Photo> = e.photos.iter().filter(|p| p.assessment == a.id).collect();
        let sets: Vec<&LandmarkSet> = e.landmark_sets.iter().filter(|s| s.assessment == a.id).collect();
        let report_photos = report.as_ref().map_or(&[][..], |(_, r)| &r.photos[..]);
        let paired = pair_photos(&sets, report_photos)?;
        for photo in &photos {
            let view = paired.iter().find(|(_, s)| s.and_then(|s| s.photo) == Some(photo.id)).map(|(v, _)| *v);
            self.media(&ctx, photo, view);
        }
        for set in &sets {
            self.landmark_set(&ctx, set);
        }
        if let Some(intake) = &intake {
            self.outcomes(&ctx, intake, report.as_ref().map(|(_, r)| r));
        }
        if let Some((engine, report)) = &report {
            for (view, set) in &paired {
                self.metrics(&ctx, view, *set);
            }
            for test in &report.tests {
                self.test(&ctx, test);
            }
            self.red_flags(&ctx, report, engine);
            let muscles = self.muscles(&ctx, report, engine);
            if let Some(plan) = e.plans.iter().find(|p| p.assessment == a.id) {
                self.plans(&ctx, plan, report, engine, &muscles, newest)?;
            }
        }
        Ok(())
    }

    fn media(&mut self, ctx: &Ctx<'_>, photo: &Photo, view: Option<&PhotoView>) {
        let bytes = self.inputs.photos.get(&photo.id);
        let view_code = format!("view-{}", photo.view.as_str());
        let view_concept = self.tonus_concept(&view_code, view_display(photo.view));
        let kind = CodeableConcept::coded(Coding::new(MEDIA_TYPE, "image", "Image"));
        self.push(Resource::Media(Media {
            id: photo.id.to_string(),
            identifier: vec![Identifier {
                system: Some(format!("{TONUS_BASE}/sid/sha256")),
                value: Some(photo.content_hash.clone()),
                kind: Some(CodeableConcept::text("SHA-256 of the image's bytes")),
            }],
            status: "completed".into(),
            kind: Some(kind),
            view: Some(view_concept),
            subject: Some(self.patient_ref()),
            encounter: Some(ctx.encounter.clone()),
            created_date_time: Some(iso8601(photo.created_at)),
            width: view.map(|v| v.width).filter(|w| *w > 0),
            height: view.map(|v| v.height).filter(|h| *h > 0),
            content: Attachment {
                content_type: Some(photo.media_type.clone()),
                data: bytes.map(|b| base64(b)),
                size: u64::try_from(photo.byte_len).ok(),
                title: Some(format!("{} photo", photo.view.as_str())),
                creation: Some(iso8601(photo.created_at)),
            },
        }));
    }

    /// The landmark file as a DocumentReference, and who or what placed the points.
    fn landmark_set(&mut self, ctx: &Ctx<'_>, set: &LandmarkSet) {
        let id = set.id.to_string();
        let json = serde_json::to_vec(&set.landmarks).unwrap_or_default();
        let kind = self.tonus_concept("landmark-set", "Body landmarks on a photo (MediaPipe's 33 points, normalised), JSON");
        self.push(Resource::DocumentReference(DocumentReference {
            id: id.clone(),
            status: "current".into(),
            kind: Some(kind),
            subject: Some(self.patient_ref()),
            date: Some(iso8601(set.created_at)),
            description: Some(format!("Landmarks of the {} photo", set.view.map_or("detected-view", View::as_str))),
            content: vec![DocumentContent {
                attachment: Attachment {
                    content_type: Some("application/json".into()),
                    data: Some(base64(&json)),
                    size: u64::try_from(json.len()).ok(),
                    title: None,
                    creation: None,
                },
            }],
        }));
        let (activity, agent) = match set.source {
            LandmarkSource::Automatic => {
                let device = self.device_ref(&format!("pose:{}", set.model), &format!("Pose model {}", set.model), &set.model_version);
                (self.tonus_concept("landmarks-automatic", "Landmarks placed by a pose model"), device)
            }
            LandmarkSource::Manual if set.corrects.is_some() => {
                (self.tonus_concept("landmarks-corrected", "Landmarks corrected by hand"), self.corrector(set))
            }
            LandmarkSource::Manual => {
                let who = set.created_by.map_or_else(|| ctx.assessor.clone(), |u| self.practitioner_ref(u));
                (self.tonus_concept("landmarks-manual", "Landmarks placed by hand"), who)
            }
            LandmarkSource::Marker => {
                let who = set.created_by.map_or_else(|| ctx.assessor.clone(), |u| self.practitioner_ref(u));
                (self.tonus_concept("landmarks-marker", "Skin markers located on the photo"), who)
            }
        };
        let mut entity = Vec::new();
        if let Some(photo) = set.photo {
            entity.push(ProvenanceEntity { role: "source".into(), what: reference(&photo.to_string(), None) });
        }
        if let Some(original) = set.corrects {
            entity.push(ProvenanceEntity { role: "revision".into(), what: reference(&original.to_string(), None) });
        }
        let participant = if set.source == LandmarkSource::Automatic { "performer" } else { "author" };
        self.push(Resource::Provenance(Provenance {
            id: derived_id(&format!("provenance:landmarks:{id}")),
            target: vec![reference(&id, None)],
            recorded: iso8601(set.created_at),
            activity: Some(activity),
            agent: vec![ProvenanceAgent {
                kind: Some(CodeableConcept::coded(Coding::new(PARTICIPANT, participant, participant_display(participant)))),
                who: agent,
            }],
            entity,
        }));
    }

    /// The `side` component of an Observation made on one side (SNOMED left or right).
    fn side_component(&mut self, side: Side) -> ObservationComponent {
        let code = self.tonus_concept("side", "Side of the body");
        ObservationComponent { code, value_codeable_concept: Some(side_concept(side)), ..ObservationComponent::default() }
    }

    /// Where a measure measures, with the side in words for a test done on one side.
    fn site(&mut self, measure: &str, side: Option<Side>) -> Option<CodeableConcept> {
        let (code, name) = body_site(measure)?;
        let coding = self.tonus(code, name);
        let text = side.map_or_else(|| name.to_owned(), |s| format!("{name}, {}", s.as_str()));
        Some(CodeableConcept { coding: vec![coding], text: Some(text) })
    }

    /// Who corrected a set: as stored, else from the audit line that recorded it (sets stored
    /// before the store kept it).
    fn corrector(&self, set: &LandmarkSet) -> Reference {
        set.created_by
            .or_else(|| corrector_in_audit(self.inputs.export, set))
            .map_or_else(|| Reference { reference: None, display: Some("not recorded".into()) }, |u| self.practitioner_ref(u))
    }

    /// Tonus's own record, for a lossless import into another Tonus.
    fn record_document(&mut self) -> Result<(), ClinicError> {
        let e = self.inputs.export;
        let record = super::record::RecordDocument::of(e);
        let json =
            serde_json::to_vec(&record).map_err(|err| ClinicError::engine(format!("cannot serialise the record document: {err}")))?;
        let kind = self.tonus_concept("tonus-record", "Tonus's own record of the client, for a lossless transfer to another Tonus");
        self.push(Resource::DocumentReference(DocumentReference {
            id: derived_id(&format!("record:{}", e.client.id)),
            status: "current".into(),
            kind: Some(kind),
            subject: Some(self.patient_ref()),
            date: Some(iso8601(e.client.updated_at)),
            description: Some(
                "Tonus's own record of this client (intake, reports, plans, landmark files and notes as stored), \
                 for an import into another Tonus without loss; other systems can ignore it."
                    .into(),
            ),
            content: vec![DocumentContent {
                attachment: Attachment {
                    content_type: Some("application/json".into()),
                    data: Some(base64(&json)),
                    size: u64::try_from(json.len()).ok(),
                    title: Some(super::record::RECORD_FORMAT.into()),
                    creation: None,
                },
            }],
        }));
        Ok(())
    }

    fn observation(&self, ctx: &Ctx<'_>, id: String, code: CodeableConcept, category: CodeableConcept) -> Observation {
        Observation {
            id,
            status: ctx.status.into(),
            category: vec![category],
            code,
            subject: Some(self.patient_ref()),
            encounter: Some(ctx.encounter.clone()),
            effective_date_time: Some(ctx.date.clone()),
            ..Observation::default()
        }
    }

    fn outcomes(&mut self, ctx: &Ctx<'_>, intake: &tonus_app::intake::Intake, report: Option<&Report>) {
        let aid = ctx.assessment.id;
        let survey = || category("survey", "Survey");
        if let Some(ndi) = &intake.outcomes.ndi {
            let qr_id = derived_id(&format!("ndi:{aid}"));
            let names = tonus_core::knowledge::KnowledgeBase::embedded().ok();
            let item = NDI_ITEMS
                .iter()
                .filter_map(|(id, loinc)| {
                    let answer = ndi.get(*id)?;
                    let text = names.as_ref().and_then(|kb| kb.outcomes().ndi.items.iter().find(|i| i.id == *id).map(|i| i.name.clone()));
                    Some(QuestionnaireItem {
                        link_id: (*loinc).to_owned(),
                        definition: None,
                        text,
                        answer: vec![QuestionnaireAnswer { value_integer: Some(i64::from(*answer)), ..QuestionnaireAnswer::default() }],
                    })
                })
                .collect();
            self.push(Resource::QuestionnaireResponse(QuestionnaireResponse {
                id: qr_id.clone(),
                questionnaire: None,
                status: if ctx.status == "final" { "completed".into() } else { "in-progress".into() },
                subject: Some(self.patient_ref()),
                encounter: Some(ctx.encounter.clone()),
                authored: Some(ctx.date.clone()),
                item,
            }));
            if let Some(NdiView::Scored { score: total, percent, answered, prorated, band, .. }) =
                report.and_then(|r| r.outcomes.ndi.clone())
            {
                let code = CodeableConcept::coded(Coding::new(LOINC, NDI_TOTAL, "Total score [NDI]"));
                let mut obs = self.observation(ctx, derived_id(&format!("ndi-total:{aid}")), code, survey());
                obs.value_quantity = Some(score(total));
                obs.derived_from = vec![reference(&qr_id, None)];
                obs.note = vec![Annotation {
                    text: format!(
                        "{total} of 50 points ({percent} %), {band} disability band; {answered} of 10 items answered{}.",
                        if prorated { ", prorated for the missing items" } else { "" }
                    ),
                    ..Annotation::default()
                }];
                self.push(Resource::Observation(obs));
            }
        }
        if let Some(nprs) = &intake.outcomes.nprs {
            let ratings = [
                (nprs.now, Coding::new(LOINC, NPRS_NOW, "Pain severity - 0-10 verbal numeric rating [Score] - Reported"), "now"),
                (nprs.worst_24h, self.tonus("nprs-worst-24h", "Worst pain in the last 24 hours, 0-10 numeric rating"), "worst-24h"),
                (
                    nprs.average_week,
                    self.tonus("nprs-average-week", "Average pain over the past week, 0-10 numeric rating"),
                    "average-week",
                ),
            ];
            for (value, coding, key) in ratings {
                let Some(value) = value else { continue };
                let mut obs = self.observation(ctx, derived_id(&format!("nprs-{key}:{aid}")), CodeableConcept::coded(coding), survey());
                obs.value_integer = Some(value.round() as i64);
                self.push(Resource::Observation(obs));
            }
        }
        if let Some(psfs) = &intake.outcomes.psfs {
            let code = self.tonus_concept("psfs-mean", "Patient-Specific Functional Scale, mean (0 unable - 10 as before)");
            let mut obs = self.observation(ctx, derived_id(&format!("psfs:{aid}")), code, survey());
            if let Some(view) = report.and_then(|r| r.outcomes.psfs.as_ref()) {
                obs.value_quantity = Some(score(view.mean));
            }
            let version = self.tonus_concept(
                &format!("psfs-version-{}", psfs.version.as_str()),
                match psfs.version {
                    tonus_core::vocab::PsfsVersion::V1 => "PSFS as published: 0 unable, 10 as before",
                    tonus_core::vocab::PsfsVersion::V2 => "PSFS 2.0: 0 as before, 10 unable",
                },
            );
            let version_code = self.tonus_concept("psfs-version", "PSFS form version");
            obs.component.push(ObservationComponent {
                code: version_code,
                value_codeable_concept: Some(version),
                ..ObservationComponent::default()
            });
            for item in &psfs.items {
                let code = self.tonus("psfs-activity", "PSFS activity, score as written on the form");
                obs.component.push(ObservationComponent {
                    code: CodeableConcept { coding: vec![code], text: Some(item.activity.clone()) },
                    value_integer: Some(item.score.round() as i64),
                    ..ObservationComponent::default()
                });
            }
            self.push(Resource::Observation(obs));
        }
    }

    /// A photo's metrics; `set` is the landmark set the report measured, when the report's
    /// photo is matched to it by name.
    fn metrics(&mut self, ctx: &Ctx<'_>, photo: &PhotoView, set: Option<&LandmarkSet>) {
        let method = self.landmark_method(photo, set);
        for m in &photo.metrics {
            let absent = match &m.reading {
                Reading::NotMeasurable { cause } if cause.is_wrong_view() => continue,
                Reading::NotMeasurable { cause } => Some(cause),
                Reading::Measured { .. } => None,
            };
            let code = self.tonus_concept(&format!("metric-{}", m.id), &m.name);
            let id = match set {
                Some(set) => derived_id(&format!("metric:{}:{}", set.id, m.id)),
                None => derived_id(&format!("metric:{}:{}:{}", ctx.assessment.id, photo.file, m.id)),
            };
            let mut obs = self.observation(ctx, id, code, category("exam", "Exam"));
            obs.method = Some(method.clone());
            obs.body_site = self.site(&m.id, None);
            obs.reference_range = vec![ReferenceRange { text: Some(m.norm.clone()) }];
            if let Some(set) = set {
                obs.derived_from = set.photo.map(|p| reference(&p.to_string(), None)).into_iter().collect();
                obs.derived_from.push(reference(&set.id.to_string(), None));
            }
            obs.note = metric_notes(m);
            match &m.reading {
                Reading::Measured { value, finding, sign_means, asymmetry } => {
                    obs.value_quantity = Some(quantity(*value, &m.unit));
                    obs.interpretation = interpretation(*finding);
                    if let Some(words) = sign_means {
                        obs.note.push(Annotation { text: format!("Sign: {words}."), ..Annotation::default() });
                    }
                    if let Some(a) = asymmetry {
                        obs.note
                            .push(Annotation { text: format!("Asymmetry: {}.", tonus_app::words::asymmetry(a)), ..Annotation::default() });
                    }
                }
                Reading::NotMeasurable { .. } => {
                    let (code, display) = match absent {
                        Some(NotMeasurableView::NoFormula) => ("unsupported", "Unsupported"),
                        _ => ("unknown", "Unknown"),
                    };
                    let cause = absent.map(tonus_app::words::not_measurable).unwrap_or_default();
                    obs.data_absent_reason = Some(CodeableConcept {
                        coding: vec![Coding::new(ABSENT, code, display)],
                        text: Some(format!("Not measurable on this photo: {cause}")),
                    });
                }
            }
            self.push(Resource::Observation(obs));
        }
    }

    /// How a photo's landmarks were placed: automatic with model and version, or by hand.
    fn landmark_method(&mut self, photo: &PhotoView, set: Option<&LandmarkSet>) -> CodeableConcept {
        let model = photo.model.clone().or_else(|| set.map(|s| s.model.clone())).unwrap_or_default();
        let version = photo.model_version.clone().or_else(|| set.map(|s| s.model_version.clone())).unwrap_or_default();
        let corrects = set.and_then(|s| s.corrects);
        let (code, display, text) = match (photo.landmark_source, corrects) {
            (LandmarkSource::Automatic, _) => (
                "landmarks-automatic",
                "Landmarks placed by a pose model",
                format!("Measured on landmarks placed automatically by {model} {version}"),
            ),
            (LandmarkSource::Manual, Some(_)) => (
                "landmarks-corrected",
                "Landmarks corrected by hand",
                format!("Measured on landmarks of {model} {version}, corrected by hand"),
            ),
            (LandmarkSource::Manual, None) => {
                ("landmarks-manual", "Landmarks placed by hand", "Measured on landmarks placed by hand".into())
            }
            (LandmarkSource::Marker, _) => {
                ("landmarks-marker", "Skin markers located on the photo", "Measured on skin markers located on the photo".into())
            }
        };
        CodeableConcept { coding: vec![self.tonus(code, display)], text: Some(text) }
    }

    fn test(&mut self, ctx: &Ctx<'_>, t: &TestView) {
        let readings: Vec<(Option<Side>, &TestReading)> = match &t.result {
            TestResult::Whole { reading } => vec![(None, reading)],
            TestResult::Sided { left, right } => {
                [(Side::Left, left), (Side::Right, right)].into_iter().filter_map(|(s, r)| r.as_ref().map(|r| (Some(s), r))).collect()
            }
        };
        for (side, reading) in readings {
            let code = self.tonus_concept(&format!("test-{}", t.id), &t.name);
            let key = side.map_or("whole", Side::as_str);
            let id = derived_id(&format!("test:{}:{}:{key}", ctx.assessment.id, t.id));
            let mut obs = self.observation(ctx, id, code, category("exam", "Exam"));
            obs.performer = vec![ctx.assessor.clone()];
            obs.method = Some(CodeableConcept { coding: vec![self.tonus("by-hand", "Performed by the therapist")], text: None });
            obs.value_quantity = Some(quantity(reading.value, &t.unit));
            obs.interpretation = interpretation(reading.finding);
            obs.reference_range = vec![ReferenceRange { text: Some(t.norm.clone()) }];
            obs.body_site = self.site(&t.id, side);
            if let Some(side) = side {
                obs.component.push(self.side_component(side));
            }
            if let Some(label) = &reading.label {
                obs.note.push(Annotation { text: format!("Read as: {label}."), ..Annotation::default() });
            }
            obs.note.push(certainty_note(t.certainty, t.real_change, &t.sources));
            self.push(Resource::Observation(obs));
        }
    }

    fn red_flags(&mut self, ctx: &Ctx<'_>, report: &Report, engine: &str) {
        let rf = &report.red_flags;
        let code = self.tonus_concept("red-flag-screen", "Red-flag screen");
        let value = self.tonus_concept(
            &format!("red-flag-screen-{}", rf.status.as_str()),
            match rf.status {
                tonus_core::vocab::GateStatus::Clear => "Clear: every item answered no",
                tonus_core::vocab::GateStatus::Cleared => "Cleared: every positive item has a medical clearance",
                tonus_core::vocab::GateStatus::Positive => "Positive: refer; no plan and no muscle explanation",
                tonus_core::vocab::GateStatus::Incomplete => "Incomplete: items unanswered; no plan until answered",
            },
        );
        let mut obs = self.observation(ctx, derived_id(&format!("red-flags:{}", ctx.assessment.id)), code, category("survey", "Survey"));
        obs.value_codeable_concept = Some(value);
        obs.device = Some(self.engine_ref(engine));
        for flag in &rf.positive {
            let item = self.tonus_concept("red-flag-positive", "Positive red-flag item");
            obs.component.push(ObservationComponent {
                code: item,
                value_string: Some(format!("{}: {} ({})", flag.category_name, flag.question, flag.advice)),
                ..ObservationComponent::default()
            });
        }
        self.push(Resource::Observation(obs));
    }

    /// One Observation per muscle and side with a state: `final` when found on the body,
    /// `preliminary` when only suspected. Returns the found ones: (muscle id, side, reference).
    fn muscles(&mut self, ctx: &Ctx<'_>, report: &Report, engine: &str) -> Vec<(String, Side, Reference)> {
        let mut out = Vec::new();
        let Some(story) = &report.story else { return out };
        for m in &story.muscles {
            for side in [Side::Left, Side::Right] {
                let (state, confidence, found, basis) = match m.side(side) {
                    StatusView::Found { state, confidence } => (*state, *confidence, true, Vec::new()),
                    StatusView::Suspected { state, confidence, basis } => (*state, *confidence, false, basis.clone()),
                    StatusView::Unknown { .. } => continue,
                };
                let id = derived_id(&format!("muscle:{}:{}:{}", ctx.assessment.id, m.id, side.as_str()));
                let code = self.tonus_concept("muscle-state", "Muscle state, inferred from the evidence trail (not a diagnosis)");
                let mut obs = self.observation(ctx, id.clone(), code, CodeableConcept::default());
                if !found {
                    obs.status = "preliminary".into();
                }
                obs.category = vec![self.tonus_concept("inferred", "Inferred by Tonus's rules")];
                obs.value_codeable_concept = Some(self.tonus_concept(&format!("state-{}", state.as_str()), state_display(state)));
                let site = self.tonus(&format!("muscle-{}", m.id), &m.name);
                obs.body_site = Some(CodeableConcept { coding: vec![site], text: Some(format!("{}, {}", m.name, side.as_str())) });
                obs.method = Some(if found {
                    self.tonus_concept("inference-found", "Found on the body: tests, palpation or photos")
                } else {
                    let basis: Vec<&str> = basis.iter().map(|b| evidence_words(*b)).collect();
                    let mut c =
                        self.tonus_concept("inference-suspected", "Suspected from exposure, symptoms or contested findings; not a finding");
                    c.text = Some(format!("Suspected from {}; not a finding", basis.join(" and ")));
                    c
                });
                obs.device = Some(self.engine_ref(engine));
                obs.component.push(self.side_component(side));
                let conf = self.tonus_concept("confidence", "Confidence, 0-1 (lead over the other states)");
                obs.component.push(ObservationComponent {
                    code: conf,
                    value_quantity: Some(quantity(confidence, "1")),
                    ..ObservationComponent::default()
                });
                if let Some(c) = weakest_certainty(m, state, side, found) {
                    let code = self.tonus_concept("certainty", "Certainty of the weakest evidence behind it");
                    let value = self.tonus_concept(certainty_code(c), certainty_label(c));
                    obs.component.push(ObservationComponent {
                        code,
                        value_codeable_concept: Some(value),
                        ..ObservationComponent::default()
                    });
                }
                obs.note = evidence_notes(m, side);
                self.push(Resource::Observation(obs));
                if found {
                    out.push((m.id.clone(), side, reference(&id, Some(format!("{} {}, {}", m.name, side.as_str(), state.as_str())))));
                }
            }
        }
        out
    }

    fn plans(
        &mut self,
        ctx: &Ctx<'_>,
        plan: &Plan,
        report: &Report,
        engine: &str,
        muscles: &[(String, Side, Reference)],
        newest: bool,
    ) -> Result<(), ClinicError> {
        let Some(engine_plan) = report.plan.as_ref().filter(|_| !report.red_flags.plan_blocked) else { return Ok(()) };
        let goals = self.goals(ctx, report, engine_plan, newest);
        let edited = plan
            .edited_plan
            .as_ref()
            .map(|v| docs::plan(v, &format!("the edited plan of assessment {}", ctx.assessment.id)))
            .transpose()?;
        let proposal_id = plan.id.to_string();
        // An earlier assessment's plan was followed by a reassessment; whether it was carried
        // out is not on record.
        let status = if newest { "active" } else { "unknown" };
        let engine_author = self.engine_ref(engine);
        let links = PlanLinks { goals: &goals, muscles, activity_status: if newest { "scheduled" } else { "unknown" } };
        let mut proposal =
            self.care_plan(ctx, &proposal_id, engine_plan, if edited.is_some() { "revoked" } else { status }, engine_author, &links);
        proposal.intent = if edited.is_some() { "proposal".into() } else { "plan".into() };
        proposal.created = Some(iso8601(plan.created_at));
        if let Some(from) = plan.carried_from {
            proposal.note.push(Annotation { text: format!("Carried forward from assessment {from}."), ..Annotation::default() });
        }
        self.push(Resource::CarePlan(proposal));
        if let Some(edited) = &edited {
            let editor = plan
                .edited_by
                .map_or_else(|| Reference { reference: None, display: Some("not recorded".into()) }, |u| self.practitioner_ref(u));
            let id = derived_id(&format!("plan-edit:{}", plan.id));
            let mut cp = self.care_plan(ctx, &id, edited, status, editor.clone(), &links);
            cp.replaces = vec![reference(&proposal_id, None)];
            cp.created = plan.edited_at.map(iso8601);
            self.push(Resource::CarePlan(cp));
            let activity = CodeableConcept::coded(Coding::new(OPERATION, "UPDATE", "revise"));
            self.push(Resource::Provenance(Provenance {
                id: derived_id(&format!("provenance:plan-edit:{}", plan.id)),
                target: vec![reference(&id, None)],
                recorded: iso8601(plan.edited_at.unwrap_or(plan.created_at)),
                activity: Some(activity),
                agent: vec![ProvenanceAgent {
                    kind: Some(CodeableConcept::coded(Coding::new(PARTICIPANT, "author", "Author"))),
                    who: editor,
                }],
                entity: vec![ProvenanceEntity { role: "revision".into(), what: reference(&proposal_id, None) }],
            }));
        }
        Ok(())
    }

    fn goals(&mut self, ctx: &Ctx<'_>, report: &Report, plan: &PlanView, newest: bool) -> Vec<Reference> {
        let aid = ctx.assessment.id;
        // An earlier plan's goals are no longer sought: a reassessment set new ones.
        let lifecycle = if newest { "active" } else { "completed" };
        let mut goals = Vec::new();
        let due = Some(plan.review_outcomes_on.clone());
        let mut add = |b: &mut Self, key: &str, description: String, measure: Coding, target: Quantity, baseline: &str| {
            let id = derived_id(&format!("goal:{aid}:{key}"));
            b.push(Resource::Goal(Goal {
                id: id.clone(),
                lifecycle_status: lifecycle.into(),
                description: CodeableConcept::text(description),
                subject: b.patient_ref(),
                start_date: Some(ctx.date.clone()),
                target: vec![GoalTarget {
                    measure: Some(CodeableConcept::coded(measure)),
                    detail_quantity: Some(target),
                    due_date: due.clone(),
                }],
                addresses: vec![reference(baseline, None)],
                note: Vec::new(),
            }));
            goals.push(reference(&id, None));
        };
        if let Some(NdiView::Scored { score: s, meaningful_change, .. }) = &report.outcomes.ndi
            && *s >= *meaningful_change
        {
            let mut q = score(s - meaningful_change);
            q.comparator = Some("<=".into());
            let text =
                format!("Neck disability (NDI) down by at least {meaningful_change} points, a change likely to matter, from {s} of 50");
            add(self, "ndi", text, Coding::new(LOINC, NDI_TOTAL, "Total score [NDI]"), q, &derived_id(&format!("ndi-total:{aid}")));
        }
        if let Some(nprs) = &report.outcomes.nprs
            && let Some(now) = nprs.now.map(f64::from).filter(|n| *n >= nprs.meaningful_change)
        {
            let mut q = score(now - nprs.meaningful_change);
            q.comparator = Some("<=".into());
            let text = format!("Pain now (0-10) down by at least {} points, a change likely to matter, from {now}", nprs.meaningful_change);
            let code = Coding::new(LOINC, NPRS_NOW, "Pain severity - 0-10 verbal numeric rating [Score] - Reported");
            add(self, "nprs", text, code, q, &derived_id(&format!("nprs-now:{aid}")));
        }
        if let Some(psfs) = &report.outcomes.psfs
            && psfs.mean + psfs.real_change <= 10.0
        {
            let mut q = score(psfs.mean + psfs.real_change);
            q.comparator = Some(">=".into());
            let text = format!(
                "Chosen activities (PSFS mean) up by at least {} points, more than measurement error, from {}",
                psfs.real_change, psfs.mean
            );
            let code = self.tonus("psfs-mean", "Patient-Specific Functional Scale, mean (0 unable - 10 as before)");
            add(self, "psfs", text, code, q, &derived_id(&format!("psfs:{aid}")));
        }
        goals
    }

    /// One plan as a CarePlan: an activity per massage, exercise, exposure change and test to
    /// do, each linked to the goals and the muscles it treats.
    fn care_plan(&mut self, ctx: &Ctx<'_>, id: &str, plan: &PlanView, status: &str, author: Reference, links: &PlanLinks<'_>) -> CarePlan {
        let start = plan.phases.first().map(|p| p.starts.clone()).unwrap_or_else(|| ctx.date.clone());
        let end = plan.phases.last().map(|p| p.ends.clone());
        let mut activity = Vec::new();
        if let Some(massage) = &plan.massage {
            activity.push(self.massage_activity(massage, &start, links));
        }
        for phase in &plan.phases {
            for ex in &phase.exercises {
                activity.push(self.exercise_activity(phase, ex, links));
            }
        }
        for change in &plan.exposure_changes {
            activity.push(self.exposure_activity(change, links));
        }
        for test in &plan.tests_to_do {
            let code = self.tonus_concept("test-to-do", "A test to do at the next visit, to settle a muscle's state");
            activity.push(activity_of(CarePlanActivityDetail {
                code: Some(code),
                status: links.activity_status.into(),
                performer: vec![ctx.assessor.clone()],
                description: Some(format!("{}: would settle {}", test.name, test.muscles.join(", "))),
                ..CarePlanActivityDetail::default()
            }));
        }
        let (kind, kind_words) = match plan.kind {
            tonus_core::plan::PlanKind::Corrective => ("plan-corrective", "Corrective plan: massage and exercises for the muscles found"),
            tonus_core::plan::PlanKind::ExposureOnly => {
                ("plan-exposure-only", "Exposure plan: nothing found on the body; advice and tests to do")
            }
            tonus_core::plan::PlanKind::Maintenance => ("plan-maintenance", "Maintenance plan: outcome measures within normal"),
        };
        let category = self.tonus_concept(kind, kind_words);
        CarePlan {
            id: id.to_owned(),
            replaces: Vec::new(),
            status: status.into(),
            intent: "plan".into(),
            category: vec![category],
            title: Some("Massage and corrective-exercise plan".into()),
            description: None,
            subject: self.patient_ref(),
            encounter: Some(ctx.encounter.clone()),
            period: Some(Period { start: Some(start), end }),
            created: None,
            author: Some(author),
            supporting_info: links.muscles.iter().map(|(_, _, r)| r.clone()).collect(),
            goal: links.goals.to_vec(),
            activity,
            note: plan_notes(plan),
        }
    }

    /// The massage: a service request per week count, from the plan's start.
    fn massage_activity(&mut self, massage: &MassageView, start: &str, links: &PlanLinks<'_>) -> CarePlanActivity {
        let targets: Vec<String> =
            massage.targets.iter().map(|t| format!("{} ({}): {}", t.muscle_name, t.laterality.as_str(), t.techniques.join(", "))).collect();
        let (frequency, period) = per_weeks(massage.sessions_per_week);
        activity_of(CarePlanActivityDetail {
            kind: Some("ServiceRequest".into()),
            code: Some(self.tonus_concept("massage", "Massage therapy")),
            reason_reference: massage.targets.iter().flat_map(|t| muscle_refs(links.muscles, &t.muscle, t.laterality)).collect(),
            reason_code: Vec::new(),
            goal: links.goals.to_vec(),
            status: links.activity_status.into(),
            scheduled_timing: Some(Timing {
                repeat: Some(TimingRepeat {
                    bounds_period: Some(Period { start: Some(start.to_owned()), end: None }),
                    frequency: Some(frequency),
                    period: Some(period),
                    period_unit: Some("wk".into()),
                }),
                code: Some(CodeableConcept::text(format!(
                    "{} minutes, {} a week for {} weeks",
                    massage.session_min, massage.sessions_per_week, massage.weeks
                ))),
            }),
            performer: Vec::new(),
            description: Some(with_cautions(
                format!("Massage of {}. {} {}", targets.join("; "), massage.rationale, evidence(massage.certainty, &massage.sources)),
                massage.targets.iter().flat_map(|t| t.cautions.iter()),
            )),
        })
    }

    /// One exercise of a phase: the client does it, over the phase's dates.
    fn exercise_activity(&mut self, phase: &PhaseView, ex: &ExerciseView, links: &PlanLinks<'_>) -> CarePlanActivity {
        let mut code = self.tonus_concept(&format!("exercise-{}", ex.id), &ex.name);
        code.coding.push(Coding::new(SNOMED, EXERCISE_THERAPY.0, EXERCISE_THERAPY.1));
        let (reason_reference, reason_code) = match &ex.reason {
            ReasonView::Finding { muscles: for_muscles } => {
                (for_muscles.iter().flat_map(|f| muscle_refs(links.muscles, &f.muscle, f.laterality)).collect(), Vec::new())
            }
            ReasonView::Always => (Vec::new(), vec![CodeableConcept::text("Part of every plan in this phase")]),
            ReasonView::Noted { text } => (Vec::new(), vec![CodeableConcept::text(text.clone())]),
        };
        activity_of(CarePlanActivityDetail {
            kind: Some("ServiceRequest".into()),
            code: Some(code),
            reason_reference,
            reason_code,
            goal: links.goals.to_vec(),
            status: links.activity_status.into(),
            scheduled_timing: Some(Timing {
                repeat: Some(TimingRepeat {
                    bounds_period: Some(Period { start: Some(phase.starts.clone()), end: Some(phase.ends.clone()) }),
                    ..TimingRepeat::default()
                }),
                code: Some(CodeableConcept::text(ex.dosage.clone())),
            }),
            performer: vec![self.patient_ref()],
            description: Some(with_cautions(
                format!(
                    "{} ({}, {}): {}. {} Progression: {} {}",
                    ex.name,
                    phase.name,
                    ex.laterality.as_str(),
                    ex.dosage,
                    ex.instructions.join(" "),
                    ex.progression,
                    evidence(ex.certainty, &ex.sources)
                ),
                ex.cautions.iter(),
            )),
        })
    }

    /// A change to the client's exposure (breaks carry the activity-counselling code).
    fn exposure_activity(&mut self, change: &ChangeView, links: &PlanLinks<'_>) -> CarePlanActivity {
        let mut code =
            self.tonus_concept(&format!("exposure-{}", change.id), if change.breaks { "Break advice" } else { "Exposure advice" });
        if change.breaks {
            code.coding.push(Coding::new(SNOMED, ACTIVITY_COUNSELING.0, ACTIVITY_COUNSELING.1));
        }
        activity_of(CarePlanActivityDetail {
            kind: None,
            code: Some(code),
            status: links.activity_status.into(),
            performer: vec![self.patient_ref()],
            description: Some(format!("{} {}", change.advice, evidence(change.certainty, &change.sources))),
            ..CarePlanActivityDetail::default()
        })
    }

    fn checkins(&mut self) {
        let e = self.inputs.export;
        for c in &e.pain_checkins {
            let code = self.tonus_concept("nprs-weekly-checkin", "Pain this week, 0-10, the client's weekly check-in");
            let obs = Observation {
                id: derived_id(&format!("checkin:{}:{}", e.client.id, c.week)),
                status: "final".into(),
                category: vec![category("survey", "Survey")],
                code,
                subject: Some(self.patient_ref()),
                effective_period: Some(Period {
                    start: Some(c.week.clone()),
                    end: tonus_core::date::Date::parse(&c.week).map(|d| d.add_days(6).to_string()),
                }),
                performer: vec![self.patient_ref()],
                value_integer: Some(c.nprs),
                ..Observation::default()
            };
            self.push(Resource::Observation(obs));
        }
    }

    fn code_system(&mut self) {
        let concept: Vec<Concept> =
            self.codes.iter().map(|(code, display)| Concept { code: code.clone(), display: display.clone() }).collect();
        self.push(Resource::CodeSystem(CodeSystem {
            id: derived_id(&format!("codesystem:{}", tonus_core::ENGINE_VERSION)),
            url: TONUS_SYSTEM.into(),
            version: Some(tonus_core::ENGINE_VERSION.into()),
            name: Some("TonusCodes".into()),
            title: Some("Tonus codes".into()),
            status: "active".into(),
            description: Some(
                "Tonus's codes for what has no standard code: posture metrics, clinical tests, inferred muscle states, \
                 plan activities and the quality of landmarks. This Bundle carries the codes it uses."
                    .into(),
            ),
            case_sensitive: Some(true),
            content: "fragment".into(),
            concept,
        }));
    }
}

/// Who made a set, from the audit line that recorded it.
fn corrector_in_audit(e: &ClientExport, set: &LandmarkSet) -> Option<UserId> {
    if set.source == LandmarkSource::Automatic {
        return None;
    }
    let prefix = set.id.to_string();
    e.audit_log
        .iter()
        .find(|l| l.record_kind == "landmark_set" && l.action == "create" && l.detail.starts_with(&prefix))
        .and_then(|l| l.actor)
}

fn participant_display(code: &str) -> &'static str {
    match code {
        "performer" => "Performer",
        _ => "Author",
    }
}

fn evidence_words(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Exposure => "exposure (hours and habits: risk, not a finding)",
        EvidenceKind::Symptom => "symptoms",
        EvidenceKind::ClinicalTest => "clinical tests",
        EvidenceKind::Palpation => "palpation",
        EvidenceKind::PhotoMetric => "photo metrics",
    }
}

/// From the assessment's date (the intake's, else the draft's start) to its completion; no end
/// before the start.
fn encounter_period(a: &Assessment, assessed_on: Option<&str>) -> Period {
    let start = assessed_on.map_or_else(|| iso8601(a.created_at), str::to_owned);
    let end = a.completed_at.map(iso8601).filter(|end| end.as_str() >= start.as_str());
    Period { start: Some(start), end }
}

/// What a plan's activities link to: the goals, the muscles they treat and whether they are
/// still to be done (the newest plan's) or of unknown status (an earlier plan's).
struct PlanLinks<'a> {
    goals: &'a [Reference],
    muscles: &'a [(String, Side, Reference)],
    activity_status: &'static str,
}

/// A CarePlan activity of its detail alone.
fn activity_of(detail: CarePlanActivityDetail) -> CarePlanActivity {
    CarePlanActivity { detail: Some(detail), progress: Vec::new() }
}

/// The therapist's note to the client, a maintenance plan's reason and the review dates.
fn plan_notes(plan: &PlanView) -> Vec<Annotation> {
    let mut note: Vec<Annotation> = [plan.note.as_ref().filter(|n| !n.is_empty()), plan.maintenance_note.as_ref()]
        .into_iter()
        .flatten()
        .map(|n| Annotation { text: n.clone(), ..Annotation::default() })
        .collect();
    note.push(Annotation {
        text: format!("Re-score the outcome measures on {}; retake the photos on {}.", plan.review_outcomes_on, plan.review_photos_on),
        ..Annotation::default()
    });
    note
}

/// A description with its cautions after it.
fn with_cautions<'c>(description: String, cautions: impl Iterator<Item = &'c String>) -> String {
    cautions.fold(description, |text, c| format!("{text} Caution: {c}"))
}

/// "Certainty: convention. Sources: a, b."
fn evidence(c: Certainty, sources: &[String]) -> String {
    format!("Certainty: {}. Sources: {}.", c.label(), sources.join(", "))
}

/// `n` sessions a week as whole sessions over whole weeks (1.5 a week: 3 every 2 weeks).
fn per_weeks(n: f64) -> (u32, f64) {
    for weeks in 1..=4u32 {
        let sessions = n * f64::from(weeks);
        if (sessions - sessions.round()).abs() < 1e-6 && sessions >= 1.0 {
            return (sessions.round() as u32, f64::from(weeks));
        }
    }
    (n.round().max(1.0) as u32, 1.0)
}

fn muscle_refs(muscles: &[(String, Side, Reference)], muscle: &str, laterality: Laterality) -> Vec<Reference> {
    muscles.iter().filter(|(m, side, _)| m == muscle && laterality.covers(*side)).map(|(_, _, r)| r.clone()).collect()
}

fn certainty_note(c: Certainty, real_change: Option<f64>, sources: &[String]) -> Annotation {
    let change = real_change.map(|r| format!(" A change smaller than {r} is within measurement error.")).unwrap_or_default();
    Annotation { text: format!("Certainty: {}.{change} Sources: {}.", c.label(), sources.join(", ")), ..Annotation::default() }
}

fn metric_notes(m: &MetricView) -> Vec<Annotation> {
    let mut notes = Vec::new();
    if m.kind == MeasureKind::Proxy {
        let of = m.proxy_for.as_deref().unwrap_or("the clinical measure");
        notes.push(Annotation {
            text: format!("A proxy for {of}, from photo landmarks that only approximate the clinical points."),
            ..Annotation::default()
        });
    }
    notes.push(certainty_note(m.certainty, m.real_change, &m.sources));
    notes
}

/// The weakest certainty among the evidence that points to `state` on `side` (for a found
/// state, the findings on the body only).
fn weakest_certainty(m: &MuscleView, state: MuscleState, side: Side, found: bool) -> Option<Certainty> {
    m.evidence
        .iter()
        .filter(|e| e.laterality.covers(side) && points_to(e.points_to) == Some(state) && (!found || e.kind.is_finding()))
        .map(|e| e.certainty)
        .max_by_key(|c| match c {
            Certainty::Established => 0,
            Certainty::Convention => 1,
            Certainty::Contested => 2,
        })
}

fn points_to(p: tonus_app::report::PointsTo) -> Option<MuscleState> {
    use tonus_app::report::PointsTo;
    match p {
        PointsTo::Overactive => Some(MuscleState::Overactive),
        PointsTo::Inhibited => Some(MuscleState::Inhibited),
        PointsTo::Balanced => Some(MuscleState::Balanced),
        PointsTo::Present | PointsTo::Absent => None,
    }
}

/// The evidence trail of one side, a line each.
fn evidence_notes(m: &MuscleView, side: Side) -> Vec<Annotation> {
    m.evidence
        .iter()
        .filter(|e| e.laterality.covers(side))
        .map(|e| Annotation {
            text: format!(
                "Evidence ({}, {}): {}{} Observed: {}. Weight {} ({}). Sources: {}.",
                evidence_words(e.kind),
                e.rule,
                e.description,
                if e.description.ends_with(['.', '!', '?']) { "" } else { "." },
                e.observed.join("; "),
                e.effective_weight,
                e.certainty.label(),
                e.sources.join(", ")
            ),
            ..Annotation::default()
        })
        .collect()
}

/// Each photo of the newest report with the landmark set it was measured on, matched by the
/// name the engine gave it (`landmarks::engine_names` of the effective sets); a report photo
/// whose set is not found (a report older than a correction) has none.
fn pair_photos<'s, 'r>(
    sets: &[&'s LandmarkSet],
    photos: &'r [PhotoView],
) -> Result<Vec<(&'r PhotoView, Option<&'s LandmarkSet>)>, ClinicError> {
    let measured = sets
        .iter()
        .map(|s| {
            Ok(crate::landmarks::Measured {
                set: (*s).clone(),
                file: docs::landmark_file(&s.landmarks, &format!("landmark set {}", s.id))?,
            })
        })
        .collect::<Result<Vec<_>, ClinicError>>()?;
    let effective = crate::landmarks::effective(measured);
    let names = crate::landmarks::engine_names(&effective);
    Ok(photos
        .iter()
        .map(|p| {
            let set =
                names.iter().position(|n| *n == p.file).and_then(|i| sets.iter().copied().find(|s| s.id == effective[i].current.set.id));
            (p, set)
        })
        .collect())
}
