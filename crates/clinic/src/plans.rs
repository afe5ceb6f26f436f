//! Plans: the engine's plan of an assessment (from its newest report) beside the therapist's
//! edit, and saving an edit.
//!
//! The therapist's edit replaces the engine's plan for the client; the engine's stays for the
//! record. While the newest report's red-flag screen blocks the plan, there is no plan to edit
//! and none is shown to the client, edited or not.
//!
//! An edit arrives as a [`PlanEdit`]: the massage targets and the exercises in the order the
//! client will do them, each by its knowledge-base id, with side, dose and phase, and a note.
//! [`PlanEdit::apply`] turns it into a plan in the report's format, filling names, steps,
//! cautions and sources from the knowledge base, so an edited plan reads like the engine's.
//! Left out on purpose: the form (the web crate's) and exercises that are not in the library.

use tonus_app::report::{ExerciseView, Laterality, MassageTargetView, MassageView, PhaseView, PlanView, ReasonView};
use tonus_core::knowledge::{Certainty, KnowledgeBase, TypicalState};
use tonus_core::vocab::MuscleState;
use tonus_store::Assessment;

use crate::audit::{Action, Event, RecordKind};
use crate::docs::{self, PlanRecord};
use crate::error::ClinicError;
use crate::{Actor, Clinic};

/// A massage target as the therapist sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetEdit {
    /// Knowledge-base muscle id.
    pub muscle: String,
    /// Side(s).
    pub laterality: Laterality,
    /// Knowledge-base technique ids.
    pub techniques: Vec<String>,
}

/// An exercise as the therapist sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseEdit {
    /// Knowledge-base exercise id.
    pub exercise: String,
    /// The id of the plan phase it belongs to.
    pub phase: String,
    /// Side(s).
    pub laterality: Laterality,
    /// The dose, in words.
    pub dosage: String,
}

/// The massage dose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassageDose {
    /// Minutes per session.
    pub session_min: f64,
    /// Sessions per week.
    pub sessions_per_week: f64,
    /// Weeks.
    pub weeks: u32,
}

/// A therapist's version of a plan: what the client will do, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanEdit {
    /// Massage targets, in order; none: no massage.
    pub targets: Vec<TargetEdit>,
    /// The massage dose (used when there are targets).
    pub dose: MassageDose,
    /// Exercises, in order, each in its phase.
    pub exercises: Vec<ExerciseEdit>,
    /// A note to the client; empty for none.
    pub note: String,
}

/// The longest note, in characters.
pub const MAX_NOTE: usize = 2000;
/// The longest dose text, in characters.
pub const MAX_DOSAGE: usize = 300;

impl PlanEdit {
    /// The edit that leaves `plan` as it is, to start the editor from.
    pub fn of(plan: &PlanView, kb: &KnowledgeBase) -> PlanEdit {
        let technique_id = |name: &String| kb.techniques().iter().find(|t| &t.name == name).map_or_else(|| name.clone(), |t| t.id.clone());
        let default_dose = MassageDose { session_min: 30.0, sessions_per_week: 1.0, weeks: 6 };
        PlanEdit {
            targets: plan
                .massage
                .iter()
                .flat_map(|m| &m.targets)
                .map(|t| TargetEdit {
                    muscle: t.muscle.clone(),
                    laterality: t.laterality,
                    techniques: t.techniques.iter().map(technique_id).collect(),
                })
                .collect(),
            dose: plan.massage.as_ref().map_or(default_dose, |m| MassageDose {
                session_min: m.session_min,
                sessions_per_week: m.sessions_per_week,
                weeks: m.weeks,
            }),
            exercises: plan
                .phases
                .iter()
                .flat_map(|ph| {
                    ph.exercises.iter().map(|e| ExerciseEdit {
                        exercise: e.id.clone(),
                        phase: ph.id.clone(),
                        laterality: e.laterality,
                        dosage: e.dosage.clone(),
                    })
                })
                .collect(),
            note: plan.note.clone().unwrap_or_default(),
        }
    }

