//! The imbalance lab's results table, like a write-up's: one row per run, one column per class,
//! then the mean per-class accuracy and the many-, medium- and few-shot means. Plain Rust, tested
//! natively: the row model and the best value of each column here, the CSV and Markdown exports
//! in `export`, the paragraph that reads the numbers in `reading`.

mod export;
mod reading;

pub use export::{to_csv, to_markdown};
pub use reading::reading;

use serde::{Deserialize, Serialize};

use crate::protocol::training::RunResults;
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::loss::LossSettings;
use crate::train::metrics::ShotGroups;

/// One finished (or diverged) run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub run: u32,
    pub dataset: DatasetKind,
    pub subset: SubsetSettings,
    pub loss: LossSettings,
    pub learning_rate: f64,
    pub epochs: usize,
    pub class_names: Vec<String>,
    pub train_counts: Vec<usize>,
    pub per_class: Vec<f64>,
    pub accuracy: f64,
    pub mean_per_class: f64,
    pub shot: ShotGroups,
    /// Why the run stopped early (a NaN loss), with the epochs it finished.
    pub diverged: Option<String>,
}

impl Row {
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        run: u32,
        dataset: DatasetKind,
        subset: SubsetSettings,
        loss: LossSettings,
        learning_rate: f64,
        class_names: Vec<String>,
        train_counts: Vec<usize>,
        results: &RunResults,
        diverged: Option<String>,
    ) -> Self {
        Self {
            run,
            dataset,
            subset,
            loss,
            learning_rate,
            epochs: results.epochs,
            class_names,
            per_class: results.test.per_class_accuracy(),
            accuracy: results.test.accuracy(),
            mean_per_class: results.test.mean_per_class_accuracy(),
            shot: results.test.shot_groups(&train_counts),
            train_counts,
            diverged,
        }
    }

    /// The figures of the columns after the per-class ones: mean per class, many, medium, few.
    pub fn summary(&self) -> [Option<f64>; 4] {
        [
            Some(self.mean_per_class),
            self.shot.many,
            self.shot.medium,
            self.shot.few,
        ]
    }

    /// `CB focal (β = 0.9999, γ = 1)`, with "NaN" marked.
    pub fn label(&self) -> String {
        self.loss.describe()
    }
}

/// The titles of the summary columns.
pub const SUMMARY_COLUMNS: [&str; 4] = [
    "mean per class",
    "many-shot (> 100)",
    "medium-shot",
    "few-shot (< 20)",
];

/// For each column (10 classes, then the 4 summaries), the rows holding its best value.
pub fn best_per_column(rows: &[Row]) -> Vec<Vec<usize>> {
    let classes = rows.first().map_or(0, |r| r.per_class.len());
    let column = |value: &dyn Fn(&Row) -> Option<f64>| -> Vec<usize> {
        let best = rows
            .iter()
            .filter(|r| r.diverged.is_none())
            .filter_map(value)
            .fold(f64::NEG_INFINITY, f64::max);
        if !best.is_finite() {
            return Vec::new();
        }
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.diverged.is_none() && value(r) == Some(best))
            .map(|(i, _)| i)
            .collect()
    };
    let mut best: Vec<Vec<usize>> = (0..classes)
        .map(|c| column(&|r: &Row| r.per_class.get(c).copied()))
        .collect();
    for k in 0..SUMMARY_COLUMNS.len() {
        best.push(column(&|r: &Row| r.summary()[k]));
    }
    best
}

/// An accuracy in percent with one decimal (`63.9`), or a dash where there is none.
pub fn cell(value: Option<f64>) -> String {
    value.map_or("\u{2014}".into(), |v| format!("{:.1}", 100.0 * v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::loss::LossKind;

    pub(super) fn row(run: u32, kind: LossKind, per_class: Vec<f64>) -> Row {
        let counts = vec![100, 64, 41, 27, 17, 11, 7, 4, 3, 2];
        let mean = per_class.iter().sum::<f64>() / per_class.len() as f64;
        let group = |keep: &dyn Fn(usize) -> bool| {
            let v: Vec<f64> = per_class
                .iter()
                .zip(&counts)
                .filter(|&(_, &n)| keep(n))
                .map(|(&a, _)| a)
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let shot = ShotGroups {
            many: group(&|n| n > 100),
            medium: group(&|n| (20..=100).contains(&n)),
            few: group(&|n| n < 20),
        };
        Row {
            run,
            dataset: DatasetKind::Toy,
            subset: SubsetSettings {
                per_class: 100,
                imbalance: 50.0,
            },
            loss: LossSettings {
                kind,
                beta: 0.9999,
                gamma: 1.0,
            },
            learning_rate: 0.05,
            epochs: 12,
            class_names: (0..10).map(|i| format!("c{i}")).collect(),
            train_counts: counts,
            accuracy: mean,
            mean_per_class: mean,
            shot,
            per_class,
            diverged: None,
        }
    }

    pub(super) fn two() -> Vec<Row> {
        vec![
            row(
                1,
                LossKind::CrossEntropy,
                vec![0.9, 0.9, 0.8, 0.7, 0.5, 0.2, 0.1, 0.0, 0.0, 0.0],
            ),
            row(
                2,
                LossKind::CbFocal,
                vec![0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.4, 0.4, 0.3, 0.2],
            ),
        ]
    }

    #[test]
    fn the_best_of_each_column_is_found_and_ties_marked() {
        let rows = two();
        let best = best_per_column(&rows);
        assert_eq!(best.len(), 14);
        assert_eq!(best[0], vec![0], "CE is best on the head class");
        assert_eq!(best[9], vec![1], "CB focal on the rarest");
        assert_eq!(best[10], vec![1], "and on the mean per class");
        let mut tied = rows.clone();
        tied[1].per_class[2] = 0.8;
        assert_eq!(best_per_column(&tied)[2], vec![0, 1]);
        tied[1].diverged = Some("NaN".into());
        assert_eq!(
            best_per_column(&tied)[9],
            vec![0],
            "a NaN run is never best"
        );
    }
}
