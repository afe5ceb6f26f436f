//! Rendered report pages kept in memory, so a report read again is not rendered again.
//!
//! The expensive part of the report page (the engine's report as HTML with its body map, the
//! photos and their panels with the overlays) depends only on the newest report, the
//! assessment's landmark sets and photos, none of which is ever changed in place: a
//! correction or a recomputation adds a row. The key is therefore the [`ReportStamp`] (newest
//! report id, numbers of landmark sets and photos, the plan's last edit), read with one small
//! query, plus whether the viewer may edit; a stale entry can never match. The viewer, the
//! access check and the audit line are done fresh on every request. The cache is bounded in
//! bytes and drops its oldest entries first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tonus_store::ReportStamp;

use crate::assessments::PhotoItem;
use crate::visual::PhotoPanel;

/// What the cache may hold in all, in bytes of rendered text (a report page's part is
/// typically 40–60 kB, so a few dozen reports stay rendered).
const BUDGET_BYTES: usize = 3 << 20;

/// The rendered, viewer-independent part of a report page.
pub(crate) struct RenderedReport {
    pub engine_version: String,
    pub report_html: String,
    pub photos: Vec<PhotoItem>,
    pub panels: Vec<PhotoPanel>,
}

impl RenderedReport {
    fn bytes(&self) -> usize {
        self.engine_version.len()
            + self.report_html.len()
            + self.photos.iter().map(PhotoItem::text_bytes).sum::<usize>()
            + self.panels.iter().map(PhotoPanel::text_bytes).sum::<usize>()
    }
}

/// Which rendering: the data it was made from and whether the viewer may edit landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub stamp: ReportStamp,
    pub can_edit: bool,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, (Arc<RenderedReport>, usize)>,
    /// Insertion order, oldest first.
    order: VecDeque<Key>,
    bytes: usize,
}

/// A bounded map from [`Key`] to its rendered report.
#[derive(Default)]
pub(crate) struct ReportCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for ReportCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        f.debug_struct("ReportCache").field("reports", &entries.map.len()).field("bytes", &entries.bytes).finish()
    }
}

impl ReportCache {
    pub(crate) fn get(&self, key: &Key) -> Option<Arc<RenderedReport>> {
        let entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        entries.map.get(key).map(|(report, _)| Arc::clone(report))
    }

    /// Keeps a rendering (unless it alone is over the budget), dropping the oldest to fit.
    pub(crate) fn insert(&self, key: Key, report: Arc<RenderedReport>) {
        let size = report.bytes();
        if size > BUDGET_BYTES {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        if entries.map.contains_key(&key) {
            return;
        }
        while entries.bytes + size > BUDGET_BYTES {
            let Some(oldest) = entries.order.pop_front() else { break };
            if let Some((_, freed)) = entries.map.remove(&oldest) {
                entries.bytes -= freed;
            }
        }
        entries.map.insert(key, (report, size));
        entries.order.push_back(key);
        entries.bytes += size;
    }

    /// How many renderings and bytes the cache holds.
    #[cfg(test)]
    fn usage(&self) -> (usize, usize) {
        let entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        (entries.map.len(), entries.bytes)
    }
}

#[cfg(test)]
mod tests {
    use tonus_store::ReportId;

    use super::*;

    fn key(landmark_sets: i64) -> Key {
        let stamp = ReportStamp { report: ReportId::new(), landmark_sets, photos: 0, plan_edited_by: None, plan_edited_at: None };
        Key { stamp, can_edit: true }
    }

    fn rendered(kb: usize) -> Arc<RenderedReport> {
        Arc::new(RenderedReport {
            engine_version: "0.1.0".into(),
            report_html: "x".repeat(kb * 1024),
            photos: Vec::new(),
            panels: Vec::new(),
        })
    }

    #[test]
    fn a_new_stamp_or_viewer_misses_and_the_same_one_hits() {
        let cache = ReportCache::default();
        let first = key(1);
        cache.insert(first, rendered(50));
        assert!(cache.get(&first).is_some());
        assert!(cache.get(&Key { can_edit: false, ..first }).is_none());
        let more_sets = Key { stamp: ReportStamp { landmark_sets: 2, ..first.stamp }, ..first };
        assert!(cache.get(&more_sets).is_none());
        assert!(cache.get(&key(1)).is_none(), "another report id");
    }

    #[test]
    fn the_budget_holds_and_the_oldest_go_first() {
        let cache = ReportCache::default();
        let keys: Vec<Key> = (0..200).map(key).collect();
        for k in &keys {
            cache.insert(*k, rendered(60));
        }
        let (count, bytes) = cache.usage();
        assert!(bytes <= BUDGET_BYTES, "{bytes} bytes held");
        assert_eq!(count, BUDGET_BYTES / (60 * 1024 + 5));
        assert!(cache.get(&keys[0]).is_none());
        assert!(cache.get(&keys[199]).is_some());
        // One rendering larger than the whole budget is not kept and evicts nothing.
        cache.insert(key(7), rendered(BUDGET_BYTES / 1024 + 1));
        assert_eq!(cache.usage(), (count, bytes));
    }
}
