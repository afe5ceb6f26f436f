//! The `tonus` binary: parses the command line, loads the configuration, wires the app layer
//! and prints results. It holds no domain logic.
//!
//! Exit codes (documented in the README): 0 success; 1 an IO or internal error; 2 a usage
//! error (from clap); 3 invalid input (a file, line or field is named); 4 an invalid knowledge
//! base or configuration.

#![forbid(unsafe_code)]

mod config;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use tonus_app::intake::Format;
use tonus_app::{AppError, Engine, render, simulate};

use crate::config::Config;

/// Tonus: posture, muscle imbalance, pain and the corrective plan.
#[derive(Debug, Parser)]
#[command(name = "tonus", version, about, long_about = None)]
struct Cli {
    /// Configuration file (default: ./tonus.toml, or TONUS_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of knowledge-base overrides (*.toml named like the embedded files).
    #[arg(long, global = true, value_name = "DIR")]
    knowledge: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assess a client: intake (+ landmark sets) → metrics → muscle states → pain → plan.
    Assess {
        /// Intake file (TOML or JSON).
        #[arg(long, value_name = "FILE")]
        intake: PathBuf,
        /// Landmark file (JSON, MediaPipe's 33 landmarks); repeat for several photos.
        #[arg(long, value_name = "FILE")]
        landmarks: Vec<PathBuf>,
        /// Output format (default from config: text).
        #[arg(long, value_enum)]
        format: Option<AssessFormat>,
    },
    /// Simulate the imbalance over weeks with and without the plan (illustrative).
    Simulate {
        /// Intake file (TOML or JSON).
        #[arg(long, value_name = "FILE")]
        intake: PathBuf,
        /// Weeks to simulate (1–520).
        #[arg(long)]
        weeks: Option<u32>,
        /// Share of the plan carried out, 0–1.
        #[arg(long)]
        adherence: Option<f64>,
        /// Output format (default from config: text).
        #[arg(long, value_enum)]
        format: Option<SimulateFormat>,
    },
    /// Progress across saved reports (`assess --format json`): each measure over time, with
    /// changes judged against its real-change threshold.
    Progress {
        /// Report files (JSON), in any order; they are sorted by assessment date.
        #[arg(required = true, value_name = "REPORT")]
        reports: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: SimulateFormatOrHtml,
    },
    /// Browse the knowledge base.
    Knowledge {
        #[command(subcommand)]
        action: KnowledgeAction,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Subcommand)]
