//! The assessment form: its fields (named by intake path, e.g. `symptoms.pain[0].intensity`),
//! turning posted values into the intake JSON, and the view model the template renders.
//!
//! Field names equal the intake file's paths, so an error the app reports for a field lands
//! next to that field. Values are kept exactly as typed (the draft), and converted only when
//! building the intake, which is then read into the app's typed [`Intake`] (the one intake
//! model: a field this form writes that the model does not know fails to read, so the two
//! cannot drift apart unnoticed; the tests build every field). Ranges and ids are the clinic's
//! to check (`Clinic::check_intake`); this module checks only that numbers are numbers and
//! that rows are complete.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tonus_app::intake::Intake;
use tonus_core::KnowledgeBase;

/// The knowledge base's labels for the intake form.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// (category name, [(item id, question)]).
    pub red_flags: Vec<(String, Vec<(String, String)>)>,
    /// (region id, name).
    pub regions: Vec<(String, String)>,
    /// (NDI item id, name, what 0 means, what 5 means).
    pub ndi_items: Vec<(String, String, String, String)>,
    /// (muscle id, name) of the muscles a hand can judge.
    pub palpable: Vec<(String, String)>,
}

impl Catalog {
    /// The labels of a knowledge base.
    pub(crate) fn of(kb: &KnowledgeBase) -> Self {
        Catalog {
            red_flags: kb
                .red_flag_categories()
                .iter()
                .map(|c| (c.name.clone(), c.item.iter().map(|i| (i.id.clone(), i.question.clone())).collect()))
                .collect(),
            regions: kb.regions().iter().map(|r| (r.id.clone(), r.name.clone())).collect(),
            ndi_items: kb.outcomes().ndi.items.iter().map(|i| (i.id.clone(), i.name.clone(), i.low.clone(), i.high.clone())).collect(),
            palpable: kb.muscles().iter().filter(|m| m.palpable).map(|m| (m.id.clone(), m.name.clone())).collect(),
        }
    }
}

/// Posted values by field name, as typed (several for checkbox groups).
pub(crate) type FormValues = BTreeMap<String, Vec<String>>;

/// Errors by field name (`""` for the whole form).
pub(crate) type FieldErrors = BTreeMap<String, String>;

/// Rows offered for repeated groups.
const PAIN_ROWS: usize = 3;
const PSFS_ROWS: usize = 3;
const PALPATION_ROWS: usize = 4;
const CLEARANCE_ROWS: usize = 2;

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// 0–24 hours.
    Hours,
    Number {
        min: f64,
        max: f64,
    },
    Integer {
        min: i64,
        max: i64,
    },
    Text,
    Date,
    Choice(&'static [(&'static str, &'static str)]),
    /// A red-flag answer: no, yes (new or changed), or yes but long-standing and unchanged
    /// (radio buttons); only a long-standing yes can be lifted by a recorded clearance.
    RedFlag,
    /// Yes, no or not asked.
    Optional,
    /// Region choice from the knowledge base.
    Region,
    /// Several regions (checkboxes).
    Regions,
    /// NDI item score 0–5.
    NdiScore,
    /// A palpable muscle from the knowledge base.
    Muscle,
    /// A red-flag item from the knowledge base.
    RedFlagItem,
}

const SEX: &[(&str, &str)] = &[("", "not given"), ("female", "female"), ("male", "male"), ("other", "other")];
const SIDE: &[(&str, &str)] = &[("both", "both"), ("left", "left"), ("right", "right"), ("centre", "centre")];
const SEVERITY: &[(&str, &str)] = &[("", "not given"), ("mild", "mild"), ("moderate", "moderate"), ("severe", "severe")];
const PSFS_VERSION: &[(&str, &str)] =
    &[("", "not scored"), ("1", "1 (0 = unable, 10 = as before)"), ("2", "2 (0 = as before, 10 = unable)")];
const DYSKINESIS: &[(&str, &str)] = &[("", "not tested"), ("normal", "normal"), ("subtle", "subtle"), ("obvious", "obvious")];
const LENGTH: &[(&str, &str)] = &[("", "not tested"), ("normal", "normal"), ("reduced", "reduced")];
const PALPATED_SIDE: &[(&str, &str)] = &[("both", "both sides alike"), ("left", "left"), ("right", "right")];
const TONE: &[(&str, &str)] =
    &[("", "not judged"), ("normal", "normal"), ("increased", "increased (taut)"), ("decreased", "decreased (slack)")];
