//! The red-flag gate: every item of the screen must be answered, and any "yes" blocks the plan
//! and the muscle story and returns the referral advice of its category, unless the therapist
//! has recorded a documented medical clearance of that item. The screen is mandatory (brief
//! §4.2, established); its items and action levels are convention and live in
//! `knowledge/red_flags.toml`.
//!
//! Action levels follow onset: a new or sudden item (or one whose onset was not given) demands
//! its category's action; a long-standing, unchanged one may demand less (the category's
//! `long_standing` entry), but still blocks until it has been assessed. An item may name an
//! action of its own where it is more urgent than its category's (a thunderclap headache is an
//! emergency, while the other headache items are urgent). A clearance covers a long-standing
//! item only: a new or sudden item needs assessment now, so an earlier clearance does not cover
//! it, and an item whose onset was not given is taken as new, for its clearance as for its
//! action.

use std::collections::BTreeMap;

use crate::date::Date;
use crate::intake::{Clearance, RedFlagAnswer};
use crate::knowledge::{Action, KnowledgeBase, RedFlagCategory, RedFlagItem};
pub use crate::vocab::{GateStatus, Onset};

/// A positive red-flag item and what to do about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PositiveFlag {
    /// Item id.
    pub item: String,
    /// The question as asked.
    pub question: String,
    /// Category id.
    pub category: String,
    /// Category name.
    pub category_name: String,
    /// Onset as recorded.
    pub onset: Option<Onset>,
    /// What it demands, given its onset.
    pub action: Action,
    /// Where to go instead.
    pub advice: String,
}

/// A positive item covered by a documented medical clearance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClearedFlag {
    /// The item.
    pub flag: PositiveFlag,
    /// The clearance.
    pub clearance: Clearance,
}

/// Why a recorded clearance was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClearanceProblem {
    /// The item was answered "no" or not at all: there is nothing to clear.
    ItemNotPositive,
    /// The item is new or sudden: it needs assessment now, whatever was found before.
    NewOnset,
    /// The item's onset was not given, so it is taken as new: a clearance covers only an item
    /// recorded as long-standing.
    OnsetNotGiven,
    /// The clearance is dated after the assessment.
    AfterAssessment,
}

/// A recorded clearance that was not applied, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IgnoredClearance {
    /// The clearance.
    pub clearance: Clearance,
    /// Why.
    pub problem: ClearanceProblem,
}

/// The red-flag screen's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// In one word.
    pub status: GateStatus,
    /// Positive items without clearance, most urgent first.
    pub positive: Vec<PositiveFlag>,
    /// Positive items with a clearance.
    pub cleared: Vec<ClearedFlag>,
    /// Unanswered item ids.
    pub missing: Vec<String>,
    /// Clearances recorded but not applied.
    pub ignored_clearances: Vec<IgnoredClearance>,
}

impl Gate {
    /// Whether the plan may be generated.
    pub fn allows_plan(&self) -> bool {
        matches!(self.status, GateStatus::Clear | GateStatus::Cleared)
    }

    /// Whether the muscle story (states, explanations, simulation) may be told: not while an
    /// uncleared red flag stands.
    pub fn allows_muscle_story(&self) -> bool {
        self.status != GateStatus::Positive
    }

    /// The most urgent action of the uncleared items.
    pub fn most_urgent(&self) -> Option<Action> {
        self.positive.iter().map(|f| f.action).min()
    }
}

fn positive(cat: &RedFlagCategory, item: &RedFlagItem, onset: Option<Onset>) -> PositiveFlag {
    let new = (item.action.unwrap_or(cat.action), item.advice.as_ref().unwrap_or(&cat.advice));
    let long_standing = item.long_standing.as_ref().or(cat.long_standing.as_ref()).map(|l| (l.action, &l.advice));
    let (action, advice) = match (long_standing, onset) {
        (Some(long), Some(Onset::LongStanding)) => long,
        _ => new,
    };
    PositiveFlag {
        item: item.id.clone(),
        question: item.question.clone(),
        category: cat.id.clone(),
        category_name: cat.name.clone(),
        onset,
        action,
        advice: advice.clone(),
    }
}

/// Runs the gate on the answers and the recorded clearances. A "yes" anywhere wins over
/// missing answers, because it already demands referral.
pub fn screen(answers: &BTreeMap<String, RedFlagAnswer>, clearances: &[Clearance], assessed_on: Date, kb: &KnowledgeBase) -> Gate {
    let mut gate =
        Gate { status: GateStatus::Clear, positive: Vec::new(), cleared: Vec::new(), missing: Vec::new(), ignored_clearances: Vec::new() };
    let mut used = vec![false; clearances.len()];
    for cat in kb.red_flag_categories() {
        for item in &cat.item {
            let Some(answer) = answers.get(&item.id) else {
                gate.missing.push(item.id.clone());
                continue;
            };
            if !answer.present {
                continue;
            }
            let flag = positive(cat, item, answer.onset);
            let covering = clearances.iter().position(|c| c.item == item.id && c.assessed_on <= assessed_on);
            match covering {
                Some(i) if answer.onset == Some(Onset::LongStanding) => {
                    used[i] = true;
                    gate.cleared.push(ClearedFlag { flag, clearance: clearances[i].clone() });
                }
                _ => gate.positive.push(flag),
            }
        }
    }
    for (clearance, used) in clearances.iter().zip(used) {
        if used {
            continue;
        }
        let answer = answers.get(&clearance.item).filter(|a| a.present);
        let problem = match answer {
            None => ClearanceProblem::ItemNotPositive,
            Some(a) => match a.onset {
                Some(Onset::New) => ClearanceProblem::NewOnset,
                None => ClearanceProblem::OnsetNotGiven,
                Some(Onset::LongStanding) => ClearanceProblem::AfterAssessment,
            },
        };
        gate.ignored_clearances.push(IgnoredClearance { clearance: clearance.clone(), problem });
    }
    gate.positive.sort_by_key(|f| f.action);
    gate.status = if !gate.positive.is_empty() {
        GateStatus::Positive
    } else if !gate.missing.is_empty() {
        GateStatus::Incomplete
    } else if !gate.cleared.is_empty() {
        GateStatus::Cleared
    } else {
        GateStatus::Clear
    };
    gate
}
