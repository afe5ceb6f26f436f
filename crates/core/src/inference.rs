//! Inference: rules over facts → evidence → a status for each muscle on each side, a status for
//! each posture component, and the pattern label, each with its evidence trail; and, for every
//! muscle not settled, the tests that would settle it.
//!
//! How evidence combines (documented in ARCHITECTURE.md):
//! - each fired effect contributes `weight × certainty factor` (established 1.0, convention 0.75,
//!   contested 0.4) toward one state, on the side(s) its facts apply to (a fact recorded per side
//!   fires per side; exposure applies to both);
//! - **findings decide**: a muscle side is *found* in a state only when evidence from tests,
//!   palpation or photos (never exposure or symptoms) leads the runner-up by at least
//!   [`DECISION_MARGIN`] and at least one non-contested finding supports it (a contested rule is
//!   never the sole basis of a conclusion); findings that disagree leave it unknown;
//! - without a decisive finding, exposure and symptoms (with any contested finding) can only make
//!   a state *suspected*, shown as such and never as found;
//! - confidence = lead ÷ (total + 0.5) over the tier that decided.
//!
//! Components and the pattern label are kept separate from the muscle states, as the brief asks.

use std::collections::BTreeMap;

use crate::facts::{self, EvidenceKind, Fact, Facts, Probe};
use crate::intake::{Sex, Side};
use crate::knowledge::{Certainty, Condition, KnowledgeBase, MUSCLE_PLACEHOLDER, Measure, MuscleState, Op, Rule, TypicalState};
use crate::vocab::Laterality;

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
        state: MuscleState,
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
    /// The facts it rests on (names, with any `{muscle}` filled in).
    pub facts: Vec<String>,
    /// The kind of observation it rests on: a finding kind when any of its facts is one.
    pub kind: EvidenceKind,
    /// The side(s) it applies to.
    pub laterality: Laterality,
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

impl Evidence {
    /// The muscle state it points to, if it is about a muscle.
    pub fn state(&self) -> Option<MuscleState> {
        match &self.target {
            Target::Muscle { state, .. } => Some(*state),
            Target::Component { .. } => None,
        }
    }
}

/// Why a muscle side has no state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unknown {
    /// No rule about it fired.
    NoEvidence,
    /// Findings (or, without findings, the other evidence) point different ways.
    Conflicting,
    /// What there is does not reach the decision margin.
    TooLittle,
}

/// A muscle's status on one side.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Tests, palpation or photos establish the state.
    Found {
        /// The state.
        state: MuscleState,
        /// 0–1.
        confidence: f64,
    },
    /// Exposure, symptoms or contested findings point to a state; nothing on the body
    /// establishes it. Never shown as found.
    Suspected {
        /// The state.
        state: MuscleState,
        /// 0–1.
        confidence: f64,
        /// The kinds of evidence behind the suspicion.
        basis: Vec<EvidenceKind>,
    },
    /// No state.
    Unknown(Unknown),
}

impl Status {
    /// The state, when found.
    pub fn found(&self) -> Option<MuscleState> {
        match self {
            Status::Found { state, .. } => Some(*state),
            _ => None,
        }
    }

    /// The state, found or suspected.
    pub fn state(&self) -> Option<MuscleState> {
        match self {
            Status::Found { state, .. } | Status::Suspected { state, .. } => Some(*state),
            Status::Unknown(_) => None,
        }
    }

    /// The confidence (0 when unknown).
    pub fn confidence(&self) -> f64 {
        match self {
            Status::Found { confidence, .. } | Status::Suspected { confidence, .. } => *confidence,
            Status::Unknown(_) => 0.0,
        }
    }

    /// Whether it is settled: found on the body.
    pub fn is_found(&self) -> bool {
        matches!(self, Status::Found { .. })
    }
}

