//! Loading and validating the knowledge files: parse each file as TOML, merge overrides into the
//! embedded tables by entry id, deserialise each entry on its own (so an error names it), then
//! check ids, sources and every cross-reference.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::types::*;
use super::{EMBEDDED, Files};
use crate::facts;

/// A knowledge file that failed to parse or validate. The message names the file, the entry and
/// the field where it can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct KnowledgeError {
    /// The file, as given to the loader.
    pub file: String,
    /// The entry (`muscle "upper_trapezius"`), when the error is inside one.
    pub entry: Option<String>,
    /// The field, when known.
    pub field: Option<String>,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for KnowledgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(entry) = &self.entry {
            write!(f, ": {entry}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field \"{field}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The merged TOML tables of every kind, with the file that last touched each entry.
#[derive(Default)]
pub(super) struct Raw {
    tables: BTreeMap<&'static str, Table>,
    origin: BTreeMap<(&'static str, String), String>,
    file_origin: BTreeMap<&'static str, String>,
}

/// The array key that holds a file's entries, for files made of entries.
fn entry_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "references.toml" => "reference",
        "massage.toml" => "technique",
        "muscles.toml" => "muscle",
        "exercises.toml" => "exercise",
        "measures.toml" => "measure",
        "symptoms.toml" => "region",
        "red_flags.toml" => "category",
        "pattern.toml" => "component",
        "rules.toml" => "rule",
        "plan.toml" => "advice",
        "webcam.toml" => "metric",
        _ => return None,
    })
}

pub(super) fn merge_file(raw: &mut Raw, file: &str, text: &str) -> Result<(), KnowledgeError> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let Some(kind) = EMBEDDED.iter().map(|(n, _)| *n).find(|n| *n == base) else {
        let names: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
        return Err(err(file, None, None, format!("unknown knowledge file; expected one of {}", names.join(", "))));
    };
    let table: Table = text.parse().map_err(|e: toml::de::Error| err(file, None, None, e.to_string().trim_end().replace('\n', " ")))?;

    // Check ids inside this file before merging, so a duplicate names the file that has it.
    for (key, value) in &table {
        if let Value::Array(items) = value {
            let mut seen = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let Value::Table(t) = item else { continue };
                match t.get("id") {
                    Some(Value::String(id)) => {
                        if !seen.insert(id.clone()) {
                            return Err(err(file, Some(format!("{key} \"{id}\"")), Some("id"), "duplicate id".into()));
                        }
                        raw.origin.insert((kind, format!("{key}/{id}")), file.to_string());
                    }
                    Some(_) => return Err(err(file, Some(format!("{key}[{i}]")), Some("id"), "must be a string".into())),
                    None if entry_key(kind) == Some(key.as_str()) || key == "item" => {
                        return Err(err(file, Some(format!("{key}[{i}]")), Some("id"), "missing".into()));
                    }
                    None => {}
                }
            }
        }
    }
    raw.file_origin.insert(kind, file.to_string());
    let target = raw.tables.entry(kind).or_default();
    merge_table(target, table);
    Ok(())
}

