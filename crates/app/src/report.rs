//! The assessment report: a stable, documented, serialisable view of what the engine derived
//! (`docs/report-json.md`, format 2), built from the core's [`tonus_core::Assessment`] with the
//! knowledge base's names, units, norms and citations filled in.
//!
//! Every closed choice is an enum, so renderers and the web app match on variants, never on text.
//! Core types that serialise exactly as the report needs (red-flag items and clearances, intake
//! contradictions, asymmetries, the plan's kind) are used as they are; this module mirrors a core
//! type only where the report rounds, names or reshapes it.
//! While an uncleared red flag stands the report has no `story` and no `plan`: the type itself
//! says there is no muscle story to tell. Rendering lives in `render.rs` and the templates.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tonus_core::assess::{Assessment, Story};
use tonus_core::facts::{EvidenceKind, FactValue, Probe};
use tonus_core::inference::{self, ComponentStatus, Evidence, PatternGap, Status, Target, Unknown};
pub use tonus_core::intake::Clearance;
use tonus_core::intake::Intake;
use tonus_core::knowledge::{
    Action, Certainty, KnowledgeBase, Measure, MeasureKind, MeasureView, Mechanism, MuscleState, Purpose, TypicalState,
};
use tonus_core::landmarks::Pose;
pub use tonus_core::metrics::Asymmetry;
use tonus_core::metrics::{MetricValue, NotMeasurable, PhotoWarning, PoseMetrics};
use tonus_core::outcomes::{NdiResult, Scores};
use tonus_core::pain::{Explanation, Frequency, HeadacheReading, Reported, Support, SupportBasis};
pub use tonus_core::plan::PlanKind;
use tonus_core::plan::{Plan, Reason};
pub use tonus_core::plausibility::Implausible;
pub use tonus_core::redflags::{ClearanceProblem, ClearedFlag, IgnoredClearance, PositiveFlag};
use tonus_core::redflags::{Gate, GateStatus};
pub use tonus_core::vocab::{LandmarkSource, Laterality, Onset, PainSide, Posture, PsfsVersion, Sex, Side, Tone, View};

/// The report's format version. Bumped on any incompatible change to the JSON.
pub const FORMAT_VERSION: u32 = 3;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// JSON format version.
    pub format_version: u32,
    /// Engine version that made it.
    pub engine_version: String,
    /// Who.
    pub client: ClientView,
    /// `YYYY-MM-DD`.
    pub assessed_on: String,
    /// The red-flag screen.
    pub red_flags: RedFlagView,
    /// Intake answers that contradict each other.
    pub warnings: Vec<IntakeWarning>,
    /// Per photo (landmark set).
    pub photos: Vec<PhotoView>,
    /// Clinical tests recorded in the intake, against their norms, per side where sided.
    pub tests: Vec<TestView>,
    /// Palpation as recorded.
    pub palpation: Vec<PalpationView>,
    /// Muscle states, components, pattern and pain explanation; absent while an uncleared red
    /// flag stands.
    pub story: Option<StoryView>,
    /// Outcome measures.
    pub outcomes: OutcomesView,
    /// The plan; absent when the red-flag screen blocks it.
    pub plan: Option<PlanView>,
    /// Every reference cited in this report.
    pub references: Vec<ReferenceView>,
}

impl Report {
    /// A muscle's view, when the story is told.
    pub fn muscle(&self, id: &str) -> Option<&MuscleView> {
        self.story.as_ref()?.muscles.iter().find(|m| m.id == id)
    }
}

/// The client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientView {
    /// Name or code.
    pub name: String,
    /// Sex.
    pub sex: Sex,
    /// Years.
    pub age: Option<u32>,
}

/// The red-flag screen's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedFlagView {
    /// Clear, cleared, positive or incomplete.
    pub status: GateStatus,
    /// Whether the plan is blocked.
    pub plan_blocked: bool,
    /// The most urgent action of the uncleared items.
    pub most_urgent: Option<Action>,
    /// Uncleared positive items, most urgent first.
    pub positive: Vec<PositiveFlag>,
    /// Positive items with a documented clearance.
    pub cleared: Vec<ClearedFlag>,
    /// Unanswered item ids.
    pub missing: Vec<String>,
    /// Clearances not applied.
    pub ignored_clearances: Vec<IgnoredClearance>,
}

/// Intake answers that contradict each other, naming the fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeWarning {
    /// The fields to check.
    pub fields: Vec<String>,
    /// What contradicts what.
    pub problem: Implausible,
}

/// How a value reads against its measure's norm and cut-offs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// Below the lower cut-off.
    BelowCutoff,
    /// Above the upper cut-off.
    AboveCutoff,
    /// Below the normal range (no cut-off crossed).
    BelowNorm,
    /// Above the normal range (no cut-off crossed).
    AboveNorm,
    /// Within the normal range (and the cut-offs).
    Within,
    /// Past no cut-off, for a proxy without a normal range: not "normal", only not flagged.
    NotBeyondCutoff,
}

/// Reads a value against a measure (sex-specific lower cut-off where the measure has one).
pub fn finding(m: &Measure, value: f64, sex: Option<Sex>) -> Option<Finding> {
    let lower = inference::lower_cutoff(m, sex).map(|(c, _)| c);
    if lower.is_some_and(|c| value < c) {
        return Some(Finding::BelowCutoff);
    }
    if m.cutoff_above.is_some_and(|c| value > c) {
        return Some(Finding::AboveCutoff);
    }
    if m.norm_low.is_some_and(|lo| value < lo) {
        return Some(Finding::BelowNorm);
    }
    if m.norm_high.is_some_and(|hi| value > hi) {
        return Some(Finding::AboveNorm);
    }
    let bounded = lower.is_some() || m.cutoff_above.is_some() || m.norm_low.is_some() || m.norm_high.is_some();
    match (bounded, m.has_norm()) {
        (false, _) => None,
        (true, true) => Some(Finding::Within),
        (true, false) => Some(Finding::NotBeyondCutoff),
    }
}

