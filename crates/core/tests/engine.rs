//! Inference, the red-flag gate, the plan and the dynamics model on intakes built in code, and
//! the reasoning's invariants as property tests. The persona tables live in the app crate's
//! `tests/reasoning.rs`, where intakes are written in the file format.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tonus_core::assess::Assessment;
use tonus_core::dynamics::{self, FoundMuscle, Scenario};
use tonus_core::facts;
use tonus_core::inference::{self, Status, Unknown};
use tonus_core::intake::*;
use tonus_core::knowledge::{Action, MuscleState};
use tonus_core::pain::Support;
use tonus_core::redflags::{self, GateStatus};
use tonus_core::vocab::{EvidenceKind, Laterality};
use tonus_core::{AssessOptions, Date, KnowledgeBase, assess};

fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().unwrap()
}

fn all_clear(kb: &KnowledgeBase) -> BTreeMap<String, RedFlagAnswer> {
    kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|i| (i.id.clone(), RedFlagAnswer::NO))).collect()
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
        clearances: Vec::new(),
        outcomes: OutcomeAnswers::default(),
        tests: ClinicalTests::default(),
        palpation: Vec::new(),
    }
}

fn run(i: &Intake) -> Assessment {
    assess(i, &[], &kb(), &AssessOptions::STANDARD)
}

fn status<'a>(a: &'a Assessment, muscle: &str, side: Side) -> &'a Status {
    a.story.as_ref().unwrap().inference.muscle(muscle).unwrap().status(side)
}

#[test]
fn tests_decide_a_muscle_and_contested_findings_alone_do_not() {
    let kb = kb();
    let mut i = intake(&kb, 0.0);
    i.exposure.longest_bout_min = None;
    // Only contested rules (pectoralis minor index and supine test) speak for the pectoralis
    // minor: together they lead by more than the margin, yet it is only suspected.
    i.tests.pec_minor_index = Some(Sides { left: 8.0, right: 8.5 });
    i.tests.pec_minor_supine_cm = Some(Sides { left: 6.0, right: 2.5 });
    // A convention rule with a strong weight speaks for the deep neck flexors.
    i.tests.dnf_endurance_s = Some(12.0);
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    let pm = inf.muscle("pectoralis_minor").unwrap();
    assert!(
        matches!(&pm.left, Status::Suspected { state: MuscleState::Overactive, basis, .. } if basis == &[EvidenceKind::ClinicalTest]),
        "{pm:?}"
    );
    let dcf = inf.muscle("deep_cervical_flexors").unwrap();
    assert_eq!(dcf.left.found(), Some(MuscleState::Inhibited));
    assert!(dcf.left.confidence() > 0.4 && dcf.left.confidence() < 1.0);
    assert_eq!(dcf.evidence[0].observed, vec!["deep neck flexor endurance 12 s, below the cut-off 29.4 s, female norm".to_string()]);
    // Men have a higher norm: 35 s is below it, and balanced for a woman.
    i.tests.dnf_endurance_s = Some(35.0);
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    assert_eq!(inf.muscle("deep_cervical_flexors").unwrap().left.found(), Some(MuscleState::Balanced));
    i.person.sex = Sex::Male;
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    assert_eq!(inf.muscle("deep_cervical_flexors").unwrap().left.found(), Some(MuscleState::Inhibited));
    // Unspecified sex: no sex-specific cut-off applies, so the test gives no evidence.
    i.person.sex = Sex::Unspecified;
    let inf = inference::infer(&facts::from_intake(&i), &kb);
    assert_eq!(inf.muscle("deep_cervical_flexors").unwrap().left, Status::Unknown(Unknown::NoEvidence));
}

