//! The knowledge base: muscles, exercises, massage techniques, measures, symptom regions,
//! red flags, outcome measures, inference rules, the pattern, the plan's parameters and the
//! dynamics model's parameters and the webcam metrics, each with its certainty and sources.
//!
//! The knowledge base is data. Its types are its file format (TOML, see `knowledge/SCHEMA.md`),
//! so, unlike the rest of the core, they derive serde's traits. This module parses and validates
//! text it is given; it never reads files (the binary does that), and the embedded default is
//! compiled in with `include_str!`.

mod types;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use types::*;
pub use validate::KnowledgeError;

/// The knowledge files, in load order, as (file name, embedded text).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("references.toml", include_str!("../../../../knowledge/references.toml")),
    ("massage.toml", include_str!("../../../../knowledge/massage.toml")),
    ("muscles.toml", include_str!("../../../../knowledge/muscles.toml")),
    ("exercises.toml", include_str!("../../../../knowledge/exercises.toml")),
    ("measures.toml", include_str!("../../../../knowledge/measures.toml")),
    ("symptoms.toml", include_str!("../../../../knowledge/symptoms.toml")),
    ("red_flags.toml", include_str!("../../../../knowledge/red_flags.toml")),
    ("outcomes.toml", include_str!("../../../../knowledge/outcomes.toml")),
    ("pattern.toml", include_str!("../../../../knowledge/pattern.toml")),
    ("rules.toml", include_str!("../../../../knowledge/rules.toml")),
    ("plan.toml", include_str!("../../../../knowledge/plan.toml")),
    ("dynamics.toml", include_str!("../../../../knowledge/dynamics.toml")),
    ("webcam.toml", include_str!("../../../../knowledge/webcam.toml")),
];

/// The validated knowledge base. Construct it with [`KnowledgeBase::embedded`] or
/// [`KnowledgeBase::load`]; every cross-reference in it resolves.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    files: Files,
}

/// All knowledge files, parsed. Private: callers go through the accessors, which rely on
/// validation having run.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct Files {
    references: Vec<Reference>,
    techniques: Vec<Technique>,
    muscles: Vec<Muscle>,
    exercises: Vec<Exercise>,
    measures: Vec<Measure>,
    regions: Vec<SymptomRegion>,
    red_flag_categories: Vec<RedFlagCategory>,
    outcomes: Option<Outcomes>,
    components: Vec<Component>,
    pattern: Option<Pattern>,
    rules: Vec<Rule>,
    plan: Option<PlanParameters>,
    dynamics: Option<DynamicsParameters>,
    webcam_metrics: Vec<WebcamMetric>,
    webcam_gates: Option<WebcamGates>,
    desk: Option<DeskSettings>,
}

/// One file given to [`KnowledgeBase::load`]: its name (which selects its kind) and its text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// File name such as `rules.toml`; the directory part is ignored when choosing the kind.
    pub name: &'a str,
    /// The file's TOML text.
    pub text: &'a str,
}

impl KnowledgeBase {
    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<KnowledgeBase, KnowledgeError> {
        KnowledgeBase::load(&[])
    }