/// Merges `over` into `base`: tables recursively, arrays of tables with ids by id, the rest by
/// replacement.
fn merge_table(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge_table(b, o),
            (Some(Value::Array(b)), Value::Array(o)) if is_entry_array(b) && is_entry_array(&o) => {
                for item in o {
                    let Value::Table(item) = item else { continue };
                    let id = item.get("id").cloned();
                    match b.iter_mut().find(|x| x.get("id") == id.as_ref()) {
                        Some(Value::Table(existing)) => merge_table(existing, item),
                        _ => b.push(Value::Table(item)),
                    }
                }
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn is_entry_array(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|v| matches!(v, Value::Table(t) if t.contains_key("id")))
}

fn err(file: &str, entry: Option<String>, field: Option<&str>, message: String) -> KnowledgeError {
    KnowledgeError { file: file.to_string(), entry, field: field.map(str::to_string), message }
}

impl Raw {
    fn file(&self, kind: &'static str) -> String {
        self.file_origin.get(kind).cloned().unwrap_or_else(|| format!("knowledge/{kind}"))
    }

    fn entry_file(&self, kind: &'static str, key: &str, id: &str) -> String {
        self.origin.get(&(kind, format!("{key}/{id}"))).cloned().unwrap_or_else(|| self.file(kind))
    }

    /// Deserialises every entry under `key` in the file of `kind`, naming the entry on error.
    fn entries<T: DeserializeOwned>(&self, kind: &'static str, key: &str) -> Result<Vec<T>, KnowledgeError> {
        let Some(table) = self.tables.get(kind) else { return Ok(Vec::new()) };
        let Some(value) = table.get(key) else { return Ok(Vec::new()) };
        let Value::Array(items) = value else {
            return Err(err(&self.file(kind), None, Some(key), "must be an array of tables ([[...]])".into()));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let id = item.get("id").and_then(Value::as_str).map(str::to_string);
                let entry = match &id {
                    Some(id) => format!("{key} \"{id}\""),
                    None => format!("{key}[{i}]"),
                };
                let file = id.as_deref().map_or_else(|| self.file(kind), |id| self.entry_file(kind, key, id));
                item.clone().try_into().map_err(|e: toml::de::Error| field_error(&file, entry, &e, item))
            })
            .collect()
    }

    /// Deserialises a singleton table (or the whole file when `key` is None).
    fn single<T: DeserializeOwned>(&self, kind: &'static str, key: Option<&str>) -> Result<Option<T>, KnowledgeError> {
        let Some(table) = self.tables.get(kind) else { return Ok(None) };
        let value = match key {
            Some(key) => match table.get(key) {
                Some(v) => v.clone(),
                None => return Ok(None),
            },
            None => Value::Table(table.clone()),
        };
        let entry = key.map_or_else(|| kind.trim_end_matches(".toml").to_string(), |k| format!("[{k}]"));
        value.clone().try_into().map(Some).map_err(|e: toml::de::Error| field_error(&self.file(kind), entry, &e, &value))
    }
}

/// Turns a serde error into a [`KnowledgeError`], naming the field: from messages such as
/// "missing field `name`", or, for a bad value ("unknown variant `sure`"), by finding the key
/// that holds it.
fn field_error(file: &str, entry: String, e: &toml::de::Error, item: &Value) -> KnowledgeError {
    let message = e.message().trim().to_string();
    let quoted = message.split('`').nth(1).or_else(|| message.split('"').nth(1)).map(str::to_string);
    let field = if message.contains(" field ") { quoted } else { quoted.and_then(|bad| find_key(item, &bad, "")) };
    KnowledgeError { file: file.to_string(), entry: Some(entry), field, message }
}

/// The path of the first key whose value is the string `needle`.
fn find_key(value: &Value, needle: &str, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s == needle => Some(path.to_string()),
        Value::Integer(i) if i.to_string() == needle => Some(path.to_string()),
        Value::Float(f) if f.to_string() == needle => Some(path.to_string()),
        Value::Boolean(b) if b.to_string() == needle => Some(path.to_string()),
        Value::Table(t) => {
            t.iter().find_map(|(k, v)| find_key(v, needle, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }))
        }
        Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| find_key(v, needle, &format!("{path}[{i}]"))),
        _ => None,
    }
}

pub(super) fn build(raw: &Raw) -> Result<Files, KnowledgeError> {
    Ok(Files {
        references: raw.entries("references.toml", "reference")?,
        techniques: raw.entries("massage.toml", "technique")?,
        muscles: raw.entries("muscles.toml", "muscle")?,
        exercises: raw.entries("exercises.toml", "exercise")?,
        measures: raw.entries("measures.toml", "measure")?,
        regions: raw.entries("symptoms.toml", "region")?,
        red_flag_categories: raw.entries("red_flags.toml", "category")?,
        outcomes: raw.single("outcomes.toml", None)?,
        components: raw.entries("pattern.toml", "component")?,
        pattern: raw.single("pattern.toml", Some("pattern"))?,
        rules: raw.entries("rules.toml", "rule")?,
        plan: raw.single("plan.toml", None)?,
        dynamics: raw.single("dynamics.toml", None)?,
        webcam_metrics: raw.entries("webcam.toml", "metric")?,
        webcam_gates: raw.single("webcam.toml", Some("gates"))?,
        desk: raw.single("webcam.toml", Some("desk"))?,
    })
}

