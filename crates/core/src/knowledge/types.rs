//! The knowledge base's entry types, which are also its TOML file format (see
//! `knowledge/SCHEMA.md`). Validation of ids and cross-references lives in `validate.rs`.

use serde::{Deserialize, Serialize};

pub use crate::vocab::MuscleState;

/// How sure the field is of a rule, threshold or fact (the brief's E, C and X tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Consistent evidence from systematic reviews or validated instruments.
    Established,
    /// Widely taught clinical convention, backed mainly by expert opinion or weak studies.
    Convention,
    /// Studies conflict or the idea has been challenged; never the sole basis of a conclusion.
    Contested,
}

impl Certainty {
    /// The weight inference gives to evidence of this certainty.
    pub fn factor(self) -> f64 {
        match self {
            Certainty::Established => 1.0,
            Certainty::Convention => 0.75,
            Certainty::Contested => 0.4,
        }
    }

    /// The less certain of two certainties: a chain is as sure as its weakest link.
    pub fn weakest(self, other: Certainty) -> Certainty {
        self.max(other)
    }

    /// The word used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Certainty::Established => "established",
            Certainty::Convention => "clinical convention",
            Certainty::Contested => "contested",
        }
    }
}

/// A citation that other entries refer to by id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Unique id.
    pub id: String,
    /// The full citation.
    pub citation: String,
}

/// The state a muscle tends toward in the pattern, or the state inference concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypicalState {
    /// Tends to become tight and overactive.
    Overactive,
    /// Tends to become inhibited, weak and overstretched.
    Inhibited,
    /// A prime mover that the pattern bypasses (the deltoid).
    PrimeMover,
}

/// A muscle of the pattern.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Muscle {
    /// Unique id.
    pub id: String,
    /// Display name (for the therapist).
    pub name: String,
    /// The name in plain words, for the client ("the muscle on top of the shoulder").
    pub plain_name: String,
    /// Whether it can be palpated (the deep cervical flexors cannot, reliably).
    #[serde(default = "yes")]
    pub palpable: bool,
    /// Where it is.
    pub region: String,
    /// What it does.
    pub role: String,
    /// Its typical state in the upper crossed pattern.
    pub typical_state: TypicalState,
    /// How its state shows in posture, tests and symptoms.
    pub shows: Vec<String>,
    /// Massage technique ids.
    pub massage: Vec<String>,
    /// Exercise ids that release, lengthen or mobilise it.
    pub stretches: Vec<String>,
    /// Exercise ids that activate or strengthen it.
    pub activation: Vec<String>,
    /// Cautions for the therapist.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// Certainty of its role in the pattern.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A massage technique.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The same in plain words, for the client's handout.
    pub plain_name: String,
    /// What the therapist does.
    pub description: String,
    /// Cautions.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// What an exercise is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Reduce tone of an overactive muscle.
    Release,
    /// Lengthen a short muscle.
    Lengthen,
    /// Wake up an inhibited muscle.
    Activate,
    /// Build strength and endurance.
    Strengthen,
    /// Restore joint mobility.
    Mobilise,
}

impl Purpose {
    /// The word used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Release => "release",
            Purpose::Lengthen => "lengthen",
            Purpose::Activate => "activate",
            Purpose::Strengthen => "strengthen",
            Purpose::Mobilise => "mobilise",
        }
    }
}

/// A corrective exercise.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Muscle ids it targets.
    pub targets: Vec<String>,
    /// What it is for.
    pub purpose: Purpose,
    /// The dose, in words.
    pub dosage: String,
    /// Sessions per week at the prescribed dose.
    pub sessions_per_week: f64,
    /// Minutes per session.
    pub minutes_per_session: f64,
    /// How to progress it.
    pub progression: String,
    /// Cautions, in words a client understands.
    #[serde(default)]
    pub cautions: Vec<String>,
    /// Step-by-step instructions for the client.
    pub instructions: Vec<String>,
    /// What it needs beyond a chair, a wall or a doorway: lying down, or equipment. Empty: it
    /// can be done at a desk.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// An exercise of the library, for the same muscles, that can be done at a desk instead
    /// (at a break); only for one with `needs`.
    #[serde(default)]
    pub desk_alternative: Option<String>,
    /// Its illustration: the start and end poses of the 33-landmark skeleton, as joint angles
    /// on a base posture (drawn by `tonus_app::figure`).
    pub figure: Figure,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

