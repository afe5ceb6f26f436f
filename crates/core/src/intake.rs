//! The intake: what the client reports and the therapist records before any photo is taken —
//! exposure, symptoms, the red-flag screen (with any documented medical clearance), outcome
//! measures, clinical tests and palpation.
//!
//! These are validated domain types. Parsing a file into them (and naming the bad field) is the
//! app's job; the core assumes ranges have been checked, and documents each range here.

use std::collections::BTreeMap;

use crate::date::Date;
pub use crate::vocab::{Dyskinesis, LengthTest, Onset, PainSide, PsfsVersion, Severity, Sex, Side, Tone};

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

    /// Screen work (computer and tablet), hours per day.
    pub fn screen(&self) -> f64 {
        self.computer + self.tablet
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
    /// The side the phone is held on (and, without a headset, cradled against).
    pub phone_side: Option<Side>,
    /// Exercise after work, hours per week.
    pub exercise_hours_per_week: Option<f64>,
    /// Lifting and carrying after work, hours per week.
    pub lifting_carrying_hours_per_week: Option<f64>,
    /// A bag carried on one shoulder.
    pub bag_on_one_shoulder: Option<bool>,
    /// Which shoulder carries the bag, when known.
    pub bag_side: Option<Side>,
}

/// Pain in one body region.
#[derive(Debug, Clone, PartialEq)]
pub struct Pain {
    /// Region id from the knowledge base (a body area).
    pub region: String,
    /// 0–10.
    pub intensity: f64,
    /// Side.
    pub side: PainSide,
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
    /// The side a one-sided headache is felt on.
    pub side: Option<Side>,
}

/// What the client reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Symptoms {
    /// Pain by region.
    pub pain: Vec<Pain>,
    /// Headache, if any.
    pub headache: Option<Headache>,
}

/// The answer to one red-flag question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedFlagAnswer {
    /// Whether the client said yes.
    pub present: bool,
    /// For a yes: new or sudden, or long-standing and unchanged (unknown counts as new).
    pub onset: Option<Onset>,
}

impl RedFlagAnswer {
    /// A plain no.
    pub const NO: RedFlagAnswer = RedFlagAnswer { present: false, onset: None };
    /// A plain yes, onset not given.
    pub const YES: RedFlagAnswer = RedFlagAnswer { present: true, onset: None };
}

/// A documented medical assessment of a positive red-flag item, recorded by the therapist.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Clearance {
    /// The red-flag item id it covers.
    pub item: String,
    /// Who assessed it (a doctor's or service's name).
    pub assessed_by: String,
    /// When.
    pub assessed_on: Date,
    /// What was found or advised.
    pub note: String,
}

/// NPRS ratings, each an integer 0–10.
#[derive(Debug, Clone, PartialEq)]
pub struct NprsRatings {
    /// Now.
    pub now: Option<u8>,
    /// Worst in the last 24 hours.
    pub worst_24h: Option<u8>,
    /// Average over the past week.
    pub average_week: Option<u8>,
}

impl NprsRatings {
    /// Every rating given.
    pub fn given(&self) -> impl Iterator<Item = u8> {
        [self.now, self.worst_24h, self.average_week].into_iter().flatten()
    }
}

/// One PSFS activity.
#[derive(Debug, Clone, PartialEq)]
pub struct PsfsItem {
    /// The activity, in the client's words.
    pub activity: String,
    /// An integer 0–10 on the form's own scale.
    pub score: u8,
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

impl<T: Copy> Sides<T> {
    /// The value on one side.
    pub fn on(&self, side: Side) -> T {
        match side {
            Side::Left => self.left,
            Side::Right => self.right,
        }
    }

    /// The same values with left and right swapped.
    pub fn mirrored(&self) -> Sides<T> {
        Sides { left: self.right, right: self.left }
    }
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

/// The therapist's palpation of one muscle on one side. Palpation is unreliable between
/// examiners (tenderness κ 0.68, taut band κ down to −0.08; brief §4.1): it is recorded as
/// "tender spot, reproduces familiar pain, location", never as established pathology.
#[derive(Debug, Clone, PartialEq)]
pub struct Palpation {
    /// Muscle id.
    pub muscle: String,
    /// Side.
    pub side: Side,
    /// Tone.
    pub tone: Option<Tone>,
    /// Tenderness 0 (none) – 3 (severe).
    pub tenderness: Option<u8>,
    /// A tender spot reproduces the client's familiar pain.
    pub familiar_pain: Option<bool>,
    /// Where the tender spot is, in the therapist's words.
    pub location: Option<String>,
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
    pub red_flags: BTreeMap<String, RedFlagAnswer>,
    /// Documented medical clearances of positive red-flag items.
    pub clearances: Vec<Clearance>,
    /// Outcome measures.
    pub outcomes: OutcomeAnswers,
    /// Clinical tests.
    pub tests: ClinicalTests,
    /// Palpation findings, per muscle and side.
    pub palpation: Vec<Palpation>,
}

impl Intake {
    /// The same intake with every left and right swapped (for symmetry tests).
    pub fn mirrored(&self) -> Intake {
        let mut m = self.clone();
        let e = &mut m.exposure;
        e.phone_side = e.phone_side.map(Side::other);
        e.bag_side = e.bag_side.map(Side::other);
        for p in &mut m.symptoms.pain {
            p.side = match p.side {
                PainSide::Left => PainSide::Right,
                PainSide::Right => PainSide::Left,
                other => other,
            };
        }
        if let Some(h) = &mut m.symptoms.headache {
            h.side = h.side.map(Side::other);
        }
        let t = &mut m.tests;
        t.lower_trapezius_grade = t.lower_trapezius_grade.map(|s| s.mirrored());
        t.scapular_dyskinesis = t.scapular_dyskinesis.map(|s| s.mirrored());
        t.pec_minor_supine_cm = t.pec_minor_supine_cm.map(|s| s.mirrored());
        t.pec_minor_index = t.pec_minor_index.map(|s| s.mirrored());
        t.upper_trapezius_length = t.upper_trapezius_length.map(|s| s.mirrored());
        t.levator_length = t.levator_length.map(|s| s.mirrored());
        for p in &mut m.palpation {
            p.side = p.side.other();
        }
        m
    }
}
