//! Failed logins and the places accounts log in from: what the web layer's login limiter reads
//! and writes, kept in the database so every server process on it applies the same limits.
//!
//! The store only counts and remembers; the policy (how many failures block whom, for how long)
//! is the web layer's. Keys and origins arrive already hashed: this module never sees a typed
//! login name, a password or a raw address.

use async_trait::async_trait;
use serde::Serialize;

use crate::{StoreError, Timestamp, UserId};

/// Longest key or origin accepted; the web layer sends short hashes.
pub const MAX_LOGIN_KEY_LEN: usize = 96;

/// Failed logins counted under one key since its counter last started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginFailures {
    /// `account:<user id>`, `name:<hash>` or `address:<hash>`.
    pub key: String,
    /// Failures since `first_failed_at`.
    pub failures: i64,
    /// When this run of failures began.
    pub first_failed_at: Timestamp,
    /// The latest failure.
    pub last_failed_at: Timestamp,
}

/// The login limiter's memory, shared by every process on the database.
#[async_trait]
pub trait LoginGuardStore: Send + Sync {
    /// The counters for these keys whose latest failure is at or after `since`.
    async fn login_failures(&self, keys: &[String], since: Timestamp) -> Result<Vec<LoginFailures>, StoreError>;
    /// Counts one failure under each key, in one transaction. A counter whose latest failure is
    /// before `restart_before` starts again at one. Returns the counters after the update.
    async fn record_login_failure(
        &self,
        keys: &[String],
        now: Timestamp,
        restart_before: Timestamp,
    ) -> Result<Vec<LoginFailures>, StoreError>;
    /// Forgets the failures under a key (after a successful login).
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;
    /// Whether the account logged in successfully from any of these origins at or after `since`.
    async fn is_login_origin(&self, user: UserId, origins: &[String], since: Timestamp) -> Result<bool, StoreError>;
    /// Remembers a successful login from an origin.
    async fn remember_login_origin(&self, user: UserId, origin: &str, now: Timestamp) -> Result<(), StoreError>;
    /// Deletes counters whose latest failure is before `failures_before` and origins last used
    /// before `origins_before`; returns how many rows went.
    async fn prune_login_records(&self, failures_before: Timestamp, origins_before: Timestamp) -> Result<u64, StoreError>;
}

pub(crate) fn check_keys<'a>(keys: impl IntoIterator<Item = &'a String>) -> Result<(), StoreError> {
    for key in keys {
        check_key(key)?;
    }
    Ok(())
}

pub(crate) fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_LOGIN_KEY_LEN {
        return Err(StoreError::Invalid(format!("login limiter key: between 1 and {MAX_LOGIN_KEY_LEN} bytes")));
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct LoginFailuresRow {
    counter_key: String,
    failures: i64,
    first_failed_at: i64,
    last_failed_at: i64,
}

impl From<LoginFailuresRow> for LoginFailures {
    fn from(row: LoginFailuresRow) -> Self {
        Self {
            key: row.counter_key,
            failures: row.failures,
            first_failed_at: Timestamp(row.first_failed_at),
            last_failed_at: Timestamp(row.last_failed_at),
        }
    }
}

/// Implements [`LoginGuardStore`] for a backend struct with a `pool` field.
macro_rules! impl_login_guard {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::LoginGuardStore for $store {
            async fn login_failures(&self, keys: &[String], since: Timestamp) -> Result<Vec<$crate::LoginFailures>, StoreError> {
                $crate::login::check_keys(keys)?;
                let mut rows = Vec::with_capacity(keys.len());
                for key in keys {
                    let row: Option<$crate::login::LoginFailuresRow> = sqlx::query_as(
                        "SELECT counter_key, failures, first_failed_at, last_failed_at FROM login_failures WHERE counter_key = $1 AND last_failed_at >= $2",
                    )
                    .bind(key)
                    .bind(since.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    rows.extend(row.map($crate::LoginFailures::from));
                }
                Ok(rows)
            }

            async fn record_login_failure(
                &self,
                keys: &[String],
                now: Timestamp,
                restart_before: Timestamp,
            ) -> Result<Vec<$crate::LoginFailures>, StoreError> {
                $crate::login::check_keys(keys)?;
                let mut tx = self.pool.begin().await?;
                let mut rows = Vec::with_capacity(keys.len());
                for key in keys {
                    let row: $crate::login::LoginFailuresRow = sqlx::query_as(concat!(
                        "INSERT INTO login_failures (counter_key, failures, first_failed_at, last_failed_at) VALUES ($1, 1, $2, $2) ",
                        "ON CONFLICT (counter_key) DO UPDATE SET ",
                        "failures = CASE WHEN login_failures.last_failed_at < $3 THEN 1 ELSE login_failures.failures + 1 END, ",
                        "first_failed_at = CASE WHEN login_failures.last_failed_at < $3 THEN $2 ELSE login_failures.first_failed_at END, ",
                        "last_failed_at = $2 ",
                        "RETURNING counter_key, failures, first_failed_at, last_failed_at"
                    ))
                    .bind(key)
                    .bind(now.0)
                    .bind(restart_before.0)
                    .fetch_one(&mut *tx)
                    .await?;
                    rows.push(row.into());
                }
                tx.commit().await?;
                Ok(rows)
            }

            async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
                $crate::login::check_key(key)?;
                sqlx::query("DELETE FROM login_failures WHERE counter_key = $1").bind(key).execute(&self.pool).await?;
                Ok(())
            }

            async fn is_login_origin(&self, user: UserId, origins: &[String], since: Timestamp) -> Result<bool, StoreError> {
                $crate::login::check_keys(origins)?;
                for origin in origins {
                    let found: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM login_origins WHERE user_id = $1 AND origin = $2 AND last_success_at >= $3",
                    )
                    .bind(user.to_string())
                    .bind(origin)
                    .bind(since.0)
                    .fetch_one(&self.pool)
                    .await?;
                    if found > 0 {
                        return Ok(true);
                    }
                }
                Ok(false)
            }

            async fn remember_login_origin(&self, user: UserId, origin: &str, now: Timestamp) -> Result<(), StoreError> {
                $crate::login::check_key(origin)?;
                sqlx::query(concat!(
                    "INSERT INTO login_origins (user_id, origin, last_success_at) VALUES ($1, $2, $3) ",
                    "ON CONFLICT (user_id, origin) DO UPDATE SET last_success_at = $3"
                ))
                .bind(user.to_string())
                .bind(origin)
                .bind(now.0)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn prune_login_records(&self, failures_before: Timestamp, origins_before: Timestamp) -> Result<u64, StoreError> {
                let mut tx = self.pool.begin().await?;
                let failures =
                    sqlx::query("DELETE FROM login_failures WHERE last_failed_at < $1").bind(failures_before.0).execute(&mut *tx).await?;
                let origins =
                    sqlx::query("DELETE FROM login_origins WHERE last_success_at < $1").bind(origins_before.0).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(failures.rows_affected() + origins.rows_affected())
            }
        }
    };
}
pub(crate) use impl_login_guard;
