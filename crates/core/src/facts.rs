//! Facts: the numbers inference rules test, derived from the intake and the posture metrics.
//! Each fact keeps its kind of evidence (exposure, symptom, clinical test, palpation, photo
//! metric), which decides whether it can ever make a finding, and its sides: a fact measured
//! on each side (a length test, a palpated muscle, the higher shoulder on a front photo, a pain
//! on the right) has a value per side, so rules fire per side.
//!
//! The list of fact names is fixed here and documented in `knowledge/SCHEMA.md`; the knowledge
//! base's validator asks [`known`] whether a rule's fact exists.

use std::collections::BTreeMap;

use crate::intake::{Dyskinesis, Headache, Intake, LengthTest, PainSide, Severity, Sex, Side, Sides, Tone};
use crate::knowledge::{KnowledgeBase, MUSCLE_PLACEHOLDER, MeasureSource, MeasureView};
pub use crate::vocab::EvidenceKind;

/// A fact's value: one number, or one per side (either side may be missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FactValue {
    /// The same on both sides (or not a matter of sides).
    Whole(f64),
    /// Per side.
    Sided(Sides<Option<f64>>),
}

/// One fact's value and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// The value (booleans are 0 or 1).
    pub value: FactValue,
    /// What kind of evidence it is.
    pub kind: EvidenceKind,
}

impl Fact {
    /// The value that applies to one side.
    pub fn on(&self, side: Side) -> Option<f64> {
        match self.value {
            FactValue::Whole(v) => Some(v),
            FactValue::Sided(s) => s.on(side),
        }
    }

    /// The value when it is not a matter of sides, or the larger side.
    pub fn max(&self) -> Option<f64> {
        match self.value {
            FactValue::Whole(v) => Some(v),
            FactValue::Sided(s) => match (s.left, s.right) {
                (Some(l), Some(r)) => Some(l.max(r)),
                (l, r) => l.or(r),
            },
        }
    }

    /// Whether the value differs by side.
    pub fn is_sided(&self) -> bool {
        matches!(self.value, FactValue::Sided(_))
    }
}

/// All facts of one assessment, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    map: BTreeMap<String, Fact>,
    /// Sex, for sex-specific cut-offs.
    pub sex: Option<Sex>,
}

impl Facts {
    /// A fact by name.
    pub fn get(&self, name: &str) -> Option<&Fact> {
        self.map.get(name)
    }

    /// A fact's value when it is not a matter of sides (or its larger side).
    pub fn value(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(Fact::max)
    }

    /// Sets a fact that is the same on both sides.
    pub fn set(&mut self, name: impl Into<String>, value: f64, kind: EvidenceKind) {
        self.map.insert(name.into(), Fact { value: FactValue::Whole(value), kind });
    }

    /// Sets a fact per side.
    pub fn set_sided(&mut self, name: impl Into<String>, left: Option<f64>, right: Option<f64>, kind: EvidenceKind) {
        self.map.insert(name.into(), Fact { value: FactValue::Sided(Sides { left, right }), kind });
    }

    /// Sets one side of a sided fact, keeping the larger value when the side is already set.
    pub fn raise_side(&mut self, name: &str, side: Side, value: f64, kind: EvidenceKind) {
        let entry = self.map.entry(name.to_string()).or_insert(Fact { value: FactValue::Sided(Sides { left: None, right: None }), kind });
        let sides = match &mut entry.value {
            FactValue::Sided(s) => s,
            FactValue::Whole(v) => {
                let v = *v;
                entry.value = FactValue::Sided(Sides { left: Some(v), right: Some(v) });
                let FactValue::Sided(s) = &mut entry.value else { unreachable!("just set") };
                s
            }
        };
        let slot = match side {
            Side::Left => &mut sides.left,
            Side::Right => &mut sides.right,
        };
        *slot = Some(slot.map_or(value, |old| old.max(value)));
    }

