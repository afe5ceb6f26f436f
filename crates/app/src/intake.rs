//! The intake file format (TOML or JSON), its parsing with errors that name the file, line and
//! field, and its conversion into the core's validated [`tonus_core::intake::Intake`].
//!
//! The format is documented by the commented personas in `examples/` and in `docs/intake.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tonus_core::KnowledgeBase;
use tonus_core::intake as core;
pub use tonus_core::vocab::{Dyskinesis, LengthTest, Onset, PainSide, PsfsVersion, Severity, Sex, Side, Tone};

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

/// The intake as written in a file. Choices are the core's vocabulary enums, so a value is
/// spelled once, here, on the web form and in the report.
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
    /// Red-flag item id → yes/no, or `{ present, onset }`.
    #[serde(default)]
    pub red_flags: BTreeMap<String, RedFlag>,
    /// Documented medical clearances of positive red-flag items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clearances: Vec<Clearance>,
    /// Outcome measures.
    #[serde(default)]
    pub outcomes: Outcomes,
    /// Clinical tests.
    #[serde(default)]
    pub tests: Tests,
    /// Palpation findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub palpation: Vec<Palpation>,
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
    /// Sex (norms depend on it).
    #[serde(default)]
    pub sex: Option<Sex>,
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
    /// The side the phone is held on.
    #[serde(default)]
    pub phone_side: Option<Side>,
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
    /// Which shoulder carries it.
    #[serde(default)]
    pub bag_side: Option<Side>,
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
    /// Side (both when not given).
    #[serde(default = "both")]
    pub side: PainSide,
}

fn both() -> PainSide {
    PainSide::Both
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
    /// The side of a one-sided headache.
    #[serde(default)]
    pub side: Option<Side>,
    /// Pressing or tightening.
    #[serde(default)]
    pub pressing: Option<bool>,
    /// Severity.
    #[serde(default)]
    pub severity: Option<Severity>,
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

/// The answer to a red-flag question: `true`/`false`, or `{ present = true, onset = "long_standing" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RedFlag {
    /// Yes or no (the onset of a yes is then unknown and counts as new).
    Answer(bool),
    /// A yes or no with the onset of a yes.
    Detailed {
        /// Yes or no.
        present: bool,
        /// New or sudden, or long-standing and unchanged.
        #[serde(default)]
        onset: Option<Onset>,
    },
}

/// Read by hand rather than `untagged`, so a wrong answer says what an answer looks like
/// instead of "did not match any variant".
impl<'de> Deserialize<'de> for RedFlag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Answer;
        impl<'de> serde::de::Visitor<'de> for Answer {
            type Value = RedFlag;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"true, false, or { present = true, onset = "new" or "long_standing" }"#)
            }

            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RedFlag, E> {
                Ok(RedFlag::Answer(v))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RedFlag, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Detailed {
                    present: bool,
                    #[serde(default)]
                    onset: Option<Onset>,
                }
                let d = Detailed::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RedFlag::Detailed { present: d.present, onset: d.onset })
            }
        }
        d.deserialize_any(Answer)
    }
}

/// A documented medical clearance of a positive red-flag item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clearance {
    /// The red-flag item id.
    pub item: String,
    /// Who assessed it.
    pub assessed_by: String,
    /// When, `YYYY-MM-DD`.
    pub assessed_on: String,
    /// What was found or advised.
    pub note: String,
}

/// NPRS (integers 0–10).
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
    /// An integer 0–10.
    pub score: f64,
}

/// PSFS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Psfs {
    /// `"1"` (0 = unable, 10 = as before) or `"2"` (reversed).
    pub version: PsfsVersion,
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
    /// Per side.
    #[serde(default)]
    pub scapular_dyskinesis: Option<Sides<Dyskinesis>>,
    /// cm per side.
    #[serde(default)]
    pub pec_minor_supine_cm: Option<Sides<f64>>,
    /// PMI per side.
    #[serde(default)]
    pub pec_minor_index: Option<Sides<f64>>,
    /// Per side.
    #[serde(default)]
    pub upper_trapezius_length: Option<Sides<LengthTest>>,
    /// Per side.
    #[serde(default)]
    pub levator_length: Option<Sides<LengthTest>>,
}

