//! The illustrative dynamics model of "the strong get stronger": a state per muscle that evolves
//! day by day from the exposure profile, with and without the plan.
//!
//! Each muscle of the pattern has an imbalance `u` in 0–1 in the direction the pattern pushes it
//! (0 balanced, 1 as far as it goes): tighter for muscles that tend to be overactive, weaker and
//! longer for those that tend to be inhibited. Each day:
//!
//! ```text
//! drive  = exposure_gain·hands_forward_h + sitting_gain·other_sitting_h        (static load)
//!          × (1 − break_relief·breaks)                                          (breaks help)
//!        + recruitment_gain·ū·(baseline_task_h + lifting_h/7)                  (feedback)
//! u     += s_m·drive·(1 − u) − (recovery_rate + treatment_m)·u
//! ```
//!
//! where `ū` is the mean imbalance of the pattern's muscles and `s_m` the muscle's
//! susceptibility. The feedback term is the loop in the premise: the more imbalanced the person,
//! the more the overactive muscles take over loaded tasks, which deepens the imbalance. The
//! treatment term is the plan's: massage on its targets, the current phase's exercises on theirs,
//! each scaled by adherence and by an adaptation level that builds over `adaptation_days` and
//! fades over `detraining_days`, so that effects take weeks (brief §7.3: posture angles change
//! over 6–16 weeks; gains held 4–16 weeks after stopping).
//!
//! Only the muscles the assessment found overactive or inhibited are simulated, each from its
//! own starting level (at least the balanced threshold, higher with the finding's confidence,
//! or the steady state of the exposure when that is higher) and with its own susceptibility and
//! treatment. Muscles the assessment did not find are not drawn: the model has nothing to say
//! about them. It is an illustration of the premise for a client, not a prediction; every
//! parameter lives in `knowledge/dynamics.toml` and is convention.

use crate::intake::Exposure;
use crate::knowledge::{KnowledgeBase, MuscleState};
use crate::plan::Plan;

/// A muscle to simulate: one the assessment found, in its state.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundMuscle {
    /// Muscle id.
    pub id: String,
    /// The state it was found in (overactive or inhibited).
    pub state: MuscleState,
    /// The finding's confidence, 0–1.
    pub confidence: f64,
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The exposure profile.
    pub exposure: Exposure,
    /// Weeks to simulate.
    pub weeks: u32,
    /// Share of the plan carried out, 0–1.
    pub adherence: f64,
    /// The muscles found, each simulated on its own.
    pub muscles: Vec<FoundMuscle>,
}

/// One week's state.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekState {
    /// Week number (0 = start).
    pub week: u32,
    /// Mean imbalance of the pattern's muscles without the plan.
    pub without_plan: f64,
    /// With the plan at the given adherence (None when there is no plan).
    pub with_plan: Option<f64>,
    /// Per muscle (same order as [`Trajectory::muscles`]), with the plan when there is one.
    pub muscles: Vec<f64>,
}

/// A simulated trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Muscle ids, in the order of each week's values.
    pub muscles: Vec<String>,
    /// Weekly states, week 0 to `weeks`.
    pub weeks: Vec<WeekState>,
    /// Imbalance below which a muscle counts as balanced.
    pub balanced_below: f64,
    /// First week the mean imbalance with the plan is balanced.
    pub balanced_in_week: Option<u32>,
}

/// A muscle in the model: its id, susceptibility and the level its finding implies.
struct Node {
    id: String,
    susceptibility: f64,
    floor: f64,
}

fn static_drive(kb: &KnowledgeBase, e: &Exposure, break_share: f64) -> f64 {
    let p = kb.dynamics();
    let hands = e.hands_forward.total().clamp(0.0, 24.0);
    // Sitting beyond the hands-forward hours (a desk worker's computer hours are also sitting).
    let other = (e.sitting.total() - hands).clamp(0.0, 24.0);
    (p.exposure_gain * hands + p.sitting_gain * other) * (1.0 - p.break_relief * break_share.clamp(0.0, 1.0))
}