/// A test that would settle a muscle's status, and how much each outcome could weigh.
#[derive(Debug, Clone, PartialEq)]
pub struct NextTest {
    /// What to do.
    pub probe: Probe,
    /// The most each outcome could add toward each state, weighted, largest first.
    pub toward: Vec<(MuscleState, f64)>,
    /// Whether an outcome could reach a finding on its own (non-contested, above the margin).
    pub settles: bool,
}

/// The inference for one muscle, per side.
#[derive(Debug, Clone, PartialEq)]
pub struct MuscleFinding {
    /// Muscle id.
    pub muscle: String,
    /// The left side.
    pub left: Status,
    /// The right side.
    pub right: Status,
    /// Every piece of evidence about this muscle, on either side.
    pub evidence: Vec<Evidence>,
    /// For a side not found: the tests that would settle it, most useful first.
    pub next_tests: Vec<NextTest>,
}

impl MuscleFinding {
    /// The status on one side.
    pub fn status(&self, side: Side) -> &Status {
        match side {
            Side::Left => &self.left,
            Side::Right => &self.right,
        }
    }

    /// Where the muscle is found in `state` (`None` when on neither side), with the higher
    /// confidence of the sides.
    pub fn found_in(&self, state: MuscleState) -> Option<(Laterality, f64)> {
        let on = |s: &Status| s.found() == Some(state);
        let lat = Laterality::of(on(&self.left), on(&self.right))?;
        let conf = [&self.left, &self.right].iter().filter(|s| on(s)).map(|s| s.confidence()).fold(0.0, f64::max);
        Some((lat, conf))
    }

    /// Whether it is found in any state on any side.
    pub fn has_finding(&self) -> bool {
        self.left.is_found() || self.right.is_found()
    }

    /// The found state on the sides of `lat`: `Some` only when every side in it is found, and
    /// then the state found there (the first side's when they differ).
    pub fn found_on(&self, lat: Laterality) -> Vec<(Side, MuscleState, f64)> {
        [Side::Left, Side::Right]
            .into_iter()
            .filter(|s| lat.covers(*s))
            .filter_map(|s| self.status(s).found().map(|st| (s, st, self.status(s).confidence())))
            .collect()
    }
}

/// A posture component's status.
#[derive(Debug, Clone, PartialEq)]
pub enum ComponentStatus {
    /// Seen on a photo (or shown by a test).
    Present {
        /// 0–1.
        confidence: f64,
        /// Photo metric or clinical test.
        basis: EvidenceKind,
    },
    /// Measured and not there.
    Absent {
        /// 0–1.
        confidence: f64,
        /// Photo metric or clinical test.
        basis: EvidenceKind,
    },
    /// Exposure (or a test, indirectly) suggests it; no photo measured it.
    Suspected {
        /// 0–1.
        confidence: f64,
    },
    /// Not measured, or the measurements disagree.
    Unknown,
}

/// The inference for one posture component.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentFinding {
    /// Component id.
    pub component: String,
    /// Status.
    pub status: ComponentStatus,
    /// Whether a photo status rests on contested rules alone (the side-view proxies): shown,
    /// but a contested "present" is never counted for the pattern, since a contested rule is
    /// never the sole basis of a conclusion (a contested "absent" still counts against it, as a
    /// caution).
    pub contested_only: bool,
    /// Evidence.
    pub evidence: Vec<Evidence>,
}

/// Why the pattern label does not apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PatternGap {
    /// No muscle the pattern expects overactive was found overactive.
    NoOveractiveFinding,
    /// No muscle the pattern expects inhibited was found inhibited.
    NoInhibitedFinding,
    /// Fewer supporting findings than the pattern needs.
    TooFewFindings {
        /// Supporting findings.
        found: usize,
        /// Needed.
        needed: usize,
    },
    /// Too large a share of the findings contradict it.
    TooMuchAgainst {
        /// Share of the assessed items that fit.
        share: f64,
        /// The share needed.
        needed: f64,
    },
}

