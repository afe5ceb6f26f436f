//! The assessment report: a stable, documented, serialisable view of what the engine derived
//! (see `docs/report-json.md`), built from the core's [`tonus_core::Assessment`] with the
//! knowledge base's names, units, norms and citations filled in. Text and HTML renderings live in
//! `render.rs`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tonus_core::assess::Assessment;
use tonus_core::inference::{ComponentStatus, Evidence, MuscleState, Target};
use tonus_core::intake::{Intake, PsfsVersion, Sex};
use tonus_core::knowledge::{Certainty, KnowledgeBase, MeasureKind};
use tonus_core::landmarks::{LandmarkSource, Pose, Posture};
use tonus_core::metrics::MetricValue;
use tonus_core::plan::Reason;
use tonus_core::redflags::Gate;

/// The report's format version. Bumped on any incompatible change to the JSON.
pub const FORMAT_VERSION: u32 = 1;

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
    /// Per photo (landmark set).
    pub photos: Vec<PhotoView>,
    /// Clinical tests recorded in the intake, against their norms.
    pub tests: Vec<TestView>,
    /// Muscle states.
    pub muscles: Vec<MuscleView>,
    /// Posture components.
    pub components: Vec<ComponentView>,
    /// The pattern label.
    pub pattern: PatternView,
    /// Pain explanation.
    pub pain: Vec<PainView>,
    /// Outcome measures.
    pub outcomes: OutcomesView,
    /// The plan; absent when the red-flag screen blocks it.
    pub plan: Option<PlanView>,
    /// Every reference cited in this report.
    pub references: Vec<ReferenceView>,
}

/// The client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientView {
    /// Name or code.
    pub name: String,
    /// `female`, `male`, `other`, `unspecified`.
    pub sex: String,
    /// Years.
    pub age: Option<u32>,
}

/// A positive red flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagView {
    /// Item id.
    pub item: String,
    /// The question.
    pub question: String,
    /// Category name.
    pub category: String,
    /// `emergency`, `urgent`, `medical_assessment`, `medical_review`, `physio_review`.
    pub action: String,
    /// Where to go instead.
    pub advice: String,
}

/// The red-flag screen's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedFlagView {
    /// `clear`, `positive` or `incomplete`.
    pub status: String,
    /// Whether the plan is blocked.
    pub plan_blocked: bool,
    /// What to do, in one sentence.
    pub message: String,
    /// Positive items, most urgent first.
    pub positive: Vec<FlagView>,
    /// Unanswered item ids.
    pub missing: Vec<String>,
}

/// One metric of one photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricView {
    /// Measure id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `exact` or `proxy`.
    pub kind: String,
    /// What a proxy stands in for.
    pub proxy_for: Option<String>,
    /// Unit.
    pub unit: String,
    /// The value, when measured.
    pub value: Option<f64>,
    /// A detail such as which side is higher.
    pub detail: Option<String>,
    /// Why it was not measured.
    pub not_measurable: Option<String>,
    /// The norm in words.
    pub norm: String,
    /// `below_cutoff`, `above_cutoff`, `within` or null (no cut-off or not measured).
    pub finding: Option<String>,
    /// The minimal detectable change, when known.
    pub real_change: Option<f64>,
    /// Certainty of the measure and its cut-off.
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// One photo's landmark set and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoView {
    /// The landmark file (or photo) it came from.
    pub file: String,
    /// `side-left`, `side-right`, `front`.
    pub view: String,
    /// Whether the view was detected rather than given.
    pub view_detected: bool,
    /// `sitting` or `standing`.
    pub posture: String,
    /// `automatic`, `manual`, `marker`.
    pub landmark_source: String,
    /// Pose model, for automatic landmarks.
    pub model: Option<String>,
    /// Pose model version.
    pub model_version: Option<String>,
    /// Image size.
    pub width: u32,
    /// Image size.
    pub height: u32,
    /// Problems with the whole photo.
    pub warnings: Vec<String>,
    /// Every photo metric.
    pub metrics: Vec<MetricView>,
}

