//! Shared application state: the store, the clinic's use cases, settings and in-memory caches.
//!
//! Built once at start-up and cloned cheaply into every handler (`Arc` inside). Holds no
//! per-user data; sessions live in the store.

use std::sync::Arc;

use tonus_store::Store;

use tonus_clinic::Clinic;

use crate::error::WebError;

/// How expensive password hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCost {
    /// Argon2id with the OWASP-recommended default parameters; use this in production.
    Standard,
    /// Argon2id with the smallest parameters, for tests only: hashes are quick to crack.
    MinimalForTests,
}

/// Settings the web layer needs besides the store.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (set when served behind https).
    pub secure_cookies: bool,
    /// Password hashing cost.
    pub password_cost: PasswordCost,
    /// How long a login lasts, seconds.
    pub session_ttl_secs: i64,
    /// How long a share link stays valid, seconds.
    pub share_link_ttl_secs: i64,
    /// Largest accepted request body (photo uploads), bytes.
    pub max_upload_bytes: usize,
    /// How many assessments may run on the engine at once.
    pub engine_permits: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client's address (for the login
    /// limiter); requests from any other peer are taken at their socket address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address clients reach the app at, for the links it hands out; `None` takes them
    /// from the request (`https` when `secure_cookies`).
    pub public_url: Option<String>,
    /// The browser module's directory (`cargo xtask wasm`'s `target/wasm`), served at
    /// `/wasm/`; `None` when it is not built.
    pub wasm_dir: Option<std::path::PathBuf>,
}

/// Everything a handler can reach (public only so `AppState` can deref to it; its fields
/// stay inside the crate).
#[derive(Debug)]
pub struct App {
    pub(crate) store: Arc<dyn Store>,
    /// The clinic's use cases (engine, audit log and store together).
    pub(crate) clinic: Clinic,
    pub(crate) settings: Settings,
    /// Sessions read in the last second.
    pub(crate) sessions: crate::auth::SessionCache,
    /// Rendered report pages, by what they depend on.
    pub(crate) reports: crate::report_cache::ReportCache,
    /// Verified against for unknown logins (see `auth::decoy_hash`).
    pub(crate) decoy_hash: String,
    /// Each account's logins one at a time (`login_guard::LoginTurns`).
    pub(crate) login_turns: crate::login_guard::LoginTurns,
}

/// The router's state: a cheap handle on the shared app (store, engine, settings).
#[derive(Debug, Clone)]
pub struct AppState(pub(crate) Arc<App>);

impl AppState {
    /// Wires the store and the embedded engine together.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Result<Self, WebError> {
        if settings.engine_permits == 0 {
            return Err(WebError::Config("engine permits must be at least 1".into()));
        }
        let engine = tonus_app::Engine::embedded().map_err(|err| WebError::Config(format!("engine failed to load: {err}")))?;
        let runner = tonus_clinic::engine::Runner::new(engine, settings.engine_permits)?;
        let audit = Arc::new(tonus_clinic::audit::GroupCommit::new(Arc::clone(&store)));
        let clinic = Clinic::new(Arc::clone(&store), runner, audit);
        let decoy_hash = crate::auth::decoy_hash(settings.password_cost)?;
        Ok(Self(Arc::new(App {
            store,
            clinic,
            settings,
            sessions: crate::auth::SessionCache::default(),
            reports: crate::report_cache::ReportCache::default(),
            decoy_hash,
            login_turns: crate::login_guard::LoginTurns::default(),
        })))
    }

    /// The settings the state was built with.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.0.store
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
