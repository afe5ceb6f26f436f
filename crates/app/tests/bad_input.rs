//! Bad input in every input format gets a clear error naming the file, the line or field, and
//! the fix; never a panic.

use proptest::prelude::*;
use tonus_app::examples::personas;
use tonus_app::intake::{self, Format};
use tonus_app::{AppError, Engine, landmarks};

fn engine() -> Engine {
    Engine::embedded().unwrap()
}

/// Parses and assesses, returning the error message.
fn intake_error(text: &str, format: Format, name: &str) -> String {
    match intake::parse(text, format, name) {
        Err(e) => e.to_string(),
        Ok(i) => match engine().assess(&i, name, &[]) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted: {text}"),
        },
    }
}

fn desk() -> &'static str {
    personas()[0].intake
}

fn check(edit: impl Fn(&str) -> String, expect: expect_test::Expect) {
    expect.assert_eq(&intake_error(&edit(desk()), Format::Toml, "intake.toml"));
}

#[test]
fn malformed_toml_names_the_line() {
    check(
        |s| s.replace("age = 34", "age = "),
        expect_test::expect![[r#"intake.toml:16:7: field "client.age": string values must be quoted, expected literal string"#]],
    );
    check(
        |s| s.replace("age = 34", "age = \"34\""),
        expect_test::expect![[r#"intake.toml:16:7: field "client.age": invalid type: string "34", expected u32"#]],
    );
    check(
        |s| s.replace("sex = \"female\"", "sex = \"female\"\nheight = 170"),
        expect_test::expect![[r#"intake.toml:16:1: field "client.height": unknown field `height`, expected one of `name`, `sex`, `age`"#]],
    );
}

#[test]
fn missing_and_out_of_range_answers_name_the_field() {
    check(|s| s.replace("assessed_on = \"2026-11-24\"", ""), expect_test::expect![[r#"intake.toml:1:1: missing field `assessed_on`"#]]);
    check(
        |s| s.replace("assessed_on = \"2026-11-24\"", "assessed_on = \"24/11/2026\""),
        expect_test::expect![[r#"intake.toml: field "assessed_on": "24/11/2026" is not a date; write it as YYYY-MM-DD"#]],
    );
    check(
        |s| s.replace("assessed_on = \"2026-11-24\"", "assessed_on = \"9999-12-31\""),
        expect_test::expect![[r#"intake.toml: field "assessed_on": 9999-12-31 is more than a year ahead; give the day of the assessment"#]],
    );
    check(
        |s| s.replace("chest_pain = false", "chest_pain = \"no\""),
        expect_test::expect![[
            r#"intake.toml:154:14: field "red_flags.chest_pain": invalid type: string "no", expected true, false, or { present = true, onset = "new" or "long_standing" }"#
        ]],
    );
    check(
        |s| s.replace("chest_pain = false", "chest_pain = { present = true, onest = \"new\" }"),
        expect_test::expect![[r#"intake.toml:154:32: field "red_flags.chest_pain": unknown field `onest`, expected `present` or `onset`"#]],
    );
    check(
        |s| s.replace("longest_bout_min = 150", "longest_bout_min = 1e308"),
        expect_test::expect![[r#"intake.toml: field "exposure.longest_bout_min": 1e308 is outside 0–1440"#]],
    );
    check(
        |s| s.replace("intensity = 6", "intensity = 11"),
        expect_test::expect![[r#"intake.toml: field "symptoms.pain[0].intensity": 11 is outside the 0–10 scale"#]],
    );
    check(
        |s| s.replace("region = \"interscapular\"", "region = \"between_shoulders\""),
        expect_test::expect![[
            r#"intake.toml: field "symptoms.pain[0].region": unknown body region "between_shoulders"; use one of neck_posterolateral, upper_shoulder, temple, behind_eye, jaw_angle, occipital, forehead, angle_of_neck, interscapular, medial_scapular_border, suprascapular, anterior_chest_shoulder, ulnar_arm, elbow, forearm, wrist, low_back, ear"#
        ]],
    );
    check(
        |s| s.replace("desk = 8.5", "desk = 25"),
        expect_test::expect![[r#"intake.toml: field "exposure.sitting.desk": 25 is not a number of hours in a day (0–24)"#]],
    );
    check(
        |s| s.replace("desk = 8.5", "desk = 22"),
        expect_test::expect![[r#"intake.toml: field "exposure.sitting": adds up to 25.0 hours, more than a day"#]],
    );
    check(
        |s| s.replace("chest_pain = false", "chest_pian = false"),
        expect_test::expect![[
            r#"intake.toml: field "red_flags.chest_pian": unknown red-flag item; `tonus knowledge list` shows the screen's item ids"#
        ]],
    );
    check(
        |s| s.replace("headaches = 3", "headaches = 6"),
        expect_test::expect![[r#"intake.toml: field "outcomes.ndi.headaches": 6 is outside 0–5"#]],
    );
    check(
        |s| s.replace("version = \"1\"", "version = \"3\""),
        expect_test::expect![[r#"intake.toml:87:11: field "outcomes.psfs.version": unknown variant `3`, expected `1` or `2`"#]],
    );
    check(
        |s| s.replace("ccft_mmhg = 22", "ccft_mmhg = 40"),
        expect_test::expect![[r#"intake.toml: field "tests.ccft_mmhg": 40 is outside the test's 20–30 mmHg range"#]],
    );
    check(
        |s| s.replace("left = \"subtle\"", "left = \"bad\""),
        expect_test::expect![[
            r#"intake.toml:99:32: field "tests.scapular_dyskinesis": unknown variant `bad`, expected one of `normal`, `subtle`, `obvious`"#
        ]],
    );
    check(
        |s| s.replace("sex = \"female\"", "sex = \"f\""),
        expect_test::expect![[
            r#"intake.toml:15:7: field "client.sex": unknown variant `f`, expected one of `female`, `male`, `other`, `unspecified`"#
        ]],
    );
}

#[test]
fn an_incomplete_red_flag_screen_blocks_the_plan_without_failing() {
    let text = desk().replace("dizziness = false\n", "");
    let i = intake::parse(&text, Format::Toml, "x.toml").unwrap();
    let r = engine().assess(&i, "x.toml", &[]).unwrap();
    assert_eq!(r.red_flags.status, tonus_core::redflags::GateStatus::Incomplete);
    assert_eq!(r.red_flags.missing, ["dizziness"]);
    assert!(r.plan.is_none());
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = intake_error("{\"client\": {\"name\": \"x\"},\n \"assessed_on\": 2026-11-24}", Format::Json, "intake.json");
    assert_eq!(e, "intake.json:2:20: field \"assessed_on\": invalid type: integer `2026`, expected a string");
    let e = intake_error(
        "{\"client\": {\"name\": \"x\"}, \"assessed_on\": \"2026-11-24\", \"tests\": {\"dnf_endurance_s\": -4}}",
        Format::Json,
        "i.json",
    );
    assert_eq!(e, "i.json: field \"tests.dnf_endurance_s\": -4 is outside 0–600");
    // A minimal JSON intake is valid.
    let ok = intake::parse("{\"client\": {\"name\": \"x\"}, \"assessed_on\": \"2026-11-24\"}", Format::Json, "i.json").unwrap();
    assert!(engine().assess(&ok, "i.json", &[]).is_ok());
}

fn landmark_error(text: &str) -> String {
    match landmarks::parse(text, "lm.json") {
        Err(e) => e.to_string(),
        Ok(f) => match engine().assess(&intake::parse(desk(), Format::Toml, "i.toml").unwrap(), "i.toml", &[("lm.json".into(), f)]) {
            Err(AppError::Input(e)) => e.to_string(),
            other => panic!("accepted: {other:?}"),
        },
    }
}

#[test]
fn bad_landmark_files() {
    let good = personas()[0].landmarks[0].1;
    expect_test::expect!["lm.json:1:0: EOF while parsing a value"].assert_eq(&landmark_error(""));
    expect_test::expect!["lm.json:1:2: expected ident"].assert_eq(&landmark_error("not json"));
    let dropped: String = {
        let mut lines: Vec<&str> = good.lines().collect();
        lines.remove(5);
        lines.join("\n")
    };
    expect_test::expect![[r#"lm.json: field "landmarks": expected 33 landmarks in MediaPipe's layout, found 32"#]]
        .assert_eq(&landmark_error(&dropped));
    expect_test::expect![[
        r#"lm.json:1:103: field "view": unknown variant `sideways`, expected one of `side-left`, `side-right`, `front`"#
    ]]
    .assert_eq(&landmark_error(&good.replacen("\"capture\"", "\"view\": \"sideways\", \"capture\"", 1)));
    expect_test::expect![[r#"lm.json:1:115: field "capture.posture": unknown variant `lying`, expected `sitting` or `standing`"#]]
        .assert_eq(&landmark_error(&good.replace("\"sitting\"", "\"lying\"")));
    expect_test::expect![[r#"lm.json: field "image": image size must be positive, found 0x5712"#]]
        .assert_eq(&landmark_error(&good.replace("\"width\": 4284", "\"width\": 0")));
    let pixels = good.replacen("[0.", "[640.", 1);
    expect_test::expect![[r#"lm.json: field "landmarks[0]": x and y must be normalised to the image (0–1), not pixels"#]]
        .assert_eq(&landmark_error(&pixels));
    let short = good.replacen(", 0.9", "", 1);
    assert!(landmark_error(&short).contains("needs [x, y, z, visibility]"), "{}", landmark_error(&short));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Hostile or random text never panics: it parses or gives an error naming the file.
    #[test]
    fn random_input_never_panics(text in "\\PC{0,400}") {
        for format in [Format::Toml, Format::Json] {
            if let Err(e) = intake::parse(&text, format, "fuzz") {
                prop_assert!(e.to_string().starts_with("fuzz"));
            }
        }
        if let Err(e) = landmarks::parse(&text, "fuzz") {
            prop_assert!(e.to_string().starts_with("fuzz"));
        }
    }

    /// Random numbers in a valid intake never panic the engine.
    #[test]
    fn random_values_never_panic(hours in -5.0f64..30.0, pain in -2.0f64..12.0, dnf in -10.0f64..700.0) {
        let text = desk().replace("desk = 8.5", &format!("desk = {hours:.2}")).replace("intensity = 6", &format!("intensity = {pain:.2}")).replace("dnf_endurance_s = 14", &format!("dnf_endurance_s = {dnf:.2}"));
        let i = intake::parse(&text, Format::Toml, "p.toml").unwrap();
        match engine().assess(&i, "p.toml", &[]) {
            Ok(r) => prop_assert!(r.plan.is_some()),
            Err(e) => prop_assert!(e.to_string().starts_with("p.toml: field")),
        }
    }
}

#[test]
fn several_people_in_a_photo_are_reported_on_it() {
    let p = &personas()[1];
    let (name, text) = p.landmarks[0];
    let mut file = landmarks::parse(text, name).unwrap();
    file.persons_found = Some(3);
    let i = intake::parse(p.intake, Format::Toml, p.intake_name).unwrap();
    let r = engine().assess(&i, p.intake_name, &[(name.to_string(), file)]).unwrap();
    assert!(r.photos[0].warnings.contains(&tonus_app::report::PhotoWarningView::SeveralPeople { found: 3 }), "{:?}", r.photos[0].warnings);
    // The round trip keeps the count; files without it stay as they were.
    let again = landmarks::parse(text, name).unwrap();
    assert_eq!(again.persons_found, None);
    assert!(!serde_json::to_string(&again).unwrap().contains("persons_found"));
}

#[test]
fn every_problem_of_an_intake_is_reported_at_once_in_its_order() {
    let text = desk()
        .replacen("desk = 8.5", "desk = 25", 1)
        .replacen("intensity = 6", "intensity = 11", 1)
        .replacen("now = 4", "now = 4.5", 1)
        .replacen("assessed_on = \"2026-11-24\"", "assessed_on = \"24/11/2026\"", 1);
    let parsed = intake::parse(&text, Format::Toml, "intake.toml").unwrap();
    let all = intake::to_core_all(&parsed, "intake.toml", engine().kb()).unwrap_err();
    let fields: Vec<_> = all.iter().map(|e| e.field.clone().unwrap_or_default()).collect();
    expect_test::expect![[r#"
        [
            "assessed_on",
            "exposure.sitting.desk",
            "symptoms.pain[0].intensity",
            "outcomes.nprs.now",
        ]
    "#]]
    .assert_debug_eq(&fields);
    // The one-error form gives the first of them.
    let first = intake::to_core(&parsed, "intake.toml", engine().kb()).unwrap_err();
    assert_eq!(first.field.as_deref(), Some("assessed_on"));
}
