//! Tonus's own record of a client inside its FHIR Bundle: what a lossless transfer between
//! Tonus installations needs beyond the standard resources (the intake and form as typed, every
//! report and plan as stored, the landmark files, notes, desk days, ticks), carried as one
//! `DocumentReference` of type `tonus-record` whose attachment is this JSON. Photos are not in
//! it: their bytes travel once, in the `Media` resources, matched by id and content hash.
//! Left out on purpose: the audit log (each clinic keeps its own), share links (their tokens
//! are never exported) and the client's login.

use serde::{Deserialize, Serialize};
use tonus_store::{
    Assessment, Client, ClientDetails, ClientExport, DeskDay, ExerciseTick, LandmarkSet, Note, PainCheckIn, Photo, Plan, Report,
};

/// The record document's format marker.
pub const RECORD_FORMAT: &str = "tonus-fhir-record/1";

/// The record inside a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDocument {
    /// [`RECORD_FORMAT`].
    pub format: String,
    /// The client (without its login).
    pub client: Client,
    /// Date of birth, contact and consent.
    pub details: ClientDetails,
    /// Every assessment, drafts included, with its form and intake.
    pub assessments: Vec<Assessment>,
    /// The photos' rows (their bytes are the Media's).
    pub photos: Vec<Photo>,
    /// Every landmark set with its file.
    pub landmark_sets: Vec<LandmarkSet>,
    /// Every report as stored.
    pub reports: Vec<Report>,
    /// Every plan: the engine's and the therapist's.
    pub plans: Vec<Plan>,
    /// The therapists' notes.
    pub notes: Vec<Note>,
    /// The desk page's days.
    pub desk_days: Vec<DeskDay>,
    /// Exercises ticked as done.
    pub exercise_ticks: Vec<ExerciseTick>,
    /// Weekly pain check-ins.
    pub pain_checkins: Vec<PainCheckIn>,
}

impl RecordDocument {
    /// The record of an export.
    pub fn of(e: &ClientExport) -> Self {
        Self {
            format: RECORD_FORMAT.into(),
            client: Client { user: None, ..e.client.clone() },
            details: e.details.clone(),
            assessments: e.assessments.clone(),
            photos: e.photos.clone(),
            landmark_sets: e.landmark_sets.clone(),
            reports: e.reports.clone(),
            plans: e.plans.clone(),
            notes: e.notes.clone(),
            desk_days: e.desk_days.clone(),
            exercise_ticks: e.exercise_ticks.clone(),
            pain_checkins: e.pain_checkins.clone(),
        }
    }
}
