//! Inference: rules over facts → evidence → a state for each muscle, a status for each posture
//! component, and the pattern label, each with a confidence and its evidence trail.
//!
//! How evidence combines (documented in ARCHITECTURE.md):
//! - each fired effect contributes `weight × certainty factor` (established 1.0, convention 0.75,
//!   contested 0.4) toward one state;
//! - a muscle takes the state with the largest total when it leads the runner-up by at least
//!   [`DECISION_MARGIN`], otherwise it stays unknown ("conflicting evidence");
//! - a state supported only by contested evidence is not concluded (the brief's rule for contested claims);
//! - confidence = lead ÷ (total + 0.5): more agreeing evidence raises it, contradicting evidence
//!   lowers it, and it never reaches 1.
//!
//! Components and the pattern label are kept separate from the muscle states, as the brief asks.

use crate::facts::{self, FactSource, Facts};
use crate::intake::Sex;
use crate::knowledge::{Certainty, Condition, Direction, KnowledgeBase, Measure, Op, TypicalState};

/// A state must lead the runner-up by this much (in weighted evidence) to be concluded.
pub const DECISION_MARGIN: f64 = 0.3;

/// What a piece of evidence points at.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A muscle's state.
    Muscle {
        /// Muscle id.
        muscle: String,
        /// The state it points to.
        direction: Direction,
    },
    /// A posture component.
    Component {
        /// Component id.
        component: String,
        /// Whether it points to present (true) or absent.
        present: bool,
    },
}

/// One piece of evidence: a rule that fired, what it observed and what it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Rule id.
    pub rule: String,
    /// The rule's description.
    pub description: String,
    /// What was observed, one line per condition.
    pub observed: Vec<String>,
    /// Where the first condition's fact came from.
    pub source: FactSource,
    /// What it points at.
    pub target: Target,
    /// The rule's weight for this effect.
    pub weight: f64,
    /// Weight × certainty factor.
    pub effective_weight: f64,
    /// The rule's certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A muscle's inferred state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MuscleState {
    /// Tight, overactive.
    Overactive,
    /// Weak, inhibited, overstretched.
    Inhibited,
    /// Neither.
    Balanced,
    /// Not enough (or conflicting, or only contested) evidence.
    Unknown,
}

impl MuscleState {
    /// The word used in reports.
    pub fn label(self) -> &'static str {
        match self {
            MuscleState::Overactive => "overactive",
            MuscleState::Inhibited => "inhibited",
            MuscleState::Balanced => "balanced",
            MuscleState::Unknown => "unknown",
        }
    }
}

/// The inference for one muscle.
#[derive(Debug, Clone, PartialEq)]
pub struct MuscleFinding {
    /// Muscle id.
    pub muscle: String,
    /// State.
    pub state: MuscleState,
    /// 0–1.
    pub confidence: f64,
    /// Why the state is unknown, or a caveat.
    pub note: Option<String>,
    /// Every piece of evidence about this muscle.
    pub evidence: Vec<Evidence>,
}

/// A posture component's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentStatus {
    /// Present.
    Present,
    /// Absent.
    Absent,
    /// Not assessed or conflicting.
    Unknown,
}

/// The inference for one posture component.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentFinding {
    /// Component id.
    pub component: String,
    /// Status.
    pub status: ComponentStatus,
    /// 0–1.
    pub confidence: f64,
    /// Evidence.
    pub evidence: Vec<Evidence>,
}

/// The pattern label, inferred from the muscle states and components; never a diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternFinding {
    /// Pattern id.
    pub pattern: String,
    /// Whether the label applies (confidence ≥ 0.5).
    pub applies: bool,
    /// 0–1.
    pub confidence: f64,
    /// Muscle and component ids that fit the pattern.
    pub supporting: Vec<String>,
    /// Muscle and component ids that contradict it.
    pub against: Vec<String>,
    /// Muscle and component ids not assessed.
    pub unassessed: Vec<String>,
}

/// Everything inference concludes.
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// Every muscle of the knowledge base, in its order.
    pub muscles: Vec<MuscleFinding>,
    /// Every component.
    pub components: Vec<ComponentFinding>,
    /// The pattern label.
    pub pattern: PatternFinding,
}