/// Collects errors against one entry; the first one found is returned.
struct Check<'a> {
    file: String,
    entry: String,
    refs: &'a HashSet<&'a str>,
}

impl Check<'_> {
    fn fail(&self, field: &str, message: impl Into<String>) -> KnowledgeError {
        err(&self.file, Some(self.entry.clone()), Some(field), message.into())
    }

    fn id(&self, id: &str) -> Result<(), KnowledgeError> {
        let ok = !id.is_empty()
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && id.starts_with(|c: char| c.is_ascii_lowercase());
        if ok { Ok(()) } else { Err(self.fail("id", "must be lowercase snake_case, starting with a letter")) }
    }

    fn sources(&self, field: &str, sources: &[String]) -> Result<(), KnowledgeError> {
        if sources.is_empty() {
            return Err(self.fail(field, "needs at least one source (a reference id from references.toml)"));
        }
        for s in sources {
            if !self.refs.contains(s.as_str()) {
                return Err(self.fail(field, format!("unknown reference \"{s}\"; add it to references.toml")));
            }
        }
        Ok(())
    }

    fn text(&self, field: &str, text: &str) -> Result<(), KnowledgeError> {
        if text.trim().is_empty() { Err(self.fail(field, "must not be empty")) } else { Ok(()) }
    }

    fn known(&self, field: &str, kind: &str, id: &str, set: &HashSet<&str>) -> Result<(), KnowledgeError> {
        if set.contains(id) { Ok(()) } else { Err(self.fail(field, format!("unknown {kind} \"{id}\""))) }
    }
}

/// The ids every check can resolve against, and how to name an entry's file.
struct Ids<'a> {
    raw: &'a Raw,
    refs: HashSet<&'a str>,
    muscles: HashSet<&'a str>,
    exercises: HashSet<&'a str>,
    techniques: HashSet<&'a str>,
    components: HashSet<&'a str>,
}

impl<'a> Ids<'a> {
    fn new(raw: &'a Raw, f: &'a Files) -> Self {
        Self {
            raw,
            refs: f.references.iter().map(|r| r.id.as_str()).collect(),
            muscles: f.muscles.iter().map(|m| m.id.as_str()).collect(),
            exercises: f.exercises.iter().map(|e| e.id.as_str()).collect(),
            techniques: f.techniques.iter().map(|t| t.id.as_str()).collect(),
            components: f.components.iter().map(|c| c.id.as_str()).collect(),
        }
    }