impl Exercise {
    /// Whether it can be done at a desk, with nothing but a chair, a wall or a doorway.
    pub fn at_a_desk(&self) -> bool {
        self.needs.is_empty()
    }

    /// What it needs, in the client's words ("lying down (floor, mat or bed) and a foam
    /// roller"); empty when it can be done at a desk.
    pub fn needs_label(&self) -> String {
        self.needs.iter().map(|n| n.label()).collect::<Vec<_>>().join(" and ")
    }
}

/// How an exercise's illustration stands, sits or lies before its joints move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureBase {
    /// Standing.
    Standing,
    /// Sitting on a chair.
    Sitting,
    /// Lying on the back with the knees bent.
    Supine,
    /// Lying face down.
    Prone,
    /// Lying on one side, knees a little bent.
    SideLying,
}

/// From where an exercise's illustration is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureView {
    /// From the person's left side (they face the image's left; the left limbs are near).
    Side,
    /// From the front (lying: from above).
    Front,
}

/// Joint angles of an illustration's pose, in degrees; an angle left out is the base's.
/// Side view: `trunk`, `neck` and `head` lean forward (negative: back), a shoulder's angle is
/// its upper arm's direction (180 hanging, 90 forward, 0 overhead, above 180 behind), an
/// elbow's is its bend. Front view: `trunk` and `tilt` lean to the person's left, `turn` turns
/// the face to their left, a shoulder's angle is out to its side (180 hanging, 90 level,
/// 0 overhead) and an elbow's bend folds the forearm up. `shrug` raises both shoulders (front) or draws them forward (side), 0 to 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Joints {
    /// The trunk's lean from upright.
    pub trunk: Option<f64>,
    /// The neck's bend from the trunk's line.
    pub neck: Option<f64>,
    /// The head's nod on the neck.
    pub head: Option<f64>,
    /// The head's side bend (front view).
    pub tilt: Option<f64>,
    /// The face's turn (front view).
    pub turn: Option<f64>,
    /// Shoulders raised (front view) or drawn forward (side view), 0 to 1.
    pub shrug: Option<f64>,
    /// Both shoulders, unless one is given on its own.
    pub arms: Option<f64>,
    /// Both elbows, unless one is given on its own.
    pub elbows: Option<f64>,
    /// The left upper arm's angle.
    pub left_shoulder: Option<f64>,
    /// The left elbow's bend.
    pub left_elbow: Option<f64>,
    /// The right upper arm's angle.
    pub right_shoulder: Option<f64>,
    /// The right elbow's bend.
    pub right_elbow: Option<f64>,
}

impl Joints {
    /// Each angle given, by name (for validation messages).
    pub fn angles(&self) -> [(&'static str, Option<f64>); 12] {
        [
            ("trunk", self.trunk),
            ("neck", self.neck),
            ("head", self.head),
            ("tilt", self.tilt),
            ("turn", self.turn),
            ("shrug", self.shrug),
            ("arms", self.arms),
            ("elbows", self.elbows),
            ("left_shoulder", self.left_shoulder),
            ("left_elbow", self.left_elbow),
            ("right_shoulder", self.right_shoulder),
            ("right_elbow", self.right_elbow),
        ]
    }
}

/// An exercise's illustration: a base posture seen from one side, and the joints at the start
/// and at the end of the movement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// The posture it starts from.
    pub base: FigureBase,
    /// From where it is seen.
    pub view: FigureView,
    /// The joints at the start of the movement.
    #[serde(default)]
    pub start: Joints,
    /// The joints at its end.
    #[serde(default)]
    pub end: Joints,
}

/// What an exercise needs that a desk does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Lying down: on the floor, a mat or a bed.
    LyingDown,
    /// An elastic exercise band.
    Band,
    /// Hand weights (dumbbells or bottles of water).
    Weights,
    /// A foam roller.
    FoamRoller,
}