/// A clinical test result against its norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestView {
    /// Measure id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The value the rules see (the weaker side, or the side difference).
    pub value: f64,
    /// The value in words, with its unit.
    pub shown: String,
    /// The norm in words.
    pub norm: String,
    /// `below_cutoff`, `above_cutoff`, `within` or null.
    pub finding: Option<String>,
    /// The minimal detectable change, when known.
    pub real_change: Option<f64>,
    /// Certainty.
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
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
    /// `exposure`, `posture metric`, `clinical test`, `symptom`.
    pub source: String,
    /// The state or status it points to.
    pub points_to: String,
    /// Rule weight.
    pub weight: f64,
    /// Weight × certainty factor.
    pub effective_weight: f64,
    /// Certainty.
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A muscle's inferred state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuscleView {
    /// Muscle id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `overactive`, `inhibited`, `balanced`, `unknown`.
    pub state: String,
    /// 0–1.
    pub confidence: f64,
    /// Why unknown, or a caveat.
    pub note: Option<String>,
    /// The pattern's typical state for it.
    pub typical_state: String,
    /// The evidence trail.
    pub evidence: Vec<EvidenceView>,
}

/// A posture component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentView {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `present`, `absent`, `unknown`.
    pub status: String,
    /// 0–1.
    pub confidence: f64,
    /// Evidence.
    pub evidence: Vec<EvidenceView>,
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
    /// Ids that fit.
    pub supporting: Vec<String>,
    /// Ids that contradict.
    pub against: Vec<String>,
    /// Ids not assessed.
    pub unassessed: Vec<String>,
    /// Certainty of the pattern itself.
    pub certainty: String,
    /// Reminder that the label is inferred.
    pub note: String,
}

/// A muscle held responsible for a symptom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseView {
    /// Muscle id.
    pub muscle: String,
    /// Muscle name.
    pub muscle_name: String,
    /// Mechanism in words.
    pub mechanism: String,
    /// Explanation.
    pub explanation: String,
    /// `supported`, `possible`, `not_supported`.
    pub support: String,
    /// The muscle's inferred state.
    pub muscle_state: String,
    /// Its confidence.
    pub confidence: f64,
    /// Certainty.
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// A non-muscular cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherCauseView {
    /// The cause.
    pub cause: String,
    /// What it means.
    pub note: String,
    /// Certainty.
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The explanation of one symptom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainView {
    /// Region id.
    pub region: String,
    /// Region name.
    pub region_name: String,
    /// What was reported.
    pub reported: String,
    /// ICHD-3 note for headache locations.
    pub headache_note: Option<String>,
    /// Muscular causes.
    pub causes: Vec<CauseView>,
    /// Other causes to keep in mind.
    pub other_causes: Vec<OtherCauseView>,
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

/// NDI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NdiView {
    /// 0–50.
    pub score: f64,
    /// Percent.
    pub percent: f64,
    /// Items answered.
    pub answered: usize,
    /// Prorated for missing items.
    pub prorated: bool,
    /// Severity band.
    pub band: String,
    /// Minimal detectable change, points.
    pub real_change: f64,
    /// Likely meaningful change, points.
    pub meaningful_change: f64,
}

/// NPRS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NprsView {
    /// Now.
    pub now: Option<f64>,
    /// Worst in 24 hours.
    pub worst_24h: Option<f64>,
    /// Average over the week.
    pub average_week: Option<f64>,
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
    /// `1` or `2`.
    pub version: String,
    /// Items.
    pub items: usize,
    /// Real-change threshold of the mean.
    pub real_change: f64,
}

/// A massage target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassageTargetView {
    /// Muscle id.
    pub muscle: String,
    /// Muscle name.
    pub muscle_name: String,
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
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// An exercise in the plan, with everything a client needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseView {
    /// Exercise id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `release`, `lengthen`, `activate`, `strengthen`, `mobilise`.
    pub purpose: String,
    /// Dose.
    pub dosage: String,
    /// Progression.
    pub progression: String,
    /// Cautions.
    pub cautions: Vec<String>,
    /// Steps.
    pub instructions: Vec<String>,
    /// Why it is in the plan.
    pub reason: String,
    /// Certainty.
    pub certainty: String,
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
    /// Certainty.
    pub certainty: String,
    /// Reference ids.
    pub sources: Vec<String>,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    /// Massage.
    pub massage: Option<MassageView>,
    /// Exercise phases.
    pub phases: Vec<PhaseView>,
    /// Exposure changes.
    pub exposure_changes: Vec<ChangeView>,
    /// Re-score outcome measures on.
    pub review_outcomes_on: String,
    /// Retake photos on.
    pub review_photos_on: String,
}

/// A cited reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceView {
    /// Id.
    pub id: String,
    /// Citation.
    pub citation: String,
}

