//! The client's handout puts the phase of today first and folds the others ("Done" before it,
//! "Later" after it); every exercise card names its exercise for tests and scripts.

use tonus_app::Engine;
use tonus_app::render::{Handout, render_handout_fragment};

fn desk_worker_plan(engine: &Engine) -> tonus_app::report::PlanView {
    let persona = tonus_app::examples::personas()[0];
    let intake = tonus_app::intake::parse(persona.intake, tonus_app::intake::Format::Toml, persona.intake_name).unwrap();
    let sets: Vec<_> =
        persona.landmarks.iter().map(|(name, text)| ((*name).to_owned(), tonus_app::landmarks::parse(text, name).unwrap())).collect();
    engine.assess(&intake, persona.intake_name, &sets).unwrap().plan.unwrap()
}

fn handout(plan: &tonus_app::report::PlanView, today: &str) -> String {
    let kb = tonus_core::KnowledgeBase::embedded().unwrap();
    render_handout_fragment(Handout { client_name: "Alex", assessed: "2026-11-24", edited: false, plan: Some(plan), today, kb: &kb })
}

#[test]
fn todays_phase_comes_first_and_the_others_are_folded() {
    let engine = Engine::embedded().unwrap();
    let plan = desk_worker_plan(&engine);
    assert!(plan.phases.len() >= 2, "the example plan has several phases");
    let (first, second) = (&plan.phases[0], &plan.phases[1]);

    // A day in the second phase: it is "Now", the first is done, the rest later, folded.
    let html = handout(&plan, &second.starts);
    let now = html.find(&format!("Now: {}", second.name)).expect("the current phase is headed Now");
    let done = html.find(&format!("Done: {}", first.name)).expect("the earlier phase is folded as done");
    assert!(now < done, "the current phase comes first");
    assert_eq!(html.matches("<details class=\"other-phase\">").count(), plan.phases.len() - 1);
    for p in &plan.phases[2..] {
        assert!(html.contains(&format!("Later: {}", p.name)), "{} is folded as later", p.name);
    }
    // Before the plan starts, the first phase is the one to do.
    assert!(handout(&plan, "2000-01-01").contains(&format!("Now: {}", first.name)));
    // After it ends, the last.
    let last = plan.phases.last().unwrap();
    assert!(handout(&plan, "2999-12-31").contains(&format!("Now: {}", last.name)));

    // Every exercise card names its exercise, once per time it is in the plan.
    for e in plan.phases.iter().flat_map(|p| &p.exercises) {
        let in_plan = plan.phases.iter().flat_map(|p| &p.exercises).filter(|x| x.id == e.id).count();
        assert_eq!(html.matches(&format!("data-exercise=\"{}\"", e.id)).count(), in_plan, "{}", e.id);
    }
}

#[test]
fn the_client_reads_massage_in_plain_words() {
    let engine = Engine::embedded().unwrap();
    let plan = desk_worker_plan(&engine);
    let massage = plan.massage.as_ref().expect("the example plan has massage");
    assert!(massage.targets.iter().flat_map(|t| &t.techniques).any(|t| t == "Petrissage"), "the report uses the clinical name");
    let plain = tonus_app::render::in_plain_words(&plan, engine.kb());
    let html = handout(&plain, &plan.phases[0].starts);
    assert!(html.contains("kneading") && !html.contains("Petrissage"), "{html}");
    for t in &plain.massage.as_ref().unwrap().targets {
        let muscle = engine.kb().muscle(&t.muscle).unwrap();
        assert!(t.muscle_name.eq_ignore_ascii_case(&muscle.plain_name), "{}", t.muscle_name);
    }
    // Only the words change: the same targets, sides and dose.
    let (a, b) = (plan.massage.as_ref().unwrap(), plain.massage.as_ref().unwrap());
    assert_eq!(a.targets.len(), b.targets.len());
    assert!(a.targets.iter().zip(&b.targets).all(|(x, y)| x.muscle == y.muscle && x.laterality == y.laterality));
    assert_eq!((a.session_min, a.weeks), (b.session_min, b.weeks));
}

#[test]
fn exercises_that_need_lying_down_or_equipment_say_so_and_name_a_desk_alternative() {
    let engine = Engine::embedded().unwrap();
    let mut plan = desk_worker_plan(&engine);
    let html = handout(&plan, &plan.phases[0].starts.clone());
    // The demo plan's lying-down nod and a stretch that needs nothing.
    let card = |html: &str, id: &str| {
        let start = html.find(&format!("data-exercise=\"{id}\"")).unwrap_or_else(|| panic!("no card for {id}"));
        html[start..start + html[start..].find("</div>").unwrap()].to_owned()
    };
    assert!(card(&html, "craniocervical_flexion_nod").contains("Needs lying down (floor, mat or bed): one for home, not the desk."));
    assert!(!card(&html, "upper_trapezius_stretch").contains("Needs"));
    // One with a desk alternative in the library names it.
    let mut punch = plan.phases[0].exercises[0].clone();
    punch.id = "serratus_punch".into();
    plan.phases[0].exercises.push(punch);
    let html = handout(&plan, &plan.phases[0].starts.clone());
    assert!(card(&html, "serratus_punch").contains("At your desk, do “Wall slide” instead."), "{}", card(&html, "serratus_punch"));
}

/// Every exercise card carries its illustration: the library's figure of it, moving from the
/// start to the end of the movement, named for a screen reader.
#[test]
fn every_exercise_card_is_illustrated() {
    let engine = Engine::embedded().unwrap();
    let plan = desk_worker_plan(&engine);
    let html = handout(&plan, &plan.phases[0].starts);
    for e in plan.phases.iter().flat_map(|p| &p.exercises) {
        let start = html.find(&format!("data-exercise=\"{}\"", e.id)).unwrap();
        let card = &html[start..start + html[start..].find("</div>").unwrap()];
        let label = format!("aria-label=\"{}: the movement from its start to its end\"", tonus_app::render::esc(&e.name));
        assert!(card.contains("<svg class=\"exercise-figure\"") && card.contains(&label), "{} has no illustration", e.id);
        assert!(card.contains("<animate "), "{}'s illustration does not move", e.id);
    }
}
