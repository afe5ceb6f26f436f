//! First-run setup: the one-time link printed at start-up creates the first account.
//!
//! There is no default password. The link's token is stored only as a hash, works once, and
//! stops working as soon as any account exists. The first account is an admin, who also works
//! as a practitioner.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{NewSession, NewUser, Role, Timestamp, token};

use crate::auth::{self, normalise_login};
use crate::error::WebError;
use crate::pages::Layout;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "setup/form.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    login: String,
    display_name: String,
    error: Option<String>,
}

pub(crate) async fn form(State(state): State<AppState>, Path(setup_token): Path<String>) -> Result<Html<String>, WebError> {
    if !state.store.setup_token_valid(&token::hash(&setup_token), Timestamp::now()).await? {
        return Err(WebError::NotFound);
    }
    let page = SetupPage {
        layout: Layout::anonymous("First-run setup"),
        token: setup_token,
        login: String::new(),
        display_name: String::new(),
        error: None,
    };
    Ok(Html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SetupForm {
    login: String,
    display_name: String,
    password: String,
    confirm: String,
}

/// Checks the fields of a new account; the message names the field.
pub(crate) fn check_account(login: &str, display_name: &str, password: &str, confirm: &str) -> Result<(), WebError> {
    if login.is_empty() || !login.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
        return Err(WebError::BadRequest("login name: use letters, digits and . _ - @ only".into()));
    }
    if display_name.trim().is_empty() {
        return Err(WebError::BadRequest("name: must not be empty".into()));
    }
    if password != confirm {
        return Err(WebError::BadRequest("password: the two entries differ".into()));
    }
    Ok(())
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Path(setup_token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response, WebError> {
    let login = normalise_login(&form.login);
    let outcome = async {
        check_account(&login, &form.display_name, &form.password, &form.confirm)?;
        let password_hash = auth::hash_password(state.settings.password_cost, &form.password, &login).await?;
        let user = state
            .store
            .redeem_setup_token(
                &token::hash(&setup_token),
                Timestamp::now(),
                NewUser {
                    login: login.clone(),
                    display_name: form.display_name.trim().into(),
                    role: Role::Admin,
                    password_hash,
                    must_change_password: false,
                },
            )
            .await
            .map_err(|err| match err {
                tonus_store::StoreError::Conflict => WebError::NotFound,
                other => other.into(),
            })?;
        Ok::<_, WebError>(user)
    }
    .await;
    let user = match outcome {
        Ok(user) => user,
        Err(WebError::BadRequest(message)) => {
            let page = SetupPage {
                layout: Layout::anonymous("First-run setup"),
                token: setup_token,
                login,
                display_name: form.display_name,
                error: Some(message),
            };
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
        Err(other) => return Err(other),
    };
    crate::audit::record(&state, Some(user.id), Action::Create, RecordKind::User, &user.id.to_string(), "first-run setup").await?;
    let session_token = token::generate()?;
    state
        .store
        .create_session(NewSession {
            token_hash: token::hash(&session_token),
            user: user.id,
            csrf_token: token::generate()?,
            expires_at: Timestamp::now().plus_seconds(state.settings.session_ttl_secs),
        })
        .await?;
    let mut response = Redirect::to("/clients").into_response();
    response.headers_mut().insert(header::SET_COOKIE, auth::cookie(&state, Some(&session_token)));
    Ok(response)
}
