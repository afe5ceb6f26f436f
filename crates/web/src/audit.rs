//! Writing the audit log: who viewed or changed which record, when.
//!
//! Lines carry ids and an action, never names or clinical content, so the log can outlive an
//! erased record without keeping personal data.

use tonus_store::{NewAuditEntry, UserId};

use crate::error::WebError;
use crate::state::AppState;

/// Appends one audit line; a failure fails the request, so no access goes unrecorded.
pub(crate) async fn record(
    state: &AppState,
    actor: Option<UserId>,
    action: &str,
    record_kind: &str,
    record_id: &str,
    detail: &str,
) -> Result<(), WebError> {
    state
        .store
        .record_audit(NewAuditEntry {
            actor,
            action: action.into(),
            record_kind: record_kind.into(),
            record_id: record_id.into(),
            detail: detail.into(),
        })
        .await?;
    Ok(())
}

/// Appends one audit line straight to a store (for work done outside a request).
pub(crate) async fn record_on(
    store: &dyn tonus_store::Store,
    actor: Option<UserId>,
    action: &str,
    record_kind: &str,
    record_id: &str,
    detail: &str,
) -> Result<(), WebError> {
    store
        .record_audit(NewAuditEntry {
            actor,
            action: action.into(),
            record_kind: record_kind.into(),
            record_id: record_id.into(),
            detail: detail.into(),
        })
        .await?;
    Ok(())
}