    /// The embedded knowledge base with `overrides` applied: entries whose id matches replace
    /// the embedded ones, new ids are added, and singleton tables are replaced as a whole.
    pub fn load(overrides: &[Source<'_>]) -> Result<KnowledgeBase, KnowledgeError> {
        let mut raw = validate::Raw::default();
        for (name, text) in EMBEDDED {
            validate::merge_file(&mut raw, &format!("knowledge/{name}"), text)?;
        }
        for source in overrides {
            validate::merge_file(&mut raw, source.name, source.text)?;
        }
        let files = validate::build(&raw)?;
        validate::validate(&raw, &files)?;
        Ok(KnowledgeBase { files })
    }

    /// All references.
    pub fn references(&self) -> &[Reference] {
        &self.files.references
    }
    /// A reference by id.
    pub fn reference(&self, id: &str) -> Option<&Reference> {
        self.files.references.iter().find(|r| r.id == id)
    }
    /// All massage techniques.
    pub fn techniques(&self) -> &[Technique] {
        &self.files.techniques
    }
    /// A massage technique by id.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.files.techniques.iter().find(|t| t.id == id)
    }
    /// All muscles, in file order.
    pub fn muscles(&self) -> &[Muscle] {
        &self.files.muscles
    }
    /// A muscle by id.
    pub fn muscle(&self, id: &str) -> Option<&Muscle> {
        self.files.muscles.iter().find(|m| m.id == id)
    }
    /// All exercises, in file order.
    pub fn exercises(&self) -> &[Exercise] {
        &self.files.exercises
    }
    /// An exercise by id.
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.files.exercises.iter().find(|e| e.id == id)
    }
    /// All measures (photo metrics and clinical tests).
    pub fn measures(&self) -> &[Measure] {
        &self.files.measures
    }
    /// A measure by id.
    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.files.measures.iter().find(|m| m.id == id)
    }
    /// All symptom regions.
    pub fn regions(&self) -> &[SymptomRegion] {
        &self.files.regions
    }
    /// A symptom region by id.
    pub fn region(&self, id: &str) -> Option<&SymptomRegion> {
        self.files.regions.iter().find(|r| r.id == id)
    }
    /// The red-flag screen, by category.
    pub fn red_flag_categories(&self) -> &[RedFlagCategory] {
        &self.files.red_flag_categories
    }
    /// The outcome measures.
    pub fn outcomes(&self) -> &Outcomes {
        self.files.outcomes.as_ref().expect("validation requires outcomes.toml")
    }
    /// The posture components of the pattern.
    pub fn components(&self) -> &[Component] {
        &self.files.components
    }
    /// A posture component by id.
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.files.components.iter().find(|c| c.id == id)
    }
    /// The pattern definition ("upper crossed").
    pub fn pattern(&self) -> &Pattern {
        self.files.pattern.as_ref().expect("validation requires a pattern")
    }
    /// The inference rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.files.rules
    }
    /// The plan's parameters.
    pub fn plan(&self) -> &PlanParameters {
        self.files.plan.as_ref().expect("validation requires plan.toml")
    }
    /// The webcam metrics, one for each [`WebcamMetricId`].
    pub fn webcam_metrics(&self) -> &[WebcamMetric] {
        &self.files.webcam_metrics
    }
    /// A webcam metric's entry (validation guarantees every one has one).
    pub fn webcam_metric(&self, id: WebcamMetricId) -> &WebcamMetric {
        self.files.webcam_metrics.iter().find(|m| m.id == id).expect("validation requires every webcam metric")
    }
    /// The webcam frames' quality gates.
    pub fn webcam_gates(&self) -> &WebcamGates {
        self.files.webcam_gates.as_ref().expect("validation requires webcam.toml's [gates]")
    }
    /// The desk page's nudge and break settings.
    pub fn desk(&self) -> &DeskSettings {
        self.files.desk.as_ref().expect("validation requires webcam.toml's [desk]")
    }
    /// The dynamics model's parameters.
    pub fn dynamics(&self) -> &DynamicsParameters {
        self.files.dynamics.as_ref().expect("validation requires dynamics.toml")
    }

    /// Every entry with an id, as (kind, id, name), for listings.
    pub fn index(&self) -> Vec<(&'static str, &str, &str)> {
        let f = &self.files;
        let mut out = Vec::new();
        out.extend(f.muscles.iter().map(|m| ("muscle", m.id.as_str(), m.name.as_str())));
        out.extend(f.exercises.iter().map(|e| ("exercise", e.id.as_str(), e.name.as_str())));
        out.extend(f.techniques.iter().map(|t| ("technique", t.id.as_str(), t.name.as_str())));
        out.extend(f.measures.iter().map(|m| ("measure", m.id.as_str(), m.name.as_str())));
        out.extend(f.regions.iter().map(|r| ("region", r.id.as_str(), r.name.as_str())));
        out.extend(f.red_flag_categories.iter().map(|c| ("red_flag_category", c.id.as_str(), c.name.as_str())));
        for c in &f.red_flag_categories {
            out.extend(c.item.iter().map(|i| ("red_flag", i.id.as_str(), i.question.as_str())));
        }
        out.extend(f.components.iter().map(|c| ("component", c.id.as_str(), c.name.as_str())));
        out.extend(f.rules.iter().map(|r| ("rule", r.id.as_str(), r.description.as_str())));
        out.extend(f.references.iter().map(|r| ("reference", r.id.as_str(), r.citation.as_str())));
        out
    }

    /// One entry as TOML, found by id across every kind.
    pub fn show(&self, id: &str) -> Option<String> {
        fn ser<T: serde::Serialize>(key: &str, v: &T) -> Option<String> {
            let mut table = BTreeMap::new();
            table.insert(key, vec![v]);
            toml::to_string_pretty(&table).ok()
        }
        let f = &self.files;
        if let Some(m) = f.muscles.iter().find(|m| m.id == id) {
            return ser("muscle", m);
        }
        if let Some(e) = f.exercises.iter().find(|e| e.id == id) {
            return ser("exercise", e);
        }
        if let Some(t) = f.techniques.iter().find(|t| t.id == id) {
            return ser("technique", t);
        }
        if let Some(m) = f.measures.iter().find(|m| m.id == id) {
            return ser("measure", m);
        }
        if let Some(r) = f.regions.iter().find(|r| r.id == id) {
            return ser("region", r);
        }
        if let Some(c) = f.red_flag_categories.iter().find(|c| c.id == id || c.item.iter().any(|i| i.id == id)) {
            return ser("category", c);
        }
        if let Some(c) = f.components.iter().find(|c| c.id == id) {
            return ser("component", c);
        }
        if let Some(r) = f.rules.iter().find(|r| r.id == id) {
            return ser("rule", r);
        }
        if let Some(r) = f.references.iter().find(|r| r.id == id) {
            return ser("reference", r);
        }
        None
    }

    /// The whole effective knowledge base (embedded plus overrides) as one TOML document.
    pub fn export(&self) -> String {
        toml::to_string_pretty(&self.files).expect("knowledge types serialise to TOML")
    }
}
