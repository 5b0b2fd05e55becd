//! Q3, live: how often ReLU units die, and what initialisation and batch normalisation change.
//!
//! A two-hidden-layer ReLU MLP classifies a 2-D toy problem (a disc inside a ring). A unit is
//! **dead** on the data when its pre-activation (the ReLU's input, after BatchNorm if on) is ≤ 0
//! for every training point: it outputs 0 everywhere and, since ReLU′ = 0 there, gets no gradient,
//! so training cannot revive it. We count dead units at initialisation and after full-batch SGD.

use burn::module::{Module, Param};
use burn::optim::{GradientsParams, SgdConfig};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu};

use super::reports::DeadReluReport;
use crate::data::rng::SplitMix64;
use crate::settings::dead_relu::DeadReluSettings;

async fn read<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, String> {
    crate::compute::read_f32(tensor)
        .await
        .map_err(|e| e.to_string())
}

/// The toy problem: `n` points, class 0 in a disc of radius 1, class 1 in a ring from 1.5 to 2.5.
pub fn disc_and_ring(n: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut rng = SplitMix64::stream(seed, 0, 0);
    let mut points = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % 2;
        let angle = rng.unit_f64() * std::f64::consts::TAU;
        let radius = if class == 0 {
            rng.unit_f64().sqrt()
        } else {
            1.5 + rng.unit_f64()
        };
        points.push((radius * angle.cos()) as f32);
        points.push((radius * angle.sin()) as f32);
        labels.push(class);
    }
    (points, labels)
}

/// 2 → hidden → hidden → 2, ReLU after each hidden layer, optional BatchNorm before each ReLU.
#[derive(Module, Debug)]
pub struct DeadReluMlp {
    w1: Param<Tensor<2>>,
    b1: Param<Tensor<1>>,
    w2: Param<Tensor<2>>,
    b2: Param<Tensor<1>>,
    w3: Param<Tensor<2>>,
    b3: Param<Tensor<1>>,
    /// BatchNorm scale and shift per hidden layer (γ, β), when on.
    norm: Option<Vec<(Param<Tensor<1>>, Param<Tensor<1>>)>>,
}

impl DeadReluMlp {
    /// Builds the network on `device`: hidden sizes, initial weights (He scaled by
    /// `init_scale`, drawn from `settings.seed`), biases and BatchNorm as `settings` says.
    pub fn init(settings: &DeadReluSettings, device: &Device) -> Self {
        let mut rng = SplitMix64::stream(settings.seed, 1, 0);
        let mut weights = |fan_in: usize, fan_out: usize| {
            let std = settings.init_scale * (2.0 / fan_in as f64).sqrt();
            let values: Vec<f32> = (0..fan_in * fan_out)
                .map(|_| (rng.normal() * std) as f32)
                .collect();
            Param::from_tensor(Tensor::<2>::from_data(
                TensorData::new(values, [fan_in, fan_out]),
                device,
            ))
        };
        let bias = |n: usize, value: f64| Param::from_tensor(Tensor::<1>::full([n], value, device));
        let h = settings.hidden;
        DeadReluMlp {
            w1: weights(2, h),
            w2: weights(h, h),
            w3: weights(h, 2),
            b1: bias(h, settings.bias_init),
            b2: bias(h, settings.bias_init),
            b3: bias(2, 0.0),
            norm: settings
                .batch_norm
                .then(|| (0..2).map(|_| (bias(h, 1.0), bias(h, 0.0))).collect()),
        }
    }

    /// Logits and the two hidden layers' ReLU inputs.
    ///
    /// # Shapes
    /// - `x`: `[batch, 2]` → logits `[batch, 2]`, pre-activations `[batch, hidden]` each.
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, [Tensor<2>; 2]) {
        let layer = |input: Tensor<2>, w: &Param<Tensor<2>>, b: &Param<Tensor<1>>, i: usize| {
            let z = input.matmul(w.val()) + b.val().unsqueeze();
            match &self.norm {
                // Batch statistics over the whole (full) batch, then the learned γ and β.
                Some(norm) => {
                    let mean = z.clone().mean_dim(0);
                    let var = z.clone().var_bias(0);
                    let (gamma, beta) = &norm[i];
                    (z - mean) / (var + 1e-5).sqrt() * gamma.val().unsqueeze()
                        + beta.val().unsqueeze()
                }
                None => z,
            }
        };
        let z1 = layer(x, &self.w1, &self.b1, 0);
        let z2 = layer(relu(z1.clone()), &self.w2, &self.b2, 1);
        let logits = relu(z2.clone()).matmul(self.w3.val()) + self.b3.val().unsqueeze();
        (logits, [z1, z2])
    }
}

/// Units of each layer whose pre-activation is ≤ 0 on every point.
async fn dead_units(pre: &[Tensor<2>; 2]) -> Result<[usize; 2], String> {
    let mut dead = [0; 2];
    for (count, z) in dead.iter_mut().zip(pre) {
        let max = read(z.clone().max_dim(0)).await?;
        *count = max.iter().filter(|&&m| m <= 0.0).count();
    }
    Ok(dead)
}

/// Trains the MLP with `settings` on `device` (full-batch SGD, cross-entropy) and reports the
/// dead units before and after, the loss curve and the accuracy.
pub async fn run(settings: &DeadReluSettings, device: &Device) -> Result<DeadReluReport, String> {
    run_pausing(settings, device, async || true).await
}