    /// `base` (the plan being edited) changed as this edit says; every problem at once, each
    /// naming its form field (`target.2.muscle`, `exercise.0.phase`, `massage.weeks`, `note`).
    pub fn apply(&self, base: &PlanView, kb: &KnowledgeBase) -> Result<PlanView, Vec<ClinicError>> {
        let mut errors = Vec::new();
        let mut plan = base.clone();
        plan.massage = self.massage(base, kb, &mut errors);
        for phase in &mut plan.phases {
            phase.exercises.clear();
        }
        for (i, e) in self.exercises.iter().enumerate() {
            let Some(found) = kb.exercise(&e.exercise) else {
                errors.push(ClinicError::field(format!("exercise.{i}.id"), format!("{:?} is not an exercise in the library", e.exercise)));
                continue;
            };
            let dosage = e.dosage.trim();
            if dosage.is_empty() || dosage.chars().count() > MAX_DOSAGE {
                errors.push(ClinicError::field(format!("exercise.{i}.dosage"), format!("give the dose in 1 to {MAX_DOSAGE} characters")));
            }
            let Some(phase) = plan.phases.iter_mut().find(|p| p.id == e.phase) else {
                let phases: Vec<_> = base.phases.iter().map(|p| p.id.as_str()).collect();
                errors.push(ClinicError::field(
                    format!("exercise.{i}.phase"),
                    format!("choose one of the plan's phases: {}", phases.join(", ")),
                ));
                continue;
            };
            // An exercise the plan already had in this phase keeps its reason; one the
            // therapist added says so.
            let reason = base
                .phases
                .iter()
                .filter(|p| p.id == e.phase)
                .flat_map(|p| &p.exercises)
                .find(|x| x.id == e.exercise)
                .map_or(ReasonView::Noted { text: "added by the therapist".into() }, |x| x.reason.clone());
            phase.exercises.push(ExerciseView {
                id: found.id.clone(),
                name: found.name.clone(),
                purpose: found.purpose,
                laterality: e.laterality,
                dosage: dosage.to_owned(),
                progression: found.progression.clone(),
                cautions: found.cautions.clone(),
                instructions: found.instructions.clone(),
                reason,
                certainty: found.certainty,
                sources: found.sources.clone(),
            });
        }
        let note = self.note.trim();
        if note.chars().count() > MAX_NOTE {
            errors.push(ClinicError::field("note", format!("keep the note under {MAX_NOTE} characters")));
        }
        plan.note = (!note.is_empty()).then(|| note.to_owned());
        if errors.is_empty() { Ok(plan) } else { Err(errors) }
    }

    fn massage(&self, base: &PlanView, kb: &KnowledgeBase, errors: &mut Vec<ClinicError>) -> Option<MassageView> {
        if self.targets.is_empty() {
            return None;
        }
        let d = self.dose;
        for (field, ok, range) in [
            ("massage.session_min", (5.0..=120.0).contains(&d.session_min), "5 to 120 minutes"),
            ("massage.sessions_per_week", (0.25..=7.0).contains(&d.sessions_per_week), "0.25 to 7 a week"),
            ("massage.weeks", (1..=52).contains(&d.weeks), "1 to 52 weeks"),
        ] {
            if !ok {
                errors.push(ClinicError::field(field, format!("give {range}")));
            }
        }
        let mut targets = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let Some(muscle) = kb.muscle(&t.muscle) else {
                errors.push(ClinicError::field(
                    format!("target.{i}.muscle"),
                    format!("{:?} is not a muscle in the knowledge base", t.muscle),
                ));
                continue;
            };
            let mut techniques = Vec::new();
            for id in &t.techniques {
                match kb.technique(id) {
                    Some(technique) => techniques.push(technique.name.clone()),
                    None => errors.push(ClinicError::field(format!("target.{i}.techniques"), format!("{id:?} is not a massage technique"))),
                }
            }
            if t.techniques.is_empty() {
                errors.push(ClinicError::field(format!("target.{i}.techniques"), "choose at least one technique"));
            }
            let found = base.massage.iter().flat_map(|m| &m.targets).find(|x| x.muscle == t.muscle).map(|x| x.state);
            let state = found.unwrap_or(match muscle.typical_state {
                TypicalState::Overactive => MuscleState::Overactive,
                TypicalState::Inhibited => MuscleState::Inhibited,
                TypicalState::PrimeMover => MuscleState::Balanced,
            });
            targets.push(MassageTargetView {
                muscle: muscle.id.clone(),
                muscle_name: muscle.name.clone(),
                laterality: t.laterality,
                state,
                techniques,
                cautions: muscle.cautions.clone(),
            });
        }
        let (rationale, certainty, sources) = match &base.massage {
            Some(m) => (m.rationale.clone(), m.certainty, m.sources.clone()),
            None => ("Massage added by the therapist.".to_owned(), Certainty::Convention, Vec::new()),
        };
        Some(MassageView {
            targets,
            session_min: d.session_min,
            sessions_per_week: d.sessions_per_week,
            weeks: d.weeks,
            rationale,
            certainty,
            sources,
        })
    }
}