const TENDERNESS: &[(&str, &str)] = &[("", "not tested"), ("0", "0 none"), ("1", "1 mild"), ("2", "2 moderate"), ("3", "3 severe")];
const GRADE: &[(&str, &str)] = &[("", "not tested"), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")];

struct Spec {
    name: String,
    label: String,
    kind: Kind,
    hint: String,
}

fn spec(name: impl Into<String>, label: impl Into<String>, kind: Kind) -> Spec {
    Spec { name: name.into(), label: label.into(), kind, hint: String::new() }
}

fn hinted(mut s: Spec, hint: &str) -> Spec {
    s.hint = hint.to_owned();
    s
}

struct SectionSpec {
    legend: String,
    note: &'static str,
    fields: Vec<Spec>,
    /// A red-flag category's index: the section offers "None of these".
    none_of_these: Option<usize>,
}

fn sections(catalog: &Catalog) -> Vec<SectionSpec> {
    let mut red_flags = Vec::new();
    for (i, (category, items)) in catalog.red_flags.iter().enumerate() {
        red_flags.push(SectionSpec {
            legend: format!("Red-flag screen: {category}"),
            note: "Ask every question. \"None of these\" answers no to each; any yes blocks the plan and gives referral advice. A doctor's clearance recorded below lifts the block only for a yes that is long-standing and unchanged.",
            none_of_these: Some(i),
            fields: items.iter().map(|(id, question)| spec(format!("red_flags.{id}"), question.clone(), Kind::RedFlag)).collect(),
        });
    }
    let mut out = vec![SectionSpec {
        legend: "Client".into(),
        note: "",
        none_of_these: None,
        fields: vec![
            spec("client.name", "Name or code", Kind::Text),
            spec("client.sex", "Sex (for sex-specific norms)", Kind::Choice(SEX)),
            spec("client.age", "Age (years)", Kind::Integer { min: 10, max: 120 }),
            spec("assessed_on", "Assessed on", Kind::Date),
        ],
    }];
    // The client first, then the red-flag screen, before anything it could stop.
    out.extend(red_flags);
    let hours = |group: &str, keys: &[(&str, &str)]| {
        keys.iter().map(|(k, label)| spec(format!("exposure.{group}.{k}"), *label, Kind::Hours)).collect::<Vec<_>>()
    };
    out.push(SectionSpec {
        legend: "Exposure: sitting, hours per day".into(),
        note: "",
        none_of_these: None,
        fields: hours(
            "sitting",
            &[("desk", "Desk"), ("sofa", "Sofa"), ("car", "Car"), ("train", "Train or bus"), ("plane", "Plane"), ("other", "Elsewhere")],
        ),
    });
    out.push(SectionSpec {
        legend: "Exposure: hands in front, hours per day".into(),
        note: "",
        none_of_these: None,
        fields: hours("hands_forward", &[("computer", "Computer"), ("tablet", "Tablet"), ("phone", "Phone"), ("driving", "Driving")]),
    });
    out.push(SectionSpec {
        legend: "Exposure: breaks, workstation, after work".into(),
        note: "",
        none_of_these: None,
        fields: vec![
            spec("exposure.longest_bout_min", "Longest unbroken sitting (minutes)", Kind::Number { min: 0.0, max: 1440.0 }),
            hinted(
                spec("exposure.break_every_min", "Minutes between deliberate breaks", Kind::Number { min: 1.0, max: 1440.0 }),
                "Leave empty when there are no breaks.",
            ),
            spec("exposure.workstation.laptop_only", "Laptop only (no separate screen and keyboard)", Kind::Optional),
            spec("exposure.workstation.headset_for_calls", "Headset for calls", Kind::Optional),
            spec("exposure.workstation.call_hours", "Hours on calls per day", Kind::Hours),
            spec("exposure.after_work.exercise_hours_per_week", "Exercise (hours per week)", Kind::Number { min: 0.0, max: 168.0 }),
            spec(
                "exposure.after_work.lifting_carrying_hours_per_week",
                "Lifting and carrying (hours per week)",
                Kind::Number { min: 0.0, max: 168.0 },
            ),
            spec("exposure.after_work.bag_on_one_shoulder", "Bag carried on one shoulder", Kind::Optional),
        ],
    });
    let mut pain = Vec::new();
    for i in 0..PAIN_ROWS {
        pain.push(spec(format!("symptoms.pain[{i}].region"), format!("Pain {}: region", i + 1), Kind::Region));
        pain.push(spec(
            format!("symptoms.pain[{i}].intensity"),
            format!("Pain {}: intensity 0–10", i + 1),
            Kind::Number { min: 0.0, max: 10.0 },
        ));
        pain.push(spec(format!("symptoms.pain[{i}].side"), format!("Pain {}: side", i + 1), Kind::Choice(SIDE)));
    }
    out.push(SectionSpec {
        legend: "Symptoms: pain".into(),
        note: "One row per painful region; leave unused rows empty.",
        fields: pain,
        none_of_these: None,
    });
    out.push(SectionSpec {
        legend: "Symptoms: headache".into(),
        note: "Leave empty when there is no headache.",
        none_of_these: None,
        fields: vec![
            spec("symptoms.headache.days_per_month", "Headache days per month", Kind::Number { min: 0.0, max: 31.0 }),
            spec("symptoms.headache.locations", "Where it is felt", Kind::Regions),
            spec("symptoms.headache.severity", "Severity", Kind::Choice(SEVERITY)),
            spec("symptoms.headache.bilateral", "On both sides", Kind::Optional),
            spec("symptoms.headache.pressing", "Pressing or tightening (not pulsating)", Kind::Optional),
            spec("symptoms.headache.worse_with_activity", "Worse with routine activity", Kind::Optional),
            spec("symptoms.headache.nausea", "Nausea", Kind::Optional),
            spec("symptoms.headache.photophobia", "Light hurts", Kind::Optional),
            spec("symptoms.headache.phonophobia", "Sound hurts", Kind::Optional),
            spec("symptoms.headache.provoked_by_neck", "Brought on by neck movement or posture", Kind::Optional),
        ],
    });
    out.push(SectionSpec {
        legend: "Neck Disability Index (NDI)".into(),
        note: "Score every item 0–5, or leave all empty.",
        none_of_these: None,
        fields: catalog
            .ndi_items
            .iter()
            .map(|(id, name, low, high)| {
                hinted(spec(format!("outcomes.ndi.{id}"), name.clone(), Kind::NdiScore), &format!("0: {low}. 5: {high}."))
            })
            .collect(),
    });
    let ten = Kind::Number { min: 0.0, max: 10.0 };
    out.push(SectionSpec {
        legend: "Numeric Pain Rating Scale (NPRS)".into(),
        note: "",
        none_of_these: None,
        fields: vec![
            spec("outcomes.nprs.now", "Now (0–10)", ten),
            spec("outcomes.nprs.worst_24h", "Worst in the last 24 hours (0–10)", ten),
            spec("outcomes.nprs.average_week", "Average over the past week (0–10)", ten),
        ],
    });
    let mut psfs = vec![spec("outcomes.psfs.version", "PSFS version", Kind::Choice(PSFS_VERSION))];
    for i in 0..PSFS_ROWS {
        psfs.push(spec(format!("outcomes.psfs.items[{i}].activity"), format!("Activity {}", i + 1), Kind::Text));
        psfs.push(spec(format!("outcomes.psfs.items[{i}].score"), format!("Activity {}: score 0–10", i + 1), ten));
    }
    out.push(SectionSpec { legend: "Patient-Specific Functional Scale (PSFS)".into(), note: "", fields: psfs, none_of_these: None });
    let mut tests = vec![
        spec("tests.dnf_endurance_s", "Deep neck flexor endurance (s)", Kind::Number { min: 0.0, max: 600.0 }),
        spec("tests.ccft_mmhg", "Cranio-cervical flexion test (mmHg)", Kind::Number { min: 0.0, max: 40.0 }),
    ];
    for (key, label, kind) in [
        ("lower_trapezius_grade", "Lower trapezius grade", Kind::Choice(GRADE)),
        ("scapular_dyskinesis", "Scapular dyskinesis", Kind::Choice(DYSKINESIS)),
        ("pec_minor_supine_cm", "Pec minor supine (cm)", Kind::Number { min: 0.0, max: 30.0 }),
        ("pec_minor_index", "Pec minor index", Kind::Number { min: 0.0, max: 30.0 }),
        ("upper_trapezius_length", "Upper trapezius length", Kind::Choice(LENGTH)),
        ("levator_length", "Levator scapulae length", Kind::Choice(LENGTH)),
    ] {
        for side in ["left", "right"] {
            tests.push(spec(format!("tests.{key}.{side}"), format!("{label}, {side}"), kind));
        }
    }
    out.push(SectionSpec { legend: "Clinical tests".into(), note: "Per side tests need both sides.", fields: tests, none_of_these: None });
    let mut palpation = Vec::new();
    for i in 0..PALPATION_ROWS {
        let n = i + 1;
        palpation.push(spec(format!("palpation[{i}].muscle"), format!("Palpation {n}: muscle"), Kind::Muscle));
        palpation.push(spec(format!("palpation[{i}].side"), format!("Palpation {n}: side"), Kind::Choice(PALPATED_SIDE)));
        palpation.push(spec(format!("palpation[{i}].tone"), format!("Palpation {n}: tone"), Kind::Choice(TONE)));
        palpation.push(spec(format!("palpation[{i}].tenderness"), format!("Palpation {n}: tenderness 0–3"), Kind::Choice(TENDERNESS)));
        palpation.push(spec(
            format!("palpation[{i}].familiar_pain"),
            format!("Palpation {n}: reproduces the familiar pain"),
            Kind::Optional,
        ));
    }
    out.push(SectionSpec {
        legend: "Palpation".into(),
        note: "What you felt, one row per muscle and side. Palpation is a finding on the body, but unreliable between examiners: it counts for less than a test.",
        none_of_these: None,
        fields: palpation,
    });
    let mut clearances = Vec::new();
    for i in 0..CLEARANCE_ROWS {
        let n = i + 1;
        clearances.push(spec(format!("clearances[{i}].item"), format!("Clearance {n}: red-flag item"), Kind::RedFlagItem));
        clearances.push(spec(format!("clearances[{i}].assessed_by"), format!("Clearance {n}: assessed by (name, role)"), Kind::Text));
        clearances.push(spec(format!("clearances[{i}].assessed_on"), format!("Clearance {n}: assessed on"), Kind::Date));
        clearances.push(spec(format!("clearances[{i}].note"), format!("Clearance {n}: what was found or advised"), Kind::Text));
    }
    out.push(SectionSpec {
        legend: "Medical clearance of a red flag".into(),
        note: "Only for a long-standing, unchanged item that a doctor has already assessed. A new or changed symptom is not cleared this way: refer.",
        none_of_these: None,
        fields: clearances,
    });
    out
}

/// One field as the template shows it.
#[derive(Debug, Clone)]
pub(crate) struct FieldView {
    pub name: String,
    pub id: String,
    pub label: String,
    pub hint: String,
    /// `number`, `text`, `date`, `select`, `redflag` (no, yes, long-standing), `checkboxes`.
    pub widget: &'static str,
    pub min: String,
    pub max: String,
    pub value: String,
    pub values: Vec<String>,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
}

impl FieldView {
    pub(crate) fn is(&self, widget: &str) -> bool {
        self.widget == widget
    }

    pub(crate) fn selected(&self, option: &str) -> bool {
        self.value == option
    }

    pub(crate) fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }

    /// The ids of the hint and the error that describe the field, for `aria-describedby`.
    pub(crate) fn described_by(&self) -> String {
        let hint = (!self.hint.is_empty()).then(|| format!("{}-hint", self.id));
        let error = self.error.is_some().then(|| format!("{}-error", self.id));
        hint.into_iter().chain(error).collect::<Vec<_>>().join(" ")
    }
}

