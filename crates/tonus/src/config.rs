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
}

impl Config {
    /// Loads defaults, the file (explicit or `./tonus.toml`), and the environment.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let defaults = RawConfig { knowledge_dir: None, assess: RawAssess::default(), simulate: RawSimulate::default() };
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
        let fig = fig.merge(Env::prefixed("TONUS_").split("__").ignore(&["config"]));
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
        Ok(Config {
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
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_is_valid() {
        let raw: RawConfig = toml::from_str(EXAMPLE).unwrap();
        let c = Config::resolve(raw).unwrap();
        assert_eq!(c.assess_format, "text");
        assert_eq!(c.simulate_weeks, 16);
    }
}