/// The pattern label, inferred from the muscle findings and components; never a diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternFinding {
    /// Pattern id.
    pub pattern: String,
    /// Whether the label applies (no gaps).
    pub applies: bool,
    /// 0–1.
    pub confidence: f64,
    /// Muscle and component ids found as the pattern expects.
    pub supporting: Vec<String>,
    /// Muscle and component ids found otherwise (a muscle found as expected on one side and
    /// otherwise on the other is in both lists).
    pub against: Vec<String>,
    /// Muscle and component ids without a finding (suspected or unknown).
    pub unassessed: Vec<String>,
    /// What keeps the label from applying.
    pub gaps: Vec<PatternGap>,
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
pub fn lower_cutoff(m: &Measure, sex: Option<Sex>) -> Option<(f64, Option<Sex>)> {
    match sex {
        Some(Sex::Female) if m.cutoff_female.is_some() => m.cutoff_female.map(|v| (v, Some(Sex::Female))),
        Some(Sex::Male) if m.cutoff_male.is_some() => m.cutoff_male.map(|v| (v, Some(Sex::Male))),
        _ => m.cutoff_below.map(|v| (v, None)),
    }
}

/// Evaluates one condition on a value; `Some(text)` describing the observation when it holds.
pub fn holds(cond: &Condition, fact_name: &str, v: f64, sex: Option<Sex>, kb: &KnowledgeBase) -> Option<String> {
    let measure = facts::measure_of(fact_name).and_then(|m| kb.measure(m));
    let (label, unit) = fact_label(fact_name, kb);
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
            if unit == "tone" {
                let tone = |t: f64| match t {
                    t if t > 0.5 => "increased",
                    t if t < -0.5 => "decreased",
                    _ => "normal",
                };
                return ok_and(ok, format!("palpation: tone {}", tone(v)));
            }
            ok_and(ok, format!("{shown} ({} {})", cond.op.label(), fmt_value(x, &unit)))
        }
        Op::BelowCutoff => {
            let m = measure?;
            let (cut, sex) = lower_cutoff(m, sex)?;
            let sex = sex.map(|s| format!(", {s} norm")).unwrap_or_default();
            ok_and(v < cut, format!("{label} {}, below the cut-off {}{sex}", fmt_apart(v, cut, &unit), fmt_value(cut, &unit)))
        }
        Op::AboveCutoff => {
            let m = measure?;
            let cut = m.cutoff_above?;
            ok_and(v > cut, format!("{label} {}, above the cut-off {}", fmt_apart(v, cut, &unit), fmt_value(cut, &unit)))
        }
        Op::BeyondCutoff => {
            let m = measure?;
            if let Some((cut, _)) = lower_cutoff(m, sex).filter(|(c, _)| v < *c) {
                return Some(format!("{label} {}, below the cut-off {}", fmt_apart(v, cut, &unit), fmt_value(cut, &unit)));
            }
            let cut = m.cutoff_above.filter(|c| v > *c)?;
            Some(format!("{label} {}, above the cut-off {}", fmt_apart(v, cut, &unit), fmt_value(cut, &unit)))
        }
        Op::WithinNorm => {
            let m = measure?;
            let lower = lower_cutoff(m, sex).map(|(c, _)| c);
            let (lo, hi) = if lower.is_some() || m.cutoff_above.is_some() { (lower, m.cutoff_above) } else { (m.norm_low, m.norm_high) };
            if lo.is_none() && hi.is_none() {
                return None;
            }
            let ok = lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi);
            // A measure with cut-offs but no normal range is only not flagged, not "normal".
            let reads = if m.has_norm() { "within the norm" } else { "not past the cut-off" };
            ok_and(ok, format!("{shown}, {reads}"))
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
        Some((l, u)) => (l, u.to_string()),
        None => (name.to_string(), String::new()),
    }
}

/// Formats a value with its unit, with at most one decimal.
pub fn fmt_value(v: f64, unit: &str) -> String {
    with_unit(if (v - v.round()).abs() < 0.05 { format!("{}", v.round()) } else { format!("{v:.1}") }, unit)
}

