//! Tonus's use cases, shared by the CLI and the web app: read intake and landmark files (with
//! errors that name the file and field), run the engine, build the report and the simulation,
//! and render them as text, JSON, HTML or CSV.
//!
//! This crate knows file formats and the knowledge directory on disk; it knows nothing of
//! argv, HTTP or databases.

#![forbid(unsafe_code)]

pub mod error;
pub mod examples;
pub mod figure;
pub mod intake;
pub mod landmarks;
pub mod legacy;
pub mod photo;
pub mod progress;
pub mod render;
pub mod report;
pub mod simulate;
pub mod svg;
pub mod words;

use std::path::Path;

pub use error::{AppError, InputError};
use tonus_core::KnowledgeBase;
use tonus_core::assess::AssessOptions;
use tonus_core::dynamics::{self, FoundMuscle, Scenario};
use tonus_core::inference::Inference;
use tonus_core::knowledge::MuscleState;

/// The muscles an inference found overactive or inhibited (on either side), for the simulation.
fn found_muscles(inference: &Inference) -> Vec<FoundMuscle> {
    inference
        .muscles
        .iter()
        .filter_map(|m| {
            [MuscleState::Overactive, MuscleState::Inhibited]
                .into_iter()
                .find_map(|state| m.found_in(state).map(|(_, confidence)| FoundMuscle { id: m.muscle.clone(), state, confidence }))
        })
        .collect()
}

fn check_simulation(weeks: u32, adherence: f64) -> Result<(), AppError> {
    if !(0.0..=1.0).contains(&adherence) {
        return Err(InputError::whole("--adherence", format!("{adherence} is outside 0–1")).into());
    }
    if weeks == 0 || weeks > 520 {
        return Err(InputError::whole("--weeks", format!("{weeks} is outside 1–520")).into());
    }
    Ok(())
}

/// The engine with its knowledge base, loaded once and shared.
#[derive(Debug, Clone)]
pub struct Engine {
    kb: KnowledgeBase,
}

/// An intake file with its name, for error messages.
#[derive(Debug, Clone)]
pub struct NamedIntake<'a> {
    /// The file name.
    pub name: &'a str,
    /// The parsed intake.
    pub intake: &'a intake::Intake,
}

impl Engine {
    /// An engine on the given knowledge base.
    pub fn new(kb: KnowledgeBase) -> Engine {
        Engine { kb }
    }

    /// An engine on the embedded knowledge base.
    pub fn embedded() -> Result<Engine, AppError> {
        Ok(Engine::new(KnowledgeBase::embedded()?))
    }

    /// An engine on the embedded knowledge base with the `*.toml` files of `dir` as overrides.
    pub fn with_overrides(dir: &Path) -> Result<Engine, AppError> {
        let io = |source| AppError::Io { path: dir.display().to_string(), source };
        let mut files = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
        entries.sort_by_key(std::fs::DirEntry::path);
        for entry in entries {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|source| AppError::Io { path: path.display().to_string(), source })?;
                files.push((path.display().to_string(), text));
            }
        }
        let sources: Vec<tonus_core::knowledge::Source<'_>> =
            files.iter().map(|(name, text)| tonus_core::knowledge::Source { name, text }).collect();
        Ok(Engine::new(KnowledgeBase::load(&sources)?))
    }

    /// The knowledge base.
    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// Runs the whole chain on an intake and landmark sets (each with its file name).
    pub fn assess(
        &self,
        intake: &intake::Intake,
        intake_name: &str,
        landmarks: &[(String, landmarks::LandmarkFile)],
    ) -> Result<report::Report, AppError> {
        let core_intake = intake::to_core(intake, intake_name, &self.kb)?;
        let poses = landmarks.iter().map(|(name, f)| landmarks::to_pose(f, name)).collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = landmarks.iter().map(|(n, _)| n.clone()).collect();
        let assessment = tonus_core::assess(&core_intake, &poses, &self.kb, &AssessOptions::STANDARD);
        let mut report = report::build(&core_intake, &poses, &names, &assessment, &self.kb);
        // Several people in a photo: the model measured the most prominent; say so on the photo.
        for ((_, file), photo) in landmarks.iter().zip(report.photos.iter_mut()) {
            if let Some(found) = file.persons_found.filter(|n| *n > 1) {
                photo.warnings.push(report::PhotoWarningView::SeveralPeople { found });
            }
        }
        Ok(report)
    }

    /// Simulates an assessment with its landmark sets (what the report of the same input
    /// found) over `weeks` with and without the plan at `adherence` (0–1).
    pub fn simulate_with_photos(
        &self,
        intake: &intake::Intake,
        intake_name: &str,
        landmarks: &[(String, landmarks::LandmarkFile)],
        weeks: u32,
        adherence: f64,
    ) -> Result<simulate::Simulation, AppError> {
        check_simulation(weeks, adherence)?;
        let core_intake = intake::to_core(intake, intake_name, &self.kb)?;
        let poses = landmarks.iter().map(|(name, f)| landmarks::to_pose(f, name)).collect::<Result<Vec<_>, _>>()?;
        let assessment = tonus_core::assess(&core_intake, &poses, &self.kb, &AssessOptions::STANDARD);
        Ok(self.simulate_assessment(&core_intake, &assessment, weeks, adherence))
    }

    /// Simulates the imbalance over `weeks` with and without the plan at `adherence` (0–1).
    /// The plan is the one `assess` would generate without photos; none when the red-flag
    /// screen blocks it.
    pub fn simulate(
        &self,
        intake: &intake::Intake,
        intake_name: &str,
        weeks: u32,
        adherence: f64,
    ) -> Result<simulate::Simulation, AppError> {
        check_simulation(weeks, adherence)?;
        let core_intake = intake::to_core(intake, intake_name, &self.kb)?;
        let assessment = tonus_core::assess(&core_intake, &[], &self.kb, &AssessOptions::STANDARD);
        Ok(self.simulate_assessment(&core_intake, &assessment, weeks, adherence))
    }

    /// Simulates an assessment already made: only the muscles it found, none at all while an
    /// uncleared red flag stands (there is then no story and no plan).
    pub fn simulate_assessment(
        &self,
        intake: &tonus_core::intake::Intake,
        assessment: &tonus_core::Assessment,
        weeks: u32,
        adherence: f64,
    ) -> simulate::Simulation {
        let muscles = assessment.story.as_ref().map(|s| found_muscles(&s.inference)).unwrap_or_default();
        let blocked = !assessment.gate.allows_muscle_story();
        let scenario = Scenario { exposure: intake.exposure.clone(), weeks, adherence, muscles };
        let t = dynamics::simulate(&self.kb, &scenario, assessment.plan.as_ref());
        simulate::build(&intake.person.label, adherence, &t, assessment.plan.is_some(), blocked)
    }
}