/// The share of the break benefit a break interval gives: 1 at the recommended interval or
/// shorter, less for longer intervals, 0 without breaks.
fn break_share(interval_min: Option<f64>, recommended: f64) -> f64 {
    interval_min.filter(|v| *v > 0.0).map_or(0.0, |v| (recommended / v).min(1.0))
}

fn task_hours(kb: &KnowledgeBase, e: &Exposure) -> f64 {
    kb.dynamics().baseline_task_hours + e.lifting_carrying_hours_per_week.unwrap_or(0.0).max(0.0) / 7.0
}

fn nodes(kb: &KnowledgeBase, found: &[FoundMuscle]) -> Vec<Node> {
    let p = kb.dynamics();
    found
        .iter()
        .filter(|m| m.state != MuscleState::Balanced)
        .map(|m| Node {
            id: m.id.clone(),
            susceptibility: p.susceptibility.get(&m.id).copied().unwrap_or(1.0),
            floor: p.balanced_below + (1.0 - p.balanced_below) * m.confidence.clamp(0.0, 1.0),
        })
        .collect()
}

fn step(u: &mut [f64], nodes: &[Node], drive: f64, feedback: f64, recovery: f64, treatment: &[f64]) {
    let mean = u.iter().sum::<f64>() / u.len().max(1) as f64;
    let push = drive + feedback * mean;
    for (i, n) in nodes.iter().enumerate() {
        let du = n.susceptibility * push * (1.0 - u[i]) - (recovery + treatment[i]) * u[i];
        u[i] = (u[i] + du).clamp(0.0, 1.0);
    }
}

/// The steady state of an exposure with no treatment, for the given muscles.
pub fn steady_state(kb: &KnowledgeBase, exposure: &Exposure, found: &[FoundMuscle]) -> Vec<f64> {
    let nodes = nodes(kb, found);
    steady(kb, exposure, &nodes)
}

fn steady(kb: &KnowledgeBase, exposure: &Exposure, nodes: &[Node]) -> Vec<f64> {
    let p = kb.dynamics();
    let drive = static_drive(kb, exposure, break_share(exposure.break_every_min, kb.plan().breaks.interval_min));
    let feedback = p.recruitment_gain * task_hours(kb, exposure);
    let none = vec![0.0; nodes.len()];
    // Start from the middle and iterate; the map is a contraction for the documented parameter
    // ranges, and 30 years of days is far past convergence.
    let mut u = vec![0.5; nodes.len()];
    for _ in 0..20_000 {
        let before = u.clone();
        step(&mut u, nodes, drive, feedback, p.recovery_rate, &none);
        if before.iter().zip(&u).all(|(a, b)| (a - b).abs() < 1e-12) {
            break;
        }
    }
    u
}

fn mean(u: &[f64]) -> f64 {
    u.iter().sum::<f64>() / u.len().max(1) as f64
}

/// Per-muscle daily treatment dose (0–1 of the full prescription) in plan week `week` (1-based).
fn dose(plan: &Plan, kb: &KnowledgeBase, nodes: &[Node], week: u32) -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 0.0); nodes.len()];
    if let Some(m) = plan.massage.as_ref().filter(|m| week <= m.weeks) {
        for t in &m.targets {
            if let Some(i) = nodes.iter().position(|n| n.id == t.muscle) {
                out[i].0 = m.sessions_per_week;
            }
        }
    }
    // After the last phase the plan continues as maintenance of that phase.
    let phase = plan
        .phases
        .iter()
        .find(|p| week >= p.first_week && week <= p.last_week)
        .or_else(|| plan.phases.last().filter(|p| week > p.last_week));
    if let Some(phase) = phase {
        for pe in &phase.exercises {
            let Some(e) = kb.exercise(&pe.exercise) else { continue };
            let share = (e.sessions_per_week / 7.0).min(1.0);
            for t in &e.targets {
                if let Some(i) = nodes.iter().position(|n| n.id == *t) {
                    out[i].1 = (out[i].1 + share).min(1.5);
                }
            }
        }
    }
    out
}

