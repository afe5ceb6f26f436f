//! Running the app: [`WebConfig`], [`serve`] and the first-run setup link.
//!
//! `serve` opens the store (running migrations), prints the setup link when there is no
//! account, listens, sweeps expired sessions hourly, and finishes in-flight requests on
//! SIGINT or SIGTERM before returning. Logging setup is the binary's job.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tonus_store::{Store, StoreConfig, Timestamp, token};

use crate::error::WebError;
use crate::state::{AppState, PasswordCost, Settings};

/// What `tonus serve` needs, resolved by the binary (no defaults here).
#[derive(Clone)]
pub struct WebConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data directory: photos go under `data_dir/photos`.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Pooled database connections.
    pub max_connections: u32,
    /// How many assessments may run on the engine at once.
    pub engine_permits: usize,
    /// Whether the app is served behind https (marks cookies `Secure`).
    pub behind_https: bool,
    /// How long a login lasts, seconds.
    pub session_ttl_secs: i64,
    /// How long share links stay valid, seconds.
    pub share_link_ttl_secs: i64,
    /// Largest request body (photo uploads), bytes.
    pub max_upload_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for the login limiter).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Audit lines older than this many days are archived to `data_dir/audit-archive` and
    /// removed from the database; `0` keeps them forever.
    pub audit_retention_days: u32,
    /// The address clients reach the app at (`https://clinic.example`), for the links the app
    /// hands out (share links, the setup link); `None` takes them from the request's `Host`.
    pub public_url: Option<String>,
    /// Backups taken by the server itself, on a schedule; `None` for none.
    pub backup: Option<BackupSchedule>,
    /// Serve HTTPS itself with these files; `None` for plain HTTP (or HTTPS by a reverse proxy,
    /// with `behind_https`). Either way with HTTPS, cookies are `Secure` and HSTS is sent.
    pub tls: Option<crate::tls::TlsFiles>,
    /// The browser module's directory, served at `/wasm/` ([`crate::default_wasm_dir`] when
    /// the configuration names none).
    pub wasm_dir: Option<PathBuf>,
}

/// `[backup]` in the config: where and how often `tonus serve` backs up, and how many to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupSchedule {
    /// The folder that holds the backups, one subfolder `tonus-YYYYMMDD-HHMMSS` each.
    pub dir: PathBuf,
    /// Hours between backups (the first one an interval after start).
    pub every_hours: u32,
    /// How many backups to keep, newest first; older ones are removed after a new one is whole.
    pub keep: usize,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &tonus_store::redact_url(&self.database_url))
            .field("max_connections", &self.max_connections)
            .field("engine_permits", &self.engine_permits)
            .field("behind_https", &self.behind_https)
            .field("session_ttl_secs", &self.session_ttl_secs)
            .field("share_link_ttl_secs", &self.share_link_ttl_secs)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("audit_retention_days", &self.audit_retention_days)
            .field("public_url", &self.public_url)
            .field("backup", &self.backup)
            .field("tls", &self.tls)
            .field("wasm_dir", &self.wasm_dir)
            .finish()
    }
}

impl WebConfig {
    /// A clinic on SQLite in `data_dir` (`tonus.db` beside `photos/`), on 127.0.0.1 with a port
    /// the system picks, plain HTTP, one engine permit, audit lines kept, no backups: for tools
    /// and tests that run the app or open its store directly. `tonus serve` builds its own from
    /// the configuration.
    pub fn sqlite_in(data_dir: &std::path::Path) -> WebConfig {
        WebConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.to_path_buf(),
            database_url: format!("sqlite://{}", data_dir.join("tonus.db").display()),
            max_connections: 4,
            engine_permits: 1,
            behind_https: false,
            session_ttl_secs: 3600,
            share_link_ttl_secs: 3600,
            max_upload_bytes: 1 << 20,
            trusted_proxies: Vec::new(),
            audit_retention_days: 0,
            public_url: None,
            backup: None,
            tls: None,
            wasm_dir: None,
        }
    }

    /// The store's part of the configuration.
    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            database_url: self.database_url.clone(),
            photos_dir: self.data_dir.join("photos"),
            max_connections: self.max_connections,
        }
    }

    /// The web layer's settings.
    pub fn settings(&self) -> Settings {
        Settings {
            secure_cookies: self.behind_https || self.tls.is_some(),
            password_cost: PasswordCost::Standard,
            session_ttl_secs: self.session_ttl_secs,
            share_link_ttl_secs: self.share_link_ttl_secs,
            max_upload_bytes: self.max_upload_bytes,
            engine_permits: self.engine_permits,
            trusted_proxies: self.trusted_proxies.clone(),
            public_url: self.public_url.clone(),
            wasm_dir: self.wasm_dir.clone(),
        }
    }

    /// Where pruned audit lines are archived.
    pub fn audit_archive_dir(&self) -> PathBuf {
        self.data_dir.join("audit-archive")
    }
}

