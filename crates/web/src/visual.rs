//! The visual pages: landmarks drawn over each photo (SVG in image pixels) that the therapist
//! can drag and save as a corrected set, quality-gate warnings shown on the photo with advice
//! for a retake, a side-by-side comparison of two assessments' photos aligned on the
//! shoulder–hip segment, and the what-if chart with an adherence slider.
//!
//! A corrected set is stored beside the automatic one (never replacing it): source `manual`,
//! the file's `moved` list saying which points moved and by how much, and in the store
//! `model = "corrected"` with `model_version` = the id of the set it corrects. The engine
//! then runs on the *effective* sets: the latest correction of each set, else the set itself.
//! The live angles while dragging are computed in `assets/visual.js` with the formulas of
//! `tonus_core::metrics`; the browser test checks they agree with the engine.
//!
//! Left out: automatic detection of several people in a photo (the landmark files do not say),
//! and moving points other than the ones the metrics use.

use std::fmt::Write as _;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tonus_store::{AssessmentId, AssessmentStatus, LandmarkSet, LandmarkSetId, LandmarkSource, NewLandmarkSet};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format::{self, escape_html};
use crate::pages::Layout;
use crate::state::AppState;

/// The store's `model` of a hand-corrected set; its `model_version` names the corrected set.
pub(crate) const CORRECTED: &str = "corrected";

/// How a retake avoids the gates' failures.
pub(crate) const RETAKE_ADVICE: &[&str] = &[
    "camera at shoulder height, level, 2–3 m away",
    "a true side view (shoulder toward the camera) or a square front view",
    "plain background, good light, hair clear of the ear",
    "the whole body in frame, and only one person",
];

/// A landmark set with the set it corrects, when it is a correction.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    pub set: LandmarkSet,
    pub original: Option<LandmarkSet>,
}

/// The sets the engine runs on: for each original set, its latest correction or itself.
pub(crate) fn effective_sets(sets: Vec<LandmarkSet>) -> Vec<Effective> {
    let (corrections, originals): (Vec<LandmarkSet>, Vec<LandmarkSet>) = sets.into_iter().partition(|s| s.model == CORRECTED);
    originals
        .into_iter()
        .map(|original| {
            let id = original.id.to_string();
            match corrections.iter().rev().find(|c| c.model_version == id) {
                Some(c) => Effective { set: c.clone(), original: Some(original) },
                None => Effective { set: original, original: None },
            }
        })
        .collect()
}

/// (name, landmark file) for the engine; the name carries the set id.
pub(crate) fn engine_inputs(effective: &[Effective]) -> Vec<(String, Value)> {
    effective.iter().map(|e| (format!("{} landmarks ({})", e.set.view, e.set.id), e.set.landmarks.clone())).collect()
}

/// The report's photo for each effective set: by the id in its name, else by position.
fn report_photos(effective: &[Effective], report: &Value) -> Vec<Option<Value>> {
    let photos = report.get("photos").and_then(Value::as_array).cloned().unwrap_or_default();
    effective
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = e.set.id.to_string();
            photos
                .iter()
                .find(|p| p.get("file").and_then(Value::as_str).is_some_and(|f| f.contains(&id)))
                .or_else(|| (photos.len() == effective.len()).then(|| photos.get(i)).flatten())
                .cloned()
        })
        .collect()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn shown(m: &Value) -> String {
    match m.get("value").and_then(Value::as_f64) {
        Some(v) => {
            let unit = text(m, "unit");
            let detail = m.get("detail").and_then(Value::as_str).map(|d| format!(" ({d})")).unwrap_or_default();
            if unit == "°" { format!("{v:.1}°{detail}") } else { format!("{v:.2} {unit}{detail}") }
        }
        None => format!("not measurable: {}", text(m, "not_measurable")),
    }
}

