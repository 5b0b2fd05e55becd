//! BatchNorm's training pass on burn-ndarray as one operation with its own backward pass (a Burn
//! backend extension, like `conv_kernel`), for the notebook's CPU path.
//!
//! Burn computes it from about ten tensor operations (a transpose copy and a mean for the batch
//! mean, again for the variance, then the normalisation; more than twice that backward), each a
//! pass over the activations. Here, per channel: the mean, the variance, and the output
//! `γ·(x − mean)/√(var + ε) + β` in three passes; backward `Σ ∂y` and `Σ ∂y·x̂` in one and `∂x`
//! in another. The values equal Burn's `batch_norm_train` (tests below): the output, the batch
//! statistics (the biased variance, as Burn keeps), and the gradients of x, γ and β. Inference
//! (evaluation) folds the running statistics into one scale and shift per channel.

// burn-ndarray is deprecated in Burn 0.22 in favour of burn-flex (see `conv_kernel`).
#![allow(deprecated)]

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ndarray::NdArrayTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, NdArray, backend_extension};
use burn::nn::BatchNorm;
use burn::prelude::*;

use super::conv_kernel::{has_cpu_kernels, ndarray_tensor, ndarray_values};
use super::kernels::batch_norm::{Stats, backward, forward};

/// Batch normalisation of `[n, c, h, w]` over the batch and the pixels, training mode.
#[backend_extension(Autodiff, NdArray)]
pub trait BatchNormKernel: Backend {
    /// `x [n, c, h, w]`, `gamma [c]`, `beta [c]` → (output `[n, c, h, w]`, batch mean `[c]`,
    /// biased batch variance `[c]`); only the output carries gradients.
    fn batch_norm_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// [`BatchNorm::forward`] on `[n, c, h, w]`, where the device is burn-ndarray (see
/// [`has_cpu_kernels`]) with the training pass as one operation — the same output, the same
/// update of the running statistics, the same gradients — and inference as `x·s + t` per channel
/// (two passes over `x` where Burn's formula takes four). Elsewhere Burn's own.
pub fn batch_norm(norm: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    if !has_cpu_kernels(&device) {
        return norm.forward(x);
    }
    if !(device.is_autodiff() && norm.training.is_enabled()) {
        let c = x.dims()[1];
        let (scale, shift) = inference_scale_shift(norm, &device);
        return x * scale.reshape([1, c, 1, 1]) + shift.reshape([1, c, 1, 1]);
    }
    let (out, mean, variance) =
        batch_norm_train_kernel(x, norm.gamma.val(), norm.beta.val(), norm.epsilon);
    // As Burn's `BatchNorm::forward_train`: running ← (1 − momentum)·running + momentum·batch.
    let m = norm.momentum;
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    norm.running_mean.update(
        running_mean
            .mul_scalar(1.0 - m)
            .add(mean.detach().mul_scalar(m))
            .detach(),
    );
    norm.running_var.update(
        running_var
            .mul_scalar(1.0 - m)
            .add(variance.detach().mul_scalar(m))
            .detach(),
    );
    out
}

/// BatchNorm at inference as `x·s + t` per channel: `s = γ / √(running variance + ε)`,
/// `t = β − running mean · s`, on `device`.
pub fn inference_scale_shift(norm: &BatchNorm, device: &Device) -> (Tensor<1>, Tensor<1>) {
    let variance = norm.running_var.value().to_device(device);
    let scale = norm.gamma.val() / (variance + norm.epsilon).sqrt();
    let shift = norm.beta.val() - norm.running_mean.value().to_device(device) * scale.clone();
    (scale, shift)
}

/// [`BatchNormKernel::batch_norm_fused`] on Burn tensors: (output, batch mean, biased variance).
///
/// # Panics
/// On a device other than burn-ndarray.
pub fn batch_norm_train_kernel(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    epsilon: f64,
) -> (Tensor<4>, Tensor<1>, Tensor<1>) {
    let (out, mean, variance) = <Dispatch as BatchNormKernel>::batch_norm_fused(
        x.into_dispatch(),
        gamma.into_dispatch(),
        beta.into_dispatch(),
        epsilon,
    );
    (
        Tensor::from_dispatch(out),
        Tensor::from_dispatch(mean),
        Tensor::from_dispatch(variance),
    )
}

/// The forward pass on burn-ndarray tensors: output, mean, variance tensors and the statistics.
fn forward_tensors(
    x: &NdArrayTensor,
    gamma: &NdArrayTensor,
    beta: &NdArrayTensor,
    epsilon: f64,
) -> (NdArrayTensor, NdArrayTensor, NdArrayTensor, Stats) {
    let ((shape, x), (_, gamma), (_, beta)) = (
        ndarray_values(x),
        ndarray_values(gamma),
        ndarray_values(beta),
    );
    let (out, stats) = forward(&x, &shape, &gamma, &beta, epsilon);
    let c = stats.mean.len();
    (
        ndarray_tensor(out, &shape),
        ndarray_tensor(stats.mean.clone(), &[c]),
        ndarray_tensor(stats.variance.clone(), &[c]),
        stats,
    )
}

impl BatchNormKernel for NdArray {
    fn batch_norm_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (out, mean, variance, _) = forward_tensors(&x, &gamma, &beta, epsilon);
        (out, mean, variance)
    }
}

/// The backward step Burn's autodiff graph records for one batch normalisation.
#[derive(Debug)]
struct BatchNormBackward;

