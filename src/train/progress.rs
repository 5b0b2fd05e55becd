//! Turning per-batch reports into what a person reads per epoch: the mean loss, the training
//! accuracy, and the throughput (all the epoch's images over all its time — not a mean of
//! per-batch rates, which would overweight fast batches). [`StepReport`] (one trained batch) and
//! [`EpochReport`] (an epoch's figures and test evaluation) are what a run reports as it trains.

use serde::{Deserialize, Serialize};

use super::metrics::Confusion;
use crate::run_id::RunId;

/// One trained batch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// 0-based, counted over the whole run.
    pub iteration: usize,
    /// 0-based epoch this batch belongs to.
    pub epoch: usize,
    pub loss: f32,
    /// Accuracy on this (augmented, training-mode) batch.
    pub accuracy: f64,
    pub learning_rate: f64,
    pub images: usize,
    /// Wall-clock milliseconds of the step.
    pub millis: f64,
}

/// An epoch ended: its training figures and a full evaluation on the test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    pub run: RunId,
    /// Epochs finished (1 after the first).
    pub epoch: usize,
    /// Mean training loss and accuracy over the epoch's batches.
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub test: Confusion,
    /// The learning rate of the epoch's last batch.
    pub learning_rate: f64,
    /// The epoch's images over its training time (not a mean of per-step rates).
    pub images_per_second: f64,
    /// Training time so far, pauses excluded.
    pub seconds: f64,
}

/// One epoch's batches, as they are reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EpochMeter {
    batches: usize,
    images: usize,
    loss_sum: f64,
    correct: f64,
    millis: f64,
}

impl EpochMeter {
    pub fn add(&mut self, step: &StepReport) {
        self.batches += 1;
        self.images += step.images;
        self.loss_sum += step.loss as f64;
        self.correct += step.accuracy * step.images as f64;
        self.millis += step.millis;
    }

    pub fn batches(&self) -> usize {
        self.batches
    }

    /// The mean of the batches' losses.
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.batches.max(1) as f64
    }

    /// Training accuracy over all the epoch's images.
    pub fn accuracy(&self) -> f64 {
        self.correct / self.images.max(1) as f64
    }

    /// Images over time: the epoch's images per second of training.
    pub fn images_per_second(&self) -> f64 {
        if self.millis > 0.0 {
            self.images as f64 / (self.millis / 1000.0)
        } else {
            0.0
        }
    }

    pub fn seconds(&self) -> f64 {
        self.millis / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(loss: f32, accuracy: f64, images: usize, millis: f64) -> StepReport {
        StepReport {
            iteration: 0,
            epoch: 0,
            loss,
            accuracy,
            learning_rate: 0.1,
            images,
            millis,
        }
    }

    #[test]
    fn throughput_is_total_images_over_total_time() {
        let mut m = EpochMeter::default();
        // 64 images in 100 ms (640/s) and 64 in 300 ms (213/s): 128 in 0.4 s = 320/s, where a
        // mean of the two rates would say 427/s.
        m.add(&step(2.0, 0.5, 64, 100.0));
        m.add(&step(1.0, 0.25, 64, 300.0));
        assert!((m.images_per_second() - 320.0).abs() < 1e-9);
        assert_eq!(m.mean_loss(), 1.5);
        assert_eq!(m.accuracy(), 0.375);
        assert_eq!(m.batches(), 2);
    }

    #[test]
    fn a_short_last_batch_weighs_by_its_images() {
        let mut m = EpochMeter::default();
        m.add(&step(1.0, 1.0, 60, 10.0));
        m.add(&step(1.0, 0.0, 4, 10.0));
        assert!((m.accuracy() - 60.0 / 64.0).abs() < 1e-12);
        assert_eq!(EpochMeter::default().images_per_second(), 0.0);
    }
}