    /// A check against one entry of a file made of entries.
    fn entry(&self, kind: &'static str, key: &str, id: &str) -> Check<'_> {
        Check { file: self.raw.entry_file(kind, key, id), entry: format!("{key} \"{id}\""), refs: &self.refs }
    }

    /// A check against a named table of a file.
    fn table(&self, kind: &'static str, entry: &str) -> Check<'_> {
        Check { file: self.raw.file(kind), entry: entry.into(), refs: &self.refs }
    }

    fn required<'t, T>(&self, kind: &'static str, table: &'t Option<T>, what: &str) -> Result<&'t T, KnowledgeError> {
        table.as_ref().ok_or_else(|| err(&self.raw.file(kind), None, None, format!("missing: {what}")))
    }
}

pub(super) fn validate(raw: &Raw, f: &Files) -> Result<(), KnowledgeError> {
    let ids = Ids::new(raw, f);
    references(&ids, f)?;
    techniques(&ids, f)?;
    muscles(&ids, f)?;
    exercises(&ids, f)?;
    measures(&ids, f)?;
    red_flags(&ids, f)?;
    regions(&ids, f)?;
    outcomes(&ids, ids.required("outcomes.toml", &f.outcomes, "the outcome measures are required")?)?;
    pattern(&ids, f, ids.required("pattern.toml", &f.pattern, "the [pattern] table")?)?;
    rules(&ids, f)?;
    plan(&ids, f, ids.required("plan.toml", &f.plan, "the plan parameters are required")?)?;
    dynamics(&ids, ids.required("dynamics.toml", &f.dynamics, "the dynamics parameters are required")?)?;
    webcam(&ids, f, ids.required("webcam.toml", &f.webcam_gates, "the [gates] table")?)?;
    desk(&ids, ids.required("webcam.toml", &f.desk, "the [desk] table")?)
}

fn desk(ids: &Ids<'_>, d: &DeskSettings) -> Result<(), KnowledgeError> {
    let c = ids.table("webcam.toml", "[desk]");
    c.sources("sources", &d.sources)?;
    c.text("rationale", &d.rationale)?;
    for (field, v, lo, hi) in [
        ("frames_per_second", d.frames_per_second, 0.1, 30.0),
        ("calibration_frames_per_second", d.calibration_frames_per_second, 0.5, 30.0),
        ("calibration_seconds", d.calibration_seconds, 1.0, 120.0),
        ("sustained_seconds", d.sustained_seconds, 1.0, 3600.0),
        ("release_fraction", d.release_fraction, 0.0, 1.0),
        ("nudge_every_min", d.nudge_every_min, 0.5, 240.0),
        ("away_break_min", d.away_break_min, 0.5, 60.0),
        ("postpone_min", d.postpone_min, 0.5, 60.0),
        ("hidden_release_min", d.hidden_release_min, 0.5, 240.0),
        ("moved_fraction", d.moved_fraction, 0.01, 1.0),
        ("moved_seconds", d.moved_seconds, 1.0, 3600.0),
    ] {
        if !(v.is_finite() && (lo..=hi).contains(&v)) {
            return Err(c.fail(field, format!("must be between {lo} and {hi}")));
        }
    }
    let calibration_frames = d.calibration_seconds * d.calibration_frames_per_second;
    if calibration_frames < crate::webcam::MIN_CALIBRATION_FRAMES as f64 {
        return Err(c.fail(
            "calibration_frames_per_second",
            format!(
                "with calibration_seconds = {}, gives {calibration_frames} frames; calibration needs at least {}",
                d.calibration_seconds,
                crate::webcam::MIN_CALIBRATION_FRAMES
            ),
        ));
    }
    if d.max_postpones > 10 {
        return Err(c.fail("max_postpones", "must be at most 10"));
    }
    if d.nudge_metrics.is_empty() {
        return Err(c.fail("nudge_metrics", "name at least one webcam metric"));
    }
    Ok(())
}

fn webcam(ids: &Ids<'_>, f: &Files, gates: &WebcamGates) -> Result<(), KnowledgeError> {
    for m in &f.webcam_metrics {
        let c = ids.entry("webcam.toml", "metric", m.id.as_str());
        c.sources("sources", &m.sources)?;
        for (field, text) in [
            ("name", &m.name),
            ("unit", &m.unit),
            ("proxy_for", &m.proxy_for),
            ("definition", &m.definition),
            ("positive_means", &m.positive_means),
            ("negative_means", &m.negative_means),
            ("real_change_note", &m.real_change_note),
        ] {
            c.text(field, text)?;
        }
        if !(m.real_change.is_finite() && m.real_change > 0.0) {
            return Err(c.fail("real_change", "must be a positive number"));
        }
    }
    if let Some(missing) = WebcamMetricId::ALL.iter().find(|id| !f.webcam_metrics.iter().any(|m| m.id == **id)) {
        return Err(err(&ids.raw.file("webcam.toml"), None, None, format!("missing: the metric \"{}\"", missing.as_str())));
    }
    let c = ids.table("webcam.toml", "[gates]");
    c.sources("sources", &gates.sources)?;
    c.text("rationale", &gates.rationale)?;
    for (field, v, range) in [
        ("min_visibility", gates.min_visibility, 0.0..=1.0),
        ("max_yaw", gates.max_yaw, 0.0..=1.0),
        ("min_shoulder_width", gates.min_shoulder_width, 0.0..=1.0),
        ("min_brightness", gates.min_brightness, 0.0..=255.0),
    ] {
        if !range.contains(&v) {
            return Err(c.fail(field, format!("must be between {} and {}", range.start(), range.end())));
        }
    }
    Ok(())
}

fn references(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for r in &f.references {
        let c = ids.entry("references.toml", "reference", &r.id);
        c.id(&r.id)?;
        c.text("citation", &r.citation)?;
    }
    Ok(())
}

fn techniques(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for t in &f.techniques {
        let c = ids.entry("massage.toml", "technique", &t.id);
        c.id(&t.id)?;
        c.text("plain_name", &t.plain_name)?;
        c.text("description", &t.description)?;
        c.sources("sources", &t.sources)?;
    }
    Ok(())
}

fn muscles(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for m in &f.muscles {
        let c = ids.entry("muscles.toml", "muscle", &m.id);
        c.id(&m.id)?;
        c.text("plain_name", &m.plain_name)?;
        c.sources("sources", &m.sources)?;
        for (i, t) in m.massage.iter().enumerate() {
            c.known(&format!("massage[{i}]"), "massage technique", t, &ids.techniques)?;
        }
        for (field, list, purposes) in [
            ("stretches", &m.stretches, &[Purpose::Release, Purpose::Lengthen, Purpose::Mobilise][..]),
            ("activation", &m.activation, &[Purpose::Activate, Purpose::Strengthen][..]),
        ] {
            for (i, e) in list.iter().enumerate() {
                let field = format!("{field}[{i}]");
                let Some(ex) = f.exercises.iter().find(|x| &x.id == e) else {
                    return Err(c.fail(&field, format!("unknown exercise \"{e}\"")));
                };
                if !purposes.contains(&ex.purpose) {
                    return Err(c.fail(&field, format!("exercise \"{e}\" has purpose {}, which does not belong here", ex.purpose.label())));
                }
            }
        }
    }
    Ok(())
}

fn exercises(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for e in &f.exercises {
        let c = ids.entry("exercises.toml", "exercise", &e.id);
        c.id(&e.id)?;
        c.sources("sources", &e.sources)?;
        c.text("dosage", &e.dosage)?;
        if e.targets.is_empty() {
            return Err(c.fail("targets", "needs at least one muscle"));
        }
        for (i, t) in e.targets.iter().enumerate() {
            c.known(&format!("targets[{i}]"), "muscle", t, &ids.muscles)?;
        }
        if e.instructions.is_empty() {
            return Err(c.fail("instructions", "needs at least one step for the client"));
        }
        if !(e.sessions_per_week > 0.0 && e.sessions_per_week <= 140.0) {
            return Err(c.fail("sessions_per_week", "must be between 0 and 140 (20 a day)"));
        }
        if !(e.minutes_per_session > 0.0 && e.minutes_per_session <= 120.0) {
            return Err(c.fail("minutes_per_session", "must be between 0 and 120"));
        }
        for (pose, joints) in [("start", &e.figure.start), ("end", &e.figure.end)] {
            for (name, angle) in joints.angles() {
                let Some(angle) = angle else { continue };
                let ok = if name == "shrug" { (0.0..=1.0).contains(&angle) } else { (-360.0..=360.0).contains(&angle) };
                if !ok {
                    let range = if name == "shrug" { "0 to 1" } else { "-360 to 360 degrees" };
                    return Err(c.fail(&format!("figure.{pose}.{name}"), format!("{angle} is outside {range}")));
                }
            }
        }
        if e.figure.start == e.figure.end {
            return Err(c.fail("figure", "the start and end poses are the same: the illustration would not move"));
        }
        if let Some(alt) = &e.desk_alternative {
            let Some(other) = f.exercises.iter().find(|x| &x.id == alt) else {
                return Err(c.fail("desk_alternative", format!("\"{alt}\" is not an exercise of the library")));
            };
            if e.needs.is_empty() {
                return Err(c.fail("desk_alternative", "only an exercise with `needs` takes a desk alternative"));
            }
            if !other.needs.is_empty() {
                return Err(c.fail("desk_alternative", format!("\"{alt}\" is not one that can be done at a desk (it has `needs`)")));
            }
            if !other.targets.iter().any(|t| e.targets.contains(t)) {
                return Err(c.fail("desk_alternative", format!("\"{alt}\" works none of the same muscles")));
            }
        }
    }
    Ok(())
}

fn measures(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for m in &f.measures {
        let c = ids.entry("measures.toml", "measure", &m.id);
        c.id(&m.id)?;
        c.sources("sources", &m.sources)?;
        if m.kind == MeasureKind::Proxy && m.proxy_for.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(c.fail("proxy_for", "a proxy must say what it stands in for"));
        }
        if m.source == MeasureSource::Photo && m.view.is_none() {
            return Err(c.fail("view", "a photo metric needs its view (side or front)"));
        }
        for (field, v) in [
            ("norm_low", m.norm_low),
            ("norm_high", m.norm_high),
            ("cutoff_below", m.cutoff_below),
            ("cutoff_above", m.cutoff_above),
            ("cutoff_female", m.cutoff_female),
            ("cutoff_male", m.cutoff_male),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(c.fail(field, "must be a finite number"));
            }
        }
        if m.real_change.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
            return Err(c.fail("real_change", "must be a positive number"));
        }
        if let (Some(lo), Some(hi)) = (m.norm_low, m.norm_high)
            && lo > hi
        {
            return Err(c.fail("norm_low", "is above norm_high"));
        }
    }
    Ok(())
}

