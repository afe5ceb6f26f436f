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
use tonus_clinic::RecordKind;

use crate::access;
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
    let client = access::view_client(&state, &me, &id, RecordKind::Progress, "").await?;
    let reports: Vec<tonus_app::report::Report> = state.clinic.reports_of(client.id).await?.into_iter().map(|(_, r)| r.report).collect();
    let charts = if reports.is_empty() {
        String::new()
    } else {
        tonus_app::progress::charts_fragment(&tonus_app::progress::series(&reports, state.clinic.engine().kb()))
    };
    let page = ProgressPage {
        layout: Layout::for_user("Progress", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        assessments: reports.len(),
        charts,
        report_css: tonus_app::render::REPORT_CSS,
    };
    Ok(Html(page.render()?))
}