impl Inference {
    /// A muscle's finding.
    pub fn muscle(&self, id: &str) -> Option<&MuscleFinding> {
        self.muscles.iter().find(|m| m.muscle == id)
    }
    /// A component's finding.
    pub fn component(&self, id: &str) -> Option<&ComponentFinding> {
        self.components.iter().find(|c| c.component == id)
    }
}

/// The lower cut-off that applies to a person: the sex-specific one when the measure has it and
/// the sex is known, otherwise the general one.
pub fn lower_cutoff(m: &Measure, sex: Option<Sex>) -> Option<(f64, Option<&'static str>)> {
    match sex {
        Some(Sex::Female) if m.cutoff_female.is_some() => m.cutoff_female.map(|v| (v, Some("female"))),
        Some(Sex::Male) if m.cutoff_male.is_some() => m.cutoff_male.map(|v| (v, Some("male"))),
        _ => m.cutoff_below.map(|v| (v, None)),
    }
}

/// Evaluates one condition; `Some(text)` describing the observation when it holds.
pub fn holds(cond: &Condition, facts: &Facts, kb: &KnowledgeBase) -> Option<String> {
    let fact = facts.get(&cond.fact)?;
    let v = fact.value;
    let measure = facts::measure_of(&cond.fact).and_then(|m| kb.measure(m));
    let (label, unit) = fact_label(&cond.fact, kb);
    let shown = format!("{label} {}", fmt_value(v, &unit));
    let ok_and = |ok: bool, text: String| ok.then_some(text);
    match cond.op {
        Op::Ge | Op::Gt | Op::Lt | Op::Le | Op::Eq => {
            let x = cond.value?;
            let ok = match cond.op {
                Op::Ge => v >= x,
                Op::Gt => v > x,
                Op::Lt => v < x,
                Op::Le => v <= x,
                _ => (v - x).abs() < 1e-9,
            };
            if unit.is_empty() && (x == 0.0 || x == 1.0) && cond.op == Op::Eq {
                return ok_and(ok, format!("{label}: {}", if v >= 0.5 { "yes" } else { "no" }));
            }
            ok_and(ok, format!("{shown} ({} {})", cond.op.label(), fmt_value(x, &unit)))
        }
        Op::BelowCutoff => {
            let m = measure?;
            let (cut, sex) = lower_cutoff(m, facts.sex)?;
            let sex = sex.map(|s| format!(", {s} norm")).unwrap_or_default();
            ok_and(v < cut, format!("{shown}, below the cut-off {}{sex}", fmt_value(cut, &unit)))
        }
        Op::AboveCutoff => {
            let m = measure?;
            let cut = m.cutoff_above?;
            ok_and(v > cut, format!("{shown}, above the cut-off {}", fmt_value(cut, &unit)))
        }
        Op::BeyondCutoff => {
            let m = measure?;
            if let Some((cut, _)) = lower_cutoff(m, facts.sex).filter(|(c, _)| v < *c) {
                return Some(format!("{shown}, below the cut-off {}", fmt_value(cut, &unit)));
            }
            let cut = m.cutoff_above.filter(|c| v > *c)?;
            Some(format!("{shown}, above the cut-off {}", fmt_value(cut, &unit)))
        }
        Op::WithinNorm => {
            let m = measure?;
            let lower = lower_cutoff(m, facts.sex).map(|(c, _)| c);
            let (lo, hi) = if lower.is_some() || m.cutoff_above.is_some() { (lower, m.cutoff_above) } else { (m.norm_low, m.norm_high) };
            if lo.is_none() && hi.is_none() {
                return None;
            }
            let ok = lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi);
            ok_and(ok, format!("{shown}, within the norm"))
        }
    }
}

