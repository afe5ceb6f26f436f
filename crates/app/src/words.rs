//! Words for the report's typed values: the one place where a state, a side, a cause or a
//! reading becomes English, for the clinician (precise, with the evidence's vocabulary) and for
//! the client (plain). The text renderer, the HTML templates, the photo overlays and the web app
//! all call these, so a value reads the same everywhere.
//!
//! Every number goes out with its unit. Functions take `impl Borrow<T>` so that templates (which
//! hand over references) and Rust code (values) call them alike.

use std::borrow::Borrow;

use tonus_core::facts::EvidenceKind;
use tonus_core::knowledge::{Action, Certainty, MeasureView, Mechanism, MuscleState, Purpose};

use crate::report::{
    Asymmetry, ClearanceProblem, ComponentStatusView, ComponentView, Finding, FrequencyView, HeadacheView, Implausible, Laterality,
    MetricView, MuscleView, NdiView, NotMeasurableView, NprsView, Onset, PainSide, PalpationView, PatternGapView, PatternView,
    PhotoWarningView, PlanKind, PointsTo, PsfsView, Reading, ReasonView, RedFlagView, ReportedView, Sex, Side, StatusView,
    SupportBasisView, SupportView, TestReading, TestResult, TestView, Tone, UnknownReason,
};
use tonus_core::redflags::GateStatus;

/// A number with at most one decimal, without a trailing `.0`.
pub fn num(v: impl Borrow<f64>) -> String {
    let v = *v.borrow();
    if (v - v.round()).abs() < 0.005 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// A share as a percentage.
pub fn pct(v: impl Borrow<f64>) -> String {
    let v = *v.borrow();
    format!("{:.0}%", v * 100.0)
}

/// A value with its unit: `26.2°`, `14 s`, `4/5`.
pub fn with_unit(v: impl Borrow<f64>, unit: &str) -> String {
    let v = *v.borrow();
    match unit {
        "" => num(v),
        "°" | "/10" | "/5" | "/3" | "%" => format!("{}{unit}", num(v)),
        _ => format!("{} {unit}", num(v)),
    }
}

/// Sex.
pub fn sex(s: impl Borrow<Sex>) -> &'static str {
    let s = *s.borrow();
    match s {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
        Sex::Unspecified => "sex not given",
    }
}

/// A side.
pub fn side(s: impl Borrow<Side>) -> &'static str {
    let s = *s.borrow();
    match s {
        Side::Left => "left",
        Side::Right => "right",
    }
}

/// Where something applies.
pub fn laterality(l: impl Borrow<Laterality>) -> &'static str {
    let l = *l.borrow();
    match l {
        Laterality::Left => "left",
        Laterality::Right => "right",
        Laterality::Both => "both sides",
    }
}

/// "left side", "right side", "both sides".
pub fn laterality_phrase(l: impl Borrow<Laterality>) -> &'static str {
    let l = *l.borrow();
    match l {
        Laterality::Left => "left side",
        Laterality::Right => "right side",
        Laterality::Both => "both sides",
    }
}

/// A muscle state, for the clinician.
pub fn state(s: impl Borrow<MuscleState>) -> &'static str {
    let s = *s.borrow();
    match s {
        MuscleState::Overactive => "overactive",
        MuscleState::Inhibited => "inhibited",
        MuscleState::Balanced => "balanced",
    }
}

/// A muscle state in plain words, for the client.
pub fn state_plain(s: impl Borrow<MuscleState>) -> &'static str {
    let s = *s.borrow();
    match s {
        MuscleState::Overactive => "tight and overworked",
        MuscleState::Inhibited => "weak and underused",
        MuscleState::Balanced => "working normally",
    }
}

/// What a piece of evidence points to.
pub fn points_to(p: impl Borrow<PointsTo>) -> &'static str {
    let p = *p.borrow();
    match p {
        PointsTo::Overactive => "overactive",
        PointsTo::Inhibited => "inhibited",
        PointsTo::Balanced => "balanced",
        PointsTo::Present => "present",
        PointsTo::Absent => "absent",
    }
}