/// The metrics a photo can show (those that need the other view are left out).
fn photo_metrics(photo: &Value) -> Vec<Value> {
    photo
        .get("metrics")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter(|m| !(m.get("value").is_none_or(Value::is_null) && text(m, "not_measurable").starts_with("needs a")))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// One metric row of a photo panel.
pub(crate) struct MetricRow {
    pub id: String,
    pub name: String,
    pub automatic: String,
    pub corrected: String,
    /// The engine's value for the shown landmarks, for the live check.
    pub engine: String,
    pub real_change: String,
}

/// One photo with its landmarks, warnings and metrics.
pub(crate) struct PhotoPanel {
    pub set_id: String,
    pub title: String,
    pub view: String,
    pub svg: String,
    pub landmarks_json: String,
    pub warnings: Vec<String>,
    pub corrected: Option<String>,
    pub rows: Vec<MetricRow>,
    pub can_edit: bool,
}

impl PhotoPanel {
    /// The panel's text in bytes, for the report cache's budget.
    pub(crate) fn text_bytes(&self) -> usize {
        let rows: usize = self
            .rows
            .iter()
            .map(|r| r.id.len() + r.name.len() + r.automatic.len() + r.corrected.len() + r.engine.len() + r.real_change.len())
            .sum();
        self.set_id.len()
            + self.title.len()
            + self.view.len()
            + self.svg.len()
            + self.landmarks_json.len()
            + self.warnings.iter().map(String::len).sum::<usize>()
            + self.corrected.as_ref().map_or(0, String::len)
            + rows
    }
}

/// Points the metrics use, per view: (index, name).
fn key_points(view: &str) -> &'static [(usize, &'static str)] {
    match view {
        "side-left" => &[(3, "left outer eye corner"), (7, "left ear"), (11, "left shoulder"), (23, "left hip")],
        "side-right" => &[(6, "right outer eye corner"), (8, "right ear"), (12, "right shoulder"), (24, "right hip")],
        _ => &[(7, "left ear"), (8, "right ear"), (11, "left shoulder"), (12, "right shoulder"), (23, "left hip"), (24, "right hip")],
    }
}

/// Segments drawn between key points, per view.
fn segments(view: &str) -> &'static [(usize, usize)] {
    match view {
        "side-left" => &[(3, 7), (7, 11), (11, 23)],
        "side-right" => &[(6, 8), (8, 12), (12, 24)],
        _ => &[(7, 8), (11, 12), (23, 24), (11, 23), (12, 24)],
    }
}

fn landmark_name(index: usize) -> &'static str {
    ["left outer eye corner", "right outer eye corner", "left ear", "right ear", "left shoulder", "right shoulder", "left hip", "right hip"]
        .iter()
        .zip([3, 6, 7, 8, 11, 12, 23, 24])
        .find(|(_, i)| *i == index)
        .map_or("landmark", |(n, _)| n)
}

/// Image size and landmarks (normalised `[x, y, visibility]`) of a landmark file.
fn geometry(file: &Value) -> (f64, f64, Vec<[f64; 3]>) {
    let w = file.pointer("/image/width").and_then(Value::as_f64).unwrap_or(1000.0).max(1.0);
    let h = file.pointer("/image/height").and_then(Value::as_f64).unwrap_or(1000.0).max(1.0);
    let points = file
        .get("landmarks")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let n = |i: usize| r.get(i).and_then(Value::as_f64).unwrap_or(0.0);
                    [n(0), n(1), n(3)]
                })
                .collect()
        })
        .unwrap_or_default();
    (w, h, points)
}

