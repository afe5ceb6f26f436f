//! Progress across assessments: each metric, clinical test and outcome measure as a series over
//! time, with the change from the first to the last assessment judged against the measure's
//! real-change threshold, so that noise is not read as progress. Works on saved reports, so a
//! report made by an older engine still counts (its `engine_version` says which).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use tonus_core::KnowledgeBase;
use tonus_core::outcomes::{Better, Verdict, judge};

use crate::render::esc;
use crate::report::{NdiView, Posture, Reading, Report, Side, TestResult, View};
use crate::svg::{self, ProgressChart, ProgressPoint};

/// One value at one assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The value.
    pub value: f64,
}

/// The judged change from the first to the last point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    /// Last − first.
    pub delta: f64,
    /// Noise, improved, worsened or unjudged (no real-change threshold known).
    pub verdict: VerdictView,
    /// Also beyond the "likely meaningful" threshold.
    pub meaningful: bool,
    /// The verdict in a sentence.
    pub text: String,
}

/// How a change reads against the measure's real-change threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictView {
    /// Within measurement noise.
    Noise,
    /// A real improvement.
    Improved,
    /// A real worsening.
    Worsened,
    /// No threshold known.
    Unjudged,
}

/// One measure over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Measure id (or `ndi`, `nprs_now`, `nprs_average_week`, `psfs`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Normal range, when known.
    pub norm: Option<(f64, f64)>,
    /// Real-change threshold, when known.
    pub real_change: Option<f64>,
    /// Likely meaningful change, when known.
    pub meaningful_change: Option<f64>,
    /// Whether higher values are better (None: no direction, such as head tilt).
    pub higher_is_better: Option<bool>,
    /// Values in date order.
    pub points: Vec<Point>,
    /// First to last, when there are two points or more.
    pub change: Option<ChangeView>,
}

/// Which way is better for a measure id.
fn direction(id: &str) -> Option<bool> {
    let id = id.trim_end_matches("_left").trim_end_matches("_right");
    match id {
        "ear_shoulder_angle" | "dnf_endurance" | "ccft" | "lower_trapezius_mmt" | "pec_minor_index" | "psfs" => Some(true),
        "sagittal_head_tilt" => None,
        _ => Some(false),
    }
}

/// What a change is judged against.
#[derive(Debug, Clone, Copy)]
enum Threshold {
    /// The measure's real-change threshold.
    Real(f64),
    /// A floor only: a smaller change is noise, but a larger one is not known to be real (a
    /// threshold borrowed from another measurement: a proxy's, the supine test's).
    Floor(f64),
    /// None known.
    Unknown,
}

impl Threshold {
    /// A measure's: a floor when it is borrowed from another measurement.
    fn of_measure(m: &tonus_core::knowledge::Measure) -> Threshold {
        match m.real_change {
            Some(r) if m.real_change_borrowed() => Threshold::Floor(r),
            Some(r) => Threshold::Real(r),
            None => Threshold::Unknown,
        }
    }

    fn value(self) -> Option<f64> {
        match self {
            Threshold::Real(v) | Threshold::Floor(v) => Some(v),
            Threshold::Unknown => None,
        }
    }
}

