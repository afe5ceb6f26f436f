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
use tonus_app::landmarks::LandmarkFile;
use tonus_app::report::{MetricView, PhotoView, PhotoWarningView, Reading};
use tonus_clinic::{Actor, EffectiveSet, MovedPoint, RecordKind, ReportRecord};
use tonus_store::{AssessmentId, AssessmentStatus, LandmarkSetId, View};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

/// How a retake avoids the gates' failures.
pub(crate) const RETAKE_ADVICE: &[&str] = &[
    "camera at shoulder height, level, 2–3 m away",
    "a true side view (shoulder toward the camera) or a square front view",
    "plain background, good light, hair clear of the ear",
    "the whole body in frame, sitting upright, and only one person",
];

/// The report's photo for each effective set: the engine reports the sets in the order it
/// was given them.
fn report_photos<'a>(effective: &[EffectiveSet], report: &'a tonus_app::report::Report) -> Vec<Option<&'a PhotoView>> {
    (0..effective.len()).map(|i| report.photos.get(i)).collect()
}

fn shown(m: &MetricView) -> String {
    tonus_app::words::reading(m)
}

fn value_of(m: &MetricView) -> Option<f64> {
    match m.reading {
        Reading::Measured { value, .. } => Some(value),
        Reading::NotMeasurable { .. } => None,
    }
}

/// The metrics a photo can show (those that need the other view are left out).
fn photo_metrics(photo: &PhotoView) -> Vec<&MetricView> {
    photo.metrics.iter().filter(|m| !matches!(&m.reading, Reading::NotMeasurable { cause } if cause.is_wrong_view())).collect()
}

/// The cause a whole-photo warning gives, so rows that share it point to the warning.
fn whole_photo_cause(w: &PhotoWarningView) -> Option<&tonus_app::report::NotMeasurableView> {
    match w {
        PhotoWarningView::Unusable { cause } | PhotoWarningView::Leaning { cause } => Some(cause),
        _ => None,
    }
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
fn key_points(view: View) -> &'static [(usize, &'static str)] {
    match view {
        View::SideLeft => &[(3, "left outer eye corner"), (7, "left ear"), (11, "left shoulder"), (23, "left hip")],
        View::SideRight => &[(6, "right outer eye corner"), (8, "right ear"), (12, "right shoulder"), (24, "right hip")],
        View::Front => {
            &[(7, "left ear"), (8, "right ear"), (11, "left shoulder"), (12, "right shoulder"), (23, "left hip"), (24, "right hip")]
        }
    }
}

/// Segments drawn between key points, per view.
fn segments(view: View) -> &'static [(usize, usize)] {
    match view {
        View::SideLeft => &[(3, 7), (7, 11), (11, 23)],
        View::SideRight => &[(6, 8), (8, 12), (12, 24)],
        View::Front => &[(7, 8), (11, 12), (23, 24), (11, 23), (12, 24)],
    }
}

/// Image size and landmarks (normalised `[x, y, visibility]`) of a landmark file.
fn geometry(file: &LandmarkFile) -> (f64, f64, Vec<[f64; 3]>) {
    let w = f64::from(file.image.width).max(1.0);
    let h = f64::from(file.image.height).max(1.0);
    let n = |r: &Vec<f64>, i: usize| r.get(i).copied().unwrap_or(0.0);
    (w, h, file.landmarks.iter().map(|r| [n(r, 0), n(r, 1), n(r, 3)]).collect())
}

/// The overlay: the photo (when there is one), the measured lines, angle labels and the
/// draggable key points, all in image pixels.
fn overlay_svg(file: &LandmarkFile, view: View, given: bool, photo: Option<&str>, set_id: &str) -> String {
    let (w, h, pts) = geometry(file);
    let px = |i: usize| pts.get(i).map_or((0.0, 0.0), |p| (p[0] * w, p[1] * h));
    let unit = w.max(h) / 100.0;
    let mut s = format!(
        r##"<svg class="lm-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" data-set="{set_id}" data-view="{view}" data-given="{given}" data-width="{w}" data-height="{h}" role="img" aria-label="Landmarks on the {view} photo">"##
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
    let side = match view {
        View::SideLeft => Some((11, 23)),
        View::SideRight => Some((12, 24)),
        View::Front => None,
    };
    if let Some((sh, hip)) = side {
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
        View::SideLeft => &[
            ("ear_shoulder_angle", "ear–shoulder", 11, 1.5),
            ("sagittal_head_tilt", "head tilt", 3, 4.0),
            ("trunk_inclination", "trunk", 23, 1.5),
        ],
        View::SideRight => &[
            ("ear_shoulder_angle", "ear–shoulder", 12, 1.5),
            ("sagittal_head_tilt", "head tilt", 6, 4.0),
            ("trunk_inclination", "trunk", 24, 1.5),
        ],
        View::Front => &[("coronal_head_tilt", "head tilt", 8, 1.5), ("shoulder_height_asymmetry", "shoulders", 12, 1.5)],
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
            r##"<circle class="lm" data-i="{i}" cx="{x:.1}" cy="{y:.1}" r="{:.1}" tabindex="0" role="slider" aria-label="{name}: drag, or use the arrow keys, to correct"><title>{name}</title></circle>"##,
            unit * 1.4
        );
    }
    s.push_str("</svg>");
    s
}