/// The same per-side values in the core's type.
fn same<T: Copy>(s: Option<Sides<T>>) -> Option<core::Sides<T>> {
    s.map(|s| core::Sides { left: s.left, right: s.right })
}

/// Which side a palpation was recorded on: one side, or the same on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PalpatedSide {
    /// Left.
    Left,
    /// Right.
    Right,
    /// The same on both sides.
    Both,
}

/// A palpation finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Palpation {
    /// Muscle id.
    pub muscle: String,
    /// Side.
    pub side: PalpatedSide,
    /// Tone.
    #[serde(default)]
    pub tone: Option<Tone>,
    /// Tenderness 0 (none) – 3 (severe).
    #[serde(default)]
    pub tenderness: Option<u8>,
    /// A tender spot reproduces the familiar pain.
    #[serde(default)]
    pub familiar_pain: Option<bool>,
    /// Where, in the therapist's words.
    #[serde(default)]
    pub location: Option<String>,
}

/// Parses an intake file. Syntax errors name the line and column; unknown or mistyped fields
/// name the field.
pub fn parse(text: &str, format: Format, file_name: &str) -> Result<Intake, InputError> {
    match format {
        Format::Toml => toml::from_str(text).map_err(|e| InputError::syntax(file_name, text, &e)),
        Format::Json => InputError::from_json(text, file_name),
    }
}

/// Today (UTC), from this computer's clock.
fn today() -> tonus_core::Date {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400);
    tonus_core::Date::from_ymd(1970, 1, 1).expect("a date").add_days(i64::try_from(days).unwrap_or(0))
}

/// Checks ranges and ids and converts into the core's intake; the error names the field.
pub fn to_core(intake: &Intake, file: &str, kb: &KnowledgeBase) -> Result<core::Intake, InputError> {
    to_core_all(intake, file, kb).map_err(|mut all| all.swap_remove(0))
}

/// Like [`to_core`], with every problem found, in the file's order (never an empty list).
pub fn to_core_all(intake: &Intake, file: &str, kb: &KnowledgeBase) -> Result<core::Intake, Vec<InputError>> {
    let c = Check { file, kb, errors: std::cell::RefCell::default() };
    if intake.format_version != 1 {
        return Err(vec![c.fail("format_version", format!("unsupported version {}; this Tonus reads version 1", intake.format_version))]);
    }
    let assessed_on = c.ok(c.date("assessed_on", &intake.assessed_on).and_then(|d| {
        // A date for a planned visit is fine; a year ahead is a mistyped year (9999 would run
        // the plan's dates past the calendar).
        if d > today().add_days(366) {
            Err(c.fail("assessed_on", format!("{d} is more than a year ahead; give the day of the assessment")))
        } else {
            Ok(d)
        }
    }));
    let person = c.ok(c.person(&intake.client));
    let exposure = c.ok(c.exposure(&intake.exposure));
    let symptoms = c.ok(c.symptoms(&intake.symptoms));
    let red_flags = c.ok(c.red_flags(&intake.red_flags));
    let clearances = c.ok(c.clearances(&intake.clearances));
    let outcomes = c.ok(c.outcomes(&intake.outcomes));
    let tests = c.ok(c.tests(&intake.tests));
    let palpation = c.ok(c.palpation(&intake.palpation));
    let errors = c.errors.into_inner();
    match (person, assessed_on, exposure, symptoms, red_flags, clearances, outcomes, tests, palpation) {
        (
            Some(person),
            Some(assessed_on),
            Some(exposure),
            Some(symptoms),
            Some(red_flags),
            Some(clearances),
            Some(outcomes),
            Some(tests),
            Some(palpation),
        ) if errors.is_empty() => {
            Ok(core::Intake { person, assessed_on, exposure, symptoms, red_flags, clearances, outcomes, tests, palpation })
        }
        _ => Err(errors),
    }
}

