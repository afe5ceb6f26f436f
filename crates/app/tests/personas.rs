//! The three example personas through the whole chain, pinned by snapshots of the text (both
//! audiences) and JSON reports, plus the conclusions a therapist following the brief would
//! expect, asserted directly so a snapshot update cannot silently change them.

use tonus_app::examples::{Persona, personas};
use tonus_app::intake::{self, Format};
use tonus_app::render::{self, Audience};
use tonus_app::report::{ComponentStatusView, Finding, Laterality, PlanKind, Reading, Report, SupportBasisView, SupportView};
use tonus_app::{Engine, landmarks, simulate};
use tonus_core::knowledge::{Action, MeasureKind, MuscleState};
use tonus_core::redflags::GateStatus;

fn report(p: &Persona) -> Report {
    let engine = Engine::embedded().unwrap();
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sets: Vec<_> = p.landmarks.iter().map(|(n, t)| (n.to_string(), landmarks::parse(t, n).unwrap())).collect();
    engine.assess(&intake, p.intake_name, &sets).unwrap()
}

fn persona(id: &str) -> Persona {
    personas().into_iter().find(|p| p.id == id).unwrap()
}

/// Where a muscle was found in a state (`None`: on neither side).
fn found(r: &Report, muscle: &str, state: MuscleState) -> Option<Laterality> {
    tonus_app::words::found_sides(r.muscle(muscle).unwrap(), state)
}

#[test]
fn desk_worker() {
    let r = report(&persona("desk-worker"));
    // Chest and upper trapezius found overactive (the chest by palpation, the upper trapezius by
    // its length test and palpation on the left); deep neck flexors and lower trapezius found
    // inhibited by their tests; the pattern applies.
    for m in ["upper_trapezius", "pectoralis_major", "pectoralis_minor", "sternocleidomastoid", "suboccipitals"] {
        assert!(found(&r, m, MuscleState::Overactive).is_some(), "{m}");
    }
    assert_eq!(found(&r, "upper_trapezius", MuscleState::Overactive), Some(Laterality::Left));
    for m in ["deep_cervical_flexors", "lower_trapezius"] {
        assert_eq!(found(&r, m, MuscleState::Inhibited), Some(Laterality::Both), "{m}");
    }
    let story = r.story.as_ref().unwrap();
    assert!(story.pattern.applies);
    let forward_head = story.components.iter().find(|c| c.id == "forward_head").unwrap();
    assert!(matches!(forward_head.status, ComponentStatusView::Present { .. }));
    let esa = r.photos[0].metrics.iter().find(|m| m.id == "ear_shoulder_angle").unwrap();
    assert_eq!(esa.kind, MeasureKind::Proxy);
    assert!(matches!(esa.reading, Reading::Measured { finding: Some(Finding::BelowCutoff), .. }));
    // The interscapular ache is explained by the overstretched lower trapezius found weak, never
    // by the ache itself; the non-muscular causes are listed; the headache fits the
    // tension-type pattern and palpation reproduced it in the upper trapezius.
    let inter = story.pain.iter().find(|p| p.region == "interscapular").unwrap();
    assert!(inter.causes.iter().any(|c| c.muscle == "lower_trapezius" && matches!(c.support, SupportView::Supported { .. })));
    assert!(inter.other_causes.iter().any(|c| c.cause.to_lowercase().contains("heart")));
    let temple = story.pain.iter().find(|p| p.region == "temple").unwrap();
    assert!(matches!(temple.headache, Some(tonus_app::report::HeadacheView::TensionType(_))));
    assert!(
        temple
            .causes
            .iter()
            .any(|c| c.muscle == "upper_trapezius" && c.support == SupportView::Supported { basis: SupportBasisView::FamiliarPain })
    );
    let plan = r.plan.as_ref().unwrap();
    assert_eq!(plan.kind, PlanKind::Corrective);
    let targets: Vec<&str> = plan.massage.as_ref().unwrap().targets.iter().map(|t| t.muscle.as_str()).collect();
    assert!(targets.contains(&"upper_trapezius") && targets.contains(&"suboccipitals"), "{targets:?}");
    assert!(plan.phases.iter().any(|p| p.exercises.iter().any(|e| e.id == "craniocervical_flexion_nod")));
    assert!(plan.exposure_changes.iter().any(|c| c.id == "screen_breaks"));
    assert!(plan.exposure_changes.iter().any(|c| c.id == "raise_laptop"));
    expect_test::expect_file!["snapshots/desk-worker.txt"].assert_eq(&render::render_text(&r, Audience::Clinician));
    expect_test::expect_file!["snapshots/desk-worker-client.txt"].assert_eq(&render::render_text(&r, Audience::Client));
    expect_test::expect_file!["snapshots/desk-worker.json"].assert_eq(&serde_json::to_string_pretty(&r).unwrap());
}

