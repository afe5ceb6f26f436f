//! The intake file format (TOML or JSON), its parsing with errors that name the file, line and
//! field, and its conversion into the core's validated [`tonus_core::intake::Intake`].
//!
//! The format is documented by the commented personas in `examples/` and in `docs/intake.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tonus_core::KnowledgeBase;
use tonus_core::intake as core;

use crate::error::InputError;

/// Which syntax a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

impl Format {
    /// The format a file name implies (`.json` is JSON, anything else TOML).
    pub fn from_name(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".json") { Format::Json } else { Format::Toml }
    }
}

/// The intake as written in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// Format version; 1.
    #[serde(default = "one")]
    pub format_version: u32,
    /// Who.
    pub client: Client,
    /// `YYYY-MM-DD`.
    pub assessed_on: String,
    /// How they sit and work.
    #[serde(default)]
    pub exposure: Exposure,
    /// What hurts.
    #[serde(default)]
    pub symptoms: Symptoms,
    /// Red-flag item id → yes/no.
    #[serde(default)]
    pub red_flags: BTreeMap<String, bool>,
    /// Outcome measures.
    #[serde(default)]
    pub outcomes: Outcomes,
    /// Clinical tests.
    #[serde(default)]
    pub tests: Tests,
}

fn one() -> u32 {
    1
}

/// Who the assessment is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Name or code.
    pub name: String,
    /// `female`, `male`, `other` or `unspecified`.
    #[serde(default)]
    pub sex: Option<String>,
    /// Years.
    #[serde(default)]
    pub age: Option<u32>,
}

/// Hours per day sitting, by context.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sitting {
    /// Desk.
    #[serde(default)]
    pub desk: f64,
    /// Sofa.
    #[serde(default)]
    pub sofa: f64,
    /// Car.
    #[serde(default)]
    pub car: f64,
    /// Train or bus.
    #[serde(default)]
    pub train: f64,
    /// Plane.
    #[serde(default)]
    pub plane: f64,
    /// Elsewhere.
    #[serde(default)]
    pub other: f64,
}

/// Hours per day with the hands in front.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandsForward {
    /// Computer.
    #[serde(default)]
    pub computer: f64,
    /// Tablet.
    #[serde(default)]
    pub tablet: f64,
    /// Phone.
    #[serde(default)]
    pub phone: f64,
    /// Driving.
    #[serde(default)]
    pub driving: f64,
}

/// Workstation facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workstation {
    /// Laptop without a separate screen and keyboard.
    #[serde(default)]
    pub laptop_only: Option<bool>,
    /// Headset for calls.
    #[serde(default)]
    pub headset_for_calls: Option<bool>,
    /// Hours on calls per day.
    #[serde(default)]
    pub call_hours: Option<f64>,
}

/// Activity after work.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterWork {
    /// Exercise, hours per week.
    #[serde(default)]
    pub exercise_hours_per_week: Option<f64>,
    /// Lifting and carrying, hours per week.
    #[serde(default)]
    pub lifting_carrying_hours_per_week: Option<f64>,
    /// A bag on one shoulder.
    #[serde(default)]
    pub bag_on_one_shoulder: Option<bool>,
}

/// Exposure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exposure {
    /// Sitting hours per day by context.
    #[serde(default)]
    pub sitting: Sitting,
    /// Hands-forward hours per day.
    #[serde(default)]
    pub hands_forward: HandsForward,
    /// Longest unbroken static bout, minutes.
    #[serde(default)]
    pub longest_bout_min: Option<f64>,
    /// Minutes between deliberate breaks (omit when there are none).
    #[serde(default)]
    pub break_every_min: Option<f64>,
    /// Workstation.
    #[serde(default)]
    pub workstation: Workstation,
    /// After work.
    #[serde(default)]
    pub after_work: AfterWork,
}

/// Pain in a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pain {
    /// Region id (see `tonus knowledge list`).
    pub region: String,
    /// 0–10.
    pub intensity: f64,
    /// `left`, `right`, `both` or `centre`.
    #[serde(default = "both")]
    pub side: String,
}

fn both() -> String {
    "both".into()
}

