//! Facts: the numbers inference rules test, derived from the intake and the posture metrics.
//! Each fact keeps a note of where it came from, which the evidence trail shows.
//!
//! The list of fact names is fixed here and documented in `knowledge/SCHEMA.md`; the knowledge
//! base's validator asks [`known`] whether a rule's fact exists.

use std::collections::BTreeMap;

use crate::intake::{Dyskinesis, Headache, Intake, LengthTest, Severity, Sex};

/// Where a fact comes from, for the evidence trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactSource {
    /// The exposure part of the intake.
    Exposure,
    /// A posture metric from landmarks.
    Metric,
    /// A clinical test.
    Test,
    /// A reported symptom.
    Symptom,
}

impl FactSource {
    /// The word used in reports.
    pub fn label(self) -> &'static str {
        match self {
            FactSource::Exposure => "exposure",
            FactSource::Metric => "posture metric",
            FactSource::Test => "clinical test",
            FactSource::Symptom => "symptom",
        }
    }
}

/// One fact's value and origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// The value (booleans are 0 or 1).
    pub value: f64,
    /// Where it came from.
    pub source: FactSource,
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

    /// Sets a fact.
    pub fn set(&mut self, name: impl Into<String>, value: f64, source: FactSource) {
        self.map.insert(name.into(), Fact { value, source });
    }

    /// Every fact.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Fact)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Fixed facts and the measure each belongs to.
/// (name, measure, label, unit).
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
    ("exposure.computer_hours", None, "computer work", "h/day"),
    ("exposure.tablet_hours", None, "tablet use", "h/day"),
    ("exposure.phone_hours", None, "phone use", "h/day"),
    ("exposure.driving_hours", None, "driving", "h/day"),
    ("exposure.laptop_only", None, "works on a laptop alone", ""),
    ("exposure.headset_for_calls", None, "uses a headset for calls", ""),
    ("exposure.call_hours", None, "calls", "h/day"),
    ("exposure.exercise_hours_per_week", None, "exercise after work", "h/week"),
    ("exposure.lifting_carrying_hours_per_week", None, "lifting and carrying after work", "h/week"),
    ("exposure.bag_on_one_shoulder", None, "carries a bag on one shoulder", ""),
    ("symptom.headache_days", None, "headache days", "per month"),
    ("symptom.tension_type_headache", None, "headache with tension-type features (ICHD-3)", ""),
    ("symptom.cervicogenic_headache", None, "one-sided headache provoked by neck movement", ""),
    ("test.dnf_endurance_s", Some("dnf_endurance"), "deep neck flexor endurance", "s"),
    ("test.ccft_mmhg", Some("ccft"), "craniocervical flexion test", "mmHg"),
    ("test.lower_trapezius_grade", Some("lower_trapezius_mmt"), "lower trapezius grade (weaker side)", "/5"),
    ("test.lower_trapezius_side_difference", None, "lower trapezius grade difference between sides", "grades"),
    ("test.scapular_dyskinesis", Some("scapular_dyskinesis"), "scapular dyskinesis (0 normal, 1 subtle, 2 obvious)", ""),
    ("test.pec_minor_supine_difference_cm", Some("pec_minor_supine"), "pectoralis minor supine side difference", "cm"),
    ("test.pec_minor_index", Some("pec_minor_index"), "pectoralis minor index (lower side)", ""),
    ("test.upper_trapezius_length_reduced", Some("upper_trapezius_length"), "upper trapezius length reduced", ""),
    ("test.levator_length_reduced", Some("levator_length"), "levator scapulae length reduced", ""),
];