/// Why a photo metric was not measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum NotMeasurableView {
    /// It needs the other view.
    WrongView {
        /// The view it needs.
        needs: MeasureView,
    },
    /// A landmark is not visible enough.
    LowVisibility {
        /// MediaPipe's landmark name.
        landmark: String,
        /// Its visibility.
        visibility: f64,
        /// The gate.
        minimum: f64,
    },
    /// A landmark lies outside the image.
    OutsideImage {
        /// MediaPipe's landmark name.
        landmark: String,
    },
    /// A side photo whose person clearly faces the other way from its label.
    FacesOtherWay {
        /// As labelled.
        given: View,
        /// As the face shows.
        detected: View,
    },
    /// A side photo without a label whose face does not show which way the person faces.
    FacingUnclear,
    /// The torso is too small in the photo.
    TorsoTooSmall,
    /// A side view with the body rotated toward the camera.
    Rotated {
        /// Shoulder spread, fraction of torso length.
        spread: f64,
        /// The most a side view allows.
        limit: f64,
    },
    /// A front view with the body turned sideways.
    TurnedSideways {
        /// Shoulder spread, fraction of torso length.
        spread: f64,
        /// The least a front view needs.
        limit: f64,
    },
    /// The trunk leans too far: retake sitting upright.
    Leaning {
        /// Degrees, positive forward, negative back.
        degrees: f64,
        /// The gate passed.
        limit: f64,
    },
    /// The geometry leaves it undefined.
    Undefined,
    /// Tonus has no formula for it.
    NoFormula,
}

impl NotMeasurableView {
    /// Whether it was only the other view's metric.
    pub fn is_wrong_view(&self) -> bool {
        matches!(self, NotMeasurableView::WrongView { .. })
    }
}

impl From<NotMeasurable> for NotMeasurableView {
    fn from(n: NotMeasurable) -> Self {
        match n {
            NotMeasurable::WrongView { needs } => Self::WrongView { needs },
            NotMeasurable::LowVisibility { landmark, visibility, minimum } => {
                Self::LowVisibility { landmark: landmark.to_string(), visibility: round(visibility, 2), minimum }
            }
            NotMeasurable::OutsideImage { landmark } => Self::OutsideImage { landmark: landmark.to_string() },
            NotMeasurable::FacesOtherWay { given, detected } => Self::FacesOtherWay { given, detected },
            NotMeasurable::FacingUnclear => Self::FacingUnclear,
            NotMeasurable::TorsoTooSmall => Self::TorsoTooSmall,
            NotMeasurable::Rotated { spread, limit } => Self::Rotated { spread: round(spread, 2), limit },
            NotMeasurable::TurnedSideways { spread, limit } => Self::TurnedSideways { spread: round(spread, 2), limit },
            NotMeasurable::Leaning { degrees, limit } => Self::Leaning { degrees: round(degrees, 1), limit },
            NotMeasurable::Undefined => Self::Undefined,
            NotMeasurable::NoFormula => Self::NoFormula,
        }
    }
}

/// A metric's reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reading {
    /// Measured.
    Measured {
        /// The value in the measure's unit.
        value: f64,
        /// Against the norm and cut-offs (null when the measure has neither).
        finding: Option<Finding>,
        /// What the value's sign means, in words, for signed measures.
        sign_means: Option<String>,
        /// For front-view asymmetries: which side.
        asymmetry: Option<Asymmetry>,
    },
    /// Not measured from this photo.
    NotMeasurable {
        /// Why.
        cause: NotMeasurableView,
    },
}

/// One metric of one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricView {
    /// Measure id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Exact or proxy.
    pub kind: MeasureKind,
    /// What a proxy stands in for.
    pub proxy_for: Option<String>,
    /// Unit.
    pub unit: String,
    /// The reading.
    pub reading: Reading,
    /// The norm in words.
    pub norm: String,
    /// The minimal detectable change, when known.
    pub real_change: Option<f64>,
    /// Certainty of the measure and its cut-off.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A problem with a whole photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PhotoWarningView {
    /// Labelled one view, looks like the other.
    ViewMismatch {
        /// As labelled.
        given: View,
        /// As detected.
        looks_like: View,
    },
    /// A side photo facing the other way.
    FacesOtherWay {
        /// As labelled.
        given: View,
        /// As detected.
        detected: View,
    },
    /// Nothing on it can be measured.
    Unusable {
        /// Why.
        cause: NotMeasurableView,
    },
    /// The head and shoulder angles were not measured: the trunk leans too far.
    Leaning {
        /// Why.
        cause: NotMeasurableView,
    },
    /// Several people were found; the most prominent was measured.
    SeveralPeople {
        /// How many.
        found: usize,
    },
}

impl From<PhotoWarning> for PhotoWarningView {
    fn from(w: PhotoWarning) -> Self {
        match w {
            PhotoWarning::ViewMismatch { given, looks_like } => Self::ViewMismatch { given, looks_like },
            PhotoWarning::FacesOtherWay { given, detected } => Self::FacesOtherWay { given, detected },
            PhotoWarning::Unusable(cause) => Self::Unusable { cause: cause.into() },
            PhotoWarning::Leaning(cause) => Self::Leaning { cause: cause.into() },
        }
    }
}

