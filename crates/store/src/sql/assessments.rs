//! Assessments: their SQL (drafts, reading one with its client, completion), row types and
//! columns. Completion writes the report and the engine's plan in the same transaction, so it
//! lives here rather than in `reports.rs`.
//!
//! The form and intake are JSON the store never interprets; validating an intake is
//! `tonus-app`'s job.

use crate::sql::from_json;
use crate::{Assessment, AssessmentId, AssessmentStatus, Client, ClientId, StoreError, Timestamp, UserId};

macro_rules! assessment_cols {
    () => {
        "id, client_id, created_by, status, form_json, intake_json, created_at, updated_at, completed_at"
    };
}
pub(crate) use assessment_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct AssessmentRow {
    id: AssessmentId,
    client_id: ClientId,
    created_by: UserId,
    status: AssessmentStatus,
    form_json: String,
    intake_json: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    completed_at: Option<Timestamp>,
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = StoreError;
    fn try_from(row: AssessmentRow) -> Result<Self, StoreError> {
        Ok(Assessment {
            id: row.id,
            client: row.client_id,
            created_by: row.created_by,
            status: row.status,
            form: from_json(&row.form_json)?,
            intake: row.intake_json.as_deref().map(from_json).transpose()?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
        })
    }
}

/// An assessment joined with its client (the client's columns prefixed `c_`).
#[derive(sqlx::FromRow)]
pub(crate) struct AssessmentClientRow {
    #[sqlx(flatten)]
    assessment: AssessmentRow,
    c_id: ClientId,
    c_owner_id: UserId,
    c_display_name: String,
    c_reference: Option<String>,
    c_shared_with_clinic: bool,
    c_user_id: Option<UserId>,
    c_created_at: Timestamp,
    c_updated_at: Timestamp,
}

impl TryFrom<AssessmentClientRow> for (Assessment, Client) {
    type Error = StoreError;
    fn try_from(row: AssessmentClientRow) -> Result<Self, StoreError> {
        let client = Client {
            id: row.c_id,
            owner: row.c_owner_id,
            display_name: row.c_display_name,
            reference: row.c_reference,
            shared_with_clinic: row.c_shared_with_clinic,
            user: row.c_user_id,
            created_at: row.c_created_at,
            updated_at: row.c_updated_at,
        };
        Ok((row.assessment.try_into()?, client))
    }
}

/// Writes the assessment functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::assessments::{AssessmentClientRow, AssessmentRow, assessment_cols};
        use $crate::sql::to_json;

        pub(crate) async fn create_assessment(db: &$store, new: NewAssessment) -> Result<Assessment, StoreError> {
            let now = Timestamp::now().0;
            let intake = new.intake.as_ref().map(to_json).transpose()?;
            let row: AssessmentRow = sqlx::query_as(concat!(
                "INSERT INTO assessments (id, client_id, created_by, status, form_json, intake_json, created_at, updated_at) ",
                "VALUES ($1, $2, $3, 'draft', $4, $5, $6, $6) RETURNING ",
                assessment_cols!()
            ))
            .bind(AssessmentId::new())
            .bind(new.client)
            .bind(new.created_by)
            .bind(to_json(&new.form)?)
            .bind(intake)
            .bind(now)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            row.try_into()
        }

        pub(crate) async fn assessment(db: &$store, id: AssessmentId) -> Result<Assessment, StoreError> {
            let row: Option<AssessmentRow> = sqlx::query_as(concat!("SELECT ", assessment_cols!(), " FROM assessments WHERE id = $1"))
                .bind(id)
                .fetch_optional(&db.pool)
                .await?;
            row.ok_or(StoreError::NotFound)?.try_into()
        }

        pub(crate) async fn assessment_with_client(db: &$store, id: AssessmentId) -> Result<(Assessment, Client), StoreError> {
            let row: Option<AssessmentClientRow> = sqlx::query_as(concat!(
                "SELECT a.id, a.client_id, a.created_by, a.status, a.form_json, a.intake_json, a.created_at, a.updated_at, ",
                "a.completed_at, c.id AS c_id, c.owner_id AS c_owner_id, c.display_name AS c_display_name, ",
                "c.reference AS c_reference, c.shared_with_clinic AS c_shared_with_clinic, c.user_id AS c_user_id, ",
                "c.created_at AS c_created_at, c.updated_at AS c_updated_at ",
                "FROM assessments a JOIN clients c ON c.id = a.client_id WHERE a.id = $1"
            ))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
            row.ok_or(StoreError::NotFound)?.try_into()
        }

        pub(crate) async fn assessments_for(db: &$store, client: ClientId) -> Result<Vec<Assessment>, StoreError> {
            let rows: Vec<AssessmentRow> =
                sqlx::query_as(concat!("SELECT ", assessment_cols!(), " FROM assessments WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(client)
                    .fetch_all(&db.pool)
                    .await?;
            $crate::sql::convert(rows)
        }

        pub(crate) async fn save_draft(
            db: &$store,
            id: AssessmentId,
            form: serde_json::Value,
            intake: Option<serde_json::Value>,
        ) -> Result<Assessment, StoreError> {
            let intake = intake.as_ref().map(to_json).transpose()?;
            let row: Option<AssessmentRow> = sqlx::query_as(concat!(
                "UPDATE assessments SET form_json = $1, intake_json = $2, updated_at = $3 ",
                "WHERE id = $4 AND status = 'draft' RETURNING ",
                assessment_cols!()
            ))
            .bind(to_json(&form)?)
            .bind(intake)
            .bind(Timestamp::now().0)
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::at_most_one)?;
            match row {
                Some(row) => row.try_into(),
                None => {
                    // Tell a finished assessment apart from a missing one.
                    assessment(db, id).await?;
                    Err(StoreError::Conflict)
                }
            }
        }

        pub(crate) async fn complete_assessment(db: &$store, done: CompleteAssessment) -> Result<Assessment, StoreError> {
            let now = Timestamp::now().0;
            let mut tx = db.pool.begin().await?;
            let row: Option<AssessmentRow> = sqlx::query_as(concat!(
                "UPDATE assessments SET status = 'complete', form_json = $1, intake_json = $2, ",
                "updated_at = $3, completed_at = $3 WHERE id = $4 AND status = 'draft' RETURNING ",
                assessment_cols!()
            ))
            .bind(to_json(&done.form)?)
            .bind(to_json(&done.intake)?)
            .bind(now)
            .bind(done.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                drop(tx);
                assessment(db, done.id).await?;
                return Err(StoreError::Conflict);
            };
            sqlx::query(concat!(
                "INSERT INTO reports (id, assessment_id, report_json, engine_version, report_format, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6)"
            ))
            .bind(ReportId::new())
            .bind(done.id)
            .bind(to_json(&done.report)?)
            .bind(&done.version.engine)
            .bind(i64::from(done.version.format))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO plans (id, assessment_id, engine_plan_json, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (assessment_id) DO UPDATE SET engine_plan_json = excluded.engine_plan_json",
            )
            .bind(PlanId::new())
            .bind(done.id)
            .bind(to_json(&done.plan)?)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            row.try_into()
        }
    };
}
pub(crate) use queries;