/// A kind of evidence.
pub fn evidence_kind(k: impl Borrow<EvidenceKind>) -> &'static str {
    let k = *k.borrow();
    match k {
        EvidenceKind::Exposure => "exposure",
        EvidenceKind::Symptom => "symptoms",
        EvidenceKind::ClinicalTest => "clinical test",
        EvidenceKind::Palpation => "palpation",
        EvidenceKind::PhotoMetric => "photo",
    }
}

/// A list of evidence kinds: "exposure and symptoms".
pub fn kinds(list: &[EvidenceKind]) -> String {
    join_and(&list.iter().map(|k| evidence_kind(*k).to_string()).collect::<Vec<_>>())
}

/// "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A certainty tag.
pub fn certainty(c: impl Borrow<Certainty>) -> &'static str {
    let c = *c.borrow();
    c.label()
}

/// A status on one side, for the clinician.
pub fn status(s: &StatusView) -> String {
    match s {
        StatusView::Found { state: st, confidence } => format!("{} ({} confidence)", state(*st), pct(*confidence)),
        StatusView::Suspected { state: st, confidence, basis } => {
            format!("suspected {}, from {} ({}); not found on the body", state(*st), kinds(basis), pct(*confidence))
        }
        StatusView::Unknown { reason } => format!("unknown: {}", unknown(*reason)),
    }
}

/// Why a status is unknown.
pub fn unknown(r: impl Borrow<UnknownReason>) -> &'static str {
    let r = *r.borrow();
    match r {
        UnknownReason::NoEvidence => "not assessed",
        UnknownReason::Conflicting => "the evidence conflicts",
        UnknownReason::TooLittle => "too little evidence to conclude",
    }
}

/// A CSS class for a status: the state when found, `suspected` or `unknown`.
pub fn status_class(s: &StatusView) -> &'static str {
    match s {
        StatusView::Found { state: st, .. } => state(*st),
        StatusView::Suspected { .. } => "suspected",
        StatusView::Unknown { .. } => "unknown",
    }
}

/// A muscle's status on both sides: one phrase when they agree, else per side.
pub fn muscle_status(m: &MuscleView) -> String {
    if m.left == m.right {
        format!("{} (both sides)", status(&m.left))
    } else {
        format!("left: {}; right: {}", status(&m.left), status(&m.right))
    }
}

/// Where a muscle is found in a state: `Some(sides)`.
pub fn found_sides(m: &MuscleView, st: MuscleState) -> Option<Laterality> {
    Laterality::of(m.left.found() == Some(st), m.right.found() == Some(st))
}

/// A finding against the norm.
pub fn finding(f: impl Borrow<Finding>) -> &'static str {
    let f = *f.borrow();
    match f {
        Finding::BelowCutoff => "below the cut-off",
        Finding::AboveCutoff => "above the cut-off",
        Finding::BelowNorm => "below the normal range",
        Finding::AboveNorm => "above the normal range",
        Finding::Within => "within the norm",
        Finding::NotBeyondCutoff => "not past the cut-off (no normal range known)",
    }
}

/// Why a metric was not measured, as an instruction where one helps.
pub fn not_measurable(n: &NotMeasurableView) -> String {
    match n {
        NotMeasurableView::WrongView { needs: MeasureView::Side } => "needs a side view; this photo is a front view".into(),
        NotMeasurableView::WrongView { needs: MeasureView::Front } => "needs a front view; this photo is a side view".into(),
        NotMeasurableView::LowVisibility { landmark, visibility, minimum } => {
            format!("the {} is not visible enough (visibility {visibility:.2}, at least {minimum:.2} needed)", landmark_words(landmark))
        }
        NotMeasurableView::OutsideImage { landmark } => format!("the {} lies outside the photo", landmark_words(landmark)),
        NotMeasurableView::FacesOtherWay { given, detected } => format!(
            "the photo is labelled {given} but the person faces the other way ({detected}); check the label, or retake the photo from the labelled side"
        ),
        NotMeasurableView::FacingUnclear => {
            "the face does not show which way the person faces (nose or ears hidden); label the photo's view, or retake it in profile"
                .into()
        }
        NotMeasurableView::TorsoTooSmall => "the torso is too small in the photo to measure; move closer".into(),
        NotMeasurableView::Rotated { spread, limit } => format!(
            "the body is turned toward the camera (shoulders {} of torso length apart, at most {} in a side view); turn the person side-on",
            pct(*spread),
            pct(*limit)
        ),
        NotMeasurableView::TurnedSideways { spread, limit } => format!(
            "the body is turned sideways (shoulders {} of torso length apart, at least {} in a front view); face the camera squarely",
            pct(*spread),
            pct(*limit)
        ),
        NotMeasurableView::Leaning { degrees, limit } if *degrees < 0.0 => {
            format!("leaning back {}° (more than {}°); retake sitting upright", num(-degrees), num(*limit))
        }
        NotMeasurableView::Leaning { degrees, limit } => {
            format!("leaning forward {}° (more than {}°); retake sitting upright", num(*degrees), num(*limit))
        }
        NotMeasurableView::Undefined => "the landmarks leave it undefined (the ear and hip are level)".into(),
        NotMeasurableView::NoFormula => "Tonus has no formula for this measure from landmarks".into(),
    }
}

