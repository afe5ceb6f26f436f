//! Plan generation: massage targets in order with techniques and dose; corrective exercises in
//! phases (release and lengthen the overactive first, then activate and strengthen the
//! inhibited, then integrate), at most five per phase; exposure changes; review dates.
//!
//! The plan is deterministic for the same input: every choice follows knowledge-base order and
//! confidence, with ties broken by id. It is only ever called once the red-flag gate is clear
//! ([`crate::assess()`] enforces that).

use std::collections::BTreeSet;

use crate::date::Date;
use crate::facts::Facts;
use crate::inference::{self, Inference, MuscleState};
use crate::knowledge::{Certainty, KnowledgeBase, PhaseTargets, Purpose, TypicalState};

/// A muscle to massage.
#[derive(Debug, Clone, PartialEq)]
pub struct MassageTarget {
    /// Muscle id.
    pub muscle: String,
    /// Technique ids.
    pub techniques: Vec<String>,
    /// The muscle finding's confidence.
    pub confidence: f64,
}

/// The massage part of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct MassagePlan {
    /// Targets, most confident first.
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
    /// It targets these muscles, found in the phase's state.
    Finding(Vec<String>),
    /// It targets these muscles, expected in the pattern but not confirmed.
    Expected(Vec<String>),
    /// The phase always includes it.
    Always,
}

/// One exercise in a phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedExercise {
    /// Exercise id.
    pub exercise: String,
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
    /// Id (the break rule is `breaks`).
    pub id: String,
    /// The advice.
    pub advice: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Massage, when any muscle was found overactive.
    pub massage: Option<MassagePlan>,
    /// Exercise phases.
    pub phases: Vec<Phase>,
    /// Exposure changes.
    pub exposure_changes: Vec<ExposureChange>,
    /// Re-score NDI, NPRS and PSFS on this date.
    pub review_outcomes_on: Date,
    /// Retake photos on this date.
    pub review_photos_on: Date,
}

/// Muscles in `state`, most confident first (ties by knowledge-base order).
fn ranked(inference: &Inference, state: MuscleState) -> Vec<(&str, f64)> {
    let mut v: Vec<(usize, &str, f64)> =
        inference.muscles.iter().enumerate().filter(|(_, m)| m.state == state).map(|(i, m)| (i, m.muscle.as_str(), m.confidence)).collect();
    v.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(_, m, c)| (m, c)).collect()
}

