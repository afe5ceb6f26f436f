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
use tonus_store::{Role, Timestamp};

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
    /// The IndexedDB database the page keeps its days in: one per account on a clinic server,
    /// so a browser shared by two clients never sends one's days as the other's.
    store: String,
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
    /// The plan's exercise this one stands in for at the desk (that one needs lying down or
    /// equipment), by name.
    instead_of: Option<String>,
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

/// The exercises of the plan's phase of today that can be done at a desk: each as the plan
/// doses it when it needs nothing, its desk alternative from the library when it needs lying
/// down or equipment (as the library doses that one), and left out when it has none. None
/// without a plan; a break is then a walk.
pub(crate) fn exercises_of(plan: Option<&tonus_app::report::PlanView>, kb: &tonus_core::KnowledgeBase) -> Vec<DeskExercise> {
    let today = format::date(Timestamp::now());
    let Some(phase) = plan.and_then(|p| p.phases.get(tonus_app::render::current_phase(&p.phases, &today))) else { return Vec::new() };
    let mut out: Vec<DeskExercise> = Vec::new();
    for e in &phase.exercises {
        let as_planned = || DeskExercise {
            id: e.id.clone(),
            name: e.name.clone(),
            dosage: e.dosage.clone(),
            instructions: e.instructions.clone(),
            instead_of: None,
        };
        let at_desk = match kb.exercise(&e.id) {
            Some(k) if !k.at_a_desk() => k.desk_alternative.as_deref().and_then(|alt| kb.exercise(alt)).map(|alt| DeskExercise {
                id: alt.id.clone(),
                name: alt.name.clone(),
                dosage: alt.dosage.clone(),
                instructions: alt.instructions.clone(),
                instead_of: Some(e.name.clone()),
            }),
            _ => Some(as_planned()),
        };
        if let Some(x) = at_desk.filter(|x| !out.iter().any(|o| o.id == x.id)) {
            out.push(x);
        }
    }
    out
}

/// The page, for either way of keeping the totals. `kept_in` says where they go, in words.
pub(crate) fn render(
    kb: &tonus_core::KnowledgeBase,
    exercises: Vec<DeskExercise>,
    layout: Layout,
    sync: Sync,
    store: String,
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
        store,
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
    let plan = crate::home::current_plan(&state, &state.store.assessments_for(client.id).await?).await?;
    let kb = state.clinic.engine().kb();
    let exercises = exercises_of(plan.as_ref(), kb);
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Handout, &client.id.to_string(), "desk page").await?;
    let store = format!("tonus-desk-{}", me.user.id);
    let html = render(kb, exercises, Layout::for_user("At my desk", &me), Sync::Clinic, store, "your therapist".into())?;
    Ok(Html(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The desk-worker's plan with every exercise of every phase in one phase of today.
    fn all_in_one_phase() -> tonus_app::report::PlanView {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/tests/snapshots/desk-worker.json");
        let report: tonus_app::report::Report = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut plan = report.plan.unwrap();
        let mut all: Vec<_> = plan.phases.iter().flat_map(|p| p.exercises.clone()).collect();
        // One the library gives a desk alternative for (the demo plan has none).
        let mut punch = all[0].clone();
        punch.id = "serratus_punch".into();
        punch.name = "Serratus punch".into();
        all.push(punch);
        plan.phases.truncate(1);
        plan.phases[0].ends = String::new();
        plan.phases[0].exercises = all;
        plan
    }

    #[test]
    fn breaks_take_only_exercises_that_can_be_done_at_a_desk() {
        let kb = tonus_core::KnowledgeBase::embedded().unwrap();
        let plan = all_in_one_phase();
        let desk = exercises_of(Some(&plan), &kb);
        let planned: Vec<&str> = plan.phases[0].exercises.iter().map(|e| e.id.as_str()).collect();
        let shown: Vec<(String, Option<String>)> = desk.iter().map(|d| (d.id.clone(), d.instead_of.clone())).collect();
        expect_test::expect![[r#"
            (
                [
                    "upper_trapezius_stretch",
                    "unilateral_corner_pec_minor_stretch",
                    "chin_nod_suboccipital_stretch",
                    "scm_scalene_stretch",
                    "corner_pectoral_stretch",
                    "craniocervical_flexion_nod",
                    "prone_y_t_w",
                    "chin_tuck_head_lift",
                    "side_lying_forward_flexion",
                    "side_lying_external_rotation",
                    "movement_break",
                    "chin_tuck_head_lift",
                    "shrug_strength",
                    "prone_y_t_w",
                    "serratus_punch",
                ],
                [
                    (
                        "upper_trapezius_stretch",
                        None,
                    ),
                    (
                        "unilateral_corner_pec_minor_stretch",
                        None,
                    ),
                    (
                        "chin_nod_suboccipital_stretch",
                        None,
                    ),
                    (
                        "scm_scalene_stretch",
                        None,
                    ),
                    (
                        "corner_pectoral_stretch",
                        None,
                    ),
                    (
                        "movement_break",
                        None,
                    ),
                    (
                        "wall_slide",
                        Some(
                            "Serratus punch",
                        ),
                    ),
                ],
            )
        "#]]
        .assert_debug_eq(&(planned, shown));
        for d in &desk {
            assert!(kb.exercise(&d.id).unwrap().at_a_desk(), "{} needs more than a desk", d.id);
        }
        assert!(exercises_of(None, &kb).is_empty(), "no plan: a walk");
    }
}
