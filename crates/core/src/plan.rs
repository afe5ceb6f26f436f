//! Plan generation, in proportion to what was found:
//! - **corrective** when muscles were found overactive or inhibited (by tests, palpation or
//!   photos): massage targets in order with techniques, dose and side; corrective exercises in
//!   phases (release and lengthen the overactive first, then activate and strengthen the
//!   inhibited, then integrate), at most five per phase, each on the side it was found;
//! - **exposure only** when nothing was found: break and activity advice and the tests that
//!   would settle the suspected muscles, no massage and no exercise programme;
//! - **maintenance** when the outcome measures are back within normal: a short programme for
//!   what was found, movement breaks, a later review;
//! - in every case, advice fitted to the exposure (no screen advice without screen work) and
//!   review dates.
//!
//! Muscles only suspected from exposure or symptoms never get massage or exercises. The plan is
//! deterministic: choices follow knowledge-base order and confidence, ties broken by id. It is
//! only ever called once the red-flag gate allows it ([`crate::assess()`] enforces that).

use std::collections::BTreeMap;

use crate::date::Date;
use crate::facts::{Facts, Probe};
use crate::inference::{self, Inference, Status};
use crate::knowledge::{Certainty, ExposureAdvice, KnowledgeBase, MuscleState, PhaseParameters, PhaseTargets, Purpose};
use crate::outcomes::Scores;
use crate::vocab::Laterality;

/// A muscle to massage, on a side.
#[derive(Debug, Clone, PartialEq)]
pub struct MassageTarget {
    /// Muscle id.
    pub muscle: String,
    /// The side(s) it was found on.
    pub laterality: Laterality,
    /// The state it was found in.
    pub state: MuscleState,
    /// Technique ids.
    pub techniques: Vec<String>,
    /// The finding's confidence.
    pub confidence: f64,
}

/// The massage part of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct MassagePlan {
    /// Targets: overactive muscles, most confident first, then inhibited ones with a technique.
    pub targets: Vec<MassageTarget>,
    /// Minutes per session.
    pub session_min: f64,
    /// Sessions per week.
    pub sessions_per_week: f64,
    /// Weeks.
    pub weeks: u32,
    /// Why this dose.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// Why an exercise is in a phase.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// It targets these muscles, found in the phase's state on these sides.
    Finding(Vec<(String, Laterality)>),
    /// The phase always includes it.
    Always,
}

/// One exercise in a phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedExercise {
    /// Exercise id.
    pub exercise: String,
    /// The side(s) to do it on.
    pub laterality: Laterality,
    /// Why it is here.
    pub reason: Reason,
}

/// A phase of the exercise programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// Phase id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// First week (1-based).
    pub first_week: u32,
    /// Last week.
    pub last_week: u32,
    /// First day.
    pub starts: Date,
    /// Last day.
    pub ends: Date,
    /// Exercises, at most the phase's maximum.
    pub exercises: Vec<PlannedExercise>,
    /// When to move on.
    pub progression: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A change to how the person sits and works.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureChange {
    /// Id.
    pub id: String,
    /// The advice.
    pub advice: String,
    /// Whether it is a break rule.
    pub breaks: bool,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A test to do at the next visit, and the muscles it would settle.
#[derive(Debug, Clone, PartialEq)]
pub struct TestToDo {
    /// What to do.
    pub probe: Probe,
    /// Muscle ids it would settle.
    pub muscles: Vec<String>,
}

/// What kind of plan this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// Muscles were found: massage and corrective exercises for them.
    Corrective,
    /// Nothing was found on the body: advice and the tests to do.
    ExposureOnly,
    /// The outcome measures are within normal: keep it that way.
    Maintenance,
}

/// The plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// What kind.
    pub kind: PlanKind,
    /// Massage, when muscles were found that it targets.
    pub massage: Option<MassagePlan>,
    /// Exercise phases (none for an exposure-only plan).
    pub phases: Vec<Phase>,
    /// Exposure changes.
    pub exposure_changes: Vec<ExposureChange>,
    /// Tests that would settle the muscles not found, most useful first.
    pub tests_to_do: Vec<TestToDo>,
    /// For a maintenance plan: why.
    pub maintenance_note: Option<String>,
    /// Re-score NDI, NPRS and PSFS on this date.
    pub review_outcomes_on: Date,
    /// Retake photos on this date.
    pub review_photos_on: Date,
}

/// A muscle found in a state: (id, sides, confidence), most confident first, ties by
/// knowledge-base order.
type Found<'a> = Vec<(&'a str, Laterality, f64)>;

fn found(inference: &Inference, state: MuscleState) -> Found<'_> {
    let mut v: Vec<(usize, &str, Laterality, f64)> = inference
        .muscles
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.found_in(state).map(|(lat, c)| (i, m.muscle.as_str(), lat, c)))
        .collect();
    v.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(_, m, l, c)| (m, l, c)).collect()
}

