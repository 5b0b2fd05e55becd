//! [`ConvNetConfig`]: the network's shape (from the page's model settings), checked, and built
//! into a [`ConvNet`] with its initial weights.

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, DropoutConfig, Initializer, LinearConfig, PaddingConfig2d};
use burn::prelude::*;

use super::{ConvNet, ConvPath, ConvUnit, WeightInit};
use crate::data::cifar::CLASSES;
use crate::settings::SettingsError;
use crate::settings::model::ModelSettings;

fn initializer(init: WeightInit) -> Initializer {
    match init {
        WeightInit::KaimingNormal => Initializer::KaimingNormal {
            gain: std::f64::consts::SQRT_2,
            fan_out_only: false,
        },
        WeightInit::XavierNormal => Initializer::XavierNormal { gain: 1.0 },
    }
}

/// The ConvNet's shape.
#[derive(Config, Debug)]
pub struct ConvNetConfig {
    /// Channels of the first and second block.
    #[config(default = "[16, 32]")]
    pub widths: [usize; 2],
    /// Square kernel side: 3 or 5 ("same" padding keeps 32×32 until each pool).
    #[config(default = 3)]
    pub kernel: usize,
    /// BatchNorm after every convolution.
    #[config(default = true)]
    pub batch_norm: bool,
    /// Dropout probability before the head, in [0, 1).
    #[config(default = 0.3)]
    pub dropout: f64,
    /// Outputs of the head: the datasets' ten classes (`CLASSES`); a checkpoint claiming another
    /// number is refused, since evaluation counts predictions per class of the data.
    #[config(default = 10)]
    pub classes: usize,
    #[config(default = "WeightInit::KaimingNormal")]
    pub init: WeightInit,
    /// How to compute the convolutions (speed only; see [`ConvPath`]).
    #[config(default = "ConvPath::OwnKernel")]
    pub conv_path: ConvPath,
}

impl ConvNetConfig {
    /// The configuration for the page's (or the CLI's) model settings, computed `conv_path`'s way.
    pub fn from_settings(model: &ModelSettings, conv_path: ConvPath) -> Self {
        Self::new()
            .with_widths(model.widths)
            .with_kernel(model.kernel)
            .with_batch_norm(model.batch_norm)
            .with_dropout(model.dropout)
            .with_conv_path(conv_path)
    }

    /// The shape as the page names it.
    pub fn settings(&self) -> ModelSettings {
        ModelSettings {
            widths: self.widths,
            kernel: self.kernel,
            batch_norm: self.batch_norm,
            dropout: self.dropout,
        }
    }

    /// Checks the configuration, with a message naming the bad field.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.settings().validate()?;
        if self.classes != CLASSES {
            return Err(SettingsError::Invalid {
                name: "classes",
                reason: format!(
                    "lectern's datasets have {CLASSES} classes, this network has {}",
                    self.classes
                ),
            });
        }
        Ok(())
    }

    /// Builds the network on `device`.
    ///
    /// # Panics
    /// If the configuration is invalid (see [`ConvNetConfig::validate`]).
    pub fn init(&self, device: &Device) -> ConvNet {
        if let Err(e) = self.validate() {
            panic!("invalid ConvNetConfig: {e}");
        }
        let [a, b] = self.widths;
        let channels = [[3, a], [a, a], [a, b], [b, b]];
        let units = channels
            .iter()
            .map(|&[input, output]| ConvUnit {
                conv: Conv2dConfig::new([input, output], [self.kernel, self.kernel])
                    .with_padding(PaddingConfig2d::Same)
                    .with_bias(!self.batch_norm)
                    .with_initializer(initializer(self.init))
                    .init(device),
                norm: self
                    .batch_norm
                    .then(|| BatchNormConfig::new(output).init(device)),
            })
            .collect();
        ConvNet {
            units,
            pool: MaxPool2dConfig::new([2, 2]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(b * 8 * 8, self.classes)
                .with_initializer(initializer(self.init))
                .init(device),
            conv_path: self.conv_path,
        }
    }
}