fn landmark_words(name: &str) -> String {
    name.replace('_', " ")
}

/// Which side a front-view asymmetry favours.
pub fn asymmetry(a: &Asymmetry) -> String {
    match a {
        Asymmetry::Level => "level".into(),
        Asymmetry::Higher(s) => format!("{} higher", side(*s)),
        Asymmetry::TiltedTo(s) => format!("tilted to the {}", side(*s)),
    }
}

/// A metric's reading with its unit, sign and finding: `26.2° — below the cut-off`.
pub fn reading(m: &MetricView) -> String {
    match &m.reading {
        Reading::Measured { value, finding: f, sign_means, asymmetry: a } => {
            let mut s = with_unit(*value, &m.unit);
            let details: Vec<String> = a.iter().map(asymmetry).chain(sign_means.iter().cloned()).collect();
            if !details.is_empty() {
                s.push_str(&format!(" ({})", details.join("; ")));
            }
            if let Some(f) = f {
                s.push_str(&format!(" — {}", finding(*f)));
            }
            s
        }
        Reading::NotMeasurable { cause } => format!("not measurable: {}", not_measurable(cause)),
    }
}

/// A problem with a whole photo.
pub fn photo_warning(w: &PhotoWarningView) -> String {
    match w {
        PhotoWarningView::ViewMismatch { given, looks_like } => format!(
            "the photo is labelled {given} but the landmarks look like a {} view; check the view",
            if looks_like.is_side() { "side" } else { "front" }
        ),
        PhotoWarningView::FacesOtherWay { given, detected } => {
            format!(
                "the photo is labelled {given} but the person faces the other way ({detected}): its side metrics are not measured until the label is checked"
            )
        }
        PhotoWarningView::Unusable { cause } => format!("nothing could be measured: {}", not_measurable(cause)),
        PhotoWarningView::Leaning { cause } => format!("head and shoulder angles not measured: {}", not_measurable(cause)),
        PhotoWarningView::SeveralPeople { found } => {
            format!(
                "{found} people were found in the photo and the most prominent was measured; retake it with only the client in the frame"
            )
        }
    }
}

fn test_reading(r: &TestReading, unit: &str) -> String {
    let v = r.label.clone().unwrap_or_else(|| with_unit(r.value, unit));
    match r.finding {
        Some(f) => format!("{v} — {}", finding(f)),
        None => v,
    }
}

/// A clinical test's result, per side where sided.
pub fn test_result(t: &TestView) -> String {
    let unit = if t.unit.starts_with("grade") {
        "/5"
    } else if t.unit.starts_with('0') {
        ""
    } else {
        t.unit.as_str()
    };
    match &t.result {
        TestResult::Whole { reading } => test_reading(reading, unit),
        TestResult::Sided { left, right } => {
            let one = |r: &Option<TestReading>| r.as_ref().map_or_else(|| "not recorded".into(), |r| test_reading(r, unit));
            format!("left {}; right {}", one(left), one(right))
        }
    }
}

