//! The SQL both backends share: one module per aggregate, and the macro that binds it all to a
//! backend's store type.
//!
//! The schema is written so one dialect subset serves SQLite and PostgreSQL alike (`$n`
//! parameters, `RETURNING`, `ON CONFLICT`, text ids and JSON, `BIGINT` milliseconds), so each
//! statement is written once, in the module of the aggregate it reads or writes, beside that
//! aggregate's column list, input checks and, where a column is JSON text or a core vocabulary, a private row type: `users` (accounts, first-run
//! setup, sessions), `clients`, `assessments`, `photos`, `landmarks`, `reports` (reports and
//! plans), `notes`, `desk` (the desk page's days), `home` (the client's ticks and pain check-ins), `share`, `audit` and `export` (export and erasure of a whole record). Each
//! module's `queries!` macro writes that aggregate's functions for one store type;
//! [`impl_store!`] puts them in a `queries` module of the backend and implements
//! [`Store`](crate::Store) by delegating every method to them. Write transactions start with a
//! write, so SQLite takes its write lock at once instead of failing to upgrade a read snapshot.
//!
//! Why macros rather than functions generic over `sqlx::Database`: the generic form compiles,
//! but every generic item then restates sqlx's capabilities in a where clause of a dozen lines
//! (argument lifetimes, executors, `Encode`/`Decode`/`Type` for each bound and read type, column
//! indexes), which a helper trait cannot imply and a macro cannot expand into; and
//! `QueryBuilder` (the audit group commit) does not borrow-check over a generic backend, whose
//! `Arguments<'q>` is an invariant projection. The macros move the SQL over unchanged.
//!
//! Left out: connection setup and migrations (`sqlite.rs`, `postgres.rs`), the login limiter's
//! tables (`login.rs`) and photo files on disk (`photos.rs`, the crate's, not `sql/photos.rs`).

use serde_json::Value;

use crate::StoreError;

pub(crate) mod assessments;
pub(crate) mod audit;
pub(crate) mod clients;
pub(crate) mod desk;
pub(crate) mod export;
pub(crate) mod home;
pub(crate) mod landmarks;
pub(crate) mod notes;
pub(crate) mod photos;
pub(crate) mod reports;
pub(crate) mod share;
pub(crate) mod users;

pub use audit::{MAX_AUDIT_DETAIL, MAX_AUDIT_RECORD_ID, MAX_AUDIT_WORD};

pub(crate) fn to_json(value: &Value) -> Result<String, StoreError> {
    Ok(serde_json::to_string(value)?)
}

pub(crate) fn from_json(text: &str) -> Result<Value, StoreError> {
    Ok(serde_json::from_str(text)?)
}

pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

pub(crate) fn non_empty(field: &str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{field} must not be empty")));
    }
    Ok(())
}

/// The one row of an `INSERT`/`UPDATE … RETURNING` run outside a transaction, from
/// `fetch_all`. On SQLite, sqlx's `fetch_one` and `fetch_optional` stop stepping the statement
/// at its first row, so its automatic commit, and any error the commit meets (a full disk), is
/// lost while the row is returned as if stored (sqlx issues 2099 and 3430); `fetch_all` steps
/// it to the end. Inside a transaction the `COMMIT` reports such errors, so there
/// `fetch_one` is fine.
pub(crate) fn one<T>(rows: Vec<T>) -> Result<T, StoreError> {
    rows.into_iter().next().ok_or(StoreError::NotFound)
}

/// Like [`one`], for a statement that may match no row.
pub(crate) fn at_most_one<T>(rows: Vec<T>) -> Option<T> {
    rows.into_iter().next()
}