impl Need {
    /// In the client's words.
    pub fn label(self) -> &'static str {
        match self {
            Need::LyingDown => "lying down (floor, mat or bed)",
            Need::Band => "an elastic exercise band",
            Need::Weights => "light hand weights",
            Need::FoamRoller => "a foam roller",
        }
    }
}

/// Where a measure's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureSource {
    /// Computed from photo landmarks.
    Photo,
    /// Recorded by the therapist from a clinical test.
    ClinicalTest,
}

/// Which photo view a metric needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureView {
    /// A lateral (sagittal) view.
    Side,
    /// A frontal (coronal) view.
    Front,
}

/// Whether a measure is the clinical measure itself or a stand-in for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// The measure as defined clinically.
    Exact,
    /// A stand-in computed from points that only approximate the clinical ones.
    Proxy,
}

/// A posture metric or clinical test with its norm, cut-off and real-change threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Photo metric or clinical test.
    pub source: MeasureSource,
    /// The view a photo metric needs.
    #[serde(default)]
    pub view: Option<MeasureView>,
    /// Unit as shown.
    pub unit: String,
    /// Exact or proxy.
    pub kind: MeasureKind,
    /// What a proxy stands in for.
    #[serde(default)]
    pub proxy_for: Option<String>,
    /// How it is measured.
    pub definition: String,
    /// The norm in words.
    pub norm: String,
    /// Lower end of the normal range.
    #[serde(default)]
    pub norm_low: Option<f64>,
    /// Upper end of the normal range.
    #[serde(default)]
    pub norm_high: Option<f64>,
    /// Values below this are a finding.
    #[serde(default)]
    pub cutoff_below: Option<f64>,
    /// Values above this are a finding.
    #[serde(default)]
    pub cutoff_above: Option<f64>,
    /// Sex-specific lower cut-off for women.
    #[serde(default)]
    pub cutoff_female: Option<f64>,
    /// Sex-specific lower cut-off for men.
    #[serde(default)]
    pub cutoff_male: Option<f64>,
    /// The smallest change that is more than measurement noise.
    #[serde(default)]
    pub real_change: Option<f64>,
    /// Where the real-change threshold comes from and how far it applies.
    #[serde(default)]
    pub real_change_note: Option<String>,
    /// Whether `real_change` is another measurement's, not established for this one (a
    /// proxy's always is): a floor for noise, never proof of a real change.
    #[serde(default)]
    pub real_change_borrowed: bool,
    /// What a positive value means, in words ("leaning forward").
    #[serde(default)]
    pub positive_means: Option<String>,
    /// What a negative value means, in words ("leaning back").
    #[serde(default)]
    pub negative_means: Option<String>,
    /// Certainty of the measure and its cut-off.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

impl Measure {
    /// Whether the real-change threshold is borrowed from another measurement: stated so, or a
    /// proxy's.
    pub fn real_change_borrowed(&self) -> bool {
        self.real_change_borrowed || self.kind == MeasureKind::Proxy
    }

    /// Whether a value inside its cut-offs reads as "within the norm": a clinical test's
    /// cut-offs say what normal is, and a normal range says it for any measure; a proxy with
    /// cut-offs only (a Tonus convention, no known normal range) is then merely not flagged.
    pub fn has_norm(&self) -> bool {
        self.norm_low.is_some() || self.norm_high.is_some() || self.kind == MeasureKind::Exact
    }
}

/// How a muscle is held responsible for pain in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// An inhibited, overstretched muscle aches under constant low load.
    Overstretch,
    /// A tight, overactive muscle hurts locally.
    Tension,
    /// A tight, overactive muscle refers pain elsewhere.
    Referral,
}

impl Mechanism {
    /// The muscle state that makes this mechanism plausible.
    pub fn requires(self) -> TypicalState {
        match self {
            Mechanism::Overstretch => TypicalState::Inhibited,
            Mechanism::Tension | Mechanism::Referral => TypicalState::Overactive,
        }
    }

    /// The word used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Mechanism::Overstretch => "overstretched, inhibited muscle",
            Mechanism::Tension => "local pain from a tight, overactive muscle",
            Mechanism::Referral => "referred pain from a tight, overactive muscle",
        }
    }
}