/// The change from the first to the last point, judged, with every point between that crossed
/// the threshold the other way named too.
fn change(points: &[Point], higher: Option<bool>, threshold: Threshold, meaningful: Option<f64>, unit: &str, percent: bool) -> ChangeView {
    let (first, last) = (points[0].value, points[points.len() - 1].value);
    let better = if higher == Some(true) { Better::Higher } else { Better::Lower };
    let real = threshold.value();
    let c = judge(first, last, better, if higher.is_some() { real } else { None }, meaningful);
    let percent = c.percent.filter(|p| percent && p.is_finite()).map(|p| format!(" ({p:+.0}%)")).unwrap_or_default();
    // A plain unit goes with the numbers (`°`, ` s`, ` mmHg`); a scale's description does not.
    let unit = match unit {
        "°" => "°".to_owned(),
        u if !u.is_empty() && u.chars().all(|c| c.is_alphabetic() || c == ' ') => format!(" {u}"),
        _ => String::new(),
    };
    let delta = format!("{:+.1}{unit}{percent}", c.delta);
    let (verdict, text) = match (c.verdict, threshold) {
        (Verdict::Noise, Threshold::Real(r) | Threshold::Floor(r)) => {
            (VerdictView::Noise, format!("a change of {delta} is within the real-change threshold of {r}{unit}: noise, not progress"))
        }
        (Verdict::Improved | Verdict::Worsened, Threshold::Floor(r)) => (
            VerdictView::Unjudged,
            format!(
                "a change of {delta} reaches {r}{unit}, a real-change threshold borrowed from another measurement; none is established for this one, so confirm the change another way before calling it real"
            ),
        ),
        (v @ (Verdict::Improved | Verdict::Worsened), Threshold::Real(r)) => (
            if v == Verdict::Improved { VerdictView::Improved } else { VerdictView::Worsened },
            format!(
                "a change of {delta} reaches the real-change threshold of {r}{unit}: {}{}",
                if v == Verdict::Improved { "a real improvement" } else { "a real worsening" },
                if c.meaningful && meaningful.is_some() { ", and likely meaningful" } else { "" }
            ),
        ),
        (Verdict::Unjudged, _) if higher.is_none() && real.is_some() => {
            (VerdictView::Unjudged, format!("a change of {delta}; neither direction is better for this measure, so it is not judged"))
        }
        // `judge` gives noise or a verdict only with a threshold.
        (Verdict::Unjudged | Verdict::Noise | Verdict::Improved | Verdict::Worsened, _) => {
            (VerdictView::Unjudged, format!("a change of {delta}; no real-change threshold is known, so it cannot be judged"))
        }
    };
    // A real swing the other way between the first and the last visit is named, so a worsening
    // that recovered is not hidden by the end points.
    let real_threshold = match threshold {
        Threshold::Real(r) if higher.is_some() && verdict != VerdictView::Worsened => Some(r),
        _ => None,
    };
    let swing = real_threshold.and_then(|r| {
        let worse = |v: f64| if higher == Some(true) { first - v } else { v - first };
        points[1..points.len() - 1].iter().filter(|p| worse(p.value) + 1e-9 >= r).max_by(|a, b| worse(a.value).total_cmp(&worse(b.value)))
    });
    let text = match swing {
        Some(p) => format!("{text}; on {} it was {}{unit}, a real worsening from the first visit", p.date, crate::words::num(p.value)),
        None => text,
    };
    ChangeView { delta: (c.delta * 100.0).round() / 100.0, verdict, meaningful: c.meaningful, text }
}

