//! A training cell's dataset as the page follows it: which one is chosen, loading progress, the
//! loaded datasets' summaries, and why a load failed (the dataset loaded before stays).

use std::rc::Rc;

use crate::protocol::training::{DatasetSummary, Event};
use crate::settings::data::DatasetKind;

#[derive(Debug, Clone, PartialEq)]
pub struct DataState {
    /// The dataset runs use.
    pub chosen: DatasetKind,
    /// A load under way: what, bytes so far, bytes in all (when known).
    pub loading: Option<(DatasetKind, u64, Option<u64>)>,
    ready: Vec<Rc<DatasetSummary>>,
    /// Why the last load failed.
    pub error: Option<String>,
    /// Datasets asked for so far (the cell loads its chosen one by itself once, not again after
    /// a failure).
    attempted: Vec<DatasetKind>,
}

impl DataState {
    pub fn new(chosen: DatasetKind) -> Self {
        Self {
            chosen,
            loading: None,
            ready: Vec::new(),
            error: None,
            attempted: Vec::new(),
        }
    }

    /// Whether the cell should load its chosen dataset by itself (never tried, nothing under way).
    pub fn needs_loading(&self) -> bool {
        self.loading.is_none()
            && self.current().is_none()
            && self.chosen != DatasetKind::Upload
            && !self.attempted.contains(&self.chosen)
    }

    /// The cell loads its chosen dataset by itself (a failure's message stays).
    pub fn auto_load(&mut self) {
        self.attempted.push(self.chosen);
        self.loading = Some((self.chosen, 0, None));
    }

    pub fn summary(&self, kind: DatasetKind) -> Option<Rc<DatasetSummary>> {
        self.ready.iter().find(|d| d.source == kind).cloned()
    }

    /// The chosen dataset, once loaded.
    pub fn current(&self) -> Option<Rc<DatasetSummary>> {
        self.summary(self.chosen)
    }

    /// A load was asked for: `kind` becomes the chosen dataset once it is ready.
    pub fn load_requested(&mut self, kind: DatasetKind) {
        self.attempted.push(kind);
        self.loading = Some((kind, 0, None));
        self.error = None;
    }

    /// Applies a data event; returns false for other events.
    pub fn apply(&mut self, event: &Event) -> bool {
        match event {
            Event::DataProgress {
                source,
                loaded,
                total,
            } => self.loading = Some((*source, *loaded, *total)),
            Event::DataReady(summary) => {
                self.ready.retain(|d| d.source != summary.source);
                self.ready.push(Rc::new(summary.clone()));
                self.chosen = summary.source;
                self.loading = None;
            }
            Event::DataRefused { reason, .. } => {
                // The chosen dataset stays what it was; with none loaded, the toy set (which
                // needs no download) is offered instead.
                self.loading = None;
                self.error = Some(reason.clone());
                if self.ready.is_empty() {
                    self.chosen = DatasetKind::Toy;
                }
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(source: DatasetKind) -> DatasetSummary {
        DatasetSummary {
            source,
            name: "x".into(),
            class_names: vec!["a".into(); 10],
            train_per_class: vec![5; 10],
            test_per_class: vec![2; 10],
        }
    }

    #[test]
    fn a_refused_file_keeps_the_loaded_dataset() {
        let mut d = DataState::new(DatasetKind::Toy);
        d.load_requested(DatasetKind::Toy);
        d.apply(&Event::DataReady(summary(DatasetKind::Toy)));
        assert_eq!(d.current().unwrap().source, DatasetKind::Toy);
        d.load_requested(DatasetKind::Upload);
        d.apply(&Event::DataProgress {
            source: DatasetKind::Upload,
            loaded: 5,
            total: None,
        });
        assert_eq!(d.loading, Some((DatasetKind::Upload, 5, None)));
        d.apply(&Event::DataRefused {
            source: DatasetKind::Upload,
            reason: "junk.bin is not a CIFAR-10 batch file".into(),
        });
        assert_eq!(d.chosen, DatasetKind::Toy);
        assert!(d.current().is_some());
        assert!(d.error.as_deref().unwrap().contains("junk.bin"));
        assert_eq!(d.loading, None);
    }

    #[test]
    fn a_missing_site_subset_falls_back_to_the_toy_set_once() {
        let mut d = DataState::new(DatasetKind::Cifar);
        assert!(d.needs_loading());
        d.auto_load();
        assert!(!d.needs_loading(), "under way");
        d.apply(&Event::DataRefused {
            source: DatasetKind::Cifar,
            reason: "make data".into(),
        });
        assert_eq!(d.chosen, DatasetKind::Toy, "offered instead");
        assert!(d.needs_loading());
        d.auto_load();
        d.apply(&Event::DataReady(summary(DatasetKind::Toy)));
        assert!(!d.needs_loading());
        assert_eq!(
            d.error.as_deref(),
            Some("make data"),
            "the explanation stays"
        );
    }
}
