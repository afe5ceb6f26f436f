//! Tests of loading, merging and validating the knowledge base.

use super::*;

fn load_err(name: &str, text: &str) -> String {
    KnowledgeBase::load(&[Source { name, text }]).unwrap_err().to_string()
}

#[test]
fn embedded_knowledge_is_valid() {
    let kb = KnowledgeBase::embedded().unwrap();
    assert!(kb.muscles().len() >= 13);
    assert!(kb.exercises().len() >= 12);
    for id in [
        "upper_trapezius",
        "middle_trapezius",
        "lower_trapezius",
        "levator_scapulae",
        "pectoralis_major",
        "pectoralis_minor",
        "sternocleidomastoid",
        "scalenes",
        "suboccipitals",
        "deep_cervical_flexors",
        "rhomboids",
        "serratus_anterior",
        "deltoid",
    ] {
        assert!(kb.muscle(id).is_some(), "{id}");
    }
    assert_eq!(kb.outcomes().ndi.items.len(), 10);
}

#[test]
fn override_replaces_a_threshold() {
    let kb = KnowledgeBase::load(&[Source {
        name: "mine/measures.toml",
        text: "[[measure]]\nid = \"ear_shoulder_angle\"\ncutoff_below = 47.0\n",
    }])
    .unwrap();
    let m = kb.measure("ear_shoulder_angle").unwrap();
    assert_eq!(m.cutoff_below, Some(47.0));
    assert_eq!(m.name, KnowledgeBase::embedded().unwrap().measure("ear_shoulder_angle").unwrap().name);
}