enum KnowledgeAction {
    /// List every entry: kind, id, name.
    List,
    /// Show one entry as TOML.
    Show {
        /// The entry's id.
        id: String,
    },
    /// Print the whole effective knowledge base (embedded plus overrides) as TOML.
    Export,
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print an example tonus.toml with every key documented.
    Example,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AssessFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SimulateFormatOrHtml {
    Text,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SimulateFormat {
    Text,
    Json,
    Csv,
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let code = match error.downcast_ref::<AppError>() {
            Some(AppError::Input(_)) => 3,
            Some(AppError::Knowledge(_)) => 4,
            _ => 1,
        };
        Failure { code, error }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Config { action: ConfigAction::Example } = cli.command {
        print(config::EXAMPLE)?;
        return Ok(());
    }
    let config = Config::load(cli.config.as_deref()).map_err(|error| Failure { code: 4, error })?;
    let knowledge_dir = cli.knowledge.clone().or(config.knowledge_dir.clone());
    let engine = match &knowledge_dir {
        Some(dir) => Engine::with_overrides(dir),
        None => Engine::embedded(),
    }
    .map_err(anyhow::Error::from)?;

    match cli.command {
        Command::Assess { intake, landmarks, format } => {
            let (name, parsed) = read_intake(&intake)?;
            let mut sets = Vec::new();
            for path in &landmarks {
                let name = path.display().to_string();
                let text = config::read(path)?;
                let file = tonus_app::landmarks::parse(&text, &name).map_err(AppError::from).map_err(anyhow::Error::from)?;
                sets.push((name, file));
            }
            let report = engine.assess(&parsed, &name, &sets).map_err(anyhow::Error::from)?;
            let format = format.map_or(config.assess_format.as_str(), |f| match f {
                AssessFormat::Text => "text",
                AssessFormat::Json => "json",
                AssessFormat::Html => "html",
            });
            let out = match format {
                "json" => serde_json::to_string_pretty(&report).context("serialising the report")? + "\n",
                "html" => {
                    // The HTML report carries the what-if chart at the configured adherence.
                    let sim =
                        engine.simulate(&parsed, &name, config.simulate_weeks, config.simulate_adherence).map_err(anyhow::Error::from)?;
                    render::render_html_with(&report, Some(&sim))
                }
                _ => render::render_text(&report),
            };
            print(&out)?;
        }
        Command::Simulate { intake, weeks, adherence, format } => {
            let (name, parsed) = read_intake(&intake)?;
            let sim = engine
                .simulate(&parsed, &name, weeks.unwrap_or(config.simulate_weeks), adherence.unwrap_or(config.simulate_adherence))
                .map_err(anyhow::Error::from)?;
            let format = format.map_or(config.simulate_format.as_str(), |f| match f {
                SimulateFormat::Text => "text",
                SimulateFormat::Json => "json",
                SimulateFormat::Csv => "csv",
            });
            let out = match format {
                "json" => serde_json::to_string_pretty(&sim).context("serialising the simulation")? + "\n",
                "csv" => simulate::render_csv(&sim),
                _ => simulate::render_text(&sim, engine.kb()),
            };
            print(&out)?;
        }
        Command::Progress { reports, format } => {
            let mut parsed = Vec::new();
            for path in &reports {
                let text = config::read(path)?;
                let name = path.display().to_string();
                let r: tonus_app::report::Report = serde_json::from_str(&text)
                    .map_err(|e| AppError::from(tonus_app::InputError::json(&name, &e)))
                    .map_err(anyhow::Error::from)?;
                parsed.push(r);
            }
            let client = parsed[0].client.name.clone();
            if let Some(other) = parsed.iter().find(|r| r.client.name != client) {
                let e = tonus_app::InputError::whole(
                    "REPORT",
                    format!("the reports are for different clients ({client} and {})", other.client.name),
                );
                return Err(anyhow::Error::from(AppError::from(e)).into());
            }
            let series = tonus_app::progress::series(&parsed, engine.kb());
            let out = match format {
                SimulateFormatOrHtml::Json => serde_json::to_string_pretty(&series).context("serialising the progress")? + "\n",
                SimulateFormatOrHtml::Html => tonus_app::progress::render_html(&client, &series),
                SimulateFormatOrHtml::Text => tonus_app::progress::render_text(&client, &series),
            };
            print(&out)?;
        }
        Command::Knowledge { action } => {
            let kb = engine.kb();
            let out = match action {
                KnowledgeAction::List => {
                    let mut s = String::new();
                    for (kind, id, name) in kb.index() {
                        s.push_str(&format!("{kind:<18} {id:<44} {name}\n"));
                    }
                    s
                }
                KnowledgeAction::Show { id } => match kb.show(&id) {
                    Some(s) => s,
                    None => {
                        let e = tonus_app::InputError::whole(
                            &id,
                            "no knowledge-base entry has this id; `tonus knowledge list` shows them all".into(),
                        );
                        return Err(anyhow::Error::from(AppError::from(e)).into());
                    }
                },
                KnowledgeAction::Export => kb.export(),
            };
            print(&out)?;
        }
        Command::Config { .. } => unreachable!("handled before loading the configuration"),
    }
    Ok(())
}

fn read_intake(path: &Path) -> Result<(String, tonus_app::intake::Intake), Failure> {
    let name = path.display().to_string();
    let text = config::read(path)?;
    let intake = tonus_app::intake::parse(&text, Format::from_name(&name), &name).map_err(AppError::from).map_err(anyhow::Error::from)?;
    Ok((name, intake))
}

/// Writes to stdout; a closed pipe (`tonus ... | head`) is not an error.
fn print(s: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout").map_err(Failure::from),
    }
}
