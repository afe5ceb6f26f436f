//! Inference, the red-flag gate, the plan and the dynamics model on intakes built in code.
//! The persona snapshots live in the app crate's tests, where the example files are parsed.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tonus_core::dynamics::{self, Scenario};
use tonus_core::facts;
use tonus_core::inference::{self, MuscleState};
use tonus_core::intake::*;
use tonus_core::redflags::{self, Gate};
use tonus_core::{AssessOptions, Date, KnowledgeBase, assess};

fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().unwrap()
}

fn all_clear(kb: &KnowledgeBase) -> BTreeMap<String, bool> {
    kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|i| (i.id.clone(), false))).collect()
}

/// A desk worker with the given hands-forward hours, no tests and no symptoms.
fn intake(kb: &KnowledgeBase, computer: f64) -> Intake {
    Intake {
        person: Person { label: "test".into(), sex: Sex::Female, age: Some(40) },
        assessed_on: Date::parse("2026-01-05").unwrap(),
        exposure: Exposure {
            sitting: Sitting { desk: computer, sofa: 1.0, ..Sitting::default() },
            hands_forward: HandsForward { computer, ..HandsForward::default() },
            longest_bout_min: Some(120.0),
            ..Exposure::default()
        },
        symptoms: Symptoms::default(),
        red_flags: all_clear(kb),
        outcomes: OutcomeAnswers::default(),
        tests: ClinicalTests::default(),
    }
}

#[test]
fn tests_decide_a_muscle_and_contested_evidence_alone_does_not() {
    let kb = kb();
    let mut i = intake(&kb, 0.0);
    i.exposure.longest_bout_min = None;
    // Only contested rules (pectoralis minor index and supine test) speak for the pectoralis
    // minor; together they lead by more than the margin.
    i.tests.pec_minor_index = Some(Sides { left: 8.0, right: 8.5 });
    i.tests.pec_minor_supine_cm = Some(Sides { left: 6.0, right: 2.5 });
    // A convention rule with a strong weight speaks for the deep neck flexors.
    i.tests.dnf_endurance_s = Some(12.0);
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    let pm = inf.muscle("pectoralis_minor").unwrap();
    assert_eq!(pm.state, MuscleState::Unknown);
    assert!(pm.note.as_deref().unwrap().starts_with("only contested evidence"), "{:?}", pm.note);
    let dcf = inf.muscle("deep_cervical_flexors").unwrap();
    assert_eq!(dcf.state, MuscleState::Inhibited);
    assert!(dcf.confidence > 0.4 && dcf.confidence < 1.0);
    assert_eq!(dcf.evidence[0].observed, vec!["deep neck flexor endurance 12 s, below the cut-off 29.4 s, female norm".to_string()]);
    // Men have a higher norm: 35 s is below it, and balanced for a woman.
    i.tests.dnf_endurance_s = Some(35.0);
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    assert_eq!(inf.muscle("deep_cervical_flexors").unwrap().state, MuscleState::Balanced);
    i.person.sex = Sex::Male;
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    assert_eq!(inf.muscle("deep_cervical_flexors").unwrap().state, MuscleState::Inhibited);
    // Unspecified sex: no sex-specific cut-off applies, so the test gives no evidence.
    i.person.sex = Sex::Unspecified;
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    assert_eq!(inf.muscle("deep_cervical_flexors").unwrap().state, MuscleState::Unknown);
}

#[test]
fn conflicting_evidence_leaves_a_muscle_unknown() {
    let kb = kb();
    let mut i = intake(&kb, 9.0);
    // Exposure says the upper trapezius is overactive; a normal length test says balanced.
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Normal, right: LengthTest::Normal });
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    let ut = inf.muscle("upper_trapezius").unwrap();
    assert_eq!(ut.state, MuscleState::Unknown, "{ut:?}");
    assert_eq!(ut.note.as_deref(), Some("conflicting evidence"));
}

