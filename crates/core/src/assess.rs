//! The whole chain for one assessment: facts from the intake and the landmark sets, metrics with
//! quality gates, inference, pain explanation, the red-flag gate, outcome scores and, only when
//! the gate is clear, the plan.

use crate::facts::{self, FactSource, Facts};
use crate::inference::{self, Inference};
use crate::intake::Intake;
use crate::knowledge::KnowledgeBase;
use crate::landmarks::Pose;
use crate::metrics::{self, Gates, PoseMetrics};
use crate::outcomes::{self, Scores};
use crate::pain::{self, Explanation};
use crate::plan::{self, Plan};
use crate::redflags::{self, Gate};

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

/// Everything the engine derives from one intake and its landmark sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Metrics per landmark set, in input order.
    pub poses: Vec<PoseMetrics>,
    /// Metric means across landmark sets (what the rules see).
    pub metric_summary: Vec<MetricSummary>,
    /// The facts the rules saw.
    pub facts: Facts,
    /// Muscle states, components and the pattern.
    pub inference: Inference,
    /// Pain explanation.
    pub explanations: Vec<Explanation>,
    /// The red-flag gate.
    pub gate: Gate,
    /// Outcome scores.
    pub scores: Scores,
    /// The plan, present only when the gate is clear.
    pub plan: Option<Plan>,
}

/// Runs the whole chain.
pub fn assess(intake: &Intake, poses: &[Pose], kb: &KnowledgeBase, opts: &AssessOptions) -> Assessment {
    let mut facts = facts::from_intake(intake);
    let pose_metrics: Vec<PoseMetrics> = poses.iter().map(|p| metrics::compute(p, kb, &opts.gates)).collect();
    let mut metric_summary = Vec::new();
    for m in kb.measures().iter().filter(|m| m.view.is_some()) {
        let values: Vec<f64> =
            pose_metrics.iter().flat_map(|pm| pm.metrics.iter()).filter(|x| x.measure == m.id).filter_map(|x| x.value.value()).collect();
        if values.is_empty() {
            continue;
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        facts.set(format!("metric.{}", m.id), mean, FactSource::Metric);
        metric_summary.push(MetricSummary { measure: m.id.clone(), mean, count: values.len() });
    }
    let inference = inference::infer(&facts, kb);
    let explanations = pain::explain(intake, &inference, kb);
    let gate = redflags::screen(&intake.red_flags, kb);
    let scores = outcomes::score(&intake.outcomes, kb);
    let plan = gate.allows_plan().then(|| plan::generate(&inference, &facts, intake.assessed_on, kb));
    Assessment { poses: pose_metrics, metric_summary, facts, inference, explanations, gate, scores, plan }
}