/// A fieldset as the template shows it.
#[derive(Debug, Clone)]
pub(crate) struct SectionView {
    pub legend: String,
    pub note: &'static str,
    pub fields: Vec<FieldView>,
    /// A red-flag category's "None of these" box: its field name, and whether it is ticked.
    pub none_of_these: Option<(String, bool)>,
    /// The body chart, for the section whose rows pick a region (the pain rows).
    pub chart: Vec<crate::body_chart::Figure>,
}

/// The field name of a red-flag category's "None of these" box.
fn none_of_these_name(category: usize) -> String {
    format!("red_flags_none.{category}")
}

/// "None of these" ticked for a red-flag category answers no to each of its questions not
/// answered otherwise, so every item is still recorded. A yes wins over the box (which is
/// then unticked): a slip of the box never hides a yes.
pub(crate) fn answer_none_of_these(catalog: &Catalog, values: &mut FormValues) {
    for (i, (_, items)) in catalog.red_flags.iter().enumerate() {
        let name = none_of_these_name(i);
        if first(values, &name) != "yes" {
            continue;
        }
        let names: Vec<String> = items.iter().map(|(id, _)| format!("red_flags.{id}")).collect();
        if names.iter().any(|n| matches!(first(values, n), "yes" | "long_standing")) {
            values.remove(&name);
            continue;
        }
        for n in names {
            if first(values, &n).is_empty() {
                values.insert(n, vec!["no".to_owned()]);
            }
        }
    }
}

