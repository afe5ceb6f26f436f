//! tonus-web: the clinic app behind `tonus serve` — pages, JSON API, accounts and sessions.
//!
//! [`router`] builds the whole app from an [`AppState`] (tests call it with no socket);
//! [`serve`] opens the store, prints the first-run setup link when there is no account yet,
//! listens and shuts down gracefully on SIGINT/SIGTERM; [`load_demo`] fills a store with the
//! example personas for `tonus demo`. Handlers are thin: they check access, call the store or
//! the engine adapter (`engine.rs`, the only module that names `tonus_app`) and render a view.
//!
//! Left out on purpose: argv, env vars and config files (the binary reads them and passes a
//! [`WebConfig`]), SQL (in `tonus-store`) and clinical rules (in `tonus-core`/`tonus-app`).

#![forbid(unsafe_code)]

mod access;
mod api;
mod assessments;
mod assets;
mod audit;
mod auth;
mod clients;
mod demo;
mod engine;
mod error;
mod export;
mod form;
mod format;
mod handout;
mod intake_form;
mod login_guard;
mod openapi;
mod pages;
mod progress;
mod records;
mod report_cache;
mod security;
mod serve;
mod setup;
mod state;
mod users;
mod visual;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use demo::{DemoSummary, load_demo, load_demo_into};
pub use error::WebError;
pub use records::{ClientSummary, ExportFormat, erase_client, export_client, list_clients};
pub use serve::{WebConfig, print_setup_link, serve, serve_with_shutdown};
pub use state::{AppState, PasswordCost, Settings};

/// Builds the whole app: pages, API, assets and health check.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.settings().max_upload_bytes;
    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(pages::healthz))
        .route("/assets/{file}", get(assets::asset))
        .route("/setup/{token}", get(setup::form).post(setup::submit))
        .route("/login", get(auth::login_form).post(auth::login).layer(DefaultBodyLimit::max(auth::LOGIN_BODY_LIMIT)))
        .route("/logout", post(auth::logout))
        .route("/me", get(handout::me))
        .route("/account/password", get(auth::password_form).post(auth::change_password))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route("/admin/users/{id}/password", post(users::reset_password))
        .route("/admin/audit", get(users::audit_log))
        .route("/clients", get(clients::list).post(clients::create))
        .route("/clients/{id}", get(clients::show).post(clients::update))
        .route("/clients/{id}/notes", post(clients::add_note))
        .route("/clients/{id}/account", post(clients::create_account))
        .route("/clients/{id}/share-links", post(clients::create_share_link))
        .route("/clients/{id}/share-links/{link}/revoke", post(clients::revoke_share_link))
        .route("/clients/{id}/export", get(clients::export))
        .route("/clients/{id}/export.zip", get(export::download_zip))
        .route("/clients/{id}/erase", get(clients::erase_form).post(clients::erase))
        .route("/clients/{id}/handout", get(handout::for_client))
        .route("/clients/{id}/progress", get(progress::show))
        .route("/clients/{id}/compare", get(visual::compare))
        .route("/clients/{id}/what-if", get(visual::what_if))
        .route("/clients/{id}/what-if/chart", get(visual::what_if_fragment))
        .route("/assessments/{id}/landmarks/{set}/correct", post(visual::correct))
        .route("/clients/{id}/assessments/new", get(assessments::new_form))
        .route("/clients/{id}/assessments", post(assessments::create))
        .route("/assessments/{id}", get(assessments::show).post(assessments::save))
        .route("/assessments/{id}/edit", get(assessments::edit))
        .route("/assessments/{id}/photos", post(assessments::upload_photo))
        .route("/assessments/{id}/landmarks", post(assessments::upload_landmarks))
        .route("/assessments/{id}/plan", get(assessments::plan_form).post(assessments::plan_save))
        .route("/assessments/{id}/recompute", post(assessments::recompute))
        .route("/photos/{id}", get(assessments::photo))
        .route("/share/{token}", get(handout::shared))
        .nest("/api", api::routes())
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(axum::middleware::from_fn(security::headers_and_origin))
        .with_state(state)
}