/// The series of every measure that has at least one value, reports sorted by date.
pub fn series(reports: &[Report], kb: &KnowledgeBase) -> Vec<Series> {
    let mut reports: Vec<&Report> = reports.iter().collect();
    reports.sort_by(|a, b| a.assessed_on.cmp(&b.assessed_on));
    let mut out = Vec::new();
    let mut push = |id: &str,
                    name: &str,
                    unit: &str,
                    norm: Option<(f64, f64)>,
                    threshold: Threshold,
                    meaningful: Option<f64>,
                    get: &dyn Fn(&Report) -> Option<f64>| {
        let points: Vec<Point> = reports.iter().filter_map(|r| get(r).map(|value| Point { date: r.assessed_on.clone(), value })).collect();
        if points.is_empty() {
            return;
        }
        let base = id.split('/').next().unwrap_or(id);
        let higher = direction(base);
        let real = threshold.value();
        // Outcome measures also read as a share of where they started (brief §5).
        let percent = matches!(base, "ndi" | "nprs_now" | "nprs_average_week" | "psfs");
        let change = (points.len() >= 2).then(|| change(&points, higher, threshold, meaningful, unit, percent));
        out.push(Series {
            id: id.into(),
            name: name.into(),
            unit: unit.into(),
            norm,
            real_change: real,
            meaningful_change: meaningful,
            higher_is_better: higher,
            points,
            change,
        });
    };

    // A photo metric is compared like with like: one series per view and posture, since the
    // angles differ sitting and standing and between the two sides (brief §2).
    let mut takes: Vec<(View, Posture)> = reports.iter().flat_map(|r| r.photos.iter().map(|p| (p.view, p.posture))).collect();
    takes.sort_by_key(|(v, p)| (v.to_string(), p.to_string()));
    takes.dedup();
    for m in kb.measures().iter().filter(|m| m.view.is_some()) {
        for &(view, posture) in &takes {
            let id = m.id.clone();
            let get = move |r: &Report| {
                let v: Vec<f64> = r
                    .photos
                    .iter()
                    .filter(|p| p.view == view && p.posture == posture)
                    .flat_map(|p| &p.metrics)
                    .filter(|x| x.id == id)
                    .filter_map(|x| match x.reading {
                        Reading::Measured { value, .. } => Some(value),
                        Reading::NotMeasurable { .. } => None,
                    })
                    .collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            };
            let norm = m.norm_low.zip(m.norm_high);
            let threshold = Threshold::of_measure(m);
            let name = if takes.len() > 1 { format!("{} ({view}, {posture})", m.name) } else { m.name.clone() };
            push(&format!("{}/{view}/{posture}", m.id), &name, &m.unit, norm, threshold, None, &get);
        }
    }
    for m in kb.measures().iter().filter(|m| m.view.is_none()) {
        let norm = m.norm_low.zip(m.norm_high);
        let id = m.id.clone();
        let whole = move |r: &Report| {
            r.tests.iter().find(|t| t.id == id).and_then(|t| match &t.result {
                TestResult::Whole { reading } => Some(reading.value),
                TestResult::Sided { .. } => None,
            })
        };
        push(&m.id, &m.name, &m.unit, norm, Threshold::of_measure(m), None, &whole);
        for side in [Side::Left, Side::Right] {
            let id = m.id.clone();
            let on_side = move |r: &Report| {
                r.tests.iter().find(|t| t.id == id).and_then(|t| match &t.result {
                    TestResult::Sided { left, right } => if side == Side::Left { left } else { right }.as_ref().map(|x| x.value),
                    TestResult::Whole { .. } => None,
                })
            };
            push(&format!("{}_{side}", m.id), &format!("{} ({side})", m.name), &m.unit, norm, Threshold::of_measure(m), None, &on_side);
        }
    }
    let o = kb.outcomes();
    push(
        "ndi",
        &o.ndi.name,
        "points (0–50)",
        Some((0.0, 4.0)),
        Threshold::Real(o.ndi.real_change),
        Some(o.ndi.meaningful_change),
        &|r: &Report| r.outcomes.ndi.as_ref().and_then(NdiView::score),
    );
    push(
        "nprs_now",
        &format!("{} (now)", o.nprs.name),
        "0–10",
        None,
        Threshold::Real(o.nprs.real_change),
        Some(o.nprs.meaningful_change),
        &|r: &Report| r.outcomes.nprs.as_ref().and_then(|n| n.now).map(f64::from),
    );
    push(
        "nprs_average_week",
        &format!("{} (week average)", o.nprs.name),
        "0–10",
        None,
        Threshold::Real(o.nprs.real_change),
        Some(o.nprs.meaningful_change),
        &|r: &Report| r.outcomes.nprs.as_ref().and_then(|n| n.average_week).map(f64::from),
    );
    push("psfs", &o.psfs.name, "mean 0–10", None, Threshold::Real(o.psfs.real_change), None, &|r: &Report| {
        r.outcomes.psfs.as_ref().map(|p| p.mean)
    });
    out
}

/// A value with its unit as a reader expects it: `26.2°`, `14 s`, and a categorical scale's
/// key in brackets (`1 (0 normal, 1 subtle, 2 obvious)`).
fn value_with_unit(v: f64, unit: &str) -> String {
    let n = crate::words::num(v);
    if unit.starts_with('°') {
        format!("{n}{unit}")
    } else if unit.contains(',') {
        format!("{n} ({unit})")
    } else {
        format!("{n} {unit}")
    }
}

/// The progress as text.
pub fn render_text(client: &str, series: &[Series]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "PROGRESS — {client}");
    for x in series {
        let values: Vec<String> = x.points.iter().map(|p| format!("{} {}", p.date, crate::words::num(p.value))).collect();
        let _ = writeln!(s, "  {} ({}): {}", x.name, x.unit, values.join(" → "));
        if let Some(c) = &x.change {
            let _ = writeln!(s, "      {}", c.text);
        }
    }
    s
}

