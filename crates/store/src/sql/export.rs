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
        use $crate::sql::audit::audit_cols;
        use $crate::sql::clients::client_cols;
        use $crate::sql::convert;
        use $crate::sql::desk::{DeskRow, desk_cols};
        use $crate::sql::home::{CheckInRow, DetailsRow, TickRow};
        use $crate::sql::landmarks::{LandmarkRow, landmark_cols};
        use $crate::sql::notes::note_cols;
        use $crate::sql::photos::{PhotoRow, photo_cols};
        use $crate::sql::reports::{PlanRow, ReportRow, plan_cols, report_cols};
        use $crate::sql::share::share_cols;

        pub(crate) async fn export_client(db: &$store, id: ClientId) -> Result<ClientExport, StoreError> {
            // One transaction, so the export is a consistent snapshot.
            let mut tx = db.pool.begin().await?;
            let client: Option<Client> =
                sqlx::query_as(concat!("SELECT ", client_cols!(), " FROM clients WHERE id = $1")).bind(id).fetch_optional(&mut *tx).await?;
            let client = client.ok_or(StoreError::NotFound)?;
            let assessments: Vec<AssessmentRow> =
                sqlx::query_as(concat!("SELECT ", assessment_cols!(), " FROM assessments WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let photos: Vec<PhotoRow> = sqlx::query_as(concat!(
                "SELECT ",
                photo_cols!(),
                " FROM photos WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let landmark_sets: Vec<LandmarkRow> = sqlx::query_as(concat!(
                "SELECT ",
                landmark_cols!(),
                " FROM landmark_sets WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let reports: Vec<ReportRow> = sqlx::query_as(concat!(
                "SELECT ",
                report_cols!(),
                " FROM reports WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let plans: Vec<PlanRow> = sqlx::query_as(concat!(
                "SELECT ",
                plan_cols!(),
                " FROM plans WHERE assessment_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
            ))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let notes: Vec<Note> =
                sqlx::query_as(concat!("SELECT ", note_cols!(), " FROM notes WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let desk_days: Vec<DeskRow> =
                sqlx::query_as(concat!("SELECT ", desk_cols!(), " FROM desk_days WHERE client_id = $1 ORDER BY day"))
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let ticks: Vec<TickRow> =
                sqlx::query_as("SELECT day, exercise_id FROM exercise_ticks WHERE client_id = $1 ORDER BY day, exercise_id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let checkins: Vec<CheckInRow> = sqlx::query_as("SELECT week, nprs FROM pain_checkins WHERE client_id = $1 ORDER BY week")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            let details: Option<DetailsRow> = sqlx::query_as(
                "SELECT date_of_birth, phone, email, consent_version, consent_items, consent_on FROM client_details WHERE client_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let share_links: Vec<ShareLink> =
                sqlx::query_as(concat!("SELECT ", share_cols!(), " FROM share_links WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let audit: Vec<AuditEntry> = sqlx::query_as(concat!(
                "SELECT ",
                audit_cols!(),
                " FROM audit_log WHERE record_id = $1 OR record_id IN ",
                "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY at, id"
            ))
            .bind(id)
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
                notes,
                desk_days: desk_days.into_iter().map(DeskDay::from).collect(),
                details: details.map(ClientDetails::from).unwrap_or_default(),
                exercise_ticks: ticks.into_iter().map(ExerciseTick::from).collect(),
                pain_checkins: checkins.into_iter().map(PainCheckIn::from).collect(),
                share_links,
                audit_log: audit,
            })
        }

        /// Inserts a whole record as it is, ids and times kept, in one transaction; the photo
        /// files are written first and removed again if the rows are not stored.
        pub(crate) async fn import_client(db: &$store, record: ImportRecord) -> Result<(), StoreError> {
            record.check()?;
            $crate::sql::clients::check_client_name(&record.client.display_name, record.client.reference.as_deref())?;
            for note in &record.notes {
                $crate::sql::notes::check_note(&note.body)?;
            }
            record.details.check()?;
            for tick in &record.exercise_ticks {
                tick.check()?;
            }
            for checkin in &record.pain_checkins {
                checkin.check()?;
            }
            for day in &record.desk_days {
                day.check()?;
            }
            let exists: Option<(String,)> =
                sqlx::query_as("SELECT id FROM clients WHERE id = $1").bind(record.client.id).fetch_optional(&db.pool).await?;
            if exists.is_some() {
                return Err(StoreError::Conflict);
            }
            // No row of the record may already be here (under another client): a conflict, as
            // for the client, which does not say which row (the importer may not see it).
            let taken = |table: &'static str, ids: Vec<String>| async move {
                for id in ids {
                    let found: Option<(String,)> =
                        sqlx::query_as(&format!("SELECT id FROM {table} WHERE id = $1")).bind(&id).fetch_optional(&db.pool).await?;
                    if found.is_some() {
                        return Err(StoreError::Conflict);
                    }
                }
                Ok::<_, StoreError>(())
            };
            taken("assessments", record.assessments.iter().map(|a| a.id.to_string()).collect()).await?;
            taken("photos", record.photos.iter().map(|(p, _)| p.id.to_string()).collect()).await?;
            taken("landmark_sets", record.landmark_sets.iter().map(|s| s.id.to_string()).collect()).await?;
            taken("reports", record.reports.iter().map(|r| r.id.to_string()).collect()).await?;
            taken("plans", record.plans.iter().map(|p| p.id.to_string()).collect()).await?;
            taken("notes", record.notes.iter().map(|n| n.id.to_string()).collect()).await?;
            let mut written = Vec::new();
            let mut paths = std::collections::HashMap::new();
            for (photo, bytes) in &record.photos {
                let stored = match db.photos.write(bytes, &photo.media_type).await {
                    Ok(stored) => stored,
                    Err(err) => {
                        let _ = super::photos::remove_unshared(db, written).await;
                        return Err(err);
                    }
                };
                written.push((stored.content_hash.clone(), stored.rel_path.clone()));
                if stored.content_hash != photo.content_hash {
                    let _ = super::photos::remove_unshared(db, written).await;
                    return Err(StoreError::Invalid(format!("photo {}: its bytes do not match its content hash", photo.id)));
                }
                paths.insert(photo.id, stored.rel_path);
            }
            let inserted = insert_record(db, &record, &paths).await;
            if inserted.is_err() {
                let _ = super::photos::remove_unshared(db, written).await;
            }
            inserted
        }

        async fn insert_record(
            db: &$store,
            r: &ImportRecord,
            paths: &std::collections::HashMap<PhotoId, String>,
        ) -> Result<(), StoreError> {
            let mut tx = db.pool.begin().await?;
            for account in &r.accounts {
                sqlx::query(concat!(
                    "INSERT INTO users (id, login, display_name, role, password_hash, disabled, must_change_password, created_at) ",
                    "VALUES ($1, $2, $3, 'practitioner', '', TRUE, TRUE, $4) ON CONFLICT (id) DO NOTHING"
                ))
                .bind(account.id)
                .bind(format!("imported-{}", account.id))
                .bind(&account.display_name)
                .bind(Timestamp::now().0)
                .execute(&mut *tx)
                .await?;
            }
            let c = &r.client;
            sqlx::query(concat!("INSERT INTO clients (", client_cols!(), ") VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)"))
                .bind(c.id)
                .bind(c.owner)
                .bind(&c.display_name)
                .bind(&c.reference)
                .bind(c.shared_with_clinic)
                .bind(c.created_at.0)
                .bind(c.updated_at.0)
                .execute(&mut *tx)
                .await?;
            $crate::sql::home::upsert_details!(&mut *tx, c.id, &r.details, c.updated_at.0)?;
            for a in &r.assessments {
                sqlx::query(concat!("INSERT INTO assessments (", assessment_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                    .bind(a.id)
                    .bind(c.id)
                    .bind(a.created_by)
                    .bind(a.status.as_str())
                    .bind($crate::sql::to_json(&a.form)?)
                    .bind(a.intake.as_ref().map($crate::sql::to_json).transpose()?)
                    .bind(a.created_at.0)
                    .bind(a.updated_at.0)
                    .bind(a.completed_at.map(|t| t.0))
                    .execute(&mut *tx)
                    .await?;
            }
            for (p, _) in &r.photos {
                let rel_path = paths.get(&p.id).ok_or_else(|| StoreError::Invalid(format!("photo {}: no file", p.id)))?;
                sqlx::query(concat!("INSERT INTO photos (", photo_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                    .bind(p.id)
                    .bind(p.assessment)
                    .bind(&p.content_hash)
                    .bind(rel_path)
                    .bind(&p.media_type)
                    .bind(p.view.as_str())
                    .bind(p.byte_len)
                    .bind(p.created_at.0)
                    .execute(&mut *tx)
                    .await?;
            }
            // Originals before the corrections that name them.
            let mut sets: Vec<&LandmarkSet> = r.landmark_sets.iter().collect();
            sets.sort_by_key(|s| (s.corrects.is_some(), s.created_at));
            for s in sets {
                sqlx::query(concat!(
                    "INSERT INTO landmark_sets (",
                    landmark_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind(s.id)
                .bind(s.assessment)
                .bind(s.photo)
                .bind($crate::sql::landmarks::landmark_view(s.view))
                .bind($crate::sql::to_json(&s.landmarks)?)
                .bind(&s.model)
                .bind(&s.model_version)
                .bind(s.source.as_str())
                .bind(serde_json::to_string(&s.moved_points)?)
                .bind(s.corrects)
                .bind(s.created_by)
                .bind(s.created_at.0)
                .execute(&mut *tx)
                .await?;
            }
            for rep in &r.reports {
                let format = rep.report.get("format_version").and_then(serde_json::Value::as_i64).unwrap_or(1);
                sqlx::query(
                    "INSERT INTO reports (id, assessment_id, report_json, engine_version, report_format, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(rep.id)
                .bind(rep.assessment)
                .bind($crate::sql::to_json(&rep.report)?)
                .bind(&rep.engine_version)
                .bind(format)
                .bind(rep.created_at.0)
                .execute(&mut *tx)
                .await?;
            }
            for p in &r.plans {
                sqlx::query(concat!("INSERT INTO plans (", plan_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
                    .bind(p.id)
                    .bind(p.assessment)
                    .bind($crate::sql::to_json(&p.engine_plan)?)
                    .bind(p.edited_plan.as_ref().map($crate::sql::to_json).transpose()?)
                    .bind(p.edited_by)
                    .bind(p.edited_at.map(|t| t.0))
                    .bind(p.carried_from)
                    .bind(p.review_pending)
                    .bind(p.created_at.0)
                    .execute(&mut *tx)
                    .await?;
            }
            for n in &r.notes {
                sqlx::query(concat!("INSERT INTO notes (", note_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(n.id)
                    .bind(c.id)
                    .bind(n.assessment)
                    .bind(n.author)
                    .bind(&n.body)
                    .bind(n.created_at.0)
                    .execute(&mut *tx)
                    .await?;
            }
            for day in &r.desk_days {
                sqlx::query(concat!(
                    "INSERT INTO desk_days (client_id, ",
                    desk_cols!(),
                    ", updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                ))
                .bind(c.id)
                .bind(&day.day)
                .bind(day.sitting_ms)
                .bind(day.longest_bout_ms)
                .bind(day.breaks_offered)
                .bind(day.breaks_taken)
                .bind(day.readable_ms)
                .bind(day.within_ms)
                .bind(day.nudges)
                .bind(day.exercises_done)
                .bind(c.updated_at.0)
                .execute(&mut *tx)
                .await?;
            }
            for t in &r.exercise_ticks {
                sqlx::query("INSERT INTO exercise_ticks (client_id, day, exercise_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(c.id)
                    .bind(&t.day)
                    .bind(&t.exercise)
                    .bind(c.updated_at.0)
                    .execute(&mut *tx)
                    .await?;
            }
            for p in &r.pain_checkins {
                sqlx::query("INSERT INTO pain_checkins (client_id, week, nprs, updated_at) VALUES ($1, $2, $3, $4)")
                    .bind(c.id)
                    .bind(&p.week)
                    .bind(p.nprs)
                    .bind(c.updated_at.0)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn erase_client(db: &$store, id: ClientId) -> Result<Erasure, StoreError> {
            let mut tx = db.pool.begin().await?;
            let linked: Option<Option<String>> = sqlx::query_scalar("UPDATE clients SET updated_at = $1 WHERE id = $2 RETURNING user_id")
                .bind(Timestamp::now().0)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let linked_user = linked.ok_or(StoreError::NotFound)?;
            let files: Vec<(String, String)> = sqlx::query_as(
                "SELECT DISTINCT content_hash, rel_path FROM photos WHERE assessment_id IN \
                 (SELECT id FROM assessments WHERE client_id = $1)",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let assessments: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM assessments WHERE client_id = $1").bind(id).fetch_one(&mut *tx).await?;
            // Foreign keys cascade to assessments, photos, landmarks, reports, plans, notes
            // and share links.
            sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&mut *tx).await?;
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