#[test]
fn a_normal_test_outweighs_exposure() {
    let kb = kb();
    let mut i = intake(&kb, 9.0);
    // Exposure says the upper trapezius is overactive; a normal length test says balanced, and
    // the finding decides.
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Normal, right: LengthTest::Normal });
    let a = run(&i);
    assert_eq!(status(&a, "upper_trapezius", Side::Left).found(), Some(MuscleState::Balanced));
    // A reduced test on the right only: right overactive, left balanced.
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Normal, right: LengthTest::Reduced });
    let a = run(&i);
    assert_eq!(status(&a, "upper_trapezius", Side::Left).found(), Some(MuscleState::Balanced));
    assert_eq!(status(&a, "upper_trapezius", Side::Right).found(), Some(MuscleState::Overactive));
    let plan = a.plan.unwrap();
    let stretch = plan.phases[0].exercises.iter().find(|e| e.exercise == "upper_trapezius_stretch").unwrap();
    assert_eq!(stretch.laterality, Laterality::Right);
}

#[test]
fn red_flag_gate_blocks_the_plan_and_says_where_to_go() {
    let kb = kb();
    let mut i = intake(&kb, 8.0);
    i.tests.dnf_endurance_s = Some(10.0);
    let a = run(&i);
    assert_eq!(a.gate.status, GateStatus::Clear);
    assert!(a.plan.is_some() && a.story.is_some());

    i.red_flags.insert("night_pain".into(), RedFlagAnswer::YES);
    i.red_flags.insert("chest_pain".into(), RedFlagAnswer::YES);
    let a = run(&i);
    assert!(a.plan.is_none() && a.story.is_none());
    assert_eq!(a.gate.status, GateStatus::Positive);
    // Most urgent first.
    assert_eq!(a.gate.positive[0].item, "chest_pain");
    assert_eq!(a.gate.most_urgent(), Some(Action::Emergency));
    assert!(a.gate.positive[0].advice.to_lowercase().contains("emergency"));

    let mut i = intake(&kb, 8.0);
    i.red_flags.remove("dizziness");
    let a = run(&i);
    assert_eq!((a.gate.status, a.gate.missing.clone()), (GateStatus::Incomplete, vec!["dizziness".to_string()]));
    assert!(a.plan.is_none() && a.story.is_some());
    let all_missing = redflags::screen(&BTreeMap::new(), &[], Date::parse("2026-01-05").unwrap(), &kb);
    assert_eq!(all_missing.missing.len(), kb.red_flag_categories().iter().map(|c| c.item.len()).sum::<usize>());
}

#[test]
fn plan_follows_the_phases_and_limits() {
    let kb = kb();
    let mut i = intake(&kb, 9.0);
    i.tests.dnf_endurance_s = Some(10.0);
    i.tests.lower_trapezius_grade = Some(Sides { left: 3, right: 4 });
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Reduced, right: LengthTest::Reduced });
    let a = run(&i);
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
    // The massage targets: overactive muscles first, then inhibited ones with a technique.
    let m = plan.massage.as_ref().unwrap();
    assert_eq!(m.targets[0].muscle, "upper_trapezius");
    // Breaks: sitting 2 hours at a time with no breaks, at a screen.
    assert!(plan.exposure_changes.iter().any(|c| c.id == "screen_breaks" && c.breaks));
    assert_eq!(plan.review_outcomes_on.to_string(), "2026-01-19");
    assert_eq!(plan.phases[1].starts.to_string(), "2026-01-19");
    // Deterministic.
    assert_eq!(run(&i), a);
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

/// A desk worker with findings, and their plan, used for the dynamics properties.
fn found_and_plan(kb: &KnowledgeBase) -> (Vec<FoundMuscle>, tonus_core::plan::Plan) {
    let mut i = intake(kb, 9.0);
    i.tests.dnf_endurance_s = Some(10.0);
    i.tests.lower_trapezius_grade = Some(Sides { left: 3, right: 4 });
    i.tests.upper_trapezius_length = Some(Sides { left: LengthTest::Reduced, right: LengthTest::Reduced });
    let a = assess(&i, &[], kb, &AssessOptions::STANDARD);
    let found = a
        .story
        .unwrap()
        .inference
        .muscles
        .iter()
        .filter_map(|m| {
            [MuscleState::Overactive, MuscleState::Inhibited]
                .into_iter()
                .find_map(|s| m.found_in(s).map(|(_, confidence)| FoundMuscle { id: m.muscle.clone(), state: s, confidence }))
        })
        .collect();
    (found, a.plan.unwrap())
}

