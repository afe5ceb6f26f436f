//! The body map and charts: every muscle of the pattern is drawn with its state and evidence,
//! pain regions appear on the right side of the right figure, the legend is always there, and
//! the SVG is well formed.

use tonus_app::examples::personas;
use tonus_app::intake::{self, Format};
use tonus_app::report::Report;
use tonus_app::svg::{self, ProgressChart, ProgressPoint};
use tonus_app::{Engine, landmarks};

fn report(id: &str) -> Report {
    let p = personas().into_iter().find(|p| p.id == id).unwrap();
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sets: Vec<_> = p.landmarks.iter().map(|(n, t)| (n.to_string(), landmarks::parse(t, n).unwrap())).collect();
    Engine::embedded().unwrap().assess(&intake, p.intake_name, &sets).unwrap()
}

/// Every opened element is closed, in order (a small XML well-formedness check).
fn well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_alphanumeric() || *c == '-').collect();
        if tag.starts_with('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn body_map_shows_states_pain_and_legend() {
    let r = report("desk-worker");
    let map = svg::body_map(&r, "t", tonus_app::render::Audience::Clinician);
    well_formed(&map);
    for m in &r.story.as_ref().unwrap().muscles {
        assert!(map.contains(&format!("data-muscle=\"{}\"", m.id)), "{} missing", m.id);
    }
    // Each side is drawn with its own status: the desk worker's upper trapezius is found
    // overactive on the left only (on the front figure, the person's left is the image's right).
    let ut = &map[map.find("data-muscle=\"upper_trapezius\"").unwrap()..];
    let ut = &ut[..ut.find("</g>").unwrap()];
    assert!(ut.contains("data-side=\"left\" data-status=\"overactive\""), "{ut}");
    assert!(!ut.contains("data-side=\"right\" data-status=\"overactive\""), "{ut}");
    // Evidence is in the hover text.
    assert!(map.contains("deep neck flexor endurance 14 s, below the cut-off 29.4 s, female norm"));
    // Both sides of the interscapular midline spot, and a referral line to the temple.
    assert!(map.contains("data-region=\"interscapular\" cx=\"130\""));
    assert!(map.contains("Upper trapezius → Temple"));
    for label in ["overactive", "inhibited", "balanced", "not found", "reported pain"] {
        assert!(map.contains(label), "legend lacks {label}");
    }
    // The driver's pain is on the right: on the back figure the person's right is the image's right.
    let d = svg::body_map(&report("driver"), "d", tonus_app::render::Audience::Clinician);
    well_formed(&d);
    assert!(d.contains("data-region=\"angle_of_neck\" cx=\"150\""));
    assert!(!d.contains("data-region=\"angle_of_neck\" cx=\"110\""));
}

#[test]
fn charts_are_well_formed() {
    let engine = Engine::embedded().unwrap();
    let p = &personas()[0];
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sim = engine.simulate(&intake, p.intake_name, 16, 0.8).unwrap();
    let chart = svg::trajectory_chart(&sim);
    well_formed(&chart);
    assert!(chart.contains("illustrative") && chart.contains("class=\"with-plan\"") && chart.contains("class=\"without-plan\""));
    let c =
        ProgressChart {
            title: "Ear–shoulder angle", unit: "°", norm: Some((48.0, 55.0)), real_change: Some(5.0), higher_is_better: true
        };
    let pts = [
        ProgressPoint { label: "2026-01-05".into(), value: 41.0 },
        ProgressPoint { label: "2026-02-02".into(), value: 44.5 },
        ProgressPoint { label: "2026-03-02".into(), value: 49.0 },
    ];
    let chart = svg::progress_chart(&c, &pts);
    well_formed(&chart);
    assert!(chart.contains("normal range") && chart.contains("baseline ± 5 (real-change threshold)"));
    assert_eq!(chart.matches("<circle").count(), 3);
    well_formed(&svg::progress_chart(&c, &[]));
}