/// A muscle the model holds responsible for pain in a region.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuscularSource {
    /// Muscle id.
    pub muscle: String,
    /// How it causes the pain.
    pub mechanism: Mechanism,
    /// The explanation, for the therapist.
    pub explanation: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A non-muscular cause a clinician must keep in mind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonMuscularCause {
    /// The cause.
    pub cause: String,
    /// What it means for the therapist.
    pub note: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A body region where pain is reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymptomRegion {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where it is.
    pub description: String,
    /// Whether a client can report pain here (a body area), or the entry explains a headache
    /// type as a whole (used when a headache is reported without locations).
    #[serde(default = "yes")]
    pub body_area: bool,
    /// Certainty of the referral map for this region.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
    /// Muscles that can cause pain here.
    #[serde(default)]
    pub muscular: Vec<MuscularSource>,
    /// Other causes to keep in mind.
    #[serde(default)]
    pub non_muscular: Vec<NonMuscularCause>,
}

/// What a positive red flag demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Emergency services now.
    Emergency,
    /// Same-day medical assessment.
    Urgent,
    /// Medical assessment, possibly imaging.
    MedicalAssessment,
    /// Review by a doctor before treatment.
    MedicalReview,
    /// Review by a physiotherapist.
    PhysioReview,
}

impl Action {
    /// The word used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Action::Emergency => "emergency",
            Action::Urgent => "urgent medical care",
            Action::MedicalAssessment => "medical assessment",
            Action::MedicalReview => "medical review",
            Action::PhysioReview => "physiotherapy review",
        }
    }
}

/// One yes/no question of the red-flag screen.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlagItem {
    /// Unique id across all categories.
    pub id: String,
    /// The question.
    pub question: String,
    /// What a positive answer demands, where the item is more urgent than its category
    /// (absent: the category's).
    #[serde(default)]
    pub action: Option<Action>,
    /// Where to go instead, with `action` (absent: the category's).
    #[serde(default)]
    pub advice: Option<String>,
    /// What the item demands when long-standing and unchanged, where that differs from the
    /// category's (absent: the category's).
    #[serde(default)]
    pub long_standing: Option<LongStanding>,
}

/// A category of red flags with the action its items demand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlagCategory {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What a positive item demands.
    pub action: Action,
    /// Where to go instead, in plain words.
    pub advice: String,
    /// What a long-standing item that has not changed demands, when that is less urgent than a
    /// new one (absent: the same as a new one).
    #[serde(default)]
    pub long_standing: Option<LongStanding>,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
    /// The questions.
    pub item: Vec<RedFlagItem>,
}

/// The action for a long-standing, unchanged red-flag item.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongStanding {
    /// What it demands.
    pub action: Action,
    /// Where to go, in plain words.
    pub advice: String,
}

/// An NDI item.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NdiItem {
    /// Item id.
    pub id: String,
    /// Item name.
    pub name: String,
    /// What a 0 means, in Tonus's own words (not the published wording, which is Vernon's
    /// copyright).
    pub low: String,
    /// What a 5 means, in Tonus's own words.
    pub high: String,
}

/// A severity band of a total score.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Inclusive upper bound of the band.
    pub upto: f64,
    /// Its label.
    pub label: String,
}

