//! Evaluation metrics: a confusion matrix and what a write-up reports from it — overall accuracy,
//! per-class accuracy, their mean, and many/medium/few-shot group means by training count.

use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

/// Group means by how many training images a class had (Liu et al. 2019's split: many-shot
/// more than 100, few-shot fewer than 20, medium-shot the rest). `None` for an empty group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShotGroups {
    pub many: Option<f64>,
    pub medium: Option<f64>,
    pub few: Option<f64>,
}

impl Confusion {
    pub fn new(classes: usize) -> Self {
        Self {
            counts: vec![vec![0; classes]; classes],
        }
    }

    /// Records predictions for a batch.
    ///
    /// # Panics
    /// If a label or prediction is not a class index.
    pub fn add(&mut self, labels: &[usize], predicted: &[usize]) {
        for (&l, &p) in labels.iter().zip(predicted) {
            self.counts[l][p] += 1;
        }
    }

    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Fraction of all examples predicted right (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.counts.len()).map(|c| self.counts[c][c]).sum();
        ratio(right, self.total())
    }

    /// Recall of each class (0 for a class with no examples).
    pub fn per_class_accuracy(&self) -> Vec<f64> {
        self.counts
            .iter()
            .enumerate()
            .map(|(c, row)| ratio(row[c], row.iter().sum()))
            .collect()
    }

    /// The mean of the per-class accuracies: every class counts the same, however rare.
    pub fn mean_per_class_accuracy(&self) -> f64 {
        let per = self.per_class_accuracy();
        per.iter().sum::<f64>() / per.len().max(1) as f64
    }

    /// Mean per-class accuracy over the many- (> 100), medium- and few-shot (< 20) classes.
    pub fn shot_groups(&self, train_counts: &[usize]) -> ShotGroups {
        let per = self.per_class_accuracy();
        let mean = |keep: &dyn Fn(usize) -> bool| {
            let chosen: Vec<f64> = per
                .iter()
                .zip(train_counts)
                .filter(|&(_, &n)| keep(n))
                .map(|(&a, _)| a)
                .collect();
            (!chosen.is_empty()).then(|| chosen.iter().sum::<f64>() / chosen.len() as f64)
        };
        ShotGroups {
            many: mean(&|n| n > 100),
            medium: mean(&|n| (20..=100).contains(&n)),
            few: mean(&|n| n < 20),
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracies_from_a_small_confusion_matrix() {
        let mut m = Confusion::new(3);
        m.add(&[0, 0, 0, 0, 1, 1, 2, 2], &[0, 0, 0, 1, 1, 0, 2, 2]);
        assert_eq!(m.total(), 8);
        assert_eq!(m.accuracy(), 6.0 / 8.0);
        assert_eq!(m.per_class_accuracy(), vec![0.75, 0.5, 1.0]);
        assert_eq!(m.mean_per_class_accuracy(), 0.75);
        assert_eq!(m.counts[1], vec![1, 1, 0]);
    }

    #[test]
    fn shot_groups_split_by_training_count() {
        let mut m = Confusion::new(3);
        m.add(&[0, 1, 2, 2], &[0, 0, 2, 1]);
        let g = m.shot_groups(&[1000, 50, 10]);
        assert_eq!((g.many, g.medium, g.few), (Some(1.0), Some(0.0), Some(0.5)));
        let only_many = m.shot_groups(&[500, 500, 500]);
        assert_eq!((only_many.medium, only_many.few), (None, None));
    }

    #[test]
    fn empty_is_zero_not_nan() {
        let m = Confusion::new(2);
        assert_eq!(m.accuracy(), 0.0);
        assert_eq!(m.per_class_accuracy(), vec![0.0, 0.0]);
    }
}