fn red_flags(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    let mut flag_ids = HashSet::new();
    for cat in &f.red_flag_categories {
        let c = ids.entry("red_flags.toml", "category", &cat.id);
        c.id(&cat.id)?;
        c.sources("sources", &cat.sources)?;
        c.text("advice", &cat.advice)?;
        if let Some(long) = &cat.long_standing {
            c.text("long_standing.advice", &long.advice)?;
            if long.action < cat.action {
                return Err(c.fail("long_standing.action", "a long-standing item cannot be more urgent than a new one"));
            }
        }
        if cat.item.is_empty() {
            return Err(c.fail("item", "needs at least one question"));
        }
        for item in &cat.item {
            let ic = Check {
                entry: format!("category \"{}\" item \"{}\"", cat.id, item.id),
                ..ids.entry("red_flags.toml", "category", &cat.id)
            };
            ic.id(&item.id)?;
            ic.text("question", &item.question)?;
            let action = item.action.unwrap_or(cat.action);
            if item.action.is_some_and(|a| a > cat.action) {
                return Err(ic.fail("action", "an item may be as urgent as its category or more, not less"));
            }
            match (&item.action, &item.advice) {
                (Some(_), None) => return Err(ic.fail("advice", "an item with an action of its own needs advice of its own")),
                (None, Some(_)) => return Err(ic.fail("action", "an item with advice of its own needs an action of its own")),
                (_, Some(advice)) => ic.text("advice", advice)?,
                (None, None) => {}
            }
            if let Some(long) = &item.long_standing {
                ic.text("long_standing.advice", &long.advice)?;
                if long.action < action {
                    return Err(ic.fail("long_standing.action", "a long-standing item cannot be more urgent than a new one"));
                }
            } else if item.action.is_some() && cat.long_standing.is_some() {
                // The category's long-standing advice was written for the category's action.
                return Err(ic.fail("long_standing", "an item with an action of its own needs its own long-standing action too"));
            }
            if !flag_ids.insert(item.id.as_str()) {
                return Err(ic.fail("id", "duplicate red-flag item id (ids are unique across categories)"));
            }
        }
    }
    Ok(())
}