/// When no account exists, creates a one-time setup token (valid 24 hours) and returns the
/// URL that redeems it; `None` once accounts exist.
pub async fn print_setup_link(store: &dyn Store, base_url: &str) -> Result<Option<String>, WebError> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let secret = token::generate()?;
    store.create_setup_token(&token::hash(&secret), Timestamp::now().plus_seconds(24 * 3600)).await?;
    Ok(Some(format!("{}/setup/{secret}", base_url.trim_end_matches('/'))))
}

/// Runs the clinic app until SIGINT or SIGTERM, then lets requests in flight finish.
pub async fn serve(config: WebConfig) -> Result<(), WebError> {
    serve_with_shutdown(config, shutdown_signal()).await
}

/// Runs the clinic app until `shutdown` completes, then lets requests in flight finish.
pub async fn serve_with_shutdown(config: WebConfig, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), WebError> {
    // One server per data directory: a second one would race the first for the same photos and
    // (with SQLite) the same database file.
    let _lock = lock_data_dir(&config.data_dir)?;
    let store_config = config.store_config();
    // Holding the lock, no other process is mid-write: what a crash or a full disk left half
    // written is only in the way.
    let swept = tonus_store::sweep_temporary_files(&store_config.photos_dir);
    if swept > 0 {
        tracing::info!(files = swept, "removed temporary files left by interrupted photo writes");
    }
    let store = tonus_store::connect(&store_config).await?;
    let state = AppState::new(store.clone(), config.settings())?;
    // Reports of an earlier format are recomputed once, before any page reads them.
    let upgraded = state.clinic.upgrade_reports().await?;
    if upgraded.recomputed > 0 || !upgraded.failed.is_empty() {
        tracing::info!(recomputed = upgraded.recomputed, failed = upgraded.failed.len(), "upgraded reports of an earlier format");
    }
    // Bad certificate files stop the start here, before anything listens.
    let acceptor = config.tls.as_ref().map(crate::tls::acceptor).transpose()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| WebError::Io { context: format!("cannot listen on {}", config.listen), source })?;
    let addr = listener.local_addr().map_err(|source| WebError::Io { context: "cannot read the listening address".into(), source })?;
    let scheme = if config.behind_https || acceptor.is_some() { "https" } else { "http" };
    // A wildcard address is not something to type into a browser; show loopback instead.
    let shown = if addr.ip().is_unspecified() {
        let loopback: std::net::IpAddr =
            if addr.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() };
        SocketAddr::new(loopback, addr.port())
    } else {
        addr
    };
    tracing::info!(%addr, database = %tonus_store::redact_url(&config.database_url), "tonus is listening");
    println!("Tonus is listening on {scheme}://{shown}");
    let base = config.public_url.clone().unwrap_or_else(|| format!("{scheme}://{shown}"));
    if let Some(url) = print_setup_link(store.as_ref(), &base).await? {
        println!("No account exists yet. Open this link once to create the first one (valid 24 hours):");
        println!("  {url}");
    }
    let retention = (config.audit_retention_days > 0).then(|| (i64::from(config.audit_retention_days), config.audit_archive_dir()));
    let sweeper = tokio::spawn(sweep(store, retention));
    let backups = config.backup.clone().map(|schedule| tokio::spawn(scheduled_backups(config.store_config(), schedule)));
    let served = match acceptor {
        Some(acceptor) => {
            crate::tls::serve(listener, acceptor, crate::router(state), shutdown).await;
            Ok(())
        }
        None => {
            let app = crate::router(state).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(|source| WebError::Io { context: format!("serving on {addr} failed"), source })
        }
    };
    sweeper.abort();
    if let Some(backups) = backups {
        backups.abort();
    }
    served
}

/// Takes a backup every `schedule.every_hours` into a new timestamped folder, hard-linking the
/// photos the newest earlier backup holds, then keeps the newest `schedule.keep`. A failed
/// backup is logged and tried again at the next interval; it leaves no folder behind.
async fn scheduled_backups(store: StoreConfig, schedule: BackupSchedule) {
    let every = Duration::from_secs(u64::from(schedule.every_hours.max(1)) * 3600);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let existing = backups_in(&schedule.dir);
        let dest = schedule.dir.join(format!("tonus-{}", backup_stamp(Timestamp::now())));
        match tonus_store::backup::backup(&store, &dest, existing.last().map(PathBuf::as_path)).await {
            Ok(done) => {
                tracing::info!(dir = %done.dir.display(), photos = done.manifest.photos.len(), linked = done.linked, "backup taken");
                prune_backups(&schedule.dir, schedule.keep);
            }
            Err(err) => tracing::error!(dir = %dest.display(), error = %err, "scheduled backup failed"),
        }
    }
}

