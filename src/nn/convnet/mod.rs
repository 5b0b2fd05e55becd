//! The ConvNet cell's scaled-down CNN: two blocks of 2 × [conv → BatchNorm → ReLU] followed by a
//! 2×2 max-pool, then dropout and a linear head.
//!
//! The convolutions hold their parameters in Burn's `Conv2d` (weights `[out, in, k, k]`) and are
//! computed one of two ways, the same arithmetic ([`ConvPath`]): Burn's convolution kernels, or one
//! matrix product over the k² shifted copies of the input ([`conv_same`]). The second exists for
//! burn-ndarray, the notebook's CPU backend, whose convolution backward pass (a scalar
//! conv-transpose loop) makes training with its own kernels ~4× slower (see `lectern bench`).

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{BatchNorm, Dropout, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::batch_norm_kernel::{batch_norm, inference_scale_shift};
pub use super::conv_same::conv_same;
use super::conv_unit_inference::{self, conv_unit_inference};
use super::pool_kernel::max_pool;
pub use crate::settings::model::{ConvPath, WeightInit};

mod config;
pub use config::ConvNetConfig;

/// conv → (BatchNorm) → ReLU.
#[derive(Module, Debug)]
pub struct ConvUnit {
    conv: Conv2d,
    norm: Option<BatchNorm>,
}

/// The network. Input images are 3×32×32.
#[derive(Module, Debug)]
pub struct ConvNet {
    units: Vec<ConvUnit>,
    pool: MaxPool2d,
    dropout: Dropout,
    head: Linear,
    #[module(skip)]
    conv_path: ConvPath,
}

impl ConvNet {
    /// Switches how the convolutions are computed (e.g. after loading on another backend).
    pub fn with_conv_path(mut self, conv_path: ConvPath) -> Self {
        self.conv_path = conv_path;
        self
    }

    /// How the convolutions are computed.
    pub fn conv_path(&self) -> ConvPath {
        self.conv_path
    }

    /// The first convolution's weights `[out, 3, k, k]`.
    pub fn first_layer_weights(&self) -> Tensor<4> {
        self.units[0].conv.weight.val()
    }

    /// Logits, and each ReLU layer's input (for dead-unit counts).
    ///
    /// # Shapes
    /// - `images`: `[batch, 3, 32, 32]`
    /// - logits: `[batch, classes]`; pre-activations: `[batch, channels, h, w]`, four of them.
    pub fn forward_with_activity(&self, images: Tensor<4>) -> (Tensor<2>, Vec<Tensor<4>>) {
        let mut x = images;
        let mut pre = Vec::with_capacity(self.units.len());
        for (i, unit) in self.units.iter().enumerate() {
            let z = match self.conv_path {
                ConvPath::Burn => unit.conv.forward(x),
                ConvPath::OwnKernel => conv_same(&unit.conv, x),
            };
            let z = match &unit.norm {
                Some(norm) => batch_norm(norm, z),
                None => z,
            };
            pre.push(z.clone());
            x = relu(z);
            if i % 2 == 1 {
                x = max_pool(&self.pool, x);
            }
        }
        let x = self.dropout.forward(x.flatten::<2>(1, 3));
        (self.head.forward(x), pre)
    }

    /// Whether [`ConvNet::forward`] runs each unit as one operation for inputs on `device`: at
    /// inference (the inputs and the model, after `valid()`, both without autodiff), on
    /// burn-ndarray, with the convolutions as the CPU kernel ([`ConvPath::OwnKernel`]).
    pub fn fuses_units_on(&self, device: &Device) -> bool {
        self.conv_path == ConvPath::OwnKernel
            && conv_unit_inference::runs_on(device)
            && !self.units[0].conv.weight.val().device().is_autodiff()
    }

    /// Logits. At inference on burn-ndarray each conv → BatchNorm → ReLU unit is one operation
    /// ([`conv_unit_inference`]), with the same values as [`ConvNet::forward_with_activity`]'s.
    ///
    /// # Shapes
    /// `[batch, 3, 32, 32]` → `[batch, classes]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let device = images.device();
        if !self.fuses_units_on(&device) {
            return self.forward_with_activity(images).0;
        }
        let mut x = images;
        for (i, unit) in self.units.iter().enumerate() {
            x = unit.inference(x, &device);
            if i % 2 == 1 {
                x = max_pool(&self.pool, x);
            }
        }
        let x = self.dropout.forward(x.flatten::<2>(1, 3));
        self.head.forward(x)
    }
}