#[test]
fn feedback_makes_the_strong_stronger_and_only_found_muscles_are_simulated() {
    let kb = kb();
    let (found, plan) = found_and_plan(&kb);
    let e = exposure(8.0, 2.0, None, 0.0);
    let with = dynamics::steady_state(&kb, &e, &found);
    let overrides = "recruitment_gain = 0.0\n";
    let kb0 = KnowledgeBase::load(&[tonus_core::knowledge::Source { name: "dynamics.toml", text: overrides }]).unwrap();
    let without = dynamics::steady_state(&kb0, &e, &found);
    assert!(with.iter().zip(&without).all(|(a, b)| a > b));
    // No exposure at all: balanced.
    assert!(dynamics::steady_state(&kb, &exposure(0.0, 0.0, None, 0.0), &found).iter().all(|u| *u < 0.05));
    // Only the muscles found, each on its own curve.
    let t = dynamics::simulate(&kb, &Scenario { exposure: e, weeks: 12, adherence: 1.0, muscles: found.clone() }, Some(&plan));
    assert_eq!(t.muscles, found.iter().map(|m| m.id.clone()).collect::<Vec<_>>());
    let last = &t.weeks[12].muscles;
    assert!(last.windows(2).any(|w| (w[0] - w[1]).abs() > 1e-3), "the curves differ: {last:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// More sitting → more imbalance at the steady state.
    #[test]
    fn more_sitting_more_imbalance(h in 0.0f64..11.0, more in 0.5f64..4.0, extra in 0.0f64..4.0, lift in 0.0f64..10.0) {
        let kb = kb();
        let (found, _) = found_and_plan(&kb);
        let a = dynamics::steady_state(&kb, &exposure(h, extra, None, lift), &found);
        let b = dynamics::steady_state(&kb, &exposure(h + more, extra, None, lift), &found);
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(y > x);
        }
    }

    /// Without the plan there is no recovery while the exposure persists.
    #[test]
    fn no_plan_no_recovery(h in 2.0f64..14.0, extra in 0.0f64..6.0, lift in 0.0f64..14.0, breaks in proptest::option::of(30.0f64..180.0)) {
        let kb = kb();
        let (found, _) = found_and_plan(&kb);
        let t = dynamics::simulate(&kb, &Scenario { exposure: exposure(h, extra, breaks, lift), weeks: 52, adherence: 1.0, muscles: found }, None);
        let start = t.weeks[0].without_plan;
        prop_assert!(start >= t.balanced_below, "a found muscle starts imbalanced: {start}");
        for w in &t.weeks {
            prop_assert!(w.without_plan >= start - 1e-3, "week {}: {} < {}", w.week, w.without_plan, start);
        }
    }

    /// The plan at full adherence restores balance within the brief's 6–16 weeks, not within 4.
    #[test]
    fn plan_restores_balance_in_weeks(h in 4.0f64..12.0, extra in 0.0f64..4.0, lift in 0.0f64..10.0) {
        let kb = kb();
        let (found, plan) = found_and_plan(&kb);
        let t = dynamics::simulate(&kb, &Scenario { exposure: exposure(h, extra, None, lift), weeks: 20, adherence: 1.0, muscles: found }, Some(&plan));
        let week = t.balanced_in_week;
        prop_assert!(week.is_some_and(|w| (6..=16).contains(&w)), "balanced in week {week:?}");
    }

    /// Higher adherence never leaves more imbalance.
    #[test]
    fn adherence_is_monotone(h in 4.0f64..12.0, a in 0.0f64..0.9, more in 0.05f64..0.1) {
        let kb = kb();
        let (found, plan) = found_and_plan(&kb);
        let s = |adh: f64| dynamics::simulate(&kb, &Scenario { exposure: exposure(h, 1.0, None, 2.0), weeks: 16, adherence: adh, muscles: found.clone() }, Some(&plan));
        let (lo, hi) = (s(a), s((a + more).min(1.0)));
        for (x, y) in lo.weeks.iter().zip(&hi.weeks) {
            prop_assert!(y.with_plan.unwrap() <= x.with_plan.unwrap() + 1e-12);
        }
    }
}

