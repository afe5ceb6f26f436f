//! Pain explanation: for each reported symptom, the muscles and mechanism the model holds
//! responsible, judged against what this person's findings say about those muscles on the
//! painful side, with certainty, and the non-muscular causes a clinician must keep in mind. It
//! explains; it never diagnoses.
//!
//! No circular reasoning: a muscle's support for explaining a symptom is judged with every
//! piece of evidence that rests on that same symptom taken out, so "it hurts between the shoulder
//! blades" can never make the rhomboids inhibited and then explain itself. Support comes from
//! findings on the body only (tests, palpation, photos); a muscle only suspected (from exposure
//! or other symptoms) is "possible". The gate decides whether explanations are made at all
//! (`assess`): none while an uncleared red flag stands.

use crate::facts::{self, EvidenceKind};
use crate::inference::{self, Evidence, Inference, Status};
use crate::intake::{Headache, Intake, PainSide, Side};
use crate::knowledge::{Certainty, KnowledgeBase, Mechanism, MuscleState, TypicalState};
use crate::vocab::Laterality;

/// Why a muscular cause is supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SupportBasis {
    /// The muscle was found (tests, palpation, photos) in the state the mechanism needs.
    FoundState,
    /// Palpating a tender spot in the muscle reproduced the client's familiar pain.
    FamiliarPain,
}

/// How well this person's findings support a muscular source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Support {
    /// Findings support it.
    Supported(SupportBasis),
    /// Not established: suspected from other evidence (its kinds), or not assessed.
    Possible(Vec<EvidenceKind>),
    /// The muscle was found in another state on the painful side.
    NotSupported,
}

impl Support {
    /// Best first: supported, suspected, not assessed, not supported.
    pub fn rank(&self) -> u8 {
        match self {
            Support::Supported(_) => 0,
            Support::Possible(basis) if !basis.is_empty() => 1,
            Support::Possible(_) => 2,
            Support::NotSupported => 3,
        }
    }
}

/// One muscle held responsible for a symptom.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// Muscle id.
    pub muscle: String,
    /// Mechanism.
    pub mechanism: Mechanism,
    /// Explanation for the therapist.
    pub explanation: String,
    /// How this person's findings bear on it.
    pub support: Support,
    /// The side(s) the support applies to: where the muscle was found, or the pain's sides.
    pub laterality: Laterality,
    /// The deciding finding's confidence (0 when not found).
    pub confidence: f64,
    /// The referral map's certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A non-muscular cause to keep in mind.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherCause {
    /// The cause.
    pub cause: String,
    /// What it means.
    pub note: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// How often a tension-type headache comes (ICHD-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// Under 1 day a month.
    Infrequent,
    /// 1–14 days a month.
    Frequent,
    /// 15 days a month or more: chronic if that persists for more than 3 months.
    ChronicIfPersistent,
}

/// The ICHD-3 reading of the headache features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeadacheReading {
    /// The features fit tension-type headache.
    TensionType(Frequency),
    /// One-sided and provoked by neck movement or posture (Jull 2002).
    Cervicogenic,
    /// Neither: other headache types must be considered, and the red-flag screen checked.
    Other,
}

/// What was reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reported {
    /// Pain 0–10 on a side.
    Pain {
        /// 0–10.
        intensity: f64,
        /// Side.
        side: PainSide,
    },
    /// A headache, days per month.
    Headache {
        /// Days per month.
        days_per_month: f64,
    },
}

/// The explanation of one symptom.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Region id: a body area, or a headache entry when no location was given.
    pub region: String,
    /// What was reported.
    pub reported: Reported,
    /// The headache reading, for headache locations and headache entries.
    pub headache: Option<HeadacheReading>,
    /// Muscular causes, best supported first.
    pub causes: Vec<Cause>,
    /// Other causes a clinician must keep in mind.
    pub other_causes: Vec<OtherCause>,
}