impl Backward<NdArray, 3> for BatchNormBackward {
    /// The input, γ, and the statistics.
    type State = (NdArrayTensor, NdArrayTensor, Arc<Stats>);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<NdArray>(&ops.node);
        let (x, gamma, stats) = ops.state;
        let ((shape, x), (_, gamma), (_, grad)) = (
            ndarray_values(&x),
            ndarray_values(&gamma),
            ndarray_values(&grad),
        );
        let (grad_x, grad_gamma, grad_beta) =
            backward(&grad, &x, &shape, &gamma, &stats, node_x.is_some());
        let c = grad_gamma.len();
        if let (Some(node), Some(grad_x)) = (node_x, grad_x) {
            grads.register::<NdArray>(node.id, ndarray_tensor(grad_x, &shape));
        }
        if let Some(node) = node_gamma {
            grads.register::<NdArray>(node.id, ndarray_tensor(grad_gamma, &[c]));
        }
        if let Some(node) = node_beta {
            grads.register::<NdArray>(node.id, ndarray_tensor(grad_beta, &[c]));
        }
    }
}

impl<C: CheckpointStrategy> BatchNormKernel for Autodiff<NdArray, C> {
    fn batch_norm_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (out, mean, variance, stats) =
            forward_tensors(x.primitive(), gamma.primitive(), beta.primitive(), epsilon);
        // The statistics carry no gradient (Burn's `batch_norm_train` returns them so too).
        let (mean, variance) = (
            FloatTensor::<Self>::new(mean),
            FloatTensor::<Self>::new(variance),
        );
        let out = match BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(
                (x.into_primitive(), gamma.into_primitive(), Arc::new(stats)),
                out,
            ),
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        (out, mean, variance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use burn::module::Param;
    use burn::nn::BatchNormConfig;

    /// The convolution tests' values, stretched to [−1.5, 2.5).
    fn pattern(len: usize, seed: usize) -> Vec<f32> {
        crate::nn::kernels::tests::pattern(len, seed)
            .into_iter()
            .map(|v| 2.0 * v + 0.5)
            .collect()
    }

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
        let gap = (a - b).abs().max().into_scalar::<f32>();
        assert!(gap < 1e-5, "{what}: differs by {gap}");
    }

    /// A BatchNorm with γ and β other than 1 and 0.
    fn norm(c: usize, device: &Device) -> BatchNorm {
        let mut norm = BatchNormConfig::new(c).init(device);
        let gamma = Tensor::<1>::from_data(TensorData::new(pattern(c, 7), [c]), device);
        let beta = Tensor::<1>::from_data(TensorData::new(pattern(c, 8), [c]), device);
        norm.gamma = Param::from_tensor(gamma);
        norm.beta = Param::from_tensor(beta);
        norm
    }

    /// Equal to Burn's `BatchNorm` in training: the output, the running statistics it leaves
    /// after two batches, and the gradients of x, γ and β — for planes of 24 values (whole
    /// registers), of 9 (a tail) and of one value per channel (variance 0).
    #[test]
    fn equals_burns_batch_norm_with_its_gradients_and_running_statistics() {
        let device = ndarray_device().autodiff();
        for [n, c, h, w] in [[3, 5, 4, 6], [2, 3, 3, 3], [1, 2, 1, 1]] {
            let label = format!("[{n}, {c}, {h}, {w}]");
            let (ours, burns) = (norm(c, &device), norm(c, &device));
            let input = |seed| {
                Tensor::<4>::from_data(
                    TensorData::new(pattern(n * c * h * w, seed), [n, c, h, w]),
                    &device,
                )
                .require_grad()
            };
            let _ = (batch_norm(&ours, input(1)), burns.forward(input(1)));
            let x = input(2);
            let (y_ours, y_burns) = (batch_norm(&ours, x.clone()), burns.forward(x.clone()));
            close(
                y_ours.clone().detach(),
                y_burns.clone().detach(),
                &format!("{label} output"),
            );
            close(
                ours.running_mean.value(),
                burns.running_mean.value(),
                &format!("{label} running mean"),
            );
            close(
                ours.running_var.value(),
                burns.running_var.value(),
                &format!("{label} running variance"),
            );
            let mix = Tensor::<4>::from_data(
                TensorData::new(pattern(n * c * h * w, 3), [n, c, h, w]),
                &device,
            );
            let g_ours = (y_ours * mix.clone()).sum().backward();
            let g_burns = (y_burns * mix).sum().backward();
            close(
                x.grad(&g_ours).unwrap(),
                x.grad(&g_burns).unwrap(),
                &format!("{label} ∂x"),
            );
            close(
                ours.gamma.grad(&g_ours).unwrap(),
                burns.gamma.grad(&g_burns).unwrap(),
                &format!("{label} ∂γ"),
            );
            close(
                ours.beta.grad(&g_ours).unwrap(),
                burns.beta.grad(&g_burns).unwrap(),
                &format!("{label} ∂β"),
            );
        }
    }

    /// In inference, and off burn-ndarray, it is Burn's own forward.
    #[test]
    fn inference_is_burns() {
        let device = ndarray_device();
        let norm = norm(3, &device);
        let x = Tensor::<4>::from_data(
            TensorData::new(pattern(2 * 3 * 4, 1), [2, 3, 2, 2]),
            &device,
        );
        close(batch_norm(&norm, x.clone()), norm.forward(x), "inference");
    }
}