impl ConvUnit {
    /// conv → BatchNorm (running statistics) → ReLU as one operation, on a device where
    /// [`conv_unit_inference::runs_on`]: BatchNorm as a scale and shift per channel, or else the
    /// bias as the shift (scale 1).
    fn inference(&self, x: Tensor<4>, device: &Device) -> Tensor<4> {
        let weight = self.conv.weight.val();
        let o = weight.dims()[0];
        let (scale, shift) = match (&self.norm, &self.conv.bias) {
            (Some(norm), None) => inference_scale_shift(norm, device),
            (None, bias) => (
                Tensor::ones([o], device),
                bias.as_ref()
                    .map_or_else(|| Tensor::zeros([o], device), |b| b.val()),
            ),
            // Both (not built by this config): the three operations, in their order.
            (Some(norm), Some(_)) => return relu(batch_norm(norm, conv_same(&self.conv, x))),
        };
        conv_unit_inference(x, weight, scale, shift)
    }
}

/// For each ReLU layer, the fraction of channels that are never active (input ≤ 0 at every
/// position of every image) on this batch.
pub async fn dead_channel_fractions(
    pre_activations: &[Tensor<4>],
) -> Result<Vec<f64>, crate::compute::ReadError> {
    let mut fractions = Vec::with_capacity(pre_activations.len());
    for z in pre_activations {
        let [_, channels, _, _] = z.dims();
        let max = z.clone().swap_dims(0, 1).flatten::<2>(1, 3).max_dim(1);
        let values = crate::compute::read_f32(max).await?;
        fractions.push(values.iter().filter(|&&m| m <= 0.0).count() as f64 / channels as f64);
    }
    Ok(fractions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;

    fn images(batch: usize, device: &Device) -> Tensor<4> {
        let values: Vec<f32> = (0..batch * 3 * 32 * 32)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        Tensor::<4>::from_data(TensorData::new(values, [batch, 3, 32, 32]), device)
    }

    #[test]
    fn shapes_through_the_network() {
        let device = ndarray_device();
        for kernel in [3, 5] {
            let net = ConvNetConfig::new().with_kernel(kernel).init(&device);
            let (logits, pre) = net.forward_with_activity(images(2, &device));
            assert_eq!(logits.dims(), [2, 10]);
            let dims: Vec<[usize; 4]> = pre.iter().map(|z| z.dims()).collect();
            assert_eq!(
                dims,
                vec![
                    [2, 16, 32, 32],
                    [2, 16, 32, 32],
                    [2, 32, 16, 16],
                    [2, 32, 16, 16]
                ]
            );
        }
        let plain = ConvNetConfig::new()
            .with_batch_norm(false)
            .with_init(WeightInit::XavierNormal)
            .init(&device);
        assert_eq!(plain.forward(images(1, &device)).dims(), [1, 10]);
    }

    /// The matrix-product convolution equals Burn's own, in value and in both gradients: on
    /// burn-ndarray (the hand-written kernel) and, natively, on burn-flex (Burn's tensor
    /// operations, what every backend without the kernel runs).
    /// At inference on burn-ndarray `forward` runs each unit as one operation; its logits equal
    /// the unit-by-unit ones to the bit, with BatchNorm (running statistics moved by a few
    /// training passes) and without it (the convolutions' biases).
    #[test]
    fn fused_inference_equals_the_layer_by_layer_forward() {
        let device = ndarray_device().autodiff();
        for batch_norm in [true, false] {
            device.seed(11);
            let net = ConvNetConfig::new()
                .with_widths([4, 8])
                .with_batch_norm(batch_norm)
                .init(&device);
            for _ in 0..3 {
                let _ = net.forward(images(4, &device));
            }
            assert!(!net.fuses_units_on(&device) && !net.fuses_units_on(&ndarray_device()));
            let net = net.valid();
            let x = images(3, &ndarray_device());
            assert!(net.fuses_units_on(&x.device()) && !net.fuses_units_on(&device));
            let bits = |t: Tensor<2>| -> Vec<u32> {
                let values = t.into_data().try_into_vec::<f32>().unwrap();
                values.iter().map(|v| v.to_bits()).collect()
            };
            let fused = bits(net.forward(x.clone()));
            assert_eq!(
                fused,
                bits(net.forward_with_activity(x).0),
                "batch_norm {batch_norm}"
            );
            assert!(
                fused.iter().any(|&b| b != 0),
                "batch_norm {batch_norm}: all zero"
            );
        }
    }

    #[test]
    fn the_settings_count_the_parameters_burn_builds() {
        for model in [
            crate::settings::model::ModelSettings::default(),
            crate::settings::model::ModelSettings {
                widths: [4, 8],
                kernel: 5,
                batch_norm: false,
                dropout: 0.0,
            },
        ] {
            let net =
                ConvNetConfig::from_settings(&model, ConvPath::OwnKernel).init(&ndarray_device());
            // Burn also counts BatchNorm's running mean and variance (not trained).
            let [a, b] = model.widths;
            let running = if model.batch_norm {
                2 * (2 * a + 2 * b)
            } else {
                0
            };
            assert_eq!(net.num_params(), model.parameters() + running, "{model:?}");
        }
    }

    #[test]
    fn invalid_configs_are_named() {
        assert!(
            ConvNetConfig::new()
                .with_kernel(4)
                .validate()
                .unwrap_err()
                .to_string()
                .contains("kernel")
        );
        assert!(
            ConvNetConfig::new()
                .with_dropout(1.0)
                .validate()
                .unwrap_err()
                .to_string()
                .contains("dropout")
        );
        assert!(
            ConvNetConfig::new()
                .with_widths([0, 8])
                .validate()
                .unwrap_err()
                .to_string()
                .contains("width")
        );
        // A head of another size than the data's classes: evaluation would index past its
        // confusion matrix.
        for classes in [2, 12] {
            let why = ConvNetConfig::new()
                .with_classes(classes)
                .validate()
                .unwrap_err()
                .to_string();
            assert!(
                why.contains(&format!("10 classes, this network has {classes}")),
                "{why}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "invalid ConvNetConfig: kernel: must be 3 or 5, got 2")]
    fn init_refuses_an_invalid_config() {
        let _ = ConvNetConfig::new().with_kernel(2).init(&ndarray_device());
    }

    #[test]
    fn dead_channels_are_counted_per_layer() {
        let device = ndarray_device();
        // Channel 0 is always negative (dead), channel 1 is positive somewhere.
        let z = Tensor::<4>::from_data(
            TensorData::new(
                vec![-1.0f32, -2.0, -0.5, 0.0, -1.0, 3.0, -1.0, -1.0],
                [2, 2, 2, 1],
            ),
            &device,
        );
        let fractions = pollster::block_on(dead_channel_fractions(&[z])).unwrap();
        assert_eq!(fractions, vec![0.5]);
    }

    #[test]
    fn a_few_steps_lower_the_loss_on_a_fixed_batch() {
        use crate::nn::losses::{Loss, loss};
        use burn::optim::{GradientsParams, SgdConfig};
        let device = ndarray_device().autodiff();
        let mut net = ConvNetConfig::new()
            .with_widths([4, 8])
            .with_dropout(0.0)
            .init(&device);
        let x = images(8, &device);
        let labels: Vec<f32> = (0..8)
            .flat_map(|i| (0..10).map(move |c| (c == i % 10) as u8 as f32))
            .collect();
        let y = Tensor::<2>::from_data(TensorData::new(labels, [8, 10]), &device);
        let mut optim = SgdConfig::new().init();
        let value = |t: Tensor<1>| t.into_data().try_into_vec::<f32>().unwrap()[0];
        let first = value(loss(
            Loss::CrossEntropy,
            net.forward(x.clone()),
            y.clone(),
            None,
        ));
        for _ in 0..5 {
            let l = loss(Loss::CrossEntropy, net.forward(x.clone()), y.clone(), None);
            let grads = GradientsParams::from_grads(l.backward(), &net);
            net = optim.step(0.05, net, grads);
        }
        let last = value(loss(Loss::CrossEntropy, net.forward(x), y, None));
        assert!(last < first, "{first} → {last}");
    }
}
