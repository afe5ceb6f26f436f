//! The whole chain for one assessment: facts from the intake and the landmark sets, metrics with
//! quality gates, the red-flag gate, outcome scores and plausibility warnings; then, only when
//! the gate allows it, the muscle story (inference and pain explanation) and the plan.
//!
//! The gate's rule is enforced here, in the types: while an uncleared red flag stands the
//! assessment has no [`Story`] and no [`Plan`], so no renderer can show a muscle explanation or
//! a plan by mistake. An incomplete screen allows the story (the therapist may be part-way
//! through) but not the plan.

use crate::facts::{self, EvidenceKind, Facts};
use crate::inference::{self, Inference};
use crate::intake::Intake;
use crate::knowledge::KnowledgeBase;
use crate::landmarks::Pose;
use crate::metrics::{self, Asymmetry, Gates, MetricValue, PoseMetrics};
use crate::outcomes::{self, Scores};
use crate::pain::{self, Explanation};
use crate::plan::{self, Plan};
use crate::plausibility::{self, Implausible};
use crate::redflags::{self, Gate};
use crate::vocab::Side;

/// Options for [`assess`].
#[derive(Debug, Clone, Copy)]
pub struct AssessOptions {
    /// Quality-gate thresholds.
    pub gates: Gates,
}

impl AssessOptions {
    /// The options Tonus uses.
    pub const STANDARD: AssessOptions = AssessOptions { gates: Gates::STANDARD };
}

/// A posture metric summarised over all landmark sets that measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSummary {
    /// Measure id.
    pub measure: String,
    /// Mean of the measured values.
    pub mean: f64,
    /// How many landmark sets measured it.
    pub count: usize,
}

/// The muscle story: what inference concludes about muscles, components and the pattern, and
/// how it explains the client's pain.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Muscle states, components and the pattern.
    pub inference: Inference,
    /// Pain explanation.
    pub explanations: Vec<Explanation>,
}

/// Everything the engine derives from one intake and its landmark sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Metrics per landmark set, in input order.
    pub poses: Vec<PoseMetrics>,
    /// Metric means across landmark sets (what the rules see).
    pub metric_summary: Vec<MetricSummary>,
    /// The facts the rules saw.
    pub facts: Facts,
    /// The red-flag gate.
    pub gate: Gate,
    /// Outcome scores.
    pub scores: Scores,
    /// Intake answers that contradict each other.
    pub implausible: Vec<Implausible>,
    /// The muscle story; absent while an uncleared red flag stands.
    pub story: Option<Story>,
    /// The plan; present only when the gate is clear or every positive item is cleared.
    pub plan: Option<Plan>,
}

/// Adds the photo metrics to the facts: the mean over the landmark sets that measured each,
/// per side for front-view asymmetries (the value on the higher shoulder's side, or the side
/// the head tilts to; 0 on the other).
fn metric_facts(facts: &mut Facts, pose_metrics: &[PoseMetrics], kb: &KnowledgeBase) -> Vec<MetricSummary> {
    let mut summary = Vec::new();
    for m in kb.measures().iter().filter(|m| m.view.is_some()) {
        let measured: Vec<(f64, Option<Asymmetry>)> = pose_metrics
            .iter()
            .flat_map(|pm| pm.metrics.iter())
            .filter(|x| x.measure == m.id)
            .filter_map(|x| match x.value {
                MetricValue::Measured { value, asymmetry } => Some((value, asymmetry)),
                MetricValue::NotMeasurable(_) => None,
            })
            .collect();
        if measured.is_empty() {
            continue;
        }
        let n = measured.len() as f64;
        let mean = measured.iter().map(|(v, _)| v).sum::<f64>() / n;
        let name = format!("metric.{}", m.id);
        if measured.iter().any(|(_, a)| a.is_some()) {
            let on = |side: Side| {
                measured
                    .iter()
                    .map(|(v, a)| match a {
                        Some(Asymmetry::Higher(s) | Asymmetry::TiltedTo(s)) if *s == side => *v,
                        _ => 0.0,
                    })
                    .sum::<f64>()
                    / n
            };
            facts.set_sided(name, Some(on(Side::Left)), Some(on(Side::Right)), EvidenceKind::PhotoMetric);
        } else {
            facts.set(name, mean, EvidenceKind::PhotoMetric);
        }
        summary.push(MetricSummary { measure: m.id.clone(), mean, count: measured.len() });
    }
    summary
}

/// Runs the whole chain.
pub fn assess(intake: &Intake, poses: &[Pose], kb: &KnowledgeBase, opts: &AssessOptions) -> Assessment {
    let mut facts = facts::from_intake(intake);
    let pose_metrics: Vec<PoseMetrics> = poses.iter().map(|p| metrics::compute(p, kb, &opts.gates)).collect();
    let metric_summary = metric_facts(&mut facts, &pose_metrics, kb);
    let gate = redflags::screen(&intake.red_flags, &intake.clearances, intake.assessed_on, kb);
    let scores = outcomes::score(&intake.outcomes, kb);
    let story = gate.allows_muscle_story().then(|| {
        let inference = inference::infer(&facts, kb);
        let explanations = pain::explain(intake, &inference, kb);
        Story { inference, explanations }
    });
    let plan = match (&story, gate.allows_plan()) {
        (Some(story), true) => Some(plan::generate(&story.inference, &facts, &scores, intake.assessed_on, kb)),
        _ => None,
    };
    Assessment { poses: pose_metrics, metric_summary, facts, gate, scores, implausible: plausibility::check(intake), story, plan }
}