/// Palpation in words: "tone increased, tenderness 2/3, reproduces the familiar pain (at …)".
pub fn palpation(p: &PalpationView) -> String {
    let mut parts = Vec::new();
    if let Some(t) = p.tone {
        parts.push(format!(
            "tone {}",
            match t {
                Tone::Normal => "normal",
                Tone::Increased => "increased",
                Tone::Decreased => "decreased",
            }
        ));
    }
    if let Some(t) = p.tenderness {
        parts.push(format!("tenderness {t}/3"));
    }
    match p.familiar_pain {
        Some(true) => parts.push("a tender spot reproduces the familiar pain".into()),
        Some(false) => parts.push("does not reproduce the familiar pain".into()),
        None => {}
    }
    if let Some(l) = &p.location {
        parts.push(format!("at {l}"));
    }
    parts.join(", ")
}

/// A red-flag action.
pub fn action(a: impl Borrow<Action>) -> &'static str {
    let a = *a.borrow();
    a.label()
}

/// A red-flag onset.
pub fn onset(o: impl Borrow<Option<Onset>>) -> &'static str {
    let o = *o.borrow();
    match o {
        Some(Onset::New) => "new or sudden",
        Some(Onset::LongStanding) => "long-standing, unchanged",
        None => "onset not given (taken as new)",
    }
}

/// The red-flag screen in one sentence.
pub fn gate_headline(r: &RedFlagView) -> String {
    match r.status {
        GateStatus::Clear => "No red flags: the plan may go ahead. Repeat the screen at every visit.".into(),
        GateStatus::Cleared => {
            "Red flags answered yes are covered by a documented medical clearance: the plan may go ahead, with the clearance shown. Repeat the screen at every visit."
                .into()
        }
        GateStatus::Positive => format!(
            "Red flag: no treatment plan and no muscle explanation. {}",
            r.positive.first().map(|f| f.advice.clone()).unwrap_or_default()
        ),
        GateStatus::Incomplete => format!(
            "The red-flag screen is incomplete ({} of its questions unanswered): no plan until every question is answered.",
            r.missing.len()
        ),
    }
}

/// Why a clearance was not applied.
pub fn clearance_problem(p: impl Borrow<ClearanceProblem>) -> &'static str {
    let p = *p.borrow();
    match p {
        ClearanceProblem::ItemNotPositive => "the item was not answered yes",
        ClearanceProblem::NewOnset => "the item is new or sudden and needs assessment now, whatever was found before",
        ClearanceProblem::OnsetNotGiven => {
            "the item's onset was not given, so it is taken as new: record it as long-standing if it has not changed since it was assessed"
        }
        ClearanceProblem::AfterAssessment => "the clearance is dated after this assessment",
    }
}

/// A contradiction in the intake, naming what to check.
pub fn implausible(p: &Implausible) -> String {
    match p {
        Implausible::BoutLongerThanSitting { bout_min, sitting_hours } => {
            format!("the longest sitting bout ({} min) is longer than all the day's sitting ({} h)", num(*bout_min), num(*sitting_hours))
        }
        Implausible::BoutLongerThanBreakInterval { bout_min, break_every_min } => format!(
            "the longest sitting bout ({} min) is much longer than the time between breaks ({} min)",
            num(*bout_min),
            num(*break_every_min)
        ),
        Implausible::DrivingMoreThanCar { driving_hours, car_hours } => {
            format!("driving ({} h a day) is more than the time sitting in a car ({} h a day)", num(*driving_hours), num(*car_hours))
        }
        Implausible::CallsMoreThanDevices { call_hours, device_hours } => format!(
            "calls ({} h a day) take longer than phone and computer use together ({} h a day)",
            num(*call_hours),
            num(*device_hours)
        ),
        Implausible::NprsNowAboveWorst { now, worst_24h } => {
            format!("pain now ({now}/10) is higher than the worst pain in the last 24 hours ({worst_24h}/10)")
        }
        Implausible::HeadacheLocationsWithoutDays => "headache locations are given but no headache days".into(),
    }
}

/// A mechanism, for the clinician.
pub fn mechanism(m: impl Borrow<Mechanism>) -> &'static str {
    let m = *m.borrow();
    m.label()
}

