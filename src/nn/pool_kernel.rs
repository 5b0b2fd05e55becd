//! The ConvNet's 2×2 max-pool on burn-ndarray as one operation with its own backward pass (a Burn
//! backend extension, like `conv_kernel`), for the notebook's CPU path.
//!
//! Burn's burn-ndarray max-pool reads every window element through four-axis indexing; here each
//! output reads its two input rows in order and keeps which of its four values won (one byte),
//! and the backward pass writes each output gradient back onto that value. The winner is the
//! first largest in row-major order, as in Burn, so the gradients equal Burn's (tests below).

// `unsafe` here: SIMD loads at offsets its bounds checks prove (the block says why).
#![allow(unsafe_code)]
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
use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2d;
use burn::prelude::*;

use super::conv_kernel::{has_cpu_kernels, ndarray_tensor, ndarray_values};
use super::kernels::lanes::{F32x4, keep_larger};

/// Max-pooling over 2×2 blocks with stride 2.
#[backend_extension(Autodiff, NdArray)]
pub trait MaxPoolKernel: Backend {
    /// `x [n, c, h, w]` with even `h` and `w` → `[n, c, h/2, w/2]`.
    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// [`MaxPool2d::forward`] on `[n, c, h, w]`, as one operation where the device has it
/// (burn-ndarray) and the pool is a plain 2×2 one of stride 2 over even sizes; else Burn's own.
pub fn max_pool(pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let plain = pool.kernel_size == [2, 2]
        && pool.stride == [2, 2]
        && pool.dilation == [1, 1]
        && matches!(pool.padding, PaddingConfig2d::Valid)
        && h % 2 == 0
        && w % 2 == 0;
    if plain && has_cpu_kernels(&x.device()) {
        Tensor::from_dispatch(<Dispatch as MaxPoolKernel>::max_pool_2x2(x.into_dispatch()))
    } else {
        pool.forward(x)
    }
}

/// `[n, c, h, w]` of a 2×2 pool's input.
fn sizes(shape: &[usize]) -> [usize; 4] {
    let &[n, c, h, w] = shape else {
        panic!("max_pool_2x2: input must be [n, c, h, w], got {shape:?}");
    };
    assert!(
        h % 2 == 0 && w % 2 == 0,
        "max_pool_2x2: sizes must be even, got {shape:?}"
    );
    [n, c, h, w]
}

/// The pooled values and, for each, which of its block's four won (0, 1 top row; 2, 3 bottom).
fn forward(x: &[f32], [n, c, h, w]: [usize; 4]) -> (Vec<f32>, Vec<u8>) {
    let (oh, ow) = (h / 2, w / 2);
    let mut out = Vec::with_capacity(n * c * oh * ow);
    let mut winners = Vec::with_capacity(n * c * oh * ow);
    for plane in x.chunks_exact(h * w) {
        for rows in plane.chunks_exact(2 * w) {
            let (top, bottom) = rows.split_at(w);
            for (t, b) in top.chunks_exact(2).zip(bottom.chunks_exact(2)) {
                // As Burn: start below every value, keep the first strictly larger one.
                let (mut best, mut winner) = (f32::NEG_INFINITY, 0u8);
                for (i, v) in [t[0], t[1], b[0], b[1]].into_iter().enumerate() {
                    if v > best {
                        (best, winner) = (v, i as u8);
                    }
                }
                out.push(best);
                winners.push(winner);
            }
        }
    }
    (out, winners)
}

/// The pooled values alone, for inference (no gradient, so no winners to keep): [`forward`]'s
/// values, to the bit, four outputs at a time (in the browser one WebAssembly SIMD `pmax` per
/// input row pair and lane group).
fn forward_values(x: &[f32], [n, c, h, w]: [usize; 4]) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    let mut out = vec![0.0f32; n * c * oh * ow];
    if out.is_empty() {
        return out;
    }
    let grouped = ow / 4 * 4;
    for (rows, o) in x.chunks_exact(2 * w).zip(out.chunks_exact_mut(ow)) {
        let (top, bottom) = rows.split_at(w);
        for j in (0..grouped).step_by(4) {
            // SAFETY: 2j + 8 ≤ 2·grouped ≤ w, so both rows' eight values are in bounds, and
            // j + 4 ≤ grouped ≤ ow outputs.
            unsafe {
                let best = F32x4::splat(f32::NEG_INFINITY)
                    .keep_larger_of_pairs(
                        F32x4::load(top.as_ptr().add(2 * j)),
                        F32x4::load(top.as_ptr().add(2 * j + 4)),
                    )
                    .keep_larger_of_pairs(
                        F32x4::load(bottom.as_ptr().add(2 * j)),
                        F32x4::load(bottom.as_ptr().add(2 * j + 4)),
                    );
                best.store(o.as_mut_ptr().add(j));
            }
        }
        for j in grouped..ow {
            o[j] = [top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]]
                .into_iter()
                .fold(f32::NEG_INFINITY, keep_larger);
        }
    }
    out
}

/// The input's gradient: each output gradient on its block's winner, zeros elsewhere.
fn backward(grad: &[f32], winners: &[u8], [n, c, h, w]: [usize; 4]) -> Vec<f32> {
    let ow = w / 2;
    let mut grad_x = vec![0.0f32; n * c * h * w];
    for (i, (&g, &winner)) in grad.iter().zip(winners).enumerate() {
        let (row, col) = (i / ow, i % ow);
        let at = 2 * row * w + 2 * col + usize::from(winner & 1) + usize::from(winner >> 1) * w;
        grad_x[at] = g;
    }
    grad_x
}

