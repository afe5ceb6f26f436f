//! Account management for admins: list, create, disable, reset passwords; the audit log view.
//!
//! Client accounts are created from the client's page (they are linked to a record); this
//! page creates staff accounts. Accounts are disabled, never deleted, so the audit trail and
//! authorship stay intact.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{NewUser, Role, UserId};

use crate::access::parse_id;
use crate::auth::{self, CurrentUser, normalise_login};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

struct UserRow {
    id: String,
    login: String,
    display_name: String,
    role: &'static str,
    disabled: bool,
    created: String,
    is_me: bool,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    error: Option<String>,
}

async fn render(state: &AppState, me: &CurrentUser, error: Option<String>) -> Result<Html<String>, WebError> {
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            is_me: u.id == me.user.id,
            login: u.login,
            display_name: u.display_name,
            role: u.role.as_str(),
            disabled: u.disabled,
            created: format::date(u.created_at),
        })
        .collect();
    let page = UsersPage { layout: Layout::for_user("Accounts", me), users, error };
    Ok(Html(page.render()?))
}

pub(crate) async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Html<String>, WebError> {
    me.require_role(&[Role::Admin])?;
    render(&state, &me, None).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewAccount {
    login: String,
    display_name: String,
    role: String,
    password: String,
    confirm: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    CsrfForm(me, form): CsrfForm<NewAccount>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    me.require_role(&[Role::Admin])?;
    let login = normalise_login(&form.login);
    let result = async {
        crate::setup::check_account(&login, &form.display_name, &form.password, &form.confirm)?;
        let role = match form.role.as_str() {
            "admin" => Role::Admin,
            "practitioner" => Role::Practitioner,
            _ => return Err(WebError::BadRequest("role: choose admin or practitioner".into())),
        };
        let password_hash = auth::hash_password(state.settings.password_cost, &form.password, &login).await?;
        state
            .store
            .create_user(NewUser {
                login: login.clone(),
                display_name: form.display_name.trim().into(),
                role,
                password_hash,
                must_change_password: true,
            })
            .await
            .map_err(|err| match err {
                tonus_store::StoreError::Conflict => WebError::BadRequest(format!("login name: {login} is already taken")),
                other => other.into(),
            })
    }
    .await;
    match result {
        Ok(user) => {
            crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::User, &user.id.to_string(), user.role.as_str())
                .await?;
            Ok(Redirect::to("/admin/users").into_response())
        }
        Err(WebError::BadRequest(message)) => {
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&state, &me, Some(message)).await?).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {}

async fn set_disabled(state: &AppState, me: &CurrentUser, id: &str, disabled: bool) -> Result<Redirect, WebError> {
    me.require_role(&[Role::Admin])?;
    let id: UserId = parse_id(id)?;
    if id == me.user.id {
        return Err(WebError::Conflict("you cannot disable your own account".into()));
    }
    state.store.set_user_disabled(id, disabled).await?;
    state.sessions.clear();
    let action = if disabled { Action::Disable } else { Action::Enable };
    crate::audit::record(state, Some(me.user.id), action, RecordKind::User, &id.to_string(), "").await?;
    Ok(Redirect::to("/admin/users"))
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, _): CsrfForm<CsrfOnly>,
) -> Result<Redirect, WebError> {
    set_disabled(&state, &me, &id, true).await
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, _): CsrfForm<CsrfOnly>,
) -> Result<Redirect, WebError> {
    set_disabled(&state, &me, &id, false).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    password: String,
}

pub(crate) async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, form): CsrfForm<PasswordForm>,
) -> Result<Redirect, WebError> {
    me.require_role(&[Role::Admin])?;
    let id: UserId = parse_id(&id)?;
    let login = state.store.user(id).await?.login;
    let hash = auth::hash_password(state.settings.password_cost, &form.password, &login).await?;
    state.store.set_password_hash(id, &hash, true).await?;
    state.sessions.clear();
    crate::audit::record(&state, Some(me.user.id), Action::ResetPassword, RecordKind::User, &id.to_string(), "").await?;
    Ok(Redirect::to("/admin/users"))
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    record: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "users/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditRow>,
}

pub(crate) async fn audit_log(State(state): State<AppState>, me: CurrentUser) -> Result<Html<String>, WebError> {
    me.require_role(&[Role::Admin])?;
    let users = state.store.users().await?;
    let name = |id: Option<UserId>| {
        id.map_or_else(
            || "anonymous".to_owned(),
            |id| users.iter().find(|u| u.id == id).map_or_else(|| id.to_string(), |u| u.login.clone()),
        )
    };
    let entries = state
        .store
        .recent_audit(500)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: format::datetime(e.at),
            actor: name(e.actor),
            action: e.action,
            record: format!("{} {}", e.record_kind, e.record_id),
            detail: e.detail,
        })
        .collect();
    let page = AuditPage { layout: Layout::for_user("Audit log", &me), entries };
    Ok(Html(page.render()?))
}