impl SectionView {
    /// Whether the fields sit in columns (questions run full width).
    pub(crate) fn grid(&self) -> bool {
        self.fields.len() > 3 && !self.fields.iter().any(|f| f.widget == "redflag")
    }
}

fn first<'a>(values: &'a FormValues, name: &str) -> &'a str {
    values.get(name).and_then(|v| v.first()).map_or("", |s| s.trim())
}

/// The form with its values and errors, ready to render.
pub(crate) fn view(catalog: &Catalog, values: &FormValues, errors: &FieldErrors) -> Vec<SectionView> {
    let regions: Vec<(String, String)> = catalog.regions.clone();
    sections(catalog)
        .into_iter()
        .map(|section| SectionView {
            chart: if section.fields.iter().any(|f| matches!(f.kind, Kind::Region)) {
                crate::body_chart::figures(&regions)
            } else {
                Vec::new()
            },
            none_of_these: section.none_of_these.map(|i| {
                let name = none_of_these_name(i);
                let ticked = first(values, &name) == "yes";
                (name, ticked)
            }),
            legend: section.legend,
            note: section.note,
            fields: section
                .fields
                .into_iter()
                .map(|s| {
                    let (widget, min, max, options): (_, String, String, _) = match s.kind {
                        Kind::Hours => ("number", "0".into(), "24".into(), vec![]),
                        Kind::Number { min, max } => ("number", min.to_string(), max.to_string(), vec![]),
                        Kind::Integer { min, max } => ("number", min.to_string(), max.to_string(), vec![]),
                        Kind::Text => ("text", String::new(), String::new(), vec![]),
                        Kind::Date => ("date", String::new(), String::new(), vec![]),
                        Kind::Choice(options) => (
                            "select",
                            String::new(),
                            String::new(),
                            options.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect(),
                        ),
                        Kind::RedFlag => ("redflag", String::new(), String::new(), vec![]),
                        Kind::Optional => (
                            "select",
                            String::new(),
                            String::new(),
                            vec![("".into(), "not asked".into()), ("yes".into(), "yes".into()), ("no".into(), "no".into())],
                        ),
                        Kind::Region => {
                            let mut options = vec![(String::new(), "—".to_owned())];
                            options.extend(regions.iter().cloned());
                            ("select", String::new(), String::new(), options)
                        }
                        Kind::Regions => ("checkboxes", String::new(), String::new(), regions.clone()),
                        Kind::Muscle => {
                            let mut options = vec![(String::new(), "—".to_owned())];
                            options.extend(catalog.palpable.iter().cloned());
                            ("select", String::new(), String::new(), options)
                        }
                        Kind::RedFlagItem => {
                            let mut options = vec![(String::new(), "—".to_owned())];
                            options.extend(catalog.red_flags.iter().flat_map(|(_, items)| items.iter().cloned()));
                            ("select", String::new(), String::new(), options)
                        }
                        Kind::NdiScore => (
                            "select",
                            String::new(),
                            String::new(),
                            std::iter::once((String::new(), "—".to_owned()))
                                .chain((0..=5).map(|i| (i.to_string(), i.to_string())))
                                .collect(),
                        ),
                    };
                    FieldView {
                        id: s.name.replace(['.', '[', ']'], "-"),
                        value: first(values, &s.name).to_owned(),
                        values: values.get(&s.name).cloned().unwrap_or_default(),
                        error: errors.get(&s.name).cloned(),
                        name: s.name,
                        label: s.label,
                        hint: s.hint,
                        widget,
                        min,
                        max,
                        options,
                    }
                })
                .collect(),
        })
        .collect()
}

