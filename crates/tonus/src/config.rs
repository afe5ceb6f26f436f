//! Configuration: built-in defaults, then `tonus.toml`, then `TONUS_*` environment variables,
//! then command-line flags. `RawConfig` mirrors the file; `Config::resolve` validates it. All
//! defaults live here.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The example configuration, printed by `tonus config example`.
pub const EXAMPLE: &str = include_str!("../tonus.example.toml");

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Knowledge-base override folder.
    #[serde(default)]
    pub knowledge_dir: Option<PathBuf>,
    /// `tonus assess` settings.
    #[serde(default)]
    pub assess: RawAssess,
    /// `tonus simulate` settings.
    #[serde(default)]
    pub simulate: RawSimulate,
    /// `tonus serve` settings.
    #[serde(default)]
    pub serve: RawServe,
    /// Scheduled backups by `tonus serve`.
    #[serde(default)]
    pub backup: RawBackup,
}

/// `[backup]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackup {
    /// Folder for the backups; empty: no scheduled backups.
    pub dir: PathBuf,
    /// Hours between backups.
    pub every_hours: u32,
    /// Backups kept.
    pub keep: u32,
}

impl Default for RawBackup {
    fn default() -> Self {
        RawBackup { dir: PathBuf::new(), every_hours: 24, keep: 7 }
    }
}

/// `[serve]`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServe {
    /// Listen address.
    pub listen: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL; empty for SQLite in the data directory.
    pub database_url: String,
    /// Pool size.
    pub max_connections: u32,
    /// Engine permits; 0 = one per core.
    pub engine_permits: usize,
    /// Served over https.
    pub behind_https: bool,
    /// Session length, hours.
    pub session_hours: u32,
    /// Share link validity, days.
    pub share_link_days: u32,
    /// Upload limit, MiB.
    pub max_upload_mib: u32,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<String>,
    /// Days audit lines are kept before archiving; 0 = forever.
    pub audit_retention_days: u32,
    /// The address clients reach the app at, for links; empty = from each request.
    pub public_url: String,
    /// PEM certificate chain for HTTPS served by Tonus itself; empty: plain HTTP.
    pub tls_cert: PathBuf,
    /// PEM private key for `tls_cert`.
    pub tls_key: PathBuf,
    /// The browser module (`cargo xtask wasm`'s `target/wasm`); empty: `wasm/` beside the
    /// binary's directory, if built.
    pub wasm_dir: PathBuf,
}

impl Default for RawServe {
    fn default() -> Self {
        RawServe {
            listen: "127.0.0.1:8080".into(),
            data_dir: "tonus-data".into(),
            database_url: String::new(),
            max_connections: 8,
            engine_permits: 0,
            behind_https: false,
            session_hours: 12,
            share_link_days: 14,
            max_upload_mib: 20,
            trusted_proxies: Vec::new(),
            audit_retention_days: 730,
            public_url: String::new(),
            tls_cert: PathBuf::new(),
            tls_key: PathBuf::new(),
            wasm_dir: PathBuf::new(),
        }
    }
}

impl std::fmt::Debug for RawServe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawServe")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &tonus_store::redact_url(&self.database_url))
            .finish_non_exhaustive()
    }
}

/// `[assess]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssess {
    /// text, json, html.
    pub format: String,
}

/// `[simulate]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulate {
    /// Weeks.
    pub weeks: u32,
    /// 0–1.
    pub adherence: f64,
    /// text, json, csv.
    pub format: String,
}

impl Default for RawAssess {
    fn default() -> Self {
        RawAssess { format: "text".into() }
    }
}

impl Default for RawSimulate {
    fn default() -> Self {
        RawSimulate { weeks: 16, adherence: 1.0, format: "text".into() }
    }
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Knowledge-base override folder, checked to exist.
    pub knowledge_dir: Option<PathBuf>,
    /// Default `assess` format.
    pub assess_format: String,
    /// Default weeks.
    pub simulate_weeks: u32,
    /// Default adherence.
    pub simulate_adherence: f64,
    /// Default `simulate` format.
    pub simulate_format: String,
    /// `[serve]`, checked.
    pub serve: RawServe,
    /// The listen address, parsed.
    pub listen: std::net::SocketAddr,
    /// `serve.trusted_proxies`, parsed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `[backup]`, checked.
    pub backup: RawBackup,
}