/// Headache features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Headache {
    /// Headache days per month.
    pub days_per_month: f64,
    /// Region ids where it is felt.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Both sides.
    #[serde(default)]
    pub bilateral: Option<bool>,
    /// Pressing or tightening.
    #[serde(default)]
    pub pressing: Option<bool>,
    /// `mild`, `moderate` or `severe`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Worse with routine activity.
    #[serde(default)]
    pub worse_with_activity: Option<bool>,
    /// Nausea.
    #[serde(default)]
    pub nausea: Option<bool>,
    /// Light sensitivity.
    #[serde(default)]
    pub photophobia: Option<bool>,
    /// Sound sensitivity.
    #[serde(default)]
    pub phonophobia: Option<bool>,
    /// Provoked by neck movement or posture.
    #[serde(default)]
    pub provoked_by_neck: Option<bool>,
}

/// Symptoms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Symptoms {
    /// Pain by region.
    #[serde(default)]
    pub pain: Vec<Pain>,
    /// Headache.
    #[serde(default)]
    pub headache: Option<Headache>,
}

/// NPRS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nprs {
    /// Now.
    #[serde(default)]
    pub now: Option<f64>,
    /// Worst in 24 hours.
    #[serde(default)]
    pub worst_24h: Option<f64>,
    /// Average over the week.
    #[serde(default)]
    pub average_week: Option<f64>,
}

/// A PSFS activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PsfsItem {
    /// The activity.
    pub activity: String,
    /// 0–10.
    pub score: f64,
}

/// PSFS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Psfs {
    /// `"1"` (0 = unable, 10 = as before) or `"2"` (reversed).
    pub version: String,
    /// Activities.
    pub items: Vec<PsfsItem>,
}

/// Outcome measures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// NDI item id → 0–5.
    #[serde(default)]
    pub ndi: Option<BTreeMap<String, u8>>,
    /// NPRS.
    #[serde(default)]
    pub nprs: Option<Nprs>,
    /// PSFS.
    #[serde(default)]
    pub psfs: Option<Psfs>,
}

/// A per-side value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sides<T> {
    /// Left.
    pub left: T,
    /// Right.
    pub right: T,
}

/// Clinical tests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tests {
    /// Seconds.
    #[serde(default)]
    pub dnf_endurance_s: Option<f64>,
    /// mmHg.
    #[serde(default)]
    pub ccft_mmhg: Option<f64>,
    /// 0–5 per side.
    #[serde(default)]
    pub lower_trapezius_grade: Option<Sides<u8>>,
    /// `normal`, `subtle` or `obvious` per side.
    #[serde(default)]
    pub scapular_dyskinesis: Option<Sides<String>>,
    /// cm per side.
    #[serde(default)]
    pub pec_minor_supine_cm: Option<Sides<f64>>,
    /// PMI per side.
    #[serde(default)]
    pub pec_minor_index: Option<Sides<f64>>,
    /// `normal` or `reduced` per side.
    #[serde(default)]
    pub upper_trapezius_length: Option<Sides<String>>,
    /// `normal` or `reduced` per side.
    #[serde(default)]
    pub levator_length: Option<Sides<String>>,
}

/// Parses an intake file. Syntax errors name the line and column; unknown or mistyped fields
/// name the field.
pub fn parse(text: &str, format: Format, file_name: &str) -> Result<Intake, InputError> {
    match format {
        Format::Toml => toml::from_str(text).map_err(|e| InputError::syntax(file_name, text, &e)),
        Format::Json => serde_json::from_str(text).map_err(|e| InputError::json(file_name, &e)),
    }
}

