//! tonus-web: the clinic app behind `tonus serve` — pages, JSON API, accounts and sessions.
//!
//! [`router`] builds the whole app from an [`AppState`] (tests call it with no socket);
//! [`serve`] opens the store, prints the first-run setup link when there is no account yet,
//! listens and shuts down gracefully on SIGINT/SIGTERM; [`load_demo`] fills a store with the
//! example personas for `tonus demo`. Handlers are thin: they check access, call the store or
//! the clinic's use cases (`tonus-clinic`, which also writes their audit lines) and render a
//! view.
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
mod body_chart;
mod client_details;
mod clients;
mod clinic_settings;
mod demo;
mod desk;
mod desk_local;
mod error;
mod export;
mod fhir;
mod form;
mod format;
mod handout;
mod home;
mod intake_form;
mod login_guard;
mod openapi;
mod pages;
mod password;
mod plan_editor;
mod progress;
mod report_cache;
mod security;
mod serve;
mod setup;
mod state;
mod tls;
mod users;
mod visual;
mod wasm;

use axum::Router;
use axum::extract::DefaultBodyLimit;

pub use demo::{DemoSummary, load_demo, load_demo_into};
pub use desk_local::{DaysFile, DeskLocalConfig, serve_desk, serve_desk_with_shutdown};
pub use error::WebError;
pub use serve::{
    BackupSchedule, WebConfig, backup_stamp, backups_in, lock_data_dir, print_setup_link, prune_backups, serve, serve_with_shutdown,
};
pub use state::{AppState, PasswordCost, Settings};
pub use tls::TlsFiles;
pub use wasm::default_dir as default_wasm_dir;

/// Declares routes once: `$build` adds them to a router and `$list` names every
/// (method, path) pair, so the authorisation test is generated from what the router serves.
macro_rules! routes {
    ($vis:vis fn $build:ident, const $list:ident; $($path:literal => $first:ident($h:path) $(. $m:ident($hs:path))* $(, layer($layer:expr))? ;)*) => {
        /// Every (method, path) these routes serve; methods in lower case.
        $vis const $list: &[(&str, &str)] = &[$( (stringify!($first), $path), $( (stringify!($m), $path), )* )*];

        fn $build(router: axum::Router<crate::state::AppState>) -> axum::Router<crate::state::AppState> {
            router $( .route($path, $crate::routes!(@layer axum::routing::$first($h) $(.$m($hs))* $(, $layer)?)) )*
        }
    };
    (@layer $route:expr) => { $route };
    (@layer $route:expr, $layer:expr) => { $route.layer($layer) };
}
pub(crate) use routes;

routes! {
    fn page_routes, const PAGE_ROUTES;
    "/" => get(pages::home);
    "/healthz" => get(pages::healthz);
    "/assets/{file}" => get(assets::asset);
    "/wasm/{file}" => get(wasm::file);
    "/setup/{token}" => get(setup::form).post(setup::submit);
    "/login" => get(auth::login_form).post(auth::login), layer(DefaultBodyLimit::max(auth::LOGIN_BODY_LIMIT));
    "/logout" => post(auth::logout);
    "/me" => get(home::me);
    "/me/ticks" => post(home::tick);
    "/me/pain" => post(home::pain);
    "/desk" => get(desk::page);
    "/desk-sw.js" => get(assets::desk_worker);
    "/desk.webmanifest" => get(assets::desk_manifest);
    "/account/password" => get(auth::password_form).post(auth::change_password);
    "/admin/users" => get(users::list).post(users::create);
    "/admin/clinic" => get(clinic_settings::show).post(clinic_settings::save);
    "/admin/users/{id}/disable" => post(users::disable);
    "/admin/users/{id}/enable" => post(users::enable);
    "/admin/users/{id}/password" => post(users::reset_password);
    "/admin/audit" => get(users::audit_log);
    "/clients" => get(clients::list).post(clients::create);
    "/clients/import" => post(fhir::import);
    "/clients/{id}" => get(clients::show).post(clients::update);
    "/clients/{id}/details" => post(client_details::save);
    "/clients/{id}/notes" => post(clients::add_note);
    "/clients/{id}/account" => post(clients::create_account);
    "/clients/{id}/share-links" => post(clients::create_share_link);
    "/clients/{id}/share-links/{link}/revoke" => post(clients::revoke_share_link);
    "/clients/{id}/export" => get(clients::export);
    "/clients/{id}/export.zip" => get(export::download_zip);
    "/clients/{id}/export.fhir.json" => get(fhir::download);
    "/fhir/metadata" => get(fhir::metadata);
    "/fhir/Patient/{id}" => get(fhir::patient);
    "/fhir/Patient/{id}/$everything" => get(fhir::everything);
    "/fhir/Observation" => get(fhir::observations);
    "/clients/{id}/erase" => get(clients::erase_form).post(clients::erase);
    "/clients/{id}/handout" => get(handout::for_client);
    "/clients/{id}/progress" => get(progress::show);
    "/clients/{id}/compare" => get(visual::compare);
    "/clients/{id}/what-if" => get(visual::what_if);
    "/clients/{id}/what-if/chart" => get(visual::what_if_fragment);
    "/assessments/{id}/landmarks/{set}/correct" => post(visual::correct);
    "/clients/{id}/assessments/new" => get(assessments::new_form);
    "/clients/{id}/assessments" => post(assessments::create);
    "/assessments/{id}" => get(assessments::show).post(assessments::save);
    "/assessments/{id}/edit" => get(assessments::edit);
    "/assessments/{id}/photos" => post(assessments::upload_photo);
    "/assessments/{id}/capture" => get(assessments::capture);
    "/assessments/{id}/landmarks" => post(assessments::upload_landmarks);
    "/assessments/{id}/plan" => get(plan_editor::show).post(plan_editor::save);
    "/assessments/{id}/plan/review" => post(plan_editor::review);
    "/assessments/{id}/recompute" => post(assessments::recompute);
    "/photos/{id}" => get(assessments::photo);
    "/photos/{id}/delete" => post(assessments::delete_photo);
    "/assessments/{id}/delete" => post(assessments::delete_draft);
    "/share/{token}" => get(handout::shared);
}

/// Every (method, path) the app serves, pages and API, methods in upper case: what the
/// authorisation test must cover.
pub fn route_list() -> Vec<(String, String)> {
    let pages = PAGE_ROUTES.iter().map(|(m, p)| (m.to_ascii_uppercase(), (*p).to_owned()));
    let api = api::API_ROUTES.iter().map(|(m, p)| (m.to_ascii_uppercase(), format!("/api{p}")));
    pages.chain(api).collect()
}

/// Builds the whole app: pages, API, assets and health check.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.settings().max_upload_bytes;
    let app = page_routes(Router::new())
        .nest("/api", api::routes())
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(axum::middleware::from_fn(security::headers_and_origin));
    // Served over HTTPS: browsers are told to use nothing else for a year.
    let app = if state.settings().secure_cookies { app.layer(axum::middleware::from_fn(security::hsts)) } else { app };
    app.with_state(state)
}
