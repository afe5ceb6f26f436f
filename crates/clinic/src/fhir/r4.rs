//! The part of FHIR R4 (4.0.1) that Tonus writes: the resources of a client's Bundle and the
//! data types they use, as serde types with FHIR's JSON names.
//!
//! Only the elements Tonus fills are declared; an absent element is left out of the JSON (FHIR
//! forbids empty objects and arrays), so every field is an `Option` or a vector that is
//! skipped when empty. The resources are one enum tagged by `resourceType`, as FHIR's JSON
//! is. Left out on purpose: everything Tonus has no data for, and XML.

use serde::{Deserialize, Serialize};

/// `skip_serializing_if` for vectors: FHIR has no empty arrays.
fn empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// A code in a code system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Coding {
    /// The code system's canonical URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its display text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    /// A code with its system and display.
    pub fn new(system: &str, code: &str, display: &str) -> Self {
        Self { system: Some(system.into()), code: Some(code.into()), display: Some(display.into()) }
    }
}

/// A concept: codings that mean the same, and text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CodeableConcept {
    /// Codes for it.
    #[serde(default, skip_serializing_if = "empty")]
    pub coding: Vec<Coding>,
    /// It in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// One coding, with its display as the text.
    pub fn coded(coding: Coding) -> Self {
        Self { text: coding.display.clone(), coding: vec![coding] }
    }

    /// Text only, for what no code system names.
    pub fn text(text: impl Into<String>) -> Self {
        Self { coding: Vec::new(), text: Some(text.into()) }
    }
}

/// A reference to another resource of the Bundle (`urn:uuid:…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Reference {
    /// The referenced entry's full URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Words for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A business identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Identifier {
    /// Its namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What kind of identifier, in words.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
}

/// A measured amount with its UCUM unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Quantity {
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `<`, `<=`, `>=`, `>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<String>,
    /// The unit as people read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `http://unitsofmeasure.org`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The UCUM code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A span of time; either end may be open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Period {
    /// First moment (a date or date-time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Last moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// Bytes with their type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The bytes, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Number of bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// A label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When it was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation: Option<String>,
}

/// A note in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    /// Who wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_reference: Option<Reference>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The note (markdown).
    pub text: String,
}

/// A contact point (phone, e-mail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ContactPoint {
    /// `phone` or `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The number or address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HumanName {
    /// The name as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "empty")]
    pub given: Vec<String>,
}

/// When something repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TimingRepeat {
    /// Over which period it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounds_period: Option<Period>,
    /// How many times per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<u32>,
    /// The period's length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<f64>,
    /// Its unit: `d`, `wk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_unit: Option<String>,
}

/// A schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Timing {
    /// The repetition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<TimingRepeat>,
    /// The schedule in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
}

/// The client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Resource id.
    pub id: String,
    /// Identifiers.
    #[serde(default, skip_serializing_if = "empty")]
    pub identifier: Vec<Identifier>,
    /// Whether the record is in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Names.
    #[serde(default, skip_serializing_if = "empty")]
    pub name: Vec<HumanName>,
    /// Phone and e-mail.
    #[serde(default, skip_serializing_if = "empty")]
    pub telecom: Vec<ContactPoint>,
    /// `male`, `female`, `other`, `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// The responsible practitioner.
    #[serde(default, skip_serializing_if = "empty")]
    pub general_practitioner: Vec<Reference>,
}

/// A therapist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Practitioner {
    /// Resource id.
    pub id: String,
    /// Identifiers.
    #[serde(default, skip_serializing_if = "empty")]
    pub identifier: Vec<Identifier>,
    /// Names.
    #[serde(default, skip_serializing_if = "empty")]
    pub name: Vec<HumanName>,
}

/// A device's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceName {
    /// The name.
    pub name: String,
    /// `model-name`, `user-friendly-name`, …
    #[serde(rename = "type")]
    pub kind: String,
}

/// A device's version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceVersion {
    /// The version.
    pub value: String,
}

/// Software that produced data: the engine, a pose model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// Resource id.
    pub id: String,
    /// Names.
    #[serde(default, skip_serializing_if = "empty")]
    pub device_name: Vec<DeviceName>,
    /// What kind of device.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// Versions.
    #[serde(default, skip_serializing_if = "empty")]
    pub version: Vec<DeviceVersion>,
}

/// Who took part in an encounter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EncounterParticipant {
    /// The practitioner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub individual: Option<Reference>,
}

