//! The SQL both backends share, and the private row types it reads into.
//!
//! The schema is written so one dialect subset serves SQLite and PostgreSQL alike (`$n`
//! parameters, `RETURNING`, `ON CONFLICT`, text ids and JSON, `BIGINT` milliseconds), so the
//! statements live once here and `impl_store!` instantiates them for each backend's pool; the
//! conformance suite runs the same story against both. Connection setup and migrations stay in
//! `sqlite.rs` and `postgres.rs`. Write transactions start with a write, so SQLite takes its
//! write lock at once instead of failing to upgrade a read snapshot.

use serde_json::Value;

use crate::ids::parse_id;
use crate::*;

pub(crate) fn to_json(value: &Value) -> Result<String, StoreError> {
    Ok(serde_json::to_string(value)?)
}

fn from_json(text: &str) -> Result<Value, StoreError> {
    Ok(serde_json::from_str(text)?)
}

/// The `LIKE` pattern of a client query's search, `None` when it is blank.
pub(crate) fn search_pattern(query: &ClientQuery) -> Option<String> {
    query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(like_pattern)
}

/// `%text%` for a case-insensitive `LIKE … ESCAPE '\'`.
pub(crate) fn like_pattern(search: &str) -> String {
    let mut out = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

macro_rules! user_cols {
    () => {
        "id, login, display_name, role, password_hash, disabled, created_at"
    };
}
macro_rules! client_cols {
    () => {
        "id, owner_id, display_name, reference, shared_with_clinic, user_id, created_at, updated_at"
    };
}
/// The `WHERE` of a [`ClientQuery`]: `$1` the practitioner it is visible to, `$2` the search
/// pattern (both may be NULL).
macro_rules! client_filter {
    () => {
        concat!(
            "WHERE ($1 IS NULL OR owner_id = $1 OR shared_with_clinic = TRUE) ",
            "AND ($2 IS NULL OR lower(display_name) LIKE $2 ESCAPE '\\' ",
            "OR lower(COALESCE(reference, '')) LIKE $2 ESCAPE '\\') "
        )
    };
}
macro_rules! assessment_cols {
    () => {
        "id, client_id, created_by, status, form_json, intake_json, created_at, updated_at, completed_at"
    };
}
macro_rules! photo_cols {
    () => {
        "id, assessment_id, content_hash, rel_path, media_type, view, byte_len, created_at"
    };
}
macro_rules! landmark_cols {
    () => {
        "id, assessment_id, photo_id, view, landmarks_json, model, model_version, source, moved_points_json, created_at"
    };
}
macro_rules! report_cols {
    () => {
        "id, assessment_id, report_json, engine_version, created_at"
    };
}
macro_rules! plan_cols {
    () => {
        "id, assessment_id, engine_plan_json, edited_plan_json, edited_by, edited_at, created_at"
    };
}
macro_rules! note_cols {
    () => {
        "id, client_id, assessment_id, author_id, body, created_at"
    };
}
macro_rules! share_cols {
    () => {
        "id, client_id, created_by, expires_at, created_at, revoked_at"
    };
}
macro_rules! audit_cols {
    () => {
        "id, at, actor_id, action, record_kind, record_id, detail"
    };
}
pub(crate) use {
    assessment_cols, audit_cols, client_cols, client_filter, landmark_cols, note_cols, photo_cols, plan_cols, report_cols, share_cols,
    user_cols,
};

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    login: String,
    display_name: String,
    role: String,
    password_hash: String,
    disabled: bool,
    created_at: i64,
}

