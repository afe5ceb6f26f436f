//! Assessments: drafts, completing (intake, report and plan stored in one transaction),
//! recomputing, reading the newest report, and upgrading reports of an earlier format.
//!
//! A draft keeps exactly what was typed, invalid fields included, so nothing is lost; an intake
//! is stored beside it only once it is valid. Completing runs the engine on the intake and the
//! effective landmark sets; when the engine rejects the input, the draft is saved with the
//! intake and the error names the field. Left out on purpose: the form's fields and their
//! raw values (the web app's) and access control (the caller's).

use serde_json::Value;
use tonus_app::intake::{Format, Intake};
use tonus_app::landmarks::LandmarkFile;
use tonus_app::report::{FORMAT_VERSION, Report};
use tonus_store::{Assessment, AssessmentId, AssessmentStatus, ClientId, CompleteAssessment, NewAssessment, ReportVersion};

use crate::audit::{Action, Event, RecordKind};
use crate::docs::{self, ReportRecord, StoredReport};
use crate::error::{ClinicError, ErrorKind};
use crate::landmarks::EffectiveSet;
use crate::{Actor, Clinic};

/// What [`Clinic::upgrade_reports`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upgraded {
    /// Reports recomputed in the current format.
    pub recomputed: usize,
    /// Assessments whose outdated report could not be recomputed (their stored intake or
    /// landmarks no longer read); each is logged, and its page says so.
    pub failed: Vec<AssessmentId>,
}

/// An assessment dated after today (UTC, a day's grace for time zones ahead of it) cannot
/// have happened: the plan's dates and every change over time would count from it.
fn future_assessment(intake: &Intake) -> Option<ClinicError> {
    let day = tonus_core::Date::parse(&intake.assessed_on)?;
    let today = tonus_core::Date::parse(&crate::time::date(tonus_store::Timestamp::now()))?;
    (day.days_since(today) > 1).then(|| {
        ClinicError::field("assessed_on", format!("{} is in the future; give the day the client was assessed", intake.assessed_on))
    })
}

impl Clinic {
    /// Parses an intake text; the error names the file and the field.
    pub fn parse_intake(&self, text: &str, format: Format, name: &str) -> Result<Intake, ClinicError> {
        Ok(tonus_app::intake::parse(text, format, name)?)
    }

    /// Checks an intake against the knowledge base (ranges, ids, red-flag answers); the error
    /// names the field with the path the form uses.
    pub fn check_intake(&self, intake: &Intake, name: &str) -> Result<(), ClinicError> {
        tonus_app::intake::to_core(intake, name, self.engine().kb())?;
        future_assessment(intake).map_or(Ok(()), Err)
    }

    /// Every problem of an intake at once, each naming its field, in the intake's order.
    pub fn check_intake_all(&self, intake: &Intake, name: &str) -> Result<(), Vec<ClinicError>> {
        let mut all: Vec<ClinicError> = match tonus_app::intake::to_core_all(intake, name, self.engine().kb()) {
            Ok(_) => Vec::new(),
            Err(all) => all.into_iter().map(ClinicError::from).collect(),
        };
        all.extend(future_assessment(intake));
        if all.is_empty() { Ok(()) } else { Err(all) }
    }

    /// The day an assessment took place (its intake's `assessed_on`), once its intake is valid.
    pub fn assessed_on(&self, assessment: &Assessment) -> Option<String> {
        self.intake_of(assessment).ok().flatten().map(|i| i.assessed_on)
    }

    /// An assessment's stored intake, once it was valid.
    pub fn intake_of(&self, assessment: &Assessment) -> Result<Option<Intake>, ClinicError> {
        assessment.intake.as_ref().map(|value| docs::intake(value, assessment.id)).transpose()
    }

    /// Starts a draft for a client with the form as typed and the intake when it is valid.
    pub async fn start_draft(
        &self,
        actor: Actor,
        client: ClientId,
        form: Value,
        intake: Option<&Intake>,
    ) -> Result<Assessment, ClinicError> {
        let created_by = actor.0.ok_or_else(|| ClinicError::invalid("an assessment is started by a practitioner's account"))?;
        let intake = intake.map(|i| docs::to_value(i, "the intake")).transpose()?;
        let assessment = self.store.create_assessment(NewAssessment { client, created_by, form, intake }).await?;
        self.audit(actor, Event::new(Action::Create, RecordKind::Assessment, assessment.id).detail("draft")).await?;
        Ok(assessment)
    }

    /// Deletes a draft with its photos and landmarks; a completed assessment stays on record.
    /// Audited.
    pub async fn delete_draft(&self, actor: Actor, assessment: &Assessment) -> Result<(), ClinicError> {
        if assessment.status == AssessmentStatus::Complete {
            return Err(ClinicError::conflict("a completed assessment stays on the record; only drafts can be deleted"));
        }
        self.store.delete_draft(assessment.id).await?;
        self.audit(actor, Event::new(Action::Delete, RecordKind::Assessment, assessment.id).detail("draft")).await?;
        Ok(())
    }

