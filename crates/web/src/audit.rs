//! Writing the audit log from a request: who viewed or changed which record, when.
//!
//! The log itself (typed actions and record kinds, group commit, retention) is
//! `tonus_clinic::audit`; the clinic's use cases write their own lines. This module is the
//! handlers' shortcut for the lines only the web app knows about: page views, logins and
//! account changes.

use tonus_clinic::{Action, Actor, Event, RecordKind};
use tonus_store::UserId;

use crate::error::WebError;
use crate::state::AppState;

/// Appends one audit line; a failure fails the request, so no access goes unrecorded.
pub(crate) async fn record(
    state: &AppState,
    actor: Option<UserId>,
    action: Action,
    kind: RecordKind,
    record_id: &str,
    detail: &str,
) -> Result<(), WebError> {
    state.clinic.audit(Actor(actor), Event::new(action, kind, record_id).detail(detail)).await?;
    Ok(())
}
