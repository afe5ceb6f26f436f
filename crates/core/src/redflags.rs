//! The red-flag gate: every item of the screen must be answered, and any "yes" blocks the plan
//! and returns the referral advice of its category. The screen is mandatory (brief §4.2, established);
//! its items are convention and live in `knowledge/red_flags.toml`.

use std::collections::BTreeMap;

use crate::knowledge::{Action, KnowledgeBase};

/// A positive red flag and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PositiveFlag {
    /// Item id.
    pub item: String,
    /// The question as asked.
    pub question: String,
    /// Category id.
    pub category: String,
    /// Category name.
    pub category_name: String,
    /// What it demands.
    pub action: Action,
    /// Where to go instead.
    pub advice: String,
}

/// The outcome of the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    /// Every item answered "no": a plan may be generated.
    Clear,
    /// At least one "yes": no plan; refer out. Sorted most urgent first.
    Positive(Vec<PositiveFlag>),
    /// Items not answered (ids): no plan until the screen is complete.
    Incomplete(Vec<String>),
}

impl Gate {
    /// Whether the plan may be generated.
    pub fn allows_plan(&self) -> bool {
        matches!(self, Gate::Clear)
    }

    /// The most urgent action, for a positive screen.
    pub fn most_urgent(&self) -> Option<Action> {
        match self {
            Gate::Positive(flags) => flags.iter().map(|f| f.action).min(),
            _ => None,
        }
    }
}

/// Runs the gate. A "yes" anywhere wins over missing answers, because it already demands
/// referral.
pub fn screen(answers: &BTreeMap<String, bool>, kb: &KnowledgeBase) -> Gate {
    let mut positive = Vec::new();
    let mut missing = Vec::new();
    for cat in kb.red_flag_categories() {
        for item in &cat.item {
            match answers.get(&item.id) {
                Some(true) => positive.push(PositiveFlag {
                    item: item.id.clone(),
                    question: item.question.clone(),
                    category: cat.id.clone(),
                    category_name: cat.name.clone(),
                    action: cat.action,
                    advice: cat.advice.clone(),
                }),
                Some(false) => {}
                None => missing.push(item.id.clone()),
            }
        }
    }
    if !positive.is_empty() {
        positive.sort_by_key(|f| f.action);
        Gate::Positive(positive)
    } else if !missing.is_empty() {
        Gate::Incomplete(missing)
    } else {
        Gate::Clear
    }
}