/// One assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    /// Resource id.
    pub id: String,
    /// Identifiers.
    #[serde(default, skip_serializing_if = "empty")]
    pub identifier: Vec<Identifier>,
    /// `finished` or `in-progress`.
    pub status: String,
    /// The setting (ambulatory).
    pub class: Coding,
    /// What kind of encounter.
    #[serde(rename = "type", default, skip_serializing_if = "empty")]
    pub kind: Vec<CodeableConcept>,
    /// The client.
    pub subject: Reference,
    /// Who assessed.
    #[serde(default, skip_serializing_if = "empty")]
    pub participant: Vec<EncounterParticipant>,
    /// From the draft's start to its completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// One answer of a questionnaire item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireAnswer {
    /// An integer answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    /// A decimal answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    /// A text answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
}

/// One answered item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireItem {
    /// The item's id in the questionnaire.
    pub link_id: String,
    /// The item's definition (a LOINC URI where there is one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// The question in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Its answers.
    #[serde(default, skip_serializing_if = "empty")]
    pub answer: Vec<QuestionnaireAnswer>,
}

/// Answers to a questionnaire (the NDI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    /// Resource id.
    pub id: String,
    /// The questionnaire answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    /// `completed`.
    pub status: String,
    /// The client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// The assessment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// When answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored: Option<String>,
    /// The answers.
    #[serde(default, skip_serializing_if = "empty")]
    pub item: Vec<QuestionnaireItem>,
}

/// A part of an observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    /// What this part is.
    pub code: CodeableConcept,
    /// A quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// A coded value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// A text value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// An integer value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
}

/// A measurement, a score, a test result or an inferred muscle state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// Resource id.
    pub id: String,
    /// `final`.
    pub status: String,
    /// Categories (exam, survey, …).
    #[serde(default, skip_serializing_if = "empty")]
    pub category: Vec<CodeableConcept>,
    /// What was observed.
    pub code: CodeableConcept,
    /// The client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// The assessment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// When (date or date-time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// When the week (a check-in) began and ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    /// Who.
    #[serde(default, skip_serializing_if = "empty")]
    pub performer: Vec<Reference>,
    /// A quantity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// A coded value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// An integer value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    /// Why there is no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_absent_reason: Option<CodeableConcept>,
    /// Low, normal, high.
    #[serde(default, skip_serializing_if = "empty")]
    pub interpretation: Vec<CodeableConcept>,
    /// Notes.
    #[serde(default, skip_serializing_if = "empty")]
    pub note: Vec<Annotation>,
    /// Where on the body, with the side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_site: Option<CodeableConcept>,
    /// How it was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<CodeableConcept>,
    /// The device (software) that measured or inferred it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Reference>,
    /// Normal range in words.
    #[serde(default, skip_serializing_if = "empty")]
    pub reference_range: Vec<ReferenceRange>,
    /// What it was measured or inferred from.
    #[serde(default, skip_serializing_if = "empty")]
    pub derived_from: Vec<Reference>,
    /// Its parts.
    #[serde(default, skip_serializing_if = "empty")]
    pub component: Vec<ObservationComponent>,
}

/// A normal range, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReferenceRange {
    /// The range in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    /// Resource id.
    pub id: String,
    /// Identifiers (the content hash).
    #[serde(default, skip_serializing_if = "empty")]
    pub identifier: Vec<Identifier>,
    /// `completed`.
    pub status: String,
    /// `image`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// The view (front, left side, right side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<CodeableConcept>,
    /// The client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// The assessment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// When it was stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<String>,
    /// Pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The image.
    pub content: Attachment,
}

/// What a goal aims at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GoalTarget {
    /// The measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<CodeableConcept>,
    /// The value to reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_quantity: Option<Quantity>,
    /// By when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
}

/// A goal of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    /// Resource id.
    pub id: String,
    /// `active`.
    pub lifecycle_status: String,
    /// What the goal is.
    pub description: CodeableConcept,
    /// The client.
    pub subject: Reference,
    /// When it starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// What it aims at.
    #[serde(default, skip_serializing_if = "empty")]
    pub target: Vec<GoalTarget>,
    /// The measurements it starts from.
    #[serde(default, skip_serializing_if = "empty")]
    pub addresses: Vec<Reference>,
    /// Notes.
    #[serde(default, skip_serializing_if = "empty")]
    pub note: Vec<Annotation>,
}

