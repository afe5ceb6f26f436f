//! Clinical reasoning on personas, as data: each intake (TOML, the file format) beside a compact
//! table of what the engine concludes — the red-flag gate, each muscle's status per side, the
//! components, the pattern, the support for each pain explanation and the plan's contents.
//! One helper, [`check`], is the only code that calls the engine, so a change of API touches it
//! alone. `UPDATE_EXPECT=1 cargo test -p tonus-app --test reasoning` rewrites the tables; read
//! the diff as a therapist would before committing it.
//!
//! Every persona answers the whole red-flag screen "no" unless it says otherwise (the helper
//! fills in the rest), so each intake shows only what makes the persona.

use expect_test::{Expect, expect};
use tonus_app::Engine;
use tonus_app::intake::{self, Format, RedFlag};
use tonus_app::landmarks::{self, LandmarkFile};
use tonus_app::report::{PlanView, Report, StatusView, StoryView};
use tonus_app::words;

const HEADER: &str = "assessed_on = \"2026-11-24\"\n[client]\nname = \"Persona\"\nsex = \"female\"\nage = 40\n";

fn engine() -> Engine {
    Engine::embedded().unwrap()
}

/// Runs an intake (with the default header and a complete "no" screen unless `complete` is
/// false) and the given landmark sets.
fn run(toml: &str, photos: &[(&str, LandmarkFile)], complete: bool) -> Report {
    let engine = engine();
    let text = if toml.contains("[client]") { toml.to_string() } else { format!("{HEADER}{toml}") };
    let mut parsed = intake::parse(&text, Format::Toml, "persona.toml").unwrap_or_else(|e| panic!("{e}"));
    if complete {
        for cat in engine.kb().red_flag_categories() {
            for item in &cat.item {
                parsed.red_flags.entry(item.id.clone()).or_insert(RedFlag::Answer(false));
            }
        }
    }
    let sets: Vec<(String, LandmarkFile)> = photos.iter().map(|(n, f)| ((*n).to_string(), f.clone())).collect();
    engine.assess(&parsed, "persona.toml", &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// The persona's conclusions as a compact table.
fn summary(r: &Report) -> String {
    let mut out = vec![format!("gate: {}", r.red_flags.status)];
    for f in &r.red_flags.positive {
        out.push(format!("  ! {} → {} ({})", f.item, words::action(f.action), words::onset(f.onset)));
    }
    for c in &r.red_flags.cleared {
        out.push(format!("  ✓ {} cleared by {}", c.flag.item, c.clearance.assessed_by));
    }
    for i in &r.red_flags.ignored_clearances {
        out.push(format!("  ✗ clearance of {}: {}", i.clearance.item, words::clearance_problem(i.problem)));
    }
    for w in &r.warnings {
        out.push(format!("warning: {}", w.fields.join(" + ")));
    }
    for p in &r.photos {
        for w in &p.warnings {
            out.push(format!("photo {}: {}", p.file, words::photo_warning(w)));
        }
    }
    match &r.story {
        Some(story) => story_lines(story, &mut out),
        None => out.push("story: none".into()),
    }
    out.push(format!("ndi: {}", r.outcomes.ndi.as_ref().map_or_else(|| "-".into(), words::ndi)));
    match &r.plan {
        Some(plan) => plan_lines(plan, &mut out),
        None => out.push("plan: none".into()),
    }
    out.join("\n") + "\n"
}

fn short(s: &StatusView) -> String {
    match s {
        StatusView::Found { state, confidence } => format!("found {} {}", words::state(state), words::pct(confidence)),
        StatusView::Suspected { state, basis, .. } => format!("suspected {} ({})", words::state(state), words::kinds(basis)),
        StatusView::Unknown { reason } => format!("unknown ({})", words::unknown(reason)),
    }
}

fn story_lines(story: &StoryView, out: &mut Vec<String>) {
    out.push("muscles:".into());
    for m in story.muscles.iter().filter(|m| !m.evidence.is_empty()) {
        let status = if m.left == m.right { short(&m.left) } else { format!("L {} · R {}", short(&m.left), short(&m.right)) };
        let next = m.next_tests.first().map(|t| format!(" → next: {}", t.name)).unwrap_or_default();
        out.push(format!("  {:<22} {status}{next}", m.id));
    }
    let comps: Vec<String> = story.components.iter().map(|c| format!("{}: {}", c.id, words::component_status(c))).collect();
    out.push(format!("components: {}", comps.join(" · ")));
    out.push(format!("pattern: {}", words::pattern(&story.pattern)));
    for p in &story.pain {
        let causes: Vec<String> = p
            .causes
            .iter()
            .map(|c| format!("{} {} ({})", c.muscle, words::support_class(&c.support), words::laterality(c.laterality)))
            .collect();
        out.push(format!("pain {}: {}", p.region, causes.join(" · ")));
    }
}

fn plan_lines(plan: &PlanView, out: &mut Vec<String>) {
    out.push(format!("plan: {:?}", plan.kind));
    if let Some(m) = &plan.massage {
        let t: Vec<String> = m.targets.iter().map(|t| format!("{}({})", t.muscle, words::laterality(t.laterality))).collect();
        out.push(format!("  massage: {}", t.join(" ")));
    }
    for ph in &plan.phases {
        let e: Vec<String> = ph.exercises.iter().map(|e| format!("{}({})", e.id, words::laterality(e.laterality))).collect();
        out.push(format!("  {}: {}", ph.id, e.join(" ")));
    }
    let advice: Vec<&str> = plan.exposure_changes.iter().map(|c| c.id.as_str()).collect();
    out.push(format!("  advice: {}", advice.join(" ")));
    if !plan.tests_to_do.is_empty() {
        let t: Vec<&str> = plan.tests_to_do.iter().map(|t| t.name.as_str()).collect();
        out.push(format!("  tests: {}", t.join(" · ")));
    }
}

fn check(toml: &str, expect: Expect) {
    expect.assert_eq(&summary(&run(toml, &[], true)));
}

fn check_photos(toml: &str, photos: &[(&str, LandmarkFile)], expect: Expect) {
    expect.assert_eq(&summary(&run(toml, photos, true)));
}

fn example(name: &str) -> LandmarkFile {
    let text = std::fs::read_to_string(format!("{}/../../examples/landmarks/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    landmarks::parse(&text, name).unwrap()
}

/// The same landmarks with the body turned `degrees` about the camera-side hip (negative turns
/// the trunk backward for a person facing the image's right).
fn leaning(file: &LandmarkFile, degrees: f64) -> LandmarkFile {
    let (w, h) = (f64::from(file.image.width), f64::from(file.image.height));
    let hip = &file.landmarks[24];
    let (hx, hy) = (hip[0] * w, hip[1] * h);
    let (s, c) = degrees.to_radians().sin_cos();
    let mut out = file.clone();
    for row in &mut out.landmarks {
        let (x, y) = (row[0] * w - hx, row[1] * h - hy);
        row[0] = (hx + x * c - y * s) / w;
        row[1] = (hy + x * s + y * c) / h;
    }
    out
}

const OFFICE_DAY: &str =
    "[exposure]\nlongest_bout_min = 180\n[exposure.sitting]\ndesk = 9\nsofa = 2\n[exposure.hands_forward]\ncomputer = 9\nphone = 1\n";

#[test]
fn exposure_alone_is_risk_not_a_finding() {
    check(
        "[exposure]\nlongest_bout_min = 240\n[exposure.sitting]\ndesk = 12\n[exposure.hands_forward]\ncomputer = 12\n",
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        suspected overactive (exposure) → next: Upper trapezius length (Janda)
              pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
              pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
              deep_cervical_flexors  suspected inhibited (exposure) → next: Deep neck flexor endurance
              lower_trapezius        suspected inhibited (exposure) → next: Lower trapezius manual muscle test
              middle_trapezius       unknown (too little evidence to conclude) → next: Palpation of the middle trapezius
              rhomboids              unknown (too little evidence to conclude) → next: Palpation of the rhomboids
              serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
            ndi: -
            plan: ExposureOnly
              advice: screen_breaks screen_position keyboard_and_mouse chair
              tests: Craniocervical flexion test (activation score) · Scapular dyskinesis test · Deep neck flexor endurance · Lower trapezius manual muscle test · Upper trapezius length (Janda) · Palpation of the lower trapezius
        "#]],
    );
}

/// Pain where no muscle of the model refers (the low back) is kept with its differentials but
/// gets no muscle story; at the elbow and forearm the candidates are referrals Travell & Simons
/// map (the chest muscles, the scalenes), which a symptom alone leaves possible.
#[test]
fn pain_outside_the_model_gets_no_muscle_story() {
    check(
        "[[symptoms.pain]]\nregion = \"low_back\"\nintensity = 5\nside = \"centre\"\n[[symptoms.pain]]\nregion = \"elbow\"\nintensity = 3\nside = \"right\"\n[[symptoms.pain]]\nregion = \"forearm\"\nintensity = 3\nside = \"right\"\n",
        expect![[r#"
            gate: clear
            muscles:
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
            pain low_back: 
            pain elbow: pectoralis_major possible (right) · pectoralis_minor possible (right)
            pain forearm: scalenes possible (right) · pectoralis_minor possible (right)
            ndi: -
            plan: ExposureOnly
              advice: 
              tests: A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · A front photo · Deep neck flexor endurance · Levator scapulae length (Janda)
        "#]],
    );
}

#[test]
fn tests_alone_can_settle_muscles_and_the_pattern_without_a_photo() {
    check(
        r#"[tests]
dnf_endurance_s = 12
ccft_mmhg = 22
lower_trapezius_grade = { left = 3, right = 4 }
scapular_dyskinesis = { left = "obvious", right = "obvious" }
upper_trapezius_length = { left = "reduced", right = "reduced" }
levator_length = { left = "reduced", right = "reduced" }
"#,
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        found overactive 51%
              levator_scapulae       found overactive 51%
              sternocleidomastoid    unknown (too little evidence to conclude) → next: Palpation of the sternocleidomastoid (scm)
              deep_cervical_flexors  found inhibited 72%
              lower_trapezius        L found inhibited 68% · R found inhibited 60%
              serratus_anterior      found inhibited 47%
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern applies (confidence 72%; the model itself is contested).
            ndi: -
            plan: Corrective
              massage: upper_trapezius(both sides) levator_scapulae(both sides) lower_trapezius(both sides)
              release: upper_trapezius_stretch(both sides) levator_scapulae_stretch(both sides)
              activate: craniocervical_flexion_nod(both sides) prone_y_t_w(both sides) push_up_plus(both sides) chin_tuck_head_lift(both sides) side_lying_forward_flexion(both sides)
              integrate: movement_break(both sides) chin_tuck_head_lift(both sides) shrug_strength(both sides) prone_y_t_w(both sides) push_up_plus(both sides)
              advice: 
              tests: A side photo · Pectoralis minor index (PMI) · Pectoralis minor length, supine · Palpation of the middle trapezius · Palpation of the pectoralis major · Palpation of the pectoralis minor
        "#]],
    );
}

#[test]
fn palpation_alone_finds_muscles_and_reproduced_pain_supports_them() {
    check(
        r#"[[symptoms.pain]]
region = "neck_posterolateral"
intensity = 5
side = "right"
[symptoms.headache]
days_per_month = 6
locations = ["occipital"]
bilateral = true
pressing = true
severity = "mild"
[[palpation]]
muscle = "upper_trapezius"
side = "right"
tone = "increased"
tenderness = 2
familiar_pain = true
[[palpation]]
muscle = "upper_trapezius"
side = "left"
tone = "normal"
[[palpation]]
muscle = "suboccipitals"
side = "both"
tone = "increased"
tenderness = 2
"#,
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        L unknown (the evidence conflicts) · R found overactive 38% → next: Upper trapezius length (Janda)
              suboccipitals          found overactive 38%
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no weak (inhibited) muscle of the pattern was found; 2 supporting findings, 4 needed.
            pain neck_posterolateral: upper_trapezius supported (right) · levator_scapulae possible (right)
            pain occipital: suboccipitals supported (both sides) · upper_trapezius supported (right) · lower_trapezius possible (both sides)
            ndi: -
            plan: Corrective
              massage: upper_trapezius(right) suboccipitals(both sides)
              release: upper_trapezius_stretch(right) chin_nod_suboccipital_stretch(both sides)
              integrate: movement_break(both sides) shrug_strength(right)
              advice: 
              tests: A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · A front photo · Deep neck flexor endurance · Levator scapulae length (Janda)
        "#]],
    );
}

#[test]
fn photos_alone_set_the_components_they_measure() {
    check_photos(
        "",
        &[("desk-worker-side.json", example("desk-worker-side.json")), ("driver-front.json", example("driver-front.json"))],
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        unknown (too little evidence to conclude) → next: Upper trapezius length (Janda)
              levator_scapulae       L unknown (not assessed) · R unknown (too little evidence to conclude) → next: Levator scapulae length (Janda)
              sternocleidomastoid    unknown (too little evidence to conclude) → next: Palpation of the sternocleidomastoid (scm)
              suboccipitals          unknown (too little evidence to conclude) → next: Palpation of the suboccipitals
              deep_cervical_flexors  unknown (too little evidence to conclude) → next: Deep neck flexor endurance
            components: forward_head: present, on photo (39%); by pose proxies only (contested): follow it against the client's own baseline; not counted for the pattern · protracted_shoulders: absent, on photo (24%); by pose proxies only (contested): follow it against the client's own baseline · elevated_shoulders: present, on photo (43%) · thoracic_slump: absent, on photo (19%); by pose proxies only (contested): follow it against the client's own baseline
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 1 supporting finding, 4 needed; only 33% of the assessed items fit, 60% needed.
            ndi: -
            plan: ExposureOnly
              advice: 
              tests: Craniocervical flexion test (activation score) · Scapular dyskinesis test · Deep neck flexor endurance · Levator scapulae length (Janda) · Lower trapezius manual muscle test · Pectoralis minor index (PMI)
        "#]],
    );
}

#[test]
fn one_sided_findings_give_one_sided_states_and_plan() {
    check_photos(
        r#"[exposure]
longest_bout_min = 90
[exposure.sitting]
car = 5
[exposure.hands_forward]
driving = 5
phone = 1.5
[exposure.workstation]
headset_for_calls = false
call_hours = 1.5
phone_side = "right"
[exposure.after_work]
bag_side = "right"
[[symptoms.pain]]
region = "angle_of_neck"
intensity = 6
side = "right"
[tests]
upper_trapezius_length = { left = "normal", right = "reduced" }
levator_length = { left = "normal", right = "reduced" }
[[palpation]]
muscle = "levator_scapulae"
side = "right"
tone = "increased"
"#,
        &[("driver-front.json", example("driver-front.json"))],
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        L unknown (the evidence conflicts) · R found overactive 60% → next: Palpation of the upper trapezius
              levator_scapulae       L found balanced 43% · R found overactive 68%
              pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
              pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
              sternocleidomastoid    L unknown (too little evidence to conclude) · R unknown (not assessed) → next: Palpation of the sternocleidomastoid (scm)
              deep_cervical_flexors  unknown (too little evidence to conclude) → next: Deep neck flexor endurance
              lower_trapezius        unknown (too little evidence to conclude) → next: Lower trapezius manual muscle test
              middle_trapezius       unknown (too little evidence to conclude) → next: Palpation of the middle trapezius
              rhomboids              unknown (too little evidence to conclude) → next: Palpation of the rhomboids
              serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: present, on photo (43%) · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no weak (inhibited) muscle of the pattern was found; 3 supporting findings, 4 needed.
            pain angle_of_neck: levator_scapulae supported (right)
            ndi: -
            plan: Corrective
              massage: levator_scapulae(right) upper_trapezius(right)
              release: levator_scapulae_stretch(right) upper_trapezius_stretch(right)
              integrate: movement_break(both sides) shrug_strength(right)
              advice: headset driving_breaks bag
              tests: Palpation of the pectoralis major · Palpation of the pectoralis minor · A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · Deep neck flexor endurance
        "#]],
    );
}

#[test]
fn interscapular_pain_never_supports_its_own_explanation() {
    check(
        &format!("{OFFICE_DAY}[[symptoms.pain]]\nregion = \"interscapular\"\nintensity = 7\nside = \"centre\"\n"),
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        suspected overactive (exposure) → next: Upper trapezius length (Janda)
              pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
              pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
              deep_cervical_flexors  suspected inhibited (exposure) → next: Deep neck flexor endurance
              lower_trapezius        suspected inhibited (exposure) → next: Lower trapezius manual muscle test
              middle_trapezius       suspected inhibited (exposure and symptoms) → next: Palpation of the middle trapezius
              rhomboids              suspected inhibited (exposure and symptoms) → next: Palpation of the rhomboids
              serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
            pain interscapular: lower_trapezius possible (both sides) · rhomboids possible (both sides) · middle_trapezius possible (both sides)
            ndi: -
            plan: ExposureOnly
              advice: screen_breaks screen_position keyboard_and_mouse chair
              tests: Craniocervical flexion test (activation score) · Scapular dyskinesis test · Deep neck flexor endurance · Lower trapezius manual muscle test · Upper trapezius length (Janda) · Palpation of the lower trapezius
        "#]],
    );
}

#[test]
fn cardiac_red_flag_ends_the_muscle_story() {
    check(
        &format!(
            "{OFFICE_DAY}[[symptoms.pain]]\nregion = \"interscapular\"\nintensity = 7\nside = \"centre\"\n[red_flags]\npain_on_exertion = true\npain_with_breathlessness_sweating_nausea = true\n[tests]\ndnf_endurance_s = 10\n"
        ),
        expect![[r#"
            gate: positive
              ! pain_with_breathlessness_sweating_nausea → emergency (onset not given (taken as new))
              ! pain_on_exertion → emergency (onset not given (taken as new))
            story: none
            ndi: -
            plan: none
        "#]],
    );
}

#[test]
fn new_dizziness_is_an_emergency() {
    check(
        "[red_flags]\ndizziness = { present = true, onset = \"new\" }\n",
        expect![[r#"
        gate: positive
          ! dizziness → emergency (new or sudden)
        story: none
        ndi: -
        plan: none
    "#]],
    );
}

#[test]
fn long_standing_dizziness_needs_a_medical_review_until_cleared() {
    check(
        "[red_flags]\ndizziness = { present = true, onset = \"long_standing\" }\n",
        expect![[r#"
        gate: positive
          ! dizziness → medical review (long-standing, unchanged)
        story: none
        ndi: -
        plan: none
    "#]],
    );
}

#[test]
fn a_documented_clearance_lets_the_plan_go_ahead_and_shows() {
    check(
        &format!(
            "{OFFICE_DAY}[tests]\ndnf_endurance_s = 15\n[red_flags]\ndizziness = {{ present = true, onset = \"long_standing\" }}\n[[clearances]]\nitem = \"dizziness\"\nassessed_by = \"Dr R. Patel, GP\"\nassessed_on = \"2026-10-02\"\nnote = \"Benign positional vertigo, treated; no vascular signs\"\n"
        ),
        expect![[r#"
            gate: cleared
              ✓ dizziness cleared by Dr R. Patel, GP
            muscles:
              upper_trapezius        suspected overactive (exposure) → next: Upper trapezius length (Janda)
              pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
              pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
              deep_cervical_flexors  found inhibited 57%
              lower_trapezius        suspected inhibited (exposure) → next: Lower trapezius manual muscle test
              middle_trapezius       unknown (too little evidence to conclude) → next: Palpation of the middle trapezius
              rhomboids              unknown (too little evidence to conclude) → next: Palpation of the rhomboids
              serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; 1 supporting finding, 4 needed.
            ndi: -
            plan: Corrective
              activate: craniocervical_flexion_nod(both sides) chin_tuck_head_lift(both sides)
              integrate: movement_break(both sides) chin_tuck_head_lift(both sides)
              advice: screen_breaks screen_position keyboard_and_mouse chair
              tests: Scapular dyskinesis test · Lower trapezius manual muscle test · Upper trapezius length (Janda) · Palpation of the lower trapezius · Palpation of the pectoralis major · Palpation of the pectoralis minor
        "#]],
    );
}

#[test]
fn a_clearance_does_not_cover_a_new_symptom_or_an_unasked_item() {
    check(
        "[red_flags]\ndizziness = { present = true, onset = \"new\" }\n[[clearances]]\nitem = \"dizziness\"\nassessed_by = \"Dr R. Patel, GP\"\nassessed_on = \"2026-10-02\"\nnote = \"Seen last year\"\n[[clearances]]\nitem = \"osteoporosis\"\nassessed_by = \"Dr R. Patel, GP\"\nassessed_on = \"2026-10-02\"\nnote = \"Not present\"\n",
        expect![[r#"
            gate: positive
              ! dizziness → emergency (new or sudden)
              ✗ clearance of dizziness: the item is new or sudden and needs assessment now, whatever was found before
              ✗ clearance of osteoporosis: the item was not answered yes
            story: none
            ndi: -
            plan: none
        "#]],
    );
}

#[test]
fn a_one_sided_picture_is_not_the_two_sided_cross() {
    // Tight on the right, weak on the right, the left found balanced: each muscle fits on one
    // side and speaks against the pattern on the other.
    let r = run(
        &format!(
            "{OFFICE_DAY}[tests]\nupper_trapezius_length = {{ left = \"normal\", right = \"reduced\" }}\nlevator_length = {{ left = \"normal\", right = \"reduced\" }}\nlower_trapezius_grade = {{ left = 5, right = 3 }}\nscapular_dyskinesis = {{ left = \"normal\", right = \"obvious\" }}\n"
        ),
        &[],
        false,
    );
    let pattern = &r.story.as_ref().expect("a story").pattern;
    expect![[r#"
        Upper crossed pattern does not apply: only 50% of the assessed items fit, 60% needed.
        supporting: upper_trapezius, levator_scapulae, lower_trapezius, serratus_anterior
        against: upper_trapezius, levator_scapulae, lower_trapezius, serratus_anterior"#]]
    .assert_eq(&format!(
        "{}\nsupporting: {}\nagainst: {}",
        words::pattern(pattern),
        pattern.supporting.join(", "),
        pattern.against.join(", ")
    ));
}

#[test]
fn a_clearance_does_not_cover_an_item_whose_onset_was_not_given() {
    // A plain `true` is taken as new, for the clearance as for the action.
    check(
        "[red_flags]\ndizziness = true\n[[clearances]]\nitem = \"dizziness\"\nassessed_by = \"Dr R. Patel, GP\"\nassessed_on = \"2026-10-02\"\nnote = \"BPPV, treated\"\n",
        expect![[r#"
            gate: positive
              ! dizziness → emergency (onset not given (taken as new))
              ✗ clearance of dizziness: the item's onset was not given, so it is taken as new: record it as long-standing if it has not changed since it was assessed
            story: none
            ndi: -
            plan: none
        "#]],
    );
}

#[test]
fn a_thunderclap_headache_or_one_with_neurological_signs_is_an_emergency_even_among_headache_items() {
    check(
        "[red_flags]\nthunderclap_headache = true\nheadache_neurological_deficit = { present = true, onset = \"long_standing\" }\nheadache_pattern_change = true\n",
        expect![[r#"
            gate: positive
              ! thunderclap_headache → emergency (onset not given (taken as new))
              ! headache_neurological_deficit → urgent medical care (long-standing, unchanged)
              ! headache_pattern_change → urgent medical care (onset not given (taken as new))
            story: none
            ndi: -
            plan: none
        "#]],
    );
}

#[test]
fn headache_red_flag_is_urgent_and_arm_symptoms_need_a_review() {
    check(
        "[red_flags]\nheadache_new_onset_older = true\narm_pain_below_elbow = true\n",
        expect![[r#"
        gate: positive
          ! headache_new_onset_older → urgent medical care (onset not given (taken as new))
          ! arm_pain_below_elbow → medical review (onset not given (taken as new))
        story: none
        ndi: -
        plan: none
    "#]],
    );
}

#[test]
fn an_incomplete_screen_tells_the_story_but_gives_no_plan() {
    let r = run(&format!("{OFFICE_DAY}[tests]\ndnf_endurance_s = 12\n[red_flags]\nchest_pain = false\n"), &[], false);
    expect![[r#"
        gate: incomplete
        muscles:
          upper_trapezius        suspected overactive (exposure) → next: Upper trapezius length (Janda)
          pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
          pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
          deep_cervical_flexors  found inhibited 57%
          lower_trapezius        suspected inhibited (exposure) → next: Lower trapezius manual muscle test
          middle_trapezius       unknown (too little evidence to conclude) → next: Palpation of the middle trapezius
          rhomboids              unknown (too little evidence to conclude) → next: Palpation of the rhomboids
          serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
        components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
        pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; 1 supporting finding, 4 needed.
        ndi: -
        plan: none
    "#]].assert_eq(&summary(&r));
}

#[test]
fn a_recovered_client_gets_a_maintenance_plan() {
    check(
        &format!(
            "{OFFICE_DAY}[tests]\ndnf_endurance_s = 25\n[outcomes.ndi]\npain_intensity = 1\npersonal_care = 0\nlifting = 0\nreading = 1\nheadaches = 0\nconcentration = 0\nwork = 1\ndriving = 0\nsleeping = 0\nrecreation = 0\n[outcomes.nprs]\nnow = 1\nworst_24h = 2\naverage_week = 1\n"
        ),
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        suspected overactive (exposure) → next: Upper trapezius length (Janda)
              pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
              pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
              deep_cervical_flexors  found inhibited 57%
              lower_trapezius        suspected inhibited (exposure) → next: Lower trapezius manual muscle test
              middle_trapezius       unknown (too little evidence to conclude) → next: Palpation of the middle trapezius
              rhomboids              unknown (too little evidence to conclude) → next: Palpation of the rhomboids
              serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; 1 supporting finding, 4 needed.
            ndi: 3/50 points (6%), none; a change under 5 points is noise
            plan: Maintenance
              maintain: movement_break(both sides) craniocervical_flexion_nod(both sides) chin_tuck_head_lift(both sides)
              advice: screen_breaks screen_position keyboard_and_mouse chair
              tests: Scapular dyskinesis test · Lower trapezius manual muscle test · Upper trapezius length (Janda) · Palpation of the lower trapezius · Palpation of the pectoralis major · Palpation of the pectoralis minor
        "#]],
    );
}

#[test]
fn an_ndi_with_most_items_missing_is_not_scored() {
    check(
        "[outcomes.ndi]\npain_intensity = 3\n",
        expect![[r#"
        gate: clear
        muscles:
        components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
        pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
        ndi: not scored: 1 of 10 items answered, and at most 2 may be missing for the total to mean anything
        plan: ExposureOnly
          advice: 
          tests: A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · A front photo · Deep neck flexor endurance · Levator scapulae length (Janda)
    "#]],
    );
    check(
        "[outcomes.ndi]\npain_intensity = 2\npersonal_care = 0\nlifting = 2\nreading = 2\nheadaches = 3\nconcentration = 2\nwork = 2\nsleeping = 1\n",
        expect![[r#"
            gate: clear
            muscles:
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
            ndi: 17.5/50 points (35%), moderate, prorated from 8 of 10 items; a change under 5 points is noise
            plan: ExposureOnly
              advice: 
              tests: A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · A front photo · Deep neck flexor endurance · Levator scapulae length (Janda)
        "#]],
    );
}

#[test]
fn a_leaning_photo_does_not_measure_the_head() {
    check_photos(
        "",
        &[("leaning-back.json", leaning(&example("driver-side.json"), -30.0))],
        expect![[r#"
        gate: clear
        photo leaning-back.json: head and shoulder angles not measured: leaning back 41.6° (more than 15°); retake sitting upright
        muscles:
        components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
        pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
        ndi: -
        plan: ExposureOnly
          advice: 
          tests: A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · A front photo · Deep neck flexor endurance · Levator scapulae length (Janda)
    "#]],
    );
}

#[test]
fn a_tension_type_headache_without_locations_is_explained_from_its_features() {
    check(
        "[symptoms.headache]\ndays_per_month = 10\nbilateral = true\npressing = true\nseverity = \"moderate\"\nworse_with_activity = false\nnausea = false\n[[palpation]]\nmuscle = \"suboccipitals\"\nside = \"both\"\ntone = \"increased\"\nfamiliar_pain = true\n",
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        unknown (too little evidence to conclude) → next: Upper trapezius length (Janda)
              suboccipitals          found overactive 38%
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no weak (inhibited) muscle of the pattern was found; 1 supporting finding, 4 needed.
            pain headache_tension_type: suboccipitals supported (both sides) · upper_trapezius possible (both sides) · sternocleidomastoid possible (both sides)
            ndi: -
            plan: Corrective
              massage: suboccipitals(both sides)
              release: chin_nod_suboccipital_stretch(both sides)
              integrate: movement_break(both sides)
              advice: 
              tests: A side photo · Craniocervical flexion test (activation score) · Scapular dyskinesis test · A front photo · Deep neck flexor endurance · Levator scapulae length (Janda)
        "#]],
    );
}

#[test]
fn a_driver_without_a_computer_gets_no_screen_advice() {
    check(
        "[exposure]\nlongest_bout_min = 150\n[exposure.sitting]\ncar = 7\n[exposure.hands_forward]\ndriving = 7\n[tests]\nupper_trapezius_length = { left = \"reduced\", right = \"reduced\" }\n",
        expect![[r#"
            gate: clear
            muscles:
              upper_trapezius        found overactive 51%
              levator_scapulae       suspected overactive (exposure) → next: Levator scapulae length (Janda)
              pectoralis_major       suspected overactive (exposure) → next: Palpation of the pectoralis major
              pectoralis_minor       suspected overactive (exposure) → next: Palpation of the pectoralis minor
              deep_cervical_flexors  unknown (too little evidence to conclude) → next: Deep neck flexor endurance
              lower_trapezius        unknown (too little evidence to conclude) → next: Lower trapezius manual muscle test
              middle_trapezius       unknown (too little evidence to conclude) → next: Palpation of the middle trapezius
              rhomboids              unknown (too little evidence to conclude) → next: Palpation of the rhomboids
              serratus_anterior      unknown (too little evidence to conclude) → next: Scapular dyskinesis test
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: suspected (43%); not measured on a photo · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no weak (inhibited) muscle of the pattern was found; 1 supporting finding, 4 needed.
            ndi: -
            plan: Corrective
              massage: upper_trapezius(both sides)
              release: upper_trapezius_stretch(both sides)
              integrate: movement_break(both sides) shrug_strength(both sides)
              advice: driving_breaks
              tests: Levator scapulae length (Janda) · Palpation of the levator scapulae · Palpation of the pectoralis major · Palpation of the pectoralis minor · A side photo · Craniocervical flexion test (activation score)
        "#]],
    );
}

#[test]
fn contradictory_answers_are_named() {
    check(
        "[exposure]\nlongest_bout_min = 300\nbreak_every_min = 30\n[exposure.sitting]\ncar = 1\ndesk = 2\n[exposure.hands_forward]\ndriving = 3\n[outcomes.nprs]\nnow = 8\nworst_24h = 5\n",
        expect![[r#"
            gate: clear
            warning: exposure.longest_bout_min + exposure.sitting
            warning: exposure.longest_bout_min + exposure.break_every_min
            warning: exposure.hands_forward.driving + exposure.sitting.car
            warning: outcomes.nprs.now + outcomes.nprs.worst_24h
            muscles:
              upper_trapezius        suspected overactive (exposure) → next: Upper trapezius length (Janda)
              levator_scapulae       suspected overactive (exposure) → next: Levator scapulae length (Janda)
              deep_cervical_flexors  unknown (too little evidence to conclude) → next: Deep neck flexor endurance
            components: forward_head: not measured · protracted_shoulders: not measured · elevated_shoulders: not measured · thoracic_slump: not measured
            pattern: Upper crossed pattern does not apply: no tight (overactive) muscle of the pattern was found; no weak (inhibited) muscle of the pattern was found; 0 supporting findings, 4 needed.
            ndi: -
            plan: ExposureOnly
              advice: chair driving_breaks
              tests: Levator scapulae length (Janda) · Upper trapezius length (Janda) · Palpation of the levator scapulae · Palpation of the upper trapezius · A side photo · Craniocervical flexion test (activation score)
        "#]],
    );
}
