//! The `Store` trait: every read and write the clinic app makes, backend-neutral.
//!
//! Methods that touch several rows run their own transaction. Lookups by id return
//! `StoreError::NotFound` when the record is absent; lookups by secret token return `None`.
//! Access control is not here: callers decide who may ask.

use async_trait::async_trait;
use serde_json::Value;

use crate::*;

/// Storage for the clinic app, used as `Arc<dyn Store>`.
#[async_trait]
pub trait Store: LoginGuardStore + Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`, for health checks and logs.
    fn backend(&self) -> Backend;
    /// Proves the database answers and the photo folder takes a write (`Full` when its disk is
    /// full).
    async fn ping(&self) -> Result<(), StoreError>;

    // Accounts.
    /// Number of accounts (first-run setup starts when there are none).
    async fn count_users(&self) -> Result<i64, StoreError>;
    /// Creates an account; `Conflict` when the login is taken.
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError>;
    /// One account.
    async fn user(&self, id: UserId) -> Result<User, StoreError>;
    /// The account and password hash for a login name, if it exists.
    async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError>;
    /// All accounts, by login.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Replaces a password hash and ends the account's sessions; `must_change` when someone
    /// other than the account's owner chose the password.
    async fn set_password_hash(&self, id: UserId, password_hash: &str, must_change: bool) -> Result<(), StoreError>;
    /// Disables or re-enables an account; disabling ends its sessions.
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<(), StoreError>;

    // First-run setup.
    /// Records a one-time setup token (by hash).
    async fn create_setup_token(&self, token_hash: &str, expires_at: Timestamp) -> Result<(), StoreError>;
    /// Whether the token is unused, unexpired and no account exists yet.
    async fn setup_token_valid(&self, token_hash: &str, now: Timestamp) -> Result<bool, StoreError>;
    /// Uses the token and creates the first account, in one transaction. `Conflict` if the
    /// token is unknown, used or expired, or an account already exists.
    async fn redeem_setup_token(&self, token_hash: &str, now: Timestamp, first_user: NewUser) -> Result<User, StoreError>;

    // Sessions.
    /// Starts a session.
    async fn create_session(&self, new: NewSession) -> Result<(), StoreError>;
    /// The live session for a cookie hash (expired sessions and disabled accounts give `None`).
    async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>, StoreError>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Removes expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;

    // Clients.
    /// Creates a client record.
    async fn create_client(&self, new: NewClient) -> Result<Client, StoreError>;
    /// One client.
    async fn client(&self, id: ClientId) -> Result<Client, StoreError>;
    /// The client record linked to a client account, if any.
    async fn client_for_user(&self, user: UserId) -> Result<Option<Client>, StoreError>;
    /// Clients matching the query, by name.
    async fn clients(&self, query: &ClientQuery) -> Result<Vec<Client>, StoreError>;
    /// The same clients with their owners' names, and how many match in all, for lists.
    async fn listed_clients(&self, query: &ClientQuery) -> Result<ClientPage, StoreError>;
    /// How many clients match the query (its `limit` and `offset` ignored).
    async fn count_clients(&self, query: &ClientQuery) -> Result<i64, StoreError>;
    /// Changes a client's details.
    async fn update_client(&self, id: ClientId, update: ClientUpdate) -> Result<Client, StoreError>;
    /// Creates a client account and links it to the record, in one transaction.
    async fn create_client_account(&self, client: ClientId, new: NewUser) -> Result<User, StoreError>;

    // Assessments.
    /// Starts a draft assessment.
    async fn create_assessment(&self, new: NewAssessment) -> Result<Assessment, StoreError>;
    /// One assessment.
    async fn assessment(&self, id: AssessmentId) -> Result<Assessment, StoreError>;
    /// An assessment and its client, read together.
    async fn assessment_with_client(&self, id: AssessmentId) -> Result<(Assessment, Client), StoreError>;
    /// A client's assessments, oldest first.
    async fn assessments_for(&self, client: ClientId) -> Result<Vec<Assessment>, StoreError>;
    /// Saves a draft's form (and intake, once valid). `Conflict` if already complete.
    async fn save_draft(&self, id: AssessmentId, form: Value, intake: Option<Value>) -> Result<Assessment, StoreError>;
    /// Completes a draft: stores the intake, the report and the engine's plan atomically.
    /// `Conflict` if already complete.
    async fn complete_assessment(&self, done: CompleteAssessment) -> Result<Assessment, StoreError>;

    // Photos and landmarks.
    /// Writes the photo file (named by its hash) and records it.
    async fn add_photo(&self, new: NewPhoto) -> Result<Photo, StoreError>;
    /// One photo record.
    async fn photo(&self, id: PhotoId) -> Result<Photo, StoreError>;
    /// The bytes of a photo.
    async fn photo_bytes(&self, id: PhotoId) -> Result<(Photo, Vec<u8>), StoreError>;
    /// An assessment's photos.
    async fn photos_for(&self, assessment: AssessmentId) -> Result<Vec<Photo>, StoreError>;
    /// Records a landmark set.
    async fn add_landmark_set(&self, new: NewLandmarkSet) -> Result<LandmarkSet, StoreError>;
    /// An assessment's landmark sets, oldest first.
    async fn landmark_sets_for(&self, assessment: AssessmentId) -> Result<Vec<LandmarkSet>, StoreError>;

    // Derived results and plans.
    /// Stores a (re)computed report.
    /// Deletes a draft with its photos and landmark sets; `Conflict` for a completed
    /// assessment (the record keeps those). Returns how many photo files went (files that
    /// another record shares stay).
    async fn delete_draft(&self, id: AssessmentId) -> Result<u64, StoreError>;
    /// Deletes a photo of a draft with the landmark sets found on it (a retake); `Conflict`
    /// when its assessment is complete. Returns whether its file went.
    async fn delete_photo(&self, id: PhotoId) -> Result<bool, StoreError>;
    async fn save_report(&self, assessment: AssessmentId, report: Value, version: &ReportVersion) -> Result<Report, StoreError>;
    /// The assessments that have a report of a JSON format older than `format` (an index
    /// lookup: for recomputing them at start).
    async fn assessments_with_reports_below(&self, format: u32) -> Result<Vec<AssessmentId>, StoreError>;
    /// The newest report of an assessment, if any.
    async fn latest_report(&self, assessment: AssessmentId) -> Result<Option<Report>, StoreError>;
    /// What the report page of an assessment depends on, read in one query without the
    /// report itself; `None` when it has no report.
    async fn report_stamp(&self, assessment: AssessmentId) -> Result<Option<ReportStamp>, StoreError>;
    /// The plan of an assessment, if any.
    async fn plan_for(&self, assessment: AssessmentId) -> Result<Option<Plan>, StoreError>;
    /// Records the therapist's version of the plan.
    async fn edit_plan(&self, assessment: AssessmentId, edited: Value, editor: UserId) -> Result<Plan, StoreError>;
    /// Records a plan carried forward from an earlier assessment as the edited plan, with the
    /// review of the engine's proposal pending (any later edit marks it reviewed).
    async fn carry_plan(&self, assessment: AssessmentId, carried: CarriedPlan) -> Result<Plan, StoreError>;

    // Notes.
    /// Adds a note.
    async fn add_note(&self, new: NewNote) -> Result<Note, StoreError>;
    /// A client's notes, oldest first.
    async fn notes_for(&self, client: ClientId) -> Result<Vec<Note>, StoreError>;

    // The desk page's days.
    /// Stores a client's desk days (each field keeps the larger of the stored and the given
    /// value, so sending a day again, or an older copy, changes nothing). All or none.
    async fn put_desk_days(&self, client: ClientId, days: &[DeskDay]) -> Result<(), StoreError>;
    /// A client's desk days from `since` (`YYYY-MM-DD`) on, oldest first.
    async fn desk_days(&self, client: ClientId, since: &str) -> Result<Vec<DeskDay>, StoreError>;

    // A client's details and consent.
    /// A client's date of birth, contact and consent (empty when never set).
    async fn client_details(&self, client: ClientId) -> Result<ClientDetails, StoreError>;
    /// Replaces a client's details.
    async fn put_client_details(&self, client: ClientId, details: &ClientDetails) -> Result<(), StoreError>;

    // The clinic's own details.
    /// The clinic's details for print headers (empty when never set).
    async fn clinic_settings(&self) -> Result<ClinicSettings, StoreError>;
    /// Replaces the clinic's details.
    async fn put_clinic_settings(&self, settings: &ClinicSettings) -> Result<(), StoreError>;

    // The client's home page.
    /// Ticks an exercise as done on a day (`done`), or takes the tick back; idempotent.
    async fn set_exercise_done(&self, client: ClientId, tick: &ExerciseTick, done: bool) -> Result<(), StoreError>;
    /// A client's ticks from `since` (`YYYY-MM-DD`) on, by day then exercise.
    async fn exercise_ticks(&self, client: ClientId, since: &str) -> Result<Vec<ExerciseTick>, StoreError>;
    /// Stores a weekly pain check-in; a second one for the same week replaces the first.
    async fn put_pain_checkin(&self, client: ClientId, checkin: &PainCheckIn) -> Result<(), StoreError>;
    /// A client's pain check-ins from the week of `since` on, oldest first.
    async fn pain_checkins(&self, client: ClientId, since: &str) -> Result<Vec<PainCheckIn>, StoreError>;

    // Share links.
    /// Creates a share link.
    async fn create_share_link(&self, new: NewShareLink) -> Result<ShareLink, StoreError>;
    /// The link for a token hash, active or not.
    async fn share_link(&self, token_hash: &str) -> Result<Option<ShareLink>, StoreError>;
    /// A client's share links.
    async fn share_links_for(&self, client: ClientId) -> Result<Vec<ShareLink>, StoreError>;
    /// Revokes a link now.
    async fn revoke_share_link(&self, id: ShareLinkId) -> Result<(), StoreError>;

    // Audit.
    /// Appends an audit line.
    async fn record_audit(&self, entry: NewAuditEntry) -> Result<(), StoreError> {
        self.record_audit_batch(vec![entry]).await
    }
    /// Appends several audit lines in one transaction (group commit: one disk flush for all).
    async fn record_audit_batch(&self, entries: Vec<NewAuditEntry>) -> Result<(), StoreError>;
    /// Audit lines about one record, newest first.
    async fn audit_for(&self, record_id: &str, limit: i64) -> Result<Vec<AuditEntry>, StoreError>;
    /// The newest audit lines.
    async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError>;
    /// Up to `limit` audit lines older than `before`, oldest first, starting after `after` (the
    /// last line of the previous call), for archiving before [`Store::delete_audit_before`].
    async fn audit_before(&self, before: Timestamp, after: Option<AuditId>, limit: i64) -> Result<Vec<AuditEntry>, StoreError>;
    /// Deletes the audit lines older than `before`; returns how many.
    async fn delete_audit_before(&self, before: Timestamp) -> Result<u64, StoreError>;

    // Whole-record operations.
    /// The client's whole record.
    async fn export_client(&self, id: ClientId) -> Result<ClientExport, StoreError>;
    /// Deletes the client's rows (and linked client account) in one transaction, then the
    /// photo files no other record uses.
    async fn erase_client(&self, id: ClientId) -> Result<Erasure, StoreError>;
    /// Stores a whole record from another Tonus as it is (ids and times kept) in one
    /// transaction, with its photo files; `Conflict` when the client or any row of the record is here already.
    async fn import_client(&self, record: ImportRecord) -> Result<(), StoreError>;
}
