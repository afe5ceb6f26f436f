//! The three example personas through the whole chain, pinned by snapshots of the text and
//! JSON reports, plus the conclusions a therapist following the brief would expect, asserted
//! directly so a snapshot update cannot silently change them.

use tonus_app::examples::{Persona, personas};
use tonus_app::intake::{self, Format};
use tonus_app::report::Report;
use tonus_app::{Engine, landmarks, render, simulate};

fn report(p: &Persona) -> Report {
    let engine = Engine::embedded().unwrap();
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sets: Vec<_> = p.landmarks.iter().map(|(n, t)| (n.to_string(), landmarks::parse(t, n).unwrap())).collect();
    engine.assess(&intake, p.intake_name, &sets).unwrap()
}

fn persona(id: &str) -> Persona {
    personas().into_iter().find(|p| p.id == id).unwrap()
}

fn state<'a>(r: &'a Report, muscle: &str) -> &'a str {
    &r.muscles.iter().find(|m| m.id == muscle).unwrap().state
}

#[test]
fn desk_worker() {
    let r = report(&persona("desk-worker"));
    // Forward head on the photo; chest and upper trapezius overactive; deep neck flexors and
    // scapular retractors inhibited; the pattern applies.
    for m in ["upper_trapezius", "pectoralis_major", "pectoralis_minor", "sternocleidomastoid", "suboccipitals"] {
        assert_eq!(state(&r, m), "overactive", "{m}");
    }
    for m in ["deep_cervical_flexors", "lower_trapezius", "middle_trapezius", "rhomboids"] {
        assert_eq!(state(&r, m), "inhibited", "{m}");
    }
    assert!(r.pattern.applies);
    assert_eq!(r.components.iter().find(|c| c.id == "forward_head").unwrap().status, "present");
    let esa = r.photos[0].metrics.iter().find(|m| m.id == "ear_shoulder_angle").unwrap();
    assert_eq!((esa.kind.as_str(), esa.finding.as_deref()), ("proxy", Some("below_cutoff")));
    // The interscapular ache is explained by the overstretched retractors, with the
    // non-muscular causes listed; the headache fits the tension-type pattern.
    let inter = r.pain.iter().find(|p| p.region == "interscapular").unwrap();
    assert!(inter.causes.iter().any(|c| c.muscle == "rhomboids" && c.support == "supported" && c.mechanism.contains("overstretched")));
    assert!(inter.other_causes.iter().any(|c| c.cause.to_lowercase().contains("heart")));
    let temple = r.pain.iter().find(|p| p.region == "temple").unwrap();
    assert!(temple.headache_note.as_deref().unwrap().contains("tension-type"));
    assert!(temple.causes.iter().any(|c| c.muscle == "upper_trapezius" && c.support == "supported"));
    let plan = r.plan.as_ref().unwrap();
    assert_eq!(plan.massage.as_ref().unwrap().targets[0].muscle, "upper_trapezius");
    assert!(plan.phases[1].exercises.iter().any(|e| e.id == "craniocervical_flexion_nod"));
    assert!(plan.exposure_changes.iter().any(|c| c.id == "breaks"));
    assert!(plan.exposure_changes.iter().any(|c| c.id == "raise_laptop"));
    expect_test::expect_file!["snapshots/desk-worker.txt"].assert_eq(&render::render_text(&r));
    expect_test::expect_file!["snapshots/desk-worker.json"].assert_eq(&serde_json::to_string_pretty(&r).unwrap());
}

#[test]
fn driver() {
    let r = report(&persona("driver"));
    assert_eq!(state(&r, "upper_trapezius"), "overactive");
    assert_eq!(state(&r, "levator_scapulae"), "overactive");
    assert_eq!(state(&r, "deep_cervical_flexors"), "inhibited");
    assert_eq!(r.components.iter().find(|c| c.id == "elevated_shoulders").unwrap().status, "present");
    // A side photo and a front photo: each metric measured on its own view.
    assert_eq!(r.photos.iter().map(|p| p.view.as_str()).collect::<Vec<_>>(), ["side-right", "front"]);
    let asym = r.photos[1].metrics.iter().find(|m| m.id == "shoulder_height_asymmetry").unwrap();
    assert!(asym.value.is_some());
    let neck = r.pain.iter().find(|p| p.region == "angle_of_neck").unwrap();
    assert!(neck.causes.iter().any(|c| c.muscle == "levator_scapulae" && c.support == "supported"));
    let plan = r.plan.as_ref().unwrap();
    let targets: Vec<&str> = plan.massage.as_ref().unwrap().targets.iter().map(|t| t.muscle.as_str()).collect();
    assert_eq!(&targets[..2], ["upper_trapezius", "levator_scapulae"]);
    assert!(plan.exposure_changes.iter().any(|c| c.id == "driving_breaks"));
    expect_test::expect_file!["snapshots/driver.txt"].assert_eq(&render::render_text(&r));
}

#[test]
fn red_flag_gives_no_plan() {
    let r = report(&persona("red-flag"));
    assert!(r.plan.is_none());
    assert_eq!(r.red_flags.status, "positive");
    assert!(r.red_flags.plan_blocked);
    assert_eq!(r.red_flags.positive[0].action, "emergency");
    assert!(r.red_flags.message.contains("no treatment plan"));
    let text = render::render_text(&r);
    assert!(text.contains("PLAN: none"));
    let html = render::render_html(&r);
    assert!(html.contains("No plan:") && !html.contains("Your plan"));
    expect_test::expect_file!["snapshots/red-flag.txt"].assert_eq(&text);
    // The simulation shows no plan either.
    let engine = Engine::embedded().unwrap();
    let p = persona("red-flag");
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sim = engine.simulate(&intake, p.intake_name, 12, 1.0).unwrap();
    assert!(!sim.plan_simulated && sim.weeks.iter().all(|w| w.with_plan.is_none()));
}

#[test]
fn html_report_is_self_contained() {
    let html = render::render_html(&report(&persona("desk-worker")));
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=\"http", "href=\"http", "<script src", "<link rel=\"stylesheet\" href", "@import"] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("Craniocervical flexion nod") && html.contains("<ol class=\"steps\">"));
    assert!(html.contains("proxy for Craniovertebral angle"));
}

#[test]
fn reports_are_deterministic() {
    for p in personas() {
        assert_eq!(report(&p), report(&p), "{}", p.id);
    }
}

#[test]
fn simulation_of_the_desk_worker() {
    let engine = Engine::embedded().unwrap();
    let p = persona("desk-worker");
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sim = engine.simulate(&intake, p.intake_name, 16, 1.0).unwrap();
    assert!(sim.illustrative && sim.plan_simulated);
    let week = sim.balanced_in_week.unwrap();
    assert!((6..=16).contains(&week), "{week}");
    let csv = simulate::render_csv(&sim);
    assert_eq!(csv.lines().count(), 18);
    assert!(csv.starts_with("week,without_plan,with_plan,upper_trapezius,"));
    let half = engine.simulate(&intake, p.intake_name, 16, 0.5).unwrap();
    assert!(half.weeks[16].with_plan.unwrap() > sim.weeks[16].with_plan.unwrap());
    expect_test::expect_file!["snapshots/desk-worker-simulation.txt"].assert_eq(&simulate::render_text(&sim, engine.kb()));
}
