//! Server-side SVG: the body map (front and back figures drawn for Tonus, with the pattern's
//! muscles coloured by state, the confidence as intensity, the client's pain and its referral
//! lines overlaid, and a legend) and the charts (the what-if trajectory and a progress chart with
//! its normal band and real-change threshold). Plain SVG text, so the same pictures appear in the
//! web app, printed reports and the CLI's HTML. No scripts; hover text is SVG `<title>`.
//!
//! Colours follow the Okabe–Ito palette, which colour-blind readers can tell apart, and every
//! state also has its own fill pattern so the map survives greyscale printing.

use std::fmt::Write as _;

use tonus_core::knowledge::MuscleState;

use crate::render::{Audience, esc};
use crate::report::{Laterality, MuscleView, PainView, Report, ReportedView, Side, StatusView, SupportView};
use crate::simulate::Simulation;
use crate::words;

/// Which figure a shape belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Fig {
    Front,
    Back,
}

/// A polygon's corners.
type Polygon = Vec<(f64, f64)>;

/// A muscle's region on one figure: (muscle id, figure, a polygon per side).
type Region = (&'static str, Fig, Vec<(Side, Polygon)>);

/// Muscle regions: (muscle id, figure, polygons in the figure's 260×420 frame, each on a side of
/// the person). Every muscle is drawn on both sides, so a finding on one side shows there; the
/// frame's x = 130 is the midline. Each shape is given on the image's left half and mirrored.
fn shapes() -> Vec<Region> {
    // On the front figure the image's left half is the person's right; on the back, their left.
    use Fig::{Back, Front};
    let pair = |fig: Fig, p: &[(f64, f64)]| {
        let (near, far) = if fig == Front { (Side::Right, Side::Left) } else { (Side::Left, Side::Right) };
        vec![(near, p.to_vec()), (far, p.iter().map(|(x, y)| (260.0 - x, *y)).collect())]
    };
    vec![
        ("upper_trapezius", Front, pair(Front, &[(113.0, 99.0), (117.0, 108.0), (90.0, 121.0), (74.0, 118.0)])),
        ("deltoid", Front, pair(Front, &[(70.0, 120.0), (88.0, 124.0), (82.0, 152.0), (62.0, 146.0)])),
        ("pectoralis_major", Front, pair(Front, &[(127.0, 122.0), (127.0, 176.0), (96.0, 173.0), (80.0, 138.0), (90.0, 124.0)])),
        ("pectoralis_minor", Front, pair(Front, &[(88.0, 134.0), (111.0, 146.0), (109.0, 162.0), (93.0, 152.0)])),
        ("serratus_anterior", Front, pair(Front, &[(84.0, 176.0), (99.0, 179.0), (97.0, 216.0), (85.0, 206.0)])),
        ("sternocleidomastoid", Front, pair(Front, &[(111.0, 72.0), (117.0, 71.0), (129.0, 112.0), (122.0, 113.0)])),
        ("scalenes", Front, pair(Front, &[(109.0, 90.0), (114.0, 87.0), (113.0, 117.0), (103.0, 117.0)])),
        ("deep_cervical_flexors", Front, pair(Front, &[(125.0, 84.0), (130.0, 84.0), (130.0, 110.0), (125.0, 110.0)])),
        ("suboccipitals", Back, pair(Back, &[(114.0, 66.0), (130.0, 66.0), (130.0, 78.0), (114.0, 78.0)])),
        (
            "upper_trapezius",
            Back,
            pair(Back, &[(122.0, 79.0), (130.0, 79.0), (130.0, 124.0), (129.0, 124.0), (80.0, 130.0), (72.0, 121.0), (118.0, 108.0)]),
        ),
        ("levator_scapulae", Back, pair(Back, &[(113.0, 84.0), (119.0, 86.0), (106.0, 140.0), (98.0, 136.0)])),
        ("deltoid", Back, pair(Back, &[(70.0, 120.0), (86.0, 126.0), (82.0, 152.0), (62.0, 146.0)])),
        ("middle_trapezius", Back, pair(Back, &[(84.0, 131.0), (130.0, 131.0), (130.0, 149.0), (89.0, 149.0)])),
        ("rhomboids", Back, pair(Back, &[(109.0, 151.0), (127.0, 151.0), (127.0, 192.0), (113.0, 180.0)])),
        ("lower_trapezius", Back, pair(Back, &[(96.0, 152.0), (108.0, 150.0), (130.0, 200.0), (130.0, 240.0), (126.0, 240.0)])),
    ]
}

/// Where a muscle's referral line starts, per figure.
fn anchor(muscle: &str, fig: Fig) -> Option<(f64, f64)> {
    Some(match (muscle, fig) {
        ("upper_trapezius", Fig::Back) => (100.0, 115.0),
        ("upper_trapezius", Fig::Front) => (98.0, 112.0),
        ("levator_scapulae", Fig::Back) => (108.0, 112.0),
        ("suboccipitals", Fig::Back) => (124.0, 72.0),
        ("middle_trapezius", Fig::Back) => (100.0, 140.0),
        ("rhomboids", Fig::Back) => (118.0, 170.0),
        ("lower_trapezius", Fig::Back) => (128.0, 215.0),
        ("sternocleidomastoid", Fig::Front) => (118.0, 92.0),
        ("scalenes", Fig::Front) => (108.0, 104.0),
        ("pectoralis_major", Fig::Front) => (105.0, 150.0),
        ("pectoralis_minor", Fig::Front) => (100.0, 148.0),
        _ => return None,
    })
}

/// Pain locations per region: (figure, point on the person's right side, midline?).
fn pain_spot(region: &str) -> Option<(Fig, (f64, f64), bool)> {
    // Front figure: the person's right is the image's left. Back figure: the person's right is
    // the image's right. Points are given for the person's right side.
    Some(match region {
        "temple" => (Fig::Front, (106.0, 40.0), false),
        "behind_eye" => (Fig::Front, (118.0, 48.0), false),
        "forehead" => (Fig::Front, (130.0, 26.0), true),
        "jaw_angle" => (Fig::Front, (110.0, 76.0), false),
        "ear" => (Fig::Front, (101.0, 53.0), false),
        "anterior_chest_shoulder" => (Fig::Front, (88.0, 140.0), false),
        "ulnar_arm" => (Fig::Front, (44.0, 232.0), false),
        "occipital" => (Fig::Back, (130.0, 60.0), true),
        "neck_posterolateral" => (Fig::Back, (144.0, 96.0), false),
        "upper_shoulder" => (Fig::Back, (168.0, 119.0), false),
        "angle_of_neck" => (Fig::Back, (150.0, 112.0), false),
        "suprascapular" => (Fig::Back, (160.0, 136.0), false),
        "interscapular" => (Fig::Back, (130.0, 168.0), true),
        "medial_scapular_border" => (Fig::Back, (150.0, 172.0), false),
        _ => return None,
    })
}

fn points(p: &[(f64, f64)]) -> String {
    p.iter().map(|(x, y)| format!("{x:.0},{y:.0}")).collect::<Vec<_>>().join(" ")
}

/// The outline of a person, in the figure frame.
const SILHOUETTE: &str = "M130 16c-16 0-28 15-28 34c0 14 6 26 14 31v14c-6 6-24 11-42 17c-10 4-14 12-16 22l-16 120c-1 8 10 10 13 3l18-106 \
     6 60 2 40h98l2-40 6-60 18 106c3 7 14 5 13-3l-16-120c-2-10-6-18-16-22c-18-6-36-11-42-17v-14c8-5 14-17 14-31 \
     0-19-12-34-28-34z M86 298l-8 114h22l16-96h28l16 96h22l-8-114z";

/// The body map for a report. `prefix` keeps pattern ids unique when a page holds several maps.
pub fn body_map(r: &Report, prefix: &str, audience: Audience) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = write!(
        w,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="body-map" viewBox="0 0 560 520" role="img" aria-labelledby="{prefix}-title"><title id="{prefix}-title">Body map: muscle states (front and back) and reported pain</title>
<defs>
<pattern id="{prefix}-over" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#E69F00"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a4b00" stroke-width="2"/></pattern>
<pattern id="{prefix}-inhib" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#56B4E9"/><circle cx="3" cy="3" r="1.4" fill="#0b3c73"/></pattern>
<pattern id="{prefix}-bal" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#7fd3b8"/></pattern>
<pattern id="{prefix}-unk" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#e6e8ec"/><line x1="0" y1="3" x2="6" y2="3" stroke="#b9bec7" stroke-width="0.8"/></pattern>
<pattern id="{prefix}-pain" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="4" height="4" fill="#CC79A7"/><line x1="0" y1="0" x2="0" y2="4" stroke="#6d1f4f" stroke-width="1.5"/></pattern>
<marker id="{prefix}-arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0L6 3L0 6z" fill="#6d1f4f"/></marker>
</defs>
<style>.body-map text{{font:12px system-ui,sans-serif;fill:#1d2430}} .body-map .muscle:hover polygon,.body-map .muscle:focus polygon{{stroke:#000;stroke-width:2}}</style>
"##
    );
    for (fig, dx, label) in [(Fig::Front, 10.0, "Front"), (Fig::Back, 280.0, "Back")] {
        let _ = writeln!(w, r##"<g transform="translate({dx},0)"><text x="130" y="12" text-anchor="middle">{label}</text>"##);
        let _ = writeln!(w, r##"<path d="{SILHOUETTE}" fill="#fbf7f2" stroke="#7b818c" stroke-width="1.5"/>"##);
        if fig == Fig::Back {
            let _ = writeln!(w, r##"<path d="M130 100V300" stroke="#b9bec7" stroke-dasharray="3 3"/>"##);
        }
        for (id, f, polys) in shapes() {
            if f != fig {
                continue;
            }
            let Some(m) = r.muscle(id) else { continue };
            muscle_shape(w, m, &polys, prefix, audience);
        }
        for p in r.story.iter().flat_map(|s| &s.pain) {
            pain_spots(w, p, fig, prefix);
        }
        let _ = writeln!(w, "</g>");
    }
    legend(w, prefix);
    let _ = writeln!(w, "</svg>");
    s
}

/// Draws a reported pain where it is, with referral lines from the muscles whose support was
/// found in the state the mechanism needs.
fn pain_spots(w: &mut String, p: &PainView, fig: Fig, prefix: &str) {
    let Some((pf, (x, y), midline)) = pain_spot(&p.region) else { return };
    if pf != fig {
        return;
    }
    let (intensity, side) = match p.reported {
        ReportedView::Pain { intensity, side } => (intensity, side.laterality()),
        ReportedView::Headache { .. } => (5.0, Laterality::Both),
    };
    // (x, y) is the spot on the person's right (the image's left on the front figure).
    let right_x = x;
    let xs: Vec<f64> = if midline {
        vec![130.0]
    } else {
        [(Side::Right, right_x), (Side::Left, 260.0 - right_x)].into_iter().filter(|(s, _)| side.covers(*s)).map(|(_, x)| x).collect()
    };
    let radius = 5.0 + intensity.clamp(0.0, 10.0) * 0.6;
    for px in xs {
        for c in p.causes.iter().filter(|c| matches!(c.support, SupportView::Supported { .. })) {
            let Some((ax, ay)) = anchor(&c.muscle, fig) else { continue };
            let ax = if (px < 130.0) == (ax < 130.0) { ax } else { 260.0 - ax };
            if (ax - px).abs() + (ay - y).abs() > 12.0 {
                let _ = writeln!(
                    w,
                    r##"<line x1="{ax:.0}" y1="{ay:.0}" x2="{px:.0}" y2="{y:.0}" stroke="#6d1f4f" stroke-width="1.3" stroke-dasharray="4 3" marker-end="url(#{prefix}-arrow)"><title>{} → {}</title></line>"##,
                    esc(&c.muscle_name),
                    esc(&p.region_name)
                );
            }
        }
        let _ = writeln!(
            w,
            r##"<circle class="pain" data-region="{}" cx="{px:.0}" cy="{y:.0}" r="{radius:.1}" fill="url(#{prefix}-pain)" stroke="#6d1f4f" stroke-width="1.2"><title>{}: {}</title></circle>"##,
            esc(&p.region),
            esc(&p.region_name),
            esc(&words::reported(&p.reported))
        );
    }
}

/// The fill pattern of a status: found states by state, suspected and unknown alike pale.
fn fill_for(status: &StatusView, prefix: &str) -> String {
    let p = match status.found() {
        Some(MuscleState::Overactive) => "over",
        Some(MuscleState::Inhibited) => "inhib",
        Some(MuscleState::Balanced) => "bal",
        None => "unk",
    };
    format!("url(#{prefix}-{p})")
}

fn muscle_shape(w: &mut String, m: &MuscleView, polys: &[(Side, Polygon)], prefix: &str, audience: Audience) {
    let mut title = match audience {
        Audience::Clinician => format!("{}: {}", m.name, words::muscle_status(m)),
        Audience::Client => plain_title(m),
    };
    for e in m.evidence.iter().filter(|_| audience == Audience::Clinician) {
        let _ = write!(
            title,
            "\n• [{}] {} → {} [{}]",
            words::laterality(e.laterality),
            e.observed.join("; "),
            words::points_to(e.points_to),
            words::certainty(e.certainty)
        );
    }
    // The state found on either side (overactive first), for styling and the browser tests.
    let found = [MuscleState::Overactive, MuscleState::Inhibited, MuscleState::Balanced]
        .into_iter()
        .find(|st| m.left.found() == Some(*st) || m.right.found() == Some(*st))
        .map_or("unknown", MuscleState::as_str);
    let _ =
        writeln!(w, r##"<g class="muscle" tabindex="0" data-muscle="{}" data-state="{found}"><title>{}</title>"##, esc(&m.id), esc(&title));
    for (side, poly) in polys {
        let status = m.side(*side);
        let opacity = if status.found().is_some() { 0.35 + 0.65 * confidence(status).clamp(0.0, 1.0) } else { 0.9 };
        let _ = writeln!(
            w,
            r##"<polygon data-side="{side}" data-status="{}" points="{}" fill="{}" fill-opacity="{opacity:.2}" stroke="#3d4350" stroke-width="0.8"/>"##,
            words::status_class(status),
            points(poly),
            fill_for(status, prefix)
        );
    }
    let _ = writeln!(w, "</g>");
}

/// The client's hover text: the muscle in plain words and what was found on each side.
fn plain_title(m: &MuscleView) -> String {
    let side = |s: &StatusView| s.found().map_or("not found", words::state_plain);
    if m.left == m.right {
        format!("{}: {}", m.plain_name, side(&m.left))
    } else {
        format!("{}: left {}, right {}", m.plain_name, side(&m.left), side(&m.right))
    }
}

fn confidence(s: &StatusView) -> f64 {
    match s {
        StatusView::Found { confidence, .. } | StatusView::Suspected { confidence, .. } => *confidence,
        StatusView::Unknown { .. } => 0.0,
    }
}

fn legend(w: &mut String, prefix: &str) {
    let _ = writeln!(w, r##"<g class="legend" transform="translate(10,440)">"##);
    let items = [("over", "overactive"), ("inhib", "inhibited"), ("bal", "balanced"), ("unk", "not found")];
    for (i, (p, label)) in items.iter().enumerate() {
        let x = i as f64 * 112.0;
        let _ = writeln!(
            w,
            r##"<rect x="{x}" y="0" width="18" height="14" fill="url(#{prefix}-{p})" stroke="#3d4350" stroke-width="0.8"/><text x="{}" y="12">{label}</text>"##,
            x + 24.0
        );
    }
    let _ = writeln!(
        w,
        r##"<circle cx="9" cy="34" r="7" fill="url(#{prefix}-pain)" stroke="#6d1f4f"/><text x="24" y="38">reported pain (size = intensity)</text>
<line x1="250" y1="34" x2="284" y2="34" stroke="#6d1f4f" stroke-width="1.3" stroke-dasharray="4 3" marker-end="url(#{prefix}-arrow)"/><text x="292" y="38">referral from a muscle found in that state</text>
<text x="0" y="60">Each side shows its own finding; stronger colour = higher confidence.</text>
<text x="0" y="76">Suspected (exposure or symptoms only) is drawn as not found.</text>"##
    );
    let _ = writeln!(w, "</g>");
}

/// Axis helpers for a chart area.
struct Frame {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
    xmin: f64,
    xmax: f64,
    ymin: f64,
    ymax: f64,
}

impl Frame {
    fn x(&self, v: f64) -> f64 {
        self.x0 + (v - self.xmin) / (self.xmax - self.xmin).max(1e-9) * self.w
    }
    fn y(&self, v: f64) -> f64 {
        self.y0 + self.h - (v - self.ymin) / (self.ymax - self.ymin).max(1e-9) * self.h
    }
}

fn axes(w: &mut String, f: &Frame, xlabel: &str, ylabel: &str, yticks: &[f64], xticks: &[(f64, String)]) {
    let _ = writeln!(
        w,
        r##"<g class="axes" stroke="#7b818c" fill="none"><line x1="{}" y1="{}" x2="{}" y2="{}"/><line x1="{}" y1="{}" x2="{}" y2="{}"/></g>"##,
        f.x0,
        f.y0 + f.h,
        f.x0 + f.w,
        f.y0 + f.h,
        f.x0,
        f.y0,
        f.x0,
        f.y0 + f.h
    );
    for t in yticks {
        let y = f.y(*t);
        let _ = writeln!(
            w,
            r##"<line x1="{}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#e4e8ee"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            f.x0,
            f.x0 + f.w,
            f.x0 - 6.0,
            y + 4.0,
            trim(*t)
        );
    }
    for (t, label) in xticks {
        let x = f.x(*t);
        let _ = writeln!(w, r##"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##, f.y0 + f.h + 16.0, esc(label));
    }
    let _ = writeln!(w, r##"<text x="{}" y="{}" text-anchor="middle">{}</text>"##, f.x0 + f.w / 2.0, f.y0 + f.h + 34.0, esc(xlabel));
    let _ = writeln!(
        w,
        r##"<text x="14" y="{}" transform="rotate(-90 14 {})" text-anchor="middle">{}</text>"##,
        f.y0 + f.h / 2.0,
        f.y0 + f.h / 2.0,
        esc(ylabel)
    );
}

fn trim(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn polyline(f: &Frame, pts: &[(f64, f64)]) -> String {
    pts.iter().map(|(x, y)| format!("{:.1},{:.1}", f.x(*x), f.y(*y))).collect::<Vec<_>>().join(" ")
}

/// The what-if chart: mean imbalance over weeks with and without the plan, the balanced zone
/// shaded, labelled illustrative.
pub fn trajectory_chart(s: &Simulation) -> String {
    let weeks = s.weeks.last().map_or(1, |w| w.week).max(1) as f64;
    let f = Frame { x0: 56.0, y0: 40.0, w: 560.0, h: 220.0, xmin: 0.0, xmax: weeks, ymin: 0.0, ymax: 1.0 };
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart what-if" viewBox="0 0 640 320" role="img"><title>What if: imbalance over {weeks} weeks with and without the plan (illustrative)</title>
<style>.chart text{{font:12px system-ui,sans-serif;fill:#1d2430}}</style>
<text x="56" y="20" font-weight="600">What if — illustrative model, not a prediction (adherence {:.0}%)</text>"##,
        s.adherence * 100.0
    );
    let _ = writeln!(
        w,
        r##"<rect x="{}" y="{:.1}" width="{}" height="{:.1}" fill="#009E73" fill-opacity="0.12"/><text x="{}" y="{:.1}" fill="#00674b">balanced</text>"##,
        f.x0,
        f.y(s.balanced_below),
        f.w,
        f.y(0.0) - f.y(s.balanced_below),
        f.x0 + f.w - 60.0,
        f.y(0.0) - 6.0
    );
    let step = (weeks / 8.0).ceil().max(1.0);
    let xticks: Vec<(f64, String)> =
        (0..=(weeks / step) as u32).map(|i| (f64::from(i) * step, format!("{}", f64::from(i) * step))).collect();
    axes(w, &f, "weeks", "imbalance (0 = balanced)", &[0.0, 0.25, 0.5, 0.75, 1.0], &xticks);
    let without: Vec<(f64, f64)> = s.weeks.iter().map(|x| (f64::from(x.week), x.without_plan)).collect();
    let _ = writeln!(
        w,
        r##"<polyline class="without-plan" points="{}" fill="none" stroke="#7b818c" stroke-width="2.5" stroke-dasharray="6 4"/>"##,
        polyline(&f, &without)
    );
    if s.plan_simulated {
        let with: Vec<(f64, f64)> = s.weeks.iter().filter_map(|x| x.with_plan.map(|v| (f64::from(x.week), v))).collect();
        let _ = writeln!(
            w,
            r##"<polyline class="with-plan" points="{}" fill="none" stroke="#0072B2" stroke-width="3"/>"##,
            polyline(&f, &with)
        );
    }
    let _ = writeln!(
        w,
        r##"<g transform="translate(56,300)"><line x1="0" y1="0" x2="28" y2="0" stroke="#7b818c" stroke-width="2.5" stroke-dasharray="6 4"/><text x="34" y="4">without the plan</text>{}</g>"##,
        if s.plan_simulated {
            r##"<line x1="180" y1="0" x2="208" y2="0" stroke="#0072B2" stroke-width="3"/><text x="214" y="4">with the plan</text>"##
        } else {
            r##"<text x="180" y="4">no plan: the red-flag screen blocks it</text>"##
        }
    );
    let _ = writeln!(w, "</svg>");
    out
}

/// One measurement in a progress chart.
#[derive(Debug, Clone)]
pub struct ProgressPoint {
    /// Date label, `YYYY-MM-DD`.
    pub label: String,
    /// The value.
    pub value: f64,
}

/// A progress chart's definition.
#[derive(Debug, Clone)]
pub struct ProgressChart<'a> {
    /// The measure's name.
    pub title: &'a str,
    /// Its unit.
    pub unit: &'a str,
    /// The normal range, when known.
    pub norm: Option<(f64, f64)>,
    /// The real-change threshold, when known: a band of ± this around the first value.
    pub real_change: Option<f64>,
    /// Whether higher is better (for the caption).
    pub higher_is_better: bool,
}

/// A progress chart: values over time, the normal range as a band, and the real-change
/// threshold around the baseline, so that noise is not read as progress.
pub fn progress_chart(c: &ProgressChart<'_>, points: &[ProgressPoint]) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart progress" viewBox="0 0 640 300" role="img"><title>{} over time</title>
<style>.chart text{{font:12px system-ui,sans-serif;fill:#1d2430}}</style>
<text x="56" y="20" font-weight="600">{} ({})</text>"##,
        esc(c.title),
        esc(c.title),
        esc(c.unit)
    );
    if points.is_empty() {
        let _ = writeln!(w, r##"<text x="56" y="60">No measurements yet.</text></svg>"##);
        return out;
    }
    let mut lo = points.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
    let mut hi = points.iter().map(|p| p.value).fold(f64::NEG_INFINITY, f64::max);
    if let Some((a, b)) = c.norm {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if let Some(rc) = c.real_change {
        lo = lo.min(points[0].value - rc);
        hi = hi.max(points[0].value + rc);
    }
    let pad = ((hi - lo) * 0.1).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let n = points.len();
    let f = Frame { x0: 56.0, y0: 36.0, w: 560.0, h: 200.0, xmin: -0.5, xmax: n as f64 - 0.5, ymin: lo, ymax: hi };
    if let Some((a, b)) = c.norm {
        let _ = writeln!(
            w,
            r##"<rect class="norm" x="{}" y="{:.1}" width="{}" height="{:.1}" fill="#009E73" fill-opacity="0.14"/><text x="{}" y="{:.1}" fill="#00674b" text-anchor="end">normal range</text>"##,
            f.x0,
            f.y(b),
            f.w,
            f.y(a) - f.y(b),
            f.x0 + f.w - 4.0,
            f.y(b) + 14.0
        );
    }
    if let Some(rc) = c.real_change {
        let base = points[0].value;
        let _ = writeln!(
            w,
            r##"<rect class="noise" x="{}" y="{:.1}" width="{}" height="{:.1}" fill="none" stroke="#E69F00" stroke-width="1.5" stroke-dasharray="5 4"/><text x="{}" y="{:.1}" fill="#8a4b00">baseline ± {} (real-change threshold): changes inside are noise</text>"##,
            f.x0,
            f.y(base + rc),
            f.w,
            f.y(base - rc) - f.y(base + rc),
            f.x0 + 6.0,
            f.y(base + rc) - 4.0,
            trim(rc)
        );
    }
    let ticks = nice_ticks(lo, hi);
    let xticks: Vec<(f64, String)> = points.iter().enumerate().map(|(i, p)| (i as f64, p.label.clone())).collect();
    axes(w, &f, "assessment", c.unit, &ticks, &xticks);
    let pts: Vec<(f64, f64)> = points.iter().enumerate().map(|(i, p)| (i as f64, p.value)).collect();
    let _ = writeln!(w, r##"<polyline points="{}" fill="none" stroke="#0072B2" stroke-width="2.5"/>"##, polyline(&f, &pts));
    for (i, p) in points.iter().enumerate() {
        let _ = writeln!(
            w,
            r##"<circle cx="{:.1}" cy="{:.1}" r="4.5" fill="#0072B2"><title>{}: {}</title></circle><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            f.x(i as f64),
            f.y(p.value),
            esc(&p.label),
            trim(p.value),
            f.x(i as f64),
            f.y(p.value) - 9.0,
            trim(p.value)
        );
    }
    let better = if c.higher_is_better { "higher is better" } else { "lower is better" };
    let _ = writeln!(w, r##"<text x="56" y="292">{better}</text></svg>"##);
    out
}

fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| span / s <= 6.0).unwrap_or(10.0 * mag);
    let start = (lo / step).ceil() * step;
    (0..).map(|i| start + f64::from(i) * step).take_while(|v| *v <= hi + 1e-9).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 1.0), [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert_eq!(nice_ticks(12.0, 61.0), [20.0, 30.0, 40.0, 50.0, 60.0]);
    }
}