    /// Every fact.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Fact)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Fixed facts: (name, measure, label, unit). Palpation, metric and symptom-region facts are
/// named after knowledge-base entries and recognised by prefix.
const FIXED: &[(&str, Option<&str>, &str, &str)] = &[
    ("exposure.sitting_hours", None, "sitting", "h/day"),
    ("exposure.desk_hours", None, "sitting at a desk", "h/day"),
    ("exposure.sofa_hours", None, "sitting on a sofa", "h/day"),
    ("exposure.car_hours", None, "sitting in a car", "h/day"),
    ("exposure.train_hours", None, "sitting on a train or bus", "h/day"),
    ("exposure.plane_hours", None, "sitting on planes", "h/day"),
    ("exposure.longest_bout_min", None, "longest unbroken sitting bout", "min"),
    ("exposure.break_every_min", None, "time between breaks", "min"),
    ("exposure.hands_forward_hours", None, "hands-forward work (computer, tablet, phone, driving)", "h/day"),
    ("exposure.screen_hours", None, "screen work (computer and tablet)", "h/day"),
    ("exposure.computer_hours", None, "computer work", "h/day"),
    ("exposure.tablet_hours", None, "tablet use", "h/day"),
    ("exposure.phone_hours", None, "phone use", "h/day"),
    ("exposure.driving_hours", None, "driving", "h/day"),
    ("exposure.laptop_only", None, "works on a laptop alone", ""),
    ("exposure.headset_for_calls", None, "uses a headset for calls", ""),
    ("exposure.call_hours", None, "calls", "h/day"),
    ("exposure.cradled_call_hours", None, "calls with the phone held to the ear (no headset)", "h/day"),
    ("exposure.exercise_hours_per_week", None, "exercise after work", "h/week"),
    ("exposure.lifting_carrying_hours_per_week", None, "lifting and carrying after work", "h/week"),
    ("exposure.bag_on_one_shoulder", None, "carries a bag on this shoulder", ""),
    ("symptom.headache_days", None, "headache days", "per month"),
    ("symptom.tension_type_headache", None, "headache with tension-type features (ICHD-3)", ""),
    ("symptom.cervicogenic_headache", None, "one-sided headache provoked by neck movement", ""),
    ("test.dnf_endurance_s", Some("dnf_endurance"), "deep neck flexor endurance", "s"),
    ("test.ccft_mmhg", Some("ccft"), "craniocervical flexion test", "mmHg"),
    ("test.lower_trapezius_grade", Some("lower_trapezius_mmt"), "lower trapezius grade", "/5"),
    ("test.lower_trapezius_deficit", None, "lower trapezius grade below the other side", "grades"),
    ("test.scapular_dyskinesis", Some("scapular_dyskinesis"), "scapular dyskinesis (0 normal, 1 subtle, 2 obvious)", ""),
    ("test.pec_minor_supine_cm", Some("pec_minor_supine"), "pectoralis minor supine table-to-acromion distance", "cm"),
    ("test.pec_minor_supine_raise_cm", Some("pec_minor_supine_asymmetry"), "acromion higher off the table than the other side", "cm"),
    ("test.pec_minor_index", Some("pec_minor_index"), "pectoralis minor index", ""),
    ("test.upper_trapezius_length_reduced", Some("upper_trapezius_length"), "upper trapezius length reduced", ""),
    ("test.levator_length_reduced", Some("levator_length"), "levator scapulae length reduced", ""),
];

/// The palpation facts of a muscle: (suffix, label, unit).
const PALPATION: &[(&str, &str, &str)] = &[
    ("tone", "tone (−1 decreased, 0 normal, 1 increased)", "tone"),
    ("tenderness", "tenderness", "/3"),
    ("familiar_pain", "tender spot reproduces the familiar pain", ""),
];

/// The muscle and suffix of a palpation fact name (`palpation.<muscle>.<suffix>`).
pub fn palpation_parts(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("palpation.")?;
    let (muscle, suffix) = rest.rsplit_once('.')?;
    PALPATION.iter().any(|(s, ..)| *s == suffix).then_some((muscle, suffix))
}

/// Whether `name` is a fact, and if so the measure it belongs to. The closures answer for the
/// knowledge base being validated (`muscle_exists` also accepts the `{muscle}` placeholder when
/// the caller allows templates).
pub fn known(
    name: &str,
    measure_exists: impl Fn(&str) -> bool,
    region_exists: impl Fn(&str) -> bool,
    muscle_exists: impl Fn(&str) -> bool,
) -> Option<Option<String>> {
    if let Some((_, m, _, _)) = FIXED.iter().find(|(n, ..)| *n == name) {
        return Some(m.filter(|m| measure_exists(m)).map(str::to_string));
    }
    if let Some(m) = name.strip_prefix("metric.") {
        return measure_exists(m).then(|| Some(m.to_string()));
    }
    if let Some((muscle, _)) = palpation_parts(name) {
        return muscle_exists(muscle).then_some(None);
    }
    if let Some(r) = name.strip_prefix("symptom.") {
        return region_exists(r).then_some(None);
    }
    None
}

/// The measure a fact belongs to, if any.
pub fn measure_of(name: &str) -> Option<&str> {
    if let Some((_, m, _, _)) = FIXED.iter().find(|(n, ..)| *n == name) {
        return *m;
    }
    name.strip_prefix("metric.")
}

/// A fixed or palpation fact's label and unit, for evidence text. Metric and symptom facts are
/// labelled by the caller from the knowledge base.
pub fn label_of(name: &str) -> Option<(String, &'static str)> {
    if let Some((_, _, l, u)) = FIXED.iter().find(|(n, ..)| *n == name) {
        return Some(((*l).to_string(), u));
    }
    let (_, suffix) = palpation_parts(name)?;
    PALPATION.iter().find(|(s, ..)| *s == suffix).map(|(_, l, u)| (format!("palpation: {l}"), *u))
}

/// What the therapist could do to produce a fact: a clinical test, palpating a muscle, or a
/// photo in a view. Exposure and symptom facts have none: they are asked, not examined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Probe {
    /// A clinical test (its measure id).
    Test(String),
    /// Palpating a muscle (its id).
    Palpation(String),
    /// A photo in this view.
    Photo(MeasureView),
}