impl UserRow {
    pub(crate) fn into_credentials(self) -> Result<Credentials, StoreError> {
        let password_hash = self.password_hash.clone();
        Ok(Credentials { user: self.try_into()?, password_hash })
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: parse_id(&row.id)?,
            login: row.login,
            display_name: row.display_name,
            role: row.role.parse()?,
            disabled: row.disabled,
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    csrf_token: String,
    session_expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;
    fn try_from(row: SessionRow) -> Result<Self, StoreError> {
        Ok(Session { user: row.user.try_into()?, csrf_token: row.csrf_token, expires_at: Timestamp(row.session_expires_at) })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClientRow {
    id: String,
    owner_id: String,
    display_name: String,
    reference: Option<String>,
    shared_with_clinic: bool,
    user_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// A client row with its owner's display name.
#[derive(sqlx::FromRow)]
pub(crate) struct ListedClientRow {
    #[sqlx(flatten)]
    client: ClientRow,
    owner_name: String,
    pub(crate) total: i64,
}

impl TryFrom<ListedClientRow> for ListedClient {
    type Error = StoreError;
    fn try_from(row: ListedClientRow) -> Result<Self, StoreError> {
        Ok(ListedClient { client: row.client.try_into()?, owner_name: row.owner_name })
    }
}

/// An assessment joined with its client (the client's columns prefixed `c_`).
#[derive(sqlx::FromRow)]
pub(crate) struct AssessmentClientRow {
    #[sqlx(flatten)]
    assessment: AssessmentRow,
    c_id: String,
    c_owner_id: String,
    c_display_name: String,
    c_reference: Option<String>,
    c_shared_with_clinic: bool,
    c_user_id: Option<String>,
    c_created_at: i64,
    c_updated_at: i64,
}

impl TryFrom<AssessmentClientRow> for (Assessment, Client) {
    type Error = StoreError;
    fn try_from(row: AssessmentClientRow) -> Result<Self, StoreError> {
        let client = ClientRow {
            id: row.c_id,
            owner_id: row.c_owner_id,
            display_name: row.c_display_name,
            reference: row.c_reference,
            shared_with_clinic: row.c_shared_with_clinic,
            user_id: row.c_user_id,
            created_at: row.c_created_at,
            updated_at: row.c_updated_at,
        };
        Ok((row.assessment.try_into()?, client.try_into()?))
    }
}

impl TryFrom<ClientRow> for Client {
    type Error = StoreError;
    fn try_from(row: ClientRow) -> Result<Self, StoreError> {
        Ok(Client {
            id: parse_id(&row.id)?,
            owner: parse_id(&row.owner_id)?,
            display_name: row.display_name,
            reference: row.reference,
            shared_with_clinic: row.shared_with_clinic,
            user: row.user_id.as_deref().map(parse_id).transpose()?,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AssessmentRow {
    id: String,
    client_id: String,
    created_by: String,
    status: String,
    form_json: String,
    intake_json: Option<String>,
    created_at: i64,
    updated_at: i64,
    completed_at: Option<i64>,
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = StoreError;
    fn try_from(row: AssessmentRow) -> Result<Self, StoreError> {
        Ok(Assessment {
            id: parse_id(&row.id)?,
            client: parse_id(&row.client_id)?,
            created_by: parse_id(&row.created_by)?,
            status: row.status.parse()?,
            form: from_json(&row.form_json)?,
            intake: row.intake_json.as_deref().map(from_json).transpose()?,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
            completed_at: row.completed_at.map(Timestamp),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PhotoRow {
    id: String,
    assessment_id: String,
    content_hash: String,
    rel_path: String,
    media_type: String,
    view: String,
    byte_len: i64,
    created_at: i64,
}

impl TryFrom<PhotoRow> for Photo {
    type Error = StoreError;
    fn try_from(row: PhotoRow) -> Result<Self, StoreError> {
        Ok(Photo {
            id: parse_id(&row.id)?,
            assessment: parse_id(&row.assessment_id)?,
            content_hash: row.content_hash,
            rel_path: row.rel_path,
            media_type: row.media_type,
            view: row.view,
            byte_len: row.byte_len,
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LandmarkRow {
    id: String,
    assessment_id: String,
    photo_id: Option<String>,
    view: String,
    landmarks_json: String,
    model: String,
    model_version: String,
    source: String,
    moved_points_json: String,
    created_at: i64,
}

impl TryFrom<LandmarkRow> for LandmarkSet {
    type Error = StoreError;
    fn try_from(row: LandmarkRow) -> Result<Self, StoreError> {
        Ok(LandmarkSet {
            id: parse_id(&row.id)?,
            assessment: parse_id(&row.assessment_id)?,
            photo: row.photo_id.as_deref().map(parse_id).transpose()?,
            view: row.view,
            landmarks: from_json(&row.landmarks_json)?,
            model: row.model,
            model_version: row.model_version,
            source: row.source.parse()?,
            moved_points: serde_json::from_str(&row.moved_points_json)?,
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReportRow {
    id: String,
    assessment_id: String,
    report_json: String,
    engine_version: String,
    created_at: i64,
}

impl TryFrom<ReportRow> for Report {
    type Error = StoreError;
    fn try_from(row: ReportRow) -> Result<Self, StoreError> {
        Ok(Report {
            id: parse_id(&row.id)?,
            assessment: parse_id(&row.assessment_id)?,
            report: from_json(&row.report_json)?,
            engine_version: row.engine_version,
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    id: String,
    assessment_id: String,
    engine_plan_json: String,
    edited_plan_json: Option<String>,
    edited_by: Option<String>,
    edited_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<PlanRow> for Plan {
    type Error = StoreError;
    fn try_from(row: PlanRow) -> Result<Self, StoreError> {
        Ok(Plan {
            id: parse_id(&row.id)?,
            assessment: parse_id(&row.assessment_id)?,
            engine_plan: from_json(&row.engine_plan_json)?,
            edited_plan: row.edited_plan_json.as_deref().map(from_json).transpose()?,
            edited_by: row.edited_by.as_deref().map(parse_id).transpose()?,
            edited_at: row.edited_at.map(Timestamp),
            created_at: Timestamp(row.created_at),
        })
    }
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

#[derive(sqlx::FromRow)]
pub(crate) struct ShareRow {
    id: String,
    client_id: String,
    created_by: String,
    expires_at: i64,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<ShareRow> for ShareLink {
    type Error = StoreError;
    fn try_from(row: ShareRow) -> Result<Self, StoreError> {
        Ok(ShareLink {
            id: parse_id(&row.id)?,
            client: parse_id(&row.client_id)?,
            created_by: parse_id(&row.created_by)?,
            expires_at: Timestamp(row.expires_at),
            created_at: Timestamp(row.created_at),
            revoked_at: row.revoked_at.map(Timestamp),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: String,
    at: i64,
    actor_id: Option<String>,
    action: String,
    record_kind: String,
    record_id: String,
    detail: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(row: AuditRow) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            id: parse_id(&row.id)?,
            at: Timestamp(row.at),
            actor: row.actor_id.as_deref().map(parse_id).transpose()?,
            action: row.action,
            record_kind: row.record_kind,
            record_id: row.record_id,
            detail: row.detail,
        })
    }
}

pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

fn non_empty(field: &str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{field} must not be empty")));
    }
    Ok(())
}

pub(crate) fn check_new_user(new: &NewUser) -> Result<(), StoreError> {
    non_empty("login", &new.login)?;
    non_empty("display name", &new.display_name)?;
    non_empty("password hash", &new.password_hash)
}

/// Longest `action` or `record_kind` of an audit line, in bytes.
pub const MAX_AUDIT_WORD: usize = 64;
/// Longest `record_id` of an audit line, in bytes (ids, or a short hash for unknown logins).
pub const MAX_AUDIT_RECORD_ID: usize = 128;
/// Longest `detail` of an audit line, in bytes.
pub const MAX_AUDIT_DETAIL: usize = 512;

/// Audit lines hold identifiers and short words only; anything longer is a caller's mistake
/// (typed text reaching the log), refused rather than stored.
pub(crate) fn check_audit_entry(entry: &NewAuditEntry) -> Result<(), StoreError> {
    let fields = [
        ("audit action", &entry.action, MAX_AUDIT_WORD),
        ("audit record kind", &entry.record_kind, MAX_AUDIT_WORD),
        ("audit record id", &entry.record_id, MAX_AUDIT_RECORD_ID),
        ("audit detail", &entry.detail, MAX_AUDIT_DETAIL),
    ];
    for (field, value, max) in fields {
        if value.len() > max {
            return Err(StoreError::Invalid(format!("{field}: at most {max} bytes, got {}", value.len())));
        }
    }
    Ok(())
}

pub(crate) fn check_client_name(name: &str) -> Result<(), StoreError> {
    non_empty("client name", name)
}

pub(crate) fn check_note(body: &str) -> Result<(), StoreError> {
    non_empty("note", body)
}

/// Implements [`Store`] for a backend struct with `pool` and `photos` fields.
macro_rules! impl_store {
    ($store:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> $crate::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn count_users(&self) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
                $crate::sql::check_new_user(&new)?;
                let row: $crate::sql::UserRow = sqlx::query_as(concat!(
                    "INSERT INTO users (id, login, display_name, role, password_hash, disabled, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, FALSE, $6) RETURNING ", $crate::sql::user_cols!()
                ))
                .bind(UserId::new().to_string())
                .bind(&new.login)
                .bind(&new.display_name)
                .bind(new.role.as_str())
                .bind(&new.password_hash)
                .bind(Timestamp::now().0)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn user(&self, id: UserId) -> Result<User, StoreError> {
                let row: Option<$crate::sql::UserRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::user_cols!(), " FROM users WHERE id = $1"
                ))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn credentials(&self, login: &str) -> Result<Option<Credentials>, StoreError> {
                let row: Option<$crate::sql::UserRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::user_cols!(), " FROM users WHERE login = $1"
                ))
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::sql::UserRow::into_credentials).transpose()
            }

            async fn users(&self) -> Result<Vec<User>, StoreError> {
                let rows: Vec<$crate::sql::UserRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::user_cols!(), " FROM users ORDER BY login"
                ))
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
                if password_hash.is_empty() {
                    return Err(StoreError::Invalid("password hash must not be empty".into()));
                }
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_setup_token(&self, token_hash: &str, expires_at: Timestamp) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
                    .bind(token_hash)
                    .bind(Timestamp::now().0)
                    .bind(expires_at.0)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn setup_token_valid(&self, token_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
                let valid: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now.0)
                .fetch_one(&self.pool)
                .await?;
                Ok(valid > 0 && self.count_users().await? == 0)
            }

            async fn redeem_setup_token(&self, token_hash: &str, now: Timestamp, first_user: NewUser) -> Result<User, StoreError> {
                $crate::sql::check_new_user(&first_user)?;
                let mut tx = self.pool.begin().await?;
                let used = sqlx::query(
                    "UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(now.0)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() == 0 {
                    return Err(StoreError::Conflict);
                }
                let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(&mut *tx)
                    .await?;
                if users > 0 {
                    return Err(StoreError::Conflict);
                }
                let row: $crate::sql::UserRow = sqlx::query_as(concat!(
                    "INSERT INTO users (id, login, display_name, role, password_hash, disabled, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, FALSE, $6) RETURNING ", $crate::sql::user_cols!()
                ))
                .bind(UserId::new().to_string())
                .bind(&first_user.login)
                .bind(&first_user.display_name)
                .bind(first_user.role.as_str())
                .bind(&first_user.password_hash)
                .bind(now.0)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                row.try_into()
            }

            async fn create_session(&self, new: NewSession) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&new.token_hash)
                .bind(new.user.to_string())
                .bind(&new.csrf_token)
                .bind(Timestamp::now().0)
                .bind(new.expires_at.0)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
                let row: Option<$crate::sql::SessionRow> = sqlx::query_as(
                    "SELECT s.csrf_token, s.expires_at AS session_expires_at, u.id, u.login, u.display_name, \
                     u.role, u.password_hash, u.disabled, u.created_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
                )
                .bind(token_hash)
                .bind(now.0)
                .fetch_optional(&self.pool)
                .await?;
                row.map(Session::try_from).transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now.0)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn create_client(&self, new: NewClient) -> Result<Client, StoreError> {
                $crate::sql::check_client_name(&new.display_name)?;
                let now = Timestamp::now().0;
                let row: $crate::sql::ClientRow = sqlx::query_as(concat!(
                    "INSERT INTO clients (id, owner_id, display_name, reference, shared_with_clinic, user_id, created_at, updated_at) ",
                    "VALUES ($1, $2, $3, $4, $5, NULL, $6, $6) RETURNING ", $crate::sql::client_cols!()
                ))
                .bind(ClientId::new().to_string())
                .bind(new.owner.to_string())
                .bind(new.display_name.trim())
                .bind(new.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()))
                .bind(new.shared_with_clinic)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn client(&self, id: ClientId) -> Result<Client, StoreError> {
                let row: Option<$crate::sql::ClientRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::client_cols!(), " FROM clients WHERE id = $1"
                ))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn client_for_user(&self, user: UserId) -> Result<Option<Client>, StoreError> {
                let row: Option<$crate::sql::ClientRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::client_cols!(), " FROM clients WHERE user_id = $1"
                ))
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Client::try_from).transpose()
            }

            async fn clients(&self, query: &ClientQuery) -> Result<Vec<Client>, StoreError> {
                let rows: Vec<$crate::sql::ClientRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::client_cols!(), " FROM clients ", $crate::sql::client_filter!(),
                    "ORDER BY lower(display_name), id LIMIT $3 OFFSET $4"
                ))
                .bind(query.visible_to.map(|u| u.to_string()))
                .bind($crate::sql::search_pattern(query))
                // SQLite refuses `LIMIT NULL`, so "no limit" is a bound larger than any table.
                .bind(query.limit.unwrap_or(i64::MAX))
                .bind(query.offset.max(0))
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn listed_clients(&self, query: &ClientQuery) -> Result<ClientPage, StoreError> {
                // The page, its owners' names and the total in one round trip: the count is an
                // uncorrelated subquery, evaluated once. The inner query keeps the filter's
                // bare column names unambiguous.
                let rows: Vec<$crate::sql::ListedClientRow> = sqlx::query_as(concat!(
                    "SELECT c.id, c.owner_id, c.display_name, c.reference, c.shared_with_clinic, c.user_id, c.created_at, ",
                    "c.updated_at, COALESCE(u.display_name, '') AS owner_name, ",
                    "(SELECT COUNT(*) FROM clients ", $crate::sql::client_filter!(), ") AS total ",
                    "FROM (SELECT ", $crate::sql::client_cols!(), " FROM clients ", $crate::sql::client_filter!(),
                    "ORDER BY lower(display_name), id LIMIT $3 OFFSET $4) c ",
                    "LEFT JOIN users u ON u.id = c.owner_id ORDER BY lower(c.display_name), c.id"
                ))
                .bind(query.visible_to.map(|u| u.to_string()))
                .bind($crate::sql::search_pattern(query))
                .bind(query.limit.unwrap_or(i64::MAX))
                .bind(query.offset.max(0))
                .fetch_all(&self.pool)
                .await?;
                // No row, no total: count on its own (an empty list, or a page past the end).
                let total = match rows.first() {
                    Some(row) => row.total,
                    None => self.count_clients(query).await?,
                };
                Ok(ClientPage { clients: $crate::sql::convert(rows)?, total })
            }

            async fn count_clients(&self, query: &ClientQuery) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar::<_, i64>(concat!("SELECT COUNT(*) FROM clients ", $crate::sql::client_filter!()))
                    .bind(query.visible_to.map(|u| u.to_string()))
                    .bind($crate::sql::search_pattern(query))
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn update_client(&self, id: ClientId, update: ClientUpdate) -> Result<Client, StoreError> {
                $crate::sql::check_client_name(&update.display_name)?;
                let row: Option<$crate::sql::ClientRow> = sqlx::query_as(concat!(
                    "UPDATE clients SET display_name = $1, reference = $2, shared_with_clinic = $3, updated_at = $4 ",
                    "WHERE id = $5 RETURNING ", $crate::sql::client_cols!()
                ))
                .bind(update.display_name.trim())
                .bind(update.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()))
                .bind(update.shared_with_clinic)
                .bind(Timestamp::now().0)
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn create_client_account(&self, client: ClientId, new: NewUser) -> Result<User, StoreError> {
                $crate::sql::check_new_user(&new)?;
                if new.role != Role::Client {
                    return Err(StoreError::Invalid("a client account must have the client role".into()));
                }
                let now = Timestamp::now().0;
                let user_id = UserId::new().to_string();
                let mut tx = self.pool.begin().await?;
                let row: $crate::sql::UserRow = sqlx::query_as(concat!(
                    "INSERT INTO users (id, login, display_name, role, password_hash, disabled, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, FALSE, $6) RETURNING ", $crate::sql::user_cols!()
                ))
                .bind(&user_id)
                .bind(&new.login)
                .bind(&new.display_name)
                .bind(new.role.as_str())
                .bind(&new.password_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let linked = sqlx::query("UPDATE clients SET user_id = $1, updated_at = $2 WHERE id = $3 AND user_id IS NULL")
                    .bind(&user_id)
                    .bind(now)
                    .bind(client.to_string())
                    .execute(&mut *tx)
                    .await?;
                if linked.rows_affected() == 0 {
                    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE id = $1")
                        .bind(client.to_string())
                        .fetch_one(&mut *tx)
                        .await?;
                    return Err(if exists == 0 { StoreError::NotFound } else { StoreError::Conflict });
                }
                tx.commit().await?;
                row.try_into()
            }

            async fn create_assessment(&self, new: NewAssessment) -> Result<Assessment, StoreError> {
                let now = Timestamp::now().0;
                let intake = new.intake.as_ref().map($crate::sql::to_json).transpose()?;
                let row: $crate::sql::AssessmentRow = sqlx::query_as(concat!(
                    "INSERT INTO assessments (id, client_id, created_by, status, form_json, intake_json, created_at, updated_at) ",
                    "VALUES ($1, $2, $3, 'draft', $4, $5, $6, $6) RETURNING ", $crate::sql::assessment_cols!()
                ))
                .bind(AssessmentId::new().to_string())
                .bind(new.client.to_string())
                .bind(new.created_by.to_string())
                .bind($crate::sql::to_json(&new.form)?)
                .bind(intake)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn assessment(&self, id: AssessmentId) -> Result<Assessment, StoreError> {
                let row: Option<$crate::sql::AssessmentRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::assessment_cols!(), " FROM assessments WHERE id = $1"
                ))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn assessment_with_client(&self, id: AssessmentId) -> Result<(Assessment, Client), StoreError> {
                let row: Option<$crate::sql::AssessmentClientRow> = sqlx::query_as(concat!(
                    "SELECT a.id, a.client_id, a.created_by, a.status, a.form_json, a.intake_json, a.created_at, a.updated_at, ",
                    "a.completed_at, c.id AS c_id, c.owner_id AS c_owner_id, c.display_name AS c_display_name, ",
                    "c.reference AS c_reference, c.shared_with_clinic AS c_shared_with_clinic, c.user_id AS c_user_id, ",
                    "c.created_at AS c_created_at, c.updated_at AS c_updated_at ",
                    "FROM assessments a JOIN clients c ON c.id = a.client_id WHERE a.id = $1"
                ))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn assessments_for(&self, client: ClientId) -> Result<Vec<Assessment>, StoreError> {
                let rows: Vec<$crate::sql::AssessmentRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::assessment_cols!(), " FROM assessments WHERE client_id = $1 ORDER BY created_at, id"
                ))
                .bind(client.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn save_draft(&self, id: AssessmentId, form: serde_json::Value, intake: Option<serde_json::Value>) -> Result<Assessment, StoreError> {
                let intake = intake.as_ref().map($crate::sql::to_json).transpose()?;
                let row: Option<$crate::sql::AssessmentRow> = sqlx::query_as(concat!(
                    "UPDATE assessments SET form_json = $1, intake_json = $2, updated_at = $3 ",
                    "WHERE id = $4 AND status = 'draft' RETURNING ", $crate::sql::assessment_cols!()
                ))
                .bind($crate::sql::to_json(&form)?)
                .bind(intake)
                .bind(Timestamp::now().0)
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => row.try_into(),
                    None => {
                        // Tell a finished assessment apart from a missing one.
                        self.assessment(id).await?;
                        Err(StoreError::Conflict)
                    }
                }
            }

            async fn complete_assessment(&self, done: CompleteAssessment) -> Result<Assessment, StoreError> {
                let now = Timestamp::now().0;
                let mut tx = self.pool.begin().await?;
                let row: Option<$crate::sql::AssessmentRow> = sqlx::query_as(concat!(
                    "UPDATE assessments SET status = 'complete', form_json = $1, intake_json = $2, ",
                    "updated_at = $3, completed_at = $3 WHERE id = $4 AND status = 'draft' RETURNING ",
                    $crate::sql::assessment_cols!()
                ))
                .bind($crate::sql::to_json(&done.form)?)
                .bind($crate::sql::to_json(&done.intake)?)
                .bind(now)
                .bind(done.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    drop(tx);
                    self.assessment(done.id).await?;
                    return Err(StoreError::Conflict);
                };
                sqlx::query(
                    "INSERT INTO reports (id, assessment_id, report_json, engine_version, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(ReportId::new().to_string())
                .bind(done.id.to_string())
                .bind($crate::sql::to_json(&done.report)?)
                .bind(&done.engine_version)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO plans (id, assessment_id, engine_plan_json, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (assessment_id) DO UPDATE SET engine_plan_json = excluded.engine_plan_json",
                )
                .bind(PlanId::new().to_string())
                .bind(done.id.to_string())
                .bind($crate::sql::to_json(&done.plan)?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                row.try_into()
            }

            async fn add_photo(&self, new: NewPhoto) -> Result<Photo, StoreError> {
                if new.bytes.is_empty() {
                    return Err(StoreError::Invalid("photo is empty".into()));
                }
                let view = new.view.trim();
                if view.is_empty() {
                    return Err(StoreError::Invalid("photo view must not be empty".into()));
                }
                // The assessment must exist before a file is written for it.
                self.assessment(new.assessment).await?;
                let stored = self.photos.write(&new.bytes, &new.media_type).await?;
                let byte_len = i64::try_from(new.bytes.len())
                    .map_err(|_| StoreError::Invalid("photo too large".into()))?;
                let row: $crate::sql::PhotoRow = sqlx::query_as(concat!(
                    "INSERT INTO photos (id, assessment_id, content_hash, rel_path, media_type, view, byte_len, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", $crate::sql::photo_cols!()
                ))
                .bind(PhotoId::new().to_string())
                .bind(new.assessment.to_string())
                .bind(&stored.content_hash)
                .bind(&stored.rel_path)
                .bind(&new.media_type)
                .bind(view)
                .bind(byte_len)
                .bind(Timestamp::now().0)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn photo(&self, id: PhotoId) -> Result<Photo, StoreError> {
                let row: Option<$crate::sql::PhotoRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::photo_cols!(), " FROM photos WHERE id = $1"
                ))
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn photo_bytes(&self, id: PhotoId) -> Result<(Photo, Vec<u8>), StoreError> {
                let photo = self.photo(id).await?;
                let bytes = self.photos.read(&photo.rel_path).await?;
                Ok((photo, bytes))
            }

            async fn photos_for(&self, assessment: AssessmentId) -> Result<Vec<Photo>, StoreError> {
                let rows: Vec<$crate::sql::PhotoRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::photo_cols!(), " FROM photos WHERE assessment_id = $1 ORDER BY created_at, id"
                ))
                .bind(assessment.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn add_landmark_set(&self, new: NewLandmarkSet) -> Result<LandmarkSet, StoreError> {
                let row: $crate::sql::LandmarkRow = sqlx::query_as(concat!(
                    "INSERT INTO landmark_sets (id, assessment_id, photo_id, view, landmarks_json, model, model_version, source, moved_points_json, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ", $crate::sql::landmark_cols!()
                ))
                .bind(LandmarkSetId::new().to_string())
                .bind(new.assessment.to_string())
                .bind(new.photo.map(|p| p.to_string()))
                .bind(&new.view)
                .bind($crate::sql::to_json(&new.landmarks)?)
                .bind(&new.model)
                .bind(&new.model_version)
                .bind(new.source.as_str())
                .bind(serde_json::to_string(&new.moved_points)?)
                .bind(Timestamp::now().0)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn landmark_sets_for(&self, assessment: AssessmentId) -> Result<Vec<LandmarkSet>, StoreError> {
                let rows: Vec<$crate::sql::LandmarkRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::landmark_cols!(), " FROM landmark_sets WHERE assessment_id = $1 ORDER BY created_at, id"
                ))
                .bind(assessment.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn save_report(&self, assessment: AssessmentId, report: serde_json::Value, engine_version: &str) -> Result<Report, StoreError> {
                let row: $crate::sql::ReportRow = sqlx::query_as(concat!(
                    "INSERT INTO reports (id, assessment_id, report_json, engine_version, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5) RETURNING ", $crate::sql::report_cols!()
                ))
                .bind(ReportId::new().to_string())
                .bind(assessment.to_string())
                .bind($crate::sql::to_json(&report)?)
                .bind(engine_version)
                .bind(Timestamp::now().0)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn latest_report(&self, assessment: AssessmentId) -> Result<Option<Report>, StoreError> {
                let row: Option<$crate::sql::ReportRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::report_cols!(), " FROM reports WHERE assessment_id = $1 ",
                    "ORDER BY created_at DESC, id DESC LIMIT 1"
                ))
                .bind(assessment.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Report::try_from).transpose()
            }

            async fn report_stamp(&self, assessment: AssessmentId) -> Result<Option<ReportStamp>, StoreError> {
                let row: Option<(String, i64, i64, Option<String>, Option<i64>)> = sqlx::query_as(concat!(
                    "SELECT r.id, ",
                    "(SELECT COUNT(*) FROM landmark_sets l WHERE l.assessment_id = $1), ",
                    "(SELECT COUNT(*) FROM photos p WHERE p.assessment_id = $1), ",
                    "(SELECT edited_by FROM plans WHERE assessment_id = $1), ",
                    "(SELECT edited_at FROM plans WHERE assessment_id = $1) ",
                    "FROM reports r WHERE r.assessment_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 1"
                ))
                .bind(assessment.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(report, landmark_sets, photos, edited_by, edited_at)| {
                    Ok(ReportStamp {
                        report: $crate::ids::parse_id(&report)?,
                        landmark_sets,
                        photos,
                        plan_edited_by: edited_by.as_deref().map($crate::ids::parse_id).transpose()?,
                        plan_edited_at: edited_at.map(Timestamp),
                    })
                })
                .transpose()
            }

            async fn plan_for(&self, assessment: AssessmentId) -> Result<Option<Plan>, StoreError> {
                let row: Option<$crate::sql::PlanRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::plan_cols!(), " FROM plans WHERE assessment_id = $1"
                ))
                .bind(assessment.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.map(Plan::try_from).transpose()
            }

            async fn edit_plan(&self, assessment: AssessmentId, edited: serde_json::Value, editor: UserId) -> Result<Plan, StoreError> {
                let row: Option<$crate::sql::PlanRow> = sqlx::query_as(concat!(
                    "UPDATE plans SET edited_plan_json = $1, edited_by = $2, edited_at = $3 ",
                    "WHERE assessment_id = $4 RETURNING ", $crate::sql::plan_cols!()
                ))
                .bind($crate::sql::to_json(&edited)?)
                .bind(editor.to_string())
                .bind(Timestamp::now().0)
                .bind(assessment.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound)?.try_into()
            }

            async fn add_note(&self, new: NewNote) -> Result<Note, StoreError> {
                $crate::sql::check_note(&new.body)?;
                let row: $crate::sql::NoteRow = sqlx::query_as(concat!(
                    "INSERT INTO notes (id, client_id, assessment_id, author_id, body, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ", $crate::sql::note_cols!()
                ))
                .bind(NoteId::new().to_string())
                .bind(new.client.to_string())
                .bind(new.assessment.map(|a| a.to_string()))
                .bind(new.author.to_string())
                .bind(new.body.trim())
                .bind(Timestamp::now().0)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn notes_for(&self, client: ClientId) -> Result<Vec<Note>, StoreError> {
                let rows: Vec<$crate::sql::NoteRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::note_cols!(), " FROM notes WHERE client_id = $1 ORDER BY created_at, id"
                ))
                .bind(client.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn create_share_link(&self, new: NewShareLink) -> Result<ShareLink, StoreError> {
                let row: $crate::sql::ShareRow = sqlx::query_as(concat!(
                    "INSERT INTO share_links (id, client_id, token_hash, created_by, expires_at, created_at) ",
                    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ", $crate::sql::share_cols!()
                ))
                .bind(ShareLinkId::new().to_string())
                .bind(new.client.to_string())
                .bind(&new.token_hash)
                .bind(new.created_by.to_string())
                .bind(new.expires_at.0)
                .bind(Timestamp::now().0)
                .fetch_one(&self.pool)
                .await?;
                row.try_into()
            }

            async fn share_link(&self, token_hash: &str) -> Result<Option<ShareLink>, StoreError> {
                let row: Option<$crate::sql::ShareRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::share_cols!(), " FROM share_links WHERE token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(ShareLink::try_from).transpose()
            }

            async fn share_links_for(&self, client: ClientId) -> Result<Vec<ShareLink>, StoreError> {
                let rows: Vec<$crate::sql::ShareRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::share_cols!(), " FROM share_links WHERE client_id = $1 ORDER BY created_at, id"
                ))
                .bind(client.to_string())
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn revoke_share_link(&self, id: ShareLinkId) -> Result<(), StoreError> {
                let done = sqlx::query("UPDATE share_links SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                    .bind(Timestamp::now().0)
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn record_audit_batch(&self, entries: Vec<NewAuditEntry>) -> Result<(), StoreError> {
                // One multi-row INSERT: a single round trip and a single disk flush, atomic by
                // itself. Larger batches go in chunks of 500 rows (7 parameters each, under
                // every backend's parameter limit) inside one transaction.
                for entry in &entries {
                    $crate::sql::check_audit_entry(entry)?;
                }
                let at = Timestamp::now().0;
                let insert = |chunk: &[NewAuditEntry]| {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO audit_log (id, at, actor_id, action, record_kind, record_id, detail) ",
                    );
                    insert.push_values(chunk.iter().cloned(), |mut row, entry| {
                        row.push_bind(AuditId::new().to_string())
                            .push_bind(at)
                            .push_bind(entry.actor.map(|a| a.to_string()))
                            .push_bind(entry.action)
                            .push_bind(entry.record_kind)
                            .push_bind(entry.record_id)
                            .push_bind(entry.detail);
                    });
                    insert
                };
                match entries.len() {
                    0 => {}
                    1..=500 => {
                        insert(&entries).build().execute(&self.pool).await?;
                    }
                    _ => {
                        let mut tx = self.pool.begin().await?;
                        for chunk in entries.chunks(500) {
                            insert(chunk).build().execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                    }
                }
                Ok(())
            }

            async fn audit_for(&self, record_id: &str, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
                let rows: Vec<$crate::sql::AuditRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::audit_cols!(), " FROM audit_log WHERE record_id = $1 ORDER BY at DESC, id DESC LIMIT $2"
                ))
                .bind(record_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
                let rows: Vec<$crate::sql::AuditRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::audit_cols!(), " FROM audit_log ORDER BY at DESC, id DESC LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn audit_before(
                &self,
                before: Timestamp,
                after: Option<AuditId>,
                limit: i64,
            ) -> Result<Vec<AuditEntry>, StoreError> {
                let rows: Vec<$crate::sql::AuditRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::audit_cols!(), " FROM audit_log WHERE at < $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
                ))
                .bind(before.0)
                .bind(after.map(|id| id.to_string()))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::sql::convert(rows)
            }

            async fn delete_audit_before(&self, before: Timestamp) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM audit_log WHERE at < $1").bind(before.0).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }

            async fn export_client(&self, id: ClientId) -> Result<ClientExport, StoreError> {
                let key = id.to_string();
                // One transaction, so the export is a consistent snapshot.
                let mut tx = self.pool.begin().await?;
                let client: Option<$crate::sql::ClientRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::client_cols!(), " FROM clients WHERE id = $1"
                ))
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
                let client: Client = client.ok_or(StoreError::NotFound)?.try_into()?;
                let assessments: Vec<$crate::sql::AssessmentRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::assessment_cols!(), " FROM assessments WHERE client_id = $1 ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let photos: Vec<$crate::sql::PhotoRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::photo_cols!(), " FROM photos WHERE assessment_id IN ",
                    "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let landmark_sets: Vec<$crate::sql::LandmarkRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::landmark_cols!(), " FROM landmark_sets WHERE assessment_id IN ",
                    "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let reports: Vec<$crate::sql::ReportRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::report_cols!(), " FROM reports WHERE assessment_id IN ",
                    "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let plans: Vec<$crate::sql::PlanRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::plan_cols!(), " FROM plans WHERE assessment_id IN ",
                    "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let notes: Vec<$crate::sql::NoteRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::note_cols!(), " FROM notes WHERE client_id = $1 ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let share_links: Vec<$crate::sql::ShareRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::share_cols!(), " FROM share_links WHERE client_id = $1 ORDER BY created_at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                let audit: Vec<$crate::sql::AuditRow> = sqlx::query_as(concat!(
                    "SELECT ", $crate::sql::audit_cols!(), " FROM audit_log WHERE record_id = $1 OR record_id IN ",
                    "(SELECT id FROM assessments WHERE client_id = $1) ORDER BY at, id"
                ))
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(ClientExport {
                    format: "tonus-client-export/1",
                    exported_at: Timestamp::now(),
                    client,
                    assessments: $crate::sql::convert(assessments)?,
                    photos: $crate::sql::convert(photos)?,
                    landmark_sets: $crate::sql::convert(landmark_sets)?,
                    reports: $crate::sql::convert(reports)?,
                    plans: $crate::sql::convert(plans)?,
                    notes: $crate::sql::convert(notes)?,
                    share_links: $crate::sql::convert(share_links)?,
                    audit_log: $crate::sql::convert(audit)?,
                })
            }

            async fn erase_client(&self, id: ClientId) -> Result<Erasure, StoreError> {
                let key = id.to_string();
                let mut tx = self.pool.begin().await?;
                let linked: Option<Option<String>> = sqlx::query_scalar(
                    "UPDATE clients SET updated_at = $1 WHERE id = $2 RETURNING user_id",
                )
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
                let assessments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assessments WHERE client_id = $1")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
                // Foreign keys cascade to assessments, photos, landmarks, reports, plans, notes
                // and share links.
                sqlx::query("DELETE FROM clients WHERE id = $1")
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                if let Some(user) = &linked_user {
                    sqlx::query("DELETE FROM users WHERE id = $1")
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                // Files go only after the rows are gone, and only when no other record shares
                // the same bytes.
                let mut removed = 0u64;
                for (hash, rel_path) in files {
                    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE content_hash = $1")
                        .bind(&hash)
                        .fetch_one(&self.pool)
                        .await?;
                    if users == 0 && self.photos.remove(&rel_path).await? {
                        removed += 1;
                    }
                }
                Ok(Erasure {
                    assessments: u64::try_from(assessments).unwrap_or(0),
                    photo_files_removed: removed,
                    client_account_removed: linked_user.is_some(),
                })
            }
        }
    };
}
pub(crate) use impl_store;
