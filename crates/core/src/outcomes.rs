//! Outcome measures: scoring the NDI, NPRS and PSFS, and judging a change against each
//! measure's real-change threshold so that noise is not read as progress.

use crate::intake::{OutcomeAnswers, PsfsVersion};
use crate::knowledge::KnowledgeBase;

/// A scored NDI.
#[derive(Debug, Clone, PartialEq)]
pub struct NdiScore {
    /// Total on the 0–50 scale (prorated when items are missing).
    pub score: f64,
    /// Percent (score × 2).
    pub percent: f64,
    /// Items answered, of 10.
    pub answered: usize,
    /// Whether the score was prorated for missing items.
    pub prorated: bool,
    /// Severity band.
    pub band: String,
}

/// The NDI's result: a score, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum NdiResult {
    /// Scored (prorated within the knowledge base's limit of missing items).
    Scored(NdiScore),
    /// Too many items missing to prorate (brief §5; the limit is `max_missing` in
    /// `outcomes.toml`).
    NotScorable {
        /// Items answered, of 10.
        answered: usize,
        /// The most that may be missing.
        max_missing: usize,
    },
}

impl NdiResult {
    /// The score, when scored.
    pub fn score(&self) -> Option<&NdiScore> {
        match self {
            NdiResult::Scored(s) => Some(s),
            NdiResult::NotScorable { .. } => None,
        }
    }
}

/// NPRS ratings as given (integers 0–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NprsScore {
    /// Now.
    pub now: Option<u8>,
    /// Worst in 24 hours.
    pub worst_24h: Option<u8>,
    /// Average over the past week.
    pub average_week: Option<u8>,
}

/// A scored PSFS.
#[derive(Debug, Clone, PartialEq)]
pub struct PsfsScore {
    /// Mean on the form's own scale.
    pub mean_raw: f64,
    /// Mean on the original scale (10 = as before), whatever the version.
    pub mean: f64,
    /// Items.
    pub items: usize,
    /// Form version.
    pub version: PsfsVersion,
    /// Fewer activities than the scale's authors recommend.
    pub fewer_than_recommended: bool,
}

/// The scored outcome measures of one assessment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    /// NDI.
    pub ndi: Option<NdiResult>,
    /// NPRS.
    pub nprs: Option<NprsScore>,
    /// PSFS.
    pub psfs: Option<PsfsScore>,
}

impl Scores {
    /// Whether the client's outcome measures are back within normal: an NDI scored at or below
    /// `ndi_at_most` and every NPRS rating given at or below `nprs_at_most`. Needs at least the
    /// NDI or the NPRS; unknown counts as not within normal.
    pub fn within_normal(&self, ndi_at_most: f64, nprs_at_most: f64) -> bool {
        let ndi = self.ndi.as_ref().map(|n| n.score().is_some_and(|s| s.score <= ndi_at_most + 1e-9));
        let nprs = self.nprs.map(|n| {
            let given: Vec<u8> = [n.now, n.worst_24h, n.average_week].into_iter().flatten().collect();
            !given.is_empty() && given.iter().all(|v| f64::from(*v) <= nprs_at_most)
        });
        match (ndi, nprs) {
            (None, None) => false,
            (ndi, nprs) => ndi.unwrap_or(true) && nprs.unwrap_or(true),
        }
    }
}

