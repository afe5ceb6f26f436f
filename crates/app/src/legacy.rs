//! Reading plans written in the first report format (before sides, statuses and plan kinds),
//! so a therapist's plan edited under an earlier version still reaches the client.
//!
//! Format 1 stored enums as words and had no sides: every massage target was an overactive
//! muscle (the only kind format 1 massaged), every target and exercise covered both sides, and
//! an exercise's reason was a sentence. Those map onto format 2 as exactly that: overactive,
//! both sides, and the sentence kept as a [`ReasonView::Noted`]. A plan with no massage and no
//! exercises reads as advice only. Left out on purpose: reports of format 1 (they are
//! recomputed from their stored intake and landmarks instead, which says more than any
//! translation could).

use serde::Deserialize;
use tonus_core::knowledge::{Certainty, MuscleState, Purpose};
use tonus_core::vocab::Laterality;

use crate::error::InputError;
use crate::report::{ChangeView, ExerciseView, MassageTargetView, MassageView, PhaseView, PlanKind, PlanView, ReasonView};

#[derive(Debug, Deserialize)]
struct PlanV1 {
    massage: Option<MassageV1>,
    #[serde(default)]
    phases: Vec<PhaseV1>,
    #[serde(default)]
    exposure_changes: Vec<ChangeV1>,
    #[serde(default)]
    review_outcomes_on: String,
    #[serde(default)]
    review_photos_on: String,
}