/// Generates the plan. `facts` decides which exposure advice applies; `scores` whether the
/// client has recovered.
pub fn generate(inference: &Inference, facts: &Facts, scores: &Scores, assessed_on: Date, kb: &KnowledgeBase) -> Plan {
    let params = kb.plan();
    let overactive = found(inference, MuscleState::Overactive);
    let inhibited = found(inference, MuscleState::Inhibited);
    let maintenance = &params.maintenance;
    let kind = if scores.within_normal(maintenance.ndi_at_most, maintenance.nprs_at_most) {
        PlanKind::Maintenance
    } else if overactive.is_empty() && inhibited.is_empty() {
        PlanKind::ExposureOnly
    } else {
        PlanKind::Corrective
    };
    let (massage, phases) = match kind {
        PlanKind::Corrective => (massage(&overactive, &inhibited, kb), corrective_phases(&overactive, &inhibited, assessed_on, kb)),
        PlanKind::Maintenance => (None, maintenance_phase(&overactive, &inhibited, assessed_on, kb)),
        PlanKind::ExposureOnly => (None, Vec::new()),
    };
    let review_weeks = if kind == PlanKind::Maintenance { maintenance.weeks } else { params.review.outcomes_every_weeks };
    Plan {
        kind,
        massage,
        phases,
        exposure_changes: exposure_changes(facts, kb),
        tests_to_do: tests_to_do(inference),
        maintenance_note: (kind == PlanKind::Maintenance).then(|| maintenance.rationale.clone()),
        review_outcomes_on: assessed_on.add_days(i64::from(review_weeks) * 7),
        review_photos_on: assessed_on.add_days(i64::from(params.review.photos_every_weeks.max(review_weeks)) * 7),
    }
}

fn massage(overactive: &Found<'_>, inhibited: &Found<'_>, kb: &KnowledgeBase) -> Option<MassagePlan> {
    let d = &kb.plan().massage;
    let targets: Vec<MassageTarget> = overactive
        .iter()
        .map(|t| (t, MuscleState::Overactive))
        .chain(inhibited.iter().map(|t| (t, MuscleState::Inhibited)))
        .filter_map(|((id, laterality, confidence), state)| {
            let m = kb.muscle(id)?;
            (!m.massage.is_empty()).then(|| MassageTarget {
                muscle: m.id.clone(),
                laterality: *laterality,
                state,
                techniques: m.massage.clone(),
                confidence: *confidence,
            })
        })
        .take(d.max_targets)
        .collect();
    (!targets.is_empty()).then(|| MassagePlan {
        targets,
        session_min: d.session_min,
        sessions_per_week: d.sessions_per_week,
        weeks: d.weeks,
        rationale: d.rationale.clone(),
        certainty: d.certainty,
        sources: d.sources.clone(),
    })
}

fn phase_dates(p: &PhaseParameters, assessed_on: Date) -> (Date, Date) {
    (assessed_on.add_days(i64::from(p.first_week - 1) * 7), assessed_on.add_days(i64::from(p.last_week) * 7 - 1))
}

fn corrective_phases(overactive: &Found<'_>, inhibited: &Found<'_>, assessed_on: Date, kb: &KnowledgeBase) -> Vec<Phase> {
    kb.plan()
        .phase
        .iter()
        .filter_map(|p| {
            let mut chosen: Vec<PlannedExercise> = p
                .always
                .iter()
                .map(|e| PlannedExercise { exercise: e.clone(), laterality: Laterality::Both, reason: Reason::Always })
                .collect();
            let muscles: Found<'_> = match p.targets {
                PhaseTargets::Overactive => overactive.clone(),
                PhaseTargets::Inhibited => inhibited.clone(),
                // Alternate between the two groups so both are represented.
                PhaseTargets::All => {
                    let mut all = Vec::new();
                    let (mut a, mut b) = (inhibited.iter(), overactive.iter());
                    loop {
                        match (a.next(), b.next()) {
                            (None, None) => break,
                            (x, y) => all.extend(x.into_iter().chain(y).copied()),
                        }
                    }
                    all
                }
            };
            pick(&mut chosen, &muscles, &p.purposes, p.max_exercises, kb);
            // A phase with nothing to do (nothing found in its state) is left out.
            if chosen.is_empty() {
                return None;
            }
            let (starts, ends) = phase_dates(p, assessed_on);
            Some(Phase {
                id: p.id.clone(),
                name: p.name.clone(),
                first_week: p.first_week,
                last_week: p.last_week,
                starts,
                ends,
                exercises: chosen,
                progression: p.progression.clone(),
                certainty: p.certainty,
                sources: p.sources.clone(),
            })
        })
        .collect()
}

