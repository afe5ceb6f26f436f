//! Notes on a client: their SQL, row type, columns and the check that a note is not blank.
//!
//! A note's text is the therapist's; the store trims it and keeps it, and never puts it in the
//! audit log.

use crate::ids::parse_id;
use crate::{Note, StoreError, Timestamp};

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

#[derive(sqlx::FromRow)]
pub(crate) struct NoteRow {
    id: String,
    client_id: String,
    assessment_id: Option<String>,
    author_id: String,
    body: String,
    created_at: i64,
}

impl TryFrom<NoteRow> for Note {
    type Error = StoreError;
    fn try_from(row: NoteRow) -> Result<Self, StoreError> {
        Ok(Note {
            id: parse_id(&row.id)?,
            client: parse_id(&row.client_id)?,
            assessment: row.assessment_id.as_deref().map(parse_id).transpose()?,
            author: parse_id(&row.author_id)?,
            body: row.body,
            created_at: Timestamp(row.created_at),
        })
    }
}

/// Writes the note functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::notes::{NoteRow, check_note, note_cols};

        pub(crate) async fn add_note(db: &$store, new: NewNote) -> Result<Note, StoreError> {
            check_note(&new.body)?;
            let row: NoteRow = sqlx::query_as(concat!(
                "INSERT INTO notes (id, client_id, assessment_id, author_id, body, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                note_cols!()
            ))
            .bind(NoteId::new().to_string())
            .bind(new.client.to_string())
            .bind(new.assessment.map(|a| a.to_string()))
            .bind(new.author.to_string())
            .bind(new.body.trim())
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            row.try_into()
        }

        pub(crate) async fn notes_for(db: &$store, client: ClientId) -> Result<Vec<Note>, StoreError> {
            let rows: Vec<NoteRow> =
                sqlx::query_as(concat!("SELECT ", note_cols!(), " FROM notes WHERE client_id = $1 ORDER BY created_at, id"))
                    .bind(client.to_string())
                    .fetch_all(&db.pool)
                    .await?;
            $crate::sql::convert(rows)
        }
    };
}
pub(crate) use queries;
