//! `/clients/{id}/progress`: every posture metric, clinical test and outcome measure (NDI,
//! NPRS, PSFS, DNF endurance, …) of the client's completed assessments charted over time by
//! `tonus_app::progress` (through `engine.rs`), each with its normal band and real-change
//! threshold, and the change from first to last judged against that threshold.
//!
//! Reads only the stored reports, so it shows exactly what each report said. The what-if
//! simulation lives on its own page (`visual.rs`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use tonus_store::AssessmentStatus;

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::pages::Layout;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "clients/progress.html")]
struct ProgressPage {
    layout: Layout,
    client_id: String,
    client_name: String,
    assessments: usize,
    charts: String,
    report_css: &'static str,
}

pub(crate) async fn show(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), "view", "progress", &client.id.to_string(), "").await?;
    let mut reports = Vec::new();
    for assessment in state.store.assessments_for(client.id).await? {
        if assessment.status != AssessmentStatus::Complete {
            continue;
        }
        if let Some(report) = state.store.latest_report(assessment.id).await? {
            reports.push(report.report);
        }
    }
    let charts = if reports.is_empty() { String::new() } else { state.engine.progress_fragment(&reports)? };
    let page = ProgressPage {
        layout: Layout::for_user("Progress", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        assessments: reports.len(),
        charts,
        report_css: state.engine.report_css(),
    };
    Ok(Html(page.render()?))
}