// ---------------------------------------------------------------- reasoning invariants

const REGIONS: &[&str] =
    &["interscapular", "neck_posterolateral", "upper_shoulder", "temple", "occipital", "angle_of_neck", "medial_scapular_border"];
const PALPABLE: &[&str] =
    &["upper_trapezius", "levator_scapulae", "pectoralis_major", "pectoralis_minor", "suboccipitals", "rhomboids", "lower_trapezius"];

fn pain_side() -> impl Strategy<Value = PainSide> {
    prop_oneof![Just(PainSide::Left), Just(PainSide::Right), Just(PainSide::Both), Just(PainSide::Centre)]
}

fn side() -> impl Strategy<Value = Side> + Clone {
    prop_oneof![Just(Side::Left), Just(Side::Right)]
}

fn length() -> impl Strategy<Value = LengthTest> + Clone {
    prop_oneof![Just(LengthTest::Normal), Just(LengthTest::Reduced)]
}

fn sides<T: std::fmt::Debug + Clone + 'static>(s: impl Strategy<Value = T> + Clone) -> impl Strategy<Value = Sides<T>> {
    (s.clone(), s).prop_map(|(left, right)| Sides { left, right })
}

fn tone() -> impl Strategy<Value = Option<Tone>> {
    proptest::option::of(prop_oneof![Just(Tone::Normal), Just(Tone::Increased), Just(Tone::Decreased)])
}

prop_compose! {
    fn any_intake()(
        computer in 0.0f64..12.0, phone in 0.0f64..4.0, driving in 0.0f64..6.0, bout in proptest::option::of(10.0f64..240.0),
        bag in proptest::option::of(side()), phone_side in proptest::option::of(side()), calls in proptest::option::of(0.0f64..3.0),
        pains in proptest::collection::vec((0..REGIONS.len(), 1.0f64..10.0, pain_side()), 0..4),
        dnf in proptest::option::of(5.0f64..60.0), lt in proptest::option::of(sides(0u8..=5)),
        ut in proptest::option::of(sides(length())), lev in proptest::option::of(sides(length())),
        palp in proptest::collection::vec((0..PALPABLE.len(), side(), tone(), proptest::option::of(0u8..=3), proptest::option::of(any::<bool>())), 0..4),
    ) -> Intake {
        let kb = kb();
        let mut i = intake(&kb, computer);
        i.exposure.hands_forward.phone = phone;
        i.exposure.hands_forward.driving = driving;
        i.exposure.sitting.car = driving;
        i.exposure.longest_bout_min = bout;
        i.exposure.bag_side = bag;
        i.exposure.phone_side = phone_side;
        i.exposure.headset_for_calls = Some(false);
        i.exposure.call_hours = calls;
        i.symptoms.pain = pains.into_iter().map(|(r, intensity, side)| Pain { region: REGIONS[r].into(), intensity, side }).collect();
        i.tests.dnf_endurance_s = dnf;
        i.tests.lower_trapezius_grade = lt;
        i.tests.upper_trapezius_length = ut;
        i.tests.levator_length = lev;
        let mut seen = std::collections::BTreeSet::new();
        i.palpation = palp
            .into_iter()
            .filter(|(m, s, ..)| seen.insert((*m, *s)))
            .map(|(m, side, tone, tenderness, familiar_pain)| Palpation { muscle: PALPABLE[m].into(), side, tone, tenderness, familiar_pain, location: None })
            .collect();
        i
    }
}