#[test]
fn red_flag_gate_blocks_the_plan_and_says_where_to_go() {
    let kb = kb();
    let mut i = intake(&kb, 8.0);
    let a = assess(&i, &[], &kb, &AssessOptions::STANDARD);
    assert_eq!(a.gate, Gate::Clear);
    assert!(a.plan.is_some());

    i.red_flags.insert("night_pain".into(), true);
    i.red_flags.insert("chest_pain".into(), true);
    let a = assess(&i, &[], &kb, &AssessOptions::STANDARD);
    assert!(a.plan.is_none());
    let Gate::Positive(flags) = &a.gate else { panic!("{:?}", a.gate) };
    // Most urgent first.
    assert_eq!(flags[0].item, "chest_pain");
    assert_eq!(a.gate.most_urgent(), Some(tonus_core::knowledge::Action::Emergency));
    assert!(flags[0].advice.to_lowercase().contains("emergency"));

    let mut i = intake(&kb, 8.0);
    i.red_flags.remove("dizziness");
    let a = assess(&i, &[], &kb, &AssessOptions::STANDARD);
    assert_eq!(a.gate, Gate::Incomplete(vec!["dizziness".into()]));
    assert!(a.plan.is_none());
    assert_eq!(
        redflags::screen(&BTreeMap::new(), &kb),
        Gate::Incomplete(kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|i| i.id.clone())).collect())
    );
}

#[test]
fn plan_follows_the_phases_and_limits() {
    let kb = kb();
    let mut i = intake(&kb, 9.0);
    i.tests.dnf_endurance_s = Some(10.0);
    i.tests.lower_trapezius_grade = Some(Sides { left: 3, right: 4 });
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Reduced, right: LengthTest::Reduced });
    let a = assess(&i, &[], &kb, &AssessOptions::STANDARD);
    let plan = a.plan.clone().unwrap();
    assert_eq!(plan.phases.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["release", "activate", "integrate"]);
    for p in &plan.phases {
        assert!(!p.exercises.is_empty() && p.exercises.len() <= 5, "{}: {}", p.id, p.exercises.len());
        let mut ids: Vec<_> = p.exercises.iter().map(|e| &e.exercise).collect();
        ids.dedup();
        assert_eq!(ids.len(), p.exercises.len());
    }
    // Phase 1 works the overactive muscles with release/lengthen work; phase 2 the inhibited.
    let purposes =
        |phase: usize| plan.phases[phase].exercises.iter().map(|e| kb.exercise(&e.exercise).unwrap().purpose).collect::<Vec<_>>();
    use tonus_core::knowledge::Purpose::*;
    assert!(purposes(0).iter().all(|p| matches!(p, Release | Lengthen | Mobilise)));
    assert!(purposes(1).iter().all(|p| matches!(p, Activate | Strengthen)));
    assert!(plan.phases[1].exercises.iter().any(|e| e.exercise == "craniocervical_flexion_nod"));
    // The massage targets are overactive muscles, the most confident first.
    let m = plan.massage.as_ref().unwrap();
    assert_eq!(m.targets[0].muscle, "upper_trapezius");
    assert!(m.targets.windows(2).all(|w| w[0].confidence >= w[1].confidence));
    // Breaks: sitting 2 hours at a time with no breaks.
    assert!(plan.exposure_changes.iter().any(|c| c.id == "breaks"));
    assert_eq!(plan.review_outcomes_on.to_string(), "2026-01-19");
    assert_eq!(plan.phases[1].starts.to_string(), "2026-01-19");
    // Deterministic.
    assert_eq!(assess(&i, &[], &kb, &AssessOptions::STANDARD), a);
}

fn exposure(hands: f64, extra_sitting: f64, breaks: Option<f64>, lifting: f64) -> Exposure {
    Exposure {
        sitting: Sitting { desk: hands, sofa: extra_sitting, ..Sitting::default() },
        hands_forward: HandsForward { computer: hands, ..HandsForward::default() },
        longest_bout_min: Some(120.0),
        break_every_min: breaks,
        lifting_carrying_hours_per_week: Some(lifting),
        ..Exposure::default()
    }
}

