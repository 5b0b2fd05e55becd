//! The ConvNet's "same" convolution on burn-ndarray as one hand-written operation with its own
//! backward pass (a Burn backend extension), for the notebook's CPU path.
//!
//! Two arithmetics, one per target, each the fastest measured there (README, speed section):
//! - in the browser, [`conv_direct`](super::kernels::conv_direct): straight from the padded images in
//!   WebAssembly SIMD registers, no patch matrix (18–24 GFLOP/s in Chromium at the net's sizes,
//!   against matrixmultiply's 6–12);
//! - natively, [`conv_patches`](super::kernels::conv_patches): a patch matrix and matrixmultiply's
//!   products (AVX2/FMA, 20–56 GFLOP/s, where the portable four-lane loops reach ~6).
//!
//! At evaluation (burn-ndarray without autodiff: [`forward_inference`]) the browser takes
//! Winograd's F(2×2, 3×3) ([`conv_winograd`](super::kernels::conv_winograd)) for the 3×3 convolutions
//! it is faster for; no gradient follows, so nothing is kept for one.
//!
//! Built from Burn's tensor operations the same convolution spends as long again moving data as
//! multiplying (padding, nine slices, a stack, and in the backward pass nine zero-filled copies of
//! the padded input). Only burn-ndarray runs this operation ([`conv_same_kernel`] says so); other
//! backends use Burn's convolutions. Both arithmetics equal [`burn::nn::conv::Conv2d`]'s (tests
//! below, and the browser's in `tests/wasm_worker/`).

// burn-ndarray is deprecated in Burn 0.22 in favour of burn-flex; the notebook runs on it by
// design (see the README's speed section for the two measured side by side).
#![allow(deprecated)]

use std::borrow::Cow;
use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ndarray::NdArrayTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, NdArray, backend_extension};
use burn::prelude::*;

use super::kernels::epilogue::ScaleShiftRelu;
use super::kernels::padded::Padded;
use super::kernels::{Dims, conv_direct, conv_patches, conv_winograd};

/// A stride-1 convolution with zero "same" padding and an odd square kernel, without bias.
#[backend_extension(Autodiff, NdArray)]
pub trait SameConv: Backend {
    /// `x [n, c, h, w]`, `weight [o, c, k, k]` → `[n, o, h, w]`.
    fn conv_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// Whether the CPU path's own kernels ([`conv_same_kernel`], `batch_norm_kernel`, `pool_kernel`)
/// run on `device` (burn-ndarray, with or without autodiff).
pub fn has_cpu_kernels(device: &Device) -> bool {
    device.clone().inner() == Device::ndarray()
}

/// [`SameConv::conv_same`] on Burn tensors.
///
/// # Panics
/// On a device other than burn-ndarray (see [`has_cpu_kernels`]).
///
/// # Shapes
/// `x`: `[n, c, h, w]`, `weight`: `[o, c, k, k]` → `[n, o, h, w]`
pub fn conv_same_kernel(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as SameConv>::conv_same(
        x.into_dispatch(),
        weight.into_dispatch(),
    ))
}

/// An f32 tensor's shape and values in standard (row-major) order: borrowed when the tensor is
/// laid out that way (as Burn's tensors here are), copied otherwise.
pub(super) fn ndarray_values(tensor: &NdArrayTensor) -> (Vec<usize>, Cow<'_, [f32]>) {
    let NdArrayTensor::F32(storage) = tensor else {
        panic!("the CPU kernels run on f32 tensors only");
    };
    let view = storage.view();
    let shape = view.shape().to_vec();
    let values = match view.to_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(view.iter().copied().collect()),
    };
    (shape, values)
}

/// A burn-ndarray f32 tensor of `shape` holding `values` (row-major).
pub(super) fn ndarray_tensor(values: Vec<f32>, shape: &[usize]) -> NdArrayTensor {
    NdArrayTensor::from(
        burn::backend::ndarray::SharedArray::from_shape_vec(shape.to_vec(), values)
            .expect("the length matches the shape"),
    )
}

/// How the kernel computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arithmetic {
    /// [`conv_direct`]: the browser's.
    Direct,
    /// [`conv_patches`]: the native one.
    Patches,
}