/// One photo's landmark set and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoView {
    /// The landmark file (or photo) it came from.
    pub file: String,
    /// The view used.
    pub view: View,
    /// Whether the view was detected rather than given.
    pub view_detected: bool,
    /// Sitting or standing.
    pub posture: Posture,
    /// Automatic, manual or marker.
    pub landmark_source: LandmarkSource,
    /// Pose model, for automatic landmarks.
    pub model: Option<String>,
    /// Pose model version.
    pub model_version: Option<String>,
    /// Image size.
    pub width: u32,
    /// Image size.
    pub height: u32,
    /// Problems with the whole photo.
    pub warnings: Vec<PhotoWarningView>,
    /// Every photo metric.
    pub metrics: Vec<MetricView>,
}

/// One value of a clinical test, on one side or for the whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReading {
    /// The value.
    pub value: f64,
    /// The value in words for a categorical test ("subtle", "reduced").
    pub label: Option<String>,
    /// Against the norm and cut-offs.
    pub finding: Option<Finding>,
}

/// A test's result: one value, or one per side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sides", rename_all = "snake_case")]
pub enum TestResult {
    /// One value.
    Whole {
        /// The reading.
        reading: TestReading,
    },
    /// Per side.
    Sided {
        /// Left.
        left: Option<TestReading>,
        /// Right.
        right: Option<TestReading>,
    },
}

/// A clinical test result against its norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestView {
    /// Measure id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// The result.
    pub result: TestResult,
    /// The norm in words.
    pub norm: String,
    /// The minimal detectable change, when known.
    pub real_change: Option<f64>,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A palpation finding as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PalpationView {
    /// Muscle id.
    pub muscle: String,
    /// Muscle name.
    pub muscle_name: String,
    /// Side.
    pub side: Side,
    /// Tone.
    pub tone: Option<Tone>,
    /// Tenderness 0–3.
    pub tenderness: Option<u8>,
    /// A tender spot reproduced the familiar pain.
    pub familiar_pain: Option<bool>,
    /// Where.
    pub location: Option<String>,
}

/// What a piece of evidence points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsTo {
    /// A muscle state.
    Overactive,
    /// A muscle state.
    Inhibited,
    /// A muscle state.
    Balanced,
    /// A component present.
    Present,
    /// A component absent.
    Absent,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceView {
    /// Rule id.
    pub rule: String,
    /// What the rule says.
    pub description: String,
    /// What was observed.
    pub observed: Vec<String>,
    /// Exposure, symptom, clinical test, palpation or photo metric.
    pub kind: EvidenceKind,
    /// The side(s) it applies to.
    pub laterality: Laterality,
    /// The state or status it points to.
    pub points_to: PointsTo,
    /// Rule weight.
    pub weight: f64,
    /// Weight × certainty factor.
    pub effective_weight: f64,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// Why a muscle side has no state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    /// No rule fired.
    NoEvidence,
    /// The evidence points different ways.
    Conflicting,
    /// Too little to conclude.
    TooLittle,
}

/// A muscle's status on one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StatusView {
    /// Found on the body (tests, palpation, photos).
    Found {
        /// The state.
        state: MuscleState,
        /// 0–1.
        confidence: f64,
    },
    /// Suspected from exposure, symptoms or contested findings; never a finding.
    Suspected {
        /// The state.
        state: MuscleState,
        /// 0–1.
        confidence: f64,
        /// What the suspicion rests on.
        basis: Vec<EvidenceKind>,
    },
    /// No state.
    Unknown {
        /// Why.
        reason: UnknownReason,
    },
}

impl StatusView {
    /// The state, when found.
    pub fn found(&self) -> Option<MuscleState> {
        match self {
            StatusView::Found { state, .. } => Some(*state),
            _ => None,
        }
    }
}

impl From<&Status> for StatusView {
    fn from(s: &Status) -> Self {
        match s {
            Status::Found { state, confidence } => Self::Found { state: *state, confidence: round(*confidence, 2) },
            Status::Suspected { state, confidence, basis } => {
                Self::Suspected { state: *state, confidence: round(*confidence, 2), basis: basis.clone() }
            }
            Status::Unknown(u) => Self::Unknown {
                reason: match u {
                    Unknown::NoEvidence => UnknownReason::NoEvidence,
                    Unknown::Conflicting => UnknownReason::Conflicting,
                    Unknown::TooLittle => UnknownReason::TooLittle,
                },
            },
        }
    }
}

/// What to do to settle a muscle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeView {
    /// A clinical test.
    Test {
        /// Measure id.
        measure: String,
    },
    /// Palpating a muscle.
    Palpation {
        /// Muscle id.
        muscle: String,
    },
    /// A photo in a view.
    Photo {
        /// Side or front.
        view: MeasureView,
    },
}

impl From<&Probe> for ProbeView {
    fn from(p: &Probe) -> Self {
        match p {
            Probe::Test(m) => Self::Test { measure: m.clone() },
            Probe::Palpation(m) => Self::Palpation { muscle: m.clone() },
            Probe::Photo(v) => Self::Photo { view: *v },
        }
    }
}

/// How much an outcome could weigh toward a state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TowardView {
    /// The state.
    pub state: MuscleState,
    /// Weighted evidence it could add.
    pub weight: f64,
}

/// A test that would settle a muscle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextTestView {
    /// What to do.
    pub probe: ProbeView,
    /// It in words ("Deep neck flexor endurance", "palpate the upper trapezius", "a side photo").
    pub name: String,
    /// What each outcome could weigh, largest first.
    pub toward: Vec<TowardView>,
    /// Whether an outcome could settle it on its own.
    pub settles: bool,
}