    /// Saves a draft: the form as typed, and the intake when it is valid.
    pub async fn save_draft(
        &self,
        actor: Actor,
        assessment: &Assessment,
        form: Value,
        intake: Option<&Intake>,
    ) -> Result<Assessment, ClinicError> {
        if assessment.status == AssessmentStatus::Complete {
            return Err(ClinicError::conflict("this assessment is complete; start a new one to reassess"));
        }
        let intake = intake.map(|i| docs::to_value(i, "the intake")).transpose()?;
        let saved = self.store.save_draft(assessment.id, form, intake).await?;
        self.audit(actor, Event::new(Action::Update, RecordKind::Assessment, saved.id).detail("draft saved")).await?;
        Ok(saved)
    }

    /// Completes a draft: runs the engine on `intake` and the effective landmark sets and
    /// stores form, intake, report and plan in one transaction. When the engine rejects the
    /// input the draft is saved with the intake (nothing typed is lost) and the error says why.
    pub async fn complete(&self, actor: Actor, assessment: &Assessment, form: Value, intake: &Intake) -> Result<ReportRecord, ClinicError> {
        if assessment.status == AssessmentStatus::Complete {
            return Err(ClinicError::conflict("this assessment is complete; start a new one to reassess"));
        }
        if let Some(err) = future_assessment(intake) {
            self.save_draft(actor, assessment, form, Some(intake)).await?;
            return Err(err);
        }
        let sets = self.effective_sets(assessment.id).await?;
        let report = match self.assess(intake, &sets).await {
            Ok(report) => report,
            Err(err) if err.kind == ErrorKind::Invalid => {
                self.save_draft(actor, assessment, form, Some(intake)).await?;
                return Err(err);
            }
            Err(other) => return Err(other),
        };
        let plan = report.plan.as_ref().map(|p| docs::to_value(p, "the plan")).transpose()?.unwrap_or(Value::Null);
        let engine_version = report.engine_version.clone();
        self.store
            .complete_assessment(CompleteAssessment {
                id: assessment.id,
                form,
                intake: docs::to_value(intake, "the intake")?,
                report: docs::to_value(&report, "the report")?,
                version: ReportVersion { engine: engine_version.clone(), format: report.format_version },
                plan,
            })
            .await?;
        // A medical clearance lifts a red-flag block: the log says that one was recorded (how
        // many, not which: no clinical content in the log).
        let detail = match intake.clearances.len() {
            0 => format!("engine {engine_version}"),
            n => format!("engine {engine_version}, {n} red-flag clearance(s) recorded"),
        };
        self.audit(actor, Event::new(Action::Complete, RecordKind::Assessment, assessment.id).detail(detail)).await?;
        // A reassessment starts from the plan the client has been following.
        self.carry_forward(actor, assessment).await?;
        self.latest_report(assessment.id).await?.ok_or_else(|| ClinicError::not_found("the completed report is missing"))
    }

    /// Creates an assessment from files in one call (the JSON API): a draft with the intake,
    /// one landmark set per file, then — when `complete` — the engine's report and plan.
    pub async fn create_from_files(
        &self,
        actor: Actor,
        client: ClientId,
        intake: &Intake,
        landmarks: Vec<LandmarkFile>,
        complete: bool,
    ) -> Result<Assessment, ClinicError> {
        if complete {
            self.check_intake(intake, "intake")?;
            for (i, file) in landmarks.iter().enumerate() {
                tonus_app::landmarks::to_pose(file, &format!("landmarks[{i}]"))?;
            }
        }
        let draft = self.start_draft(actor, client, serde_json::json!({}), Some(intake)).await?;
        for file in landmarks {
            self.add_landmark_set(actor, &draft, None, file).await?;
        }
        if complete {
            self.complete(actor, &draft, serde_json::json!({}), intake).await?;
        }
        Ok(self.store.assessment(draft.id).await?)
    }

    /// Runs the engine on the stored intake and the effective sets and stores the new report
    /// beside the old ones (the therapist's plan edits stay as they are).
    pub async fn recompute(&self, actor: Actor, assessment: &Assessment) -> Result<ReportRecord, ClinicError> {
        let intake = match (&assessment.status, self.intake_of(assessment)?) {
            (AssessmentStatus::Complete, Some(intake)) => intake,
            _ => return Err(ClinicError::conflict("only a complete assessment can be recomputed")),
        };
        let sets = self.effective_sets(assessment.id).await?;
        let report = self.assess(&intake, &sets).await?;
        let version = ReportVersion { engine: report.engine_version.clone(), format: report.format_version };
        let stored = self.store.save_report(assessment.id, docs::to_value(&report, "the report")?, &version).await?;
        self.audit(
            actor,
            Event::new(Action::Recompute, RecordKind::Assessment, assessment.id).detail(format!("engine {}", stored.engine_version)),
        )
        .await?;
        Ok(ReportRecord {
            id: stored.id,
            assessment: assessment.id,
            report,
            engine_version: stored.engine_version,
            created_at: stored.created_at,
        })
    }

