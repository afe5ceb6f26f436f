//! The clinical documents the store keeps as JSON, read back into their types: the intake,
//! landmark files, reports and plans.
//!
//! A document that no longer reads is an error naming the record, never a silently empty
//! page. Reports of an earlier format are recognised by their `format_version` and reported as
//! outdated ([`Clinic::upgrade_reports`](crate::Clinic::upgrade_reports) recomputes them from
//! their stored intake and landmarks); plans of format 1 (a therapist's edit may be one) are
//! translated by `tonus_app::legacy`.

use serde_json::Value;
use tonus_app::intake::Intake;
use tonus_app::landmarks::LandmarkFile;
use tonus_app::report::{FORMAT_VERSION, PlanView, Report};
use tonus_store::{AssessmentId, ReportId, Timestamp, UserId};

use crate::error::ClinicError;

/// A stored report, in the current format.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    /// The report's id.
    pub id: ReportId,
    /// Its assessment.
    pub assessment: AssessmentId,
    /// The report.
    pub report: Report,
    /// The engine that made it.
    pub engine_version: String,
    /// When it was made.
    pub created_at: Timestamp,
}

/// An assessment's plan: the engine's (from its newest report) and the therapist's edit.
#[derive(Debug, Clone)]
pub struct PlanRecord {
    /// Its assessment.
    pub assessment: AssessmentId,
    /// The engine's plan in the newest report; `None` when the red-flag screen blocks it.
    pub engine: Option<PlanView>,
    /// The therapist's version, when edited; it replaces the engine's for the client.
    pub edited: Option<PlanView>,
    /// Who edited it.
    pub edited_by: Option<UserId>,
    /// When.
    pub edited_at: Option<Timestamp>,
    /// Whether the newest report's red-flag screen blocks the plan (an edit is then not shown
    /// to the client either).
    pub blocked: bool,
    /// The earlier assessment whose plan was carried forward into this one.
    pub carried_from: Option<AssessmentId>,
    /// Carried forward, and the engine's proposed changes not yet reviewed.
    pub review_pending: bool,
}

impl PlanRecord {
    /// The plan the client follows: the therapist's edit if any, else the engine's; none
    /// while a red flag blocks the plan.
    pub fn current(&self) -> Option<&PlanView> {
        if self.blocked { None } else { self.edited.as_ref().or(self.engine.as_ref()) }
    }
}

/// A stored intake.
pub fn intake(value: &Value, assessment: AssessmentId) -> Result<Intake, ClinicError> {
    serde_json::from_value(value.clone())
        .map_err(|e| ClinicError::engine(format!("the stored intake of assessment {assessment} no longer reads: {e}")))
}

/// A stored landmark file; `what` names it in the error.
pub fn landmark_file(value: &Value, what: &str) -> Result<LandmarkFile, ClinicError> {
    serde_json::from_value(value.clone()).map_err(|e| ClinicError::engine(format!("{what} no longer reads: {e}")))
}

/// What a stored report turned out to be.
#[derive(Debug, Clone)]
pub enum StoredReport {
    /// The current format.
    Current(Box<Report>),
    /// An earlier format, to be recomputed.
    Outdated {
        /// The format it was written in.
        format_version: u32,
    },
}

/// Reads a stored report.
pub fn report(value: &Value, id: ReportId) -> Result<StoredReport, ClinicError> {
    let version = value.get("format_version").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok()).unwrap_or(1);
    if version < FORMAT_VERSION {
        return Ok(StoredReport::Outdated { format_version: version });
    }
    serde_json::from_value(value.clone())
        .map(|r| StoredReport::Current(Box::new(r)))
        .map_err(|e| ClinicError::engine(format!("stored report {id} does not read: {e}")))
}

/// Reads a stored plan of either format; `what` names it in the error.
pub fn plan(value: &Value, what: &str) -> Result<PlanView, ClinicError> {
    tonus_app::legacy::read_plan(value, what).map_err(|e| ClinicError::engine(e.to_string()))
}

/// A document as JSON for the store.
pub(crate) fn to_value<T: serde::Serialize>(doc: &T, what: &str) -> Result<Value, ClinicError> {
    serde_json::to_value(doc).map_err(|e| ClinicError::engine(format!("{what} did not serialise: {e}")))
}