/// `v` as [`fmt_value`] writes it, with as many more decimals as it takes not to read the same
/// as the threshold it was compared with (9.99 against 10 is "9.99", not "10").
pub fn fmt_apart(v: f64, threshold: f64, unit: &str) -> String {
    let shown = fmt_value(v, unit);
    if v == threshold || shown != fmt_value(threshold, unit) {
        return shown;
    }
    let places = (2..=6).find(|&p| format!("{v:.p$}") != format!("{threshold:.p$}")).unwrap_or(6);
    with_unit(format!("{v:.places$}"), unit)
}

fn with_unit(n: String, unit: &str) -> String {
    match unit {
        "" | "tone" => n,
        "°" | "/10" | "/5" | "/3" => format!("{n}{unit}"),
        _ => format!("{n} {unit}"),
    }
}

/// The kind of evidence a rule's facts amount to: a finding kind when any fact is one (the
/// first such), else symptom when any fact is a symptom, else exposure.
fn evidence_kind(facts: &[&Fact]) -> EvidenceKind {
    facts
        .iter()
        .map(|f| f.kind)
        .find(|k| k.is_finding())
        .or_else(|| facts.iter().map(|f| f.kind).find(|k| *k == EvidenceKind::Symptom))
        .unwrap_or(EvidenceKind::Exposure)
}

/// Fires every rule whose conditions all hold, per side for sided facts. Palpation templates
/// (`{muscle}`) fire once per palpated muscle.
pub fn evidence(facts: &Facts, kb: &KnowledgeBase) -> Vec<Evidence> {
    let mut out = Vec::new();
    for rule in kb.rules() {
        if rule.is_template() {
            // Palpation templates apply to the pattern's muscles, not to the prime mover.
            for m in kb.muscles().iter().filter(|m| m.palpable && m.typical_state != TypicalState::PrimeMover) {
                fire(rule, Some(&m.id), facts, kb, &mut out);
            }
        } else {
            fire(rule, None, facts, kb, &mut out);
        }
    }
    out
}

fn fire(rule: &Rule, muscle: Option<&str>, facts: &Facts, kb: &KnowledgeBase, out: &mut Vec<Evidence>) {
    let names: Vec<String> = rule.when.iter().map(|c| muscle.map_or_else(|| c.fact.clone(), |m| facts::instantiate(&c.fact, m))).collect();
    let Some(found): Option<Vec<&Fact>> = names.iter().map(|n| facts.get(n)).collect() else { return };
    let observe = |side: Option<Side>| -> Option<Vec<String>> {
        rule.when
            .iter()
            .zip(&names)
            .zip(&found)
            .map(|((cond, name), fact)| {
                let v = side.map_or_else(|| fact.max(), |s| fact.on(s))?;
                holds(cond, name, v, facts.sex, kb)
            })
            .collect()
    };
    let fired: Vec<(Laterality, Vec<String>)> = if found.iter().any(|f| f.is_sided()) {
        let (left, right) = (observe(Some(Side::Left)), observe(Some(Side::Right)));
        match (left, right) {
            (Some(l), Some(r)) if l == r => vec![(Laterality::Both, l)],
            (l, r) => l.map(|l| (Laterality::Left, l)).into_iter().chain(r.map(|r| (Laterality::Right, r))).collect(),
        }
    } else {
        observe(None).map(|o| (Laterality::Both, o)).into_iter().collect()
    };
    let kind = evidence_kind(&found);
    for (laterality, observed) in fired {
        for effect in &rule.then {
            let target = match (&effect.muscle, effect.state, &effect.component) {
                (Some(m), Some(state), _) => {
                    let m = if m == MUSCLE_PLACEHOLDER { muscle.unwrap_or(m) } else { m };
                    Target::Muscle { muscle: m.to_string(), state }
                }
                (_, _, Some(c)) => Target::Component { component: c.clone(), present: effect.present.unwrap_or(true) },
                _ => continue,
            };
            out.push(Evidence {
                rule: rule.id.clone(),
                description: rule.description.clone(),
                observed: observed.clone(),
                facts: names.clone(),
                kind,
                laterality,
                target,
                weight: effect.weight,
                effective_weight: effect.weight * rule.certainty.factor(),
                certainty: rule.certainty,
                sources: rule.sources.clone(),
            });
        }
    }
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
            let side = |s: Side| decide_muscle(ev.iter().filter(|e| e.laterality.covers(s)));
            let (left, right) = (side(Side::Left), side(Side::Right));
            let settled = left.is_found() && right.is_found();
            let next_tests = if settled || m.typical_state == TypicalState::PrimeMover { Vec::new() } else { next_tests(&m.id, facts, kb) };
            MuscleFinding { muscle: m.id.clone(), left, right, evidence: ev, next_tests }
        })
        .collect();
    let components: Vec<ComponentFinding> = kb
        .components()
        .iter()
        .map(|c| {
            let ev: Vec<Evidence> =
                all.iter().filter(|e| matches!(&e.target, Target::Component { component, .. } if *component == c.id)).cloned().collect();
            let status = decide_component(&ev);
            let contested_only = contested_only(&status, &ev);
            ComponentFinding { component: c.id.clone(), status, contested_only, evidence: ev }
        })
        .collect();
    let pattern = pattern(kb, &muscles, &components);
    Inference { muscles, components, pattern }
}

