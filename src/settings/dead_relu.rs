//! The dead-ReLU demo's knobs (theory cell, Q3): a 2 → h → h → 2 ReLU MLP trained in the worker.

use serde::{Deserialize, Serialize};

use super::{Range, SettingsError};

pub const HIDDEN: Range = Range::whole("hidden units", 2, 128);
pub const INIT_SCALE: Range = Range::real("init scale", 0.01, 10.0);
pub const BIAS_INIT: Range = Range::real("bias init", -5.0, 5.0);
pub const LEARNING_RATE: Range = Range::real("learning rate", 1e-4, 10.0);
pub const STEPS: Range = Range::whole("steps", 1, 5000);
pub const POINTS: Range = Range::whole("points", 8, 4096);

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeadReluSettings {
    /// Units in each of the two hidden layers.
    pub hidden: usize,
    /// Multiplies the Kaiming (He) standard deviation √(2 / fan-in) of the weights.
    pub init_scale: f64,
    /// Starting value of every hidden bias.
    pub bias_init: f64,
    pub learning_rate: f64,
    /// Batch-normalise each hidden layer's pre-activations (learned scale and shift).
    pub batch_norm: bool,
    /// Full-batch SGD steps.
    pub steps: usize,
    /// Training points (half disc, half ring).
    pub points: usize,
    /// Seeds the points and the initial weights.
    pub seed: u64,
}

impl Default for DeadReluSettings {
    fn default() -> Self {
        Self {
            hidden: 16,
            init_scale: 1.0,
            bias_init: 0.0,
            learning_rate: 0.1,
            batch_norm: false,
            steps: 300,
            points: 256,
            seed: 5,
        }
    }
}

impl DeadReluSettings {
    /// Refuses out-of-range or non-finite knobs with a message naming the knob and its range.
    pub fn validate(&self) -> Result<(), SettingsError> {
        HIDDEN.check_count(self.hidden)?;
        INIT_SCALE.check(self.init_scale)?;
        BIAS_INIT.check(self.bias_init)?;
        LEARNING_RATE.check(self.learning_rate)?;
        STEPS.check_count(self.steps)?;
        POINTS.check_count(self.points)?;
        Ok(())
    }

    /// How often the loss is read back (about 30 points on the curve).
    pub fn record_every(&self) -> usize {
        (self.steps / 30).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_relu_knobs_are_range_checked() {
        assert_eq!(DeadReluSettings::default().validate(), Ok(()));
        let bad = DeadReluSettings {
            learning_rate: 0.0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .starts_with("learning rate must be")
        );
        let nan = DeadReluSettings {
            init_scale: f64::NAN,
            ..Default::default()
        };
        assert!(
            nan.validate()
                .unwrap_err()
                .to_string()
                .contains("init scale")
        );
    }
}
