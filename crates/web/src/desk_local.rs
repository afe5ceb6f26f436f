//! `tonus desk`: the desk page for a client without a clinic server. The same page, script,
//! service worker and pose module as the clinic app's `/desk`, served on this computer's
//! loopback address only, with no accounts; the exercises come from a report the therapist
//! saved (`tonus assess --format json`), and the day totals the page sends are kept in a JSON
//! file here ([`DaysFile`]) instead of the clinic's database.
//!
//! Other web sites the client visits can reach a loopback server too, so every write needs
//! the token this run put in its page, and every request must name this server as its `Host`
//! (a page on another site that re-points its own name at 127.0.0.1 cannot).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tonus_store::DeskDay;

use crate::api::DeskDaysBody;
use crate::desk::{self, Sync};
use crate::error::{ApiError, WebError};
use crate::pages::Layout;

/// What `tonus desk` runs with.
pub struct DeskLocalConfig {
    /// A loopback address (`127.0.0.1:8091`); anything else is refused.
    pub listen: SocketAddr,
    /// The browser module's directory (`cargo xtask wasm`'s `target/wasm`).
    pub wasm_dir: Option<PathBuf>,
    /// Where the day totals are kept.
    pub days_file: PathBuf,
    /// The plan the breaks take their exercises from; `None` (no report, or one whose red
    /// flags block the plan) makes every break a walk.
    pub plan: Option<tonus_app::report::PlanView>,
    /// The knowledge base the page's settings and thresholds come from.
    pub engine: tonus_app::Engine,
}

impl std::fmt::Debug for DeskLocalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskLocalConfig")
            .field("listen", &self.listen)
            .field("wasm_dir", &self.wasm_dir)
            .field("days_file", &self.days_file)
            .field("plan", &self.plan.is_some())
            .finish_non_exhaustive()
    }
}

struct Local {
    config: DeskLocalConfig,
    /// The token the page sends with its writes; new on every run.
    token: String,
    /// The `Host` values this server answers to.
    hosts: Vec<String>,
    /// One write to the days file at a time.
    write: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct LocalState(Arc<Local>);

/// The day totals kept by `tonus desk`, one entry per day, each field the largest value sent
/// for it (as the clinic's database keeps them).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaysFile {
    pub days: Vec<DeskDay>,
}

impl DaysFile {
    /// Reads the file; a missing file is no days yet, and a file that is not ours is an error
    /// naming it (it is never written over).
    pub fn read(path: &Path) -> Result<DaysFile, WebError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                WebError::Config(format!("{}: not a Tonus desk days file ({e}); move it away or choose another --days", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DaysFile::default()),
            Err(source) => Err(WebError::Io { context: format!("cannot read {}", path.display()), source }),
        }
    }

    /// Adds `days`, keeping each field's larger value for a day already here; sorted by day.
    pub fn merge(&mut self, days: Vec<DeskDay>) {
        for day in days {
            match self.days.iter_mut().find(|d| d.day == day.day) {
                Some(kept) => kept.keep_larger(&day),
                None => self.days.push(day),
            }
        }
        self.days.sort_by(|a, b| a.day.cmp(&b.day));
    }

    /// Writes the whole file through a temporary file and a rename, so a crash or a full disk
    /// leaves the previous version whole.
    pub fn write(&self, path: &Path) -> Result<(), WebError> {
        let io = |context: String| move |source| WebError::Io { context, source };
        let text = serde_json::to_string_pretty(self).map_err(|e| WebError::Engine(format!("desk days: {e}")))?;
        let tmp = path.with_extension("json.partial");
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()
        };
        if let Err(source) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(format!("cannot write {}", tmp.display()))(source));
        }
        std::fs::rename(&tmp, path).map_err(io(format!("cannot replace {}", path.display())))
    }
}

