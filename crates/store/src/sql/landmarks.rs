//! Landmark sets: their SQL, row type and columns, the stored spelling of a detected view, and
//! the rule that a hand correction names a set of its own assessment.
//!
//! The landmark file itself is JSON the store never reads; which set is the effective one (the
//! latest correction of each) is the web layer's choice.

use crate::sql::from_json;
use crate::{AssessmentId, LandmarkSet, LandmarkSetId, LandmarkSource, PhotoId, StoreError, Timestamp, UserId, View};

/// The stored view of a landmark set whose file names none (the engine detects it).
pub(crate) const DETECTED: &str = "detected";

/// The stored name of a landmark set's view.
pub(crate) fn landmark_view(view: Option<View>) -> &'static str {
    view.map_or(DETECTED, View::as_str)
}

macro_rules! landmark_cols {
    () => {
        "id, assessment_id, photo_id, view, landmarks_json, model, model_version, source, moved_points_json, corrects_id, created_by, created_at"
    };
}
pub(crate) use landmark_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct LandmarkRow {
    id: LandmarkSetId,
    assessment_id: AssessmentId,
    photo_id: Option<PhotoId>,
    view: String,
    landmarks_json: String,
    model: String,
    model_version: String,
    source: String,
    moved_points_json: String,
    corrects_id: Option<LandmarkSetId>,
    created_by: Option<UserId>,
    created_at: Timestamp,
}

impl TryFrom<LandmarkRow> for LandmarkSet {
    type Error = StoreError;
    fn try_from(row: LandmarkRow) -> Result<Self, StoreError> {
        Ok(LandmarkSet {
            id: row.id,
            assessment: row.assessment_id,
            photo: row.photo_id,
            view: match row.view.as_str() {
                DETECTED => None,
                other => Some(
                    View::parse(other).ok_or_else(|| StoreError::Invalid(format!("landmark set {}: unknown view {other:?}", row.id)))?,
                ),
            },
            landmarks: from_json(&row.landmarks_json)?,
            model: row.model,
            model_version: row.model_version,
            source: LandmarkSource::parse(&row.source)
                .ok_or_else(|| StoreError::Invalid(format!("landmark set {}: unknown source {:?}", row.id, row.source)))?,
            moved_points: serde_json::from_str(&row.moved_points_json)?,
            corrects: row.corrects_id,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }
}

/// Writes the landmark-set functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::landmarks::{LandmarkRow, landmark_cols, landmark_view};
        use $crate::sql::to_json;

        pub(crate) async fn add_landmark_set(db: &$store, new: NewLandmarkSet) -> Result<LandmarkSet, StoreError> {
            if let Some(corrected) = new.corrects {
                let owner: Option<(AssessmentId,)> = sqlx::query_as("SELECT assessment_id FROM landmark_sets WHERE id = $1")
                    .bind(corrected)
                    .fetch_optional(&db.pool)
                    .await?;
                if owner.map(|(a,)| a) != Some(new.assessment) {
                    return Err(StoreError::Invalid(format!("landmark set {corrected} is not a set of assessment {}", new.assessment)));
                }
            }
            let row: LandmarkRow = sqlx::query_as(concat!(
                "INSERT INTO landmark_sets (",
                landmark_cols!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
                landmark_cols!()
            ))
            .bind(LandmarkSetId::new())
            .bind(new.assessment)
            .bind(new.photo)
            .bind(landmark_view(new.view))
            .bind(to_json(&new.landmarks)?)
            .bind(&new.model)
            .bind(&new.model_version)
            .bind(new.source.as_str())
            .bind(serde_json::to_string(&new.moved_points)?)
            .bind(new.corrects)
            .bind(new.created_by)
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            row.try_into()
        }

        pub(crate) async fn landmark_sets_for(db: &$store, assessment: AssessmentId) -> Result<Vec<LandmarkSet>, StoreError> {
            let rows: Vec<LandmarkRow> = sqlx::query_as(concat!(
                "SELECT ",
                landmark_cols!(),
                " FROM landmark_sets WHERE assessment_id = $1 ORDER BY created_at, id"
            ))
            .bind(assessment)
            .fetch_all(&db.pool)
            .await?;
            $crate::sql::convert(rows)
        }
    };
}
pub(crate) use queries;