/// The Neck Disability Index.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ndi {
    /// Display name.
    pub name: String,
    /// The ten items in order.
    pub items: Vec<NdiItem>,
    /// Maximum score of one item.
    pub item_max: f64,
    /// Severity bands on the 0–50 total.
    pub bands: Vec<Band>,
    /// Minimal detectable change, points.
    pub real_change: f64,
    /// A change likely to be meaningful, points.
    pub meaningful_change: f64,
    /// The most items that may be missing for the total to be prorated; with more missing the
    /// NDI is not scored.
    pub max_missing: usize,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The Numeric Pain Rating Scale.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nprs {
    /// Display name.
    pub name: String,
    /// Minimal detectable change, points.
    pub real_change: f64,
    /// Minimal clinically important change, points.
    pub meaningful_change: f64,
    /// Relative improvement often taken as meaningful, percent.
    pub meaningful_percent: f64,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The Patient-Specific Functional Scale.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Psfs {
    /// Display name.
    pub name: String,
    /// Minimal detectable change of the mean score.
    pub real_change: f64,
    /// Minimal detectable change of one item.
    pub real_change_item: f64,
    /// The fewest activities the scale's authors recommend (fewer are scored with a note).
    pub recommended_items: usize,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The outcome measures.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Neck Disability Index.
    pub ndi: Ndi,
    /// Numeric Pain Rating Scale.
    pub nprs: Nprs,
    /// Patient-Specific Functional Scale.
    pub psfs: Psfs,
}

/// A posture component of the pattern (forward head, protracted shoulders, …).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The pattern label definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Muscles expected to be overactive.
    pub overactive: Vec<String>,
    /// Muscles expected to be inhibited.
    pub inhibited: Vec<String>,
    /// Posture components of the pattern.
    pub components: Vec<String>,
    /// The label applies only with at least this many supporting findings (muscles found in
    /// their typical state by tests, palpation or photos, and components present on photos).
    pub min_findings: usize,
    /// ... and when at least this share of the assessed items fits the pattern.
    pub min_share: f64,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A comparison in a rule condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// Greater or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Greater.
    #[serde(rename = ">")]
    Gt,
    /// Less.
    #[serde(rename = "<")]
    Lt,
    /// Less or equal.
    #[serde(rename = "<=")]
    Le,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
    /// Below the fact's measure's lower cut-off.
    #[serde(rename = "below_cutoff")]
    BelowCutoff,
    /// Above the fact's measure's upper cut-off.
    #[serde(rename = "above_cutoff")]
    AboveCutoff,
    /// Below the lower or above the upper cut-off.
    #[serde(rename = "beyond_cutoff")]
    BeyondCutoff,
    /// Inside the measure's cut-offs (or its normal range when it has no cut-off).
    #[serde(rename = "within_norm")]
    WithinNorm,
}

impl Op {
    /// Whether the op compares against the fact's measure instead of a value.
    pub fn is_measure_relative(self) -> bool {
        matches!(self, Op::BelowCutoff | Op::AboveCutoff | Op::BeyondCutoff | Op::WithinNorm)
    }

    /// The symbol or words used in evidence text.
    pub fn label(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Le => "≤",
            Op::Eq => "=",
            Op::BelowCutoff => "below the cut-off",
            Op::AboveCutoff => "above the cut-off",
            Op::BeyondCutoff => "beyond the cut-off",
            Op::WithinNorm => "within the norm",
        }
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The fact's name, for example `test.dnf_endurance_s`.
    pub fact: String,
    /// The comparison.
    pub op: Op,
    /// The value to compare with (absent for measure-relative ops).
    #[serde(default)]
    pub value: Option<f64>,
}

/// What a fired rule contributes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    /// The muscle, for a muscle effect; `{muscle}` in a palpation rule means the palpated muscle.
    #[serde(default)]
    pub muscle: Option<String>,
    /// The state, for a muscle effect.
    #[serde(default)]
    pub state: Option<MuscleState>,
    /// The posture component, for a component effect.
    #[serde(default)]
    pub component: Option<String>,
    /// For a component effect: whether the evidence says the component is present (the
    /// default) or absent.
    #[serde(default)]
    pub present: Option<bool>,
    /// Strength of the evidence, 0–1.
    pub weight: f64,
}

/// An inference rule: facts → evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique id.
    pub id: String,
    /// What the rule says, as shown in the evidence trail.
    pub description: String,
    /// All must hold.
    pub when: Vec<Condition>,
    /// What it contributes.
    pub then: Vec<Effect>,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The massage dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MassageDose {
    /// Minutes per session.
    pub session_min: f64,
    /// Sessions per week.
    pub sessions_per_week: f64,
    /// Weeks.
    pub weeks: u32,
    /// At most this many muscles as targets.
    pub max_targets: usize,
    /// Why this dose.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// Which muscles a phase works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseTargets {
    /// The muscles inferred overactive.
    Overactive,
    /// The muscles inferred inhibited.
    Inhibited,
    /// Both.
    All,
}