/// A muscle's inferred status, per side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuscleView {
    /// Muscle id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Name in plain words, for the client.
    pub plain_name: String,
    /// The pattern's typical state for it.
    pub typical_state: TypicalState,
    /// Left side.
    pub left: StatusView,
    /// Right side.
    pub right: StatusView,
    /// The evidence trail.
    pub evidence: Vec<EvidenceView>,
    /// Tests that would settle a side not found, most useful first.
    pub next_tests: Vec<NextTestView>,
}

impl MuscleView {
    /// The status on one side.
    pub fn side(&self, side: Side) -> &StatusView {
        match side {
            Side::Left => &self.left,
            Side::Right => &self.right,
        }
    }
}

/// A posture component's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ComponentStatusView {
    /// Present on a photo or test.
    Present {
        /// 0–1.
        confidence: f64,
        /// What showed it.
        basis: EvidenceKind,
    },
    /// Measured and absent.
    Absent {
        /// 0–1.
        confidence: f64,
        /// What showed it.
        basis: EvidenceKind,
    },
    /// Suggested by exposure, not measured.
    Suspected {
        /// 0–1.
        confidence: f64,
    },
    /// Not measured, or conflicting.
    Unknown,
}

/// A posture component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentView {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Status.
    pub status: ComponentStatusView,
    /// Whether a photo status rests on contested proxies alone: shown; "present" is then never
    /// counted for the pattern.
    #[serde(default)]
    pub contested_only: bool,
    /// Evidence.
    pub evidence: Vec<EvidenceView>,
}

/// Why the pattern label does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PatternGapView {
    /// No tight muscle found.
    NoOveractiveFinding,
    /// No weak muscle found.
    NoInhibitedFinding,
    /// Too few supporting findings.
    TooFewFindings {
        /// Found.
        found: usize,
        /// Needed.
        needed: usize,
    },
    /// Too many findings against.
    TooMuchAgainst {
        /// Share that fits.
        share: f64,
        /// Needed.
        needed: f64,
    },
}

/// The pattern label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternView {
    /// Pattern id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether the label applies.
    pub applies: bool,
    /// 0–1.
    pub confidence: f64,
    /// Ids found as the pattern expects.
    pub supporting: Vec<String>,
    /// Ids found otherwise.
    pub against: Vec<String>,
    /// Ids without a finding.
    pub unassessed: Vec<String>,
    /// What keeps it from applying.
    pub gaps: Vec<PatternGapView>,
    /// Certainty of the pattern itself.
    pub certainty: Certainty,
}

/// How a muscular cause is supported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "support", rename_all = "snake_case")]
pub enum SupportView {
    /// Findings support it.
    Supported {
        /// By the muscle's found state, or by palpation reproducing the familiar pain.
        basis: SupportBasisView,
    },
    /// Not established; suspected from these kinds of evidence (empty: not assessed).
    Possible {
        /// The suspicion's basis.
        basis: Vec<EvidenceKind>,
    },
    /// The muscle was found in another state.
    NotSupported,
}

/// Why a cause is supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportBasisView {
    /// The muscle was found in the state the mechanism needs.
    FoundState,
    /// Palpation reproduced the familiar pain.
    FamiliarPain,
}

/// A muscle held responsible for a symptom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseView {
    /// Muscle id.
    pub muscle: String,
    /// Muscle name.
    pub muscle_name: String,
    /// In plain words.
    pub plain_name: String,
    /// Mechanism.
    pub mechanism: Mechanism,
    /// Explanation for the therapist.
    pub explanation: String,
    /// Support.
    pub support: SupportView,
    /// The side(s) it applies to.
    pub laterality: Laterality,
    /// The deciding finding's confidence (0 when not found).
    pub confidence: f64,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A non-muscular cause (the differential, for the clinician only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherCauseView {
    /// The cause.
    pub cause: String,
    /// What it means.
    pub note: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// What was reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportedView {
    /// Pain 0–10 on a side.
    Pain {
        /// 0–10.
        intensity: f64,
        /// Side.
        side: PainSide,
    },
    /// A headache.
    Headache {
        /// Days a month.
        days_per_month: f64,
    },
}

/// The ICHD-3 reading of the headache features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "frequency", rename_all = "snake_case")]
pub enum HeadacheView {
    /// Fits tension-type headache.
    TensionType(FrequencyView),
    /// One-sided, provoked by the neck.
    Cervicogenic,
    /// Neither.
    Other,
}

/// Tension-type headache frequency (ICHD-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrequencyView {
    /// Under 1 day a month.
    Infrequent,
    /// 1–14 days a month.
    Frequent,
    /// 15 or more: chronic if it persists for more than 3 months.
    ChronicIfPersistent,
}

/// The explanation of one symptom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainView {
    /// Region id.
    pub region: String,
    /// Region name.
    pub region_name: String,
    /// What was reported.
    pub reported: ReportedView,
    /// The headache reading.
    pub headache: Option<HeadacheView>,
    /// Muscular causes, best supported first.
    pub causes: Vec<CauseView>,
    /// Other causes to keep in mind (clinician only).
    pub other_causes: Vec<OtherCauseView>,
}

/// The muscle story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryView {
    /// Muscles.
    pub muscles: Vec<MuscleView>,
    /// Posture components.
    pub components: Vec<ComponentView>,
    /// The pattern label.
    pub pattern: PatternView,
    /// Pain explanation.
    pub pain: Vec<PainView>,
}

/// The NDI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NdiView {
    /// Scored.
    Scored {
        /// 0–50.
        score: f64,
        /// Percent.
        percent: f64,
        /// Items answered.
        answered: usize,
        /// Prorated for missing items.
        prorated: bool,
        /// Severity band.
        band: String,
        /// Minimal detectable change, points.
        real_change: f64,
        /// Likely meaningful change, points.
        meaningful_change: f64,
    },
    /// Too many items missing.
    NotScorable {
        /// Items answered.
        answered: usize,
        /// The most that may be missing.
        max_missing: usize,
    },
}

