//! The `tonus` binary: parses the command line, loads the configuration, wires the app layer
//! and prints results. It holds no domain logic.
//!
//! Exit codes (documented in the README): 0 success; 1 an IO or internal error; 2 a usage
//! error (from clap); 3 invalid input (a file, line or field is named); 4 an invalid knowledge
//! base or configuration.

#![forbid(unsafe_code)]

mod config;
mod photos;
mod records;

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
        /// Photo (JPEG, PNG or WebP) to measure with the pose model; repeat for several.
        #[arg(long, value_name = "FILE")]
        photo: Vec<PathBuf>,
        /// Pose model for --photo.
        #[arg(long, value_enum, default_value = "full")]
        model: photos::Model,
        /// Whether the photos show the client sitting or standing.
        #[arg(long, value_enum, default_value = "sitting")]
        posture: photos::PostureArg,
        /// Output format (default from config: text).
        #[arg(long, value_enum)]
        format: Option<AssessFormat>,
        /// Who the text or HTML is for: the clinician (everything, with the differential
        /// causes) or the client (plain words).
        #[arg(long, value_enum, default_value = "clinician")]
        audience: AudienceArg,
    },
    /// Find the 33 body landmarks on photos with the pose model (BlazePose, on the CPU, offline).
    /// A folder is measured in a batch on every core.
    Pose {
        /// Photos (JPEG, PNG, WebP) or folders of photos.
        #[arg(required = true, value_name = "PHOTO")]
        photos: Vec<PathBuf>,
        /// Print the landmarks as landmark files (JSON), ready for `assess --landmarks`.
        #[arg(long)]
        json: bool,
        /// Write the photo with the landmarks, lines and angles drawn: a PNG file for one photo,
        /// a folder for several.
        #[arg(long, value_name = "OUT")]
        annotate: Option<PathBuf>,
        /// Landmark model.
        #[arg(long, value_enum, default_value = "full")]
        model: photos::Model,
        /// Whether the photos show the client sitting or standing.
        #[arg(long, value_enum, default_value = "sitting")]
        posture: photos::PostureArg,
        /// The view, when known (detected from the landmarks otherwise).
        #[arg(long, value_enum)]
        view: Option<photos::ViewArg>,
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
        #[arg(long, allow_negative_numbers = true)]
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
    /// Run the clinic app: accounts, clients, assessments, plans and reports, on SQLite in the
    /// data directory (default) or on PostgreSQL.
    Serve {
        #[command(flatten)]
        web: WebArgs,
        /// Serve HTTPS with this PEM certificate chain (with --tls-key), for a clinic without a
        /// reverse proxy.
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key that goes with --tls-cert.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Run the clinic app on a fresh demo database holding the three example personas, with a
    /// demo login printed at start. The demo data directory is recreated on every run.
    Demo {
        #[command(flatten)]
        web: WebArgs,
    },
    /// The desk companion for a client without a clinic server: the desk page on this
    /// computer only (http://localhost), breaks with the exercises of a saved report, day
    /// totals kept in a file here. The camera picture never leaves the browser.
    Desk {
        /// A report saved with `assess --format json`: the breaks take their exercises from
        /// its plan's phase of today (without one, a break is a walk).
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Loopback address to listen on.
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8091")]
        listen: String,
        /// Where the day totals are kept (JSON).
        #[arg(long, value_name = "FILE", default_value = "tonus-desk-days.json")]
        days: PathBuf,
    },
    /// Client records in the clinic database: list them, export one (.zip, .json or FHIR), import
    /// one from a FHIR Bundle, erase one.
    Client {
        #[command(flatten)]
        web: WebArgs,
        #[command(subcommand)]
        action: records::RecordsCommand,
    },
    /// Back up the clinic while it serves: a consistent copy of the database (SQLite) and every
    /// photo, with a manifest of hashes, into a new folder.
    Backup {
        #[command(flatten)]
        web: WebArgs,
        /// The folder to create for the backup.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// An earlier backup whose photo files may be hard-linked instead of copied.
        #[arg(long, value_name = "DIR")]
        previous: Option<PathBuf>,
    },
    /// Restore a backup into an empty data directory (checks every hash first; refuses to write
    /// over an existing database or photos). Stop the server on that data directory first.
    Restore {
        #[command(flatten)]
        web: WebArgs,
        /// The backup folder (the one holding manifest.json).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
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

/// Flags shared by `serve` and `demo`; each overrides the `[serve]` section of the config.
#[derive(Debug, clap::Args)]
struct WebArgs {
    /// Address to listen on, such as 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Data directory (database and photos).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://user:password@host/db.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
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
enum AudienceArg {
    Clinician,
    Client,
}

impl From<AudienceArg> for render::Audience {
    fn from(a: AudienceArg) -> Self {
        match a {
            AudienceArg::Clinician => render::Audience::Clinician,
            AudienceArg::Client => render::Audience::Client,
        }
    }
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
#[derive(Debug)]
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        let code = match error.downcast_ref::<AppError>() {
            Some(AppError::Input(_)) => 3,
            // A photo that cannot be decoded is bad input; a model that fails its checksum is not.
            Some(AppError::Photo(e))
                if !matches!(
                    e,
                    tonus_pose::PoseError::ModelChecksum { .. }
                        | tonus_pose::PoseError::Model { .. }
                        | tonus_pose::PoseError::Worker { .. }
                ) =>
            {
                3
            }
            Some(AppError::Knowledge(_)) => 4,
            _ => match error.downcast_ref::<tonus_clinic::ClinicError>().map(|e| e.kind) {
                // Input the clinic refuses as it stands: a bad field, an unknown id, or a
                // record already here (an import to erase first).
                Some(tonus_clinic::ErrorKind::Invalid | tonus_clinic::ErrorKind::NotFound | tonus_clinic::ErrorKind::Conflict) => 3,
                _ => 1,
            },
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
        Command::Assess { intake, landmarks, photo, model, posture, format, audience } => {
            assess(&engine, &config, AssessArgs { intake, landmarks, photo, model, posture, format, audience })
        }
        Command::Simulate { intake, weeks, adherence, format } => simulate_cmd(&engine, &config, &intake, weeks, adherence, format),
        Command::Pose { photos: inputs, json, annotate, model, posture, view } => {
            pose(&engine, &inputs, json, annotate.as_deref(), model, posture, view)
        }
        Command::Progress { reports, format } => progress(&engine, &reports, format),
        Command::Knowledge { action } => knowledge(&engine, action),
        Command::Serve { web, tls_cert, tls_key } => serve(&config, &web, tls_cert.zip(tls_key)),
        Command::Demo { web } => demo(&config, &web),
        Command::Desk { report, listen, days } => desk(engine, report.as_deref(), &listen, days),
        Command::Client { web, action } => {
            let config = web_config(&config, &web, false)?;
            records::run(action, &config).map_err(Failure::from)
        }
        Command::Backup { web, out, previous } => backup(&config, &web, &out, previous.as_deref()),
        Command::Restore { web, from } => restore(&config, &web, &from),
        Command::Config { .. } => unreachable!("handled before loading the configuration"),
    }
}

/// The arguments of `tonus assess`.
struct AssessArgs {
    intake: PathBuf,
    landmarks: Vec<PathBuf>,
    photo: Vec<PathBuf>,
    model: photos::Model,
    posture: photos::PostureArg,
    format: Option<AssessFormat>,
    audience: AudienceArg,
}

/// `tonus assess`: the report from an intake with landmark files and photos.
fn assess(engine: &Engine, config: &Config, args: AssessArgs) -> Result<(), Failure> {
    let (name, parsed) = read_intake(&args.intake)?;
    let mut sets = Vec::new();
    if !args.photo.is_empty() {
        let estimator = tonus_pose::PoseEstimator::new(args.model.kind()).map_err(AppError::from).map_err(anyhow::Error::from)?;
        let opts = photos::options(args.posture, None);
        for (path, result) in photos::measure_all(&estimator, &args.photo, &opts) {
            let result = result.map_err(anyhow::Error::from)?;
            match result.landmarks {
                Some(file) => sets.push((path.display().to_string(), file)),
                None => eprintln!("{}: no person found; the photo is not measured", path.display()),
            }
        }
    }
    for path in &args.landmarks {
        let name = path.display().to_string();
        let text = config::read(path)?;
        let file = tonus_app::landmarks::parse(&text, &name).map_err(AppError::from).map_err(anyhow::Error::from)?;
        sets.push((name, file));
    }
    let mut report = engine.assess(&parsed, &name, &sets).map_err(anyhow::Error::from)?;
    let format = args.format.map_or(config.assess_format.as_str(), |f| match f {
        AssessFormat::Text => "text",
        AssessFormat::Json => "json",
        AssessFormat::Html => "html",
    });
    if format != "json" && render::Audience::from(args.audience) == render::Audience::Client {
        // The client reads the massage in the knowledge base's plain words, as on the handout
        // (the JSON keeps the report's own names).
        report.plan = report.plan.map(|p| render::in_plain_words(&p, engine.kb()));
    }
    let out = match format {
        "json" => serde_json::to_string_pretty(&report).context("serialising the report")? + "\n",
        "html" => {
            // The HTML report carries the what-if chart of the same assessment (photos included)
            // at the configured adherence.
            let sim = engine
                .simulate_with_photos(&parsed, &name, &sets, config.simulate_weeks, config.simulate_adherence)
                .map_err(anyhow::Error::from)?;
            render::render_html(&report, args.audience.into(), Some(&sim))
        }
        _ => render::render_text(&report, args.audience.into()),
    };
    print(&out)
}

/// `tonus simulate`: the illustrative model with and without the plan.
fn simulate_cmd(
    engine: &Engine,
    config: &Config,
    intake: &Path,
    weeks: Option<u32>,
    adherence: Option<f64>,
    format: Option<SimulateFormat>,
) -> Result<(), Failure> {
    let (name, parsed) = read_intake(intake)?;
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
    print(&out)
}

/// `tonus pose`: landmarks of photos (one, several or a folder), optionally annotated.
fn pose(
    engine: &Engine,
    inputs: &[PathBuf],
    json: bool,
    annotate: Option<&Path>,
    model: photos::Model,
    posture: photos::PostureArg,
    view: Option<photos::ViewArg>,
) -> Result<(), Failure> {
    let paths = photos::expand(inputs).map_err(anyhow::Error::from)?;
    if paths.is_empty() {
        let e = tonus_app::InputError::whole("PHOTO", "no JPEG, PNG or WebP photos found".into());
        return Err(anyhow::Error::from(AppError::from(e)).into());
    }
    let estimator = tonus_pose::PoseEstimator::new(model.kind()).map_err(AppError::from).map_err(anyhow::Error::from)?;
    let opts = photos::options(posture, view);
    let several = paths.len() > 1;
    if let Some(out) = annotate.filter(|_| several) {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    let mut failed = None;
    let mut outputs = Vec::new();
    for (path, result) in photos::measure_all(&estimator, &paths, &opts) {
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}", anyhow::Error::from(e));
                failed = Some(path);
                continue;
            }
        };
        if let Some(out) = annotate {
            photos::write_annotation(&result, engine, &photos::annotation_path(out, &path, several))?;
        }
        if json {
            outputs.push(match &result.landmarks {
                Some(f) => serde_json::to_value(f).context("serialising landmarks")?,
                None => serde_json::json!({ "file": result.file, "person_found": false }),
            });
        } else {
            print(&(photos::summary(&result) + "\n"))?;
        }
    }
    if json {
        let v = if outputs.len() == 1 { outputs.remove(0) } else { serde_json::Value::Array(outputs) };
        print(&(serde_json::to_string_pretty(&v).context("serialising landmarks")? + "\n"))?;
    }
    if let Some(path) = failed {
        let e = tonus_app::InputError::whole(&path.display().to_string(), "could not be measured (see above)".into());
        return Err(anyhow::Error::from(AppError::from(e)).into());
    }
    Ok(())
}

/// `tonus progress`: saved reports of one client over time.
fn progress(engine: &Engine, reports: &[PathBuf], format: SimulateFormatOrHtml) -> Result<(), Failure> {
    let mut parsed = Vec::new();
    let mut names = Vec::new();
    for path in reports {
        let text = config::read(path)?;
        let name = path.display().to_string();
        let r: tonus_app::report::Report =
            tonus_app::InputError::from_json(&text, &name).map_err(AppError::from).map_err(anyhow::Error::from)?;
        let refuse =
            |message: String| -> Failure { anyhow::Error::from(AppError::from(tonus_app::InputError::whole(&name, message))).into() };
        if let Some(i) = parsed.iter().position(|p: &tonus_app::report::Report| p == &r) {
            return Err(refuse(format!("the same report as {}; give each assessment once", names[i])));
        }
        parsed.push(r);
        names.push(name);
    }
    let client = parsed[0].client.name.clone();
    if let Some(i) = parsed.iter().position(|r| r.client.name != client) {
        let e = tonus_app::InputError::whole(
            &names[i],
            format!("a report for {}, while {} is for {client}: give the reports of one client", parsed[i].client.name, names[0]),
        );
        return Err(anyhow::Error::from(AppError::from(e)).into());
    }
    let series = tonus_app::progress::series(&parsed, engine.kb());
    let out = match format {
        SimulateFormatOrHtml::Json => serde_json::to_string_pretty(&series).context("serialising the progress")? + "\n",
        SimulateFormatOrHtml::Html => tonus_app::progress::render_html(&client, &series),
        SimulateFormatOrHtml::Text => tonus_app::progress::render_text(&client, &series),
    };
    print(&out)
}

/// `tonus knowledge`: list, show or export the knowledge base in force.
fn knowledge(engine: &Engine, action: KnowledgeAction) -> Result<(), Failure> {
    let kb = engine.kb();
    let out = match action {
        KnowledgeAction::List => kb.index().into_iter().map(|(kind, id, name)| format!("{kind:<18} {id:<44} {name}\n")).collect(),
        KnowledgeAction::Show { id } => match kb.show(&id) {
            Some(s) => s,
            None => {
                let e =
                    tonus_app::InputError::whole(&id, "no knowledge-base entry has this id; `tonus knowledge list` shows them all".into());
                return Err(anyhow::Error::from(AppError::from(e)).into());
            }
        },
        KnowledgeAction::Export => kb.export(),
    };
    print(&out)
}

/// `tonus serve`: the clinic app.
fn serve(config: &Config, web: &WebArgs, tls: Option<(PathBuf, PathBuf)>) -> Result<(), Failure> {
    let mut config = web_config(config, web, false)?;
    if let Some((cert, key)) = tls {
        config.tls = Some(tonus_web::TlsFiles { cert, key });
    }
    run_web(async move { tonus_web::serve(config).await.map_err(anyhow::Error::from) })
}

/// `tonus backup`: an online backup of the database and photos.
fn backup(config: &Config, web: &WebArgs, out: &Path, previous: Option<&Path>) -> Result<(), Failure> {
    let config = web_config(config, web, false)?;
    let store = config.store_config();
    run_web(async move {
        let done = tonus_store::backup::backup(&store, out, previous).await.map_err(store_failure)?;
        let database = match &done.manifest.database {
            Some(db) => format!("the database ({} bytes, {} tables)", db.bytes, db.tables.len()),
            None => "no database".to_owned(),
        };
        println!(
            "Backed up {database} and {} photo(s) ({} linked from the previous backup) into {}.",
            done.manifest.photos.len(),
            done.linked,
            done.dir.display()
        );
        if done.manifest.database.is_none() {
            println!("{}", tonus_store::backup::POSTGRES_DATABASE);
        }
        Ok(())
    })
}

/// `tonus restore`: a backup into an empty data directory, checked against its manifest.
fn restore(config: &Config, web: &WebArgs, from: &Path) -> Result<(), Failure> {
    let config = web_config(config, web, false)?;
    let _lock = tonus_web::lock_data_dir(&config.data_dir).map_err(anyhow::Error::from)?;
    let store = config.store_config();
    run_web(async move {
        let done = tonus_store::backup::restore(from, &store).await.map_err(store_failure)?;
        // Opening it runs the migrations a backup from an older version needs.
        tonus_store::connect(&store).await.map_err(store_failure)?;
        println!(
            "Restored {} and {} photo(s) from {} into {}; every hash and table digest matched.",
            if done.database_restored { "the database" } else { "no database (restore it with pg_restore)" },
            done.manifest.photos.len(),
            from.display(),
            config.data_dir.display()
        );
        Ok(())
    })
}

/// A store error from a command: bad input (a wrong folder, a damaged backup) exits 3.
fn store_failure(err: tonus_store::StoreError) -> anyhow::Error {
    anyhow::Error::from(tonus_clinic::ClinicError::from(err))
}

/// `tonus demo`: the clinic app on a fresh demo data directory with the example personas.
/// `tonus desk`: the desk page served on this computer, for a client without a clinic server.
fn desk(engine: Engine, report: Option<&Path>, listen: &str, days_file: PathBuf) -> Result<(), Failure> {
    let bad = |code, error: anyhow::Error| Failure { code, error };
    let listen: std::net::SocketAddr =
        listen.parse().map_err(|_| bad(4, anyhow::anyhow!("--listen \"{listen}\" is not an address such as 127.0.0.1:8091")))?;
    if !listen.ip().is_loopback() {
        return Err(bad(4, anyhow::anyhow!("--listen {listen}: tonus desk serves this computer only; use 127.0.0.1 or [::1]")));
    }
    // A days file that is not ours is refused before the page could send anything to it.
    tonus_web::DaysFile::read(&days_file).map_err(|e| bad(3, e.into()))?;
    // Said in full on the page and at start, so the client can find it.
    let days_file = std::path::absolute(&days_file).unwrap_or(days_file);
    let plan = match report {
        Some(path) => {
            let text = config::read(path)?;
            let name = path.display().to_string();
            let report: tonus_app::report::Report = serde_json::from_str(&text)
                .map_err(|e| AppError::from(tonus_app::InputError::json(&name, &e)))
                .map_err(anyhow::Error::from)?;
            if report.red_flags.plan_blocked {
                println!(
                    "{name}: a red flag in this report blocks the plan, so breaks say to walk about. See your therapist or doctor first."
                );
            }
            report.plan.filter(|_| !report.red_flags.plan_blocked)
        }
        None => None,
    };
    let wasm_dir = tonus_web::default_wasm_dir();
    if wasm_dir.is_none() {
        println!("The browser module is not built here (cargo xtask wasm), so the page offers breaks by the clock only.");
    }
    let config = tonus_web::DeskLocalConfig { listen, wasm_dir, days_file, plan, engine };
    run_web(async move { tonus_web::serve_desk(config).await.map_err(anyhow::Error::from) })
}

fn demo(config: &Config, web: &WebArgs) -> Result<(), Failure> {
    let config = web_config(config, web, true)?;
    prepare_demo_dir(&config.data_dir)?;
    let password = demo_password()?;
    run_web(async move {
        let summary = tonus_web::load_demo(&config, "demo", &password).await.map_err(anyhow::Error::from)?;
        println!(
            "Demo clinic: {} clients, {} assessments. Log in as \"{}\" with password \"{password}\" (this run only).",
            summary.clients, summary.assessments, summary.login
        );
        tonus_web::serve(config).await.map_err(anyhow::Error::from)
    })
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

/// Builds the web configuration from the config file, environment and flags. All defaults for
/// `serve` live in `config.rs`; the demo uses its own data directory unless one is given.
fn web_config(config: &Config, args: &WebArgs, demo: bool) -> Result<tonus_web::WebConfig, Failure> {
    let bad = |error: anyhow::Error| Failure { code: 4, error };
    let s = &config.serve;
    let listen = match &args.listen {
        Some(l) => l.parse().map_err(|_| bad(anyhow::anyhow!("--listen \"{l}\" is not an address such as 127.0.0.1:8080")))?,
        None => config.listen,
    };
    let data_dir = args.data_dir.clone().unwrap_or_else(|| if demo { PathBuf::from("tonus-demo") } else { s.data_dir.clone() });
    std::fs::create_dir_all(&data_dir).with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let database_url = match args
        .database
        .clone()
        .filter(|u| !u.is_empty())
        .or_else(|| (!s.database_url.is_empty() && !demo).then(|| s.database_url.clone()))
    {
        Some(url) if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
        Some(url) => {
            return Err(bad(anyhow::anyhow!("--database \"{}\" must start with sqlite: or postgres://", tonus_store::redact_url(&url))));
        }
        None => format!("sqlite://{}", data_dir.join("tonus.db").display()),
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Ok(tonus_web::WebConfig {
        listen,
        data_dir,
        database_url,
        max_connections: s.max_connections,
        engine_permits: if s.engine_permits == 0 { cores } else { s.engine_permits },
        behind_https: s.behind_https,
        session_ttl_secs: i64::from(s.session_hours) * 3600,
        share_link_ttl_secs: i64::from(s.share_link_days) * 86_400,
        max_upload_bytes: s.max_upload_mib as usize * 1024 * 1024,
        trusted_proxies: config.trusted_proxies.clone(),
        audit_retention_days: s.audit_retention_days,
        public_url: public_url(&s.public_url)?,
        wasm_dir: if s.wasm_dir.as_os_str().is_empty() { tonus_web::default_wasm_dir() } else { Some(s.wasm_dir.clone()) },
        tls: match (s.tls_cert.as_os_str().is_empty(), s.tls_key.as_os_str().is_empty()) {
            (true, true) => None,
            (false, false) => Some(tonus_web::TlsFiles { cert: s.tls_cert.clone(), key: s.tls_key.clone() }),
            _ => return Err(bad(anyhow::anyhow!("serve.tls_cert and serve.tls_key go together: set both or neither"))),
        },
        backup: (!config.backup.dir.as_os_str().is_empty()).then(|| tonus_web::BackupSchedule {
            dir: config.backup.dir.clone(),
            every_hours: config.backup.every_hours,
            keep: config.backup.keep as usize,
        }),
    })
}

/// `serve.public_url`: empty for none, else an http(s) address without a path.
fn public_url(text: &str) -> Result<Option<String>, Failure> {
    let url = text.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => Ok(Some(url.to_owned())),
        _ => Err(Failure {
            code: 4,
            error: anyhow::anyhow!("serve.public_url \"{url}\" must be an address such as https://clinic.example (no path)"),
        }),
    }
}

/// The demo recreates its own data directory, and only one it made itself (marked by a file),
/// so that nothing a user saved elsewhere can be removed.
fn prepare_demo_dir(dir: &Path) -> Result<(), Failure> {
    let marker = dir.join(".tonus-demo");
    let empty = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?.next().is_none();
    if !empty {
        if !marker.is_file() {
            let e = anyhow::anyhow!("{} is not empty and was not made by `tonus demo`; give the demo an empty --data-dir", dir.display());
            return Err(Failure { code: 4, error: e });
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear the demo directory {}", dir.display()))?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&marker, "made by `tonus demo`; recreated on every run\n")
        .with_context(|| format!("cannot write {}", marker.display()))?;
    Ok(())
}

/// A random password for this demo run (there is no default password anywhere).
fn demo_password() -> Result<String, Failure> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the demo password: {e}"))?;
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}

/// Runs the web app on a multi-threaded runtime with logging to stderr (RUST_LOG, default info).
fn run_web(fut: impl Future<Output = anyhow::Result<()>>) -> Result<(), Failure> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(fut).map_err(Failure::from)
}

#[cfg(test)]
mod tests {
    use super::public_url;

    #[test]
    fn a_public_url_is_an_http_address_without_a_path() {
        assert_eq!(public_url("").unwrap(), None);
        assert_eq!(public_url(" https://clinic.example/ ").unwrap().as_deref(), Some("https://clinic.example"));
        assert_eq!(public_url("http://10.0.0.5:8080").unwrap().as_deref(), Some("http://10.0.0.5:8080"));
        for bad in ["clinic.example", "ftp://clinic.example", "https://", "https://clinic.example/app", "https://a b"] {
            let err = public_url(bad).unwrap_err();
            assert_eq!(err.code, 4, "{bad}");
            assert!(err.error.to_string().contains("serve.public_url"), "{bad}");
        }
    }
}