/// A phase of the exercise programme.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseParameters {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// First week (1-based).
    pub first_week: u32,
    /// Last week.
    pub last_week: u32,
    /// Exercise purposes that belong in the phase.
    pub purposes: Vec<Purpose>,
    /// Which muscles it works on.
    pub targets: PhaseTargets,
    /// Exercises always included (for example the movement break).
    #[serde(default)]
    pub always: Vec<String>,
    /// When to move on.
    pub progression: String,
    /// At most this many exercises.
    pub max_exercises: usize,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The break rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakParameters {
    /// Break at least every this many minutes of screen work.
    pub interval_min: f64,
    /// Break length, in words.
    pub duration: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// When to reassess.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewParameters {
    /// Re-score NDI, NPRS and PSFS every this many weeks.
    pub outcomes_every_weeks: u32,
    /// Retake photos every this many weeks.
    pub photos_every_weeks: u32,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A change to breaks, the workstation or habits that applies when its conditions hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureAdvice {
    /// Unique id.
    pub id: String,
    /// The advice, in plain words for the client.
    pub advice: String,
    /// All must hold.
    pub when: Vec<Condition>,
    /// A break rule: it applies only when the client sits longer than the break interval
    /// without a break, and the simulation counts it as breaks.
    #[serde(default)]
    pub breaks: bool,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The plan's parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanParameters {
    /// Massage dose.
    pub massage: MassageDose,
    /// Exercise phases, in order.
    pub phase: Vec<PhaseParameters>,
    /// Break rule.
    pub breaks: BreakParameters,
    /// Review intervals.
    pub review: ReviewParameters,
    /// The plan for a client whose outcome measures are within normal.
    pub maintenance: MaintenanceParameters,
    /// Break, workstation and habit advice.
    pub advice: Vec<ExposureAdvice>,
}

/// A maintenance plan: for a client whose outcome measures are back within normal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceParameters {
    /// The NDI total (0–50) at or below which the client counts as recovered.
    pub ndi_at_most: f64,
    /// Every NPRS rating given must be at or below this.
    pub nprs_at_most: f64,
    /// Weeks the maintenance plan runs before review.
    pub weeks: u32,
    /// At most this many exercises.
    pub max_exercises: usize,
    /// What the plan is for, in plain words.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The dynamics model's parameters (illustrative; see `dynamics.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicsParameters {
    /// Imbalance gained per day per hour of hands-forward static work, at zero imbalance.
    pub exposure_gain: f64,
    /// Extra exposure weight per hour of other sitting.
    pub sitting_gain: f64,
    /// Strength of the recruitment feedback ("the strong get stronger").
    pub recruitment_gain: f64,
    /// Daily loaded-task hours everyone has (carrying, reaching), added to lifting and carrying.
    pub baseline_task_hours: f64,
    /// Fraction of exposure drive that regular breaks remove at the recommended interval.
    pub break_relief: f64,
    /// Fractional imbalance removed per massage session on the muscles it targets.
    pub massage_effect: f64,
    /// Fractional imbalance removed per full week of prescribed exercise.
    pub exercise_effect: f64,
    /// Daily recovery rate toward balance from ordinary varied activity.
    pub recovery_rate: f64,
    /// Days for a treatment's effect to build up (time constant of adaptation).
    pub adaptation_days: f64,
    /// Days for a treatment's effect to fade once it stops (time constant of detraining).
    pub detraining_days: f64,
    /// Imbalance below which a muscle counts as balanced.
    pub balanced_below: f64,
    /// How strongly each muscle's typical state makes it respond, by muscle id (default 1).
    #[serde(default)]
    pub susceptibility: std::collections::BTreeMap<String, f64>,
    /// Why these numbers.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The webcam metrics Tonus computes (`webcam.rs`); `webcam.toml` describes each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebcamMetricId {
    /// The eyes lower in the frame than at calibration.
    HeadDrop,
    /// The face wider, against the shoulders, than at calibration: the head nearer the screen.
    ScreenCloseness,
    /// The ears nearer the shoulders than at calibration: the shoulders drawn up.
    ShoulderElevation,
    /// Coronal head tilt against calibration.
    HeadTilt,
    /// Shoulder height asymmetry against calibration.
    ShoulderAsymmetry,
}

