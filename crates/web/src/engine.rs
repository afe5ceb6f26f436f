//! The adapter to `tonus-app`: the only module of this crate that names its types.
//!
//! Everything else in the web layer passes clinical documents around as JSON values (as the
//! store keeps them); this module turns them back into the app's types to parse intakes,
//! check landmark files, run the engine and render reports. Assessment runs are CPU-bound, so
//! they go through `spawn_blocking` behind the state's semaphore.

use std::sync::Arc;

use serde_json::Value;
use tonus_app::intake::{Format, Intake};
use tonus_app::landmarks::LandmarkFile;

use crate::error::WebError;
use crate::state::AppState;

/// The format of an intake text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntakeFormat {
    Toml,
    Json,
}

/// The engine's output for one assessment, as stored.
#[derive(Debug, Clone)]
pub(crate) struct Assessed {
    pub report: Value,
    pub engine_version: String,
    pub plan: Value,
}

/// A validation error, naming the intake field when it is known.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

/// The knowledge base's labels for the intake form.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// (category name, [(item id, question)]).
    pub red_flags: Vec<(String, Vec<(String, String)>)>,
    /// (region id, name).
    pub regions: Vec<(String, String)>,
    /// (NDI item id, name).
    pub ndi_items: Vec<(String, String)>,
}

/// A checked landmark file with what the store records about it.
#[derive(Debug, Clone)]
pub(crate) struct LandmarkInfo {
    pub value: Value,
    pub view: String,
    pub model: String,
    pub model_version: String,
    pub automatic: bool,
    pub moved_points: Vec<String>,
    /// The photo the file names (`image.file`: a file name or content hash).
    pub image_file: Option<String>,
}

impl LandmarkInfo {
    fn from_value(value: Value) -> Self {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
        let source = text("/capture/source").unwrap_or_else(|| "manual".into());
        let moved_points = value
            .get("moved")
            .and_then(Value::as_array)
            .map(|moved| moved.iter().filter_map(|m| m.get("index").and_then(Value::as_u64)).map(|i| format!("landmark {i}")).collect())
            .unwrap_or_default();
        Self {
            view: text("/view").unwrap_or_else(|| "detected".into()),
            model: text("/capture/model").unwrap_or_else(|| source.clone()),
            model_version: text("/capture/model_version").unwrap_or_default(),
            automatic: source == "automatic",
            moved_points,
            image_file: text("/image/file"),
            value,
        }
    }
}

/// The shared engine.
#[derive(Debug, Clone)]
pub(crate) struct EngineAdapter {
    engine: Arc<tonus_app::Engine>,
}

impl EngineAdapter {
    /// Loads the engine with its embedded knowledge base.
    pub(crate) fn embedded() -> Result<Self, WebError> {
        let engine = tonus_app::Engine::embedded().map_err(|err| WebError::Config(format!("engine failed to load: {err}")))?;
        Ok(Self { engine: Arc::new(engine) })
    }

    /// Parses and validates an intake; the error names the field.
    pub(crate) fn parse_intake(&self, text: &str, format: IntakeFormat, file_name: &str) -> Result<Value, String> {
        let format = match format {
            IntakeFormat::Toml => Format::Toml,
            IntakeFormat::Json => Format::Json,
        };
        let intake = tonus_app::intake::parse(text, format, file_name).map_err(|e| e.to_string())?;
        serde_json::to_value(&intake).map_err(|e| format!("{file_name}: {e}"))
    }

