//! Pain explanation: for each reported symptom, the muscles and mechanism the model holds
//! responsible, judged against the muscle states inferred for this person, with certainty, and
//! the non-muscular causes a clinician must keep in mind. It explains; it never diagnoses.

use crate::inference::{Inference, MuscleState};
use crate::intake::{Intake, Side};
use crate::knowledge::{Certainty, KnowledgeBase, Mechanism, TypicalState};

/// How well this person's findings support a muscular source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Support {
    /// The muscle is in the state the mechanism needs.
    Supported,
    /// The muscle's state was not established.
    Possible,
    /// The muscle was found in another state.
    NotSupported,
}

impl Support {
    /// The words used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Support::Supported => "supported by this assessment",
            Support::Possible => "possible; the muscle's state was not established",
            Support::NotSupported => "not supported by this assessment",
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
    /// Explanation in plain words.
    pub explanation: String,
    /// How this person's findings bear on it.
    pub support: Support,
    /// The muscle's inferred state.
    pub muscle_state: MuscleState,
    /// The muscle finding's confidence.
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

/// The explanation of one symptom.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Region id.
    pub region: String,
    /// What was reported ("pain 6/10, both sides" or "headache 8 days a month").
    pub reported: String,
    /// Muscular causes, supported first.
    pub causes: Vec<Cause>,
    /// Other causes a clinician must keep in mind.
    pub other_causes: Vec<OtherCause>,
    /// A headache classification note (ICHD-3), for headache locations.
    pub headache_note: Option<String>,
}

fn side_label(s: Side) -> &'static str {
    match s {
        Side::Left => "left",
        Side::Right => "right",
        Side::Both => "both sides",
        Side::Centre => "centre",
    }
}

/// Explains each painful region and each headache location.
pub fn explain(intake: &Intake, inference: &Inference, kb: &KnowledgeBase) -> Vec<Explanation> {
    let mut out = Vec::new();
    for pain in intake.symptoms.pain.iter().filter(|p| p.intensity > 0.0) {
        let reported = format!("pain {}/10, {}", crate::inference::fmt_value(pain.intensity, ""), side_label(pain.side));
        if let Some(e) = explain_region(&pain.region, reported, None, inference, kb) {
            out.push(e);
        }
    }
    if let Some(h) = intake.symptoms.headache.as_ref().filter(|h| h.days_per_month > 0.0) {
        let note = headache_note(h);
        for loc in &h.locations {
            if out.iter().any(|e: &Explanation| &e.region == loc) {
                if let Some(e) = out.iter_mut().find(|e| &e.region == loc) {
                    e.headache_note = Some(note.clone());
                }
                continue;
            }
            let reported = format!("headache, {} days a month", crate::inference::fmt_value(h.days_per_month, ""));
            if let Some(e) = explain_region(loc, reported, Some(note.clone()), inference, kb) {
                out.push(e);
            }
        }
    }
    out
}

/// The ICHD-3 reading of the headache features.
pub fn headache_note(h: &crate::intake::Headache) -> String {
    let freq = if h.days_per_month < 1.0 {
        "infrequent (<1 day a month)"
    } else if h.days_per_month < 15.0 {
        "frequent (1–14 days a month)"
    } else {
        "chronic if ≥15 days a month persists for more than 3 months"
    };
    if crate::facts::is_tension_type(h) {
        format!("Features fit tension-type headache (ICHD-3), {freq}.")
    } else if crate::facts::is_cervicogenic(h) {
        "One-sided and provoked by neck movement or posture: consistent with cervicogenic headache (Jull 2002); upper-neck joints are a source to assess.".to_string()
    } else {
        "Features do not fit the tension-type pattern (ICHD-3); consider other headache types and check the red-flag screen.".to_string()
    }
}

fn explain_region(
    region: &str,
    reported: String,
    headache_note: Option<String>,
    inference: &Inference,
    kb: &KnowledgeBase,
) -> Option<Explanation> {
    let r = kb.region(region)?;
    let mut causes: Vec<Cause> = r
        .muscular
        .iter()
        .map(|m| {
            let finding = inference.muscle(&m.muscle);
            let state = finding.map_or(MuscleState::Unknown, |f| f.state);
            let needed = match m.mechanism.requires() {
                TypicalState::Inhibited => MuscleState::Inhibited,
                _ => MuscleState::Overactive,
            };
            let support = if state == needed {
                Support::Supported
            } else if state == MuscleState::Unknown {
                Support::Possible
            } else {
                Support::NotSupported
            };
            Cause {
                muscle: m.muscle.clone(),
                mechanism: m.mechanism,
                explanation: m.explanation.clone(),
                support,
                muscle_state: state,
                confidence: finding.map_or(0.0, |f| f.confidence),
                certainty: m.certainty.weakest(r.certainty),
                sources: m.sources.clone(),
            }
        })
        .collect();
    causes.sort_by(|a, b| a.support.cmp(&b.support).then(b.confidence.total_cmp(&a.confidence)));
    let other_causes = r
        .non_muscular
        .iter()
        .map(|n| OtherCause { cause: n.cause.clone(), note: n.note.clone(), certainty: n.certainty, sources: n.sources.clone() })
        .collect();
    Some(Explanation { region: region.to_string(), reported, causes, other_causes, headache_note })
}