/// Splits `a.b[2].c` into keys and indices.
enum Seg {
    Key(String),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((key, rest)) => {
                out.push(Seg::Key(key.to_owned()));
                if let Ok(i) = rest.trim_end_matches(']').parse() {
                    out.push(Seg::Index(i));
                }
            }
            None => out.push(Seg::Key(part.to_owned())),
        }
    }
    out
}

fn insert(root: &mut Value, path: &str, value: Value) {
    let segs = segments(path);
    let mut node = root;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match seg {
            Seg::Key(key) => {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                let Value::Object(map) = node else { return };
                if last {
                    map.insert(key.clone(), value);
                    return;
                }
                node = map.entry(key.clone()).or_insert(Value::Null);
            }
            Seg::Index(index) => {
                if !node.is_array() {
                    *node = Value::Array(Vec::new());
                }
                let Value::Array(items) = node else { return };
                while items.len() <= *index {
                    items.push(Value::Null);
                }
                if last {
                    items[*index] = value;
                    return;
                }
                node = &mut items[*index];
            }
        }
    }
}

/// Builds the typed intake from the form, or names the bad fields.
pub(crate) fn build(catalog: &Catalog, values: &FormValues) -> Result<Intake, FieldErrors> {
    let mut missing = FieldErrors::new();
    for (name, what) in [("client.name", "a name or code is needed"), ("assessed_on", "the date of the assessment is needed")] {
        if first(values, name).is_empty() {
            missing.insert(name.to_owned(), what.to_owned());
        }
    }
    let value = match build_json(catalog, values) {
        Ok(value) if missing.is_empty() => value,
        Ok(_) => return Err(missing),
        Err(mut errors) => {
            errors.extend(missing);
            return Err(errors);
        }
    };
    serde_json::from_value(value).map_err(|e| FieldErrors::from([(String::new(), format!("the form does not make an intake: {e}"))]))
}

/// The intake JSON (the app's file format) from the form, or the bad fields.
fn build_json(catalog: &Catalog, values: &FormValues) -> Result<Value, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut intake = json!({ "format_version": 1 });
    let specs: Vec<Spec> = sections(catalog).into_iter().flat_map(|s| s.fields).collect();
    for s in &specs {
        let raw = first(values, &s.name);
        let value = match s.kind {
            Kind::Regions => {
                let picked: Vec<Value> = values
                    .get(&s.name)
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Value::String(v.trim().to_owned()))
                    .collect();
                if picked.is_empty() {
                    continue;
                }
                Value::Array(picked)
            }
            _ if raw.is_empty() => continue,
            Kind::Hours | Kind::Number { .. } => match raw.replace(',', ".").parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => {
                    errors.insert(s.name.clone(), format!("\"{raw}\" is not a number"));
                    continue;
                }
            },
            Kind::Integer { .. } | Kind::NdiScore => match raw.parse::<u32>() {
                Ok(n) => json!(n),
                Err(_) => {
                    errors.insert(s.name.clone(), format!("\"{raw}\" is not a whole number"));
                    continue;
                }
            },
            Kind::Choice(GRADE | TENDERNESS) => match raw.parse::<u8>() {
                Ok(n) => json!(n),
                Err(_) => {
                    errors.insert(s.name.clone(), format!("\"{raw}\" is not a grade"));
                    continue;
                }
            },
            Kind::RedFlag => match raw {
                "yes" => Value::Bool(true),
                "no" => Value::Bool(false),
                "long_standing" => json!({ "present": true, "onset": "long_standing" }),
                other => {
                    errors.insert(s.name.clone(), format!("\"{other}\" is not no, yes or long-standing"));
                    continue;
                }
            },
            Kind::Optional => match raw {
                "yes" => Value::Bool(true),
                "no" => Value::Bool(false),
                other => {
                    errors.insert(s.name.clone(), format!("\"{other}\" is not yes or no"));
                    continue;
                }
            },
            Kind::Text | Kind::Date | Kind::Choice(_) | Kind::Region | Kind::Muscle | Kind::RedFlagItem => Value::String(raw.to_owned()),
        };
        insert(&mut intake, &s.name, value);
    }
    complete_groups(&mut intake, &mut errors);
    if errors.is_empty() { Ok(intake) } else { Err(errors) }
}

