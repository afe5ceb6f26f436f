//! The desk page's days: their SQL and row type (the checks on what a browser sends are
//! [`DeskDay::check`]).
//!
//! A day is stored with one upsert that keeps each field's larger value (a `CASE`, which both
//! SQLite and PostgreSQL read alike), so the page can send a day again after a lost answer, or
//! from a second browser, without double counting or losing anything.

use crate::DeskDay;

macro_rules! desk_cols {
    () => {
        "day, sitting_ms, longest_bout_ms, breaks_offered, breaks_taken, readable_ms, within_ms, nudges, exercises_done"
    };
}
pub(crate) use desk_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct DeskRow {
    day: String,
    sitting_ms: i64,
    longest_bout_ms: i64,
    breaks_offered: i64,
    breaks_taken: i64,
    readable_ms: i64,
    within_ms: i64,
    nudges: i64,
    exercises_done: i64,
}

impl From<DeskRow> for DeskDay {
    fn from(r: DeskRow) -> DeskDay {
        DeskDay {
            day: r.day,
            sitting_ms: r.sitting_ms,
            longest_bout_ms: r.longest_bout_ms,
            breaks_offered: r.breaks_offered,
            breaks_taken: r.breaks_taken,
            readable_ms: r.readable_ms,
            within_ms: r.within_ms,
            nudges: r.nudges,
            exercises_done: r.exercises_done,
        }
    }
}

/// `field = the larger of the stored and the new value`, for the upsert.
macro_rules! keep_larger {
    ($($field:literal),*) => {
        concat!($($field, " = CASE WHEN excluded.", $field, " > desk_days.", $field, " THEN excluded.", $field, " ELSE desk_days.", $field, " END, "),*)
    };
}
pub(crate) use keep_larger;

/// Writes the desk-day functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::desk::{DeskRow, desk_cols, keep_larger};

        pub(crate) async fn put_desk_days(db: &$store, client: ClientId, days: &[DeskDay]) -> Result<(), StoreError> {
            for d in days {
                d.check()?;
            }
            let mut tx = db.pool.begin().await?;
            for d in days {
                sqlx::query(concat!(
                    "INSERT INTO desk_days (client_id, ",
                    desk_cols!(),
                    ", updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ",
                    "ON CONFLICT (client_id, day) DO UPDATE SET ",
                    keep_larger!(
                        "sitting_ms",
                        "longest_bout_ms",
                        "breaks_offered",
                        "breaks_taken",
                        "readable_ms",
                        "within_ms",
                        "nudges",
                        "exercises_done"
                    ),
                    "updated_at = excluded.updated_at"
                ))
                .bind(client)
                .bind(&d.day)
                .bind(d.sitting_ms)
                .bind(d.longest_bout_ms)
                .bind(d.breaks_offered)
                .bind(d.breaks_taken)
                .bind(d.readable_ms)
                .bind(d.within_ms)
                .bind(d.nudges)
                .bind(d.exercises_done)
                .bind(Timestamp::now().0)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn desk_days(db: &$store, client: ClientId, since: &str) -> Result<Vec<DeskDay>, StoreError> {
            let rows: Vec<DeskRow> =
                sqlx::query_as(concat!("SELECT ", desk_cols!(), " FROM desk_days WHERE client_id = $1 AND day >= $2 ORDER BY day"))
                    .bind(client)
                    .bind(since)
                    .fetch_all(&db.pool)
                    .await?;
            Ok(rows.into_iter().map(DeskDay::from).collect())
        }
    };
}
pub(crate) use queries;