/// The arithmetic of this build's target.
const ARITHMETIC: Arithmetic = if cfg!(target_arch = "wasm32") {
    Arithmetic::Direct
} else {
    Arithmetic::Patches
};

/// What the backward pass keeps of the forward pass's input.
#[derive(Debug)]
enum Saved {
    /// The padded images ([`conv_direct`]).
    Padded(Padded),
    /// The patch matrix ([`conv_patches`]).
    Patches(Vec<f32>),
}

/// The forward pass; also returns what the weight gradient needs.
fn forward(x: &NdArrayTensor, weight: &NdArrayTensor) -> (NdArrayTensor, Arc<Saved>, Dims) {
    let ((x_shape, x), (w_shape, w)) = (ndarray_values(x), ndarray_values(weight));
    let d = Dims::of(&x_shape, &w_shape);
    let (out, saved) = match ARITHMETIC {
        Arithmetic::Direct => {
            let padded = Padded::new(&x, [d.n, d.c, d.h, d.w], d.k / 2);
            (
                conv_direct::forward(&padded, &w, d, None),
                Saved::Padded(padded),
            )
        }
        Arithmetic::Patches => {
            let (out, cols) = conv_patches::forward(&x, &w, d);
            (out, Saved::Patches(cols))
        }
    };
    (
        ndarray_tensor(out, &[d.n, d.o, d.h, d.w]),
        Arc::new(saved),
        d,
    )
}

/// The gradients of the input (when `need_x`) and the weights, given the output's.
fn backward(
    grad: &NdArrayTensor,
    weight: &NdArrayTensor,
    saved: &Saved,
    d: Dims,
    need_x: bool,
) -> (Option<NdArrayTensor>, NdArrayTensor) {
    let ((_, g), (_, w)) = (ndarray_values(grad), ndarray_values(weight));
    let (grad_x, grad_w) = match saved {
        Saved::Padded(x) => (
            need_x.then(|| conv_direct::input_gradient(&g, &w, d)),
            conv_direct::weight_gradient(x, &g, d),
        ),
        Saved::Patches(cols) => conv_patches::backward(&g, &w, cols, d, need_x),
    };
    (
        grad_x.map(|v| ndarray_tensor(v, &[d.n, d.c, d.h, d.w])),
        ndarray_tensor(grad_w, &[d.o, d.c, d.k, d.k]),
    )
}

/// The convolution at inference (no gradient will follow, so nothing is kept for one), each
/// output put through `then` if given: in the browser by Winograd's F(2×2, 3×3)
/// ([`conv_winograd`]) where it is the faster — 2.25× fewer multiplications —, else the direct
/// loops; natively the patches and matrixmultiply.
pub(super) fn forward_inference(
    x: &[f32],
    weight: &[f32],
    d: Dims,
    then: Option<ScaleShiftRelu<'_>>,
) -> Vec<f32> {
    match ARITHMETIC {
        Arithmetic::Direct => {
            let padded = Padded::new(x, [d.n, d.c, d.h, d.w], d.k / 2);
            if conv_winograd::is_faster_for(d) {
                conv_winograd::forward(&padded, weight, d, then)
            } else {
                conv_direct::forward(&padded, weight, d, then)
            }
        }
        Arithmetic::Patches => {
            let (mut out, _) = conv_patches::forward(x, weight, d);
            if let Some(then) = then {
                then.apply(&mut out, d.h * d.w);
            }
            out
        }
    }
}

/// Without autodiff (evaluation): [`forward_inference`].
impl SameConv for NdArray {
    fn conv_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let ((x_shape, x), (w_shape, w)) = (ndarray_values(&x), ndarray_values(&weight));
        let d = Dims::of(&x_shape, &w_shape);
        ndarray_tensor(forward_inference(&x, &w, d, None), &[d.n, d.o, d.h, d.w])
    }
}

/// The backward step Burn's autodiff graph records for one convolution.
#[derive(Debug)]
struct SameConvBackward;

/// What the backward step keeps: the weights, what the weight gradient needs, the sizes.
type SameConvState = (NdArrayTensor, Arc<Saved>, Dims);