/// A fact's label and unit for evidence text.
pub fn fact_label(name: &str, kb: &KnowledgeBase) -> (String, String) {
    if let Some(m) = name.strip_prefix("metric.").and_then(|m| kb.measure(m)) {
        return (m.name.clone(), m.unit.clone());
    }
    if let Some(r) = name.strip_prefix("symptom.").and_then(|r| kb.region(r)) {
        return (format!("pain: {}", r.name.to_lowercase()), "/10".into());
    }
    match facts::label_of(name) {
        Some((l, u)) => (l.to_string(), u.to_string()),
        None => (name.to_string(), String::new()),
    }
}

/// Formats a value with its unit, with at most one decimal.
pub fn fmt_value(v: f64, unit: &str) -> String {
    let n = if (v - v.round()).abs() < 0.05 { format!("{}", v.round()) } else { format!("{v:.1}") };
    match unit {
        "" => n,
        "°" | "/10" | "/5" => format!("{n}{unit}"),
        _ => format!("{n} {unit}"),
    }
}

/// Fires every rule whose conditions all hold.
pub fn evidence(facts: &Facts, kb: &KnowledgeBase) -> Vec<Evidence> {
    let mut out = Vec::new();
    for rule in kb.rules() {
        let observed: Option<Vec<String>> = rule.when.iter().map(|c| holds(c, facts, kb)).collect();
        let Some(observed) = observed else { continue };
        let source = facts.get(&rule.when[0].fact).map_or(FactSource::Exposure, |f| f.source);
        for effect in &rule.then {
            let target = match (&effect.muscle, effect.state, &effect.component) {
                (Some(m), Some(d), _) => Target::Muscle { muscle: m.clone(), direction: d },
                (_, _, Some(c)) => Target::Component { component: c.clone(), present: effect.present.unwrap_or(true) },
                _ => continue,
            };
            out.push(Evidence {
                rule: rule.id.clone(),
                description: rule.description.clone(),
                observed: observed.clone(),
                source,
                target,
                weight: effect.weight,
                effective_weight: effect.weight * rule.certainty.factor(),
                certainty: rule.certainty,
                sources: rule.sources.clone(),
            });
        }
    }
    out
}

/// Runs inference on a set of facts.
pub fn infer(facts: &Facts, kb: &KnowledgeBase) -> Inference {
    let all = evidence(facts, kb);
    let muscles: Vec<MuscleFinding> = kb
        .muscles()
        .iter()
        .map(|m| {
            let ev: Vec<Evidence> =
                all.iter().filter(|e| matches!(&e.target, Target::Muscle { muscle, .. } if *muscle == m.id)).cloned().collect();
            decide_muscle(&m.id, ev)
        })
        .collect();
    let components: Vec<ComponentFinding> = kb
        .components()
        .iter()
        .map(|c| {
            let ev: Vec<Evidence> =
                all.iter().filter(|e| matches!(&e.target, Target::Component { component, .. } if *component == c.id)).cloned().collect();
            decide_component(&c.id, ev)
        })
        .collect();
    let pattern = pattern(kb, &muscles, &components);
    Inference { muscles, components, pattern }
}

fn decide_muscle(muscle: &str, evidence: Vec<Evidence>) -> MuscleFinding {
    let score = |d: Direction| -> f64 {
        evidence.iter().filter(|e| matches!(e.target, Target::Muscle { direction, .. } if direction == d)).map(|e| e.effective_weight).sum()
    };
    let scores = [
        (Direction::Overactive, score(Direction::Overactive)),
        (Direction::Inhibited, score(Direction::Inhibited)),
        (Direction::Balanced, score(Direction::Balanced)),
    ];
    let total: f64 = scores.iter().map(|s| s.1).sum();
    let finding = |state, confidence, note: Option<String>| MuscleFinding {
        muscle: muscle.to_string(),
        state,
        confidence,
        note,
        evidence: evidence.clone(),
    };
    if evidence.is_empty() {
        return finding(MuscleState::Unknown, 0.0, Some("no evidence in this assessment".into()));
    }
    let mut sorted = scores;
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (winner, best) = sorted[0];
    let lead = best - sorted[1].1;
    if lead < DECISION_MARGIN {
        let note = if sorted[1].1 > 0.0 { "conflicting evidence" } else { "too little evidence to conclude" };
        return finding(MuscleState::Unknown, 0.0, Some(note.into()));
    }
    let only_contested = evidence
        .iter()
        .filter(|e| matches!(e.target, Target::Muscle { direction, .. } if direction == winner))
        .all(|e| e.certainty == Certainty::Contested);
    if only_contested {
        return finding(
            MuscleState::Unknown,
            0.0,
            Some(format!(
                "only contested evidence points to {}; a contested rule is never the sole basis of a conclusion",
                direction_label(winner)
            )),
        );
    }
    let state = match winner {
        Direction::Overactive => MuscleState::Overactive,
        Direction::Inhibited => MuscleState::Inhibited,
        Direction::Balanced => MuscleState::Balanced,
    };
    let confidence = (lead / (total + 0.5)).clamp(0.0, 1.0);
    finding(state, confidence, None)
}