fn regions(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for r in &f.regions {
        let c = ids.entry("symptoms.toml", "region", &r.id);
        c.id(&r.id)?;
        c.sources("sources", &r.sources)?;
        for (i, m) in r.muscular.iter().enumerate() {
            c.known(&format!("muscular[{i}].muscle"), "muscle", &m.muscle, &ids.muscles)?;
            c.sources(&format!("muscular[{i}].sources"), &m.sources)?;
        }
        for (i, n) in r.non_muscular.iter().enumerate() {
            c.sources(&format!("non_muscular[{i}].sources"), &n.sources)?;
        }
    }
    Ok(())
}

fn outcomes(ids: &Ids<'_>, outcomes: &Outcomes) -> Result<(), KnowledgeError> {
    let c = ids.table("outcomes.toml", "[ndi]");
    c.sources("sources", &outcomes.ndi.sources)?;
    if outcomes.ndi.items.len() != 10 {
        return Err(c.fail("items", format!("the NDI has 10 items, found {}", outcomes.ndi.items.len())));
    }
    for (i, item) in outcomes.ndi.items.iter().enumerate() {
        c.text(&format!("items[{i}].low"), &item.low)?;
        c.text(&format!("items[{i}].high"), &item.high)?;
    }
    if outcomes.ndi.bands.windows(2).any(|w| w[0].upto >= w[1].upto) {
        return Err(c.fail("bands", "must be in ascending order of upto"));
    }
    if outcomes.ndi.max_missing >= outcomes.ndi.items.len() {
        return Err(c.fail("max_missing", "must leave at least one item answered"));
    }
    ids.table("outcomes.toml", "[nprs]").sources("sources", &outcomes.nprs.sources)?;
    let c = ids.table("outcomes.toml", "[psfs]");
    c.sources("sources", &outcomes.psfs.sources)?;
    if !(1..=5).contains(&outcomes.psfs.recommended_items) {
        return Err(c.fail("recommended_items", "must be between 1 and 5"));
    }
    Ok(())
}