#[test]
fn errors_name_file_entry_and_field() {
    expect_test::expect![[r#"mine/rules.toml: rule "x": field "when[0].fact": unknown fact "exposure.nope"; see the list of facts in knowledge/SCHEMA.md"#]].assert_eq(&load_err(
        "mine/rules.toml",
        "[[rule]]\nid = \"x\"\ndescription = \"d\"\nwhen = [{ fact = \"exposure.nope\", op = \">=\", value = 1.0 }]\nthen = [{ muscle = \"upper_trapezius\", state = \"overactive\", weight = 0.5 }]\ncertainty = \"convention\"\nsources = [\"page2010\"]\n",
    ));
    expect_test::expect![[
        r#"mine/muscles.toml: muscle "upper_trapezius": field "sources": unknown reference "nobody1999"; add it to references.toml"#
    ]]
    .assert_eq(&load_err("mine/muscles.toml", "[[muscle]]\nid = \"upper_trapezius\"\nsources = [\"nobody1999\"]\n"));
    expect_test::expect![[r#"mine/exercises.toml: exercise "new_one": field "name": missing field `name`"#]]
        .assert_eq(&load_err("mine/exercises.toml", "[[exercise]]\nid = \"new_one\"\n"));
    expect_test::expect![[r#"mine/muscles.toml: muscle "upper_trapezius": field "certainty": unknown variant `sure`, expected one of `established`, `convention`, `contested`"#]]
        .assert_eq(&load_err("mine/muscles.toml", "[[muscle]]\nid = \"upper_trapezius\"\ncertainty = \"sure\"\n"));
    let e = load_err("mine/measures.toml", "[[measure]]\nid = \"x\"\nname = ");
    assert!(e.starts_with("mine/measures.toml: TOML parse error at line 3"), "{e}");
    expect_test::expect!["mine/weights.toml: unknown knowledge file; expected one of references.toml, massage.toml, muscles.toml, exercises.toml, measures.toml, symptoms.toml, red_flags.toml, outcomes.toml, pattern.toml, rules.toml, plan.toml, dynamics.toml, webcam.toml"]
        .assert_eq(&load_err("mine/weights.toml", ""));
    expect_test::expect![[r#"mine/rules.toml: rule "dup": field "id": duplicate id"#]]
        .assert_eq(&load_err("mine/rules.toml", "[[rule]]\nid = \"dup\"\n[[rule]]\nid = \"dup\"\n"));
    expect_test::expect![[r#"mine/muscles.toml: muscle "upper_trapezius": field "stretches[0]": exercise "band_row" has purpose strengthen, which does not belong here"#]]
        .assert_eq(&load_err("mine/muscles.toml", "[[muscle]]\nid = \"upper_trapezius\"\nstretches = [\"band_row\"]\n"));
    expect_test::expect![[r#"mine/rules.toml: rule "dnf_endurance_low": field "when[0].op": "above the cut-off" needs a fact that belongs to a measure; "exposure.sitting_hours" does not"#]]
        .assert_eq(&load_err("mine/rules.toml", "[[rule]]\nid = \"dnf_endurance_low\"\nwhen = [{ fact = \"exposure.sitting_hours\", op = \"above_cutoff\" }]\n"));
    expect_test::expect![[r#"mine/rules.toml: rule "dnf_endurance_low": field "then[0].weight": must be in (0, 1]"#]].assert_eq(&load_err(
        "mine/rules.toml",
        "[[rule]]\nid = \"dnf_endurance_low\"\nthen = [{ muscle = \"deep_cervical_flexors\", state = \"inhibited\", weight = 2.0 }]\n",
    ));
}

#[test]
fn every_source_and_reference_is_used_or_listed() {
    let kb = KnowledgeBase::embedded().unwrap();
    let export = kb.export();
    // The export round-trips as TOML and carries every muscle.
    let parsed: toml::Table = export.parse().unwrap();
    assert_eq!(parsed["muscles"].as_array().unwrap().len(), kb.muscles().len());
    assert!(kb.show("upper_trapezius").unwrap().contains("[[muscle]]"));
    assert!(kb.show("chest_pain").is_some());
    assert!(kb.show("no_such_id").is_none());
}

#[test]
fn desk_alternatives_are_checked() {
    let ex = |id: &str, extra: &str| {
        format!(
            "[[exercise]]\nid = \"{id}\"\nname = \"X\"\ntargets = [\"serratus_anterior\"]\npurpose = \"activate\"\ndosage = \"3 x 10\"\nsessions_per_week = 3\nminutes_per_session = 5\nprogression = \"-\"\ninstructions = [\"Do it.\"]\n{extra}certainty = \"convention\"\nsources = [\"cools2007\"]\n[exercise.figure]\nbase = \"standing\"\nview = \"side\"\nend = {{ arms = 90 }}\n"
        )
    };
    expect_test::expect![[
        r#"mine/exercises.toml: exercise "floor_press": field "desk_alternative": "no_such" is not an exercise of the library"#
    ]]
    .assert_eq(&load_err("mine/exercises.toml", &ex("floor_press", "needs = [\"lying_down\"]\ndesk_alternative = \"no_such\"\n")));
    expect_test::expect![[
        r#"mine/exercises.toml: exercise "seated_press": field "desk_alternative": only an exercise with `needs` takes a desk alternative"#
    ]]
    .assert_eq(&load_err("mine/exercises.toml", &ex("seated_press", "desk_alternative = \"wall_slide\"\n")));
    expect_test::expect![[r#"mine/exercises.toml: exercise "floor_press": field "desk_alternative": "prone_extension" is not one that can be done at a desk (it has `needs`)"#]].assert_eq(&load_err("mine/exercises.toml", &ex("floor_press", "needs = [\"lying_down\"]\ndesk_alternative = \"prone_extension\"\n")));
    expect_test::expect![[
        r#"mine/exercises.toml: exercise "floor_press": field "desk_alternative": "upper_trapezius_stretch" works none of the same muscles"#
    ]]
    .assert_eq(&load_err(
        "mine/exercises.toml",
        &ex("floor_press", "needs = [\"lying_down\"]\ndesk_alternative = \"upper_trapezius_stretch\"\n"),
    ));
    expect_test::expect![[r#"mine/exercises.toml: exercise "floor_press": field "needs[0]": unknown variant `a_gym`, expected one of `lying_down`, `band`, `weights`, `foam_roller`"#]].assert_eq(&load_err("mine/exercises.toml", &ex("floor_press", "needs = [\"a_gym\"]\n")));
    let kb = KnowledgeBase::embedded().unwrap();
    let floor = kb.exercise("serratus_punch").unwrap();
    assert!(!floor.at_a_desk());
    assert!(kb.exercise(floor.desk_alternative.as_deref().unwrap()).unwrap().at_a_desk());
}

#[test]
fn webcam_entries_are_checked() {
    expect_test::expect![[r#"mine/webcam.toml: metric "head_drop": field "real_change": must be a positive number"#]]
        .assert_eq(&load_err("mine/webcam.toml", "[[metric]]\nid = \"head_drop\"\nreal_change = 0.0\n"));
    expect_test::expect![[r#"mine/webcam.toml: metric "neck_twist": field "id": unknown variant `neck_twist`, expected one of `head_drop`, `screen_closeness`, `shoulder_elevation`, `head_tilt`, `shoulder_asymmetry`"#]]
        .assert_eq(&load_err("mine/webcam.toml", "[[metric]]\nid = \"neck_twist\"\n"));
    expect_test::expect![[r#"mine/webcam.toml: [gates]: field "max_yaw": must be between 0 and 1"#]]
        .assert_eq(&load_err("mine/webcam.toml", "[gates]\nmax_yaw = 3.0\n"));
    expect_test::expect![[r#"mine/webcam.toml: [desk]: field "calibration_frames_per_second": with calibration_seconds = 2, gives 4 frames; calibration needs at least 5"#]].assert_eq(&load_err("mine/webcam.toml", "[desk]\ncalibration_seconds = 2.0\n"));
    let kb =
        KnowledgeBase::load(&[Source { name: "mine/webcam.toml", text: "[[metric]]\nid = \"head_tilt\"\nreal_change = 6.5\n" }]).unwrap();
    assert_eq!(kb.webcam_metric(WebcamMetricId::HeadTilt).real_change, 6.5);
}

#[test]
fn exercise_figures_are_checked() {
    let ex = |figure: &str| {
        format!(
            "[[exercise]]\nid = \"reach\"\nname = \"X\"\ntargets = [\"serratus_anterior\"]\npurpose = \"activate\"\ndosage = \"3 x 10\"\nsessions_per_week = 3\nminutes_per_session = 5\nprogression = \"-\"\ninstructions = [\"Do it.\"]\ncertainty = \"convention\"\nsources = [\"cools2007\"]\n{figure}"
        )
    };
    let e = load_err("mine/exercises.toml", &ex(""));
    assert!(e.starts_with("mine/exercises.toml: ") && e.contains("missing field `figure`"), "{e}");
    expect_test::expect![[
        r#"mine/exercises.toml: exercise "reach": field "figure": the start and end poses are the same: the illustration would not move"#
    ]]
    .assert_eq(&load_err(
        "mine/exercises.toml",
        &ex("[exercise.figure]\nbase = \"standing\"\nview = \"side\"\nstart = { arms = 90 }\nend = { arms = 90 }\n"),
    ));
    expect_test::expect![[r#"mine/exercises.toml: exercise "reach": field "figure.end.shrug": 2 is outside 0 to 1"#]].assert_eq(&load_err(
        "mine/exercises.toml",
        &ex("[exercise.figure]\nbase = \"standing\"\nview = \"front\"\nend = { shrug = 2 }\n"),
    ));
    let e = load_err("mine/exercises.toml", &ex("[exercise.figure]\nbase = \"standing\"\nview = \"side\"\nend = { elbow = 90 }\n"));
    assert!(e.contains("unknown field `elbow`"), "{e}");
}

#[test]
fn a_red_flag_item_of_its_own_action_is_checked() {
    let cat = |item: &str| {
        format!(
            "[[category]]\nid = \"headache\"\nname = \"Headache\"\naction = \"urgent\"\nadvice = \"See a doctor today.\"\nlong_standing = {{ action = \"medical_review\", advice = \"See your doctor.\" }}\ncertainty = \"convention\"\nsources = [\"do2019\"]\n[[category.item]]\nid = \"sudden_headache\"\nquestion = \"Sudden?\"\n{item}"
        )
    };
    expect_test::expect![[r#"mine/red_flags.toml: category "headache" item "sudden_headache": field "action": an item may be as urgent as its category or more, not less"#]].assert_eq(&load_err("mine/red_flags.toml", &cat("action = \"medical_review\"\nadvice = \"Later.\"\n")));
    expect_test::expect![[r#"mine/red_flags.toml: category "headache" item "sudden_headache": field "advice": an item with an action of its own needs advice of its own"#]].assert_eq(&load_err("mine/red_flags.toml", &cat("action = \"emergency\"\n")));
    expect_test::expect![[r#"mine/red_flags.toml: category "headache" item "sudden_headache": field "long_standing": an item with an action of its own needs its own long-standing action too"#]].assert_eq(&load_err("mine/red_flags.toml", &cat("action = \"emergency\"\nadvice = \"Call now.\"\n")));
    expect_test::expect![[r#"mine/red_flags.toml: category "headache" item "sudden_headache": field "long_standing.action": a long-standing item cannot be more urgent than a new one"#]].assert_eq(&load_err(
        "mine/red_flags.toml",
        &cat("long_standing = { action = \"emergency\", advice = \"Call now.\" }\n"),
    ));
}
