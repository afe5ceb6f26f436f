//! The landmark editor's live formulas (`assets/visual.js`, run in Node) against the engine's
//! (`tonus_core::metrics` through `tonus_app`): on every example persona's landmark sets, and on
//! the same sets with points moved, every metric the JS computes matches the engine's value
//! (the report rounds to 0.01), and a metric the engine cannot measure is not measured in JS.
//!
//! Skips loudly without Node; with `TONUS_REQUIRE_BROWSER` set it fails instead.

use serde_json::{Value, json};
use tonus_app::landmarks::LandmarkFile;
use tonus_app::report::{NotMeasurableView, Reading};

const HARNESS: &str = r#"
const fs = require("fs");
globalThis.window = {};
globalThis.document = { readyState: "complete", querySelectorAll: () => [], addEventListener() {} };
(0, eval)(fs.readFileSync(process.argv[2], "utf8"));
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map((c) => window.TonusMetrics(c.points, c.width, c.height, c.view, c.given))));
"#;

/// Moves the right shoulder so that the shoulders are `target` × torso length apart.
fn set_spread(file: &mut LandmarkFile, target: f64) {
    let (w, h) = (f64::from(file.image.width), f64::from(file.image.height));
    for _ in 0..50 {
        let p = |i: usize| (file.landmarks[i][0] * w, file.landmarks[i][1] * h);
        let (ls, rs, lh, rh) = (p(11), p(12), p(23), p(24));
        let torso = ((ls.0 + rs.0) / 2.0 - (lh.0 + rh.0) / 2.0).hypot((ls.1 + rs.1) / 2.0 - (lh.1 + rh.1) / 2.0);
        let sign = if rs.0 >= ls.0 { 1.0 } else { -1.0 };
        file.landmarks[12][0] = (ls.0 + sign * target * torso) / w;
    }
}

#[test]
fn js_formulas_match_the_engine() {
    if std::process::Command::new("node").arg("--version").output().is_err() {
        assert!(std::env::var_os("TONUS_REQUIRE_BROWSER").is_none(), "js_formulas_match_the_engine needs node");
        eprintln!("SKIPPED js_formulas_match_the_engine needs node");
        return;
    }
    let engine = tonus_app::Engine::embedded().unwrap();
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for persona in tonus_app::examples::personas() {
        let intake = tonus_app::intake::parse(persona.intake, tonus_app::intake::Format::Toml, persona.intake_name).unwrap();
        for (name, text) in persona.landmarks {
            let original = tonus_app::landmarks::parse(text, name).unwrap();
            // The file as it is; the ears and a shoulder moved; the shoulders set just inside and
            // just outside the rotation gate (side: at most 35% of torso length apart; front: at
            // least 45%); and the ears hidden (visibility below 0.5).
            let seen = engine.assess(&intake, persona.intake_name, &[(name.to_string(), original.clone())]).unwrap();
            let side = seen.photos[0].view.is_side();
            let spreads: &[Option<f64>] = if side { &[None, Some(0.33), Some(0.37)] } else { &[None, Some(0.47), Some(0.43)] };
            let variants = [
                (0.0, None, false),
                (0.02, None, false),
                (-0.015, None, false),
                (0.0, spreads[1], false),
                (0.0, spreads[2], false),
                (0.0, None, true),
            ];
            for (shift, spread, hide_ears) in variants {
                let mut file: LandmarkFile = original.clone();
                for i in [7, 8, 11] {
                    file.landmarks[i][0] = (file.landmarks[i][0] + shift).clamp(0.0, 1.0);
                    file.landmarks[i][1] = (file.landmarks[i][1] - shift / 2.0).clamp(0.0, 1.0);
                }
                if let Some(target) = spread {
                    set_spread(&mut file, target);
                }
                if hide_ears {
                    file.landmarks[7][3] = 0.4;
                    file.landmarks[8][3] = 0.4;
                }
                let (swing, shift) = (spread.unwrap_or(0.0), shift);
                let report = engine.assess(&intake, persona.intake_name, &[(name.to_string(), file.clone())]).unwrap();
                let photo = &report.photos[0];
                let points: Vec<[f64; 3]> = file.landmarks.iter().map(|r| [r[0], r[1], r[3]]).collect();
                cases.push(json!({"points": points, "width": file.image.width, "height": file.image.height, "view": photo.view, "given": !photo.view_detected}));
                expected.push((format!("{name} shift {shift} spread {swing} ears hidden {hide_ears}"), photo.metrics.clone()));
            }
        }
    }
    let script = std::env::temp_dir().join(format!("tonus-visual-harness-{}.js", std::process::id()));
    std::fs::write(&script, HARNESS).unwrap();
    let js = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/visual.js");
    let mut child = std::process::Command::new("node")
        .arg(&script)
        .arg(&js)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(serde_json::to_string(&cases).unwrap().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    std::fs::remove_file(&script).ok();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let (mut compared, mut unmeasurable) = (0, 0);
    for ((label, metrics), js) in expected.iter().zip(&results) {
        for m in metrics {
            let Some(got) = js.get(&m.id) else { continue };
            let (value, cause) = match &m.reading {
                Reading::Measured { value, .. } => (Some(*value), None),
                Reading::NotMeasurable { cause } => (None, Some(cause)),
            };
            match (value, got.get("value").and_then(Value::as_f64)) {
                (Some(engine), Some(live)) => {
                    assert!((engine - live).abs() < 0.0051, "{label}: {} engine {engine} vs JS {live}", m.id);
                    compared += 1;
                }
                (None, None) => {
                    assert!(got.get("reason").is_some(), "{label}: {} JS gives no reason", m.id);
                    if !cause.is_some_and(NotMeasurableView::is_wrong_view) {
                        unmeasurable += 1;
                    }
                }
                (engine, live) => panic!("{label}: {} engine {engine:?} vs JS {live:?} ({cause:?})", m.id),
            }
        }
    }
    assert!(compared >= 35, "only {compared} values compared");
    assert!(unmeasurable >= 5, "the gates were exercised only {unmeasurable} times");
}