/// The probe that produces a fact, if any.
pub fn probe(name: &str, kb: &KnowledgeBase) -> Option<Probe> {
    if let Some((muscle, _)) = palpation_parts(name) {
        return Some(Probe::Palpation(muscle.to_string()));
    }
    if let Some(m) = name.strip_prefix("metric.") {
        return kb.measure(m).and_then(|m| m.view).map(Probe::Photo);
    }
    if name.starts_with("test.") {
        // A derived fact (the grade deficit) comes with the test it is derived from.
        let measure = match name {
            "test.lower_trapezius_deficit" => "lower_trapezius_mmt",
            "test.pec_minor_supine_raise_cm" => "pec_minor_supine",
            other => measure_of(other)?,
        };
        let m = kb.measure(measure)?;
        return (m.source == MeasureSource::ClinicalTest).then(|| Probe::Test(m.id.clone()));
    }
    None
}

/// Substitutes a muscle for the `{muscle}` placeholder of a templated fact name.
pub fn instantiate(name: &str, muscle: &str) -> String {
    name.replace(MUSCLE_PLACEHOLDER, muscle)
}

fn b(v: bool) -> f64 {
    if v { 1.0 } else { 0.0 }
}

/// Whether the headache has the ICHD-3 features of tension-type headache: at least two of
/// bilateral, pressing, mild to moderate and not worse with routine activity; no nausea; at most
/// one of photophobia and phonophobia. Unknown features count as not present.
pub fn is_tension_type(h: &Headache) -> bool {
    let features = [
        h.bilateral == Some(true),
        h.pressing == Some(true),
        matches!(h.severity, Some(Severity::Mild | Severity::Moderate)),
        h.worse_with_activity == Some(false),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    let phobias = usize::from(h.photophobia == Some(true)) + usize::from(h.phonophobia == Some(true));
    h.days_per_month > 0.0 && features >= 2 && h.nausea != Some(true) && phobias <= 1
}

/// Whether the headache looks cervicogenic: one-sided and provoked by neck movement or posture.
pub fn is_cervicogenic(h: &Headache) -> bool {
    h.days_per_month > 0.0 && h.bilateral == Some(false) && h.provoked_by_neck == Some(true)
}

/// Derives the facts of an intake. Metric facts are added by the caller from the landmark sets.
pub fn from_intake(intake: &Intake) -> Facts {
    let mut f = Facts { sex: Some(intake.person.sex), ..Facts::default() };
    exposure_facts(&mut f, intake);
    symptom_facts(&mut f, intake);
    test_facts(&mut f, intake);
    palpation_facts(&mut f, intake);
    f
}

fn exposure_facts(f: &mut Facts, intake: &Intake) {
    use EvidenceKind::Exposure;
    let e = &intake.exposure;
    f.set("exposure.sitting_hours", e.sitting.total(), Exposure);
    f.set("exposure.desk_hours", e.sitting.desk, Exposure);
    f.set("exposure.sofa_hours", e.sitting.sofa, Exposure);
    f.set("exposure.car_hours", e.sitting.car, Exposure);
    f.set("exposure.train_hours", e.sitting.train, Exposure);
    f.set("exposure.plane_hours", e.sitting.plane, Exposure);
    f.set("exposure.hands_forward_hours", e.hands_forward.total(), Exposure);
    f.set("exposure.screen_hours", e.hands_forward.screen(), Exposure);
    f.set("exposure.computer_hours", e.hands_forward.computer, Exposure);
    f.set("exposure.tablet_hours", e.hands_forward.tablet, Exposure);
    f.set("exposure.phone_hours", e.hands_forward.phone, Exposure);
    f.set("exposure.driving_hours", e.hands_forward.driving, Exposure);
    let optional = [
        ("exposure.longest_bout_min", e.longest_bout_min),
        ("exposure.break_every_min", e.break_every_min),
        ("exposure.laptop_only", e.laptop_only.map(b)),
        ("exposure.headset_for_calls", e.headset_for_calls.map(b)),
        ("exposure.call_hours", e.call_hours),
        ("exposure.exercise_hours_per_week", e.exercise_hours_per_week),
        ("exposure.lifting_carrying_hours_per_week", e.lifting_carrying_hours_per_week),
    ];
    for (name, v) in optional {
        if let Some(v) = v {
            f.set(name, v, Exposure);
        }
    }
    // Calls without a headset are cradled on the phone's side when it is known.
    if e.headset_for_calls == Some(false)
        && let Some(hours) = e.call_hours
    {
        match e.phone_side {
            Some(side) => set_one_side(f, "exposure.cradled_call_hours", side, hours, Exposure),
            None => f.set("exposure.cradled_call_hours", hours, Exposure),
        }
    }
    match (e.bag_on_one_shoulder.or(e.bag_side.map(|_| true)), e.bag_side) {
        (Some(true), Some(side)) => set_one_side(f, "exposure.bag_on_one_shoulder", side, 1.0, Exposure),
        (Some(v), _) => f.set("exposure.bag_on_one_shoulder", b(v), Exposure),
        (None, _) => {}
    }
}

/// A sided fact with `value` on `side` and 0 on the other.
fn set_one_side(f: &mut Facts, name: &str, side: Side, value: f64, kind: EvidenceKind) {
    let (l, r) = match side {
        Side::Left => (value, 0.0),
        Side::Right => (0.0, value),
    };
    f.set_sided(name, Some(l), Some(r), kind);
}

fn symptom_facts(f: &mut Facts, intake: &Intake) {
    use EvidenceKind::Symptom;
    for p in &intake.symptoms.pain {
        let name = format!("symptom.{}", p.region);
        let sides: &[Side] = match p.side {
            PainSide::Left => &[Side::Left],
            PainSide::Right => &[Side::Right],
            PainSide::Both | PainSide::Centre => &[Side::Left, Side::Right],
        };
        for side in sides {
            f.raise_side(&name, *side, p.intensity, Symptom);
        }
    }
    match &intake.symptoms.headache {
        Some(h) => {
            f.set("symptom.headache_days", h.days_per_month, Symptom);
            f.set("symptom.tension_type_headache", b(is_tension_type(h)), Symptom);
            match (is_cervicogenic(h), h.side) {
                (true, Some(side)) => set_one_side(f, "symptom.cervicogenic_headache", side, 1.0, Symptom),
                (c, _) => f.set("symptom.cervicogenic_headache", b(c), Symptom),
            }
        }
        None => f.set("symptom.headache_days", 0.0, Symptom),
    }
}

fn sided<T: Copy>(f: &mut Facts, name: &str, s: Option<Sides<T>>, value: impl Fn(T) -> f64) {
    if let Some(s) = s {
        f.set_sided(name, Some(value(s.left)), Some(value(s.right)), EvidenceKind::ClinicalTest);
    }
}

fn test_facts(f: &mut Facts, intake: &Intake) {
    use EvidenceKind::ClinicalTest;
    let t = &intake.tests;
    if let Some(v) = t.dnf_endurance_s {
        f.set("test.dnf_endurance_s", v, ClinicalTest);
    }
    if let Some(v) = t.ccft_mmhg {
        f.set("test.ccft_mmhg", v, ClinicalTest);
    }
    sided(f, "test.lower_trapezius_grade", t.lower_trapezius_grade, f64::from);
    if let Some(g) = t.lower_trapezius_grade {
        let deficit = |this: u8, other: u8| f64::from(other.saturating_sub(this));
        f.set_sided("test.lower_trapezius_deficit", Some(deficit(g.left, g.right)), Some(deficit(g.right, g.left)), ClinicalTest);
    }
    let dyskinesis = |d: Dyskinesis| match d {
        Dyskinesis::Normal => 0.0,
        Dyskinesis::Subtle => 1.0,
        Dyskinesis::Obvious => 2.0,
    };
    sided(f, "test.scapular_dyskinesis", t.scapular_dyskinesis, dyskinesis);
    sided(f, "test.pec_minor_supine_cm", t.pec_minor_supine_cm, |v| v);
    if let Some(p) = t.pec_minor_supine_cm {
        f.set_sided("test.pec_minor_supine_raise_cm", Some((p.left - p.right).max(0.0)), Some((p.right - p.left).max(0.0)), ClinicalTest);
    }
    sided(f, "test.pec_minor_index", t.pec_minor_index, |v| v);
    let reduced = |l: LengthTest| b(l == LengthTest::Reduced);
    sided(f, "test.upper_trapezius_length_reduced", t.upper_trapezius_length, reduced);
    sided(f, "test.levator_length_reduced", t.levator_length, reduced);
}

fn palpation_facts(f: &mut Facts, intake: &Intake) {
    use EvidenceKind::Palpation;
    for p in &intake.palpation {
        let name = |suffix: &str| format!("palpation.{}.{suffix}", p.muscle);
        if let Some(tone) = p.tone {
            let v = match tone {
                Tone::Decreased => -1.0,
                Tone::Normal => 0.0,
                Tone::Increased => 1.0,
            };
            set_side(f, &name("tone"), p.side, v, Palpation);
        }
        if let Some(t) = p.tenderness {
            f.raise_side(&name("tenderness"), p.side, f64::from(t), Palpation);
        }
        if let Some(fp) = p.familiar_pain {
            f.raise_side(&name("familiar_pain"), p.side, b(fp), Palpation);
        }
    }
}

/// Sets one side of a sided fact, replacing what was there (a later entry wins).
fn set_side(f: &mut Facts, name: &str, side: Side, value: f64, kind: EvidenceKind) {
    let (mut left, mut right) = match f.get(name).map(|x| x.value) {
        Some(FactValue::Sided(s)) => (s.left, s.right),
        _ => (None, None),
    };
    match side {
        Side::Left => left = Some(value),
        Side::Right => right = Some(value),
    }
    f.set_sided(name, left, right, kind);
}
