//! Photo records: their SQL, row type and columns. The bytes go through the crate's
//! `photos.rs` (`PhotoDir`), which names each file by its content hash.
//!
//! Decoding, orientation and landmark detection are not here: the store keeps the bytes it is
//! given, checking only that they are not empty and that the media type is one it accepts.

use crate::{AssessmentId, Photo, PhotoId, StoreError, Timestamp, View};

macro_rules! photo_cols {
    () => {
        "id, assessment_id, content_hash, rel_path, media_type, view, byte_len, created_at"
    };
}
pub(crate) use photo_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct PhotoRow {
    id: PhotoId,
    assessment_id: AssessmentId,
    content_hash: String,
    rel_path: String,
    media_type: String,
    view: String,
    byte_len: i64,
    created_at: Timestamp,
}

impl TryFrom<PhotoRow> for Photo {
    type Error = StoreError;
    fn try_from(row: PhotoRow) -> Result<Self, StoreError> {
        Ok(Photo {
            id: row.id,
            assessment: row.assessment_id,
            content_hash: row.content_hash,
            rel_path: row.rel_path,
            media_type: row.media_type,
            view: View::parse(&row.view).ok_or_else(|| StoreError::Invalid(format!("photo {}: unknown view {:?}", row.id, row.view)))?,
            byte_len: row.byte_len,
            created_at: row.created_at,
        })
    }
}

/// Writes the photo functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::photos::{PhotoRow, photo_cols};

        pub(crate) async fn add_photo(db: &$store, new: NewPhoto) -> Result<Photo, StoreError> {
            if new.bytes.is_empty() {
                return Err(StoreError::Invalid("photo is empty".into()));
            }
            // The assessment must exist before a file is written for it.
            super::assessments::assessment(db, new.assessment).await?;
            let byte_len = i64::try_from(new.bytes.len()).map_err(|_| StoreError::Invalid("photo too large".into()))?;
            let stored = db.photos.write(&new.bytes, &new.media_type).await?;
            // The same photo sent again for the same view (a retry after an error the client
            // could not tell from a failure) is the photo already stored, not a second one.
            let existing: Option<PhotoRow> = sqlx::query_as(concat!(
                "SELECT ",
                photo_cols!(),
                " FROM photos WHERE assessment_id = $1 AND content_hash = $2 AND view = $3 ",
                "ORDER BY created_at, id LIMIT 1"
            ))
            .bind(new.assessment)
            .bind(&stored.content_hash)
            .bind(new.view.as_str())
            .fetch_optional(&db.pool)
            .await?;
            if let Some(row) = existing {
                return row.try_into();
            }
            let inserted: Result<PhotoRow, StoreError> = sqlx::query_as(concat!(
                "INSERT INTO photos (id, assessment_id, content_hash, rel_path, media_type, view, byte_len, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                photo_cols!()
            ))
            .bind(PhotoId::new())
            .bind(new.assessment)
            .bind(&stored.content_hash)
            .bind(&stored.rel_path)
            .bind(&new.media_type)
            .bind(new.view.as_str())
            .bind(byte_len)
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map_err(StoreError::from)
            .and_then($crate::sql::one);
            match inserted {
                Ok(row) => row.try_into(),
                Err(err) => {
                    // No record points at the file this call wrote: remove it, unless an
                    // earlier record holds the same bytes.
                    let shared: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE rel_path = $1")
                        .bind(&stored.rel_path)
                        .fetch_one(&db.pool)
                        .await;
                    if matches!(shared, Ok(0)) {
                        let _ = db.photos.remove(&stored.rel_path).await;
                    }
                    Err(err)
                }
            }
        }

        pub(crate) async fn photo(db: &$store, id: PhotoId) -> Result<Photo, StoreError> {
            let row: Option<PhotoRow> =
                sqlx::query_as(concat!("SELECT ", photo_cols!(), " FROM photos WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
            row.ok_or(StoreError::NotFound)?.try_into()
        }

        pub(crate) async fn photo_bytes(db: &$store, id: PhotoId) -> Result<(Photo, Vec<u8>), StoreError> {
            let photo = photo(db, id).await?;
            let bytes = db.photos.read(&photo.rel_path).await?;
            Ok((photo, bytes))
        }

        pub(crate) async fn photos_for(db: &$store, assessment: AssessmentId) -> Result<Vec<Photo>, StoreError> {
            let rows: Vec<PhotoRow> =
                sqlx::query_as(concat!("SELECT ", photo_cols!(), " FROM photos WHERE assessment_id = $1 ORDER BY created_at, id"))
                    .bind(assessment)
                    .fetch_all(&db.pool)
                    .await?;
            $crate::sql::convert(rows)
        }

        /// Removes the files of deleted photo rows that no other row still names (also used
        /// by erasure).
        pub(crate) async fn remove_unshared(db: &$store, files: Vec<(String, String)>) -> Result<u64, StoreError> {
            let mut removed = 0;
            for (hash, rel_path) in files {
                let users: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE content_hash = $1").bind(&hash).fetch_one(&db.pool).await?;
                if users == 0 && db.photos.remove(&rel_path).await? {
                    removed += 1;
                }
            }
            Ok(removed)
        }

        pub(crate) async fn delete_draft(db: &$store, id: AssessmentId) -> Result<u64, StoreError> {
            let mut tx = db.pool.begin().await?;
            let files: Vec<(String, String)> =
                sqlx::query_as("SELECT DISTINCT content_hash, rel_path FROM photos WHERE assessment_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            // Photos and landmark sets go with the assessment (foreign keys cascade).
            let deleted = sqlx::query("DELETE FROM assessments WHERE id = $1 AND status = 'draft'").bind(id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                drop(tx);
                super::assessments::assessment(db, id).await?;
                return Err(StoreError::Conflict);
            }
            tx.commit().await?;
            remove_unshared(db, files).await
        }

        pub(crate) async fn delete_photo(db: &$store, id: PhotoId) -> Result<bool, StoreError> {
            let mut tx = db.pool.begin().await?;
            let file: Option<(String, String)> = sqlx::query_as(concat!(
                "SELECT p.content_hash, p.rel_path FROM photos p JOIN assessments a ON a.id = p.assessment_id ",
                "WHERE p.id = $1 AND a.status = 'draft'"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(file) = file else {
                drop(tx);
                photo(db, id).await?;
                return Err(StoreError::Conflict);
            };
            // The landmarks found on it (and their corrections, by cascade) go with it.
            sqlx::query("DELETE FROM landmark_sets WHERE photo_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM photos WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(remove_unshared(db, vec![file]).await? == 1)
        }
    };
}
pub(crate) use queries;