/// The desk worker's plan, used for every dynamics property.
fn plan(kb: &KnowledgeBase) -> tonus_core::plan::Plan {
    let mut i = intake(kb, 9.0);
    i.tests.dnf_endurance_s = Some(10.0);
    i.tests.lower_trapezius_grade = Some(Sides { left: 3, right: 4 });
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Reduced, right: LengthTest::Reduced });
    assess(&i, &[], kb, &AssessOptions::STANDARD).plan.unwrap()
}

#[test]
fn feedback_makes_the_strong_stronger() {
    // The recruitment feedback raises the steady state: without it, the same exposure leaves
    // less imbalance.
    let kb = kb();
    let e = exposure(8.0, 2.0, None, 0.0);
    let with = dynamics::steady_state(&kb, &e);
    let overrides = "recruitment_gain = 0.0\n";
    let kb0 = KnowledgeBase::load(&[tonus_core::knowledge::Source { name: "dynamics.toml", text: overrides }]).unwrap();
    let without = dynamics::steady_state(&kb0, &e);
    assert!(with.iter().zip(&without).all(|(a, b)| a > b));
    // No exposure at all: balanced.
    assert!(dynamics::steady_state(&kb, &exposure(0.0, 0.0, None, 0.0)).iter().all(|u| *u < 0.05));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// More sitting → more imbalance, at every week, without the plan.
    #[test]
    fn more_sitting_more_imbalance(h in 0.0f64..11.0, more in 0.5f64..4.0, extra in 0.0f64..4.0, lift in 0.0f64..10.0) {
        let kb = kb();
        let s = |hands| dynamics::simulate(&kb, &Scenario { exposure: exposure(hands, extra, None, lift), weeks: 8, adherence: 0.0 }, None);
        let (a, b) = (s(h), s(h + more));
        for (x, y) in a.weeks.iter().zip(&b.weeks) {
            prop_assert!(y.without_plan > x.without_plan);
        }
    }

    /// Without the plan there is no recovery while the exposure persists.
    #[test]
    fn no_plan_no_recovery(h in 2.0f64..14.0, extra in 0.0f64..6.0, lift in 0.0f64..14.0, breaks in proptest::option::of(30.0f64..180.0)) {
        let kb = kb();
        let t = dynamics::simulate(&kb, &Scenario { exposure: exposure(h, extra, breaks, lift), weeks: 52, adherence: 1.0 }, None);
        let start = t.weeks[0].without_plan;
        prop_assert!(start >= t.balanced_below, "this exposure starts balanced: {start}");
        for w in &t.weeks {
            prop_assert!(w.without_plan >= start - 1e-9, "week {}: {} < {}", w.week, w.without_plan, start);
        }
    }

    /// The plan at full adherence restores balance within the brief's 6–16 weeks, not within 4.
    #[test]
    fn plan_restores_balance_in_weeks(h in 4.0f64..12.0, extra in 0.0f64..4.0, lift in 0.0f64..10.0) {
        let kb = kb();
        let plan = plan(&kb);
        let t = dynamics::simulate(&kb, &Scenario { exposure: exposure(h, extra, None, lift), weeks: 20, adherence: 1.0 }, Some(&plan));
        let week = t.balanced_in_week;
        prop_assert!(week.is_some_and(|w| (5..=16).contains(&w)), "balanced in week {week:?}");
    }

    /// Higher adherence never leaves more imbalance.
    #[test]
    fn adherence_is_monotone(h in 4.0f64..12.0, a in 0.0f64..0.9, more in 0.05f64..0.1) {
        let kb = kb();
        let plan = plan(&kb);
        let s = |adh: f64| dynamics::simulate(&kb, &Scenario { exposure: exposure(h, 1.0, None, 2.0), weeks: 16, adherence: adh }, Some(&plan));
        let (lo, hi) = (s(a), s((a + more).min(1.0)));
        for (x, y) in lo.weeks.iter().zip(&hi.weeks) {
            prop_assert!(y.with_plan.unwrap() <= x.with_plan.unwrap() + 1e-12);
        }
    }
}
