//! The ConvNet's shape as the page and the CLI set it: two blocks of 2 × [conv → BatchNorm →
//! ReLU] + max-pool, dropout, a linear head (`nn::convnet` builds it).

use serde::{Deserialize, Serialize};

use super::{Range, SettingsError};

/// Channels of either block.
pub const WIDTH: Range = Range::whole("width", 1, 128);
/// Dropout probability before the head.
pub const DROPOUT: Range = Range::real("dropout", 0.0, 0.9);
/// Kernel sides offered ("same" padding keeps 32×32 until each pool).
pub const KERNELS: [usize; 2] = [3, 5];

/// How the convolution and linear weights start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeightInit {
    /// He et al. 2015, for ReLU networks: N(0, 2 / fan-in).
    KaimingNormal,
    /// Glorot & Bengio 2010: N(0, 2 / (fan-in + fan-out)).
    XavierNormal,
}

/// How the convolutions are computed: the same arithmetic (to float rounding), different speed.
/// (Checkpoints and kept runs name them by their former names, `Direct` and `Patches`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConvPath {
    /// Burn's convolution (`Conv2d`'s kernels): best on WebGPU and burn-flex.
    #[serde(rename = "Direct")]
    Burn,
    /// lectern's own "same" convolution (`nn::conv_same`): on burn-ndarray one operation with
    /// its own backward pass (`nn::conv_kernel`: in the browser straight from the padded images,
    /// natively one matrix product over the k² shifted copies), elsewhere built from tensor
    /// operations. Best on burn-ndarray, whose own convolution backward pass is a scalar loop.
    #[serde(rename = "Patches")]
    OwnKernel,
}

impl ConvPath {
    pub const ALL: [ConvPath; 2] = [ConvPath::OwnKernel, ConvPath::Burn];

    /// `own-kernel` / `burn`, as the bench and the page write it.
    pub fn name(self) -> &'static str {
        match self {
            ConvPath::OwnKernel => "own-kernel",
            ConvPath::Burn => "burn",
        }
    }
}

/// The network's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSettings {
    /// Channels of the first and second block.
    pub widths: [usize; 2],
    /// Square kernel side: 3 or 5.
    pub kernel: usize,
    /// BatchNorm after every convolution.
    pub batch_norm: bool,
    /// Dropout probability before the head, in [0, 0.9].
    pub dropout: f64,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            widths: [16, 32],
            kernel: 3,
            batch_norm: true,
            dropout: 0.3,
        }
    }
}

impl ModelSettings {
    /// Refuses a bad shape, naming the knob.
    pub fn validate(&self) -> Result<(), SettingsError> {
        for width in self.widths {
            WIDTH.check_count(width)?;
        }
        if !KERNELS.contains(&self.kernel) {
            return Err(SettingsError::Invalid {
                name: "kernel",
                reason: format!("must be 3 or 5, got {}", self.kernel),
            });
        }
        DROPOUT.check(self.dropout)?;
        Ok(())
    }

    /// Trainable parameters (weights, biases, BatchNorm scale and shift) for 10 classes.
    pub fn parameters(&self) -> usize {
        let [a, b] = self.widths;
        let k2 = self.kernel * self.kernel;
        let convs = [[3, a], [a, a], [a, b], [b, b]];
        let per_conv: usize = convs
            .iter()
            .map(|&[i, o]| i * o * k2 + if self.batch_norm { 2 * o } else { o })
            .sum();
        per_conv + b * 8 * 8 * 10 + 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_shape_is_valid_and_bad_ones_are_named() {
        assert_eq!(ModelSettings::default().validate(), Ok(()));
        let wide = ModelSettings {
            widths: [16, 0],
            ..Default::default()
        };
        assert!(
            wide.validate()
                .unwrap_err()
                .to_string()
                .starts_with("width")
        );
        let kernel = ModelSettings {
            kernel: 4,
            ..Default::default()
        };
        assert!(
            kernel
                .validate()
                .unwrap_err()
                .to_string()
                .contains("3 or 5")
        );
    }

    #[test]
    fn parameters_of_the_default_network() {
        // 3·16·9 + 16·16·9 + 16·32·9 + 32·32·9 = 16,560 weights, BatchNorm 2·(16+16+32+32) = 192,
        // head 32·8·8·10 + 10 = 20,490.
        assert_eq!(ModelSettings::default().parameters(), 16_560 + 192 + 20_490);
    }
}
