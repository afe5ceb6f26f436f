//! Notes on a client: their SQL, columns and the check that a note is not blank.
//!
//! A note's text is the therapist's; the store trims it and keeps it, and never puts it in the
//! audit log.

use crate::StoreError;

macro_rules! note_cols {
    () => {
        "id, client_id, assessment_id, author_id, body, created_at"
    };
}
pub(crate) use note_cols;

/// The most characters a note may have.
pub(crate) const MAX_NOTE: usize = 10_000;

pub(crate) fn check_note(body: &str) -> Result<(), StoreError> {
    super::non_empty("note", body)?;
    if body.chars().count() > MAX_NOTE {
        return Err(StoreError::Invalid(format!("body: a note has at most {MAX_NOTE} characters")));
    }
    Ok(())
}

/// Writes the note functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::notes::{check_note, note_cols};

        pub(crate) async fn add_note(db: &$store, new: NewNote) -> Result<Note, StoreError> {
            check_note(&new.body)?;
            let row: Note = sqlx::query_as(concat!(
                "INSERT INTO notes (id, client_id, assessment_id, author_id, body, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                note_cols!()
            ))
            .bind(NoteId::new())
            .bind(new.client)
            .bind(new.assessment)
            .bind(new.author)
            .bind(new.body.trim())
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            Ok(row)
        }

        pub(crate) async fn notes_for(db: &$store, client: ClientId) -> Result<Vec<Note>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", note_cols!(), " FROM notes WHERE client_id = $1 ORDER BY created_at, id"))
                .bind(client)
                .fetch_all(&db.pool)
                .await?)
        }
    };
}
pub(crate) use queries;