/// One difference between the plan the client follows and the engine's proposal at a
/// reassessment, for the therapist to accept or reject.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanChange {
    /// The engine proposes an exercise the plan lacks in this phase.
    AddExercise {
        /// Phase id.
        phase: String,
        /// Phase name.
        phase_name: String,
        /// The exercise as the engine proposes it.
        exercise: ExerciseView,
    },
    /// The plan has an exercise in this phase that the engine no longer proposes.
    DropExercise {
        /// Phase id.
        phase: String,
        /// Phase name.
        phase_name: String,
        /// Exercise id.
        id: String,
        /// Its name.
        name: String,
    },
    /// The engine proposes a massage target the plan lacks.
    AddTarget(MassageTargetView),
    /// The plan has a massage target the engine no longer proposes.
    DropTarget {
        /// Muscle id.
        muscle: String,
        /// Side(s).
        laterality: Laterality,
        /// Muscle name.
        name: String,
    },
    /// The engine proposes another massage dose.
    Dose {
        /// The plan's.
        from: MassageDose,
        /// The engine's.
        to: MassageDose,
    },
}

impl PlanChange {
    /// A stable name for the change, for a form's checkbox.
    pub fn key(&self) -> String {
        match self {
            PlanChange::AddExercise { phase, exercise, .. } => format!("add-exercise:{phase}:{}", exercise.id),
            PlanChange::DropExercise { phase, id, .. } => format!("drop-exercise:{phase}:{id}"),
            PlanChange::AddTarget(t) => format!("add-target:{}:{}", t.muscle, t.laterality.as_str()),
            PlanChange::DropTarget { muscle, laterality, .. } => format!("drop-target:{muscle}:{}", laterality.as_str()),
            PlanChange::Dose { .. } => "dose".into(),
        }
    }
}

fn dose_of(m: &MassageView) -> MassageDose {
    MassageDose { session_min: m.session_min, sessions_per_week: m.sessions_per_week, weeks: m.weeks }
}

/// What the engine's new plan would change in the plan the client follows.
pub fn proposed_changes(current: &PlanView, engine: &PlanView) -> Vec<PlanChange> {
    let mut changes = Vec::new();
    let targets = |p: &PlanView| p.massage.iter().flat_map(|m| m.targets.clone()).collect::<Vec<_>>();
    let (ours, theirs) = (targets(current), targets(engine));
    for t in &theirs {
        if !ours.iter().any(|o| o.muscle == t.muscle && o.laterality == t.laterality) {
            changes.push(PlanChange::AddTarget(t.clone()));
        }
    }
    for o in &ours {
        if !theirs.iter().any(|t| t.muscle == o.muscle && t.laterality == o.laterality) {
            changes.push(PlanChange::DropTarget { muscle: o.muscle.clone(), laterality: o.laterality, name: o.muscle_name.clone() });
        }
    }
    if let (Some(a), Some(b)) = (&current.massage, &engine.massage)
        && dose_of(a) != dose_of(b)
    {
        changes.push(PlanChange::Dose { from: dose_of(a), to: dose_of(b) });
    }
    let has = |p: &PlanView, phase: &str, id: &str| p.phases.iter().any(|ph| ph.id == phase && ph.exercises.iter().any(|e| e.id == id));
    for ph in &engine.phases {
        for e in &ph.exercises {
            if !has(current, &ph.id, &e.id) {
                changes.push(PlanChange::AddExercise { phase: ph.id.clone(), phase_name: ph.name.clone(), exercise: e.clone() });
            }
        }
    }
    for ph in &current.phases {
        for e in &ph.exercises {
            if !has(engine, &ph.id, &e.id) {
                changes.push(PlanChange::DropExercise {
                    phase: ph.id.clone(),
                    phase_name: ph.name.clone(),
                    id: e.id.clone(),
                    name: e.name.clone(),
                });
            }
        }
    }
    changes
}