/// Generates the plan. `facts` decides which exposure changes apply.
pub fn generate(inference: &Inference, facts: &Facts, assessed_on: Date, kb: &KnowledgeBase) -> Plan {
    let params = kb.plan();
    let overactive = ranked(inference, MuscleState::Overactive);
    let inhibited = ranked(inference, MuscleState::Inhibited);

    let targets: Vec<MassageTarget> = overactive
        .iter()
        .filter_map(|(id, confidence)| {
            let m = kb.muscle(id)?;
            (!m.massage.is_empty()).then(|| MassageTarget { muscle: m.id.clone(), techniques: m.massage.clone(), confidence: *confidence })
        })
        .take(params.massage.max_targets)
        .collect();
    let d = &params.massage;
    let massage = (!targets.is_empty()).then(|| MassagePlan {
        targets,
        session_min: d.session_min,
        sessions_per_week: d.sessions_per_week,
        weeks: d.weeks,
        rationale: d.rationale.clone(),
        certainty: d.certainty,
        sources: d.sources.clone(),
    });

    // Muscles the pattern expects in each state but this assessment did not establish; used
    // only when the pattern label applies and a phase has room.
    let expected = |want: TypicalState| -> Vec<&str> {
        if !inference.pattern.applies {
            return Vec::new();
        }
        let p = kb.pattern();
        let list = if want == TypicalState::Overactive { &p.overactive } else { &p.inhibited };
        list.iter().filter(|m| inference.muscle(m).is_some_and(|f| f.state == MuscleState::Unknown)).map(String::as_str).collect()
    };

    let mut phases = Vec::new();
    for p in &params.phase {
        let mut chosen: Vec<PlannedExercise> =
            p.always.iter().map(|e| PlannedExercise { exercise: e.clone(), reason: Reason::Always }).collect();
        let (found, exp): (Vec<&str>, Vec<&str>) = match p.targets {
            PhaseTargets::Overactive => (overactive.iter().map(|x| x.0).collect(), expected(TypicalState::Overactive)),
            PhaseTargets::Inhibited => (inhibited.iter().map(|x| x.0).collect(), expected(TypicalState::Inhibited)),
            PhaseTargets::All => {
                // Alternate between the two groups so both are represented.
                let mut all = Vec::new();
                let (mut a, mut b) = (inhibited.iter(), overactive.iter());
                loop {
                    match (a.next(), b.next()) {
                        (None, None) => break,
                        (x, y) => all.extend(x.into_iter().chain(y).map(|m| m.0)),
                    }
                }
                (all, Vec::new())
            }
        };
        for (muscles, expected) in [(found, false), (exp, true)] {
            pick(&mut chosen, &muscles, &p.purposes, p.max_exercises, expected, kb);
        }
        phases.push(Phase {
            id: p.id.clone(),
            name: p.name.clone(),
            first_week: p.first_week,
            last_week: p.last_week,
            starts: assessed_on.add_days(i64::from(p.first_week - 1) * 7),
            ends: assessed_on.add_days(i64::from(p.last_week) * 7 - 1),
            exercises: chosen,
            progression: p.progression.clone(),
            certainty: p.certainty,
            sources: p.sources.clone(),
        });
    }

    let mut exposure_changes = Vec::new();
    let b = &params.breaks;
    let get = |n: &str| facts.get(n).map(|f| f.value);
    let sits = get("exposure.sitting_hours").unwrap_or(0.0) >= 2.0 || get("exposure.hands_forward_hours").unwrap_or(0.0) >= 2.0;
    let long_bouts = get("exposure.longest_bout_min").is_some_and(|v| v > b.interval_min)
        || get("exposure.break_every_min").is_none_or(|v| v > b.interval_min);
    if sits && long_bouts {
        exposure_changes.push(ExposureChange {
            id: "breaks".into(),
            advice: b.advice.clone(),
            certainty: b.certainty,
            sources: b.sources.clone(),
        });
    }
    for w in &params.workstation {
        if w.when.iter().all(|c| inference::holds(c, facts, kb).is_some()) {
            exposure_changes.push(ExposureChange {
                id: w.id.clone(),
                advice: w.advice.clone(),
                certainty: w.certainty,
                sources: w.sources.clone(),
            });
        }
    }

    Plan {
        massage,
        phases,
        exposure_changes,
        review_outcomes_on: assessed_on.add_days(i64::from(params.review.outcomes_every_weeks) * 7),
        review_photos_on: assessed_on.add_days(i64::from(params.review.photos_every_weeks) * 7),
    }
}

/// Adds exercises for `muscles`, round-robin so each muscle gets one before any gets two, until
/// the phase is full.
fn pick(chosen: &mut Vec<PlannedExercise>, muscles: &[&str], purposes: &[Purpose], max: usize, expected: bool, kb: &KnowledgeBase) {
    let candidates: Vec<Vec<&str>> = muscles
        .iter()
        .map(|id| {
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
            let covered: BTreeSet<&str> = exercise.targets.iter().map(String::as_str).filter(|t| muscles.contains(t)).collect();
            let covered: Vec<String> = muscles.iter().filter(|m| covered.contains(*m)).map(|m| (*m).to_string()).collect();
            let reason = if expected { Reason::Expected(covered) } else { Reason::Finding(covered) };
            chosen.push(PlannedExercise { exercise: e.to_string(), reason });
        }
    }
}