/// Sums of effective weight per state, the winner, its lead over the runner-up and the total.
struct Tally {
    winner: MuscleState,
    lead: f64,
    runner_up: f64,
    total: f64,
}

fn tally<'a>(evidence: impl Iterator<Item = &'a Evidence> + Clone) -> Option<Tally> {
    let score = |state: MuscleState| evidence.clone().filter(|e| e.state() == Some(state)).map(|e| e.effective_weight).sum::<f64>();
    let mut scores: Vec<(MuscleState, f64)> = MuscleState::ALL.iter().map(|s| (*s, score(*s))).collect();
    let total: f64 = scores.iter().map(|s| s.1).sum();
    if total <= 0.0 {
        return None;
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(Tally { winner: scores[0].0, lead: scores[0].1 - scores[1].1, runner_up: scores[1].1, total })
}

/// Decides one side of a muscle from the evidence that applies to it (see the module's rules).
pub(crate) fn decide_muscle<'a>(evidence: impl Iterator<Item = &'a Evidence> + Clone) -> Status {
    let findings = evidence.clone().filter(|e| e.kind.is_finding());
    if let Some(t) = tally(findings.clone()) {
        let supported_firmly = findings.clone().any(|e| e.state() == Some(t.winner) && e.certainty != Certainty::Contested);
        if t.lead >= DECISION_MARGIN && supported_firmly {
            return Status::Found { state: t.winner, confidence: (t.lead / (t.total + 0.5)).clamp(0.0, 1.0) };
        }
        if t.lead < DECISION_MARGIN && t.runner_up > 0.0 {
            return Status::Unknown(Unknown::Conflicting);
        }
    }
    let Some(t) = tally(evidence.clone()) else {
        return Status::Unknown(Unknown::NoEvidence);
    };
    if t.lead < DECISION_MARGIN {
        return Status::Unknown(if t.runner_up > 0.0 { Unknown::Conflicting } else { Unknown::TooLittle });
    }
    let mut basis: Vec<EvidenceKind> = evidence.filter(|e| e.state() == Some(t.winner)).map(|e| e.kind).collect();
    basis.sort();
    basis.dedup();
    Status::Suspected { state: t.winner, confidence: (t.lead / (t.total + 0.5)).clamp(0.0, 1.0), basis }
}

