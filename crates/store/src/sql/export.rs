//! Whole-record operations on a client: the export (every row of the record, read in one
//! transaction so it is a consistent snapshot) and erasure (the rows and the client's login in
//! one transaction, then the photo files no other record uses).
//!
//! It reads through the other aggregates' row types and columns and has no table of its own.
//! The ZIP and CSV files are the web layer's (`web/src/export.rs`); share-link token hashes are
//! never exported.

/// The `format` marker of a [`ClientExport`](crate::ClientExport).
pub(crate) const EXPORT_FORMAT: &str = "tonus-client-export/1";

/// Writes the export and erasure functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::assessments::{AssessmentRow, assessment_cols};
        use $crate::sql::audit::{AuditRow, audit_cols};
        use $crate::sql::clients::{ClientRow, client_cols};
        use $crate::sql::convert;
        use $crate::sql::desk::{DeskRow, desk_cols};
        use $crate::sql::home::{CheckInRow, DetailsRow, TickRow};
        use $crate::sql::landmarks::{LandmarkRow, landmark_cols};
        use $crate::sql::notes::{NoteRow, note_cols};
        use $crate::sql::photos::{PhotoRow, photo_cols};
        use $crate::sql::reports::{PlanRow, ReportRow, plan_cols, report_cols};
        use $crate::sql::share::{ShareRow, share_cols};

        pub(crate) async fn export_client(db: &$store, id: ClientId) -> Result<ClientExport, StoreError> {
            let key = id.to_string();
            // One transaction, so the export is a consistent snapshot.
            let mut tx = db.pool.begin().await?;
            let client: Option<ClientRow> = sqlx::query_as(concat!("SELECT ", client_cols!(), " FROM clients WHERE id = $1"))
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            let client: Client = client.ok_or(StoreError::NotFound)?.try_into()?;
            let assessments: Vec<AssessmentRow> =
                sqlx::query_as(concat!("SELECT ", assessment_cols!(), " FROM assessments WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
            let photos: Vec<PhotoRow> = sqlx::query_as(concat!(
                "SELECT ",
                photo_cols!(),
                " FROM photos WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
            let landmark_sets: Vec<LandmarkRow> = sqlx::query_as(concat!(
                "SELECT ",
                landmark_cols!(),
                " FROM landmark_sets WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
            let reports: Vec<ReportRow> = sqlx::query_as(concat!(
                "SELECT ",
                report_cols!(),
                " FROM reports WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
            let plans: Vec<PlanRow> = sqlx::query_as(concat!(
                "SELECT ",
                plan_cols!(),
                " FROM plans WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
            let notes: Vec<NoteRow> =
                sqlx::query_as(concat!("SELECT ", note_cols!(), " FROM notes WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
            let desk_days: Vec<DeskRow> =
                sqlx::query_as(concat!("SELECT ", desk_cols!(), " FROM desk_days WHERE client_id = $1 ORDER BY day"))
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
            let ticks: Vec<TickRow> =
                sqlx::query_as("SELECT day, exercise_id FROM exercise_ticks WHERE client_id = $1 ORDER BY day, exercise_id")
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
            let checkins: Vec<CheckInRow> = sqlx::query_as("SELECT week, nprs FROM pain_checkins WHERE client_id = $1 ORDER BY week")
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
            let details: Option<DetailsRow> = sqlx::query_as(
                "SELECT date_of_birth, phone, email, consent_version, consent_items, consent_on FROM client_details WHERE client_id = $1",
            )
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            let share_links: Vec<ShareRow> =
                sqlx::query_as(concat!("SELECT ", share_cols!(), " FROM share_links WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
            let audit: Vec<AuditRow> = sqlx::query_as(concat!(
                "SELECT ",
                audit_cols!(),
                " FROM audit_log WHERE record_id = $1 OR record_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY at, id"
            ))
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ClientExport {
                format: $crate::sql::export::EXPORT_FORMAT,
                exported_at: Timestamp::now(),
                client,
                assessments: convert(assessments)?,
                photos: convert(photos)?,
                landmark_sets: convert(landmark_sets)?,
                reports: convert(reports)?,
                plans: convert(plans)?,
                notes: convert(notes)?,
                desk_days: desk_days.into_iter().map(DeskDay::from).collect(),
                details: details.map(ClientDetails::from).unwrap_or_default(),
                exercise_ticks: ticks.into_iter().map(ExerciseTick::from).collect(),
                pain_checkins: checkins.into_iter().map(PainCheckIn::from).collect(),
                share_links: convert(share_links)?,
                audit_log: convert(audit)?,
            })
        }

        pub(crate) async fn erase_client(db: &$store, id: ClientId) -> Result<Erasure, StoreError> {
            let key = id.to_string();
            let mut tx = db.pool.begin().await?;
            let linked: Option<Option<String>> = sqlx::query_scalar("UPDATE clients SET updated_at = $1 WHERE id = $2 RETURNING user_id")
                .bind(Timestamp::now().0)
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            let linked_user = linked.ok_or(StoreError::NotFound)?;
            let files: Vec<(String, String)> = sqlx::query_as(
                "SELECT DISTINCT content_hash, rel_path FROM photos WHERE assessment_id IN \
                 (SELECT id FROM assessments WHERE client_id = $1)",
            )
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
            let assessments: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM assessments WHERE client_id = $1").bind(&key).fetch_one(&mut *tx).await?;
            // Foreign keys cascade to assessments, photos, landmarks, reports, plans, notes
            // and share links.
            sqlx::query("DELETE FROM clients WHERE id = $1").bind(&key).execute(&mut *tx).await?;
            if let Some(user) = &linked_user {
                sqlx::query("DELETE FROM users WHERE id = $1").bind(user).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            db.clear_erased().await?;
            // Files go only after the rows are gone, and only when no other record shares
            // the same bytes.
            let removed = super::photos::remove_unshared(db, files).await?;
            Ok(Erasure {
                assessments: u64::try_from(assessments).unwrap_or(0),
                photo_files_removed: removed,
                client_account_removed: linked_user.is_some(),
            })
        }
    };
}
pub(crate) use queries;