/// The plan the client follows with the accepted changes (by [`PlanChange::key`]) made.
pub fn accept(current: &PlanView, engine: &PlanView, accepted: &[String]) -> PlanView {
    let mut plan = current.clone();
    for change in proposed_changes(current, engine).into_iter().filter(|c| accepted.contains(&c.key())) {
        match change {
            PlanChange::AddExercise { phase, exercise, .. } => {
                if let Some(ph) = plan.phases.iter_mut().find(|p| p.id == phase) {
                    ph.exercises.push(exercise);
                } else if let Some(ph) = engine.phases.iter().find(|p| p.id == phase) {
                    plan.phases.push(PhaseView { exercises: vec![exercise], ..ph.clone() });
                }
            }
            PlanChange::DropExercise { phase, id, .. } => {
                for ph in plan.phases.iter_mut().filter(|p| p.id == phase) {
                    ph.exercises.retain(|e| e.id != id);
                }
            }
            PlanChange::AddTarget(target) => match &mut plan.massage {
                Some(m) => m.targets.push(target),
                None => plan.massage = engine.massage.clone().map(|m| MassageView { targets: vec![target], ..m }),
            },
            PlanChange::DropTarget { muscle, laterality, .. } => {
                if let Some(m) = &mut plan.massage {
                    m.targets.retain(|t| !(t.muscle == muscle && t.laterality == laterality));
                }
            }
            PlanChange::Dose { to, .. } => {
                if let Some(m) = &mut plan.massage {
                    (m.session_min, m.sessions_per_week, m.weeks) = (to.session_min, to.sessions_per_week, to.weeks);
                }
            }
        }
    }
    if plan.massage.as_ref().is_some_and(|m| m.targets.is_empty()) {
        plan.massage = None;
    }
    plan
}

/// The therapist's plan from an earlier assessment, carried into a reassessment: their
/// massage, exercises, doses and note stay; the schedule (phase weeks and dates), the
/// exposure advice, the tests to do and the review dates come from the new assessment.
pub fn carry_forward(previous: &PlanView, engine: &PlanView) -> PlanView {
    let mut plan = previous.clone();
    for ph in &mut plan.phases {
        if let Some(new) = engine.phases.iter().find(|p| p.id == ph.id) {
            (ph.first_week, ph.last_week, ph.starts, ph.ends) = (new.first_week, new.last_week, new.starts.clone(), new.ends.clone());
        }
    }
    if let (Some(m), Some(new)) = (&mut plan.massage, &engine.massage) {
        (m.rationale, m.certainty, m.sources) = (new.rationale.clone(), new.certainty, new.sources.clone());
    }
    plan.exposure_changes = engine.exposure_changes.clone();
    plan.tests_to_do = engine.tests_to_do.clone();
    plan.maintenance_note = engine.maintenance_note.clone();
    (plan.review_outcomes_on, plan.review_photos_on) = (engine.review_outcomes_on.clone(), engine.review_photos_on.clone());
    plan
}

impl Clinic {
    /// The plan of a completed assessment; `None` for a draft.
    pub async fn plan(&self, assessment: &Assessment) -> Result<Option<PlanRecord>, ClinicError> {
        let Some(stored) = self.store.plan_for(assessment.id).await? else { return Ok(None) };
        let report = self.latest_report(assessment.id).await?;
        let blocked = report.as_ref().is_some_and(|r| r.report.red_flags.plan_blocked);
        let engine = report.and_then(|r| r.report.plan);
        let edited =
            stored.edited_plan.as_ref().map(|p| docs::plan(p, &format!("the edited plan of assessment {}", assessment.id))).transpose()?;
        Ok(Some(PlanRecord {
            assessment: assessment.id,
            engine,
            edited,
            edited_by: stored.edited_by,
            edited_at: stored.edited_at,
            blocked,
            carried_from: stored.carried_from,
            review_pending: stored.review_pending,
        }))
    }

    /// Applies the therapist's edit to the plan the client follows now and saves the result;
    /// every problem at once, by field, when it cannot be applied.
    pub async fn edit_plan_with(&self, actor: Actor, assessment: &Assessment, edit: &PlanEdit) -> Result<PlanRecord, Vec<ClinicError>> {
        let current = self.plan(assessment).await.map_err(|e| vec![e])?;
        let Some(base) = current.as_ref().and_then(PlanRecord::current) else {
            return Err(vec![ClinicError::conflict("this assessment has no plan to edit: it is not complete, or a red flag blocks it")]);
        };
        let plan = edit.apply(base, self.engine().kb())?;
        self.edit_plan(actor, assessment, &plan).await.map_err(|e| vec![e])
    }

