//! The page frame (`Layout`, shared by every template), the start page and the health check.
//!
//! Leaves out page content: each resource module renders its own view model.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tonus_store::Role;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::WebError;
use crate::state::AppState;

/// What the frame shows: title, who is logged in, and the token its logout form needs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub role: Option<Role>,
    pub csrf: String,
}

impl Layout {
    pub(crate) fn anonymous(title: &str) -> Self {
        Self { title: title.into(), user_name: None, role: None, csrf: String::new() }
    }

    pub(crate) fn for_user(title: &str, user: &CurrentUser) -> Self {
        Self { title: title.into(), user_name: Some(user.user.display_name.clone()), role: Some(user.user.role), csrf: user.csrf.clone() }
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }

    pub(crate) fn is_staff(&self) -> bool {
        matches!(self.role, Some(Role::Admin | Role::Practitioner))
    }

    pub(crate) fn is_client(&self) -> bool {
        self.role == Some(Role::Client)
    }
}

/// `/`: sends each role to its start page.
pub(crate) async fn home(MaybeUser(user): MaybeUser) -> Response {
    match user.map(|u| u.user.role) {
        None => Redirect::to("/login").into_response(),
        Some(Role::Client) => Redirect::to("/me").into_response(),
        Some(_) => Redirect::to("/clients").into_response(),
    }
}

/// `/healthz`: 200 when the database answers and the photo folder takes a write; 503 otherwise,
/// with `"storage": "full"` when the disk is full (logins and saves would fail).
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    let backend = match state.store.backend() {
        tonus_store::Backend::Sqlite => "sqlite",
        tonus_store::Backend::Postgres => "postgres",
    };
    match state.store.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "database": backend})).into_response(),
        Err(err) => {
            let storage = if err.is_full() { "full" } else { "failing" };
            WebError::from(err).log();
            let body = serde_json::json!({"status": "unavailable", "database": backend, "storage": storage});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
