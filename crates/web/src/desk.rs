//! `/desk`: the desk companion for a client's login. The page (`templates/desk/desk.html`,
//! `assets/desk.js`) runs the pose module (`/wasm/`) on the client's webcam in the browser;
//! this handler only hands it what it needs as one typed document: the desk settings and the
//! webcam metrics from the knowledge base, the plan's break interval, and the exercises of the
//! client's current phase (their therapist's edit if there is one; none while a red flag
//! blocks the plan, when a break says to walk about instead).
//!
//! Leaves out: anything the camera sees, which never reaches the server.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Serialize;
use tonus_clinic::{Action, RecordKind};
use tonus_core::knowledge::{DeskSettings, WebcamMetricId};
use tonus_store::{AssessmentStatus, Role, Timestamp};

use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

/// What the page's script reads from `data-desk`.
#[derive(Serialize)]
struct DeskData<'a> {
    /// Minutes of continuous sitting before a break (`plan.toml`, `[breaks]`).
    break_interval_min: f64,
    /// How long a break is, in words.
    break_duration: &'a str,
    settings: &'a DeskSettings,
    metrics: Vec<DeskMetric<'a>>,
    exercises: Vec<DeskExercise>,
    sync: Sync,
}

#[derive(Serialize)]
struct DeskMetric<'a> {
    id: WebcamMetricId,
    name: &'a str,
    unit: &'a str,
    real_change: f64,
    positive_means: &'a str,
    negative_means: &'a str,
}

#[derive(Serialize)]
pub(crate) struct DeskExercise {
    id: String,
    name: String,
    dosage: String,
    instructions: Vec<String>,
}

struct MetricRow {
    id: &'static str,
    name: String,
    threshold: String,
}

#[derive(Template)]
#[template(path = "desk/desk.html")]
struct DeskPage {
    layout: Layout,
    data_json: String,
    metrics: Vec<MetricRow>,
    break_interval: String,
    break_duration: String,
    postpone_min: String,
    /// Served by `tonus desk`: no clinic, no therapist, no login.
    local: bool,
    /// Where the day totals go, in words.
    kept_in: String,
}

/// Where the page's day totals go: the clinic's server (`/api/desk/days`, for the therapist)
/// or, under `tonus desk`, a file on the client's own computer.
#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Sync {
    Clinic,
    Local,
}

/// The exercises of the plan's phase of today (none without a plan).
pub(crate) fn exercises_of(plan: Option<&tonus_app::report::PlanView>) -> Vec<DeskExercise> {
    let today = format::date(Timestamp::now());
    plan.and_then(|p| p.phases.get(tonus_app::render::current_phase(&p.phases, &today)))
        .map(|phase| {
            phase
                .exercises
                .iter()
                .map(|e| DeskExercise {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    dosage: e.dosage.clone(),
                    instructions: e.instructions.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The page, for either way of keeping the totals. `kept_in` says where they go, in words.
pub(crate) fn render(
    kb: &tonus_core::KnowledgeBase,
    exercises: Vec<DeskExercise>,
    layout: Layout,
    sync: Sync,
    kept_in: String,
) -> Result<String, WebError> {
    let breaks = &kb.plan().breaks;
    let data = DeskData {
        break_interval_min: breaks.interval_min,
        break_duration: &breaks.duration,
        settings: kb.desk(),
        metrics: kb
            .webcam_metrics()
            .iter()
            .map(|m| DeskMetric {
                id: m.id,
                name: &m.name,
                unit: &m.unit,
                real_change: m.real_change,
                positive_means: &m.positive_means,
                negative_means: &m.negative_means,
            })
            .collect(),
        exercises,
        sync,
    };
    let metrics = WebcamMetricId::ALL
        .iter()
        .map(|&id| {
            let m = kb.webcam_metric(id);
            let gap = if m.unit == "°" { "" } else { " " };
            MetricRow { id: id.as_str(), name: m.name.clone(), threshold: format!("{}{gap}{}", m.real_change, m.unit) }
        })
        .collect();
    let page = DeskPage {
        layout,
        data_json: serde_json::to_string(&data).map_err(|e| WebError::Engine(format!("desk data: {e}")))?,
        metrics,
        break_interval: format!("{}", breaks.interval_min),
        break_duration: breaks.duration.clone(),
        postpone_min: format!("{}", kb.desk().postpone_min),
        local: sync == Sync::Local,
        kept_in,
    };
    Ok(page.render()?)
}

/// `/desk`: the desk companion, for a client.
pub(crate) async fn page(State(state): State<AppState>, me: CurrentUser) -> Result<Html<String>, WebError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    let assessments = state.store.assessments_for(client.id).await?;
    let plan = match assessments.iter().rev().find(|a| a.status == AssessmentStatus::Complete) {
        Some(latest) => state.clinic.plan(latest).await?,
        None => None,
    };
    let exercises = exercises_of(plan.as_ref().and_then(|p| p.current()));
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Handout, &client.id.to_string(), "desk page").await?;
    let kb = state.clinic.engine().kb();
    let html = render(kb, exercises, Layout::for_user("At my desk", &me), Sync::Clinic, "your therapist".into())?;
    Ok(Html(html))
}