fn direction_label(d: Direction) -> &'static str {
    match d {
        Direction::Overactive => "overactive",
        Direction::Inhibited => "inhibited",
        Direction::Balanced => "balanced",
    }
}

fn decide_component(component: &str, evidence: Vec<Evidence>) -> ComponentFinding {
    let score = |p: bool| -> f64 {
        evidence.iter().filter(|e| matches!(e.target, Target::Component { present, .. } if present == p)).map(|e| e.effective_weight).sum()
    };
    let (yes, no) = (score(true), score(false));
    let lead = (yes - no).abs();
    let (status, confidence) = if evidence.is_empty() || lead < DECISION_MARGIN {
        (ComponentStatus::Unknown, 0.0)
    } else if yes > no {
        (ComponentStatus::Present, lead / (yes + no + 0.5))
    } else {
        (ComponentStatus::Absent, lead / (yes + no + 0.5))
    };
    ComponentFinding { component: component.to_string(), status, confidence, evidence }
}

/// The pattern's confidence: the confidence-weighted share of its muscles and components that
/// fit it, over those assessed, scaled down by how many were assessed at all.
fn pattern(kb: &KnowledgeBase, muscles: &[MuscleFinding], components: &[ComponentFinding]) -> PatternFinding {
    let p = kb.pattern();
    let (mut fit, mut misfit) = (0.0, 0.0);
    let (mut supporting, mut against, mut unassessed) = (Vec::new(), Vec::new(), Vec::new());
    let expected =
        p.overactive.iter().map(|m| (m, TypicalState::Overactive)).chain(p.inhibited.iter().map(|m| (m, TypicalState::Inhibited)));
    let mut n = 0usize;
    for (id, want) in expected {
        n += 1;
        let Some(f) = muscles.iter().find(|f| &f.muscle == id) else { continue };
        let matches = matches!(
            (f.state, want),
            (MuscleState::Overactive, TypicalState::Overactive) | (MuscleState::Inhibited, TypicalState::Inhibited)
        );
        match f.state {
            MuscleState::Unknown => unassessed.push(id.clone()),
            _ if matches => {
                fit += f.confidence;
                supporting.push(id.clone());
            }
            _ => {
                misfit += f.confidence.max(0.2);
                against.push(id.clone());
            }
        }
    }
    for id in &p.components {
        n += 1;
        let Some(c) = components.iter().find(|c| &c.component == id) else { continue };
        match c.status {
            ComponentStatus::Unknown => unassessed.push(id.clone()),
            ComponentStatus::Present => {
                fit += c.confidence;
                supporting.push(id.clone());
            }
            ComponentStatus::Absent => {
                misfit += c.confidence.max(0.2);
                against.push(id.clone());
            }
        }
    }
    let assessed = n - unassessed.len();
    let confidence = if assessed == 0 || fit + misfit == 0.0 {
        0.0
    } else {
        // Share of the weighted evidence that fits, times the share of the pattern assessed
        // (square-rooted so that a well-assessed half still counts).
        (fit / (fit + misfit)) * (assessed as f64 / n as f64).sqrt() * (fit / assessed as f64).min(1.0).sqrt()
    };
    PatternFinding { pattern: p.id.clone(), applies: confidence >= 0.5, confidence, supporting, against, unassessed }
}