fn pattern(ids: &Ids<'_>, f: &Files, pattern: &Pattern) -> Result<(), KnowledgeError> {
    for comp in &f.components {
        let c = ids.entry("pattern.toml", "component", &comp.id);
        c.id(&comp.id)?;
        c.sources("sources", &comp.sources)?;
    }
    let c = ids.table("pattern.toml", "[pattern]");
    c.sources("sources", &pattern.sources)?;
    for (i, m) in pattern.overactive.iter().enumerate() {
        c.known(&format!("overactive[{i}]"), "muscle", m, &ids.muscles)?;
    }
    for (i, m) in pattern.inhibited.iter().enumerate() {
        c.known(&format!("inhibited[{i}]"), "muscle", m, &ids.muscles)?;
    }
    for (i, m) in pattern.components.iter().enumerate() {
        c.known(&format!("components[{i}]"), "component", m, &ids.components)?;
    }
    if pattern.min_findings == 0 {
        return Err(c.fail("min_findings", "must be at least 1"));
    }
    if !(pattern.min_share > 0.0 && pattern.min_share <= 1.0) {
        return Err(c.fail("min_share", "must be in (0, 1]"));
    }
    Ok(())
}

fn rules(ids: &Ids<'_>, f: &Files) -> Result<(), KnowledgeError> {
    for rule in &f.rules {
        let c = ids.entry("rules.toml", "rule", &rule.id);
        c.id(&rule.id)?;
        c.sources("sources", &rule.sources)?;
        if rule.when.is_empty() {
            return Err(c.fail("when", "needs at least one condition"));
        }
        conditions(&c, "when", &rule.when, f)?;
        let templated = rule.is_template();
        if rule.then.is_empty() {
            return Err(c.fail("then", "needs at least one effect"));
        }
        for (i, e) in rule.then.iter().enumerate() {
            let field = format!("then[{i}]");
            if !(e.weight > 0.0 && e.weight <= 1.0) {
                return Err(c.fail(&format!("{field}.weight"), "must be in (0, 1]"));
            }
            match (&e.muscle, &e.state, &e.component) {
                (Some(m), Some(_), None) if m == MUSCLE_PLACEHOLDER && templated => {}
                (Some(m), Some(_), None) if m == MUSCLE_PLACEHOLDER => {
                    return Err(c.fail(&format!("{field}.muscle"), "{muscle} needs a palpation fact with {muscle} in the conditions"));
                }
                (Some(m), Some(_), None) => c.known(&format!("{field}.muscle"), "muscle", m, &ids.muscles)?,
                (None, None, Some(comp)) => c.known(&format!("{field}.component"), "component", comp, &ids.components)?,
                _ => return Err(c.fail(&field, "an effect is either { muscle, state, weight } or { component, weight }")),
            }
        }
    }
    Ok(())
}