/// Requires the fields a partly filled group needs, and drops empty rows.
fn complete_groups(intake: &mut Value, errors: &mut FieldErrors) {
    let mut need = |present: bool, name: String, what: &str| {
        if !present {
            errors.entry(name).or_insert_with(|| format!("{what} is needed for this row"));
        }
    };
    if let Some(Value::Array(rows)) = intake.pointer_mut("/symptoms/pain") {
        for (i, row) in rows.iter().enumerate() {
            // A side alone (its select always posts a value) does not make a row.
            if row.get("region").is_none() && row.get("intensity").is_none() {
                continue;
            }
            need(row.get("region").is_some(), format!("symptoms.pain[{i}].region"), "a region");
            need(row.get("intensity").is_some(), format!("symptoms.pain[{i}].intensity"), "an intensity");
        }
        rows.retain(|row| row.get("region").is_some() || row.get("intensity").is_some());
    }
    if let Some(headache) = intake.pointer("/symptoms/headache") {
        need(headache.get("days_per_month").is_some(), "symptoms.headache.days_per_month".into(), "the number of headache days");
    }
    if let Some(psfs) = intake.pointer_mut("/outcomes/psfs") {
        let has_version = psfs.get("version").is_some();
        let mut has_items = false;
        if let Some(Value::Array(items)) = psfs.get_mut("items") {
            for (i, item) in items.iter().enumerate() {
                if item.is_null() {
                    continue;
                }
                has_items = true;
                need(item.get("activity").is_some(), format!("outcomes.psfs.items[{i}].activity"), "an activity");
                need(item.get("score").is_some(), format!("outcomes.psfs.items[{i}].score"), "a score");
            }
            items.retain(|item| !item.is_null());
        }
        need(has_version || !has_items, "outcomes.psfs.version".into(), "the PSFS version");
        if !has_items {
            need(false, "outcomes.psfs.items[0].activity".into(), "at least one activity");
        }
    }
    if let Some(Value::Array(rows)) = intake.get_mut("palpation") {
        for (i, row) in rows.iter().enumerate() {
            // The side select always posts a value; anything else makes a row.
            let felt = ["tone", "tenderness", "familiar_pain"].iter().any(|k| row.get(k).is_some());
            if felt || row.get("muscle").is_some() {
                need(row.get("muscle").is_some(), format!("palpation[{i}].muscle"), "a muscle");
                need(felt, format!("palpation[{i}].tone"), "what was felt (tone, tenderness or the familiar pain)");
            }
        }
        rows.retain(|row| row.get("muscle").is_some());
        if rows.is_empty() {
            intake.as_object_mut().map(|o| o.remove("palpation"));
        }
    }
    if let Some(Value::Array(rows)) = intake.get_mut("clearances") {
        for (i, row) in rows.iter().enumerate() {
            if row.is_null() {
                continue;
            }
            for (key, what) in
                [("item", "the red-flag item"), ("assessed_by", "who assessed it"), ("assessed_on", "the date"), ("note", "what was found")]
            {
                need(row.get(key).is_some(), format!("clearances[{i}].{key}"), what);
            }
        }
        rows.retain(|row| !row.is_null());
    }
    if let Some(Value::Object(tests)) = intake.get("tests") {
        for (key, value) in tests {
            if let Value::Object(sides) = value {
                for side in ["left", "right"] {
                    need(sides.contains_key(side), format!("tests.{key}.{side}"), "both sides");
                }
            }
        }
    }
}

/// The red-flag items not yet answered.
pub(crate) fn unanswered_red_flags(catalog: &Catalog, values: &FormValues) -> FieldErrors {
    catalog
        .red_flags
        .iter()
        .flat_map(|(_, items)| items)
        .map(|(id, _)| format!("red_flags.{id}"))
        .filter(|name| first(values, name).is_empty())
        .map(|name| (name, "answer yes or no".to_owned()))
        .collect()
}

/// Form values from an earlier intake, for the parts whose path starts with one of
/// `prefixes` (a reassessment re-asks everything else).
pub(crate) fn prefill(intake: &Intake, prefixes: &[&str]) -> FormValues {
    fn walk(value: &Value, path: String, out: &mut FormValues) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    let next = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(item, next, out);
                }
            }
            Value::Array(items) if items.is_empty() => {}
            Value::Array(items) if items.iter().all(Value::is_string) => {
                out.insert(path, items.iter().filter_map(Value::as_str).map(str::to_owned).collect());
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{path}[{i}]"), out);
                }
            }
            Value::Bool(b) => {
                out.insert(path, vec![if *b { "yes" } else { "no" }.to_owned()]);
            }
            Value::Number(n) => {
                // Whole numbers read back as typed ("8", not "8.0").
                let text = match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                    _ => n.to_string(),
                };
                out.insert(path, vec![text]);
            }
            Value::String(text) => {
                out.insert(path, vec![text.clone()]);
            }
            Value::Null => {}
        }
    }
    let mut all = FormValues::new();
    walk(&serde_json::to_value(intake).unwrap_or(Value::Null), String::new(), &mut all);
    all.retain(|name, _| prefixes.iter().any(|p| name.starts_with(p)));
    all
}

/// Reads posted pairs into form values, leaving out the CSRF token and the button.
pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> FormValues {
    let mut values = FormValues::new();
    for (name, value) in pairs {
        if name == "csrf" || name == "action" {
            continue;
        }
        values.entry(name).or_default().push(value);
    }
    values
}