fn support_rank(s: &Support) -> u8 {
    // Higher is stronger support.
    3 - s.rank()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// No muscle is ever found from exposure and symptoms alone: strip every finding (tests,
    /// palpation, photos) and nothing is found.
    #[test]
    fn exposure_and_symptoms_never_make_a_finding(mut i in any_intake()) {
        i.tests = ClinicalTests::default();
        i.palpation.clear();
        let a = run(&i);
        for m in &a.story.unwrap().inference.muscles {
            prop_assert!(!m.has_finding(), "{} found from exposure or symptoms: {:?}", m.muscle, (&m.left, &m.right));
        }
    }

    /// A symptom never supports its own explanation: judged on an assessment without the
    /// symptom, every cause of its explanation has the same support as with it.
    #[test]
    fn a_symptom_never_supports_its_own_explanation(i in any_intake()) {
        let a = run(&i);
        let explanations = a.story.unwrap().explanations;
        for e in &explanations {
            let mut without = i.clone();
            // Remove every other symptom but this one, then this one's contribution to states:
            // compare the support with and without the symptom among the remaining evidence.
            without.symptoms.pain.retain(|p| p.region != e.region);
            let b = run(&without);
            let facts_without = &b.facts;
            // The support for the explanation, judged again on the assessment without the
            // symptom, must be at least as strong: the symptom added nothing to it.
            let again = tonus_core::pain::explain(&i, &inference::infer(facts_without, &kb()), &kb());
            if let Some(e2) = again.iter().find(|x| x.region == e.region) {
                for c in &e.causes {
                    let c2 = e2.causes.iter().find(|x| x.muscle == c.muscle).unwrap();
                    prop_assert_eq!(support_rank(&c2.support), support_rank(&c.support), "{}: {} {:?} → {:?}", e.region, c.muscle, c.support, c2.support);
                }
            }
        }
    }

    /// A positive red-flag screen yields no plan, no muscle explanation and no simulation.
    #[test]
    fn a_positive_gate_ends_the_muscle_story(mut i in any_intake(), item in 0usize..56) {
        let kb = kb();
        let ids: Vec<String> = kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|x| x.id.clone())).collect();
        let id = ids[item % ids.len()].clone();
        i.red_flags.insert(id, RedFlagAnswer::YES);
        let a = run(&i);
        prop_assert_eq!(a.gate.status, GateStatus::Positive);
        prop_assert!(a.story.is_none() && a.plan.is_none());
    }

    /// Mirroring every sided input mirrors the sides of every output.
    #[test]
    fn mirroring_the_inputs_mirrors_the_outputs(i in any_intake()) {
        let (a, b) = (run(&i), run(&i.mirrored()));
        let (sa, sb) = (a.story.unwrap(), b.story.unwrap());
        for (m, n) in sa.inference.muscles.iter().zip(&sb.inference.muscles) {
            prop_assert_eq!(&m.left, &n.right, "{}", m.muscle);
            prop_assert_eq!(&m.right, &n.left, "{}", m.muscle);
        }
        for (e, f) in sa.explanations.iter().zip(&sb.explanations) {
            for (c, d) in e.causes.iter().zip(&f.causes) {
                prop_assert_eq!((&c.muscle, c.laterality.mirrored()), (&d.muscle, d.laterality));
            }
        }
        let (pa, pb) = (a.plan.unwrap(), b.plan.unwrap());
        for (p, q) in pa.phases.iter().zip(&pb.phases) {
            for (x, y) in p.exercises.iter().zip(&q.exercises) {
                prop_assert_eq!((&x.exercise, x.laterality.mirrored()), (&y.exercise, y.laterality));
            }
        }
    }
}