/// One phase that keeps what was gained: the movement break and the strengthening (then the
/// stretching) exercises for what was found.
fn maintenance_phase(overactive: &Found<'_>, inhibited: &Found<'_>, assessed_on: Date, kb: &KnowledgeBase) -> Vec<Phase> {
    let m = &kb.plan().maintenance;
    let mut chosen = vec![PlannedExercise { exercise: "movement_break".into(), laterality: Laterality::Both, reason: Reason::Always }];
    chosen.retain(|e| kb.exercise(&e.exercise).is_some());
    let all: Found<'_> = inhibited.iter().chain(overactive.iter()).copied().collect();
    pick(&mut chosen, &all, &[Purpose::Strengthen, Purpose::Activate], m.max_exercises, kb);
    pick(&mut chosen, &all, &[Purpose::Lengthen, Purpose::Release, Purpose::Mobilise], m.max_exercises, kb);
    vec![Phase {
        id: "maintain".into(),
        name: "Maintain".into(),
        first_week: 1,
        last_week: m.weeks,
        starts: assessed_on,
        ends: assessed_on.add_days(i64::from(m.weeks) * 7 - 1),
        exercises: chosen,
        progression: m.rationale.clone(),
        certainty: m.certainty,
        sources: m.sources.clone(),
    }]
}

/// Adds exercises for `muscles`, round-robin so each muscle gets one before any gets two, until
/// the phase is full. An exercise covering several listed muscles is done on the union of their
/// sides.
fn pick(chosen: &mut Vec<PlannedExercise>, muscles: &Found<'_>, purposes: &[Purpose], max: usize, kb: &KnowledgeBase) {
    let candidates: Vec<Vec<&str>> = muscles
        .iter()
        .map(|(id, ..)| {
            kb.muscle(id).map_or_else(Vec::new, |m| {
                m.stretches
                    .iter()
                    .chain(&m.activation)
                    .filter(|e| kb.exercise(e).is_some_and(|x| purposes.contains(&x.purpose)))
                    .map(String::as_str)
                    .collect()
            })
        })
        .collect();
    let depth = candidates.iter().map(Vec::len).max().unwrap_or(0);
    for round in 0..depth {
        for list in &candidates {
            if chosen.len() >= max {
                return;
            }
            let Some(e) = list.get(round) else { continue };
            if chosen.iter().any(|c| c.exercise == *e) {
                continue;
            }
            let exercise = kb.exercise(e).expect("filtered on existence");
            // Name every listed muscle this exercise covers, so the reason is complete.
            let covered: Vec<(String, Laterality)> =
                muscles.iter().filter(|(m, ..)| exercise.targets.iter().any(|t| t == m)).map(|(m, l, _)| ((*m).to_string(), *l)).collect();
            let laterality = covered.iter().map(|(_, l)| *l).reduce(Laterality::union).unwrap_or(Laterality::Both);
            chosen.push(PlannedExercise { exercise: e.to_string(), laterality, reason: Reason::Finding(covered) });
        }
    }
}

/// Whether every condition of an advice entry holds on the facts (per fact, its larger side).
fn advice_applies(a: &ExposureAdvice, facts: &Facts, kb: &KnowledgeBase) -> bool {
    a.when.iter().all(|c| facts.value(&c.fact).is_some_and(|v| inference::holds(c, &c.fact, v, facts.sex, kb).is_some()))
}

fn exposure_changes(facts: &Facts, kb: &KnowledgeBase) -> Vec<ExposureChange> {
    let interval = kb.plan().breaks.interval_min;
    // A break rule applies to someone who sits longer than the interval without a break.
    let long_bouts = facts.value("exposure.longest_bout_min").is_some_and(|v| v > interval)
        || facts.value("exposure.break_every_min").is_none_or(|v| v > interval);
    kb.plan()
        .advice
        .iter()
        .filter(|a| advice_applies(a, facts, kb) && (!a.breaks || long_bouts))
        .map(|a| ExposureChange {
            id: a.id.clone(),
            advice: a.advice.clone(),
            breaks: a.breaks,
            certainty: a.certainty,
            sources: a.sources.clone(),
        })
        .collect()
}

/// The probes that would settle muscles not found, grouped by probe: those that can settle on
/// their own first, then by how many muscles they would inform, then in probe order.
fn tests_to_do(inference: &Inference) -> Vec<TestToDo> {
    let mut by_probe: BTreeMap<Probe, (bool, Vec<String>)> = BTreeMap::new();
    for m in &inference.muscles {
        let suspected = matches!(m.left, Status::Suspected { .. }) || matches!(m.right, Status::Suspected { .. });
        for t in &m.next_tests {
            let entry = by_probe.entry(t.probe.clone()).or_default();
            entry.0 |= t.settles && suspected;
            if !entry.1.contains(&m.muscle) {
                entry.1.push(m.muscle.clone());
            }
        }
    }
    let mut tests: Vec<(bool, TestToDo)> =
        by_probe.into_iter().map(|(probe, (firm, muscles))| (firm, TestToDo { probe, muscles })).collect();
    tests.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.muscles.len().cmp(&a.1.muscles.len())).then(a.1.probe.cmp(&b.1.probe)));
    tests.into_iter().map(|(_, t)| t).take(6).collect()
}