/// The draft as stored: `{name: value}` or `{name: [values]}`.
pub(crate) fn to_json(values: &FormValues) -> Value {
    Value::Object(
        values
            .iter()
            .filter(|(_, v)| v.iter().any(|s| !s.trim().is_empty()))
            .map(|(k, v)| {
                let value = match v.as_slice() {
                    [one] => Value::String(one.clone()),
                    many => Value::Array(many.iter().cloned().map(Value::String).collect()),
                };
                (k.clone(), value)
            })
            .collect(),
    )
}

/// Reads a stored draft back.
pub(crate) fn from_json(value: &Value) -> FormValues {
    let mut values = FormValues::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            let list = match v {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                other => vec![other.to_string()],
            };
            values.insert(k.clone(), list);
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog {
            red_flags: vec![("Cardiac".into(), vec![("chest_pain".into(), "Chest pain?".into())])],
            regions: vec![("temple".into(), "Temple".into()), ("upper_shoulder".into(), "Upper shoulder".into())],
            ndi_items: vec![("pain_intensity".into(), "Pain intensity".into(), "none".into(), "worst".into())],
            palpable: vec![("upper_trapezius".into(), "Upper trapezius".into())],
        }
    }

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        from_pairs(pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect())
    }

    fn check(pairs: &[(&str, &str)], expect: Result<Value, Vec<&str>>) {
        let got = build_json(&catalog(), &values(pairs));
        match (got, expect) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(got), Err(want)) => assert_eq!(got.keys().map(String::as_str).collect::<Vec<_>>(), want),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn builds_the_intake_file_shape() {
        check(
            &[
                ("csrf", "x"),
                ("red_flags.chest_pain", "no"),
                ("client.name", "Dana"),
                ("assessed_on", "2026-11-24"),
                ("exposure.sitting.desk", "7,5"),
                ("symptoms.pain[0].region", "upper_shoulder"),
                ("symptoms.pain[0].intensity", "6"),
                ("symptoms.pain[0].side", "left"),
                ("symptoms.pain[1].side", "both"),
                ("symptoms.headache.days_per_month", "8"),
                ("symptoms.headache.locations", "temple"),
                ("outcomes.ndi.pain_intensity", "2"),
                ("tests.lower_trapezius_grade.left", "3"),
                ("tests.lower_trapezius_grade.right", "4"),
            ],
            Ok(json!({
                "format_version": 1,
                "red_flags": {"chest_pain": false},
                "client": {"name": "Dana"},
                "assessed_on": "2026-11-24",
                "exposure": {"sitting": {"desk": 7.5}},
                "symptoms": {
                    "pain": [{"region": "upper_shoulder", "intensity": 6.0, "side": "left"}],
                    "headache": {"days_per_month": 8.0, "locations": ["temple"]}
                },
                "outcomes": {"ndi": {"pain_intensity": 2}},
                "tests": {"lower_trapezius_grade": {"left": 3, "right": 4}}
            })),
        );
    }

    #[test]
    fn names_bad_and_missing_fields() {
        check(
            &[
                ("exposure.sitting.desk", "lots"),
                ("symptoms.pain[0].region", "temple"),
                ("outcomes.psfs.items[0].activity", "typing"),
                ("tests.pec_minor_index.left", "9"),
            ],
            Err(vec![
                "exposure.sitting.desk",
                "outcomes.psfs.items[0].score",
                "outcomes.psfs.version",
                "symptoms.pain[0].intensity",
                "tests.pec_minor_index.right",
            ]),
        );
    }

    #[test]
    fn prefill_reads_back_what_build_wrote() {
        let pairs = [
            ("assessed_on", "2026-11-24"),
            ("client.name", "Dana"),
            ("exposure.sitting.desk", "7.5"),
            ("exposure.workstation.laptop_only", "yes"),
            ("symptoms.headache.days_per_month", "8"),
            ("symptoms.headache.locations", "temple"),
            ("red_flags.chest_pain", "no"),
        ];
        let intake = build(&catalog(), &values(&pairs)).unwrap();
        let again = prefill(&intake, &["client.", "exposure.", "symptoms."]);
        // What was typed reads back; hours left empty read back as the intake's 0.
        for (name, value) in values(&pairs[1..6]) {
            assert_eq!(again.get(&name), Some(&value), "{name}");
        }
        assert_eq!(again.get("exposure.sitting.sofa"), Some(&vec!["0".to_owned()]));
        assert!(!again.keys().any(|k| k.starts_with("red_flags")), "red flags are asked afresh");
    }

    #[test]
    fn choices_are_the_intake_vocabulary() {
        use tonus_core::vocab::{Dyskinesis, LengthTest, PainSide, Severity, Sex, Tone};
        let words =
            |list: &'static [(&'static str, &'static str)]| list.iter().map(|(v, _)| *v).filter(|v| !v.is_empty()).collect::<Vec<_>>();
        assert!(words(SEX).iter().all(|v| Sex::parse(v).is_some()));
        assert!(words(SIDE).iter().all(|v| PainSide::parse(v).is_some()));
        assert!(words(SEVERITY).iter().all(|v| Severity::parse(v).is_some()));
        assert!(words(DYSKINESIS).iter().all(|v| Dyskinesis::parse(v).is_some()));
        assert!(words(LENGTH).iter().all(|v| LengthTest::parse(v).is_some()));
        assert_eq!(words(TONE), Tone::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>());
    }

    #[test]
    fn palpation_and_clearance_rows_read_into_the_intake() {
        let pairs = [
            ("assessed_on", "2026-11-24"),
            ("client.name", "Dana"),
            ("palpation[0].muscle", "upper_trapezius"),
            ("palpation[0].side", "left"),
            ("palpation[0].tone", "increased"),
            ("palpation[0].tenderness", "2"),
            ("palpation[0].familiar_pain", "yes"),
            ("palpation[1].side", "both"),
            ("clearances[0].item", "chest_pain"),
            ("clearances[0].assessed_by", "Dr Lee, GP"),
            ("clearances[0].assessed_on", "2026-10-01"),
            ("clearances[0].note", "cardiac work-up normal"),
        ];
        let intake = build(&catalog(), &values(&pairs)).unwrap();
        assert_eq!(intake.palpation.len(), 1, "a row with only the side select is not a row");
        assert_eq!(intake.palpation[0].tenderness, Some(2));
        assert_eq!(intake.palpation[0].familiar_pain, Some(true));
        assert_eq!(intake.clearances[0].assessed_by, "Dr Lee, GP");
        let err = build(&catalog(), &values(&[("assessed_on", "2026-11-24"), ("client.name", "D"), ("palpation[2].tone", "increased")]))
            .unwrap_err();
        assert_eq!(err.keys().collect::<Vec<_>>(), ["palpation[2].muscle"]);
        let err = build(&catalog(), &values(&[("assessed_on", "2026-11-24"), ("client.name", "D"), ("clearances[1].item", "chest_pain")]))
            .unwrap_err();
        assert_eq!(err.len(), 3, "{err:?}");
    }

    #[test]
    fn drafts_round_trip_and_red_flags_must_be_answered() {
        let v = values(&[("a", "1"), ("b", "x"), ("b", "y"), ("empty", " ")]);
        let back = from_json(&to_json(&v));
        assert_eq!(back.get("b").unwrap(), &vec!["x".to_owned(), "y".to_owned()]);
        assert!(!back.contains_key("empty"));
        let missing = unanswered_red_flags(&catalog(), &values(&[]));
        assert_eq!(missing.keys().collect::<Vec<_>>(), ["red_flags.chest_pain"]);
    }

    #[test]
    fn none_of_these_answers_no_to_each_unanswered_item_and_never_hides_a_yes() {
        let catalog = Catalog {
            red_flags: vec![
                ("Cardiac".into(), vec![("chest_pain".into(), "Chest pain?".into()), ("short_breath".into(), "Breathless?".into())]),
                ("Cancer".into(), vec![("weight_loss".into(), "Weight loss?".into()), ("night_pain".into(), "Night pain?".into())]),
            ],
            ..catalog()
        };
        let mut v = values(&[("red_flags_none.0", "yes"), ("red_flags_none.1", "yes"), ("red_flags.night_pain", "yes")]);
        answer_none_of_these(&catalog, &mut v);
        let answers: Vec<_> = v.iter().map(|(k, v)| format!("{k}={}", v.join(","))).collect();
        assert_eq!(
            answers,
            ["red_flags.chest_pain=no", "red_flags.night_pain=yes", "red_flags.short_breath=no", "red_flags_none.0=yes"],
            "category 0 all no; category 1 keeps its yes, leaves its other item unanswered and unticks the box"
        );
        assert_eq!(unanswered_red_flags(&catalog, &v).keys().collect::<Vec<_>>(), ["red_flags.weight_loss"]);
        let shown = view(&catalog, &v, &FieldErrors::new());
        let boxes: Vec<_> = shown.iter().filter_map(|s| s.none_of_these.clone()).collect();
        assert_eq!(boxes, [("red_flags_none.0".to_owned(), true), ("red_flags_none.1".to_owned(), false)]);
        assert_eq!(shown[0].legend, "Client", "the client comes first, then the red-flag screen");
    }

    #[test]
    fn a_long_standing_yes_is_recorded_with_its_onset_and_kept_by_none_of_these() {
        let mut v = values(&[("red_flags_none.0", "yes"), ("red_flags.chest_pain", "long_standing")]);
        answer_none_of_these(&catalog(), &mut v);
        assert!(!v.contains_key("red_flags_none.0"), "a long-standing yes unticks the box, like a yes");
        let intake = build_json(&catalog(), &v).unwrap();
        assert_eq!(intake["red_flags"]["chest_pain"], json!({"present": true, "onset": "long_standing"}));
        let yes = build_json(&catalog(), &values(&[("red_flags.chest_pain", "yes")])).unwrap();
        assert_eq!(yes["red_flags"]["chest_pain"], json!(true), "a plain yes is new or changed");
        let odd = build_json(&catalog(), &values(&[("red_flags.chest_pain", "maybe")])).unwrap_err();
        assert!(odd["red_flags.chest_pain"].contains("not no, yes or long-standing"), "{odd:?}");
    }
}