impl WebcamMetricId {
    /// Every webcam metric, in the order `webcam.rs` reports them.
    pub const ALL: [WebcamMetricId; 5] = [
        WebcamMetricId::HeadDrop,
        WebcamMetricId::ScreenCloseness,
        WebcamMetricId::ShoulderElevation,
        WebcamMetricId::HeadTilt,
        WebcamMetricId::ShoulderAsymmetry,
    ];

    /// The id as written in `webcam.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            WebcamMetricId::HeadDrop => "head_drop",
            WebcamMetricId::ScreenCloseness => "screen_closeness",
            WebcamMetricId::ShoulderElevation => "shoulder_elevation",
            WebcamMetricId::HeadTilt => "head_tilt",
            WebcamMetricId::ShoulderAsymmetry => "shoulder_asymmetry",
        }
    }
}

/// A webcam metric's description, unit and real-change threshold (`webcam.toml`). Every one
/// is a proxy, read against the person's own baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebcamMetric {
    /// Which metric.
    pub id: WebcamMetricId,
    /// Display name.
    pub name: String,
    /// Unit as shown.
    pub unit: String,
    /// What it stands in for.
    pub proxy_for: String,
    /// How it is computed, in words.
    pub definition: String,
    /// What a positive drift means, in words.
    pub positive_means: String,
    /// What a negative drift means, in words.
    pub negative_means: String,
    /// The smallest drift that is more than frame-to-frame noise, in the unit.
    pub real_change: f64,
    /// Where the real-change threshold comes from.
    pub real_change_note: String,
    /// Certainty of the metric as a proxy.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The quality gates for webcam frames (`webcam.toml`, `[gates]`): engineering conventions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebcamGates {
    /// Landmarks below this visibility are not measured from.
    pub min_visibility: f64,
    /// Largest sideways offset of the nose from the eyes' midpoint, as a fraction of the
    /// distance between the outer eye corners, before the head counts as turned away.
    pub max_yaw: f64,
    /// Least shoulder width, as a fraction of the frame's width.
    pub min_shoulder_width: f64,
    /// Least mean luma (0–255) of the frame.
    pub min_brightness: f64,
    /// Why these numbers.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// How the desk page turns webcam readings into nudges and breaks (`webcam.toml`, `[desk]`).
/// The break interval itself is the plan's (`plan.toml`, `[breaks]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskSettings {
    /// Frames analysed per second while the camera is on.
    pub frames_per_second: f64,
    /// Frames analysed per second while calibrating (faster, for enough frames in its few
    /// seconds).
    pub calibration_frames_per_second: f64,
    /// Length of the calibration ("sit as you normally sit well"), seconds.
    pub calibration_seconds: f64,
    /// A drift must stay beyond its real-change threshold this long before a nudge.
    pub sustained_seconds: f64,
    /// Hysteresis: a drift counts as over once it falls below this fraction of its threshold.
    pub release_fraction: f64,
    /// At most one posture nudge per this many minutes.
    pub nudge_every_min: f64,
    /// Out of the frame this long counts as a break (and ends the sitting bout).
    pub away_break_min: f64,
    /// How long "later" postpones a break prompt, minutes.
    pub postpone_min: f64,
    /// How many times a break prompt may be postponed before it stays.
    pub max_postpones: u32,
    /// The camera is released when the page has been hidden this long, minutes.
    pub hidden_release_min: f64,
    /// The metrics that nudge; the others are shown, not nudged on.
    pub nudge_metrics: Vec<WebcamMetricId>,
    /// The shoulders' width in the frame differing from the baseline's by more than this
    /// fraction means the camera or the seat moved: recalibration is offered.
    pub moved_fraction: f64,
    /// ...once the difference has lasted this long, seconds.
    pub moved_seconds: f64,
    /// Why these numbers.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

fn yes() -> bool {
    true
}

/// In a palpation rule, stands for the palpated muscle: `palpation.{muscle}.tone` in a
/// condition and `muscle = "{muscle}"` in an effect. The rule then applies to every muscle.
pub const MUSCLE_PLACEHOLDER: &str = "{muscle}";

impl Rule {
    /// Whether the rule is a template over muscles (a condition names `{muscle}`).
    pub fn is_template(&self) -> bool {
        self.when.iter().any(|c| c.fact.contains(MUSCLE_PLACEHOLDER))
    }
}