/// Serves the desk page on `config.listen` until Ctrl-C or SIGTERM. Prints the address to
/// open.
pub async fn serve_desk(config: DeskLocalConfig) -> Result<(), WebError> {
    serve_desk_with_shutdown(config, crate::serve::shutdown_signal()).await
}

/// [`serve_desk`] until `shutdown` completes.
pub async fn serve_desk_with_shutdown(
    config: DeskLocalConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    if !config.listen.ip().is_loopback() {
        return Err(WebError::Config(format!(
            "--listen {}: tonus desk serves this computer only; use 127.0.0.1 or [::1] with a port",
            config.listen
        )));
    }
    // A file that is not ours stops the start, before the page could lose a day to it.
    DaysFile::read(&config.days_file)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| WebError::Io { context: format!("cannot listen on {}", config.listen), source })?;
    let addr = listener.local_addr().map_err(|source| WebError::Io { context: "cannot read the listening address".into(), source })?;
    let port = addr.port();
    let hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
    let shown = if addr.is_ipv4() { format!("http://localhost:{port}/desk") } else { format!("http://[::1]:{port}/desk") };
    let days_file = config.days_file.display().to_string();
    let token = tonus_store::token::generate()?;
    let state = LocalState(Arc::new(Local { config, token, hosts, write: tokio::sync::Mutex::new(()) }));
    println!("Tonus desk is at {shown} (this computer only). Day totals are kept in {days_file}.");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| WebError::Io { context: format!("serving on {addr} failed"), source })
}

fn router(state: LocalState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/desk") }))
        .route("/desk", get(page))
        .route("/desk-sw.js", get(crate::assets::desk_worker))
        .route("/desk.webmanifest", get(crate::assets::desk_manifest))
        .route("/assets/{file}", get(crate::assets::asset))
        .route("/wasm/{file}", get(wasm))
        .route("/api/desk/days", post(put_days))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn(crate::security::headers_and_origin))
        .layer(axum::middleware::from_fn_with_state(state.clone(), only_this_host))
        .with_state(state)
}

/// Refuses a request whose `Host` is not this server's loopback address (DNS rebinding).
async fn only_this_host(State(state): State<LocalState>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !state.0.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return (StatusCode::MISDIRECTED_REQUEST, "tonus desk answers only at localhost").into_response();
    }
    next.run(request).await
}

async fn page(State(state): State<LocalState>) -> Result<Html<String>, WebError> {
    let local = &state.0;
    let layout = Layout { csrf: local.token.clone(), ..Layout::anonymous("At my desk") };
    let exercises = desk::exercises_of(local.config.plan.as_ref(), local.config.engine.kb());
    let file = local.config.days_file.display().to_string();
    Ok(Html(desk::render(local.config.engine.kb(), exercises, layout, Sync::Local, "tonus-desk".into(), file)?))
}

async fn wasm(State(state): State<LocalState>, UrlPath(name): UrlPath<String>, headers: HeaderMap) -> Result<Response, WebError> {
    crate::wasm::serve(state.0.config.wasm_dir.as_deref(), &name, &headers).await
}

/// `POST /api/desk/days`: the page's day totals into the days file (errors as the API's JSON).
async fn put_days(State(state): State<LocalState>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let local = &state.0;
    if headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != Some(local.token.as_str()) {
        return Err(WebError::Csrf.into());
    }
    let body: DeskDaysBody = serde_json::from_slice(&body).map_err(|e| WebError::BadRequest(format!("days: {e}")))?;
    let days = body.into_days()?;
    let stored = days.len();
    let _one_at_a_time = local.write.lock().await;
    let path = local.config.days_file.clone();
    tokio::task::spawn_blocking(move || {
        let mut file = DaysFile::read(&path)?;
        file.merge(days);
        file.write(&path)
    })
    .await
    .map_err(|e| WebError::Engine(format!("saving the desk days: {e}")))?
    .map_err(ApiError)?;
    Ok(axum::Json(serde_json::json!({ "stored": stored })).into_response())
}
