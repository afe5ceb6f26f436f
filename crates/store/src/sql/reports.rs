//! Derived reports and plans: their SQL, row types and columns, and the report stamp the
//! report page's cache is keyed by.
//!
//! Reports are only ever added (the newest wins); a plan keeps the engine's version beside the
//! therapist's edit. The first report and plan are written by completion (`assessments.rs`).

use crate::sql::from_json;
use crate::{AssessmentId, Plan, PlanId, Report, ReportId, StoreError, Timestamp, UserId};

macro_rules! report_cols {
    () => {
        "id, assessment_id, report_json, engine_version, created_at"
    };
}
macro_rules! plan_cols {
    () => {
        "id, assessment_id, engine_plan_json, edited_plan_json, edited_by, edited_at, carried_from, review_pending, created_at"
    };
}
pub(crate) use {plan_cols, report_cols};

#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    id: ReportId,
    assessment_id: AssessmentId,
    report_json: String,
    engine_version: String,
    created_at: Timestamp,
}

impl TryFrom<ReportRow> for Report {
    type Error = StoreError;
    fn try_from(row: ReportRow) -> Result<Self, StoreError> {
        Ok(Report {
            id: row.id,
            assessment: row.assessment_id,
            report: from_json(&row.report_json)?,
            engine_version: row.engine_version,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    id: PlanId,
    assessment_id: AssessmentId,
    engine_plan_json: String,
    edited_plan_json: Option<String>,
    edited_by: Option<UserId>,
    edited_at: Option<Timestamp>,
    carried_from: Option<AssessmentId>,
    review_pending: bool,
    created_at: Timestamp,
}

impl TryFrom<PlanRow> for Plan {
    type Error = StoreError;
    fn try_from(row: PlanRow) -> Result<Self, StoreError> {
        Ok(Plan {
            id: row.id,
            assessment: row.assessment_id,
            engine_plan: from_json(&row.engine_plan_json)?,
            edited_plan: row.edited_plan_json.as_deref().map(from_json).transpose()?,
            edited_by: row.edited_by,
            edited_at: row.edited_at,
            carried_from: row.carried_from,
            review_pending: row.review_pending,
            created_at: row.created_at,
        })
    }
}

/// Writes the report and plan functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::reports::{PlanRow, ReportRow, plan_cols, report_cols};
        use $crate::sql::to_json;

        pub(crate) async fn save_report(
            db: &$store,
            assessment: AssessmentId,
            report: serde_json::Value,
            version: &ReportVersion,
        ) -> Result<Report, StoreError> {
            let row: ReportRow = sqlx::query_as(concat!(
                "INSERT INTO reports (id, assessment_id, report_json, engine_version, report_format, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                report_cols!()
            ))
            .bind(ReportId::new())
            .bind(assessment)
            .bind(to_json(&report)?)
            .bind(&version.engine)
            .bind(i64::from(version.format))
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            row.try_into()
        }

        pub(crate) async fn assessments_with_reports_below(db: &$store, format: u32) -> Result<Vec<AssessmentId>, StoreError> {
            Ok(sqlx::query_scalar("SELECT DISTINCT assessment_id FROM reports WHERE report_format < $1 ORDER BY assessment_id")
                .bind(i64::from(format))
                .fetch_all(&db.pool)
                .await?)
        }

        pub(crate) async fn latest_report(db: &$store, assessment: AssessmentId) -> Result<Option<Report>, StoreError> {
            let row: Option<ReportRow> = sqlx::query_as(concat!(
                "SELECT ",
                report_cols!(),
                " FROM reports WHERE assessment_id = $1 ",
                "ORDER BY created_at DESC, id DESC LIMIT 1"
            ))
            .bind(assessment)
            .fetch_optional(&db.pool)
            .await?;
            row.map(Report::try_from).transpose()
        }

        pub(crate) async fn report_stamp(db: &$store, assessment: AssessmentId) -> Result<Option<ReportStamp>, StoreError> {
            let row: Option<(ReportId, i64, i64, Option<UserId>, Option<Timestamp>)> = sqlx::query_as(concat!(
                "SELECT r.id, ",
                "(SELECT COUNT(*) FROM landmark_sets l WHERE l.assessment_id = $1), ",
                "(SELECT COUNT(*) FROM photos p WHERE p.assessment_id = $1), ",
                "(SELECT edited_by FROM plans WHERE assessment_id = $1), ",
                "(SELECT edited_at FROM plans WHERE assessment_id = $1) ",
                "FROM reports r WHERE r.assessment_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 1"
            ))
            .bind(assessment)
            .fetch_optional(&db.pool)
            .await?;
            Ok(row.map(|(report, landmark_sets, photos, plan_edited_by, plan_edited_at)| ReportStamp {
                report,
                landmark_sets,
                photos,
                plan_edited_by,
                plan_edited_at,
            }))
        }

        pub(crate) async fn plan_for(db: &$store, assessment: AssessmentId) -> Result<Option<Plan>, StoreError> {
            let row: Option<PlanRow> = sqlx::query_as(concat!("SELECT ", plan_cols!(), " FROM plans WHERE assessment_id = $1"))
                .bind(assessment)
                .fetch_optional(&db.pool)
                .await?;
            row.map(Plan::try_from).transpose()
        }

        pub(crate) async fn edit_plan(
            db: &$store,
            assessment: AssessmentId,
            edited: serde_json::Value,
            editor: UserId,
        ) -> Result<Plan, StoreError> {
            let row: Option<PlanRow> = sqlx::query_as(concat!(
                "UPDATE plans SET edited_plan_json = $1, edited_by = $2, edited_at = $3, review_pending = FALSE ",
                "WHERE assessment_id = $4 RETURNING ",
                plan_cols!()
            ))
            .bind(to_json(&edited)?)
            .bind(editor)
            .bind(Timestamp::now().0)
            .bind(assessment)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::at_most_one)?;
            row.ok_or(StoreError::NotFound)?.try_into()
        }

        pub(crate) async fn carry_plan(db: &$store, assessment: AssessmentId, carried: CarriedPlan) -> Result<Plan, StoreError> {
            let row: Option<PlanRow> = sqlx::query_as(concat!(
                "UPDATE plans SET edited_plan_json = $1, edited_by = $2, edited_at = $3, carried_from = $4, review_pending = TRUE ",
                "WHERE assessment_id = $5 RETURNING ",
                plan_cols!()
            ))
            .bind(to_json(&carried.plan)?)
            .bind(carried.editor)
            .bind(Timestamp::now().0)
            .bind(carried.from)
            .bind(assessment)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::at_most_one)?;
            row.ok_or(StoreError::NotFound)?.try_into()
        }
    };
}
pub(crate) use queries;