fn pooled(x: &NdArrayTensor) -> (NdArrayTensor, Vec<u8>, [usize; 4]) {
    let (shape, values) = ndarray_values(x);
    let dims @ [n, c, h, w] = sizes(&shape);
    let (out, winners) = forward(&values, dims);
    (ndarray_tensor(out, &[n, c, h / 2, w / 2]), winners, dims)
}

/// Without autodiff (evaluation): the values alone.
impl MaxPoolKernel for NdArray {
    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let (shape, values) = ndarray_values(&x);
        let dims @ [n, c, h, w] = sizes(&shape);
        ndarray_tensor(forward_values(&values, dims), &[n, c, h / 2, w / 2])
    }
}

/// The backward step Burn's autodiff graph records for one pool.
#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<NdArray, 1> for MaxPoolBackward {
    /// The winners and the input's sizes.
    type State = (Arc<Vec<u8>>, [usize; 4]);

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<NdArray>(&ops.node);
        let (winners, dims) = ops.state;
        if let Some(node) = node_x {
            let (_, grad) = ndarray_values(&grad);
            grads.register::<NdArray>(
                node.id,
                ndarray_tensor(backward(&grad, &winners, dims), &dims),
            );
        }
    }
}

impl<C: CheckpointStrategy> MaxPoolKernel for Autodiff<NdArray, C> {
    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let (out, winners, dims) = pooled(x.primitive());
        match MaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((Arc::new(winners), dims), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}

/// Values with what a pool must get right, for the tests (natively and in Chromium): NaN (never
/// wins; a block of NaN gives −∞, as Burn), −0 and +0 in either order (the first wins), ±∞, and
/// repeats.
#[doc(hidden)]
pub fn awkward_values(len: usize) -> Vec<f32> {
    const SPECIAL: [f32; 7] = [
        f32::NAN,
        -0.0,
        0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1.5,
        1.5,
    ];
    (0..len)
        .map(|i| match (i * 7919) % 23 {
            k if k < SPECIAL.len() => SPECIAL[k],
            k => (k as f32 - 15.0) / 4.0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use burn::nn::pool::MaxPool2dConfig;

    /// Equal to Burn's max-pool in value and gradient, ties included (a ReLU's zeros: the first
    /// of equal values wins in both), and Burn's own pool where the kernel does not apply.
    #[test]
    fn equals_burns_max_pool_with_its_gradient() {
        let device = ndarray_device().autodiff();
        let pool = MaxPool2dConfig::new([2, 2]).init();
        for ([n, c, h, w], ties) in [
            ([2, 3, 4, 6], false),
            ([3, 2, 6, 4], true),
            ([1, 1, 2, 2], true),
        ] {
            let len = n * c * h * w;
            let values: Vec<f32> = (0..len)
                .map(|i| {
                    let v = (((i * 37) % 101) as f32 / 50.0) - 1.0;
                    if ties { v.clamp(0.0, 0.5) } else { v }
                })
                .collect();
            let x = Tensor::<4>::from_data(TensorData::new(values, [n, c, h, w]), &device)
                .require_grad();
            let (ours, burns) = (max_pool(&pool, x.clone()), pool.forward(x.clone()));
            let gap = (ours.clone() - burns.clone())
                .abs()
                .max()
                .into_scalar::<f32>();
            assert!(gap == 0.0, "[{n}, {c}, {h}, {w}]: output differs by {gap}");
            let mix = Tensor::<4>::from_data(
                TensorData::new(
                    (0..len / 4)
                        .map(|i| (i % 7) as f32 - 3.0)
                        .collect::<Vec<f32>>(),
                    [n, c, h / 2, w / 2],
                ),
                &device,
            );
            let (g_ours, g_burns) = (
                (ours * mix.clone()).sum().backward(),
                (burns * mix).sum().backward(),
            );
            let gap = (x.grad(&g_ours).unwrap() - x.grad(&g_burns).unwrap())
                .abs()
                .max()
                .into_scalar::<f32>();
            assert!(
                gap == 0.0,
                "[{n}, {c}, {h}, {w}], ties {ties}: gradient differs by {gap}"
            );
        }
        // Odd sizes: Burn's pool (floor), not the kernel.
        let x = Tensor::<4>::ones([1, 1, 3, 5], &device);
        assert_eq!(max_pool(&pool, x).dims(), [1, 1, 1, 2]);
    }

    /// Inference's pool (values alone, four at a time) equals the training pool's values to the
    /// bit, at widths whose outputs fill the four lanes, leave a remainder, or are all remainder,
    /// through the public entry point (no autodiff → the values alone).
    #[test]
    fn inference_values_equal_the_training_pools_to_the_bit() {
        for dims @ [n, c, h, w] in [
            [2, 3, 32, 32],
            [1, 2, 4, 34],
            [1, 1, 6, 6],
            [3, 1, 2, 2],
            [1, 1, 16, 10],
        ] {
            let mut x = awkward_values(n * c * h * w);
            // One block all NaN.
            for at in [0, 1, w, w + 1] {
                x[at] = f32::NAN;
            }
            let values = forward_values(&x, dims);
            let (reference, _) = forward(&x, dims);
            assert_eq!(values[0], f32::NEG_INFINITY);
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&values), bits(&reference), "{dims:?}");

            let device = ndarray_device();
            let pool = MaxPool2dConfig::new([2, 2]).init();
            let input = |d: &Device| Tensor::<4>::from_data(TensorData::new(x.clone(), dims), d);
            let plain = max_pool(&pool, input(&device));
            let tracked = max_pool(&pool, input(&device.clone().autodiff()).require_grad());
            assert_eq!(
                bits(&plain.into_data().to_vec::<f32>().unwrap()),
                bits(&tracked.into_data().to_vec::<f32>().unwrap()),
                "{dims:?}"
            );
        }
    }
}
