//! Accounts, the first-run setup token and sessions: their SQL and input checks (rows are read as `User`, `Credentials` and `Session`).
//!
//! The store keeps the password hash it is given and never sees a password; the login
//! limiter's counters live in `login.rs`, and who may manage accounts is the web layer's call.

use crate::{NewUser, StoreError};

macro_rules! user_cols {
    () => {
        "id, login, display_name, role, password_hash, disabled, must_change_password, created_at"
    };
}
pub(crate) use user_cols;

pub(crate) fn check_new_user(new: &NewUser) -> Result<(), StoreError> {
    super::non_empty("login", &new.login)?;
    super::non_empty("display name", &new.display_name)?;
    super::non_empty("password hash", &new.password_hash)
}

/// Writes the account, setup and session functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::users::{check_new_user, user_cols};

        pub(crate) async fn count_users(db: &$store) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await?)
        }

        pub(crate) async fn create_user(db: &$store, new: NewUser) -> Result<User, StoreError> {
            check_new_user(&new)?;
            let row: User = sqlx::query_as(concat!(
                "INSERT INTO users (id, login, display_name, role, password_hash, disabled, must_change_password, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7) RETURNING ",
                user_cols!()
            ))
            .bind(UserId::new())
            .bind(&new.login)
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(&new.password_hash)
            .bind(new.must_change_password)
            .bind(Timestamp::now().0)
            .fetch_all(&db.pool)
            .await
            .map($crate::sql::one)??;
            Ok(row)
        }

        pub(crate) async fn user(db: &$store, id: UserId) -> Result<User, StoreError> {
            sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(&db.pool)
                .await?
                .ok_or(StoreError::NotFound)
        }

        pub(crate) async fn credentials(db: &$store, login: &str) -> Result<Option<Credentials>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE login = $1"))
                .bind(login)
                .fetch_optional(&db.pool)
                .await?)
        }

        pub(crate) async fn users(db: &$store) -> Result<Vec<User>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users ORDER BY login")).fetch_all(&db.pool).await?)
        }

        pub(crate) async fn set_password_hash(db: &$store, id: UserId, password_hash: &str, must_change: bool) -> Result<(), StoreError> {
            if password_hash.is_empty() {
                return Err(StoreError::Invalid("password hash must not be empty".into()));
            }
            let mut tx = db.pool.begin().await?;
            let done = sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(must_change)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn set_user_disabled(db: &$store, id: UserId, disabled: bool) -> Result<(), StoreError> {
            let mut tx = db.pool.begin().await?;
            let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2").bind(disabled).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub(crate) async fn create_setup_token(db: &$store, token_hash: &str, expires_at: Timestamp) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
                .bind(token_hash)
                .bind(Timestamp::now().0)
                .bind(expires_at.0)
                .execute(&db.pool)
                .await?;
            Ok(())
        }

        pub(crate) async fn setup_token_valid(db: &$store, token_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
            let valid: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
                    .bind(token_hash)
                    .bind(now.0)
                    .fetch_one(&db.pool)
                    .await?;
            Ok(valid > 0 && count_users(db).await? == 0)
        }

        pub(crate) async fn redeem_setup_token(
            db: &$store,
            token_hash: &str,
            now: Timestamp,
            first_user: NewUser,
        ) -> Result<User, StoreError> {
            check_new_user(&first_user)?;
            let mut tx = db.pool.begin().await?;
            let used = sqlx::query("UPDATE setup_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
                .bind(now.0)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            if used.rows_affected() == 0 {
                return Err(StoreError::Conflict);
            }
            let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
            if users > 0 {
                return Err(StoreError::Conflict);
            }
            let row: User = sqlx::query_as(concat!(
                "INSERT INTO users (id, login, display_name, role, password_hash, disabled, must_change_password, created_at) ",
                "VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7) RETURNING ",
                user_cols!()
            ))
            .bind(UserId::new())
            .bind(&first_user.login)
            .bind(&first_user.display_name)
            .bind(first_user.role.as_str())
            .bind(&first_user.password_hash)
            .bind(first_user.must_change_password)
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(row)
        }

        pub(crate) async fn create_session(db: &$store, new: NewSession) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&new.token_hash)
                .bind(new.user)
                .bind(&new.csrf_token)
                .bind(Timestamp::now().0)
                .bind(new.expires_at.0)
                .execute(&db.pool)
                .await?;
            Ok(())
        }

        pub(crate) async fn session(db: &$store, token_hash: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
            Ok(sqlx::query_as(
                "SELECT s.csrf_token, s.expires_at AS session_expires_at, u.id, u.login, u.display_name, \
                 u.role, u.password_hash, u.disabled, u.must_change_password, u.created_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .bind(now.0)
            .fetch_optional(&db.pool)
            .await?)
        }

        pub(crate) async fn delete_session(db: &$store, token_hash: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&db.pool).await?;
            Ok(())
        }

        pub(crate) async fn delete_expired_sessions(db: &$store, now: Timestamp) -> Result<u64, StoreError> {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now.0).execute(&db.pool).await?;
            Ok(done.rows_affected())
        }
    };
}
pub(crate) use queries;