    /// Checks a landmark file and returns it as JSON with its view and provenance.
    pub(crate) fn parse_landmarks(&self, bytes: &[u8], file_name: &str) -> Result<LandmarkInfo, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| format!("{file_name}: not a UTF-8 JSON file"))?;
        let file = tonus_app::landmarks::parse(text, file_name).map_err(|e| e.to_string())?;
        let value = serde_json::to_value(&file).map_err(|e| format!("{file_name}: {e}"))?;
        Ok(LandmarkInfo::from_value(value))
    }

    /// Validates an intake (ranges, ids) against the knowledge base; the error names the
    /// field with the same path the form uses.
    pub(crate) fn validate_intake(&self, intake: &Value, form_name: &str) -> Result<(), FieldError> {
        let parsed: Intake = serde_json::from_value(intake.clone()).map_err(|e| FieldError { field: None, message: e.to_string() })?;
        tonus_app::intake::to_core(&parsed, form_name, self.engine.kb())
            .map(|_| ())
            .map_err(|e| FieldError { field: e.field.clone(), message: e.message.clone() })
    }

    /// The labels the intake form needs from the knowledge base.
    pub(crate) fn catalog(&self) -> Catalog {
        let kb = self.engine.kb();
        Catalog {
            red_flags: kb
                .red_flag_categories()
                .iter()
                .map(|c| (c.name.clone(), c.item.iter().map(|i| (i.id.clone(), i.question.clone())).collect()))
                .collect(),
            regions: kb.regions().iter().map(|r| (r.id.clone(), r.name.clone())).collect(),
            ndi_items: kb.outcomes().ndi.items.iter().map(|i| (i.id.clone(), i.name.clone())).collect(),
        }
    }

    /// Renders a stored report (the app's documented report JSON) as an HTML fragment.
    pub(crate) fn render_stored(&self, report: &Value) -> Result<String, WebError> {
        let report: tonus_app::report::Report =
            serde_json::from_value(report.clone()).map_err(|e| WebError::Engine(format!("stored report does not read: {e}")))?;
        Ok(tonus_app::render::render_html_fragment(&report))
    }

    /// The stylesheet the report fragment needs.
    pub(crate) fn report_css(&self) -> &'static str {
        tonus_app::render::REPORT_CSS
    }

    /// Checks a therapist's edited plan against the plan format.
    pub(crate) fn validate_plan(&self, plan: &Value) -> Result<(), String> {
        serde_json::from_value::<tonus_app::report::PlanView>(plan.clone()).map(|_| ()).map_err(|e| e.to_string())
    }

    fn assess_now(&self, intake: &Value, landmarks: &[(String, Value)]) -> Result<Assessed, WebError> {
        let intake: Intake =
            serde_json::from_value(intake.clone()).map_err(|e| WebError::BadRequest(format!("the stored intake no longer reads: {e}")))?;
        let landmarks = landmarks
            .iter()
            .map(|(name, l)| serde_json::from_value::<LandmarkFile>(l.clone()).map(|f| (name.clone(), f)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| WebError::BadRequest(format!("a stored landmark set no longer reads: {e}")))?;
        let report = self.engine.assess(&intake, "assessment form", &landmarks).map_err(|e| match e {
            tonus_app::AppError::Input(input) => WebError::BadRequest(input.to_string()),
            other => WebError::Engine(other.to_string()),
        })?;
        let value = serde_json::to_value(&report).map_err(|e| WebError::Engine(format!("the report did not serialise: {e}")))?;
        let plan = value.get("plan").cloned().unwrap_or(Value::Null);
        Ok(Assessed { report: value, engine_version: report.engine_version.clone(), plan })
    }
}

/// Runs the engine off the async threads, at most `engine_permits` at a time.
/// `landmarks` are (name, landmark file JSON); the names label the photos in the report.
pub(crate) async fn assess(state: &AppState, intake: Value, landmarks: Vec<(String, Value)>) -> Result<Assessed, WebError> {
    let _permit = state.engine_permits.acquire().await.map_err(|_| WebError::Engine("engine is shutting down".into()))?;
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || engine.assess_now(&intake, &landmarks))
        .await
        .map_err(|e| WebError::Engine(format!("engine task failed: {e}")))?
}

/// A demo persona from the app's examples, as plain data.
#[derive(Debug, Clone)]
pub(crate) struct DemoPersona {
    pub name: String,
    pub intake: Value,
    pub landmarks: Vec<LandmarkInfo>,
}

