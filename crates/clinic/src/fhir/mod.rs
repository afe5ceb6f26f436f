//! A client's record as one FHIR R4 Bundle (JSON), for the clinic's other systems and for
//! research, and back: [`bundle`] maps a [`ClientExport`](tonus_store::ClientExport) with its
//! photos and the names of the staff it mentions; `Clinic::import_fhir` (in `import`) reads a
//! Bundle back; `r4` holds the resource types, `record` Tonus's own record inside the Bundle.
//!
//! What becomes what (`docs/fhir.md` has the whole table):
//! - the client → `Patient`; staff → `Practitioner`; the engine and each pose model → `Device`;
//! - an assessment → `Encounter`; its NDI answers → `QuestionnaireResponse` (items by their
//!   LOINC codes) and the total → `Observation` LOINC 82237-9; NPRS now → LOINC 72514-3;
//!   worst in 24 hours, weekly average, PSFS and weekly check-ins under Tonus's code system;
//! - photos → `Media` with the image; landmark sets → `DocumentReference` (the landmark file)
//!   with a `Provenance` naming the model or the therapist who placed or corrected them;
//! - posture metrics and clinical tests → `Observation`s with value, UCUM unit, method
//!   (automatic with model and version, or corrected by hand) and `derivedFrom` the photo and
//!   its landmarks, a `side` component for tests done per side; a metric a quality gate
//!   refused carries `dataAbsentReason` and the cause;
//! - muscle states → `Observation`s (never `Condition`: Tonus does not diagnose) with the
//!   side, confidence and the certainty of the evidence behind them, `final` when found on the
//!   body and `preliminary` when only suspected; the red-flag screen → an `Observation`;
//! - the plan → `CarePlan` with `Goal`s and activities (massage, each exercise with its dose,
//!   break advice, tests to do); the engine's proposal and the therapist's edit are separate
//!   CarePlans (the edit `replaces` the proposal), with a `Provenance` for the edit;
//! - Tonus's own record (`record::RecordDocument`) → a `DocumentReference`, so another Tonus
//!   imports the Bundle without loss.
//!
//! Everything without a standard code is coded in Tonus's own code system, which the Bundle
//! carries as a `CodeSystem` holding the codes it uses. Resource ids are the store's ids where
//! the record has one, else a UUID derived from what the resource is, so the same record
//! exports to the same ids. Left out on purpose: the audit log and share links, and XML.

mod export;
mod import;
pub mod r4;
pub mod record;

pub use export::{Inputs, bundle, derived_id};
pub use import::{ImportOutcome, MAX_PROBLEMS, Problem};

/// Base of Tonus's FHIR names: a stable name, not an address (`.invalid` never resolves).
pub const TONUS_BASE: &str = "https://tonus.invalid/fhir";
/// Tonus's code system.
pub const TONUS_SYSTEM: &str = "https://tonus.invalid/fhir/CodeSystem/tonus";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// UCUM.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// The LOINC code of the NDI total.
pub const NDI_TOTAL: &str = "82237-9";
/// The LOINC code of the current pain rating, 0–10 (the verbal numeric rating scale, as
/// reported by the patient: Tonus's NPRS "now").
pub const NPRS_NOW: &str = "72514-3";

/// The NDI items in Tonus's order with their LOINC codes (the NDI panel 82226-2, as in HL7
/// PACIO's sample questionnaire).
pub const NDI_ITEMS: [(&str, &str); 10] = [
    ("pain_intensity", "82227-0"),
    ("personal_care", "82228-8"),
    ("lifting", "82229-6"),
    ("reading", "82230-4"),
    ("headaches", "82231-2"),
    ("concentration", "82232-0"),
    ("work", "82233-8"),
    ("driving", "82234-6"),
    ("sleeping", "82235-3"),
    ("recreation", "82236-1"),
];

/// A measure's unit as a UCUM code; units that are counts or scores become annotations.
pub fn ucum(unit: &str) -> &'static str {
    match unit {
        "°" => "deg",
        "cm" => "cm",
        "s" => "s",
        "mmHg" => "mm[Hg]",
        "torso lengths" => "{torso_length}",
        "grade (0–5)" => "{grade}",
        "0 normal, 1 subtle, 2 obvious" | "0 normal, 1 reduced" => "{score}",
        u if u.starts_with("PMI") => "{index}",
        _ => "1",
    }
}

/// Where on the body a posture metric or clinical test measures: a Tonus code and its name.
pub fn body_site(measure: &str) -> Option<(&'static str, &'static str)> {
    Some(match measure {
        "ear_shoulder_angle" | "sagittal_head_tilt" | "forward_head_distance" | "coronal_head_tilt" => {
            ("site-head-and-neck", "Head and neck")
        }
        "shoulder_protraction" | "shoulder_height_asymmetry" => ("site-shoulder-girdle", "Shoulder girdle"),
        "trunk_inclination" => ("site-trunk", "Trunk"),
        "dnf_endurance" | "ccft" => ("site-deep-cervical-flexors", "Deep cervical flexors"),
        "lower_trapezius_mmt" => ("site-lower-trapezius", "Lower trapezius"),
        "scapular_dyskinesis" => ("site-scapula", "Scapula"),
        "pec_minor_supine" | "pec_minor_supine_asymmetry" | "pec_minor_index" => ("site-pectoralis-minor", "Pectoralis minor"),
        "upper_trapezius_length" => ("site-upper-trapezius", "Upper trapezius"),
        "levator_length" => ("site-levator-scapulae", "Levator scapulae"),
        _ => return None,
    })
}

/// SNOMED CT's "Exercise therapy (regime/therapy)", the code HL7's Physical Activity guide
/// gives an exercise prescription.
pub const EXERCISE_THERAPY: (&str, &str) = ("229065009", "Exercise therapy (regime/therapy)");
/// SNOMED CT's "Counseling about physical activity", the Physical Activity guide's code for
/// advice on moving more (Tonus's break advice).
pub const ACTIVITY_COUNSELING: (&str, &str) = ("435551000124105", "Counseling about physical activity");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_of_the_knowledge_base_has_a_ucum_unit() {
        let kb = tonus_core::knowledge::KnowledgeBase::embedded().expect("the embedded knowledge base loads");
        for m in kb.measures() {
            assert_ne!(ucum(&m.unit), "1", "measure {} has unit {:?} with no UCUM code in fhir::ucum", m.id, m.unit);
        }
    }

    #[test]
    fn every_measure_of_the_knowledge_base_has_a_body_site() {
        let kb = tonus_core::knowledge::KnowledgeBase::embedded().expect("the embedded knowledge base loads");
        for m in kb.measures() {
            assert!(body_site(&m.id).is_some(), "measure {} has no body site in fhir::body_site", m.id);
        }
    }

    #[test]
    fn the_ndi_items_are_the_knowledge_bases() {
        let kb = tonus_core::knowledge::KnowledgeBase::embedded().expect("the embedded knowledge base loads");
        let ids: Vec<&str> = kb.outcomes().ndi.items.iter().map(|i| i.id.as_str()).collect();
        let ours: Vec<&str> = NDI_ITEMS.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, ours);
    }
}