/// Whether `name` is a fact, and if so the measure it belongs to. `measure_exists` and
/// `region_exists` answer for the knowledge base being validated.
pub fn known(name: &str, measure_exists: impl Fn(&str) -> bool, region_exists: impl Fn(&str) -> bool) -> Option<Option<String>> {
    if let Some((_, m, _, _)) = FIXED.iter().find(|(n, ..)| *n == name) {
        return match m {
            Some(m) if measure_exists(m) => Some(Some((*m).to_string())),
            Some(_) => Some(None),
            None => Some(None),
        };
    }
    if let Some(m) = name.strip_prefix("metric.") {
        return measure_exists(m).then(|| Some(m.to_string()));
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

/// A fixed fact's label and unit, for evidence text. Metric and symptom facts are labelled by
/// the caller from the knowledge base.
pub fn label_of(name: &str) -> Option<(&'static str, &'static str)> {
    FIXED.iter().find(|(n, ..)| *n == name).map(|(_, _, l, u)| (*l, *u))
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
    use FactSource::*;
    let mut f = Facts { sex: Some(intake.person.sex), ..Facts::default() };
    let e = &intake.exposure;
    f.set("exposure.sitting_hours", e.sitting.total(), Exposure);
    f.set("exposure.desk_hours", e.sitting.desk, Exposure);
    f.set("exposure.sofa_hours", e.sitting.sofa, Exposure);
    f.set("exposure.car_hours", e.sitting.car, Exposure);
    f.set("exposure.train_hours", e.sitting.train, Exposure);
    f.set("exposure.plane_hours", e.sitting.plane, Exposure);
    f.set("exposure.hands_forward_hours", e.hands_forward.total(), Exposure);
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
        ("exposure.bag_on_one_shoulder", e.bag_on_one_shoulder.map(b)),
    ];
    for (name, v) in optional {
        if let Some(v) = v {
            f.set(name, v, Exposure);
        }
    }

    for p in &intake.symptoms.pain {
        let name = format!("symptom.{}", p.region);
        let worst = f.get(&name).map_or(p.intensity, |x| x.value.max(p.intensity));
        f.set(name, worst, Symptom);
    }
    match &intake.symptoms.headache {
        Some(h) => {
            f.set("symptom.headache_days", h.days_per_month, Symptom);
            f.set("symptom.tension_type_headache", b(is_tension_type(h)), Symptom);
            f.set("symptom.cervicogenic_headache", b(is_cervicogenic(h)), Symptom);
        }
        None => f.set("symptom.headache_days", 0.0, Symptom),
    }

    let t = &intake.tests;
    if let Some(v) = t.dnf_endurance_s {
        f.set("test.dnf_endurance_s", v, Test);
    }
    if let Some(v) = t.ccft_mmhg {
        f.set("test.ccft_mmhg", v, Test);
    }
    if let Some(g) = t.lower_trapezius_grade {
        f.set("test.lower_trapezius_grade", f64::from(g.left.min(g.right)), Test);
        f.set("test.lower_trapezius_side_difference", f64::from(g.left.abs_diff(g.right)), Test);
    }
    if let Some(d) = t.scapular_dyskinesis {
        let score = |d: Dyskinesis| match d {
            Dyskinesis::Normal => 0.0,
            Dyskinesis::Subtle => 1.0,
            Dyskinesis::Obvious => 2.0,
        };
        f.set("test.scapular_dyskinesis", score(d.left.max(d.right)), Test);
    }
    if let Some(p) = t.pec_minor_supine_cm {
        f.set("test.pec_minor_supine_difference_cm", (p.left - p.right).abs(), Test);
    }
    if let Some(p) = t.pec_minor_index {
        f.set("test.pec_minor_index", p.left.min(p.right), Test);
    }
    let reduced = |s: crate::intake::Sides<LengthTest>| b(s.left == LengthTest::Reduced || s.right == LengthTest::Reduced);
    if let Some(s) = t.upper_trapezius_length {
        f.set("test.upper_trapezius_length_reduced", reduced(s), Test);
    }
    if let Some(s) = t.levator_length {
        f.set("test.levator_length_reduced", reduced(s), Test);
    }
    f
}
