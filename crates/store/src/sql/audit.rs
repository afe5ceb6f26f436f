//! The audit log: its SQL (group-commit batches, reads by record and by age, retention),
//! columns and the bounds that keep typed text out of it.
//!
//! What to audit, the group commit's queue and writing the archive before deletion are the web
//! layer's; the store only appends, reads and deletes lines.

use crate::{NewAuditEntry, StoreError};

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

macro_rules! audit_cols {
    () => {
        "id, at, actor_id, action, record_kind, record_id, detail"
    };
}
pub(crate) use audit_cols;

/// Writes the audit-log functions for one store type.
macro_rules! queries {
    ($store:ty) => {
        use $crate::sql::audit::{audit_cols, check_audit_entry};

        pub(crate) async fn record_audit_batch(db: &$store, entries: Vec<NewAuditEntry>) -> Result<(), StoreError> {
            // One multi-row INSERT: a single round trip and a single disk flush, atomic by
            // itself. Larger batches go in chunks of 500 rows (7 parameters each, under
            // every backend's parameter limit) inside one transaction.
            for entry in &entries {
                check_audit_entry(entry)?;
            }
            let at = Timestamp::now().0;
            let insert = |chunk: &[NewAuditEntry]| {
                let mut insert =
                    sqlx::QueryBuilder::new("INSERT INTO audit_log (id, at, actor_id, action, record_kind, record_id, detail) ");
                insert.push_values(chunk.iter().cloned(), |mut row, entry| {
                    row.push_bind(AuditId::new())
                        .push_bind(at)
                        .push_bind(entry.actor)
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
                    insert(&entries).build().execute(&db.pool).await?;
                }
                _ => {
                    let mut tx = db.pool.begin().await?;
                    for chunk in entries.chunks(500) {
                        insert(chunk).build().execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                }
            }
            Ok(())
        }

        pub(crate) async fn audit_for(db: &$store, record_id: &str, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", audit_cols!(), " FROM audit_log WHERE record_id = $1 ORDER BY at DESC, id DESC LIMIT $2"))
                .bind(record_id)
                .bind(limit)
                .fetch_all(&db.pool)
                .await?)
        }

        pub(crate) async fn recent_audit(db: &$store, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
            Ok(sqlx::query_as(concat!("SELECT ", audit_cols!(), " FROM audit_log ORDER BY at DESC, id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(&db.pool)
                .await?)
        }

        pub(crate) async fn audit_before(
            db: &$store,
            before: Timestamp,
            after: Option<AuditId>,
            limit: i64,
        ) -> Result<Vec<AuditEntry>, StoreError> {
            Ok(sqlx::query_as(concat!(
                "SELECT ",
                audit_cols!(),
                " FROM audit_log WHERE at < $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
            ))
            .bind(before.0)
            .bind(after)
            .bind(limit)
            .fetch_all(&db.pool)
            .await?)
        }

        pub(crate) async fn delete_audit_before(db: &$store, before: Timestamp) -> Result<u64, StoreError> {
            let done = sqlx::query("DELETE FROM audit_log WHERE at < $1").bind(before.0).execute(&db.pool).await?;
            Ok(done.rows_affected())
        }
    };
}
pub(crate) use queries;