/// Removes all but the newest `keep` (at least one) finished backups in `dir`; returns the
/// ones removed.
pub fn prune_backups(dir: &std::path::Path, keep: usize) -> Vec<PathBuf> {
    let all = backups_in(dir);
    let old = all[..all.len().saturating_sub(keep.max(1))].to_vec();
    for path in &old {
        if let Err(err) = std::fs::remove_dir_all(path) {
            tracing::warn!(dir = %path.display(), error = %err, "could not remove an old backup");
        }
    }
    old
}

/// The finished backups in `dir` (those with a manifest), oldest first.
pub fn backups_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("tonus-")))
        .filter(|p| p.join(tonus_store::backup::MANIFEST).is_file())
        .collect();
    found.sort();
    found
}

/// `YYYYMMDD-HHMMSS` in UTC, which sorts in time order.
pub fn backup_stamp(at: Timestamp) -> String {
    // 2026-11-29T23:59:59Z → 20261129-235959
    tonus_clinic::time::iso8601(at).chars().filter(char::is_ascii_digit).enumerate().fold(String::new(), |mut out, (i, c)| {
        if i == 8 {
            out.push('-');
        }
        out.push(c);
        out
    })
}

/// Takes the data directory's lock (`tonus.lock`, an advisory lock the operating system drops
/// when the process ends, however it ends) for as long as the returned file lives.
pub fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, WebError> {
    std::fs::create_dir_all(dir)
        .map_err(|source| WebError::Io { context: format!("cannot create the data directory {}", dir.display()), source })?;
    let path = dir.join("tonus.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| WebError::Io { context: format!("cannot open {}", path.display()), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(WebError::Config(format!(
            "another Tonus server is already using the data directory {} (it holds {}); stop that server first, \
             or give this one its own --data-dir",
            dir.display(),
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(source)) => Err(WebError::Io { context: format!("cannot lock {}", path.display()), source }),
    }
}

/// Hourly housekeeping: expired sessions, stale login-limiter records and, when a retention is
/// set, audit lines past it (archived first).
async fn sweep(store: std::sync::Arc<dyn Store>, audit_retention: Option<(i64, PathBuf)>) {
    use crate::login_guard::{ORIGIN_MEMORY_DAYS, RESTART_AFTER_SECS};
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = Timestamp::now();
        if let Err(err) = store.delete_expired_sessions(now).await {
            WebError::Store(err).log();
        }
        let stale_failures = now.plus_seconds(-RESTART_AFTER_SECS);
        if let Err(err) = store.prune_login_records(stale_failures, now.plus_seconds(-ORIGIN_MEMORY_DAYS * 86_400)).await {
            WebError::Store(err).log();
        }
        if let Some((days, dir)) = &audit_retention
            && let Err(err) = tonus_clinic::audit::archive_and_prune(store.as_ref(), dir, now.plus_seconds(-days * 86_400)).await
        {
            WebError::Clinic(err).log();
        }
    }
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_folders_sort_in_time_and_only_the_newest_are_kept() {
        assert_eq!(backup_stamp(Timestamp(0)), "19700101-000000");
        assert_eq!(backup_stamp(Timestamp(1_795_996_799_000)), "20261129-235959");
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str, finished: bool| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(&path).unwrap();
            if finished {
                std::fs::write(path.join(tonus_store::backup::MANIFEST), "{}").unwrap();
            }
            path
        };
        let oldest = make("tonus-20261127-020000", true);
        let middle = make("tonus-20261128-020000", true);
        let newest = make("tonus-20261129-020000", true);
        let unfinished = make("tonus-20261126-020000", false);
        let other = make("holiday-photos", true);
        assert_eq!(backups_in(dir.path()), vec![oldest.clone(), middle.clone(), newest.clone()]);
        assert_eq!(prune_backups(dir.path(), 2), vec![oldest.clone()]);
        assert!(!oldest.exists() && middle.exists() && newest.exists());
        assert!(unfinished.exists() && other.exists(), "only finished Tonus backups are pruned");
        assert_eq!(prune_backups(dir.path(), 0), vec![middle], "at least one is always kept");
        assert!(newest.exists());
    }
}
