//! The clinic's details (one row) and the client's home page: exercise ticks (a row per client, day and exercise; taking a tick
//! back deletes it) and weekly pain check-ins (a row per client and week; the latest answer
//! replaces an earlier one). Both erased with the client, both in the export.

use crate::{ClientDetails, ClinicSettings, Consent, ExerciseTick, PainCheckIn};

/// Stores a client's details in their one row, on the pool or in a transaction (`$exec`):
/// the details form and an import write them the same way.
macro_rules! upsert_details {
    ($exec:expr, $client:expr, $d:expr, $at:expr) => {{
        let d: &$crate::ClientDetails = $d;
        let consent = d.consent.as_ref();
        sqlx::query(
            "INSERT INTO client_details (client_id, date_of_birth, phone, email, consent_version, consent_items, consent_on, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id) DO UPDATE SET date_of_birth = excluded.date_of_birth, \
             phone = excluded.phone, email = excluded.email, consent_version = excluded.consent_version, \
             consent_items = excluded.consent_items, consent_on = excluded.consent_on, updated_at = excluded.updated_at",
        )
        .bind($client)
        .bind(&d.date_of_birth)
        .bind(&d.phone)
        .bind(&d.email)
        .bind(consent.map(|c| c.version.clone()))
        .bind(consent.map(|c| c.items.join(",")).unwrap_or_default())
        .bind(consent.map(|c| c.given_on.clone()))
        .bind($at)
        .execute($exec)
        .await
    }};
}
pub(crate) use upsert_details;

#[derive(sqlx::FromRow)]
pub(crate) struct DetailsRow {
    date_of_birth: Option<String>,
    phone: String,
    email: String,
    consent_version: Option<String>,
    consent_items: String,
    consent_on: Option<String>,
}

impl From<DetailsRow> for ClientDetails {
    fn from(r: DetailsRow) -> ClientDetails {
        let consent = r.consent_version.zip(r.consent_on).map(|(version, given_on)| Consent {
            version,
            items: r.consent_items.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            given_on,
        });
        ClientDetails { date_of_birth: r.date_of_birth, phone: r.phone, email: r.email, consent }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TickRow {
    day: String,
    exercise_id: String,
}

impl From<TickRow> for ExerciseTick {
    fn from(r: TickRow) -> ExerciseTick {
        ExerciseTick { day: r.day, exercise: r.exercise_id }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CheckInRow {
    week: String,
    nprs: i64,
}

impl From<CheckInRow> for PainCheckIn {
    fn from(r: CheckInRow) -> PainCheckIn {
        PainCheckIn { week: r.week, nprs: r.nprs }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SettingsRow {
    name: String,
    address: String,
    contact: String,
    logo: Option<String>,
}

impl From<SettingsRow> for ClinicSettings {
    fn from(r: SettingsRow) -> ClinicSettings {
        ClinicSettings { name: r.name, address: r.address, contact: r.contact, logo: r.logo }
    }
}

/// Writes the clinic-settings and home-page functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::home::{CheckInRow, DetailsRow, SettingsRow, TickRow};

        pub(crate) async fn client_details(db: &$store, client: ClientId) -> Result<ClientDetails, StoreError> {
            let row: Option<DetailsRow> = sqlx::query_as(
                "SELECT date_of_birth, phone, email, consent_version, consent_items, consent_on FROM client_details WHERE client_id = $1",
            )
            .bind(client)
            .fetch_optional(&db.pool)
            .await?;
            Ok(row.map(ClientDetails::from).unwrap_or_default())
        }

        pub(crate) async fn put_client_details(db: &$store, client: ClientId, d: &ClientDetails) -> Result<(), StoreError> {
            d.check()?;
            $crate::sql::home::upsert_details!(&db.pool, client, d, Timestamp::now().0).map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound,
                other => other.into(),
            })?;
            Ok(())
        }

        pub(crate) async fn clinic_settings(db: &$store) -> Result<ClinicSettings, StoreError> {
            let row: Option<SettingsRow> =
                sqlx::query_as("SELECT name, address, contact, logo FROM clinic_settings WHERE id = 1").fetch_optional(&db.pool).await?;
            Ok(row.map(ClinicSettings::from).unwrap_or_default())
        }

        pub(crate) async fn put_clinic_settings(db: &$store, settings: &ClinicSettings) -> Result<(), StoreError> {
            settings.check()?;
            sqlx::query(
                "INSERT INTO clinic_settings (id, name, address, contact, logo, updated_at) VALUES (1, $1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, contact = excluded.contact, \
                 logo = excluded.logo, updated_at = excluded.updated_at",
            )
            .bind(&settings.name)
            .bind(&settings.address)
            .bind(&settings.contact)
            .bind(&settings.logo)
            .bind(Timestamp::now().0)
            .execute(&db.pool)
            .await?;
            Ok(())
        }

        pub(crate) async fn set_exercise_done(db: &$store, client: ClientId, tick: &ExerciseTick, done: bool) -> Result<(), StoreError> {
            tick.check()?;
            let query = if done {
                sqlx::query(
                    "INSERT INTO exercise_ticks (client_id, day, exercise_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (client_id, day, exercise_id) DO NOTHING",
                )
                .bind(client)
                .bind(&tick.day)
                .bind(&tick.exercise)
                .bind(Timestamp::now().0)
            } else {
                sqlx::query("DELETE FROM exercise_ticks WHERE client_id = $1 AND day = $2 AND exercise_id = $3")
                    .bind(client)
                    .bind(&tick.day)
                    .bind(&tick.exercise)
            };
            query.execute(&db.pool).await?;
            Ok(())
        }

        pub(crate) async fn exercise_ticks(db: &$store, client: ClientId, since: &str) -> Result<Vec<ExerciseTick>, StoreError> {
            let rows: Vec<TickRow> =
                sqlx::query_as("SELECT day, exercise_id FROM exercise_ticks WHERE client_id = $1 AND day >= $2 ORDER BY day, exercise_id")
                    .bind(client)
                    .bind(since)
                    .fetch_all(&db.pool)
                    .await?;
            Ok(rows.into_iter().map(ExerciseTick::from).collect())
        }

        pub(crate) async fn put_pain_checkin(db: &$store, client: ClientId, checkin: &PainCheckIn) -> Result<(), StoreError> {
            checkin.check()?;
            sqlx::query(
                "INSERT INTO pain_checkins (client_id, week, nprs, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (client_id, week) DO UPDATE SET nprs = excluded.nprs, updated_at = excluded.updated_at",
            )
            .bind(client)
            .bind(&checkin.week)
            .bind(checkin.nprs)
            .bind(Timestamp::now().0)
            .execute(&db.pool)
            .await?;
            Ok(())
        }

        pub(crate) async fn pain_checkins(db: &$store, client: ClientId, since: &str) -> Result<Vec<PainCheckIn>, StoreError> {
            let rows: Vec<CheckInRow> =
                sqlx::query_as("SELECT week, nprs FROM pain_checkins WHERE client_id = $1 AND week >= $2 ORDER BY week")
                    .bind(client)
                    .bind(since)
                    .fetch_all(&db.pool)
                    .await?;
            Ok(rows.into_iter().map(PainCheckIn::from).collect())
        }
    };
}
pub(crate) use queries;
