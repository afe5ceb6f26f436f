//! Who may see and change which client record.
//!
//! - admin: every client (the clinic's owner), plus account management;
//! - practitioner: the clients they own and the ones shared with the clinic;
//! - client: only the record linked to their own account, read-only.
//!
//! A record a user may not see answers 404, so its existence is not revealed; a page their
//! role may never use answers 403.

use tonus_store::{Assessment, AssessmentId, Client, ClientId, Role};

use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::state::AppState;

/// What a user may do with a client record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Access {
    /// See the record, its plans and handouts.
    Read,
    /// Also change it.
    Write,
}

/// The access a user has to a client record, if any.
pub(crate) fn client_access(user: &CurrentUser, client: &Client) -> Option<Access> {
    let me = &user.user;
    match me.role {
        Role::Admin => Some(Access::Write),
        Role::Practitioner if client.owner == me.id || client.shared_with_clinic => Some(Access::Write),
        Role::Practitioner => None,
        Role::Client if client.user == Some(me.id) => Some(Access::Read),
        Role::Client => None,
    }
}

/// Loads a client the user may access at least at `need`.
pub(crate) async fn client(state: &AppState, user: &CurrentUser, id: ClientId, need: Access) -> Result<Client, WebError> {
    let client = state.store.client(id).await?;
    match client_access(user, &client) {
        Some(have) if have >= need => Ok(client),
        Some(_) => Err(WebError::Forbidden),
        None => Err(WebError::NotFound),
    }
}

/// Loads a client the user may read and records that it was shown: the one step of every
/// page or API call that discloses a client's record (`kind` says which view of it, `detail`
/// where it was shown). Nothing is shown when the audit line cannot be written.
pub(crate) async fn view_client(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    kind: tonus_clinic::RecordKind,
    detail: &str,
) -> Result<Client, WebError> {
    let client = client(state, user, parse_id(id)?, Access::Read).await?;
    crate::audit::record(state, Some(user.user.id), tonus_clinic::Action::View, kind, &client.id.to_string(), detail).await?;
    Ok(client)
}

/// Loads an assessment (and its client) the user may access at least at `need`. Clients
/// never see drafts.
pub(crate) async fn assessment(
    state: &AppState,
    user: &CurrentUser,
    id: AssessmentId,
    need: Access,
) -> Result<(Client, Assessment), WebError> {
    let (assessment, client) = state.store.assessment_with_client(id).await?;
    match client_access(user, &client) {
        Some(have) if have >= need => {}
        Some(_) => return Err(WebError::Forbidden),
        None => return Err(WebError::NotFound),
    }
    if user.user.role == Role::Client && assessment.status == tonus_store::AssessmentStatus::Draft {
        return Err(WebError::NotFound);
    }
    Ok((client, assessment))
}

/// Parses an id from a path segment; a malformed id is simply not found.
pub(crate) fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T, WebError> {
    text.parse().map_err(|_| WebError::NotFound)
}