/// The overlay: the photo (when there is one), the measured lines, angle labels and the
/// draggable key points, all in image pixels.
fn overlay_svg(file: &Value, view: &str, photo: Option<&str>, set_id: &str) -> String {
    let (w, h, pts) = geometry(file);
    let px = |i: usize| pts.get(i).map_or((0.0, 0.0), |p| (p[0] * w, p[1] * h));
    let unit = w.max(h) / 100.0;
    let mut s = format!(
        r##"<svg class="lm-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" data-set="{set_id}" data-view="{view}" data-width="{w}" data-height="{h}" role="img" aria-label="Landmarks on the {view} photo">"##
    );
    match photo {
        Some(id) => {
            let _ = write!(s, r##"<image href="/photos/{id}" x="0" y="0" width="{w}" height="{h}" preserveAspectRatio="none"/>"##);
        }
        None => {
            let _ = write!(
                s,
                r##"<rect width="{w}" height="{h}" fill="#eef1f4"/><text x="{:.0}" y="{:.0}" class="lm-nophoto" font-size="{:.0}">no photo stored: landmarks only</text>"##,
                unit * 3.0,
                unit * 6.0,
                unit * 3.0
            );
        }
    }
    // Reference lines: horizontal through the shoulder (ear–shoulder angle), vertical through the
    // hip (trunk inclination); JS keeps them on their points.
    let side = view.starts_with("side");
    if side {
        let (sh, hip) = if view == "side-left" { (11, 23) } else { (12, 24) };
        let (sx, sy) = px(sh);
        let (hx, hy) = px(hip);
        let _ = write!(
            s,
            r##"<line class="ref" data-h="{sh}" x1="{:.1}" y1="{sy:.1}" x2="{:.1}" y2="{sy:.1}"/><line class="ref" data-v="{hip}" x1="{hx:.1}" y1="{:.1}" x2="{hx:.1}" y2="{hy:.1}"/>"##,
            sx - unit * 12.0,
            sx + unit * 12.0,
            hy - unit * 30.0
        );
    }
    for &(a, b) in segments(view) {
        let ((x1, y1), (x2, y2)) = (px(a), px(b));
        let _ = write!(s, r##"<line class="seg" data-a="{a}" data-b="{b}" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/>"##);
    }
    // (metric, short label, the point it sits by, offset up in units)
    let labels: &[(&str, &str, usize, f64)] = match view {
        "side-left" => &[
            ("ear_shoulder_angle", "ear–shoulder", 11, 1.5),
            ("sagittal_head_tilt", "head tilt", 3, 4.0),
            ("trunk_inclination", "trunk", 23, 1.5),
        ],
        "side-right" => &[
            ("ear_shoulder_angle", "ear–shoulder", 12, 1.5),
            ("sagittal_head_tilt", "head tilt", 6, 4.0),
            ("trunk_inclination", "trunk", 24, 1.5),
        ],
        _ => &[("coronal_head_tilt", "head tilt", 8, 1.5), ("shoulder_height_asymmetry", "shoulders", 12, 1.5)],
    };
    for &(metric, name, at, up) in labels {
        let (x, y) = px(at);
        let _ = write!(
            s,
            r##"<text class="angle" data-metric="{metric}" data-name="{name}" data-at="{at}" data-up="{up}" x="{:.1}" y="{:.1}" font-size="{:.1}"></text>"##,
            x + unit * 2.5,
            y - unit * up,
            unit * 2.4
        );
    }
    for &(i, name) in key_points(view) {
        let (x, y) = px(i);
        let _ = write!(
            s,
            r##"<circle class="lm" data-i="{i}" cx="{x:.1}" cy="{y:.1}" r="{:.1}" tabindex="0" role="slider" aria-label="{name}: drag to correct"><title>{name}</title></circle>"##,
            unit * 1.4
        );
    }
    s.push_str("</svg>");
    s
}

/// Warnings to show on a photo: the whole-photo problems, then each other reason a metric
/// could not be measured, with the metrics it concerns.
fn photo_warnings(photo: &Value) -> Vec<String> {
    let whole: Vec<String> = photo
        .get("warnings")
        .and_then(Value::as_array)
        .map(|w| w.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for m in photo_metrics(photo) {
        let reason = text(&m, "not_measurable");
        if reason.is_empty() || whole.iter().any(|w| w == reason) {
            continue;
        }
        match reasons.iter_mut().find(|(r, _)| r == reason) {
            Some((_, names)) => names.push(text(&m, "name").to_owned()),
            None => reasons.push((reason.to_owned(), vec![text(&m, "name").to_owned()])),
        }
    }
    whole.into_iter().chain(reasons.into_iter().map(|(reason, names)| format!("{}: {reason}", names.join(", ")))).collect()
}

/// The photo panels of an assessment's report page.
pub(crate) async fn photo_panels(
    state: &AppState,
    assessment: &tonus_store::Assessment,
    report: &Value,
    can_edit: bool,
) -> Result<Vec<PhotoPanel>, WebError> {
    let effective = effective_sets(state.store.landmark_sets_for(assessment.id).await?);
    let photos = report_photos(&effective, report);
    let mut panels = Vec::new();
    for (e, photo) in effective.iter().zip(photos) {
        let photo = photo.unwrap_or(Value::Null);
        let view = match text(&photo, "view") {
            "" => e.set.landmarks.get("view").and_then(Value::as_str).unwrap_or("front").to_owned(),
            v => v.to_owned(),
        };
        let metrics = photo_metrics(&photo);
        let whole: Vec<&str> =
            photo.get("warnings").and_then(Value::as_array).map(|w| w.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        // A whole-photo problem is said once, on the photo; the rows point to it.
        let cell = |m: &Value| {
            if whole.contains(&text(m, "not_measurable")) { "not measurable: see the warning on the photo".to_owned() } else { shown(m) }
        };
        // The automatic set's values beside the corrected ones.
        let automatic: Option<Vec<Value>> = match (&e.original, &assessment.intake) {
            (Some(original), Some(intake)) => {
                let name = format!("{} landmarks ({})", original.view, original.id);
                let assessed = crate::engine::assess(state, intake.clone(), vec![(name, original.landmarks.clone())]).await?;
                Some(assessed.report.pointer("/photos/0").map(photo_metrics).unwrap_or_default())
            }
            _ => None,
        };
        let rows = metrics
            .iter()
            .map(|m| {
                let id = text(m, "id").to_owned();
                let auto = automatic.as_ref().and_then(|a| a.iter().find(|x| text(x, "id") == id)).map(shown);
                let unit = match text(m, "unit") {
                    "°" => "°".to_owned(),
                    other => format!(" {other}"),
                };
                MetricRow {
                    name: text(m, "name").to_owned(),
                    automatic: auto.clone().unwrap_or_else(|| cell(m)),
                    corrected: if auto.is_some() { cell(m) } else { String::new() },
                    engine: m.get("value").and_then(Value::as_f64).map(|v| format!("{v}")).unwrap_or_default(),
                    real_change: m.get("real_change").and_then(Value::as_f64).map(|r| format!("{r}{unit}")).unwrap_or_else(|| "—".into()),
                    id,
                }
            })
            .collect();
        let (_, _, pts) = geometry(&e.set.landmarks);
        let corrected = e.original.as_ref().map(|_| {
            let moved = e.set.landmarks.get("moved").and_then(Value::as_array).map_or(0, Vec::len);
            format!("corrected by hand on {}: {moved} point(s) moved; the automatic set is kept", format::datetime(e.set.created_at))
        });
        panels.push(PhotoPanel {
            set_id: e.set.id.to_string(),
            title: format!("{view} view"),
            svg: overlay_svg(&e.set.landmarks, &view, e.set.photo.map(|p| p.to_string()).as_deref(), &e.set.id.to_string()),
            landmarks_json: serde_json::to_string(&pts).unwrap_or_else(|_| "[]".into()),
            warnings: photo_warnings(&photo),
            corrected,
            rows,
            view,
            can_edit,
        });
    }
    Ok(panels)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CorrectForm {
    /// JSON: `[{"i": index, "x": normalised x, "y": normalised y}, …]`.
    points: String,
}

#[derive(Debug, Deserialize)]
struct MovedPoint {
    i: usize,
    x: f64,
    y: f64,
}

/// `POST /assessments/{id}/landmarks/{set}/correct`: stores the moved points as a corrected
/// set beside the automatic one and recomputes the report on the effective sets.
pub(crate) async fn correct(
    State(state): State<AppState>,
    Path((id, set)): Path<(String, String)>,
    CsrfForm(me, form): CsrfForm<CorrectForm>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    let intake = match (&assessment.status, &assessment.intake) {
        (AssessmentStatus::Complete, Some(intake)) => intake.clone(),
        _ => return Err(WebError::Conflict("landmarks are corrected on a complete assessment's report".into())),
    };
    let set_id: LandmarkSetId = parse_id(&set)?;
    let sets = state.store.landmark_sets_for(assessment.id).await?;
    let posted = sets.iter().find(|s| s.id == set_id).ok_or(WebError::NotFound)?;
    let original = if posted.model == CORRECTED {
        sets.iter().find(|s| s.id.to_string() == posted.model_version).ok_or(WebError::NotFound)?
    } else {
        posted
    };
    let moves: Vec<MovedPoint> =
        serde_json::from_str(&form.points).map_err(|e| WebError::BadRequest(format!("points: not a list of moved points ({e})")))?;
    let corrected = corrected_file(&posted.landmarks, &original.landmarks, &moves).map_err(WebError::BadRequest)?;
    let bytes = serde_json::to_vec(&corrected).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let info = state.engine.parse_landmarks(&bytes, "corrected landmarks").map_err(WebError::BadRequest)?;
    let moved_points = corrected
        .get("moved")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(|x| x.get("index").and_then(Value::as_u64))
                .map(|i| format!("{} ({i})", landmark_name(i as usize)))
                .collect()
        })
        .unwrap_or_default();
    let saved = state
        .store
        .add_landmark_set(NewLandmarkSet {
            assessment: assessment.id,
            photo: original.photo,
            view: original.view.clone(),
            landmarks: info.value,
            model: CORRECTED.into(),
            model_version: original.id.to_string(),
            source: LandmarkSource::Manual,
            moved_points,
        })
        .await?;
    crate::audit::record(
        &state,
        Some(me.user.id),
        "create",
        "landmark_set",
        &assessment.id.to_string(),
        &format!("correction {}", saved.id),
    )
    .await?;
    recompute(&state, &me, assessment.id, intake).await?;
    Ok(Redirect::to(&format!("/assessments/{}#photo-{}", assessment.id, saved.id)).into_response())
}

/// Runs the engine on the effective sets and stores the new report beside the old ones.
pub(crate) async fn recompute(state: &AppState, me: &CurrentUser, id: AssessmentId, intake: Value) -> Result<(), WebError> {
    let effective = effective_sets(state.store.landmark_sets_for(id).await?);
    let assessed = crate::engine::assess(state, intake, engine_inputs(&effective)).await?;
    let report = state.store.save_report(id, assessed.report, &assessed.engine_version).await?;
    crate::audit::record(state, Some(me.user.id), "recompute", "assessment", &id.to_string(), &format!("engine {}", report.engine_version))
        .await?;
    Ok(())
}

/// The corrected file: `current` with the moved points, source `manual`, and `moved`
/// measured from the `original` (automatic) points.
fn corrected_file(current: &Value, original: &Value, moves: &[MovedPoint]) -> Result<Value, String> {
    let mut file = current.clone();
    let rows = file.get_mut("landmarks").and_then(Value::as_array_mut).ok_or("the landmark set has no landmarks")?;
    for m in moves {
        if !((0.0..=1.0).contains(&m.x) && (0.0..=1.0).contains(&m.y)) {
            return Err(format!("points: landmark {} must stay inside the image", m.i));
        }
        let row = rows.get_mut(m.i).and_then(Value::as_array_mut).ok_or_else(|| format!("points: there is no landmark {}", m.i))?;
        if row.len() < 2 {
            return Err(format!("points: landmark {} is malformed", m.i));
        }
        row[0] = json!(m.x);
        row[1] = json!(m.y);
    }
    let (_, _, before) = geometry(original);
    let (_, _, after) = geometry(&file);
    let moved: Vec<Value> = before
        .iter()
        .zip(&after)
        .enumerate()
        .filter(|(_, (b, a))| (a[0] - b[0]).abs() > 1e-9 || (a[1] - b[1]).abs() > 1e-9)
        .map(|(index, (b, a))| json!({"index": index, "dx": a[0] - b[0], "dy": a[1] - b[1]}))
        .collect();
    if let Some(obj) = file.as_object_mut() {
        obj.insert("moved".into(), Value::Array(moved));
        if let Some(capture) = obj.get_mut("capture").and_then(Value::as_object_mut) {
            capture.insert("source".into(), json!("manual"));
        }
    }
    Ok(file)
}

// ---------------------------------------------------------------- comparison

#[derive(Debug, Deserialize)]
pub(crate) struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

/// One assessment in the choice lists.
pub(crate) struct Choice {
    pub id: String,
    pub label: String,
    pub selected_a: bool,
    pub selected_b: bool,
}

/// One metric's change between the two assessments.
pub(crate) struct ChangeRow {
    pub name: String,
    pub before: String,
    pub after: String,
    pub delta: String,
    pub verdict: String,
    pub real: bool,
}

/// One view present in both assessments.
pub(crate) struct CompareView {
    pub view: String,
    pub svg: String,
    pub rows: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "clients/compare.html")]
struct ComparePage {
    layout: Layout,
    client_id: String,
    client_name: String,
    choices: Vec<Choice>,
    label_a: String,
    label_b: String,
    views: Vec<CompareView>,
    message: Option<String>,
}

/// A photo of one assessment for the comparison.
struct Side {
    file: Value,
    photo: Option<String>,
    report_photo: Value,
}

async fn sides(state: &AppState, id: AssessmentId) -> Result<Vec<(String, Side)>, WebError> {
    let Some(report) = state.store.latest_report(id).await? else { return Ok(Vec::new()) };
    let effective = effective_sets(state.store.landmark_sets_for(id).await?);
    let photos = report_photos(&effective, &report.report);
    Ok(effective
        .into_iter()
        .zip(photos)
        .filter_map(|(e, p)| {
            let p = p?;
            let view = text(&p, "view").to_owned();
            Some((view, Side { file: e.set.landmarks, photo: e.set.photo.map(|x| x.to_string()), report_photo: p }))
        })
        .collect())
}

/// Shoulder and hip anchors of a view, in image pixels.
fn anchors(file: &Value, view: &str) -> ((f64, f64), (f64, f64)) {
    let (w, h, pts) = geometry(file);
    let px = |i: usize| pts.get(i).map_or((0.0, 0.0), |p| (p[0] * w, p[1] * h));
    let mid = |a: (f64, f64), b: (f64, f64)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    match view {
        "side-left" => (px(11), px(23)),
        "side-right" => (px(12), px(24)),
        _ => (mid(px(11), px(12)), mid(px(23), px(24))),
    }
}

/// The transform that puts the shoulder anchor at (0, 0) and scales the shoulder–hip segment
/// to `length`: (scale, tx, ty) for `translate(tx ty) scale(scale)`.
pub(crate) fn align(shoulder: (f64, f64), hip: (f64, f64), length: f64) -> (f64, f64, f64) {
    let seg = ((hip.0 - shoulder.0).powi(2) + (hip.1 - shoulder.1).powi(2)).sqrt().max(1e-9);
    let k = length / seg;
    (k, -shoulder.0 * k, -shoulder.1 * k)
}

/// A skeleton (key points and segments) in image pixels, for a transformed group.
fn skeleton(file: &Value, view: &str, class: &str, k: f64) -> String {
    let (w, h, pts) = geometry(file);
    let px = |i: usize| pts.get(i).map_or((0.0, 0.0), |p| (p[0] * w, p[1] * h));
    let mut s = format!(r##"<g class="{class}">"##);
    for &(a, b) in segments(view) {
        let ((x1, y1), (x2, y2)) = (px(a), px(b));
        let _ = write!(s, r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" vector-effect="non-scaling-stroke"/>"##);
    }
    for &(i, name) in key_points(view) {
        let (x, y) = px(i);
        let _ = write!(s, r##"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}"><title>{name}</title></circle>"##, 4.0 / k);
    }
    s.push_str("</g>");
    s
}

/// Three panels: the earlier photo, the later one, and both skeletons overlaid, each scaled and
/// translated so that the shoulder–hip segments match.
fn compare_svg(view: &str, a: &Side, b: &Side, label_a: &str, label_b: &str) -> String {
    const LEN: f64 = 160.0;
    let (cell_w, top, cell_h) = (240.0, 150.0, 440.0);
    let mut s = format!(
        r##"<svg class="compare-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{} photos aligned on the shoulder and hip">"##,
        cell_w * 3.0,
        cell_h + 30.0,
        escape_html(view)
    );
    // (title, [(assessment's photo, skeleton class, draw the photo)])
    type Layer<'a> = (&'a Side, &'a str, bool);
    let panels: [(&str, Vec<Layer<'_>>); 3] = [
        (label_a, vec![(a, "skel-a", true)]),
        (label_b, vec![(b, "skel-b", true)]),
        ("both, aligned", vec![(a, "skel-a", false), (b, "skel-b", false)]),
    ];
    for (col, (title, layers)) in panels.iter().enumerate() {
        let ox = cell_w * col as f64 + cell_w / 2.0;
        let _ = write!(
            s,
            r##"<text x="{ox:.0}" y="18" text-anchor="middle" class="compare-title">{}</text><svg x="{:.0}" y="26" width="{cell_w}" height="{cell_h}" viewBox="{:.0} {:.0} {cell_w} {cell_h}" overflow="hidden"><rect x="{:.0}" y="{:.0}" width="{cell_w}" height="{cell_h}" fill="#eef1f4"/>"##,
            escape_html(title),
            cell_w * col as f64,
            -cell_w / 2.0,
            -top,
            -cell_w / 2.0,
            -top
        );
        for (side, class, with_photo) in layers {
            let (sh, hip) = anchors(&side.file, view);
            let (k, tx, ty) = align(sh, hip, LEN);
            let (w, h, _) = geometry(&side.file);
            let _ = write!(s, r##"<g transform="translate({tx:.2} {ty:.2}) scale({k:.5})">"##);
            if *with_photo && let Some(id) = &side.photo {
                let _ = write!(s, r##"<image href="/photos/{id}" width="{w}" height="{h}" opacity="0.85"/>"##);
            }
            s.push_str(&skeleton(&side.file, view, class, k));
            s.push_str("</g>");
        }
        let _ = write!(
            s,
            r##"<line x1="-30" y1="0" x2="30" y2="0" class="anchor"/><line x1="-30" y1="{LEN}" x2="30" y2="{LEN}" class="anchor"/></svg>"##
        );
    }
    s.push_str("</svg>");
    s
}

fn change_rows(a: &Value, b: &Value) -> Vec<ChangeRow> {
    let before = photo_metrics(a);
    photo_metrics(b)
        .iter()
        .filter_map(|mb| {
            let id = text(mb, "id");
            let ma = before.iter().find(|m| text(m, "id") == id)?;
            let (va, vb) = (ma.get("value").and_then(Value::as_f64), mb.get("value").and_then(Value::as_f64));
            let real = mb.get("real_change").and_then(Value::as_f64).or_else(|| ma.get("real_change").and_then(Value::as_f64));
            let (unit, places) = match text(mb, "unit") {
                "°" => ("°".to_owned(), 1),
                other => (format!(" {other}"), 2),
            };
            let (delta, verdict, is_real) = match (va, vb, real) {
                (Some(x), Some(y), Some(r)) if (y - x).abs() + 1e-9 >= r => {
                    (format!("{:+.places$}{unit}", y - x), format!("real change (beyond ±{r}{unit})"), true)
                }
                (Some(x), Some(y), Some(r)) => (format!("{:+.places$}{unit}", y - x), format!("noise (within ±{r}{unit})"), false),
                (Some(x), Some(y), None) => (format!("{:+.places$}{unit}", y - x), "no threshold known".into(), false),
                _ => ("—".into(), "not measured in both".into(), false),
            };
            Some(ChangeRow { name: text(mb, "name").to_owned(), before: shown(ma), after: shown(mb), delta, verdict, real: is_real })
        })
        .collect()
}

/// `GET /clients/{id}/compare?a=&b=`: two assessments' photos of the same view, aligned.
pub(crate) async fn compare(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), "view", "comparison", &client.id.to_string(), "").await?;
    let done: Vec<tonus_store::Assessment> =
        state.store.assessments_for(client.id).await?.into_iter().filter(|a| a.status == AssessmentStatus::Complete).collect();
    let label = |a: &tonus_store::Assessment| {
        let on = a.intake.as_ref().and_then(|i| i.get("assessed_on")).and_then(Value::as_str).map(str::to_owned);
        on.unwrap_or_else(|| format::date(a.completed_at.unwrap_or(a.updated_at)))
    };
    let pick = |wanted: &Option<String>, default: Option<&tonus_store::Assessment>| {
        wanted.as_ref().and_then(|w| done.iter().find(|a| &a.id.to_string() == w)).or(default).cloned()
    };
    let n = done.len();
    let a = pick(&q.a, n.checked_sub(2).and_then(|i| done.get(i)));
    let b = pick(&q.b, done.last());
    let mut views = Vec::new();
    let mut message = None;
    let (label_a, label_b) = (a.as_ref().map(label).unwrap_or_default(), b.as_ref().map(label).unwrap_or_default());
    match (&a, &b) {
        (Some(a), Some(b)) if a.id != b.id => {
            let (sa, sb) = (sides(&state, a.id).await?, sides(&state, b.id).await?);
            for (view, side_b) in &sb {
                if let Some((_, side_a)) = sa.iter().find(|(v, _)| v == view) {
                    views.push(CompareView {
                        view: view.clone(),
                        svg: compare_svg(view, side_a, side_b, &label_a, &label_b),
                        rows: change_rows(&side_a.report_photo, &side_b.report_photo),
                    });
                }
            }
            if views.is_empty() {
                message = Some("These two assessments have no photo of the same view.".into());
            }
        }
        _ => message = Some("Comparing needs two completed assessments; choose two different ones.".into()),
    }
    let choices = done
        .iter()
        .map(|x| Choice {
            id: x.id.to_string(),
            label: label(x),
            selected_a: a.as_ref().is_some_and(|a| a.id == x.id),
            selected_b: b.as_ref().is_some_and(|b| b.id == x.id),
        })
        .collect();
    let page = ComparePage {
        layout: Layout::for_user("Compare photos", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        choices,
        label_a,
        label_b,
        views,
        message,
    };
    Ok(Html(page.render()?))
}

// ---------------------------------------------------------------- what-if

/// The slider's query; read leniently (an emptied number field means the default).
#[derive(Debug, Deserialize)]
pub(crate) struct WhatIfQuery {
    /// Adherence in percent, 0–100.
    adherence: Option<String>,
    weeks: Option<String>,
}

impl WhatIfQuery {
    fn adherence(&self) -> u32 {
        self.adherence.as_deref().and_then(|a| a.trim().parse::<u32>().ok()).unwrap_or(70).min(100)
    }

    fn weeks(&self) -> u32 {
        self.weeks.as_deref().and_then(|w| w.trim().parse::<u32>().ok()).unwrap_or(12).clamp(1, 52)
    }
}

#[derive(Template)]
#[template(path = "clients/what_if.html")]
struct WhatIfPage {
    layout: Layout,
    client_id: String,
    client_name: String,
    adherence: u32,
    weeks: u32,
    chart: Option<WhatIfChart>,
}

#[derive(Template)]
#[template(path = "clients/what_if_chart.html")]
pub(crate) struct WhatIfChart {
    svg: String,
    summary: String,
}

async fn what_if_chart(state: &AppState, client: tonus_store::ClientId, q: &WhatIfQuery) -> Result<Option<WhatIfChart>, WebError> {
    let latest =
        state.store.assessments_for(client).await?.into_iter().rev().find(|a| a.status == AssessmentStatus::Complete && a.intake.is_some());
    let Some(intake) = latest.and_then(|a| a.intake) else { return Ok(None) };
    let (adherence, weeks) = (q.adherence(), q.weeks());
    let engine = state.engine.clone();
    let _permit = state.engine_permits.acquire().await.map_err(|_| WebError::Engine("engine is shutting down".into()))?;
    let w = tokio::task::spawn_blocking(move || engine.what_if(&intake, weeks, f64::from(adherence) / 100.0))
        .await
        .map_err(|e| WebError::Engine(format!("engine task failed: {e}")))??;
    let summary = match (w.plan_simulated, w.balanced_in_week) {
        (false, _) => "No plan is simulated: the red-flag screen blocks it.".to_owned(),
        (true, Some(week)) => format!("At {adherence}% adherence the model reaches the balanced zone in week {week}."),
        (true, None) => format!("At {adherence}% adherence the model does not reach the balanced zone within {weeks} weeks."),
    };
    Ok(Some(WhatIfChart { svg: w.svg, summary }))
}

/// `GET /clients/{id}/what-if`: the trajectory with and without the plan, with a slider.
pub(crate) async fn what_if(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<WhatIfQuery>,
) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), "view", "what_if", &client.id.to_string(), "").await?;
    let chart = what_if_chart(&state, client.id, &q).await?;
    let page = WhatIfPage {
        layout: Layout::for_user("What if", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        adherence: q.adherence(),
        weeks: q.weeks(),
        chart,
    };
    Ok(Html(page.render()?))
}

/// `GET /clients/{id}/what-if/chart`: the chart alone, for the slider's htmx request.
pub(crate) async fn what_if_fragment(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<WhatIfQuery>,
) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    let chart = what_if_chart(&state, client.id, &q).await?.ok_or(WebError::NotFound)?;
    Ok(Html(chart.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(points: &[(usize, f64, f64)]) -> Value {
        let mut rows = vec![json!([0.5, 0.5, 0.0, 0.9]); 33];
        for &(i, x, y) in points {
            rows[i] = json!([x, y, 0.0, 0.9]);
        }
        json!({"image": {"width": 1000, "height": 2000}, "view": "side-left", "capture": {"posture": "standing", "source": "automatic"}, "landmarks": rows})
    }

    #[test]
    fn a_correction_records_the_moves_from_the_automatic_points() {
        let original = file(&[(7, 0.4, 0.2)]);
        let once = corrected_file(&original, &original, &[MovedPoint { i: 7, x: 0.45, y: 0.2 }]).unwrap();
        assert_eq!(once["capture"]["source"], "manual");
        assert_eq!(once["landmarks"][7][0], 0.45);
        let moved = once["moved"].as_array().unwrap();
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0]["index"], 7);
        assert!((moved[0]["dx"].as_f64().unwrap() - 0.05).abs() < 1e-12);
        // Correcting the correction still measures from the automatic set.
        let twice = corrected_file(&once, &original, &[MovedPoint { i: 11, x: 0.5, y: 0.3 }]).unwrap();
        assert_eq!(twice["moved"].as_array().unwrap().len(), 2);
        assert!(corrected_file(&original, &original, &[MovedPoint { i: 7, x: 1.5, y: 0.2 }]).is_err());
        assert!(corrected_file(&original, &original, &[MovedPoint { i: 40, x: 0.5, y: 0.2 }]).is_err());
    }

    #[test]
    fn alignment_maps_shoulder_to_origin_and_the_segment_to_the_length() {
        let (k, tx, ty) = align((100.0, 200.0), (100.0, 600.0), 160.0);
        assert!((k - 0.4).abs() < 1e-12);
        assert!((100.0 * k + tx).abs() < 1e-9 && (200.0 * k + ty).abs() < 1e-9);
        assert!((600.0 * k + ty - 160.0).abs() < 1e-9);
    }

    #[test]
    fn the_overlay_is_in_image_pixels_with_draggable_key_points() {
        let svg = overlay_svg(&file(&[(7, 0.4, 0.2)]), "side-left", None, "s1");
        assert!(svg.contains(r#"viewBox="0 0 1000 2000""#), "{svg}");
        assert!(svg.contains(r#"data-i="7" cx="400.0" cy="400.0""#), "{svg}");
        assert_eq!(svg.matches("class=\"lm\"").count(), 4);
    }
}