/// The progress as HTML: one chart per measure with two points or more, a table for the rest.
pub fn render_html(client: &str, series: &[Series]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Progress — {}</title><style>{}</style></head><body><div class=\"tonus-report\"><h1>Progress</h1><p class=\"meta\">{}</p>",
        esc(client),
        crate::render::REPORT_CSS,
        esc(client)
    );
    let _ = write!(s, "{}", charts_fragment(series));
    let _ = writeln!(s, "</div></body></html>");
    s
}

fn verdict_class(v: VerdictView) -> &'static str {
    match v {
        VerdictView::Noise => "noise",
        VerdictView::Improved => "improved",
        VerdictView::Worsened => "worsened",
        VerdictView::Unjudged => "unjudged",
    }
}

/// The charts and verdicts as an HTML fragment, for embedding.
pub fn charts_fragment(series: &[Series]) -> String {
    let mut s = String::new();
    for x in series.iter().filter(|x| x.points.len() >= 2) {
        let c = ProgressChart {
            title: &x.name,
            unit: &x.unit,
            norm: x.norm,
            real_change: x.real_change,
            higher_is_better: x.higher_is_better.unwrap_or(true),
        };
        let pts: Vec<ProgressPoint> = x.points.iter().map(|p| ProgressPoint { label: p.date.clone(), value: p.value }).collect();
        let _ = writeln!(s, "<h2>{}</h2><figure>{}</figure>", esc(&x.name), svg::progress_chart(&c, &pts));
        if let Some(ch) = &x.change {
            let _ = writeln!(s, "<p class=\"verdict {}\">{}</p>", verdict_class(ch.verdict), esc(&ch.text));
        }
    }
    let single: Vec<&Series> = series.iter().filter(|x| x.points.len() == 1).collect();
    if !single.is_empty() {
        let _ = writeln!(s, "<h2>Measured once</h2><table><tr><th>Measure</th><th>Value</th></tr>");
        for x in single {
            let _ = writeln!(s, "<tr><td>{}</td><td>{}</td></tr>", esc(&x.name), esc(&value_with_unit(x.points[0].value, &x.unit)));
        }
        let _ = writeln!(s, "</table>");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[f64]) -> Vec<Point> {
        values.iter().enumerate().map(|(i, &value)| Point { date: format!("2026-0{}-01", i + 1), value }).collect()
    }

    #[test]
    fn a_borrowed_threshold_is_a_floor() {
        let kb = KnowledgeBase::embedded().unwrap();
        let of = |id: &str| Threshold::of_measure(kb.measure(id).unwrap());
        assert!(matches!(of("pec_minor_supine"), Threshold::Floor(r) if r == 1.1), "borrowed from the tape-measured length");
        assert!(matches!(of("ear_shoulder_angle"), Threshold::Floor(r) if r == 5.0), "a proxy's");
        assert!(matches!(of("dnf_endurance"), Threshold::Real(r) if r == 18.0), "its own MDC");
        assert!(matches!(of("sagittal_head_tilt"), Threshold::Unknown));
    }

    #[test]
    fn changes_read_against_their_threshold_and_a_swing_between_is_named() {
        let cases = [
            (
                &[14.0, 30.0, 8.0][..],
                Some(false),
                Threshold::Real(5.0),
                "points (0–50)",
                true,
                expect_test::expect![[
                    r#"a change of -6.0 (-43%) reaches the real-change threshold of 5: a real improvement; on 2026-02-01 it was 30, a real worsening from the first visit"#
                ]],
            ),
            (
                &[40.0, 30.0, 46.0],
                Some(true),
                Threshold::Floor(5.0),
                "°",
                false,
                expect_test::expect![
                    "a change of +6.0° reaches 5°, a real-change threshold borrowed from another measurement; none is established for this one, so confirm the change another way before calling it real"
                ],
            ),
            (
                &[12.0, 15.0],
                Some(true),
                Threshold::Real(18.0),
                "s",
                false,
                expect_test::expect![[r#"a change of +3.0 s is within the real-change threshold of 18 s: noise, not progress"#]],
            ),
            (
                &[12.0, 30.0],
                Some(true),
                Threshold::Real(18.0),
                "s",
                false,
                expect_test::expect![[r#"a change of +18.0 s reaches the real-change threshold of 18 s: a real improvement"#]],
            ),
        ];
        for (values, higher, threshold, unit, percent, expected) in cases {
            expected.assert_eq(&change(&points(values), higher, threshold, None, unit, percent).text);
        }
    }
}