/// Scores the answers. Missing NDI items are prorated (sum ÷ (5 × answered) × 50, brief §5,
/// convention) only while no more than `max_missing` are missing; beyond that the NDI is not
/// scored.
pub fn score(answers: &OutcomeAnswers, kb: &KnowledgeBase) -> Scores {
    let defs = kb.outcomes();
    let ndi_def = &defs.ndi;
    let ndi = answers.ndi.as_ref().filter(|a| !a.is_empty()).map(|a| {
        let answered = a.len();
        if ndi_def.items.len() - answered.min(ndi_def.items.len()) > ndi_def.max_missing {
            return NdiResult::NotScorable { answered, max_missing: ndi_def.max_missing };
        }
        let sum: f64 = a.values().map(|v| f64::from(*v)).sum();
        let max = ndi_def.item_max * answered as f64;
        let score = sum / max * ndi_def.item_max * ndi_def.items.len() as f64;
        let band =
            ndi_def.bands.iter().find(|b| score <= b.upto + 1e-9).or(ndi_def.bands.last()).map(|b| b.label.clone()).unwrap_or_default();
        NdiResult::Scored(NdiScore { score, percent: score * 2.0, answered, prorated: answered < ndi_def.items.len(), band })
    });
    let nprs = answers.nprs.as_ref().map(|n| NprsScore { now: n.now, worst_24h: n.worst_24h, average_week: n.average_week });
    let psfs = answers.psfs.as_ref().filter(|p| !p.items.is_empty()).map(|p| {
        let mean_raw = p.items.iter().map(|i| f64::from(i.score)).sum::<f64>() / p.items.len() as f64;
        let mean = match p.version {
            PsfsVersion::V1 => mean_raw,
            PsfsVersion::V2 => 10.0 - mean_raw,
        };
        PsfsScore {
            mean_raw,
            mean,
            items: p.items.len(),
            version: p.version,
            fewer_than_recommended: p.items.len() < defs.psfs.recommended_items,
        }
    });
    Scores { ndi, nprs, psfs }
}

/// Which way is better for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Lower values are better (NDI, NPRS).
    Lower,
    /// Higher values are better (PSFS, CVA, DNF endurance).
    Higher,
}

/// How a change reads against the measure's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within measurement noise.
    Noise,
    /// A real improvement (beyond the real-change threshold).
    Improved,
    /// A real worsening.
    Worsened,
    /// No real-change threshold is known, so the change cannot be judged.
    Unjudged,
}

/// A judged change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// After − before.
    pub delta: f64,
    /// Relative change in percent of `before`, when `before` is not zero.
    pub percent: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// Whether the change also reaches the "likely meaningful" threshold.
    pub meaningful: bool,
}

/// Judges a change: real when |delta| ≥ `real_change`; meaningful when it also reaches
/// `meaningful` (when given).
pub fn judge(before: f64, after: f64, better: Better, real_change: Option<f64>, meaningful: Option<f64>) -> Change {
    let delta = after - before;
    let percent = (before.abs() > 1e-9).then(|| delta / before * 100.0);
    let Some(real) = real_change else {
        return Change { delta, percent, verdict: Verdict::Unjudged, meaningful: false };
    };
    let good = match better {
        Better::Lower => delta < 0.0,
        Better::Higher => delta > 0.0,
    };
    let verdict = if delta.abs() + 1e-9 < real {
        Verdict::Noise
    } else if good {
        Verdict::Improved
    } else {
        Verdict::Worsened
    };
    let meaningful = verdict != Verdict::Noise && meaningful.is_none_or(|m| delta.abs() + 1e-9 >= m);
    Change { delta, percent, verdict, meaningful }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn judges_against_thresholds() {
        // NDI: MDC 5, meaningful 10.
        assert_eq!(judge(20.0, 16.0, Better::Lower, Some(5.0), Some(10.0)).verdict, Verdict::Noise);
        let c = judge(20.0, 14.0, Better::Lower, Some(5.0), Some(10.0));
        assert_eq!((c.verdict, c.meaningful), (Verdict::Improved, false));
        let c = judge(20.0, 9.0, Better::Lower, Some(5.0), Some(10.0));
        assert_eq!((c.verdict, c.meaningful), (Verdict::Improved, true));
        assert_eq!(judge(40.0, 46.0, Better::Higher, Some(5.0), None).verdict, Verdict::Improved);
        assert_eq!(judge(40.0, 34.0, Better::Higher, Some(5.0), None).verdict, Verdict::Worsened);
        assert_eq!(judge(1.0, 3.0, Better::Higher, None, None).verdict, Verdict::Unjudged);
    }

    proptest! {
        #[test]
        fn small_changes_are_noise(before in 0.0f64..50.0, d in -4.99f64..4.99) {
            prop_assert_eq!(judge(before, before + d, Better::Lower, Some(5.0), Some(10.0)).verdict, Verdict::Noise);
        }

        #[test]
        fn direction_is_symmetric(before in 0.0f64..50.0, d in 5.0f64..20.0) {
            let up = judge(before, before + d, Better::Higher, Some(5.0), None).verdict;
            let down = judge(before + d, before, Better::Lower, Some(5.0), None).verdict;
            prop_assert_eq!(up, Verdict::Improved);
            prop_assert_eq!(down, Verdict::Improved);
        }
    }
}