impl NdiView {
    /// The score, when scored.
    pub fn score(&self) -> Option<f64> {
        match self {
            NdiView::Scored { score, .. } => Some(*score),
            NdiView::NotScorable { .. } => None,
        }
    }
}

/// NPRS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NprsView {
    /// Now, 0–10.
    pub now: Option<u8>,
    /// Worst in 24 hours.
    pub worst_24h: Option<u8>,
    /// Average over the week.
    pub average_week: Option<u8>,
    /// Real-change threshold, points.
    pub real_change: f64,
    /// MCID, points.
    pub meaningful_change: f64,
}

/// PSFS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsfsView {
    /// Mean on the original scale (10 = as before).
    pub mean: f64,
    /// Mean as written on the form.
    pub mean_as_written: f64,
    /// Version.
    pub version: PsfsVersion,
    /// Items.
    pub items: usize,
    /// Fewer than the recommended 3 activities.
    pub fewer_than_recommended: bool,
    /// Real-change threshold of the mean.
    pub real_change: f64,
}

/// Outcome measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomesView {
    /// NDI.
    pub ndi: Option<NdiView>,
    /// NPRS.
    pub nprs: Option<NprsView>,
    /// PSFS.
    pub psfs: Option<PsfsView>,
}

/// A massage target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassageTargetView {
    /// Muscle id.
    pub muscle: String,
    /// Muscle name.
    pub muscle_name: String,
    /// The side(s).
    pub laterality: Laterality,
    /// The state it was found in.
    pub state: MuscleState,
    /// Technique names.
    pub techniques: Vec<String>,
    /// Cautions.
    pub cautions: Vec<String>,
}

/// The massage part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassageView {
    /// Targets in order.
    pub targets: Vec<MassageTargetView>,
    /// Minutes per session.
    pub session_min: f64,
    /// Sessions per week.
    pub sessions_per_week: f64,
    /// Weeks.
    pub weeks: u32,
    /// Why this dose.
    pub rationale: String,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A muscle an exercise is for, with its side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForMuscle {
    /// Muscle id.
    pub muscle: String,
    /// Name.
    pub name: String,
    /// Side(s).
    pub laterality: Laterality,
}

/// Why an exercise is in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReasonView {
    /// For these muscles, found in this assessment.
    Finding {
        /// The muscles.
        muscles: Vec<ForMuscle>,
    },
    /// Part of every plan in this phase.
    Always,
    /// A reason in words: written by the therapist in an edited plan, or kept from a plan of
    /// report format 1.
    Noted {
        /// The reason.
        text: String,
    },
}

/// An exercise in the plan, with everything a client needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseView {
    /// Exercise id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Purpose.
    pub purpose: Purpose,
    /// The side(s) to do it on.
    pub laterality: Laterality,
    /// Dose.
    pub dosage: String,
    /// Progression.
    pub progression: String,
    /// Cautions.
    pub cautions: Vec<String>,
    /// Steps.
    pub instructions: Vec<String>,
    /// Why it is in the plan.
    pub reason: ReasonView,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseView {
    /// Phase id.
    pub id: String,
    /// Name.
    pub name: String,
    /// First week.
    pub first_week: u32,
    /// Last week.
    pub last_week: u32,
    /// First day.
    pub starts: String,
    /// Last day.
    pub ends: String,
    /// Exercises.
    pub exercises: Vec<ExerciseView>,
    /// When to move on.
    pub progression: String,
}

