//! `/clients/{id}/progress`: the outcome measures of every completed assessment over time,
//! with each change judged against the measure's real-change threshold (minimal detectable
//! change) and meaningful-change threshold as the stored reports state them.
//!
//! Reads only the stored report JSON (`outcomes`), so it shows exactly what each report said.
//! Leaves out posture metrics over time and the what-if simulation; when `tonus-app` grows a
//! progress use case, this view should call it instead of comparing numbers itself.

use std::fmt::Write as _;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Deserialize;
use tonus_store::AssessmentStatus;

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportDoc {
    outcomes: OutcomesDoc,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OutcomesDoc {
    ndi: Option<Scored>,
    nprs: Option<NprsDoc>,
    psfs: Option<PsfsDoc>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Scored {
    score: f64,
    real_change: f64,
    meaningful_change: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NprsDoc {
    now: Option<f64>,
    average_week: Option<f64>,
    real_change: f64,
    meaningful_change: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PsfsDoc {
    mean: f64,
    real_change: f64,
}

/// One measure at one visit.
#[derive(Debug, Clone, Copy)]
struct Point {
    value: f64,
    real_change: f64,
    meaningful_change: Option<f64>,
}

/// A measure's row in the view.
pub(crate) struct MeasureRow {
    pub name: &'static str,
    pub better: &'static str,
    pub cells: Vec<String>,
    pub verdict: String,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "clients/progress.html")]
struct ProgressPage {
    layout: Layout,
    client_id: String,
    client_name: String,
    dates: Vec<String>,
    rows: Vec<MeasureRow>,
}

/// Judges the change from the first to the last value; `lower_is_better` for pain and disability.
fn verdict(points: &[Option<Point>], lower_is_better: bool) -> String {
    let known: Vec<Point> = points.iter().flatten().copied().collect();
    let (Some(first), Some(last)) = (known.first(), known.last()) else {
        return "not measured".into();
    };
    if known.len() < 2 {
        return "one measurement; nothing to compare yet".into();
    }
    let delta = last.value - first.value;
    let improved = if lower_is_better { delta < 0.0 } else { delta > 0.0 };
    let size = delta.abs();
    let threshold = last.real_change;
    if size < threshold {
        return format!("change of {size:.1} is within measurement error (real change needs {threshold:.1})");
    }
    let direction = if improved { "better" } else { "worse" };
    match last.meaningful_change {
        Some(m) if size >= m => format!("{direction} by {size:.1}: a real and meaningful change (≥ {m:.1})"),
        _ => format!("{direction} by {size:.1}: a real change (≥ {threshold:.1})"),
    }
}

/// A small SVG line chart, drawn on the server so it prints like the rest of the page.
fn chart(points: &[Option<Point>], max: f64) -> String {
    let (w, h, pad) = (240.0, 60.0, 6.0);
    let n = points.len().max(2) as f64 - 1.0;
    let xy = |i: usize, v: f64| (pad + (w - 2.0 * pad) * i as f64 / n, h - pad - (h - 2.0 * pad) * (v / max).clamp(0.0, 1.0));
    let mut svg = format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"trend\"><rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"#d5dbdf\"/>"
    );
    let mut path = String::new();
    for (i, p) in points.iter().enumerate() {
        if let Some(p) = p {
            let (x, y) = xy(i, p.value);
            let _ = write!(path, "{}{x:.1},{y:.1} ", if path.is_empty() { "M" } else { "L" });
            let _ = write!(svg, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"#1f6f78\"/>");
        }
    }
    if !path.is_empty() {
        let _ = write!(svg, "<path d=\"{}\" fill=\"none\" stroke=\"#1f6f78\" stroke-width=\"1.5\"/>", path.trim_end());
    }
    svg.push_str("</svg>");
    svg
}

fn row(name: &'static str, better: &'static str, points: Vec<Option<Point>>, max: f64, lower_is_better: bool) -> MeasureRow {
    MeasureRow {
        name,
        better,
        cells: points.iter().map(|p| p.map_or_else(|| "—".to_owned(), |p| format!("{:.1}", p.value))).collect(),
        verdict: verdict(&points, lower_is_better),
        chart: chart(&points, max),
    }
}

pub(crate) async fn show(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), "view", "progress", &client.id.to_string(), "").await?;
    let mut dates = Vec::new();
    let (mut ndi, mut nprs_now, mut nprs_week, mut psfs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for assessment in state.store.assessments_for(client.id).await? {
        if assessment.status != AssessmentStatus::Complete {
            continue;
        }
        let Some(report) = state.store.latest_report(assessment.id).await? else { continue };
        let doc: ReportDoc = serde_json::from_value(report.report).unwrap_or_default();
        dates.push(format::date(assessment.completed_at.unwrap_or(assessment.updated_at)));
        let o = doc.outcomes;
        ndi.push(o.ndi.map(|n| Point { value: n.score, real_change: n.real_change, meaningful_change: Some(n.meaningful_change) }));
        let nprs = |pick: fn(&NprsDoc) -> Option<f64>| {
            o.nprs
                .as_ref()
                .and_then(|n| pick(n).map(|v| Point { value: v, real_change: n.real_change, meaningful_change: Some(n.meaningful_change) }))
        };
        nprs_now.push(nprs(|n| n.now));
        nprs_week.push(nprs(|n| n.average_week));
        psfs.push(o.psfs.map(|p| Point { value: p.mean, real_change: p.real_change, meaningful_change: None }));
    }
    let rows = vec![
        row("NDI (0–50)", "lower is better", ndi, 50.0, true),
        row("NPRS now (0–10)", "lower is better", nprs_now, 10.0, true),
        row("NPRS week average (0–10)", "lower is better", nprs_week, 10.0, true),
        row("PSFS mean (0–10, 10 = as before)", "higher is better", psfs, 10.0, false),
    ];
    let page = ProgressPage {
        layout: Layout::for_user("Progress", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        dates,
        rows,
    };
    Ok(Html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(value: f64) -> Option<Point> {
        Some(Point { value, real_change: 5.0, meaningful_change: Some(7.5) })
    }

    #[test]
    fn judges_change_against_the_thresholds() {
        assert_eq!(verdict(&[], true), "not measured");
        assert_eq!(verdict(&[p(20.0)], true), "one measurement; nothing to compare yet");
        assert_eq!(verdict(&[p(20.0), None, p(17.0)], true), "change of 3.0 is within measurement error (real change needs 5.0)");
        assert_eq!(verdict(&[p(20.0), p(14.0)], true), "better by 6.0: a real change (≥ 5.0)");
        assert_eq!(verdict(&[p(20.0), p(10.0)], true), "better by 10.0: a real and meaningful change (≥ 7.5)");
        assert_eq!(verdict(&[p(4.0), p(10.0)], false), "better by 6.0: a real change (≥ 5.0)");
        assert_eq!(verdict(&[p(10.0), p(20.0)], true), "worse by 10.0: a real and meaningful change (≥ 7.5)");
    }

    #[test]
    fn charts_are_escaped_free_svg() {
        let svg = chart(&[p(0.0), None, p(50.0)], 50.0);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
