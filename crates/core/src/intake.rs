//! The intake: what the client reports and the therapist records before any photo is taken —
//! exposure, symptoms, the red-flag screen, outcome measures and clinical tests.
//!
//! These are validated domain types. Parsing a file into them (and naming the bad field) is the
//! app's job; the core assumes ranges have been checked, and documents each range here.

use std::collections::BTreeMap;

use crate::date::Date;

/// Sex, where norms depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female norms apply.
    Female,
    /// Male norms apply.
    Male,
    /// Neither norm applies; sex-specific cut-offs are not used.
    Other,
    /// Not given; sex-specific cut-offs are not used.
    Unspecified,
}

/// Who the assessment is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// A display label (name or code).
    pub label: String,
    /// Sex.
    pub sex: Sex,
    /// Age in years.
    pub age: Option<u32>,
}

/// Hours per day sitting, by context. Each is 0–24.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sitting {
    /// At a desk.
    pub desk: f64,
    /// On a sofa.
    pub sofa: f64,
    /// In a car.
    pub car: f64,
    /// On a train or bus.
    pub train: f64,
    /// On a plane (averaged per day).
    pub plane: f64,
    /// Anywhere else.
    pub other: f64,
}

impl Sitting {
    /// All sitting, hours per day.
    pub fn total(&self) -> f64 {
        self.desk + self.sofa + self.car + self.train + self.plane + self.other
    }
}

/// Hours per day with the hands working in front of the body. Each is 0–24.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HandsForward {
    /// Computer (keyboard and mouse).
    pub computer: f64,
    /// Tablet.
    pub tablet: f64,
    /// Phone.
    pub phone: f64,
    /// Driving.
    pub driving: f64,
}

impl HandsForward {
    /// All hands-forward work, hours per day.
    pub fn total(&self) -> f64 {
        self.computer + self.tablet + self.phone + self.driving
    }
}

/// How the person sits and works.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposure {
    /// Sitting by context.
    pub sitting: Sitting,
    /// Hands-forward work.
    pub hands_forward: HandsForward,
    /// Longest unbroken static bout, minutes.
    pub longest_bout_min: Option<f64>,
    /// Minutes between deliberate breaks; `None` when there are none.
    pub break_every_min: Option<f64>,
    /// A laptop without a separate screen and keyboard.
    pub laptop_only: Option<bool>,
    /// A headset is used for calls.
    pub headset_for_calls: Option<bool>,
    /// Hours on calls per day.
    pub call_hours: Option<f64>,
    /// Exercise after work, hours per week.
    pub exercise_hours_per_week: Option<f64>,
    /// Lifting and carrying after work, hours per week.
    pub lifting_carrying_hours_per_week: Option<f64>,
    /// A bag carried on one shoulder.
    pub bag_on_one_shoulder: Option<bool>,
}

/// Which side a symptom is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Left.
    Left,
    /// Right.
    Right,
    /// Both sides.
    Both,
    /// In the midline.
    Centre,
}

/// Pain in one body region.
#[derive(Debug, Clone, PartialEq)]
pub struct Pain {
    /// Region id from the knowledge base.
    pub region: String,
    /// 0–10.
    pub intensity: f64,
    /// Side.
    pub side: Side,
}

/// Headache severity, as the client rates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Severe.
    Severe,
}

/// Headache features used for the ICHD-3 tension-type and cervicogenic patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct Headache {
    /// Headache days per month, 0–31.
    pub days_per_month: f64,
    /// Region ids where it is felt (temple, behind_eye, occipital, forehead, …).
    pub locations: Vec<String>,
    /// Felt on both sides.
    pub bilateral: Option<bool>,
    /// Pressing or tightening (not pulsating).
    pub pressing: Option<bool>,
    /// Severity.
    pub severity: Option<Severity>,
    /// Made worse by routine activity such as walking or stairs.
    pub worse_with_activity: Option<bool>,
    /// Nausea with it.
    pub nausea: Option<bool>,
    /// Light hurts.
    pub photophobia: Option<bool>,
    /// Sound hurts.
    pub phonophobia: Option<bool>,
    /// Brought on by neck movement or sustained neck posture.
    pub provoked_by_neck: Option<bool>,
}

/// What the client reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Symptoms {
    /// Pain by region.
    pub pain: Vec<Pain>,
    /// Headache, if any.
    pub headache: Option<Headache>,
}

/// NPRS ratings, each 0–10.
#[derive(Debug, Clone, PartialEq)]
pub struct NprsRatings {
    /// Now.
    pub now: Option<f64>,
    /// Worst in the last 24 hours.
    pub worst_24h: Option<f64>,
    /// Average over the past week.
    pub average_week: Option<f64>,
}

/// PSFS version: 2.0 reverses the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PsfsVersion {
    /// 0 = unable, 10 = as before.
    V1,
    /// 0 = as before, 10 = unable.
    V2,
}

/// One PSFS activity.
#[derive(Debug, Clone, PartialEq)]
pub struct PsfsItem {
    /// The activity, in the client's words.
    pub activity: String,
    /// 0–10 on the form's own scale.
    pub score: f64,
}

/// PSFS answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PsfsAnswers {
    /// Form version.
    pub version: PsfsVersion,
    /// 1–5 activities (3–5 recommended).
    pub items: Vec<PsfsItem>,
}

/// Outcome-measure answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeAnswers {
    /// NDI item id → 0–5; unanswered items are absent.
    pub ndi: Option<BTreeMap<String, u8>>,
    /// NPRS.
    pub nprs: Option<NprsRatings>,
    /// PSFS.
    pub psfs: Option<PsfsAnswers>,
}

/// A value recorded on each side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sides<T> {
    /// Left side.
    pub left: T,
    /// Right side.
    pub right: T,
}

/// Scapular dyskinesis test result for one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dyskinesis {
    /// Normal.
    Normal,
    /// Subtle.
    Subtle,
    /// Obvious.
    Obvious,
}

/// A muscle length test result for one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LengthTest {
    /// Normal range and end-feel.
    Normal,
    /// Reduced range or a hard end-feel.
    Reduced,
}

/// Optional clinical tests the therapist records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClinicalTests {
    /// Deep neck flexor endurance, seconds.
    pub dnf_endurance_s: Option<f64>,
    /// Craniocervical flexion test activation score, mmHg (20–30).
    pub ccft_mmhg: Option<f64>,
    /// Lower trapezius manual muscle test grade, 0–5.
    pub lower_trapezius_grade: Option<Sides<u8>>,
    /// Scapular dyskinesis test.
    pub scapular_dyskinesis: Option<Sides<Dyskinesis>>,
    /// Supine table-to-posterior-acromion distance, cm.
    pub pec_minor_supine_cm: Option<Sides<f64>>,
    /// Pectoralis minor index.
    pub pec_minor_index: Option<Sides<f64>>,
    /// Upper trapezius length test.
    pub upper_trapezius_length: Option<Sides<LengthTest>>,
    /// Levator scapulae length test.
    pub levator_length: Option<Sides<LengthTest>>,
}

/// The whole intake.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    /// Who.
    pub person: Person,
    /// When; the plan's dates count from it.
    pub assessed_on: Date,
    /// How they sit and work.
    pub exposure: Exposure,
    /// What hurts.
    pub symptoms: Symptoms,
    /// Red-flag item id → answer. Unanswered items are absent.
    pub red_flags: BTreeMap<String, bool>,
    /// Outcome measures.
    pub outcomes: OutcomeAnswers,
    /// Clinical tests.
    pub tests: ClinicalTests,
}