#[test]
fn driver() {
    let r = report(&persona("driver"));
    // Right-sided: the right upper trapezius and levator found overactive (length tests,
    // palpation reproducing the pain), the left levator normal.
    assert_eq!(found(&r, "levator_scapulae", MuscleState::Overactive), Some(Laterality::Right));
    assert_eq!(found(&r, "levator_scapulae", MuscleState::Balanced), Some(Laterality::Left));
    assert!(found(&r, "upper_trapezius", MuscleState::Overactive).is_some_and(|l| l.covers(tonus_core::vocab::Side::Right)));
    assert_eq!(found(&r, "deep_cervical_flexors", MuscleState::Inhibited), Some(Laterality::Both));
    let story = r.story.as_ref().unwrap();
    let elevated = story.components.iter().find(|c| c.id == "elevated_shoulders").unwrap();
    assert!(matches!(elevated.status, ComponentStatusView::Present { .. }));
    // A side photo and a front photo: each metric measured on its own view.
    assert_eq!(r.photos.iter().map(|p| p.view.as_str()).collect::<Vec<_>>(), ["side-right", "front"]);
    let asym = r.photos[1].metrics.iter().find(|m| m.id == "shoulder_height_asymmetry").unwrap();
    assert!(matches!(asym.reading, Reading::Measured { .. }));
    let neck = story.pain.iter().find(|p| p.region == "angle_of_neck").unwrap();
    let levator = neck.causes.iter().find(|c| c.muscle == "levator_scapulae").unwrap();
    assert!(matches!(levator.support, SupportView::Supported { .. }) && levator.laterality == Laterality::Right);
    let plan = r.plan.as_ref().unwrap();
    let levator_target = plan.massage.as_ref().unwrap().targets.iter().find(|t| t.muscle == "levator_scapulae").unwrap();
    assert_eq!(levator_target.laterality, Laterality::Right);
    // A driver with almost no computer work: driving breaks, no screen advice.
    let advice: Vec<&str> = plan.exposure_changes.iter().map(|c| c.id.as_str()).collect();
    assert!(advice.contains(&"driving_breaks") && !advice.contains(&"screen_breaks"), "{advice:?}");
    expect_test::expect_file!["snapshots/driver.txt"].assert_eq(&render::render_text(&r, Audience::Clinician));
}

#[test]
fn red_flag_gives_no_plan_and_no_muscle_story() {
    let r = report(&persona("red-flag"));
    assert!(r.plan.is_none() && r.story.is_none());
    assert_eq!(r.red_flags.status, GateStatus::Positive);
    assert!(r.red_flags.plan_blocked);
    assert_eq!(r.red_flags.positive[0].action, Action::Emergency);
    let text = render::render_text(&r, Audience::Clinician);
    assert!(text.contains("PLAN: none") && !text.contains("MUSCLES") && !text.contains("WHY IT HURTS"));
    let html = render::render_html(&r, Audience::Client, None);
    assert!(html.contains("No plan:") && !html.contains("Your plan") && !html.contains("Why it may hurt"));
    expect_test::expect_file!["snapshots/red-flag.txt"].assert_eq(&text);
    // Nothing is simulated either.
    let engine = Engine::embedded().unwrap();
    let p = persona("red-flag");
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sim = engine.simulate(&intake, p.intake_name, 12, 1.0).unwrap();
    assert_eq!(sim.status, simulate::SimulationStatus::RedFlag);
    assert!(!sim.plan_simulated && sim.weeks.is_empty() && sim.muscles.is_empty());
}

#[test]
fn html_report_is_self_contained_and_the_client_view_leaves_out_the_differentials() {
    let r = report(&persona("desk-worker"));
    let html = render::render_html(&r, Audience::Clinician, None);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=\"http", "href=\"http", "<script src", "<link rel=\"stylesheet\" href", "@import"] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("Craniocervical flexion nod") && html.contains("<ol class=\"steps\">"));
    assert!(html.contains("proxy for Craniovertebral angle"));
    assert!(html.contains("Aortic dissection"), "the clinician sees the differential");
    let client = render::render_html(&r, Audience::Client, None);
    for jargon in ["Aortic dissection", "Pulmonary embolism", "contested", "clinical convention", "page2010"] {
        assert!(!client.contains(jargon), "the client view shows {jargon}");
    }
    assert!(client.contains("data-exercise=\"craniocervical_flexion_nod\""));
}

#[test]
fn reports_are_deterministic() {
    for p in personas() {
        assert_eq!(report(&p), report(&p), "{}", p.id);
    }
}

#[test]
fn simulation_of_the_desk_worker_draws_only_the_muscles_found() {
    let engine = Engine::embedded().unwrap();
    let p = persona("desk-worker");
    let intake = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let sim = engine.simulate(&intake, p.intake_name, 16, 1.0).unwrap();
    assert!(sim.illustrative && sim.plan_simulated);
    let r = report(&p);
    for m in &sim.muscles {
        assert!(r.muscle(m).is_some_and(|v| v.left.found().is_some() || v.right.found().is_some()), "{m} simulated without a finding");
    }
    assert!(!sim.muscles.iter().any(|m| m == "rhomboids" || m == "serratus_anterior"));
    let week = sim.balanced_in_week.unwrap();
    assert!((6..=16).contains(&week), "{week}");
    let csv = simulate::render_csv(&sim);
    assert_eq!(csv.lines().count(), 18);
    assert!(csv.starts_with("week,without_plan,with_plan,"));
    let half = engine.simulate(&intake, p.intake_name, 16, 0.5).unwrap();
    assert!(half.weeks[16].with_plan.unwrap() > sim.weeks[16].with_plan.unwrap());
    expect_test::expect_file!["snapshots/desk-worker-simulation.txt"].assert_eq(&simulate::render_text(&sim, engine.kb()));
}