#[derive(Debug, Deserialize)]
struct MassageV1 {
    targets: Vec<TargetV1>,
    session_min: f64,
    sessions_per_week: f64,
    weeks: u32,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    certainty: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TargetV1 {
    muscle: String,
    muscle_name: String,
    #[serde(default)]
    techniques: Vec<String>,
    #[serde(default)]
    cautions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PhaseV1 {
    #[serde(default)]
    id: String,
    name: String,
    first_week: u32,
    last_week: u32,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    exercises: Vec<ExerciseV1>,
    #[serde(default)]
    progression: String,
}

#[derive(Debug, Deserialize)]
struct ExerciseV1 {
    #[serde(default)]
    id: String,
    name: String,
    purpose: Purpose,
    #[serde(default)]
    dosage: String,
    #[serde(default)]
    progression: String,
    #[serde(default)]
    cautions: Vec<String>,
    #[serde(default)]
    instructions: Vec<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    certainty: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ChangeV1 {
    #[serde(default)]
    id: String,
    advice: String,
    #[serde(default)]
    certainty: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
}

/// A format-1 certainty word; an unknown or missing one reads as the weakest claim.
fn certainty(word: Option<&str>) -> Certainty {
    match word {
        Some("established") => Certainty::Established,
        Some("convention") => Certainty::Convention,
        _ => Certainty::Contested,
    }
}

/// Reads a plan in format 1; `name` names it in errors.
pub fn plan_v1(value: &serde_json::Value, name: &str) -> Result<PlanView, InputError> {
    let v1: PlanV1 =
        serde_json::from_value(value.clone()).map_err(|e| InputError::whole(name, format!("not a plan of report format 1: {e}")))?;
    let massage = v1.massage.map(|m| MassageView {
        targets: m
            .targets
            .into_iter()
            .map(|t| MassageTargetView {
                muscle: t.muscle,
                muscle_name: t.muscle_name,
                laterality: Laterality::Both,
                state: MuscleState::Overactive,
                techniques: t.techniques,
                cautions: t.cautions,
            })
            .collect(),
        session_min: m.session_min,
        sessions_per_week: m.sessions_per_week,
        weeks: m.weeks,
        rationale: m.rationale,
        certainty: certainty(m.certainty.as_deref()),
        sources: m.sources,
    });
    let phases: Vec<PhaseView> = v1
        .phases
        .into_iter()
        .map(|p| PhaseView {
            id: p.id,
            name: p.name,
            first_week: p.first_week,
            last_week: p.last_week,
            starts: p.starts,
            ends: p.ends,
            exercises: p
                .exercises
                .into_iter()
                .map(|e| ExerciseView {
                    id: e.id,
                    name: e.name,
                    purpose: e.purpose,
                    laterality: Laterality::Both,
                    dosage: e.dosage,
                    progression: e.progression,
                    cautions: e.cautions,
                    instructions: e.instructions,
                    reason: ReasonView::Noted { text: e.reason },
                    certainty: certainty(e.certainty.as_deref()),
                    sources: e.sources,
                })
                .collect(),
            progression: p.progression,
        })
        .collect();
    let kind =
        if massage.is_some() || phases.iter().any(|p| !p.exercises.is_empty()) { PlanKind::Corrective } else { PlanKind::ExposureOnly };
    Ok(PlanView {
        kind,
        massage,
        phases,
        exposure_changes: v1
            .exposure_changes
            .into_iter()
            .map(|c| ChangeView {
                id: c.id,
                advice: c.advice,
                breaks: false,
                certainty: certainty(c.certainty.as_deref()),
                sources: c.sources,
            })
            .collect(),
        tests_to_do: Vec::new(),
        maintenance_note: None,
        review_outcomes_on: v1.review_outcomes_on,
        review_photos_on: v1.review_photos_on,
        note: None,
    })
}

/// Reads a stored plan of either format: the current one, else format 1.
pub fn read_plan(value: &serde_json::Value, name: &str) -> Result<PlanView, InputError> {
    match serde_json::from_value::<PlanView>(value.clone()) {
        Ok(plan) => Ok(plan),
        Err(current) => plan_v1(value, name).map_err(|_| InputError::whole(name, format!("not a plan in the report format: {current}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_format_1_plan_reads_as_overactive_both_sides_with_its_reason_kept() {
        let v1 = serde_json::json!({
            "massage": {"targets": [{"muscle": "upper_trapezius", "muscle_name": "Upper trapezius", "techniques": ["effleurage"], "cautions": []}],
                        "session_min": 45.0, "sessions_per_week": 1.0, "weeks": 6, "rationale": "r", "certainty": "convention", "sources": []},
            "phases": [{"id": "p1", "name": "Release", "first_week": 1, "last_week": 2, "starts": "2026-01-01", "ends": "2026-01-14",
                        "exercises": [{"id": "chin_tuck", "name": "Chin tuck", "purpose": "activate", "dosage": "10 reps", "progression": "",
                                       "cautions": [], "instructions": ["tuck"], "reason": "for deep neck flexors", "certainty": "established", "sources": []}],
                        "progression": ""}],
            "exposure_changes": [{"id": "breaks", "advice": "Stand up every 30 minutes.", "certainty": "convention", "sources": []}],
            "review_outcomes_on": "2026-02-01",
            "review_photos_on": "2026-03-01"
        });
        let plan = read_plan(&v1, "plan").unwrap();
        assert_eq!(plan.kind, PlanKind::Corrective);
        let target = &plan.massage.as_ref().unwrap().targets[0];
        assert_eq!((target.state, target.laterality), (MuscleState::Overactive, Laterality::Both));
        let exercise = &plan.phases[0].exercises[0];
        assert_eq!(exercise.reason, ReasonView::Noted { text: "for deep neck flexors".into() });
        assert_eq!(exercise.certainty, Certainty::Established);
        assert_eq!(plan.exposure_changes[0].advice, "Stand up every 30 minutes.");
        // The current format reads as itself.
        let again = serde_json::to_value(&plan).unwrap();
        assert_eq!(read_plan(&again, "plan").unwrap(), plan);
        // Neither format: the error names the plan.
        let err = read_plan(&serde_json::json!({"phases": 3}), "edited plan").unwrap_err();
        assert!(err.to_string().starts_with("edited plan: "), "{err}");
    }
}