    /// Runs the engine on an intake and landmark sets without storing anything (for the
    /// automatic-versus-corrected comparison).
    pub async fn assess(&self, intake: &Intake, sets: &[EffectiveSet]) -> Result<Report, ClinicError> {
        let intake = intake.clone();
        let inputs: Vec<(String, LandmarkFile)> =
            crate::landmarks::engine_names(sets).into_iter().zip(sets.iter().map(|s| s.current.file.clone())).collect();
        self.runner.run(move |engine| Ok(engine.assess(&intake, "assessment form", &inputs)?)).await
    }

    /// The what-if simulation of an assessment (its intake and effective landmark sets) at
    /// `adherence` (0–1) over `weeks`.
    pub async fn what_if(
        &self,
        assessment: &Assessment,
        weeks: u32,
        adherence: f64,
    ) -> Result<tonus_app::simulate::Simulation, ClinicError> {
        let intake = self.intake_of(assessment)?.ok_or_else(|| ClinicError::conflict("the assessment has no valid intake yet"))?;
        let sets = self.effective_sets(assessment.id).await?;
        let inputs: Vec<(String, LandmarkFile)> =
            crate::landmarks::engine_names(&sets).into_iter().zip(sets.iter().map(|s| s.current.file.clone())).collect();
        self.runner.run(move |engine| Ok(engine.simulate_with_photos(&intake, "assessment form", &inputs, weeks, adherence)?)).await
    }

    /// The newest report of an assessment, in the current format; a conflict when it is of an
    /// earlier format and has not been recomputed yet.
    pub async fn latest_report(&self, assessment: AssessmentId) -> Result<Option<ReportRecord>, ClinicError> {
        let Some(stored) = self.store.latest_report(assessment).await? else { return Ok(None) };
        match docs::report(&stored.report, stored.id)? {
            StoredReport::Current(report) => Ok(Some(ReportRecord {
                id: stored.id,
                assessment,
                report: *report,
                engine_version: stored.engine_version,
                created_at: stored.created_at,
            })),
            StoredReport::Outdated { format_version } => Err(ClinicError::conflict(format!(
                "this report was made in report format {format_version} by an earlier version of Tonus; recompute it to read it"
            ))),
        }
    }

    /// The newest report of each completed assessment of a client, oldest first.
    pub async fn reports_of(&self, client: ClientId) -> Result<Vec<(Assessment, ReportRecord)>, ClinicError> {
        let mut out = Vec::new();
        for assessment in self.store.assessments_for(client).await? {
            if assessment.status != AssessmentStatus::Complete {
                continue;
            }
            if let Some(report) = self.latest_report(assessment.id).await? {
                out.push((assessment, report));
            }
        }
        Ok(out)
    }

    /// Recomputes every completed assessment whose newest report is of an earlier format, so
    /// every page reads the current one. Run at start-up; audited as the console's recompute.
    pub async fn upgrade_reports(&self) -> Result<Upgraded, ClinicError> {
        let mut done = Upgraded::default();
        // Only the assessments with a report of an older format are read: at start, a large
        // clinic must not parse every report it holds.
        for id in self.store.assessments_with_reports_below(FORMAT_VERSION).await? {
            let assessment = self.store.assessment(id).await?;
            let Some(stored) = self.store.latest_report(assessment.id).await? else { continue };
            let StoredReport::Outdated { format_version } = docs::report(&stored.report, stored.id)? else { continue };
            match self.recompute(Actor::CONSOLE, &assessment).await {
                Ok(_) => done.recomputed += 1,
                Err(err) if matches!(err.kind, ErrorKind::Storage | ErrorKind::Full) => return Err(err),
                Err(err) => {
                    tracing::warn!(assessment = %assessment.id, format_version, error = %err, "an outdated report could not be recomputed");
                    done.failed.push(assessment.id);
                }
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intake_on(day: &str) -> Intake {
        let persona = tonus_app::examples::personas()[0];
        let mut intake = tonus_app::intake::parse(persona.intake, Format::Toml, persona.intake_name).unwrap();
        intake.assessed_on = day.to_owned();
        intake
    }

    #[test]
    fn an_assessment_dated_after_tomorrow_is_refused_at_its_field() {
        let today = tonus_core::Date::parse(&crate::time::date(tonus_store::Timestamp::now())).unwrap();
        for (days, refused) in [(-400, false), (0, false), (1, false), (2, true), (365, true)] {
            let day = today.add_days(days).to_string();
            let err = future_assessment(&intake_on(&day));
            assert_eq!(err.is_some(), refused, "{day}");
            if let Some(err) = err {
                assert_eq!(err.field.as_deref(), Some("assessed_on"));
                assert!(err.message.contains("in the future"), "{err}");
            }
        }
    }
}