/// A mechanism in plain words, about a muscle in plain words.
pub fn mechanism_plain(m: impl Borrow<Mechanism>, muscle: &str) -> String {
    let m = *m.borrow();
    match m {
        Mechanism::Overstretch => format!("{muscle} may be overstretched and weak, and ache under the constant load"),
        Mechanism::Tension => format!("{muscle} may be tight and sore where it is"),
        Mechanism::Referral => format!("{muscle} may be tight and send pain to this area"),
    }
}

/// A cause's support, for the clinician.
pub fn support(s: &SupportView) -> String {
    match s {
        SupportView::Supported { basis: SupportBasisView::FoundState } => "supported by findings in this assessment".into(),
        SupportView::Supported { basis: SupportBasisView::FamiliarPain } => "supported: palpation reproduced the familiar pain".into(),
        SupportView::Possible { basis } if basis.is_empty() => "possible; no finding either way".into(),
        SupportView::Possible { basis } => format!("possible; only suspected from {}", kinds(basis)),
        SupportView::NotSupported => "not supported: the muscle was found in another state".into(),
    }
}

/// A CSS class for support.
pub fn support_class(s: &SupportView) -> &'static str {
    match s {
        SupportView::Supported { .. } => "supported",
        SupportView::Possible { .. } => "possible",
        SupportView::NotSupported => "not-supported",
    }
}

/// What was reported, with units.
pub fn reported(r: &ReportedView) -> String {
    match r {
        ReportedView::Pain { intensity, side } => format!("pain {}/10, {}", num(*intensity), pain_side(*side)),
        ReportedView::Headache { days_per_month } => format!("headache, {} days a month", num(*days_per_month)),
    }
}

/// A pain's side.
pub fn pain_side(s: impl Borrow<PainSide>) -> &'static str {
    let s = *s.borrow();
    match s {
        PainSide::Left => "left",
        PainSide::Right => "right",
        PainSide::Both => "both sides",
        PainSide::Centre => "centre",
    }
}

/// The ICHD-3 reading.
pub fn headache(h: &HeadacheView) -> String {
    match h {
        HeadacheView::TensionType(f) => format!(
            "Features fit tension-type headache (ICHD-3), {}.",
            match f {
                FrequencyView::Infrequent => "infrequent (under 1 day a month)",
                FrequencyView::Frequent => "frequent (1–14 days a month)",
                FrequencyView::ChronicIfPersistent => "chronic if 15 or more days a month persist for more than 3 months",
            }
        ),
        HeadacheView::Cervicogenic => {
            "One-sided and provoked by neck movement or posture: consistent with cervicogenic headache (Jull 2002); assess the upper-neck joints.".into()
        }
        HeadacheView::Other => {
            "Features do not fit the tension-type pattern (ICHD-3); consider other headache types and check the red-flag screen.".into()
        }
    }
}

/// A component's status, with the caveat of a status that rests on contested proxies alone.
pub fn component_status(c: &ComponentView) -> String {
    let status = match &c.status {
        ComponentStatusView::Present { confidence, basis } => format!("present, on {} ({})", evidence_kind(*basis), pct(*confidence)),
        ComponentStatusView::Absent { confidence, basis } => format!("absent, on {} ({})", evidence_kind(*basis), pct(*confidence)),
        ComponentStatusView::Suspected { confidence } => format!("suspected ({}); not measured on a photo", pct(*confidence)),
        ComponentStatusView::Unknown => "not measured".into(),
    };
    match (&c.status, c.contested_only) {
        (ComponentStatusView::Present { .. }, true) => {
            format!("{status}; by pose proxies only (contested): follow it against the client's own baseline; not counted for the pattern")
        }
        (_, true) => format!("{status}; by pose proxies only (contested): follow it against the client's own baseline"),
        (_, false) => status,
    }
}

/// Why the pattern does not apply.
pub fn pattern_gap(g: &PatternGapView) -> String {
    match g {
        PatternGapView::NoOveractiveFinding => "no tight (overactive) muscle of the pattern was found".into(),
        PatternGapView::NoInhibitedFinding => "no weak (inhibited) muscle of the pattern was found".into(),
        PatternGapView::TooFewFindings { found, needed } => {
            format!("{found} supporting finding{}, {needed} needed", if *found == 1 { "" } else { "s" })
        }
        PatternGapView::TooMuchAgainst { share, needed } => {
            format!("only {} of the assessed items fit, {} needed", pct(*share), pct(*needed))
        }
    }
}