/// An activity's details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CarePlanActivityDetail {
    /// `ServiceRequest`, `CommunicationRequest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// Why: the muscle findings it answers.
    #[serde(default, skip_serializing_if = "empty")]
    pub reason_reference: Vec<Reference>,
    /// Why, in words.
    #[serde(default, skip_serializing_if = "empty")]
    pub reason_code: Vec<CodeableConcept>,
    /// The goals it serves.
    #[serde(default, skip_serializing_if = "empty")]
    pub goal: Vec<Reference>,
    /// `not-started`, `in-progress`, `completed`.
    pub status: String,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_timing: Option<Timing>,
    /// Who does it.
    #[serde(default, skip_serializing_if = "empty")]
    pub performer: Vec<Reference>,
    /// The dose and steps in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One activity of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CarePlanActivity {
    /// Its details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<CarePlanActivityDetail>,
    /// Notes (cautions, progression).
    #[serde(default, skip_serializing_if = "empty")]
    pub progress: Vec<Annotation>,
}

/// The massage and exercise plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CarePlan {
    /// Resource id.
    pub id: String,
    /// Earlier plan it replaces (carried forward from).
    #[serde(default, skip_serializing_if = "empty")]
    pub replaces: Vec<Reference>,
    /// `active`, `completed`, `revoked`, `on-hold`.
    pub status: String,
    /// `plan`.
    pub intent: String,
    /// What kind of plan.
    #[serde(default, skip_serializing_if = "empty")]
    pub category: Vec<CodeableConcept>,
    /// A title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The client.
    pub subject: Reference,
    /// The assessment it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The weeks it covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// When written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The engine or the editing therapist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Reference>,
    /// What it is based on (the muscle findings).
    #[serde(default, skip_serializing_if = "empty")]
    pub supporting_info: Vec<Reference>,
    /// Its goals.
    #[serde(default, skip_serializing_if = "empty")]
    pub goal: Vec<Reference>,
    /// Massage, exercises, breaks.
    #[serde(default, skip_serializing_if = "empty")]
    pub activity: Vec<CarePlanActivity>,
    /// The therapist's note to the client.
    #[serde(default, skip_serializing_if = "empty")]
    pub note: Vec<Annotation>,
}

/// Who or what took part in producing a resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProvenanceAgent {
    /// `author`, `performer`, `assembler`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// The practitioner or device.
    pub who: Reference,
}

/// A resource a provenance used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvenanceEntity {
    /// `source`, `revision`, `derivation`.
    pub role: String,
    /// The resource.
    pub what: Reference,
}

/// Who or what produced a landmark set, a correction or a plan edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// Resource id.
    pub id: String,
    /// What was produced.
    pub target: Vec<Reference>,
    /// When (an instant).
    pub recorded: String,
    /// Why, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<CodeableConcept>,
    /// Who or what.
    pub agent: Vec<ProvenanceAgent>,
    /// What it was made from.
    #[serde(default, skip_serializing_if = "empty")]
    pub entity: Vec<ProvenanceEntity>,
}

/// One code of Tonus's code system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    /// The code.
    pub code: String,
    /// Its display.
    pub display: String,
}

/// Tonus's own codes, for what has no standard code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CodeSystem {
    /// Resource id.
    pub id: String,
    /// Its canonical URL.
    pub url: String,
    /// Its version (the engine's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A name for machines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A title for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `active`.
    pub status: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether codes are case-sensitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_sensitive: Option<bool>,
    /// `fragment`: the codes this Bundle uses.
    pub content: String,
    /// The codes.
    #[serde(default, skip_serializing_if = "empty")]
    pub concept: Vec<Concept>,
}

/// A document's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentContent {
    /// The bytes.
    pub attachment: Attachment,
}

/// A document: a landmark file, or Tonus's own record of the client (for a lossless transfer
/// between Tonus installations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DocumentReference {
    /// Resource id.
    pub id: String,
    /// `current`.
    pub status: String,
    /// What kind of document.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// The client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// When it last changed (an instant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// What it is, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The document.
    pub content: Vec<DocumentContent>,
}

/// One resource of a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
#[allow(clippy::large_enum_variant)]
pub enum Resource {
    /// The client.
    Patient(Patient),
    /// A therapist.
    Practitioner(Practitioner),
    /// Software.
    Device(Device),
    /// An assessment.
    Encounter(Encounter),
    /// NDI answers.
    QuestionnaireResponse(QuestionnaireResponse),
    /// A measurement or inference.
    Observation(Observation),
    /// A photo.
    Media(Media),
    /// A goal.
    Goal(Goal),
    /// A plan.
    CarePlan(CarePlan),
    /// Who made what.
    Provenance(Provenance),
    /// Tonus's codes.
    CodeSystem(CodeSystem),
    /// A landmark file, or Tonus's own record.
    DocumentReference(DocumentReference),
}