/// Simulates the scenario with and without the plan.
pub fn simulate(kb: &KnowledgeBase, scenario: &Scenario, plan: Option<&Plan>) -> Trajectory {
    let p = kb.dynamics();
    let mut nodes = nodes(kb, &scenario.muscles);
    let adherence = scenario.adherence.clamp(0.0, 1.0);
    let recommended = kb.plan().breaks.interval_min;
    let base_breaks = break_share(scenario.exposure.break_every_min, recommended);
    let drive_without = static_drive(kb, &scenario.exposure, base_breaks);
    let feedback = p.recruitment_gain * task_hours(kb, &scenario.exposure);
    // Each muscle starts where its finding puts it, or at the exposure's steady state if higher.
    let start: Vec<f64> = steady(kb, &scenario.exposure, &nodes).iter().zip(&nodes).map(|(u, n)| u.max(n.floor)).collect();
    // A muscle found more imbalanced than its exposure explains is more susceptible than the
    // default: set its susceptibility so that it stays where it is without the plan, as long as
    // the exposure goes on (the model's premise: no recovery while the exposure persists).
    let push = drive_without + feedback * mean(&start);
    for (n, u) in nodes.iter_mut().zip(&start) {
        if push > 0.0 && *u < 1.0 && (*u - n.floor).abs() < 1e-12 {
            n.susceptibility = n.susceptibility.max(p.recovery_rate * u / (push * (1.0 - u)));
        }
    }
    // With the plan, breaks at the recommended interval on the adherent share of days.
    let plan_breaks = plan.is_some_and(|pl| pl.exposure_changes.iter().any(|c| c.breaks));
    let drive_with =
        if plan_breaks { static_drive(kb, &scenario.exposure, base_breaks + (1.0 - base_breaks) * adherence) } else { drive_without };
    let none = vec![0.0; nodes.len()];

    let (mut without, mut with) = (start.clone(), start.clone());
    // Adaptation level per muscle, for massage and exercise separately.
    let mut adapt = vec![(0.0f64, 0.0f64); nodes.len()];
    let mut treatment = vec![0.0; nodes.len()];
    let snapshot = |week: u32, without: &[f64], with: &[f64]| WeekState {
        week,
        without_plan: mean(without),
        with_plan: plan.map(|_| mean(with)),
        muscles: if plan.is_some() { with.to_vec() } else { without.to_vec() },
    };
    let mut weeks = vec![snapshot(0, &without, &with)];
    for week in 1..=scenario.weeks {
        let doses = plan.map(|pl| dose(pl, kb, &nodes, week));
        for _day in 0..7 {
            step(&mut without, &nodes, drive_without, feedback, p.recovery_rate, &none);
            if let Some(doses) = &doses {
                for (i, (massage, exercise)) in doses.iter().enumerate() {
                    let target = (massage * adherence / 2.0, exercise * adherence);
                    let rate = |now: f64, want: f64| if want > now { 1.0 / p.adaptation_days } else { 1.0 / p.detraining_days };
                    adapt[i].0 += (target.0 - adapt[i].0) * rate(adapt[i].0, target.0);
                    adapt[i].1 += (target.1 - adapt[i].1) * rate(adapt[i].1, target.1);
                    treatment[i] = p.massage_effect * adapt[i].0 + p.exercise_effect * adapt[i].1;
                }
                step(&mut with, &nodes, drive_with, feedback, p.recovery_rate, &treatment);
            }
        }
        weeks.push(snapshot(week, &without, &with));
    }
    let balanced_in_week = plan.and_then(|_| weeks.iter().find(|w| w.with_plan.is_some_and(|v| v < p.balanced_below)).map(|w| w.week));
    Trajectory { muscles: nodes.into_iter().map(|n| n.id).collect(), weeks, balanced_below: p.balanced_below, balanced_in_week }
}