/// Implements [`Store`](crate::Store) for a backend struct with `pool` and `photos` fields:
/// writes each aggregate's functions into `queries::<aggregate>` and delegates every method.
macro_rules! impl_store {
    ($store:ty, $backend:expr) => {
        /// The shared SQL, bound to this backend's store: one module per aggregate.
        mod queries {
            use super::*;

            pub(crate) mod users {
                use super::*;
                $crate::sql::users::queries!($store);
            }
            pub(crate) mod clients {
                use super::*;
                $crate::sql::clients::queries!($store);
            }
            pub(crate) mod assessments {
                use super::*;
                $crate::sql::assessments::queries!($store);
            }
            pub(crate) mod photos {
                use super::*;
                $crate::sql::photos::queries!($store);
            }
            pub(crate) mod landmarks {
                use super::*;
                $crate::sql::landmarks::queries!($store);
            }
            pub(crate) mod reports {
                use super::*;
                $crate::sql::reports::queries!($store);
            }
            pub(crate) mod notes {
                use super::*;
                $crate::sql::notes::queries!($store);
            }
            pub(crate) mod share {
                use super::*;
                $crate::sql::share::queries!($store);
            }
            pub(crate) mod desk {
                use super::*;
                $crate::sql::desk::queries!($store);
            }
            pub(crate) mod home {
                use super::*;
                $crate::sql::home::queries!($store);
            }
            pub(crate) mod audit {
                use super::*;
                $crate::sql::audit::queries!($store);
            }
            pub(crate) mod export {
                use super::*;
                $crate::sql::export::queries!($store);
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> $crate::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                // The database answering is not enough: a full disk refuses every upload and
                // (for SQLite) every login while a read still succeeds.
                self.photos.probe_writable().await
            }

            // Accounts, first-run setup and sessions.
            async fn count_users(&self) -> Result<i64, StoreError> {
                queries::users::count_users(self).await
            }
            async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
                queries::users::create_user(self, new).await
            }
            async fn user(&self, id: UserId) -> Result<User, StoreError> {
                queries::users::user(self, id).await
            }
            async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError> {
                queries::users::credentials(self, login).await
            }
            async fn users(&self) -> Result<Vec<User>, StoreError> {
                queries::users::users(self).await
            }
            async fn set_password_hash(&self, id: UserId, password_hash: &str, must_change: bool) -> Result<(), StoreError> {
                queries::users::set_password_hash(self, id, password_hash, must_change).await
            }
            async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<(), StoreError> {
                queries::users::set_user_disabled(self, id, disabled).await
            }
            async fn create_setup_token(&self, token_hash: &str, expires_at: Timestamp) -> Result<(), StoreError> {
                queries::users::create_setup_token(self, token_hash, expires_at).await
            }
            async fn setup_token_valid(&self, token_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
                queries::users::setup_token_valid(self, token_hash, now).await
            }
            async fn redeem_setup_token(&self, token_hash: &str, now: Timestamp, first_user: NewUser) -> Result<User, StoreError> {
                queries::users::redeem_setup_token(self, token_hash, now, first_user).await
            }
            async fn create_session(&self, new: NewSession) -> Result<(), StoreError> {
                queries::users::create_session(self, new).await
            }
            async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
                queries::users::session(self, token_hash, now).await
            }
            async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
                queries::users::delete_session(self, token_hash).await
            }
            async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
                queries::users::delete_expired_sessions(self, now).await
            }

            // Clients.
            async fn create_client(&self, new: NewClient) -> Result<Client, StoreError> {
                queries::clients::create_client(self, new).await
            }
            async fn client(&self, id: ClientId) -> Result<Client, StoreError> {
                queries::clients::client(self, id).await
            }
            async fn client_for_user(&self, user: UserId) -> Result<Option<Client>, StoreError> {
                queries::clients::client_for_user(self, user).await
            }
            async fn clients(&self, query: &ClientQuery) -> Result<Vec<Client>, StoreError> {
                queries::clients::clients(self, query).await
            }
            async fn listed_clients(&self, query: &ClientQuery) -> Result<ClientPage, StoreError> {
                queries::clients::listed_clients(self, query).await
            }
            async fn count_clients(&self, query: &ClientQuery) -> Result<i64, StoreError> {
                queries::clients::count_clients(self, query).await
            }
            async fn update_client(&self, id: ClientId, update: ClientUpdate) -> Result<Client, StoreError> {
                queries::clients::update_client(self, id, update).await
            }
            async fn create_client_account(&self, client: ClientId, new: NewUser) -> Result<User, StoreError> {
                queries::clients::create_client_account(self, client, new).await
            }

            // Assessments.
            async fn create_assessment(&self, new: NewAssessment) -> Result<Assessment, StoreError> {
                queries::assessments::create_assessment(self, new).await
            }
            async fn assessment(&self, id: AssessmentId) -> Result<Assessment, StoreError> {
                queries::assessments::assessment(self, id).await
            }
            async fn assessment_with_client(&self, id: AssessmentId) -> Result<(Assessment, Client), StoreError> {
                queries::assessments::assessment_with_client(self, id).await
            }
            async fn assessments_for(&self, client: ClientId) -> Result<Vec<Assessment>, StoreError> {
                queries::assessments::assessments_for(self, client).await
            }
            async fn save_draft(
                &self,
                id: AssessmentId,
                form: serde_json::Value,
                intake: Option<serde_json::Value>,
            ) -> Result<Assessment, StoreError> {
                queries::assessments::save_draft(self, id, form, intake).await
            }
            async fn complete_assessment(&self, done: CompleteAssessment) -> Result<Assessment, StoreError> {
                queries::assessments::complete_assessment(self, done).await
            }

            // Photos and landmarks.
            async fn add_photo(&self, new: NewPhoto) -> Result<Photo, StoreError> {
                queries::photos::add_photo(self, new).await
            }
            async fn photo(&self, id: PhotoId) -> Result<Photo, StoreError> {
                queries::photos::photo(self, id).await
            }
            async fn photo_bytes(&self, id: PhotoId) -> Result<(Photo, Vec<u8>), StoreError> {
                queries::photos::photo_bytes(self, id).await
            }
            async fn photos_for(&self, assessment: AssessmentId) -> Result<Vec<Photo>, StoreError> {
                queries::photos::photos_for(self, assessment).await
            }
            async fn add_landmark_set(&self, new: NewLandmarkSet) -> Result<LandmarkSet, StoreError> {
                queries::landmarks::add_landmark_set(self, new).await
            }
            async fn landmark_sets_for(&self, assessment: AssessmentId) -> Result<Vec<LandmarkSet>, StoreError> {
                queries::landmarks::landmark_sets_for(self, assessment).await
            }

            // Derived results and plans.
            async fn save_report(
                &self,
                assessment: AssessmentId,
                report: serde_json::Value,
                version: &ReportVersion,
            ) -> Result<Report, StoreError> {
                queries::reports::save_report(self, assessment, report, version).await
            }
            async fn delete_draft(&self, id: AssessmentId) -> Result<u64, StoreError> {
                queries::photos::delete_draft(self, id).await
            }
            async fn delete_photo(&self, id: PhotoId) -> Result<bool, StoreError> {
                queries::photos::delete_photo(self, id).await
            }
            async fn assessments_with_reports_below(&self, format: u32) -> Result<Vec<AssessmentId>, StoreError> {
                queries::reports::assessments_with_reports_below(self, format).await
            }
            async fn latest_report(&self, assessment: AssessmentId) -> Result<Option<Report>, StoreError> {
                queries::reports::latest_report(self, assessment).await
            }
            async fn report_stamp(&self, assessment: AssessmentId) -> Result<Option<ReportStamp>, StoreError> {
                queries::reports::report_stamp(self, assessment).await
            }
            async fn plan_for(&self, assessment: AssessmentId) -> Result<Option<Plan>, StoreError> {
                queries::reports::plan_for(self, assessment).await
            }
            async fn edit_plan(&self, assessment: AssessmentId, edited: serde_json::Value, editor: UserId) -> Result<Plan, StoreError> {
                queries::reports::edit_plan(self, assessment, edited, editor).await
            }
            async fn carry_plan(&self, assessment: AssessmentId, carried: CarriedPlan) -> Result<Plan, StoreError> {
                queries::reports::carry_plan(self, assessment, carried).await
            }

            // Notes.
            async fn add_note(&self, new: NewNote) -> Result<Note, StoreError> {
                queries::notes::add_note(self, new).await
            }
            async fn notes_for(&self, client: ClientId) -> Result<Vec<Note>, StoreError> {
                queries::notes::notes_for(self, client).await
            }

            // Desk days.
            async fn put_desk_days(&self, client: ClientId, days: &[DeskDay]) -> Result<(), StoreError> {
                queries::desk::put_desk_days(self, client, days).await
            }
            async fn desk_days(&self, client: ClientId, since: &str) -> Result<Vec<DeskDay>, StoreError> {
                queries::desk::desk_days(self, client, since).await
            }
            async fn client_details(&self, client: ClientId) -> Result<ClientDetails, StoreError> {
                queries::home::client_details(self, client).await
            }
            async fn put_client_details(&self, client: ClientId, details: &ClientDetails) -> Result<(), StoreError> {
                queries::home::put_client_details(self, client, details).await
            }
            async fn clinic_settings(&self) -> Result<ClinicSettings, StoreError> {
                queries::home::clinic_settings(self).await
            }
            async fn put_clinic_settings(&self, settings: &ClinicSettings) -> Result<(), StoreError> {
                queries::home::put_clinic_settings(self, settings).await
            }
            async fn set_exercise_done(&self, client: ClientId, tick: &ExerciseTick, done: bool) -> Result<(), StoreError> {
                queries::home::set_exercise_done(self, client, tick, done).await
            }
            async fn exercise_ticks(&self, client: ClientId, since: &str) -> Result<Vec<ExerciseTick>, StoreError> {
                queries::home::exercise_ticks(self, client, since).await
            }
            async fn put_pain_checkin(&self, client: ClientId, checkin: &PainCheckIn) -> Result<(), StoreError> {
                queries::home::put_pain_checkin(self, client, checkin).await
            }
            async fn pain_checkins(&self, client: ClientId, since: &str) -> Result<Vec<PainCheckIn>, StoreError> {
                queries::home::pain_checkins(self, client, since).await
            }

            // Share links.
            async fn create_share_link(&self, new: NewShareLink) -> Result<ShareLink, StoreError> {
                queries::share::create_share_link(self, new).await
            }
            async fn share_link(&self, token_hash: &str) -> Result<Option<ShareLink>, StoreError> {
                queries::share::share_link(self, token_hash).await
            }
            async fn share_links_for(&self, client: ClientId) -> Result<Vec<ShareLink>, StoreError> {
                queries::share::share_links_for(self, client).await
            }
            async fn revoke_share_link(&self, id: ShareLinkId) -> Result<(), StoreError> {
                queries::share::revoke_share_link(self, id).await
            }

            // Audit (`record_audit` is the trait's default: a batch of one).
            async fn record_audit_batch(&self, entries: Vec<NewAuditEntry>) -> Result<(), StoreError> {
                queries::audit::record_audit_batch(self, entries).await
            }
            async fn audit_for(&self, record_id: &str, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
                queries::audit::audit_for(self, record_id, limit).await
            }
            async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
                queries::audit::recent_audit(self, limit).await
            }
            async fn audit_before(&self, before: Timestamp, after: Option<AuditId>, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
                queries::audit::audit_before(self, before, after, limit).await
            }
            async fn delete_audit_before(&self, before: Timestamp) -> Result<u64, StoreError> {
                queries::audit::delete_audit_before(self, before).await
            }

            // Whole-record operations.
            async fn export_client(&self, id: ClientId) -> Result<ClientExport, StoreError> {
                queries::export::export_client(self, id).await
            }
            async fn erase_client(&self, id: ClientId) -> Result<Erasure, StoreError> {
                queries::export::erase_client(self, id).await
            }
            async fn import_client(&self, record: ImportRecord) -> Result<(), StoreError> {
                queries::export::import_client(self, record).await
            }
        }
    };
}
pub(crate) use impl_store;