/// Range and id checks against one file and the knowledge base. A failed leaf check (a
/// number out of range, an unknown region) is recorded and checking goes on, so every problem
/// is reported at once; a section that cannot go on returns its error.
struct Check<'a> {
    file: &'a str,
    kb: &'a KnowledgeBase,
    errors: std::cell::RefCell<Vec<InputError>>,
}

impl Check<'_> {
    fn fail(&self, field: &str, message: String) -> InputError {
        InputError::field(self.file, field, message)
    }

    /// A leaf check's value, or (its error recorded) a stand-in that is never used, since the
    /// intake is then refused.
    fn keep<T: Default>(&self, checked: Result<T, InputError>) -> T {
        checked.unwrap_or_else(|e| {
            self.errors.borrow_mut().push(e);
            T::default()
        })
    }

    /// A section's value, or `None` with its error recorded.
    fn ok<T>(&self, checked: Result<T, InputError>) -> Option<T> {
        checked.map_err(|e| self.errors.borrow_mut().push(e)).ok()
    }

    fn date(&self, field: &str, text: &str) -> Result<tonus_core::Date, InputError> {
        tonus_core::Date::parse(text).ok_or_else(|| self.fail(field, format!("\"{text}\" is not a date; write it as YYYY-MM-DD")))
    }

    fn range(&self, field: &str, v: f64, max: f64) -> Result<f64, InputError> {
        // A huge number is written as 1e308, not with its 309 digits.
        let shown = if v.is_finite() && v.abs() >= 1e9 { format!("{v:e}") } else { format!("{v}") };
        if v.is_finite() && (0.0..=max).contains(&v) { Ok(v) } else { Err(self.fail(field, format!("{shown} is outside 0–{max}"))) }
    }

    fn optional(&self, field: &str, v: Option<f64>, max: f64) -> Result<Option<f64>, InputError> {
        v.map(|v| self.range(field, v, max)).transpose()
    }

    fn hours(&self, field: &str, v: f64) -> Result<f64, InputError> {
        if v.is_finite() && (0.0..=24.0).contains(&v) {
            Ok(v)
        } else {
            Err(self.fail(field, format!("{v} is not a number of hours in a day (0–24)")))
        }
    }

    fn score10(&self, field: &str, v: f64) -> Result<f64, InputError> {
        if v.is_finite() && (0.0..=10.0).contains(&v) { Ok(v) } else { Err(self.fail(field, format!("{v} is outside the 0–10 scale"))) }
    }

    /// A whole number on a 0–10 scale (the NPRS and PSFS are 11-point scales).
    fn whole10(&self, field: &str, v: f64, scale: &str) -> Result<u8, InputError> {
        let v = self.keep(self.score10(field, v));
        if v.fract() != 0.0 {
            return Err(self.fail(field, format!("{v} is not a whole number; the {scale} is scored 0, 1, 2 … 10")));
        }
        Ok(v as u8)
    }

    fn region(&self, field: &str, id: &str) -> Result<String, InputError> {
        match self.kb.region(id) {
            Some(r) if r.body_area => Ok(id.to_string()),
            _ => {
                let ids: Vec<&str> = self.kb.regions().iter().filter(|r| r.body_area).map(|r| r.id.as_str()).collect();
                Err(self.fail(field, format!("unknown body region \"{id}\"; use one of {}", ids.join(", "))))
            }
        }
    }

    fn person(&self, client: &Client) -> Result<core::Person, InputError> {
        if client.name.trim().is_empty() {
            return Err(self.fail("client.name", "must not be empty".into()));
        }
        if client.age.is_some_and(|a| !(10..=120).contains(&a)) {
            return Err(self.fail("client.age", "must be between 10 and 120".into()));
        }
        Ok(core::Person { label: client.name.clone(), sex: client.sex.unwrap_or(Sex::Unspecified), age: client.age })
    }

    fn exposure(&self, e: &Exposure) -> Result<core::Exposure, InputError> {
        let s = &e.sitting;
        let sitting = core::Sitting {
            desk: self.keep(self.hours("exposure.sitting.desk", s.desk)),
            sofa: self.keep(self.hours("exposure.sitting.sofa", s.sofa)),
            car: self.keep(self.hours("exposure.sitting.car", s.car)),
            train: self.keep(self.hours("exposure.sitting.train", s.train)),
            plane: self.keep(self.hours("exposure.sitting.plane", s.plane)),
            other: self.keep(self.hours("exposure.sitting.other", s.other)),
        };
        if sitting.total() > 24.0 {
            return Err(self.fail("exposure.sitting", format!("adds up to {:.1} hours, more than a day", sitting.total())));
        }
        let h = &e.hands_forward;
        let hands_forward = core::HandsForward {
            computer: self.keep(self.hours("exposure.hands_forward.computer", h.computer)),
            tablet: self.keep(self.hours("exposure.hands_forward.tablet", h.tablet)),
            phone: self.keep(self.hours("exposure.hands_forward.phone", h.phone)),
            driving: self.keep(self.hours("exposure.hands_forward.driving", h.driving)),
        };
        if hands_forward.total() > 24.0 {
            return Err(self.fail("exposure.hands_forward", format!("adds up to {:.1} hours, more than a day", hands_forward.total())));
        }
        let break_every_min = self.keep(self.optional("exposure.break_every_min", e.break_every_min, 1440.0));
        if break_every_min.is_some_and(|v| v <= 0.0) {
            return Err(self.fail("exposure.break_every_min", "must be more than 0 minutes; omit it when there are no breaks".into()));
        }
        let (w, a) = (&e.workstation, &e.after_work);
        Ok(core::Exposure {
            sitting,
            hands_forward,
            longest_bout_min: self.keep(self.optional("exposure.longest_bout_min", e.longest_bout_min, 1440.0)),
            break_every_min,
            laptop_only: w.laptop_only,
            headset_for_calls: w.headset_for_calls,
            call_hours: self.keep(self.optional("exposure.workstation.call_hours", w.call_hours, 24.0)),
            phone_side: w.phone_side,
            exercise_hours_per_week: self.keep(self.optional(
                "exposure.after_work.exercise_hours_per_week",
                a.exercise_hours_per_week,
                168.0,
            )),
            lifting_carrying_hours_per_week: self.keep(self.optional(
                "exposure.after_work.lifting_carrying_hours_per_week",
                a.lifting_carrying_hours_per_week,
                168.0,
            )),
            bag_on_one_shoulder: a.bag_on_one_shoulder,
            bag_side: a.bag_side,
        })
    }

    fn symptoms(&self, s: &Symptoms) -> Result<core::Symptoms, InputError> {
        let mut pain = Vec::new();
        for (i, p) in s.pain.iter().enumerate() {
            let f = format!("symptoms.pain[{i}]");
            pain.push(core::Pain {
                region: self.keep(self.region(&format!("{f}.region"), &p.region)),
                intensity: self.keep(self.score10(&format!("{f}.intensity"), p.intensity)),
                side: p.side,
            });
        }
        let headache = s.headache.as_ref().map(|h| self.headache(h)).transpose()?;
        Ok(core::Symptoms { pain, headache })
    }

    fn headache(&self, h: &Headache) -> Result<core::Headache, InputError> {
        if !(h.days_per_month.is_finite() && (0.0..=31.0).contains(&h.days_per_month)) {
            return Err(self.fail("symptoms.headache.days_per_month", format!("{} is outside 0–31", h.days_per_month)));
        }
        let locations = h
            .locations
            .iter()
            .enumerate()
            .map(|(i, l)| self.region(&format!("symptoms.headache.locations[{i}]"), l))
            .collect::<Result<_, _>>()?;
        if h.bilateral == Some(true) && h.side.is_some() {
            return Err(self.fail("symptoms.headache.side", "a headache on both sides has no single side; leave the side empty".into()));
        }
        Ok(core::Headache {
            days_per_month: h.days_per_month,
            locations,
            bilateral: h.bilateral,
            pressing: h.pressing,
            severity: h.severity,
            worse_with_activity: h.worse_with_activity,
            nausea: h.nausea,
            photophobia: h.photophobia,
            phonophobia: h.phonophobia,
            provoked_by_neck: h.provoked_by_neck,
            side: h.side,
        })
    }

    fn red_flags(&self, flags: &BTreeMap<String, RedFlag>) -> Result<BTreeMap<String, core::RedFlagAnswer>, InputError> {
        let items: Vec<&str> = self.kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|i| i.id.as_str())).collect();
        let mut out = BTreeMap::new();
        for (id, answer) in flags {
            if !items.contains(&id.as_str()) {
                return Err(self
                    .fail(&format!("red_flags.{id}"), "unknown red-flag item; `tonus knowledge list` shows the screen's item ids".into()));
            }
            let answer = match *answer {
                RedFlag::Answer(present) => core::RedFlagAnswer { present, onset: None },
                RedFlag::Detailed { present: false, onset: Some(_) } => {
                    return Err(
                        self.fail(&format!("red_flags.{id}.onset"), "an onset belongs to a yes; remove it or answer present = true".into())
                    );
                }
                RedFlag::Detailed { present, onset } => core::RedFlagAnswer { present, onset },
            };
            out.insert(id.clone(), answer);
        }
        Ok(out)
    }

    fn clearances(&self, list: &[Clearance]) -> Result<Vec<core::Clearance>, InputError> {
        let items: Vec<&str> = self.kb.red_flag_categories().iter().flat_map(|c| c.item.iter().map(|i| i.id.as_str())).collect();
        list.iter()
            .enumerate()
            .map(|(i, c)| {
                let f = |field: &str| format!("clearances[{i}].{field}");
                if !items.contains(&c.item.as_str()) {
                    return Err(self.fail(&f("item"), format!("unknown red-flag item \"{}\"", c.item)));
                }
                for (field, text) in [("assessed_by", &c.assessed_by), ("note", &c.note)] {
                    if text.trim().is_empty() {
                        return Err(self
                            .fail(&f(field), "must not be empty: a clearance documents who assessed the item and what they found".into()));
                    }
                }
                Ok(core::Clearance {
                    item: c.item.clone(),
                    assessed_by: c.assessed_by.trim().to_string(),
                    assessed_on: self.date(&f("assessed_on"), &c.assessed_on)?,
                    note: c.note.trim().to_string(),
                })
            })
            .collect()
    }

    fn outcomes(&self, o: &Outcomes) -> Result<core::OutcomeAnswers, InputError> {
        let ndi = match &o.ndi {
            None => None,
            Some(answers) => {
                let ids: Vec<&str> = self.kb.outcomes().ndi.items.iter().map(|i| i.id.as_str()).collect();
                for (id, v) in answers {
                    if !ids.contains(&id.as_str()) {
                        return Err(self.fail(&format!("outcomes.ndi.{id}"), format!("unknown NDI item; the items are {}", ids.join(", "))));
                    }
                    if *v > 5 {
                        return Err(self.fail(&format!("outcomes.ndi.{id}"), format!("{v} is outside 0–5")));
                    }
                }
                Some(answers.clone())
            }
        };
        let nprs = o
            .nprs
            .as_ref()
            .map(|n| {
                let opt = |field: &str, v: Option<f64>| v.map(|v| self.whole10(field, v, "NPRS")).transpose();
                Ok::<_, InputError>(core::NprsRatings {
                    now: opt("outcomes.nprs.now", n.now)?,
                    worst_24h: opt("outcomes.nprs.worst_24h", n.worst_24h)?,
                    average_week: opt("outcomes.nprs.average_week", n.average_week)?,
                })
            })
            .transpose()?;
        let psfs = o.psfs.as_ref().map(|p| self.psfs(p)).transpose()?;
        Ok(core::OutcomeAnswers { ndi, nprs, psfs })
    }

    fn psfs(&self, p: &Psfs) -> Result<core::PsfsAnswers, InputError> {
        if p.items.is_empty() || p.items.len() > 5 {
            return Err(self.fail("outcomes.psfs.items", format!("needs 1–5 activities (3–5 recommended), found {}", p.items.len())));
        }
        let mut items = Vec::new();
        for (i, it) in p.items.iter().enumerate() {
            if it.activity.trim().is_empty() {
                return Err(self.fail(&format!("outcomes.psfs.items[{i}].activity"), "must name the activity".into()));
            }
            items.push(core::PsfsItem {
                activity: it.activity.clone(),
                score: self.keep(self.whole10(&format!("outcomes.psfs.items[{i}].score"), it.score, "PSFS")),
            });
        }
        Ok(core::PsfsAnswers { version: p.version, items })
    }

    fn sides(&self, field: &str, s: &Option<Sides<f64>>, max: f64) -> Result<Option<core::Sides<f64>>, InputError> {
        s.map(|s| {
            Ok(core::Sides {
                left: self.keep(self.range(&format!("{field}.left"), s.left, max)),
                right: self.keep(self.range(&format!("{field}.right"), s.right, max)),
            })
        })
        .transpose()
    }

    fn tests(&self, t: &Tests) -> Result<core::ClinicalTests, InputError> {
        if t.ccft_mmhg.is_some_and(|v| !(v.is_finite() && (20.0..=30.0).contains(&v))) {
            return Err(self.fail("tests.ccft_mmhg", format!("{} is outside the test's 20–30 mmHg range", t.ccft_mmhg.unwrap_or_default())));
        }
        if t.lower_trapezius_grade.is_some_and(|g| g.left > 5 || g.right > 5) {
            return Err(self.fail("tests.lower_trapezius_grade", "grades run from 0 to 5".into()));
        }
        Ok(core::ClinicalTests {
            dnf_endurance_s: self.keep(self.optional("tests.dnf_endurance_s", t.dnf_endurance_s, 600.0)),
            ccft_mmhg: t.ccft_mmhg,
            lower_trapezius_grade: same(t.lower_trapezius_grade),
            scapular_dyskinesis: same(t.scapular_dyskinesis),
            pec_minor_supine_cm: self.sides("tests.pec_minor_supine_cm", &t.pec_minor_supine_cm, 30.0)?,
            pec_minor_index: self.sides("tests.pec_minor_index", &t.pec_minor_index, 50.0)?,
            upper_trapezius_length: same(t.upper_trapezius_length),
            levator_length: same(t.levator_length),
        })
    }

    fn palpation(&self, list: &[Palpation]) -> Result<Vec<core::Palpation>, InputError> {
        let mut out = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let f = |field: &str| format!("palpation[{i}].{field}");
            match self.kb.muscle(&p.muscle) {
                Some(m) if m.palpable && m.typical_state != tonus_core::knowledge::TypicalState::PrimeMover => {}
                _ => {
                    let ids: Vec<&str> = self
                        .kb
                        .muscles()
                        .iter()
                        .filter(|m| m.palpable && m.typical_state != tonus_core::knowledge::TypicalState::PrimeMover)
                        .map(|m| m.id.as_str())
                        .collect();
                    return Err(self.fail(&f("muscle"), format!("unknown muscle \"{}\"; palpate one of {}", p.muscle, ids.join(", "))));
                }
            }
            if p.tenderness.is_some_and(|t| t > 3) {
                return Err(self.fail(&f("tenderness"), "tenderness runs from 0 (none) to 3 (severe)".into()));
            }
            if p.tone.is_none() && p.tenderness.is_none() && p.familiar_pain.is_none() {
                return Err(self.fail(&f("tone"), "record at least one of tone, tenderness or familiar_pain".into()));
            }
            let location = p.location.as_ref().map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
            let sides: &[Side] = match p.side {
                PalpatedSide::Left => &[Side::Left],
                PalpatedSide::Right => &[Side::Right],
                PalpatedSide::Both => &[Side::Left, Side::Right],
            };
            for side in sides {
                if out.iter().any(|x: &core::Palpation| x.muscle == p.muscle && x.side == *side) {
                    return Err(self.fail(&f("side"), format!("{} {} is palpated twice; record it once", side, p.muscle)));
                }
                out.push(core::Palpation {
                    muscle: p.muscle.clone(),
                    side: *side,
                    tone: p.tone,
                    tenderness: p.tenderness,
                    familiar_pain: p.familiar_pain,
                    location: location.clone(),
                });
            }
        }
        Ok(out)
    }
}