/// Steps trained between two pauses of [`run_pausing`].
const STEPS_BETWEEN_PAUSES: usize = 50;

/// [`run`], awaiting `pause()` every [`STEPS_BETWEEN_PAUSES`] steps (the worker yields there);
/// when it answers false the demo is abandoned (a newer one replaced it).
pub async fn run_pausing(
    settings: &DeadReluSettings,
    device: &Device,
    mut pause: impl AsyncFnMut() -> bool,
) -> Result<DeadReluReport, String> {
    settings.validate().map_err(|e| e.to_string())?;
    let device = device.clone().autodiff();
    let (points, labels) = disc_and_ring(settings.points, settings.seed);
    let n = labels.len();
    let x = Tensor::<2>::from_data(TensorData::new(points, [n, 2]), &device);
    let one_hot: Vec<f32> = labels
        .iter()
        .flat_map(|&l| [(l == 0) as u8 as f32, (l == 1) as u8 as f32])
        .collect();
    let targets = Tensor::<2>::from_data(TensorData::new(one_hot, [n, 2]), &device);

    let mut model = DeadReluMlp::init(settings, &device);
    let mut optim = SgdConfig::new().init();

    let (_, pre) = model.forward(x.clone());
    let dead_at_init = dead_units(&pre).await?;
    let mut losses = Vec::new();
    for step in 0..settings.steps {
        if step % STEPS_BETWEEN_PAUSES == STEPS_BETWEEN_PAUSES - 1 && !pause().await {
            return Err("replaced by a newer run".into());
        }
        let (logits, _) = model.forward(x.clone());
        let loss = (log_softmax(logits, 1) * targets.clone()).sum_dim(1).mean() * -1.0;
        let record = step % settings.record_every() == 0 || step + 1 == settings.steps;
        if record {
            let value = read(loss.clone()).await?[0];
            if !value.is_finite() {
                return Err(format!(
                    "the loss became {value} at step {step}: the learning rate {} is too large for this initialisation",
                    settings.learning_rate
                ));
            }
            losses.push((step, value));
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(settings.learning_rate, model, grads);
    }
    let (logits, pre) = model.forward(x);
    let dead_after = dead_units(&pre).await?;
    let predicted = read(logits.argmax(1).float()).await?;
    let correct = predicted
        .iter()
        .zip(&labels)
        .filter(|&(&p, &l)| p as usize == l)
        .count();
    Ok(DeadReluReport {
        settings: *settings,
        dead_at_init,
        dead_after,
        losses,
        accuracy: correct as f64 / n as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;

    fn train(settings: DeadReluSettings) -> DeadReluReport {
        pollster::block_on(run(&settings, &ndarray_device())).unwrap()
    }

    #[test]
    fn the_toy_problem_is_balanced_and_separable() {
        let (points, labels) = disc_and_ring(200, 1);
        assert_eq!(labels.iter().filter(|&&l| l == 1).count(), 100);
        for (p, &l) in points.chunks(2).zip(&labels) {
            let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
            assert!(
                if l == 0 {
                    r <= 1.0
                } else {
                    (1.5..=2.5).contains(&r)
                },
                "{r} {l}"
            );
        }
    }

    #[test]
    fn default_training_learns_the_problem() {
        let report = train(DeadReluSettings::default());
        assert!(report.accuracy > 0.9, "{report:?}");
        assert!(report.losses.last().unwrap().1 < report.losses[0].1);
    }

    #[test]
    fn negative_biases_kill_units_and_batch_norm_revives_them() {
        let killing = DeadReluSettings {
            bias_init: -3.0,
            ..Default::default()
        };
        let report = train(killing);
        let h = killing.hidden;
        assert!(report.dead_at_init[0] > 0, "{report:?}");
        // The whole second layer is dead: no gradient reaches anything, the loss stays ln 2.
        assert_eq!(report.dead_at_init[1], h, "{report:?}");
        assert_eq!(
            report.dead_after, report.dead_at_init,
            "dead units stay dead: {report:?}"
        );
        let (first, last) = (report.losses[0].1, report.losses.last().unwrap().1);
        assert!(
            (first - std::f32::consts::LN_2).abs() < 1e-5 && (last - first).abs() < 1e-6,
            "{report:?}"
        );
        let normalised = train(DeadReluSettings {
            batch_norm: true,
            ..killing
        });
        assert_eq!(
            normalised.dead_at_init,
            [0, 0],
            "BatchNorm centres every unit: {normalised:?}"
        );
        assert!(normalised.accuracy > 0.9, "{normalised:?}");
    }

    #[test]
    fn same_settings_same_numbers() {
        let s = DeadReluSettings {
            steps: 20,
            ..Default::default()
        };
        assert_eq!(train(s), train(s));
    }

    #[test]
    fn a_huge_learning_rate_kills_units_during_training() {
        // One big update pushes the second layer's pre-activations below 0 for every point;
        // with no gradient through them, they never come back and the loss stalls.
        let s = DeadReluSettings {
            learning_rate: 10.0,
            init_scale: 10.0,
            steps: 200,
            ..Default::default()
        };
        let r = train(s);
        assert!(r.dead_after[1] > r.dead_at_init[1], "{r:?}");
        assert_eq!(r.dead_after[1], s.hidden, "{r:?}");
        assert_eq!(r.accuracy, 0.5, "{r:?}");
    }
}