impl Backward<NdArray, 2> for SameConvBackward {
    type State = SameConvState;

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<NdArray>(&ops.node);
        let (weight, saved, d) = ops.state;
        let (grad_x, grad_w) = backward(&grad, &weight, &saved, d, node_x.is_some());
        if let (Some(node), Some(grad_x)) = (node_x, grad_x) {
            grads.register::<NdArray>(node.id, grad_x);
        }
        if let Some(node) = node_weight {
            grads.register::<NdArray>(node.id, grad_w);
        }
    }
}

impl<C: CheckpointStrategy> SameConv for Autodiff<NdArray, C> {
    fn conv_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        match SameConvBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (out, saved, d) = forward(x.primitive(), weight.primitive());
                prep.finish((weight.into_primitive(), saved, d), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(x.primitive(), weight.primitive()).0),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use crate::nn::kernels::tests::pattern;
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::{Conv2d, Conv2dConfig};

    /// `ours`, computed from `x` (which requires its gradient), equals `conv.forward(x)` within
    /// 1e-5, and so do the gradients of `x` and of `conv`'s weights (of a weighted sum, so every
    /// output position's gradient differs).
    pub(crate) fn assert_equals_burns_convolution(
        conv: &Conv2d,
        x: Tensor<4>,
        ours: Tensor<4>,
        label: &str,
    ) {
        let burns = conv.forward(x.clone());
        let close = |a: Tensor<4>, b: Tensor<4>, what: &str| {
            let gap = (a - b).abs().max().into_scalar::<f32>();
            assert!(gap < 1e-5, "{label}, {what}: differs by {gap}");
        };
        close(ours.clone().detach(), burns.clone().detach(), "output");
        let dims = ours.dims();
        let mix = Tensor::<4>::from_data(
            TensorData::new(pattern(dims.iter().product(), 3), dims),
            &ours.device(),
        );
        let g_ours = (ours * mix.clone()).sum().backward();
        let g_burn = (burns * mix).sum().backward();
        close(
            x.grad(&g_ours).unwrap(),
            x.grad(&g_burn).unwrap(),
            "input gradient",
        );
        close(
            conv.weight.grad(&g_ours).unwrap(),
            conv.weight.grad(&g_burn).unwrap(),
            "weight gradient",
        );
    }

    /// Equal to Burn's convolution, in value and in both gradients, for 3×3 and 5×5 kernels and
    /// images narrower than the kernel's reach.
    #[test]
    fn equals_burns_convolution_with_its_gradients() {
        let device = ndarray_device().autodiff();
        assert!(has_cpu_kernels(&device) && has_cpu_kernels(&ndarray_device()));
        for (k, [n, c, h, w], o) in [
            (3, [2, 3, 7, 6], 4),
            (5, [3, 2, 5, 9], 3),
            (3, [1, 1, 1, 2], 2),
            (5, [1, 2, 3, 1], 2),
        ] {
            device.seed(5);
            let conv = Conv2dConfig::new([c, o], [k, k])
                .with_padding(PaddingConfig2d::Same)
                .with_bias(false)
                .init(&device);
            let x = Tensor::<4>::from_data(
                TensorData::new(pattern(n * c * h * w, k), [n, c, h, w]),
                &device,
            )
            .require_grad();
            let ours = conv_same_kernel(x.clone(), conv.weight.val());
            assert_eq!(ours.dims(), [n, o, h, w]);
            assert_equals_burns_convolution(
                &conv,
                x,
                ours,
                &format!("k = {k}, [{n}, {c}, {h}, {w}]"),
            );
        }
    }

    #[test]
    fn runs_without_autodiff_too() {
        let device = ndarray_device();
        let conv = Conv2dConfig::new([2, 3], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .with_bias(false)
            .init(&device);
        let x = Tensor::<4>::from_data(
            TensorData::new(pattern(2 * 2 * 4 * 4, 1), [2, 2, 4, 4]),
            &device,
        );
        let gap = (conv_same_kernel(x.clone(), conv.weight.val()) - conv.forward(x))
            .abs()
            .max()
            .into_scalar::<f32>();
        assert!(gap < 1e-5, "differs by {gap}");
    }

    #[test]
    #[should_panic(expected = "does not fit input")]
    fn a_weight_of_other_channels_is_refused() {
        let device = ndarray_device();
        let x = Tensor::<4>::zeros([1, 2, 4, 4], &device);
        let _ = conv_same_kernel(x, Tensor::<4>::zeros([3, 5, 3, 3], &device));
    }
}