/// Checks ranges and ids and converts into the core's intake.
pub fn to_core(intake: &Intake, file: &str, kb: &KnowledgeBase) -> Result<core::Intake, InputError> {
    let fail = |field: &str, message: String| InputError::field(file, field, message);
    if intake.format_version != 1 {
        return Err(fail("format_version", format!("unsupported version {}; this Tonus reads version 1", intake.format_version)));
    }
    let hours = |field: &str, v: f64| -> Result<f64, InputError> {
        if v.is_finite() && (0.0..=24.0).contains(&v) {
            Ok(v)
        } else {
            Err(fail(field, format!("{v} is not a number of hours in a day (0–24)")))
        }
    };
    let nonneg = |field: &str, v: Option<f64>, max: f64| -> Result<Option<f64>, InputError> {
        match v {
            Some(v) if !(v.is_finite() && (0.0..=max).contains(&v)) => Err(fail(field, format!("{v} is outside 0–{max}"))),
            v => Ok(v),
        }
    };
    let score10 = |field: &str, v: f64| -> Result<f64, InputError> {
        if v.is_finite() && (0.0..=10.0).contains(&v) { Ok(v) } else { Err(fail(field, format!("{v} is outside the 0–10 scale"))) }
    };

    let assessed_on = tonus_core::Date::parse(&intake.assessed_on)
        .ok_or_else(|| fail("assessed_on", format!("\"{}\" is not a date; write it as YYYY-MM-DD", intake.assessed_on)))?;
    if intake.client.name.trim().is_empty() {
        return Err(fail("client.name", "must not be empty".into()));
    }
    let sex = match intake.client.sex.as_deref() {
        None | Some("unspecified") => core::Sex::Unspecified,
        Some("female") => core::Sex::Female,
        Some("male") => core::Sex::Male,
        Some("other") => core::Sex::Other,
        Some(s) => return Err(fail("client.sex", format!("\"{s}\" is not one of female, male, other, unspecified"))),
    };
    if intake.client.age.is_some_and(|a| !(10..=120).contains(&a)) {
        return Err(fail("client.age", "must be between 10 and 120".into()));
    }

    let e = &intake.exposure;
    let s = &e.sitting;
    let sitting = core::Sitting {
        desk: hours("exposure.sitting.desk", s.desk)?,
        sofa: hours("exposure.sitting.sofa", s.sofa)?,
        car: hours("exposure.sitting.car", s.car)?,
        train: hours("exposure.sitting.train", s.train)?,
        plane: hours("exposure.sitting.plane", s.plane)?,
        other: hours("exposure.sitting.other", s.other)?,
    };
    if sitting.total() > 24.0 {
        return Err(fail("exposure.sitting", format!("adds up to {:.1} hours, more than a day", sitting.total())));
    }
    let h = &e.hands_forward;
    let hands_forward = core::HandsForward {
        computer: hours("exposure.hands_forward.computer", h.computer)?,
        tablet: hours("exposure.hands_forward.tablet", h.tablet)?,
        phone: hours("exposure.hands_forward.phone", h.phone)?,
        driving: hours("exposure.hands_forward.driving", h.driving)?,
    };
    if hands_forward.total() > 24.0 {
        return Err(fail("exposure.hands_forward", format!("adds up to {:.1} hours, more than a day", hands_forward.total())));
    }
    let exposure = core::Exposure {
        sitting,
        hands_forward,
        longest_bout_min: nonneg("exposure.longest_bout_min", e.longest_bout_min, 1440.0)?,
        break_every_min: match nonneg("exposure.break_every_min", e.break_every_min, 1440.0)? {
            Some(v) if v <= 0.0 => {
                return Err(fail("exposure.break_every_min", "must be more than 0 minutes; omit it when there are no breaks".into()));
            }
            v => v,
        },
        laptop_only: e.workstation.laptop_only,
        headset_for_calls: e.workstation.headset_for_calls,
        call_hours: nonneg("exposure.workstation.call_hours", e.workstation.call_hours, 24.0)?,
        exercise_hours_per_week: nonneg("exposure.after_work.exercise_hours_per_week", e.after_work.exercise_hours_per_week, 168.0)?,
        lifting_carrying_hours_per_week: nonneg(
            "exposure.after_work.lifting_carrying_hours_per_week",
            e.after_work.lifting_carrying_hours_per_week,
            168.0,
        )?,
        bag_on_one_shoulder: e.after_work.bag_on_one_shoulder,
    };

    let region = |field: &str, id: &str| -> Result<String, InputError> {
        if kb.region(id).is_some() {
            Ok(id.to_string())
        } else {
            let ids: Vec<&str> = kb.regions().iter().map(|r| r.id.as_str()).collect();
            Err(fail(field, format!("unknown body region \"{id}\"; use one of {}", ids.join(", "))))
        }
    };
    let mut pain = Vec::new();
    for (i, p) in intake.symptoms.pain.iter().enumerate() {
        let f = format!("symptoms.pain[{i}]");
        pain.push(core::Pain {
            region: region(&format!("{f}.region"), &p.region)?,
            intensity: score10(&format!("{f}.intensity"), p.intensity)?,
            side: match p.side.as_str() {
                "left" => core::Side::Left,
                "right" => core::Side::Right,
                "both" => core::Side::Both,
                "centre" | "center" => core::Side::Centre,
                other => return Err(fail(&format!("{f}.side"), format!("\"{other}\" is not one of left, right, both, centre"))),
            },
        });
    }
    let headache = match &intake.symptoms.headache {
        None => None,
        Some(h) => {
            if !(h.days_per_month.is_finite() && (0.0..=31.0).contains(&h.days_per_month)) {
                return Err(fail("symptoms.headache.days_per_month", format!("{} is outside 0–31", h.days_per_month)));
            }
            let locations = h
                .locations
                .iter()
                .enumerate()
                .map(|(i, l)| region(&format!("symptoms.headache.locations[{i}]"), l))
                .collect::<Result<_, _>>()?;
            let severity = match h.severity.as_deref() {
                None => None,
                Some("mild") => Some(core::Severity::Mild),
                Some("moderate") => Some(core::Severity::Moderate),
                Some("severe") => Some(core::Severity::Severe),
                Some(s) => return Err(fail("symptoms.headache.severity", format!("\"{s}\" is not one of mild, moderate, severe"))),
            };
            Some(core::Headache {
                days_per_month: h.days_per_month,
                locations,
                bilateral: h.bilateral,
                pressing: h.pressing,
                severity,
                worse_with_activity: h.worse_with_activity,
                nausea: h.nausea,
                photophobia: h.photophobia,
                phonophobia: h.phonophobia,
                provoked_by_neck: h.provoked_by_neck,
            })
        }
    };

    let items: Vec<&str> = kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|i| i.id.as_str())).collect();
    for id in intake.red_flags.keys() {
        if !items.contains(&id.as_str()) {
            return Err(fail(
                &format!("red_flags.{id}"),
                "unknown red-flag item; `tonus knowledge list` shows the screen's item ids".into(),
            ));
        }
    }

    let o = &intake.outcomes;
    let ndi = match &o.ndi {
        None => None,
        Some(answers) => {
            let ids: Vec<&str> = kb.outcomes().ndi.items.iter().map(|i| i.id.as_str()).collect();
            for (id, v) in answers {
                if !ids.contains(&id.as_str()) {
                    return Err(fail(&format!("outcomes.ndi.{id}"), format!("unknown NDI item; the items are {}", ids.join(", "))));
                }
                if *v > 5 {
                    return Err(fail(&format!("outcomes.ndi.{id}"), format!("{v} is outside 0–5")));
                }
            }
            Some(answers.clone())
        }
    };
    let nprs = match &o.nprs {
        None => None,
        Some(n) => {
            let opt = |field: &str, v: Option<f64>| v.map(|v| score10(field, v)).transpose();
            Some(core::NprsRatings {
                now: opt("outcomes.nprs.now", n.now)?,
                worst_24h: opt("outcomes.nprs.worst_24h", n.worst_24h)?,
                average_week: opt("outcomes.nprs.average_week", n.average_week)?,
            })
        }
    };
    let psfs = match &o.psfs {
        None => None,
        Some(p) => {
            let version = match p.version.as_str() {
                "1" | "1.0" => core::PsfsVersion::V1,
                "2" | "2.0" => core::PsfsVersion::V2,
                v => {
                    return Err(fail(
                        "outcomes.psfs.version",
                        format!("\"{v}\" is not 1 or 2 (PSFS 2.0 reverses the scale, so the version matters)"),
                    ));
                }
            };
            if p.items.is_empty() || p.items.len() > 5 {
                return Err(fail("outcomes.psfs.items", format!("needs 1–5 activities (3–5 recommended), found {}", p.items.len())));
            }
            let mut items = Vec::new();
            for (i, it) in p.items.iter().enumerate() {
                if it.activity.trim().is_empty() {
                    return Err(fail(&format!("outcomes.psfs.items[{i}].activity"), "must name the activity".into()));
                }
                items.push(core::PsfsItem {
                    activity: it.activity.clone(),
                    score: score10(&format!("outcomes.psfs.items[{i}].score"), it.score)?,
                });
            }
            Some(core::PsfsAnswers { version, items })
        }
    };

    let t = &intake.tests;
    let sides_f = |field: &str, s: &Option<Sides<f64>>, max: f64| -> Result<Option<core::Sides<f64>>, InputError> {
        s.as_ref()
            .map(|s| {
                Ok(core::Sides {
                    left: nonneg(&format!("{field}.left"), Some(s.left), max)?.unwrap_or_default(),
                    right: nonneg(&format!("{field}.right"), Some(s.right), max)?.unwrap_or_default(),
                })
            })
            .transpose()
    };
    let dysk = |field: &str, v: &str| match v {
        "normal" => Ok(core::Dyskinesis::Normal),
        "subtle" => Ok(core::Dyskinesis::Subtle),
        "obvious" => Ok(core::Dyskinesis::Obvious),
        other => Err(fail(field, format!("\"{other}\" is not one of normal, subtle, obvious"))),
    };
    let length = |field: &str, v: &str| match v {
        "normal" => Ok(core::LengthTest::Normal),
        "reduced" => Ok(core::LengthTest::Reduced),
        other => Err(fail(field, format!("\"{other}\" is not one of normal, reduced"))),
    };
    let length_sides = |field: &str, s: &Option<Sides<String>>| -> Result<Option<core::Sides<core::LengthTest>>, InputError> {
        s.as_ref()
            .map(|s| {
                Ok(core::Sides { left: length(&format!("{field}.left"), &s.left)?, right: length(&format!("{field}.right"), &s.right)? })
            })
            .transpose()
    };
    let tests = core::ClinicalTests {
        dnf_endurance_s: nonneg("tests.dnf_endurance_s", t.dnf_endurance_s, 600.0)?,
        ccft_mmhg: match t.ccft_mmhg {
            Some(v) if !(v.is_finite() && (20.0..=30.0).contains(&v)) => {
                return Err(fail("tests.ccft_mmhg", format!("{v} is outside the test's 20–30 mmHg range")));
            }
            v => v,
        },
        lower_trapezius_grade: match &t.lower_trapezius_grade {
            Some(g) if g.left > 5 || g.right > 5 => return Err(fail("tests.lower_trapezius_grade", "grades run from 0 to 5".into())),
            Some(g) => Some(core::Sides { left: g.left, right: g.right }),
            None => None,
        },
        scapular_dyskinesis: t
            .scapular_dyskinesis
            .as_ref()
            .map(|s| {
                Ok::<_, InputError>(core::Sides {
                    left: dysk("tests.scapular_dyskinesis.left", &s.left)?,
                    right: dysk("tests.scapular_dyskinesis.right", &s.right)?,
                })
            })
            .transpose()?,
        pec_minor_supine_cm: sides_f("tests.pec_minor_supine_cm", &t.pec_minor_supine_cm, 30.0)?,
        pec_minor_index: sides_f("tests.pec_minor_index", &t.pec_minor_index, 50.0)?,
        upper_trapezius_length: length_sides("tests.upper_trapezius_length", &t.upper_trapezius_length)?,
        levator_length: length_sides("tests.levator_length", &t.levator_length)?,
    };

    Ok(core::Intake {
        person: core::Person { label: intake.client.name.clone(), sex, age: intake.client.age },
        assessed_on,
        exposure,
        symptoms: core::Symptoms { pain, headache },
        red_flags: intake.red_flags.clone(),
        outcomes: core::OutcomeAnswers { ndi, nprs, psfs },
        tests,
    })
}
