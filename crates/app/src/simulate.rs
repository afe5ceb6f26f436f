//! The simulation report ("what if" over weeks): the dynamics model's trajectory with and
//! without the plan, as a serialisable view with text and CSV renderings. Labelled
//! illustrative everywhere it appears.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use tonus_core::KnowledgeBase;
use tonus_core::dynamics::Trajectory;

/// One week of the trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekView {
    /// Week number (0 = now).
    pub week: u32,
    /// Mean imbalance without the plan, 0–1.
    pub without_plan: f64,
    /// With the plan at the chosen adherence (null when there is no plan).
    pub with_plan: Option<f64>,
    /// Per muscle, in the order of [`Simulation::muscles`].
    pub muscles: Vec<f64>,
}

/// Whether there was anything to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimulationStatus {
    /// The muscles found, with and without the plan.
    Simulated,
    /// The muscles found, without a plan (the red-flag screen is incomplete).
    WithoutPlan,
    /// Nothing is simulated while an uncleared red flag stands.
    RedFlag,
    /// No muscle was found on the body, so the model has nothing to show.
    NoFindings,
}

/// A simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// Format version.
    pub format_version: u32,
    /// Engine version.
    pub engine_version: String,
    /// Always true: this is an illustration, not a prediction.
    pub illustrative: bool,
    /// What the numbers mean.
    pub note: String,
    /// Client name.
    pub client: String,
    /// Adherence, 0–1.
    pub adherence: f64,
    /// Whether there was anything to simulate.
    pub status: SimulationStatus,
    /// Whether a plan was simulated (false when the red-flag screen blocks it).
    pub plan_simulated: bool,
    /// Imbalance below which the person counts as balanced.
    pub balanced_below: f64,
    /// First week balanced with the plan.
    pub balanced_in_week: Option<u32>,
    /// Muscle ids.
    pub muscles: Vec<String>,
    /// Weekly values.
    pub weeks: Vec<WeekView>,
}

fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Builds the view.
pub fn build(client: &str, adherence: f64, t: &Trajectory, plan_simulated: bool, red_flag: bool) -> Simulation {
    let status = if red_flag {
        SimulationStatus::RedFlag
    } else if t.muscles.is_empty() {
        SimulationStatus::NoFindings
    } else if plan_simulated {
        SimulationStatus::Simulated
    } else {
        SimulationStatus::WithoutPlan
    };
    let shown = matches!(status, SimulationStatus::Simulated | SimulationStatus::WithoutPlan);
    Simulation {
        format_version: 2,
        engine_version: tonus_core::ENGINE_VERSION.to_string(),
        illustrative: true,
        note: "Illustrative model of the imbalance (0 = balanced, 1 = as far as it goes), not a prediction. Only the muscles the assessment found are drawn, each from where its finding puts it; the plan's effects build over weeks, as in the trials.".into(),
        client: client.to_string(),
        adherence,
        status,
        plan_simulated: plan_simulated && shown,
        balanced_below: t.balanced_below,
        balanced_in_week: t.balanced_in_week,
        muscles: if shown { t.muscles.clone() } else { Vec::new() },
        weeks: t
            .weeks
            .iter()
            .filter(|_| shown)
            .map(|w| WeekView { week: w.week, without_plan: r3(w.without_plan), with_plan: w.with_plan.map(r3), muscles: w.muscles.iter().map(|v| r3(*v)).collect() })
            .collect(),
    }
}

/// Text with a small bar chart per week.
pub fn render_text(s: &Simulation, kb: &KnowledgeBase) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "WHAT IF — {} (ILLUSTRATIVE, not a prediction)", s.client);
    let _ = writeln!(w, "{}", s.note);
    match s.status {
        SimulationStatus::RedFlag => {
            let _ = writeln!(w, "nothing simulated: an uncleared red flag stands; see the referral in the report");
            return out;
        }
        SimulationStatus::NoFindings => {
            let _ = writeln!(w, "nothing simulated: no muscle was found overactive or inhibited by tests, palpation or photos");
            return out;
        }
        SimulationStatus::Simulated | SimulationStatus::WithoutPlan => {}
    }
    if s.plan_simulated {
        let _ = writeln!(w, "adherence {:.0}% · balanced below {:.2}", s.adherence * 100.0, s.balanced_below);
        match s.balanced_in_week {
            Some(wk) => {
                let _ = writeln!(w, "with the plan: balanced from week {wk}");
            }
            None => {
                let _ = writeln!(w, "with the plan: not balanced within {} weeks at this adherence", s.weeks.len().saturating_sub(1));
            }
        }
    } else {
        let _ = writeln!(w, "no plan simulated: the red-flag screen is incomplete");
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "week  without plan                    with plan");
    let bar = |v: f64| {
        let n = (v * 25.0).round() as usize;
        format!("{:<25}", "█".repeat(n.min(25)))
    };
    for wk in &s.weeks {
        let with = wk.with_plan.map(|v| format!("{} {v:.2}", bar(v))).unwrap_or_default();
        let _ = writeln!(w, "{:>4}  {} {:.2}  {}", wk.week, bar(wk.without_plan), wk.without_plan, with);
    }
    if let Some(last) = s.weeks.last() {
        let _ = writeln!(w);
        let _ = writeln!(w, "muscles at week {} ({}):", last.week, if s.plan_simulated { "with the plan" } else { "without a plan" });
        for (id, v) in s.muscles.iter().zip(&last.muscles) {
            let name = kb.muscle(id).map_or(id.as_str(), |m| m.name.as_str());
            let _ = writeln!(w, "  {name:<28} {v:.2}");
        }
    }
    out
}

/// CSV: one row per week, with the mean and every muscle.
pub fn render_csv(s: &Simulation) -> String {
    let mut out = String::from("week,without_plan,with_plan");
    for m in &s.muscles {
        let _ = write!(out, ",{m}");
    }
    out.push('\n');
    for wk in &s.weeks {
        let _ = write!(out, "{},{},{}", wk.week, wk.without_plan, wk.with_plan.map(|v| v.to_string()).unwrap_or_default());
        for v in &wk.muscles {
            let _ = write!(out, ",{v}");
        }
        out.push('\n');
    }
    out
}