fn decide_component(evidence: &[Evidence]) -> ComponentStatus {
    let score = |present: bool, photo: bool| -> f64 {
        evidence
            .iter()
            .filter(|e| {
                (e.kind == EvidenceKind::PhotoMetric) == photo && matches!(e.target, Target::Component { present: p, .. } if p == present)
            })
            .map(|e| e.effective_weight)
            .sum()
    };
    // A photo measures posture components directly and decides by itself: a side photo sets
    // the components it measures. Tests and exposure only suggest them.
    let (yes, no) = (score(true, true), score(false, true));
    if yes + no > 0.0 {
        let basis = EvidenceKind::PhotoMetric;
        let confidence = (yes - no).abs() / (yes + no + 0.5);
        return match yes.total_cmp(&no) {
            std::cmp::Ordering::Greater => ComponentStatus::Present { confidence, basis },
            std::cmp::Ordering::Less => ComponentStatus::Absent { confidence, basis },
            std::cmp::Ordering::Equal => ComponentStatus::Unknown,
        };
    }
    let suspected = score(true, false) - score(false, false);
    if suspected >= DECISION_MARGIN {
        ComponentStatus::Suspected { confidence: suspected / (score(true, false) + score(false, false) + 0.5) }
    } else {
        ComponentStatus::Unknown
    }
}

/// Whether a component's photo status rests on contested rules alone: no non-contested photo
/// finding points the way it was decided.
fn contested_only(status: &ComponentStatus, evidence: &[Evidence]) -> bool {
    let present = match status {
        ComponentStatus::Present { .. } => true,
        ComponentStatus::Absent { .. } => false,
        ComponentStatus::Suspected { .. } | ComponentStatus::Unknown => return false,
    };
    !evidence.iter().any(|e| {
        e.kind == EvidenceKind::PhotoMetric
            && e.certainty != Certainty::Contested
            && matches!(e.target, Target::Component { present: p, .. } if p == present)
    })
}

/// The tests that would settle a muscle: for each probe not yet done, the rules it alone would
/// complete, summed per state. Most useful first (one that can settle it, then by weight).
fn next_tests(muscle: &str, facts: &Facts, kb: &KnowledgeBase) -> Vec<NextTest> {
    let palpable = kb.muscle(muscle).is_some_and(|m| m.palpable);
    let mut toward: BTreeMap<Probe, (BTreeMap<MuscleState, f64>, bool)> = BTreeMap::new();
    for rule in kb.rules() {
        let names: Vec<String> = rule.when.iter().map(|c| facts::instantiate(&c.fact, muscle)).collect();
        let effects: Vec<(MuscleState, f64)> = rule
            .then
            .iter()
            .filter_map(|e| match (&e.muscle, e.state) {
                (Some(m), Some(s)) if m == muscle || (m == MUSCLE_PLACEHOLDER && rule.is_template() && palpable) => {
                    Some((s, e.weight * rule.certainty.factor()))
                }
                _ => None,
            })
            .collect();
        if effects.is_empty() {
            continue;
        }
        let mut missing: Vec<Probe> = Vec::new();
        let mut askable = true;
        for name in &names {
            if facts.get(name).is_some() {
                continue;
            }
            match facts::probe(name, kb) {
                Some(p) if !missing.contains(&p) => missing.push(p),
                Some(_) => {}
                None => askable = false,
            }
        }
        if !askable || missing.len() != 1 {
            continue;
        }
        let entry = toward.entry(missing.remove(0)).or_default();
        for (state, w) in effects {
            *entry.0.entry(state).or_default() += w;
            entry.1 |= rule.certainty != Certainty::Contested && w >= DECISION_MARGIN;
        }
    }
    let mut tests: Vec<NextTest> = toward
        .into_iter()
        .map(|(probe, (by_state, firm))| {
            let mut toward: Vec<(MuscleState, f64)> = by_state.into_iter().collect();
            toward.sort_by(|a, b| b.1.total_cmp(&a.1));
            NextTest { probe, toward, settles: firm }
        })
        .collect();
    let best = |t: &NextTest| t.toward.first().map_or(0.0, |x| x.1);
    tests.sort_by(|a, b| b.settles.cmp(&a.settles).then(best(b).total_cmp(&best(a))).then(a.probe.cmp(&b.probe)));
    tests.truncate(3);
    tests
}