impl Config {
    /// Loads defaults, the file (explicit or `./tonus.toml`), and the environment.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let defaults = RawConfig {
            knowledge_dir: None,
            assess: RawAssess::default(),
            simulate: RawSimulate::default(),
            serve: RawServe::default(),
            backup: RawBackup::default(),
        };
        let mut fig = Figment::from(Serialized::defaults(defaults));
        let env_file = std::env::var_os("TONUS_CONFIG").map(PathBuf::from);
        match explicit.map(Path::to_path_buf).or(env_file) {
            Some(path) => {
                if !path.is_file() {
                    bail!("config file {} does not exist", path.display());
                }
                fig = fig.merge(Toml::file_exact(&path));
            }
            None => {
                if Path::new("tonus.toml").is_file() {
                    fig = fig.merge(Toml::file_exact("tonus.toml"));
                }
            }
        }
        // Only variables that name configuration keys: others such as TONUS_TEST_POSTGRES_URL
        // (used by the tests) or TONUS_CONFIG are not configuration.
        let env = Env::prefixed("TONUS_").filter(|k| {
            let k = k.as_str().to_ascii_lowercase();
            k == "knowledge_dir" || ["assess__", "simulate__", "serve__", "backup__"].iter().any(|p| k.starts_with(p))
        });
        let fig = fig.merge(env.split("__"));
        let raw: RawConfig = fig.extract().map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        Config::resolve(raw)
    }

    /// Validates a raw configuration.
    pub fn resolve(raw: RawConfig) -> anyhow::Result<Config> {
        if let Some(dir) = raw.knowledge_dir.as_ref().filter(|d| !d.is_dir()) {
            bail!("knowledge_dir {} is not a folder", dir.display());
        }
        check_format("assess.format", &raw.assess.format, &["text", "json", "html"])?;
        check_format("simulate.format", &raw.simulate.format, &["text", "json", "csv"])?;
        if !(0.0..=1.0).contains(&raw.simulate.adherence) {
            bail!("simulate.adherence {} is outside 0–1", raw.simulate.adherence);
        }
        if !(1..=520).contains(&raw.simulate.weeks) {
            bail!("simulate.weeks {} is outside 1–520", raw.simulate.weeks);
        }
        let listen = raw
            .serve
            .listen
            .parse()
            .map_err(|_| anyhow::anyhow!("serve.listen \"{}\" is not an address such as 127.0.0.1:8080", raw.serve.listen))?;
        let url = &raw.serve.database_url;
        if !(url.is_empty() || url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!("serve.database_url \"{}\" must start with sqlite: or postgres://", tonus_store::redact_url(url));
        }
        if raw.serve.max_connections == 0 || raw.serve.session_hours == 0 || raw.serve.share_link_days == 0 || raw.serve.max_upload_mib == 0
        {
            bail!("serve.max_connections, session_hours, share_link_days and max_upload_mib must be positive");
        }
        let trusted_proxies = raw
            .serve
            .trusted_proxies
            .iter()
            .map(|p| p.parse().map_err(|_| anyhow::anyhow!("serve.trusted_proxies: \"{p}\" is not an IP address such as 127.0.0.1")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if !raw.backup.dir.as_os_str().is_empty() && (raw.backup.every_hours == 0 || raw.backup.keep == 0) {
            bail!("backup.every_hours and backup.keep must be positive when backup.dir is set");
        }
        Ok(Config {
            backup: raw.backup.clone(),
            serve: raw.serve.clone(),
            listen,
            trusted_proxies,
            knowledge_dir: raw.knowledge_dir,
            assess_format: raw.assess.format,
            simulate_weeks: raw.simulate.weeks,
            simulate_adherence: raw.simulate.adherence,
            simulate_format: raw.simulate.format,
        })
    }
}

fn check_format(key: &str, value: &str, allowed: &[&str]) -> anyhow::Result<()> {
    if allowed.contains(&value) { Ok(()) } else { bail!("{key} \"{value}\" is not one of {}", allowed.join(", ")) }
}

/// Reads a file with the path in the error.
pub fn read(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        // Not text: bad input (exit 3), not a failure to read.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(tonus_app::AppError::from(tonus_app::InputError::whole(
            &path.display().to_string(),
            "not UTF-8 text; save it as UTF-8 (TOML or JSON)".into(),
        ))
        .into()),
        other => other.with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(tonus_store::redact_url("postgres://tonus:secret@db/tonus"), "postgres://tonus:***@db/tonus");
        assert_eq!(tonus_store::redact_url("sqlite://data/tonus.db"), "sqlite://data/tonus.db");
        assert!(!format!("{:?}", RawServe { database_url: "postgres://a:pw@h/d".into(), ..RawServe::default() }).contains("pw"));
    }

    #[test]
    fn example_config_is_valid() {
        let raw: RawConfig = toml::from_str(EXAMPLE).unwrap();
        let c = Config::resolve(raw).unwrap();
        assert_eq!(c.assess_format, "text");
        assert_eq!(c.simulate_weeks, 16);
    }
}