/// The pattern label's verdict in one sentence.
pub fn pattern(p: &PatternView) -> String {
    if p.applies {
        format!("{} applies (confidence {}; the model itself is {}).", p.name, pct(p.confidence), certainty(p.certainty))
    } else {
        let gaps: Vec<String> = p.gaps.iter().map(pattern_gap).collect();
        format!("{} does not apply: {}.", p.name, gaps.join("; "))
    }
}

/// The NDI.
pub fn ndi(n: &NdiView) -> String {
    match n {
        NdiView::Scored { score, percent, answered, prorated, band, real_change, .. } => {
            let pr = if *prorated { format!(", prorated from {answered} of 10 items") } else { String::new() };
            format!("{}/50 points ({}%), {band}{pr}; a change under {} points is noise", num(*score), num(*percent), num(*real_change))
        }
        NdiView::NotScorable { answered, max_missing } => {
            format!("not scored: {answered} of 10 items answered, and at most {max_missing} may be missing for the total to mean anything")
        }
    }
}

/// The NPRS.
pub fn nprs(n: &NprsView) -> String {
    let f = |v: Option<u8>| v.map_or_else(|| "not given".to_string(), |v| format!("{v}/10"));
    format!(
        "now {}, worst in 24 h {}, week average {}; a change under {} points is noise",
        f(n.now),
        f(n.worst_24h),
        f(n.average_week),
        num(n.real_change)
    )
}

/// The PSFS.
pub fn psfs(p: &PsfsView) -> String {
    let few = if p.fewer_than_recommended { "; fewer activities than the 3 recommended" } else { "" };
    format!(
        "mean {}/10 (version {}, {} activities{few}); a change under {} points is noise",
        num(p.mean),
        p.version,
        p.items,
        num(p.real_change)
    )
}

/// An exercise purpose.
pub fn purpose(p: impl Borrow<Purpose>) -> &'static str {
    let p = *p.borrow();
    p.label()
}

/// Why an exercise is in the plan.
pub fn reason(r: &ReasonView) -> String {
    match r {
        ReasonView::Finding { muscles } => {
            let names: Vec<String> = muscles.iter().map(|m| format!("{} ({})", m.name.to_lowercase(), laterality(m.laterality))).collect();
            format!("for the {} found in this assessment", join_and(&names))
        }
        ReasonView::Always => "part of every plan in this phase".into(),
        ReasonView::Noted { text } => text.clone(),
    }
}

/// The plan's kind, for a heading.
pub fn plan_kind(k: impl Borrow<PlanKind>) -> &'static str {
    let k = *k.borrow();
    match k {
        PlanKind::Corrective => "Corrective plan: massage and exercises for what was found",
        PlanKind::ExposureOnly => "Advice and tests to do: nothing was found on the body yet, so no massage or exercise programme",
        PlanKind::Maintenance => "Maintenance: your scores are within the normal range",
    }
}

/// A MediaPipe landmark in words ("left outer eye corner"), by index; "landmark N" when the
/// index is outside the 33.
pub fn landmark(index: usize) -> String {
    match tonus_core::landmarks::LANDMARK_NAMES.get(index) {
        Some(&"left_eye_outer") => "left outer eye corner".into(),
        Some(&"right_eye_outer") => "right outer eye corner".into(),
        Some(&"left_eye_inner") => "left inner eye corner".into(),
        Some(&"right_eye_inner") => "right inner eye corner".into(),
        Some(name) => name.replace('_', " "),
        None => format!("landmark {index}"),
    }
}

/// Said of a pain region that no muscle of the model is known to explain (the low back, the
/// elbow): the pain is kept and followed, and the model makes no muscle story of it.
pub(crate) const NO_MUSCULAR_CAUSE: &str =
    "No muscle this model assesses is known to cause pain here: it is recorded and followed over time, without a muscle story.";