/// The facts a headache rests on, which never support its own explanation.
const HEADACHE_FACTS: &[&str] = &["symptom.headache_days", "symptom.tension_type_headache", "symptom.cervicogenic_headache"];

/// The region entries that explain a headache reported without locations.
const HEADACHE_ENTRIES: &[(HeadacheKind, &str)] = &[
    (HeadacheKind::TensionType, "headache_tension_type"),
    (HeadacheKind::Cervicogenic, "headache_cervicogenic"),
    (HeadacheKind::Other, "headache_unclassified"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadacheKind {
    TensionType,
    Cervicogenic,
    Other,
}

/// Explains each painful region and the headache (per location, or as a whole when no location
/// was given).
pub fn explain(intake: &Intake, inference: &Inference, kb: &KnowledgeBase) -> Vec<Explanation> {
    let mut out: Vec<Explanation> = Vec::new();
    for pain in intake.symptoms.pain.iter().filter(|p| p.intensity > 0.0) {
        if out.iter().any(|e| e.region == pain.region) {
            continue;
        }
        // The same region reported twice (left and right rows): the worse intensity, both sides.
        let rows: Vec<_> = intake.symptoms.pain.iter().filter(|p| p.region == pain.region && p.intensity > 0.0).collect();
        let intensity = rows.iter().map(|p| p.intensity).fold(0.0, f64::max);
        let side = rows.iter().map(|p| p.side).reduce(|a, b| if a == b { a } else { PainSide::Both }).unwrap_or(pain.side);
        let reported = Reported::Pain { intensity, side };
        let own = [format!("symptom.{}", pain.region)];
        out.extend(explain_region(&pain.region, reported, None, side.laterality(), &own, intake, inference, kb));
    }
    if let Some(h) = intake.symptoms.headache.as_ref().filter(|h| h.days_per_month > 0.0) {
        explain_headache(h, &mut out, intake, inference, kb);
    }
    out
}

fn explain_headache(h: &Headache, out: &mut Vec<Explanation>, intake: &Intake, inference: &Inference, kb: &KnowledgeBase) {
    let reading = headache_reading(h);
    let reported = Reported::Headache { days_per_month: h.days_per_month };
    let laterality = match (h.bilateral, h.side) {
        (Some(false), Some(side)) => Laterality::from_side(side),
        _ => Laterality::Both,
    };
    if h.locations.is_empty() {
        let kind = match reading {
            HeadacheReading::TensionType(_) => HeadacheKind::TensionType,
            HeadacheReading::Cervicogenic => HeadacheKind::Cervicogenic,
            HeadacheReading::Other => HeadacheKind::Other,
        };
        let region = HEADACHE_ENTRIES.iter().find(|(k, _)| *k == kind).map(|(_, id)| *id).expect("every kind has an entry");
        let own: Vec<String> = HEADACHE_FACTS.iter().map(|f| (*f).to_string()).collect();
        out.extend(explain_region(region, reported, Some(reading), laterality, &own, intake, inference, kb));
        return;
    }
    for loc in &h.locations {
        if let Some(e) = out.iter_mut().find(|e| &e.region == loc) {
            e.headache = Some(reading);
            continue;
        }
        let own: Vec<String> = HEADACHE_FACTS.iter().map(|f| (*f).to_string()).chain([format!("symptom.{loc}")]).collect();
        out.extend(explain_region(loc, reported, Some(reading), laterality, &own, intake, inference, kb));
    }
}

/// The ICHD-3 reading of the headache features.
pub fn headache_reading(h: &Headache) -> HeadacheReading {
    if facts::is_tension_type(h) {
        HeadacheReading::TensionType(if h.days_per_month < 1.0 {
            Frequency::Infrequent
        } else if h.days_per_month < 15.0 {
            Frequency::Frequent
        } else {
            Frequency::ChronicIfPersistent
        })
    } else if facts::is_cervicogenic(h) {
        HeadacheReading::Cervicogenic
    } else {
        HeadacheReading::Other
    }
}

/// The muscle's status on a side, judged without the evidence that rests on `own` facts.
fn status_without(evidence: &[Evidence], side: Side, own: &[String]) -> Status {
    inference::decide_muscle(evidence.iter().filter(|e| e.laterality.covers(side) && !e.facts.iter().any(|f| own.contains(f))))
}

/// Whether palpating the muscle on one of the sides reproduced the familiar pain.
fn reproduces_pain(intake: &Intake, muscle: &str, laterality: Laterality) -> Option<Laterality> {
    let sides = intake.palpation.iter().filter(|p| p.muscle == muscle && p.familiar_pain == Some(true) && laterality.covers(p.side));
    sides.fold(None, |acc: Option<Laterality>, p| {
        Some(acc.map_or(Laterality::from_side(p.side), |a| a.union(Laterality::from_side(p.side))))
    })
}

fn support(
    muscle: &str,
    needed: MuscleState,
    laterality: Laterality,
    own: &[String],
    intake: &Intake,
    inference: &Inference,
) -> (Support, Laterality, f64) {
    if let Some(lat) = reproduces_pain(intake, muscle, laterality) {
        return (Support::Supported(SupportBasis::FamiliarPain), lat, 0.0);
    }
    let evidence = inference.muscle(muscle).map_or(&[][..], |f| &f.evidence[..]);
    let sides: Vec<(Side, Status)> =
        [Side::Left, Side::Right].into_iter().filter(|s| laterality.covers(*s)).map(|s| (s, status_without(evidence, s, own))).collect();
    let found: Vec<&(Side, Status)> = sides.iter().filter(|(_, st)| st.found() == Some(needed)).collect();
    if let Some(lat) = Laterality::of(found.iter().any(|(s, _)| *s == Side::Left), found.iter().any(|(s, _)| *s == Side::Right)) {
        let confidence = found.iter().map(|(_, st)| st.confidence()).fold(0.0, f64::max);
        return (Support::Supported(SupportBasis::FoundState), lat, confidence);
    }
    if sides.iter().all(|(_, st)| st.found().is_some()) {
        return (Support::NotSupported, laterality, 0.0);
    }
    let mut basis: Vec<EvidenceKind> = sides
        .iter()
        .filter_map(|(_, st)| match st {
            Status::Suspected { state, basis, .. } if *state == needed => Some(basis.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    basis.sort();
    basis.dedup();
    (Support::Possible(basis), laterality, 0.0)
}

#[allow(clippy::too_many_arguments, reason = "one call site per symptom kind; a struct would only rename them")]
fn explain_region(
    region: &str,
    reported: Reported,
    headache: Option<HeadacheReading>,
    laterality: Laterality,
    own: &[String],
    intake: &Intake,
    inference: &Inference,
    kb: &KnowledgeBase,
) -> Option<Explanation> {
    let r = kb.region(region)?;
    let mut causes: Vec<Cause> = r
        .muscular
        .iter()
        .map(|m| {
            let needed = match m.mechanism.requires() {
                TypicalState::Inhibited => MuscleState::Inhibited,
                _ => MuscleState::Overactive,
            };
            let (support, laterality, confidence) = support(&m.muscle, needed, laterality, own, intake, inference);
            Cause {
                muscle: m.muscle.clone(),
                mechanism: m.mechanism,
                explanation: m.explanation.clone(),
                support,
                laterality,
                confidence,
                certainty: m.certainty.weakest(r.certainty),
                sources: m.sources.clone(),
            }
        })
        .collect();
    causes.sort_by(|a, b| a.support.rank().cmp(&b.support.rank()).then(b.confidence.total_cmp(&a.confidence)));
    let other_causes = r
        .non_muscular
        .iter()
        .map(|n| OtherCause { cause: n.cause.clone(), note: n.note.clone(), certainty: n.certainty, sources: n.sources.clone() })
        .collect();
    Some(Explanation { region: region.to_string(), reported, headache, causes, other_causes })
}