/// Warnings to show on a photo: the whole-photo problems, then each other reason a metric
/// could not be measured, with the metrics it concerns.
fn photo_warnings(photo: &PhotoView) -> Vec<String> {
    let whole: Vec<String> = photo.warnings.iter().map(tonus_app::words::photo_warning).collect();
    let whole_causes: Vec<_> = photo.warnings.iter().filter_map(whole_photo_cause).collect();
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for m in photo_metrics(photo) {
        let Reading::NotMeasurable { cause } = &m.reading else { continue };
        if whole_causes.contains(&cause) {
            continue;
        }
        let reason = tonus_app::words::not_measurable(cause);
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, names)) => names.push(m.name.clone()),
            None => reasons.push((reason, vec![m.name.clone()])),
        }
    }
    whole.into_iter().chain(reasons.into_iter().map(|(reason, names)| format!("{}: {reason}", names.join(", ")))).collect()
}

/// The photo panels of an assessment's report page.
pub(crate) async fn photo_panels(
    state: &AppState,
    assessment: &tonus_store::Assessment,
    report: &ReportRecord,
    can_edit: bool,
) -> Result<Vec<PhotoPanel>, WebError> {
    let effective = state.clinic.effective_sets(assessment.id).await?;
    let photos = report_photos(&effective, &report.report);
    let intake = state.clinic.intake_of(assessment)?;
    let mut panels = Vec::new();
    for (e, photo) in effective.iter().zip(photos) {
        let Some(photo) = photo else { continue };
        let view = photo.view;
        let metrics = photo_metrics(photo);
        let whole: Vec<_> = photo.warnings.iter().filter_map(whole_photo_cause).collect();
        // A whole-photo problem is said once, on the photo; the rows point to it.
        let cell = |m: &MetricView| match &m.reading {
            Reading::NotMeasurable { cause } if whole.contains(&cause) => "not measurable: see the warning on the photo".to_owned(),
            _ => shown(m),
        };
        // The automatic set's values beside the corrected ones.
        let automatic = match (&e.original, &intake) {
            (Some(original), Some(intake)) => {
                let alone = EffectiveSet { current: original.clone(), original: None };
                let report = state.clinic.assess(intake, std::slice::from_ref(&alone)).await?;
                report.photos.into_iter().next()
            }
            _ => None,
        };
        let rows = metrics
            .iter()
            .map(|m| {
                let auto = automatic.as_ref().and_then(|a| a.metrics.iter().find(|x| x.id == m.id)).map(shown);
                let unit = if m.unit == "°" { "°".to_owned() } else { format!(" {}", m.unit) };
                MetricRow {
                    name: m.name.clone(),
                    automatic: auto.clone().unwrap_or_else(|| cell(m)),
                    corrected: if auto.is_some() { cell(m) } else { String::new() },
                    engine: value_of(m).map(|v| format!("{v}")).unwrap_or_default(),
                    real_change: m.real_change.map(|r| format!("{r}{unit}")).unwrap_or_else(|| "—".into()),
                    id: m.id.clone(),
                }
            })
            .collect();
        let file = &e.current.file;
        let (_, _, pts) = geometry(file);
        let corrected = e.original.as_ref().map(|_| {
            format!(
                "corrected by hand on {}: {} point(s) moved; the automatic set is kept",
                format::datetime(e.current.set.created_at),
                file.moved.len()
            )
        });
        let set_id = e.current.set.id.to_string();
        panels.push(PhotoPanel {
            title: format!("{view} view"),
            svg: overlay_svg(file, view, !photo.view_detected, e.current.set.photo.map(|p| p.to_string()).as_deref(), &set_id),
            landmarks_json: serde_json::to_string(&pts).unwrap_or_else(|_| "[]".into()),
            warnings: photo_warnings(photo),
            corrected,
            rows,
            view: view.as_str().to_owned(),
            can_edit,
            set_id,
        });
    }
    Ok(panels)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CorrectForm {
    /// JSON: `[{"i": index, "x": normalised x, "y": normalised y}, …]`.
    points: String,
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
    let set_id: LandmarkSetId = parse_id(&set)?;
    let moves: Vec<MovedPoint> =
        serde_json::from_str(&form.points).map_err(|e| WebError::BadRequest(format!("points: not a list of moved points ({e})")))?;
    let (saved, _) = state.clinic.correct_landmarks(Actor::user(me.user.id), &assessment, set_id, &moves).await?;
    Ok(Redirect::to(&format!("/assessments/{}#photo-{}", assessment.id, saved.id)).into_response())
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
    file: LandmarkFile,
    photo: Option<String>,
    report_photo: PhotoView,
}

async fn sides(state: &AppState, id: AssessmentId) -> Result<Vec<(View, Side)>, WebError> {
    let Some(report) = state.clinic.latest_report(id).await? else { return Ok(Vec::new()) };
    let effective = state.clinic.effective_sets(id).await?;
    let photos: Vec<Option<PhotoView>> = report_photos(&effective, &report.report).into_iter().map(|p| p.cloned()).collect();
    Ok(effective
        .into_iter()
        .zip(photos)
        .filter_map(|(e, p)| {
            let p = p?;
            Some((p.view, Side { file: e.current.file, photo: e.current.set.photo.map(|x| x.to_string()), report_photo: p }))
        })
        .collect())
}

/// Shoulder and hip anchors of a view, in image pixels.
fn anchors(file: &LandmarkFile, view: View) -> ((f64, f64), (f64, f64)) {
    let (w, h, pts) = geometry(file);
    let px = |i: usize| pts.get(i).map_or((0.0, 0.0), |p| (p[0] * w, p[1] * h));
    let mid = |a: (f64, f64), b: (f64, f64)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    match view {
        View::SideLeft => (px(11), px(23)),
        View::SideRight => (px(12), px(24)),
        View::Front => (mid(px(11), px(12)), mid(px(23), px(24))),
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
fn skeleton(file: &LandmarkFile, view: View, class: &str, k: f64) -> String {
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
fn compare_svg(view: View, a: &Side, b: &Side, label_a: &str, label_b: &str) -> String {
    const LEN: f64 = 160.0;
    let (cell_w, top, cell_h) = (240.0, 150.0, 440.0);
    let mut s = format!(
        r##"<svg class="compare-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="{} photos aligned on the shoulder and hip">"##,
        cell_w * 3.0,
        cell_h + 30.0,
        view.as_str()
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
            tonus_app::render::esc(title),
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

fn change_rows(a: &PhotoView, b: &PhotoView) -> Vec<ChangeRow> {
    let before = photo_metrics(a);
    photo_metrics(b)
        .into_iter()
        .filter_map(|mb| {
            let ma = before.iter().find(|m| m.id == mb.id)?;
            let (va, vb) = (value_of(ma), value_of(mb));
            let real = mb.real_change.or(ma.real_change);
            let (unit, places) = if mb.unit == "°" { ("°".to_owned(), 1) } else { (format!(" {}", mb.unit), 2) };
            let (delta, verdict, is_real) = match (va, vb, real) {
                (Some(x), Some(y), Some(r)) if (y - x).abs() + 1e-9 >= r => {
                    (format!("{:+.places$}{unit}", y - x), format!("real change (beyond ±{r}{unit})"), true)
                }
                (Some(x), Some(y), Some(r)) => (format!("{:+.places$}{unit}", y - x), format!("noise (within ±{r}{unit})"), false),
                (Some(x), Some(y), None) => (format!("{:+.places$}{unit}", y - x), "no threshold known".into(), false),
                _ => ("—".into(), "not measured in both".into(), false),
            };
            Some(ChangeRow { name: mb.name.clone(), before: shown(ma), after: shown(mb), delta, verdict, real: is_real })
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
    let client = access::view_client(&state, &me, &id, RecordKind::Comparison, "").await?;
    let done: Vec<tonus_store::Assessment> =
        state.store.assessments_for(client.id).await?.into_iter().filter(|a| a.status == AssessmentStatus::Complete).collect();
    let label = |a: &tonus_store::Assessment| {
        let on = state.clinic.intake_of(a).ok().flatten().map(|i| i.assessed_on);
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
                        view: view.as_str().to_owned(),
                        svg: compare_svg(*view, side_a, side_b, &label_a, &label_b),
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
    measured: Option<MeasuredAdherence>,
}

/// Adherence as the client's desk page measured it: the share of measured days on which they
/// confirmed at least one exercise (a proxy: the plan's dosage is not counted).
struct MeasuredAdherence {
    percent: u32,
    days_with_exercise: usize,
    days: usize,
}

/// The last four weeks of desk days, when there are at least three.
async fn measured_adherence(state: &AppState, client: tonus_store::ClientId) -> Result<Option<MeasuredAdherence>, WebError> {
    let since = format::date(tonus_store::Timestamp(tonus_store::Timestamp::now().0 - 28 * 86_400_000));
    let until = format::date(tonus_store::Timestamp(tonus_store::Timestamp::now().0 + 86_400_000));
    let days: Vec<_> = state.store.desk_days(client, &since).await?.into_iter().filter(|d| d.day <= until).collect();
    if days.len() < 3 {
        return Ok(None);
    }
    let with = days.iter().filter(|d| d.exercises_done > 0).count();
    // Rounded to the slider's steps of 5 %.
    let percent = ((with * 100 / days.len()) as u32 + 2) / 5 * 5;
    Ok(Some(MeasuredAdherence { percent: percent.min(100), days_with_exercise: with, days: days.len() }))
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
    let Some(assessment) = latest else { return Ok(None) };
    let (adherence, weeks) = (q.adherence(), q.weeks());
    let sim = state.clinic.what_if(&assessment, weeks, f64::from(adherence) / 100.0).await?;
    use tonus_app::simulate::SimulationStatus;
    let summary = match (sim.status, sim.balanced_in_week) {
        (SimulationStatus::RedFlag, _) => "Nothing is simulated: an uncleared red flag stops the plan and the muscle story.".to_owned(),
        (SimulationStatus::NoFindings, _) => {
            "Nothing is simulated: no muscle was found on the body in this assessment (exposure and symptoms alone are not findings)."
                .to_owned()
        }
        (SimulationStatus::WithoutPlan, _) => "Only the course without a plan is simulated: the red-flag screen is incomplete.".to_owned(),
        (SimulationStatus::Simulated, Some(week)) => {
            format!("At {adherence}% adherence the model reaches the balanced zone in week {week}.")
        }
        (SimulationStatus::Simulated, None) => {
            format!("At {adherence}% adherence the model does not reach the balanced zone within {weeks} weeks.")
        }
    };
    Ok(Some(WhatIfChart { svg: tonus_app::svg::trajectory_chart(&sim), summary }))
}

/// `GET /clients/{id}/what-if`: the trajectory with and without the plan, with a slider.
pub(crate) async fn what_if(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<WhatIfQuery>,
) -> Result<Html<String>, WebError> {
    let client = access::view_client(&state, &me, &id, RecordKind::WhatIf, "").await?;
    let chart = what_if_chart(&state, client.id, &q).await?;
    let measured = measured_adherence(&state, client.id).await?;
    let page = WhatIfPage {
        layout: Layout::for_user("What if", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        adherence: q.adherence(),
        weeks: q.weeks(),
        chart,
        measured,
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

    #[test]
    fn alignment_maps_shoulder_to_origin_and_the_segment_to_the_length() {
        let (k, tx, ty) = align((100.0, 200.0), (100.0, 600.0), 160.0);
        assert!((k - 0.4).abs() < 1e-12);
        assert!((100.0 * k + tx).abs() < 1e-9 && (200.0 * k + ty).abs() < 1e-9);
        assert!((600.0 * k + ty - 160.0).abs() < 1e-9);
    }

    #[test]
    fn the_overlay_is_in_image_pixels_with_draggable_key_points() {
        let (name, text) = tonus_app::examples::personas()[0].landmarks[0];
        let mut file = tonus_app::landmarks::parse(text, name).unwrap();
        file.landmarks[7][0] = 0.4;
        file.landmarks[7][1] = 0.2;
        let (w, h) = (file.image.width, file.image.height);
        let svg = overlay_svg(&file, View::SideLeft, true, None, "s1");
        assert!(svg.contains(&format!(r#"viewBox="0 0 {w} {h}""#)), "{svg}");
        let (x, y) = (0.4 * f64::from(w), 0.2 * f64::from(h));
        assert!(svg.contains(&format!(r#"data-i="7" cx="{x:.1}" cy="{y:.1}""#)), "{svg}");
        assert_eq!(svg.matches("class=\"lm\"").count(), 4);
    }
}