/// The example personas, with intakes parsed and landmark files checked.
pub(crate) fn demo_personas(engine: &EngineAdapter) -> Result<Vec<DemoPersona>, WebError> {
    tonus_app::examples::personas()
        .iter()
        .map(|p| {
            let intake = engine.parse_intake(p.intake, IntakeFormat::Toml, p.intake_name).map_err(WebError::Engine)?;
            let name = intake.pointer("/client/name").and_then(Value::as_str).unwrap_or(p.id).to_owned();
            let landmarks = p
                .landmarks
                .iter()
                .map(|(file, text)| engine.parse_landmarks(text.as_bytes(), file).map_err(WebError::Engine))
                .collect::<Result<Vec<_>, WebError>>()?;
            Ok(DemoPersona { name, intake, landmarks })
        })
        .collect()
}

/// The what-if chart for one adherence.
#[derive(Debug, Clone)]
pub(crate) struct WhatIf {
    /// The server-side SVG, labelled illustrative.
    pub svg: String,
    /// Whether a plan was simulated (false when the red-flag screen blocks it).
    pub plan_simulated: bool,
    /// The first week the model counts as balanced with the plan.
    pub balanced_in_week: Option<u32>,
}

/// The visual pages' engine calls: progress charts and the what-if simulation.
impl EngineAdapter {
    /// Every metric, clinical test and outcome measure across stored reports, charted with its
    /// normal band and real-change threshold (`tonus_app::progress`); `None` when no report reads.
    pub(crate) fn progress_fragment(&self, reports: &[Value]) -> Result<String, WebError> {
        let reports = reports
            .iter()
            .map(|r| serde_json::from_value::<tonus_app::report::Report>(r.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| WebError::Engine(format!("a stored report does not read: {e}")))?;
        let series = tonus_app::progress::series(&reports, self.engine.kb());
        Ok(tonus_app::progress::charts_fragment(&series))
    }

    /// The dynamics trajectory with and without the plan at `adherence` (0–1) over `weeks`.
    pub(crate) fn what_if(&self, intake: &Value, weeks: u32, adherence: f64) -> Result<WhatIf, WebError> {
        let intake: Intake =
            serde_json::from_value(intake.clone()).map_err(|e| WebError::BadRequest(format!("the stored intake no longer reads: {e}")))?;
        let sim = self.engine.simulate(&intake, "assessment form", weeks, adherence).map_err(|e| match e {
            tonus_app::AppError::Input(input) => WebError::BadRequest(input.to_string()),
            other => WebError::Engine(other.to_string()),
        })?;
        Ok(WhatIf {
            svg: tonus_app::svg::trajectory_chart(&sim),
            plan_simulated: sim.plan_simulated,
            balanced_in_week: sim.balanced_in_week,
        })
    }
}

/// The pose model, loaded on first use and shared by every request.
static ESTIMATOR: std::sync::OnceLock<Result<tonus_app::photo::PoseEstimator, String>> = std::sync::OnceLock::new();

/// Finds the landmarks on an uploaded photo with the pose model (full model, off the async
/// threads, at most `engine_permits` at a time). `Ok(None)` when no person is found.
pub(crate) async fn detect_landmarks(
    state: &AppState,
    bytes: Vec<u8>,
    file_name: String,
    view: String,
) -> Result<Option<LandmarkInfo>, WebError> {
    let _permit = state.engine_permits.acquire().await.map_err(|_| WebError::Engine("engine is shutting down".into()))?;
    tokio::task::spawn_blocking(move || {
        let estimator = ESTIMATOR
            .get_or_init(|| tonus_app::photo::PoseEstimator::new(tonus_app::photo::ModelKind::Full).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| WebError::Engine(format!("the pose model failed to load: {e}")))?;
        let view = match view.as_str() {
            "side-left" | "side-right" | "front" => Some(view),
            _ => None,
        };
        let opts = tonus_app::photo::PhotoOptions { posture: "sitting".into(), view };
        let result =
            tonus_app::photo::measure_bytes(estimator, &bytes, &file_name, &opts).map_err(|e| WebError::BadRequest(e.to_string()))?;
        match result.landmarks {
            None => Ok(None),
            Some(file) => {
                let value = serde_json::to_value(&file).map_err(|e| WebError::Engine(format!("{file_name}: {e}")))?;
                Ok(Some(LandmarkInfo::from_value(value)))
            }
        }
    })
    .await
    .map_err(|e| WebError::Engine(format!("pose task failed: {e}")))?
}