fn plan(ids: &Ids<'_>, f: &Files, plan: &PlanParameters) -> Result<(), KnowledgeError> {
    ids.table("plan.toml", "[massage]").sources("sources", &plan.massage.sources)?;
    ids.table("plan.toml", "[breaks]").sources("sources", &plan.breaks.sources)?;
    ids.table("plan.toml", "[review]").sources("sources", &plan.review.sources)?;
    let c = ids.table("plan.toml", "[maintenance]");
    c.sources("sources", &plan.maintenance.sources)?;
    if plan.maintenance.max_exercises == 0 || plan.maintenance.max_exercises > 5 {
        return Err(c.fail("max_exercises", "must be between 1 and 5"));
    }
    let mut last = 0;
    for p in &plan.phase {
        let c = ids.table("plan.toml", &format!("phase \"{}\"", p.id));
        c.id(&p.id)?;
        c.sources("sources", &p.sources)?;
        if p.first_week <= last || p.last_week < p.first_week {
            return Err(c.fail("first_week", "phases must follow each other in time without overlap"));
        }
        last = p.last_week;
        if p.max_exercises == 0 || p.max_exercises > 5 {
            return Err(c.fail("max_exercises", "must be between 1 and 5"));
        }
        for (i, e) in p.always.iter().enumerate() {
            c.known(&format!("always[{i}]"), "exercise", e, &ids.exercises)?;
        }
    }
    if plan.phase.is_empty() {
        return Err(err(&ids.raw.file("plan.toml"), None, Some("phase"), "needs at least one phase".into()));
    }
    for w in &plan.advice {
        let c = ids.entry("plan.toml", "advice", &w.id);
        c.id(&w.id)?;
        c.sources("sources", &w.sources)?;
        conditions(&c, "when", &w.when, f)?;
    }
    Ok(())
}

fn dynamics(ids: &Ids<'_>, dynamics: &DynamicsParameters) -> Result<(), KnowledgeError> {
    let c = ids.table("dynamics.toml", "dynamics");
    c.sources("sources", &dynamics.sources)?;
    for (field, v) in [
        ("exposure_gain", dynamics.exposure_gain),
        ("sitting_gain", dynamics.sitting_gain),
        ("recruitment_gain", dynamics.recruitment_gain),
        ("baseline_task_hours", dynamics.baseline_task_hours),
        ("break_relief", dynamics.break_relief),
        ("massage_effect", dynamics.massage_effect),
        ("exercise_effect", dynamics.exercise_effect),
        ("recovery_rate", dynamics.recovery_rate),
        ("adaptation_days", dynamics.adaptation_days),
        ("detraining_days", dynamics.detraining_days),
        ("balanced_below", dynamics.balanced_below),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(c.fail(field, "must be a finite number ≥ 0"));
        }
    }
    for (m, v) in &dynamics.susceptibility {
        c.known(&format!("susceptibility.{m}"), "muscle", m, &ids.muscles)?;
        if !(v.is_finite() && *v >= 0.0) {
            return Err(c.fail(&format!("susceptibility.{m}"), "must be a finite number ≥ 0"));
        }
    }
    Ok(())
}

fn conditions(c: &Check<'_>, field: &str, conds: &[Condition], f: &Files) -> Result<(), KnowledgeError> {
    for (i, cond) in conds.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let Some(measure) = facts::known(
            &cond.fact,
            |m| f.measures.iter().any(|x| x.id == m),
            |r| f.regions.iter().any(|x| x.id == r),
            |m| m == MUSCLE_PLACEHOLDER || f.muscles.iter().any(|x| x.id == m),
        ) else {
            return Err(
                c.fail(&format!("{field}.fact"), format!("unknown fact \"{}\"; see the list of facts in knowledge/SCHEMA.md", cond.fact))
            );
        };
        if cond.op.is_measure_relative() {
            let Some(measure) = measure else {
                return Err(c.fail(
                    &format!("{field}.op"),
                    format!("\"{}\" needs a fact that belongs to a measure; \"{}\" does not", cond.op.label(), cond.fact),
                ));
            };
            let m = f.measures.iter().find(|x| x.id == measure).expect("facts::known checked the measure");
            let has = match cond.op {
                Op::BelowCutoff => m.cutoff_below.is_some() || m.cutoff_female.is_some() || m.cutoff_male.is_some(),
                Op::AboveCutoff => m.cutoff_above.is_some(),
                _ => m.cutoff_below.is_some() || m.cutoff_above.is_some() || m.cutoff_female.is_some() || m.norm_low.is_some(),
            };
            if !has {
                return Err(c.fail(&format!("{field}.op"), format!("measure \"{measure}\" has no cut-off for \"{}\"", cond.op.label())));
            }
            if cond.value.is_some() {
                return Err(c.fail(&format!("{field}.value"), "a cut-off comparison takes no value"));
            }
        } else if cond.value.is_none_or(|v| !v.is_finite()) {
            return Err(c.fail(&format!("{field}.value"), "needs a finite number to compare with"));
        }
    }
    Ok(())
}