impl Resource {
    /// The resource's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Resource::Patient(_) => "Patient",
            Resource::Practitioner(_) => "Practitioner",
            Resource::Device(_) => "Device",
            Resource::Encounter(_) => "Encounter",
            Resource::QuestionnaireResponse(_) => "QuestionnaireResponse",
            Resource::Observation(_) => "Observation",
            Resource::Media(_) => "Media",
            Resource::Goal(_) => "Goal",
            Resource::CarePlan(_) => "CarePlan",
            Resource::Provenance(_) => "Provenance",
            Resource::CodeSystem(_) => "CodeSystem",
            Resource::DocumentReference(_) => "DocumentReference",
        }
    }

    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            Resource::Patient(r) => &r.id,
            Resource::Practitioner(r) => &r.id,
            Resource::Device(r) => &r.id,
            Resource::Encounter(r) => &r.id,
            Resource::QuestionnaireResponse(r) => &r.id,
            Resource::Observation(r) => &r.id,
            Resource::Media(r) => &r.id,
            Resource::Goal(r) => &r.id,
            Resource::CarePlan(r) => &r.id,
            Resource::Provenance(r) => &r.id,
            Resource::CodeSystem(r) => &r.id,
            Resource::DocumentReference(r) => &r.id,
        }
    }
}

/// How a searchset entry came to be there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntrySearch {
    /// `match` or `include`.
    pub mode: String,
}

/// One entry of a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// `urn:uuid:<id>`.
    pub full_url: String,
    /// The resource.
    pub resource: Resource,
    /// For a searchset: why it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<EntrySearch>,
}

/// A link of a searchset (`self`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleLink {
    /// `self`, `next`.
    pub relation: String,
    /// The URL.
    pub url: String,
}

/// A client's record, or a search's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always `Bundle`.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    /// Resource id.
    pub id: String,
    /// The export's identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// `collection` (an export) or `searchset`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it was assembled (an instant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// For a searchset: how many matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// For a searchset: its own URL.
    #[serde(default, skip_serializing_if = "empty")]
    pub link: Vec<BundleLink>,
    /// The resources.
    #[serde(default, skip_serializing_if = "empty")]
    pub entry: Vec<Entry>,
}

/// One problem of an OperationOutcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeIssue {
    /// `error`, `fatal`, `warning`, `information`.
    pub severity: String,
    /// `not-found`, `forbidden`, `login`, `invalid`, `exception`, `not-supported`.
    pub code: String,
    /// What went wrong, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

/// Why a FHIR request failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    /// The problems.
    pub issue: Vec<OutcomeIssue>,
}

impl OperationOutcome {
    /// One error.
    pub fn error(code: &str, diagnostics: impl Into<String>) -> Self {
        Self {
            resource_type: "OperationOutcome".into(),
            issue: vec![OutcomeIssue { severity: "error".into(), code: code.into(), diagnostics: Some(diagnostics.into()) }],
        }
    }
}

/// A search parameter the server supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchParam {
    /// Its name.
    pub name: String,
    /// `reference`, `token`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
}

/// An interaction the server supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// `read`, `search-type`.
    pub code: String,
}

/// An operation the server supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Its name.
    pub name: String,
    /// Its definition.
    pub definition: String,
}

/// What the server offers for one resource type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestResource {
    /// The resource type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The interactions.
    pub interaction: Vec<Interaction>,
    /// Search parameters.
    #[serde(default, skip_serializing_if = "empty")]
    pub search_param: Vec<SearchParam>,
    /// Operations.
    #[serde(default, skip_serializing_if = "empty")]
    pub operation: Vec<Operation>,
}

/// How the server is secured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestSecurity {
    /// In words.
    pub description: String,
}

/// The server's REST interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rest {
    /// `server`.
    pub mode: String,
    /// Security.
    pub security: RestSecurity,
    /// The resources.
    pub resource: Vec<RestResource>,
}

/// The software.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Software {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Which server a CapabilityStatement describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Implementation {
    /// In words.
    pub description: String,
}

/// What the read-only FHIR endpoint offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityStatement {
    /// Always `CapabilityStatement`.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    /// `active`.
    pub status: String,
    /// When published.
    pub date: String,
    /// `instance`.
    pub kind: String,
    /// The software.
    pub software: Software,
    /// This server.
    pub implementation: Implementation,
    /// `4.0.1`.
    pub fhir_version: String,
    /// `json`, `application/fhir+json`.
    pub format: Vec<String>,
    /// The REST interface.
    pub rest: Vec<Rest>,
}