/// An exposure change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    /// Id.
    pub id: String,
    /// Advice.
    pub advice: String,
    /// A break rule.
    pub breaks: bool,
    /// Certainty.
    pub certainty: Certainty,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A test to do at the next visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestToDoView {
    /// What to do.
    pub probe: ProbeView,
    /// It in words.
    pub name: String,
    /// Muscle ids it would settle.
    pub muscles: Vec<String>,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    /// What kind.
    pub kind: PlanKind,
    /// Massage.
    pub massage: Option<MassageView>,
    /// Exercise phases.
    pub phases: Vec<PhaseView>,
    /// Exposure changes.
    pub exposure_changes: Vec<ChangeView>,
    /// Tests to do at the next visit.
    pub tests_to_do: Vec<TestToDoView>,
    /// For a maintenance plan: why.
    pub maintenance_note: Option<String>,
    /// Re-score outcome measures on.
    pub review_outcomes_on: String,
    /// Retake photos on.
    pub review_photos_on: String,
    /// The therapist's note to the client, in an edited plan (absent in the engine's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A cited reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceView {
    /// Id.
    pub id: String,
    /// Citation.
    pub citation: String,
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Builds the report. `photo_names` names each landmark set, in the order given to the engine.
pub fn build(intake: &Intake, poses: &[Pose], photo_names: &[String], a: &Assessment, kb: &KnowledgeBase) -> Report {
    let mut report = Report {
        format_version: FORMAT_VERSION,
        engine_version: tonus_core::ENGINE_VERSION.to_string(),
        client: ClientView { name: intake.person.label.clone(), sex: intake.person.sex, age: intake.person.age },
        assessed_on: intake.assessed_on.to_string(),
        red_flags: red_flags(&a.gate),
        warnings: a.implausible.iter().map(warning).collect(),
        photos: poses.iter().zip(&a.poses).enumerate().map(|(i, (pose, pm))| photo(pose, pm, photo_names.get(i), i, intake, kb)).collect(),
        tests: tests(a, kb),
        palpation: intake.palpation.iter().map(|p| palpation(p, kb)).collect(),
        story: a.story.as_ref().map(|s| story(s, kb)),
        outcomes: outcomes(&a.scores, kb),
        plan: a.plan.as_ref().map(|p| plan(p, kb)),
        references: vec![],
    };
    report.references = cited(&report, kb);
    report
}

fn red_flags(gate: &Gate) -> RedFlagView {
    RedFlagView {
        status: gate.status,
        plan_blocked: !gate.allows_plan(),
        most_urgent: gate.most_urgent(),
        positive: gate.positive.clone(),
        cleared: gate.cleared.clone(),
        missing: gate.missing.clone(),
        ignored_clearances: gate.ignored_clearances.clone(),
    }
}

fn warning(w: &Implausible) -> IntakeWarning {
    IntakeWarning { fields: w.fields().iter().map(|f| (*f).to_string()).collect(), problem: *w }
}

fn metric(m: &tonus_core::metrics::Metric, intake: &Intake, kb: &KnowledgeBase) -> Option<MetricView> {
    let def = kb.measure(&m.measure)?;
    let reading = match &m.value {
        MetricValue::Measured { value, asymmetry } => {
            let sign_means = if *value > 0.0 {
                def.positive_means.clone()
            } else if *value < 0.0 {
                def.negative_means.clone()
            } else {
                None
            };
            Reading::Measured {
                value: round(*value, 2),
                finding: finding(def, *value, Some(intake.person.sex)),
                sign_means,
                asymmetry: *asymmetry,
            }
        }
        MetricValue::NotMeasurable(cause) => Reading::NotMeasurable { cause: (*cause).into() },
    };
    Some(MetricView {
        id: def.id.clone(),
        name: def.name.clone(),
        kind: def.kind,
        proxy_for: def.proxy_for.clone(),
        unit: def.unit.clone(),
        reading,
        norm: def.norm.clone(),
        real_change: def.real_change,
        certainty: def.certainty,
        sources: def.sources.clone(),
    })
}

fn photo(pose: &Pose, pm: &PoseMetrics, name: Option<&String>, i: usize, intake: &Intake, kb: &KnowledgeBase) -> PhotoView {
    let cap = pose.capture();
    PhotoView {
        file: name.cloned().unwrap_or_else(|| format!("landmarks #{}", i + 1)),
        view: pm.view,
        view_detected: pm.view_detected,
        posture: cap.posture,
        landmark_source: cap.source,
        model: cap.model.clone(),
        model_version: cap.model_version.clone(),
        width: pose.width(),
        height: pose.height(),
        warnings: pm.warnings.iter().map(|w| (*w).into()).collect(),
        metrics: pm.metrics.iter().filter_map(|m| metric(m, intake, kb)).collect(),
    }
}

/// A categorical test value in words.
fn test_label(measure: &str, v: f64) -> Option<String> {
    let word = match measure {
        "scapular_dyskinesis" => ["normal", "subtle", "obvious"].get(v as usize).copied(),
        "upper_trapezius_length" | "levator_length" => Some(if v >= 0.5 { "reduced" } else { "normal" }),
        _ => None,
    };
    word.map(str::to_string)
}

fn tests(a: &Assessment, kb: &KnowledgeBase) -> Vec<TestView> {
    a.facts
        .iter()
        .filter(|(name, _)| name.starts_with("test."))
        .filter_map(|(name, fact)| {
            let def = kb.measure(tonus_core::facts::measure_of(name)?)?;
            let reading = |v: f64| TestReading { value: round(v, 2), label: test_label(&def.id, v), finding: finding(def, v, a.facts.sex) };
            let result = match fact.value {
                FactValue::Whole(v) => TestResult::Whole { reading: reading(v) },
                FactValue::Sided(s) => TestResult::Sided { left: s.left.map(reading), right: s.right.map(reading) },
            };
            Some(TestView {
                id: def.id.clone(),
                name: def.name.clone(),
                unit: def.unit.clone(),
                result,
                norm: def.norm.clone(),
                real_change: def.real_change,
                certainty: def.certainty,
                sources: def.sources.clone(),
            })
        })
        .collect()
}

fn muscle_name(kb: &KnowledgeBase, id: &str) -> String {
    kb.muscle(id).map_or_else(|| id.to_string(), |m| m.name.clone())
}

fn palpation(p: &tonus_core::intake::Palpation, kb: &KnowledgeBase) -> PalpationView {
    PalpationView {
        muscle: p.muscle.clone(),
        muscle_name: muscle_name(kb, &p.muscle),
        side: p.side,
        tone: p.tone,
        tenderness: p.tenderness,
        familiar_pain: p.familiar_pain,
        location: p.location.clone(),
    }
}

fn evidence(e: &Evidence) -> EvidenceView {
    let points_to = match &e.target {
        Target::Muscle { state: MuscleState::Overactive, .. } => PointsTo::Overactive,
        Target::Muscle { state: MuscleState::Inhibited, .. } => PointsTo::Inhibited,
        Target::Muscle { state: MuscleState::Balanced, .. } => PointsTo::Balanced,
        Target::Component { present: true, .. } => PointsTo::Present,
        Target::Component { present: false, .. } => PointsTo::Absent,
    };
    EvidenceView {
        rule: e.rule.clone(),
        description: e.description.clone(),
        observed: e.observed.clone(),
        kind: e.kind,
        laterality: e.laterality,
        points_to,
        weight: e.weight,
        effective_weight: round(e.effective_weight, 3),
        certainty: e.certainty,
        sources: e.sources.clone(),
    }
}

/// A probe in words.
pub fn probe_name(p: &Probe, kb: &KnowledgeBase) -> String {
    match p {
        Probe::Test(m) => kb.measure(m).map_or_else(|| m.clone(), |m| m.name.clone()),
        Probe::Palpation(m) => format!("Palpation of the {}", muscle_name(kb, m).to_lowercase()),
        Probe::Photo(MeasureView::Side) => "A side photo".into(),
        Probe::Photo(MeasureView::Front) => "A front photo".into(),
    }
}

fn story(s: &Story, kb: &KnowledgeBase) -> StoryView {
    let inf = &s.inference;
    let muscles = inf
        .muscles
        .iter()
        .map(|m| {
            let def = kb.muscle(&m.muscle);
            MuscleView {
                id: m.muscle.clone(),
                name: muscle_name(kb, &m.muscle),
                plain_name: def.map(|d| d.plain_name.clone()).unwrap_or_default(),
                typical_state: def.map_or(TypicalState::Overactive, |d| d.typical_state),
                left: (&m.left).into(),
                right: (&m.right).into(),
                evidence: m.evidence.iter().map(evidence).collect(),
                next_tests: m
                    .next_tests
                    .iter()
                    .map(|t| NextTestView {
                        probe: (&t.probe).into(),
                        name: probe_name(&t.probe, kb),
                        toward: t.toward.iter().map(|(state, w)| TowardView { state: *state, weight: round(*w, 3) }).collect(),
                        settles: t.settles,
                    })
                    .collect(),
            }
        })
        .collect();
    let components = inf
        .components
        .iter()
        .map(|c| ComponentView {
            id: c.component.clone(),
            name: kb.component(&c.component).map_or_else(|| c.component.clone(), |d| d.name.clone()),
            status: match c.status {
                ComponentStatus::Present { confidence, basis } => ComponentStatusView::Present { confidence: round(confidence, 2), basis },
                ComponentStatus::Absent { confidence, basis } => ComponentStatusView::Absent { confidence: round(confidence, 2), basis },
                ComponentStatus::Suspected { confidence } => ComponentStatusView::Suspected { confidence: round(confidence, 2) },
                ComponentStatus::Unknown => ComponentStatusView::Unknown,
            },
            contested_only: c.contested_only,
            evidence: c.evidence.iter().map(evidence).collect(),
        })
        .collect();
    let p = &inf.pattern;
    let pattern = PatternView {
        id: p.pattern.clone(),
        name: kb.pattern().name.clone(),
        applies: p.applies,
        confidence: round(p.confidence, 2),
        supporting: p.supporting.clone(),
        against: p.against.clone(),
        unassessed: p.unassessed.clone(),
        gaps: p
            .gaps
            .iter()
            .map(|g| match *g {
                PatternGap::NoOveractiveFinding => PatternGapView::NoOveractiveFinding,
                PatternGap::NoInhibitedFinding => PatternGapView::NoInhibitedFinding,
                PatternGap::TooFewFindings { found, needed } => PatternGapView::TooFewFindings { found, needed },
                PatternGap::TooMuchAgainst { share, needed } => PatternGapView::TooMuchAgainst { share: round(share, 2), needed },
            })
            .collect(),
        certainty: kb.pattern().certainty,
    };
    StoryView { muscles, components, pattern, pain: s.explanations.iter().map(|e| pain(e, kb)).collect() }
}

fn pain(e: &Explanation, kb: &KnowledgeBase) -> PainView {
    PainView {
        region: e.region.clone(),
        region_name: kb.region(&e.region).map_or_else(|| e.region.clone(), |r| r.name.clone()),
        reported: match e.reported {
            Reported::Pain { intensity, side } => ReportedView::Pain { intensity, side },
            Reported::Headache { days_per_month } => ReportedView::Headache { days_per_month },
        },
        headache: e.headache.map(|h| match h {
            HeadacheReading::TensionType(f) => HeadacheView::TensionType(match f {
                Frequency::Infrequent => FrequencyView::Infrequent,
                Frequency::Frequent => FrequencyView::Frequent,
                Frequency::ChronicIfPersistent => FrequencyView::ChronicIfPersistent,
            }),
            HeadacheReading::Cervicogenic => HeadacheView::Cervicogenic,
            HeadacheReading::Other => HeadacheView::Other,
        }),
        causes: e
            .causes
            .iter()
            .map(|c| CauseView {
                muscle: c.muscle.clone(),
                muscle_name: muscle_name(kb, &c.muscle),
                plain_name: kb.muscle(&c.muscle).map(|m| m.plain_name.clone()).unwrap_or_default(),
                mechanism: c.mechanism,
                explanation: c.explanation.clone(),
                support: match &c.support {
                    Support::Supported(SupportBasis::FoundState) => SupportView::Supported { basis: SupportBasisView::FoundState },
                    Support::Supported(SupportBasis::FamiliarPain) => SupportView::Supported { basis: SupportBasisView::FamiliarPain },
                    Support::Possible(basis) => SupportView::Possible { basis: basis.clone() },
                    Support::NotSupported => SupportView::NotSupported,
                },
                laterality: c.laterality,
                confidence: round(c.confidence, 2),
                certainty: c.certainty,
                sources: c.sources.clone(),
            })
            .collect(),
        other_causes: e
            .other_causes
            .iter()
            .map(|o| OtherCauseView { cause: o.cause.clone(), note: o.note.clone(), certainty: o.certainty, sources: o.sources.clone() })
            .collect(),
    }
}

fn outcomes(scores: &Scores, kb: &KnowledgeBase) -> OutcomesView {
    let defs = kb.outcomes();
    OutcomesView {
        ndi: scores.ndi.as_ref().map(|n| match n {
            NdiResult::Scored(n) => NdiView::Scored {
                score: round(n.score, 1),
                percent: round(n.percent, 1),
                answered: n.answered,
                prorated: n.prorated,
                band: n.band.clone(),
                real_change: defs.ndi.real_change,
                meaningful_change: defs.ndi.meaningful_change,
            },
            NdiResult::NotScorable { answered, max_missing } => NdiView::NotScorable { answered: *answered, max_missing: *max_missing },
        }),
        nprs: scores.nprs.map(|n| NprsView {
            now: n.now,
            worst_24h: n.worst_24h,
            average_week: n.average_week,
            real_change: defs.nprs.real_change,
            meaningful_change: defs.nprs.meaningful_change,
        }),
        psfs: scores.psfs.as_ref().map(|p| PsfsView {
            mean: round(p.mean, 2),
            mean_as_written: round(p.mean_raw, 2),
            version: p.version,
            items: p.items,
            fewer_than_recommended: p.fewer_than_recommended,
            real_change: defs.psfs.real_change,
        }),
    }
}

fn plan(plan: &Plan, kb: &KnowledgeBase) -> PlanView {
    PlanView {
        kind: plan.kind,
        massage: plan.massage.as_ref().map(|m| MassageView {
            targets: m
                .targets
                .iter()
                .map(|t| MassageTargetView {
                    muscle: t.muscle.clone(),
                    muscle_name: muscle_name(kb, &t.muscle),
                    laterality: t.laterality,
                    state: t.state,
                    techniques: t.techniques.iter().map(|id| kb.technique(id).map_or_else(|| id.clone(), |x| x.name.clone())).collect(),
                    cautions: kb.muscle(&t.muscle).map(|m| m.cautions.clone()).unwrap_or_default(),
                })
                .collect(),
            session_min: m.session_min,
            sessions_per_week: m.sessions_per_week,
            weeks: m.weeks,
            rationale: m.rationale.clone(),
            certainty: m.certainty,
            sources: m.sources.clone(),
        }),
        phases: plan
            .phases
            .iter()
            .map(|ph| PhaseView {
                id: ph.id.clone(),
                name: ph.name.clone(),
                first_week: ph.first_week,
                last_week: ph.last_week,
                starts: ph.starts.to_string(),
                ends: ph.ends.to_string(),
                exercises: ph.exercises.iter().filter_map(|pe| exercise(pe, kb)).collect(),
                progression: ph.progression.clone(),
            })
            .collect(),
        exposure_changes: plan
            .exposure_changes
            .iter()
            .map(|c| ChangeView {
                id: c.id.clone(),
                advice: c.advice.clone(),
                breaks: c.breaks,
                certainty: c.certainty,
                sources: c.sources.clone(),
            })
            .collect(),
        tests_to_do: plan
            .tests_to_do
            .iter()
            .map(|t| TestToDoView { probe: (&t.probe).into(), name: probe_name(&t.probe, kb), muscles: t.muscles.clone() })
            .collect(),
        maintenance_note: plan.maintenance_note.clone(),
        review_outcomes_on: plan.review_outcomes_on.to_string(),
        review_photos_on: plan.review_photos_on.to_string(),
        note: None,
    }
}

fn exercise(pe: &tonus_core::plan::PlannedExercise, kb: &KnowledgeBase) -> Option<ExerciseView> {
    let e = kb.exercise(&pe.exercise)?;
    let reason = match &pe.reason {
        Reason::Finding(muscles) => ReasonView::Finding {
            muscles: muscles.iter().map(|(m, l)| ForMuscle { muscle: m.clone(), name: muscle_name(kb, m), laterality: *l }).collect(),
        },
        Reason::Always => ReasonView::Always,
    };
    Some(ExerciseView {
        id: e.id.clone(),
        name: e.name.clone(),
        purpose: e.purpose,
        laterality: pe.laterality,
        dosage: e.dosage.clone(),
        progression: e.progression.clone(),
        cautions: e.cautions.clone(),
        instructions: e.instructions.clone(),
        reason,
        certainty: e.certainty,
        sources: e.sources.clone(),
    })
}

/// Every reference id the report cites, in first-cited order, with its citation.
fn cited(r: &Report, kb: &KnowledgeBase) -> Vec<ReferenceView> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |list: &[String]| ids.extend(list.iter().cloned());
    for f in r.red_flags.positive.iter().chain(r.red_flags.cleared.iter().map(|c| &c.flag)) {
        if let Some(c) = kb.red_flag_categories().iter().find(|c| c.id == f.category) {
            add(&c.sources);
        }
    }
    for p in &r.photos {
        p.metrics.iter().for_each(|m| add(&m.sources));
    }
    r.tests.iter().for_each(|t| add(&t.sources));
    if let Some(s) = &r.story {
        for m in &s.muscles {
            m.evidence.iter().for_each(|e| add(&e.sources));
        }
        for c in &s.components {
            c.evidence.iter().for_each(|e| add(&e.sources));
        }
        add(&kb.pattern().sources);
        for p in &s.pain {
            p.causes.iter().for_each(|c| add(&c.sources));
            p.other_causes.iter().for_each(|c| add(&c.sources));
        }
    }
    if let Some(plan) = &r.plan {
        if let Some(m) = &plan.massage {
            add(&m.sources);
        }
        for ph in &plan.phases {
            ph.exercises.iter().for_each(|e| add(&e.sources));
        }
        plan.exposure_changes.iter().for_each(|c| add(&c.sources));
    }
    let mut seen = BTreeSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .filter_map(|id| kb.reference(&id).map(|r| ReferenceView { id: r.id.clone(), citation: r.citation.clone() }))
        .collect()
}