    /// The review of a carried-forward plan: the engine's proposed changes in `accepted` (by
    /// [`PlanChange::key`]) are made, the rest rejected; the plan is then marked reviewed.
    pub async fn review_plan(&self, actor: Actor, assessment: &Assessment, accepted: &[String]) -> Result<PlanRecord, ClinicError> {
        let record =
            self.plan(assessment).await?.ok_or_else(|| ClinicError::conflict("this assessment has no plan: it is not complete"))?;
        let (Some(current), Some(engine)) = (record.current(), record.engine.as_ref()) else {
            return Err(ClinicError::conflict("there is no engine proposal to review"));
        };
        let plan = accept(current, engine, accepted);
        self.edit_plan(actor, assessment, &plan).await
    }

    /// At reassessment: carries the client's last edited plan into the new assessment, when
    /// there is one and the new plan is not blocked; the engine's proposal stays beside it for
    /// the therapist to review. Returns the assessment it came from.
    pub(crate) async fn carry_forward(
        &self,
        actor: Actor,
        assessment: &Assessment,
    ) -> Result<Option<tonus_store::AssessmentId>, ClinicError> {
        let Some(editor) = actor.0 else { return Ok(None) };
        let Some(new) = self.plan(assessment).await? else { return Ok(None) };
        let Some(engine) = new.engine.as_ref().filter(|_| !new.blocked) else { return Ok(None) };
        let mut earlier: Vec<_> = self
            .store
            .assessments_for(assessment.client)
            .await?
            .into_iter()
            .filter(|a| a.id != assessment.id && a.status == tonus_store::AssessmentStatus::Complete)
            .collect();
        earlier.sort_by_key(|a| a.completed_at);
        let Some(previous) = earlier.last() else { return Ok(None) };
        let Some(record) = self.plan(previous).await? else { return Ok(None) };
        let Some(edited) = record.edited.as_ref().filter(|_| !record.blocked) else { return Ok(None) };
        let carried = carry_forward(edited, engine);
        let plan = docs::to_value(&carried, "the carried plan")?;
        self.store.carry_plan(assessment.id, tonus_store::CarriedPlan { plan, editor, from: previous.id }).await?;
        self.audit(
            actor,
            Event::new(Action::Update, RecordKind::Plan, assessment.id).detail(format!("carried forward from assessment {}", previous.id)),
        )
        .await?;
        Ok(Some(previous.id))
    }