/// The pattern's confidence and whether it applies: supporting findings (muscles found in
/// their typical state on either side, components present) against contradicting ones; the
/// label needs a tight and a weak muscle, `min_findings` supporting findings and `min_share`
/// of the assessed items fitting. Suspected muscles count as unassessed.
fn pattern(kb: &KnowledgeBase, muscles: &[MuscleFinding], components: &[ComponentFinding]) -> PatternFinding {
    let p = kb.pattern();
    let (mut fit, mut misfit) = (0.0, 0.0);
    let (mut supporting, mut against, mut unassessed) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tight, mut weak) = (false, false);
    let expected =
        p.overactive.iter().map(|m| (m, TypicalState::Overactive)).chain(p.inhibited.iter().map(|m| (m, TypicalState::Inhibited)));
    for (id, want) in expected {
        let Some(f) = muscles.iter().find(|f| &f.muscle == id) else { continue };
        let want_state = if want == TypicalState::Overactive { MuscleState::Overactive } else { MuscleState::Inhibited };
        if let Some((_, conf)) = f.found_in(want_state) {
            fit += conf;
            supporting.push(id.clone());
            tight |= want == TypicalState::Overactive;
            weak |= want == TypicalState::Inhibited;
            // The pattern is two-sided: the other side found in another state (balanced, say)
            // speaks against it too, so a one-sided picture does not read as the cross.
            let other = [&f.left, &f.right].into_iter().filter(|s| s.is_found() && s.found() != Some(want_state)).map(|s| s.confidence());
            if let Some(conf) = other.reduce(f64::max) {
                misfit += conf.max(0.2);
                against.push(id.clone());
            }
        } else if f.has_finding() {
            misfit += f.left.confidence().max(f.right.confidence()).max(0.2);
            against.push(id.clone());
        } else {
            unassessed.push(id.clone());
        }
    }
    for id in &p.components {
        let Some(c) = components.iter().find(|c| &c.component == id) else { continue };
        // A contested proxy may speak against the label, as a caution, but never for it.
        if c.contested_only && matches!(c.status, ComponentStatus::Present { .. }) {
            unassessed.push(id.clone());
            continue;
        }
        match c.status {
            ComponentStatus::Present { confidence, .. } => {
                fit += confidence;
                supporting.push(id.clone());
            }
            ComponentStatus::Absent { confidence, .. } => {
                misfit += confidence.max(0.2);
                against.push(id.clone());
            }
            ComponentStatus::Suspected { .. } | ComponentStatus::Unknown => unassessed.push(id.clone()),
        }
    }
    let assessed = supporting.len() + against.len();
    let share = if assessed == 0 { 0.0 } else { supporting.len() as f64 / assessed as f64 };
    let mut gaps = Vec::new();
    if !tight {
        gaps.push(PatternGap::NoOveractiveFinding);
    }
    if !weak {
        gaps.push(PatternGap::NoInhibitedFinding);
    }
    if supporting.len() < p.min_findings {
        gaps.push(PatternGap::TooFewFindings { found: supporting.len(), needed: p.min_findings });
    }
    if assessed > 0 && share < p.min_share {
        gaps.push(PatternGap::TooMuchAgainst { share, needed: p.min_share });
    }
    // The share of the weighted findings that fit, times how far the fitting findings' summed
    // confidence reaches toward `min_findings` confident findings.
    let weighted = if fit + misfit > 0.0 { fit / (fit + misfit) } else { 0.0 };
    let coverage = (fit / p.min_findings as f64).min(1.0);
    PatternFinding {
        pattern: p.id.clone(),
        applies: gaps.is_empty(),
        confidence: weighted * coverage,
        supporting,
        against,
        unassessed,
        gaps,
    }
}