fn certainty(c: Certainty) -> String {
    match c {
        Certainty::Established => "established",
        Certainty::Convention => "convention",
        Certainty::Contested => "contested",
    }
    .to_string()
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

fn state(s: MuscleState) -> String {
    s.label().to_string()
}

fn evidence_view(e: &Evidence) -> EvidenceView {
    let points_to = match &e.target {
        Target::Muscle { direction, .. } => format!("{direction:?}").to_lowercase(),
        Target::Component { present: true, .. } => "present".into(),
        Target::Component { present: false, .. } => "absent".into(),
    };
    EvidenceView {
        rule: e.rule.clone(),
        description: e.description.clone(),
        observed: e.observed.clone(),
        source: e.source.label().to_string(),
        points_to,
        weight: e.weight,
        effective_weight: round(e.effective_weight, 3),
        certainty: certainty(e.certainty),
        sources: e.sources.clone(),
    }
}

/// Builds the report. `photo_names` names each landmark set, in the order given to the engine.
pub fn build(intake: &Intake, poses: &[Pose], photo_names: &[String], a: &Assessment, kb: &KnowledgeBase) -> Report {
    let name_of = |id: &str| kb.muscle(id).map_or_else(|| id.to_string(), |m| m.name.clone());
    let red_flags = match &a.gate {
        Gate::Clear => RedFlagView {
            status: "clear".into(),
            plan_blocked: false,
            message: "No red flags: the plan may go ahead. Repeat the screen at every visit.".into(),
            positive: vec![],
            missing: vec![],
        },
        Gate::Positive(flags) => RedFlagView {
            status: "positive".into(),
            plan_blocked: true,
            message: format!("Red flag: no treatment plan. {}", flags.first().map(|f| f.advice.clone()).unwrap_or_default()),
            positive: flags
                .iter()
                .map(|f| FlagView {
                    item: f.item.clone(),
                    question: f.question.clone(),
                    category: f.category_name.clone(),
                    action: serde_json::to_value(f.action).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                    advice: f.advice.clone(),
                })
                .collect(),
            missing: vec![],
        },
        Gate::Incomplete(missing) => RedFlagView {
            status: "incomplete".into(),
            plan_blocked: true,
            message: format!(
                "The red-flag screen is incomplete ({} of its questions unanswered): no plan until every question is answered.",
                missing.len()
            ),
            positive: vec![],
            missing: missing.clone(),
        },
    };

    let photos = poses
        .iter()
        .zip(&a.poses)
        .enumerate()
        .map(|(i, (pose, pm))| {
            let cap = pose.capture();
            PhotoView {
                file: photo_names.get(i).cloned().unwrap_or_else(|| format!("landmarks #{}", i + 1)),
                view: pm.view.as_str().into(),
                view_detected: pm.view_detected,
                posture: match cap.posture {
                    Posture::Sitting => "sitting",
                    Posture::Standing => "standing",
                }
                .into(),
                landmark_source: match cap.source {
                    LandmarkSource::Automatic => "automatic",
                    LandmarkSource::Manual => "manual",
                    LandmarkSource::Marker => "marker",
                }
                .into(),
                model: cap.model.clone(),
                model_version: cap.model_version.clone(),
                width: pose.width(),
                height: pose.height(),
                warnings: pm.warnings.clone(),
                metrics: pm
                    .metrics
                    .iter()
                    .filter_map(|m| {
                        let def = kb.measure(&m.measure)?;
                        let (value, detail, not_measurable) = match &m.value {
                            MetricValue::Measured { value, detail } => (Some(round(*value, 2)), detail.clone(), None),
                            MetricValue::NotMeasurable { reason } => (None, None, Some(reason.clone())),
                        };
                        let finding = value.and_then(|v| {
                            if def.cutoff_below.is_some_and(|c| v < c) {
                                Some("below_cutoff".to_string())
                            } else if def.cutoff_above.is_some_and(|c| v > c) {
                                Some("above_cutoff".to_string())
                            } else if def.cutoff_below.is_some() || def.cutoff_above.is_some() {
                                Some("within".to_string())
                            } else {
                                None
                            }
                        });
                        Some(MetricView {
                            id: def.id.clone(),
                            name: def.name.clone(),
                            kind: if def.kind == MeasureKind::Proxy { "proxy" } else { "exact" }.into(),
                            proxy_for: def.proxy_for.clone(),
                            unit: def.unit.clone(),
                            value,
                            detail,
                            not_measurable,
                            norm: def.norm.clone(),
                            finding,
                            real_change: def.real_change,
                            certainty: certainty(def.certainty),
                            sources: def.sources.clone(),
                        })
                    })
                    .collect(),
            }
        })
        .collect();

    let tests = a
        .facts
        .iter()
        .filter(|(name, _)| name.starts_with("test."))
        .filter_map(|(name, fact)| {
            let def = kb.measure(tonus_core::facts::measure_of(name)?)?;
            let (_, unit) = tonus_core::inference::fact_label(name, kb);
            let v = fact.value;
            let shown = match def.id.as_str() {
                "scapular_dyskinesis" => {
                    ["normal", "subtle", "obvious"].get(v as usize).copied().unwrap_or("?").to_string() + " (worse side)"
                }
                "upper_trapezius_length" | "levator_length" => {
                    if v >= 0.5 { "reduced on at least one side" } else { "normal on both sides" }.to_string()
                }
                _ => tonus_core::inference::fmt_value(v, &unit),
            };
            let lower = tonus_core::inference::lower_cutoff(def, a.facts.sex).map(|(c, _)| c);
            let finding = if lower.is_some_and(|c| v < c) {
                Some("below_cutoff".to_string())
            } else if def.cutoff_above.is_some_and(|c| v > c) {
                Some("above_cutoff".to_string())
            } else if lower.is_some() || def.cutoff_above.is_some() {
                Some("within".to_string())
            } else {
                None
            };
            Some(TestView {
                id: def.id.clone(),
                name: def.name.clone(),
                value: round(v, 2),
                shown,
                norm: def.norm.clone(),
                finding,
                real_change: def.real_change,
                certainty: certainty(def.certainty),
                sources: def.sources.clone(),
            })
        })
        .collect();

    let muscles = a
        .inference
        .muscles
        .iter()
        .map(|m| {
            let def = kb.muscle(&m.muscle);
            MuscleView {
                id: m.muscle.clone(),
                name: name_of(&m.muscle),
                state: state(m.state),
                confidence: round(m.confidence, 2),
                note: m.note.clone(),
                typical_state: def
                    .map(|d| serde_json::to_value(d.typical_state).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
                    .unwrap_or_default(),
                evidence: m.evidence.iter().map(evidence_view).collect(),
            }
        })
        .collect();
    let components = a
        .inference
        .components
        .iter()
        .map(|c| ComponentView {
            id: c.component.clone(),
            name: kb.component(&c.component).map_or_else(|| c.component.clone(), |d| d.name.clone()),
            status: match c.status {
                ComponentStatus::Present => "present",
                ComponentStatus::Absent => "absent",
                ComponentStatus::Unknown => "unknown",
            }
            .into(),
            confidence: round(c.confidence, 2),
            evidence: c.evidence.iter().map(evidence_view).collect(),
        })
        .collect();
    let p = &a.inference.pattern;
    let pdef = kb.pattern();
    let pattern = PatternView {
        id: p.pattern.clone(),
        name: pdef.name.clone(),
        applies: p.applies,
        confidence: round(p.confidence, 2),
        supporting: p.supporting.clone(),
        against: p.against.clone(),
        unassessed: p.unassessed.clone(),
        certainty: certainty(pdef.certainty),
        note: "An inferred pattern label with a confidence, not a diagnosis; its components are reported separately.".into(),
    };

    let pain = a
        .explanations
        .iter()
        .map(|e| PainView {
            region: e.region.clone(),
            region_name: kb.region(&e.region).map_or_else(|| e.region.clone(), |r| r.name.clone()),
            reported: e.reported.clone(),
            headache_note: e.headache_note.clone(),
            causes: e
                .causes
                .iter()
                .map(|c| CauseView {
                    muscle: c.muscle.clone(),
                    muscle_name: name_of(&c.muscle),
                    mechanism: c.mechanism.label().into(),
                    explanation: c.explanation.clone(),
                    support: match c.support {
                        tonus_core::pain::Support::Supported => "supported",
                        tonus_core::pain::Support::Possible => "possible",
                        tonus_core::pain::Support::NotSupported => "not_supported",
                    }
                    .into(),
                    muscle_state: state(c.muscle_state),
                    confidence: round(c.confidence, 2),
                    certainty: certainty(c.certainty),
                    sources: c.sources.clone(),
                })
                .collect(),
            other_causes: e
                .other_causes
                .iter()
                .map(|o| OtherCauseView {
                    cause: o.cause.clone(),
                    note: o.note.clone(),
                    certainty: certainty(o.certainty),
                    sources: o.sources.clone(),
                })
                .collect(),
        })
        .collect();

    let defs = kb.outcomes();
    let outcomes = OutcomesView {
        ndi: a.scores.ndi.as_ref().map(|n| NdiView {
            score: round(n.score, 1),
            percent: round(n.percent, 1),
            answered: n.answered,
            prorated: n.prorated,
            band: n.band.clone(),
            real_change: defs.ndi.real_change,
            meaningful_change: defs.ndi.meaningful_change,
        }),
        nprs: a.scores.nprs.map(|(now, worst_24h, average_week)| NprsView {
            now,
            worst_24h,
            average_week,
            real_change: defs.nprs.real_change,
            meaningful_change: defs.nprs.meaningful_change,
        }),
        psfs: a.scores.psfs.as_ref().map(|p| PsfsView {
            mean: round(p.mean, 2),
            mean_as_written: round(p.mean_raw, 2),
            version: if p.version == PsfsVersion::V1 { "1" } else { "2" }.into(),
            items: p.items,
            real_change: defs.psfs.real_change,
        }),
    };

    let plan = a.plan.as_ref().map(|plan| PlanView {
        massage: plan.massage.as_ref().map(|m| MassageView {
            targets: m
                .targets
                .iter()
                .map(|t| MassageTargetView {
                    muscle: t.muscle.clone(),
                    muscle_name: name_of(&t.muscle),
                    techniques: t.techniques.iter().map(|id| kb.technique(id).map_or_else(|| id.clone(), |x| x.name.clone())).collect(),
                    cautions: kb.muscle(&t.muscle).map(|m| m.cautions.clone()).unwrap_or_default(),
                })
                .collect(),
            session_min: m.session_min,
            sessions_per_week: m.sessions_per_week,
            weeks: m.weeks,
            rationale: m.rationale.clone(),
            certainty: certainty(m.certainty),
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
                exercises: ph
                    .exercises
                    .iter()
                    .filter_map(|pe| {
                        let e = kb.exercise(&pe.exercise)?;
                        let names = |ids: &[String]| ids.iter().map(|m| name_of(m).to_lowercase()).collect::<Vec<_>>().join(", ");
                        let reason = match &pe.reason {
                            Reason::Finding(ids) => format!("for the {} found in this assessment", names(ids)),
                            Reason::Expected(ids) => format!("for the {} (expected in the pattern, not confirmed)", names(ids)),
                            Reason::Always => "part of every plan in this phase".to_string(),
                        };
                        Some(ExerciseView {
                            id: e.id.clone(),
                            name: e.name.clone(),
                            purpose: e.purpose.label().into(),
                            dosage: e.dosage.clone(),
                            progression: e.progression.clone(),
                            cautions: e.cautions.clone(),
                            instructions: e.instructions.clone(),
                            reason,
                            certainty: certainty(e.certainty),
                            sources: e.sources.clone(),
                        })
                    })
                    .collect(),
                progression: ph.progression.clone(),
            })
            .collect(),
        exposure_changes: plan
            .exposure_changes
            .iter()
            .map(|c| ChangeView {
                id: c.id.clone(),
                advice: c.advice.clone(),
                certainty: certainty(c.certainty),
                sources: c.sources.clone(),
            })
            .collect(),
        review_outcomes_on: plan.review_outcomes_on.to_string(),
        review_photos_on: plan.review_photos_on.to_string(),
    });

    let mut report = Report {
        format_version: FORMAT_VERSION,
        engine_version: tonus_core::ENGINE_VERSION.to_string(),
        client: ClientView {
            name: intake.person.label.clone(),
            sex: match intake.person.sex {
                Sex::Female => "female",
                Sex::Male => "male",
                Sex::Other => "other",
                Sex::Unspecified => "unspecified",
            }
            .into(),
            age: intake.person.age,
        },
        assessed_on: intake.assessed_on.to_string(),
        red_flags,
        photos,
        tests,
        muscles,
        components,
        pattern,
        pain,
        outcomes,
        plan,
        references: vec![],
    };
    report.references = cited(&report, kb);
    report
}

/// Every reference id the report cites, in first-cited order, with its citation.
fn cited(r: &Report, kb: &KnowledgeBase) -> Vec<ReferenceView> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |list: &[String]| ids.extend(list.iter().cloned());
    for f in &r.red_flags.positive {
        if let Some(c) = kb.red_flag_categories().iter().find(|c| c.item.iter().any(|i| i.id == f.item)) {
            add(&c.sources);
        }
    }
    for p in &r.photos {
        p.metrics.iter().for_each(|m| add(&m.sources));
    }
    r.tests.iter().for_each(|t| add(&t.sources));
    for m in &r.muscles {
        m.evidence.iter().for_each(|e| add(&e.sources));
    }
    for c in &r.components {
        c.evidence.iter().for_each(|e| add(&e.sources));
    }
    add(&kb.pattern().sources);
    for p in &r.pain {
        p.causes.iter().for_each(|c| add(&c.sources));
        p.other_causes.iter().for_each(|c| add(&c.sources));
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
pub use crate::render::{REPORT_CSS, render_html, render_html_fragment, render_text};