    /// Saves the therapist's version of the plan. Refused while a red flag blocks the plan.
    pub async fn edit_plan(&self, actor: Actor, assessment: &Assessment, plan: &PlanView) -> Result<PlanRecord, ClinicError> {
        let user = actor.0.ok_or_else(|| ClinicError::invalid("a plan is edited by a practitioner's account"))?;
        let current =
            self.plan(assessment).await?.ok_or_else(|| ClinicError::conflict("this assessment has no plan: it is not complete"))?;
        if current.blocked {
            return Err(ClinicError::conflict(
                "the red-flag screen blocks the plan: refer the client first; a clearance recorded at reassessment lifts the block",
            ));
        }
        self.store.edit_plan(assessment.id, docs::to_value(plan, "the plan")?, user).await?;
        self.audit(actor, Event::new(Action::Update, RecordKind::Plan, assessment.id).detail("edited by therapist")).await?;
        self.plan(assessment).await?.ok_or_else(|| ClinicError::not_found("the plan is missing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonus_app::Engine;

    /// The engine's plan for an example persona, with its photo landmarks.
    fn plan_of(engine: &Engine, intake: &str, landmarks: &[&str]) -> PlanView {
        let intake = tonus_app::intake::parse(intake, tonus_app::intake::Format::Toml, "persona").unwrap();
        let sets: Vec<_> = landmarks
            .iter()
            .map(|text| ("landmarks.json".to_owned(), tonus_app::landmarks::parse(text, "landmarks.json").unwrap()))
            .collect();
        engine.assess(&intake, "persona", &sets).unwrap().plan.expect("a plan")
    }

    fn desk_worker(engine: &Engine) -> PlanView {
        plan_of(
            engine,
            include_str!("../../../examples/desk-worker.toml"),
            &[include_str!("../../../examples/landmarks/desk-worker-side.json")],
        )
    }

    #[test]
    fn an_unchanged_edit_gives_back_the_plan() {
        let engine = Engine::embedded().unwrap();
        for plan in [
            desk_worker(&engine),
            plan_of(
                &engine,
                include_str!("../../../examples/driver.toml"),
                &[
                    include_str!("../../../examples/landmarks/driver-side.json"),
                    include_str!("../../../examples/landmarks/driver-front.json"),
                ],
            ),
        ] {
            assert_eq!(PlanEdit::of(&plan, engine.kb()).apply(&plan, engine.kb()).unwrap(), plan);
        }
    }

    #[test]
    fn an_edit_removes_reorders_and_adds_from_the_library_with_everything_filled_in() {
        let engine = Engine::embedded().unwrap();
        let kb = engine.kb();
        let plan = desk_worker(&engine);
        let mut edit = PlanEdit::of(&plan, kb);
        assert!(edit.exercises.len() >= 3, "the example has exercises to edit");
        let removed = edit.exercises.remove(0);
        edit.exercises.reverse();
        let phase = plan.phases[0].id.clone();
        let added = kb.exercises().iter().find(|e| !plan.phases.iter().flat_map(|p| &p.exercises).any(|x| x.id == e.id)).unwrap();
        edit.exercises.push(ExerciseEdit {
            exercise: added.id.clone(),
            phase: phase.clone(),
            laterality: Laterality::Right,
            dosage: " 2 × 8, slowly ".into(),
        });
        edit.note = "Start gently; skip a day if sore.".into();
        let edited = edit.apply(&plan, kb).unwrap();
        let in_phase: Vec<_> = edited.phases.iter().find(|p| p.id == phase).unwrap().exercises.iter().map(|e| e.id.clone()).collect();
        let expected: Vec<_> = edit.exercises.iter().filter(|e| e.phase == phase).map(|e| e.exercise.clone()).collect();
        assert_eq!(in_phase, expected, "the order given is kept");
        let was_once =
            plan.phases.iter().filter(|p| p.id == removed.phase).flat_map(|p| &p.exercises).filter(|e| e.id == removed.exercise).count()
                == 1;
        let still = edited.phases.iter().filter(|p| p.id == removed.phase).flat_map(|p| &p.exercises).any(|e| e.id == removed.exercise);
        assert!(!(was_once && still), "{} was removed", removed.exercise);
        let new = edited.phases.iter().flat_map(|p| &p.exercises).find(|e| e.id == added.id).unwrap();
        assert_eq!((new.name.as_str(), new.dosage.as_str(), new.laterality), (added.name.as_str(), "2 × 8, slowly", Laterality::Right));
        assert_eq!(new.instructions, added.instructions);
        assert_eq!(new.reason, ReasonView::Noted { text: "added by the therapist".into() });
        assert_eq!(edited.note.as_deref(), Some("Start gently; skip a day if sore."));
        // The exercises the engine chose keep their reasons.
        for e in edited.phases.iter().flat_map(|p| &p.exercises).filter(|e| e.id != added.id) {
            assert!(!matches!(e.reason, ReasonView::Noted { .. }), "{} lost its reason", e.id);
        }
    }

    /// Exercise ids per phase, and massage targets: what a plan asks the client to do.
    type Shape = (Vec<(String, Vec<String>)>, Vec<(String, Laterality)>);

    fn shape(plan: &PlanView) -> Shape {
        (
            plan.phases.iter().map(|p| (p.id.clone(), p.exercises.iter().map(|e| e.id.clone()).collect())).collect(),
            plan.massage.iter().flat_map(|m| &m.targets).map(|t| (t.muscle.clone(), t.laterality)).collect(),
        )
    }

    #[test]
    fn the_engines_proposal_is_a_list_of_changes_to_take_or_leave() {
        let engine = Engine::embedded().unwrap();
        let kb = engine.kb();
        let proposal = desk_worker(&engine);
        assert!(proposed_changes(&proposal, &proposal).is_empty());
        let mut edit = PlanEdit::of(&proposal, kb);
        let dropped = edit.exercises.remove(1);
        edit.targets.push(TargetEdit {
            muscle: "levator_scapulae".into(),
            laterality: Laterality::Right,
            techniques: vec!["effleurage".into()],
        });
        edit.dose.weeks += 2;
        let ours = edit.apply(&proposal, kb).unwrap();
        let changes = proposed_changes(&ours, &proposal);
        let keys: Vec<_> = changes.iter().map(PlanChange::key).collect();
        assert!(keys.contains(&format!("add-exercise:{}:{}", dropped.phase, dropped.exercise)), "{keys:?}");
        assert!(keys.contains(&"drop-target:levator_scapulae:right".to_owned()), "{keys:?}");
        assert!(keys.contains(&"dose".to_owned()), "{keys:?}");
        assert_eq!(keys.len(), 3, "{keys:?}");
        // Taking every change gives the engine's plan back; taking none keeps ours.
        let all = accept(&ours, &proposal, &keys);
        let (mut phases, targets) = shape(&all);
        let (mut expected, expected_targets) = shape(&proposal);
        for p in phases.iter_mut().chain(expected.iter_mut()) {
            p.1.sort();
        }
        assert_eq!((phases, targets), (expected, expected_targets));
        assert_eq!(all.massage.as_ref().map(|m| m.weeks), proposal.massage.as_ref().map(|m| m.weeks));
        assert_eq!(accept(&ours, &proposal, &[]), ours);
        // One by one: only the dose.
        let dose_only = accept(&ours, &proposal, &["dose".to_owned()]);
        assert_eq!(shape(&dose_only), shape(&ours));
        assert_eq!(dose_only.massage.unwrap().weeks, proposal.massage.as_ref().unwrap().weeks);
    }

    #[test]
    fn a_carried_plan_keeps_the_therapists_choices_on_the_new_schedule() {
        let engine = Engine::embedded().unwrap();
        let kb = engine.kb();
        let before = desk_worker(&engine);
        let mut edit = PlanEdit::of(&before, kb);
        edit.exercises[0].dosage = "Three times a day".into();
        edit.note = "Keep it up.".into();
        let ours = edit.apply(&before, kb).unwrap();
        let mut later = before.clone();
        for ph in &mut later.phases {
            ph.starts = "2027-01-04".into();
        }
        later.review_outcomes_on = "2027-02-01".into();
        let carried = carry_forward(&ours, &later);
        assert_eq!(shape(&carried), shape(&ours));
        assert_eq!(carried.phases[0].exercises[0].dosage, "Three times a day");
        assert_eq!(carried.note.as_deref(), Some("Keep it up."));
        assert!(carried.phases.iter().all(|p| p.starts == "2027-01-04"));
        assert_eq!(carried.review_outcomes_on, "2027-02-01");
    }

    #[test]
    fn every_problem_of_an_edit_is_named_at_its_field() {
        let engine = Engine::embedded().unwrap();
        let plan = desk_worker(&engine);
        let mut edit = PlanEdit::of(&plan, engine.kb());
        edit.exercises.push(ExerciseEdit {
            exercise: "moonwalk".into(),
            phase: plan.phases[0].id.clone(),
            laterality: Laterality::Both,
            dosage: "1".into(),
        });
        edit.exercises.push(ExerciseEdit {
            exercise: edit.exercises[0].exercise.clone(),
            phase: "phase-9".into(),
            laterality: Laterality::Both,
            dosage: "1".into(),
        });
        edit.exercises[0].dosage = "  ".into();
        edit.targets.push(TargetEdit { muscle: "heart".into(), laterality: Laterality::Left, techniques: vec!["reiki".into()] });
        edit.dose.weeks = 0;
        edit.note = "x".repeat(MAX_NOTE + 1);
        let n = edit.exercises.len();
        let t = edit.targets.len();
        let errors = edit.apply(&plan, engine.kb()).unwrap_err();
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.clone().unwrap()).collect();
        fields.sort();
        let mut expected = vec![
            "exercise.0.dosage".to_owned(),
            format!("exercise.{}.id", n - 2),
            format!("exercise.{}.phase", n - 1),
            "massage.weeks".to_owned(),
            "note".to_owned(),
            format!("target.{}.muscle", t - 1),
        ];
        expected.sort();
        assert_eq!(fields, expected, "{errors:?}");
    }
}
