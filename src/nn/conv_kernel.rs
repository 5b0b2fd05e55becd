//! The ConvNet's "same" convolution on burn-ndarray as one hand-written operation with its own
//! backward pass (a Burn backend extension), for the notebook's CPU path.
//!
//! Forward: the k² shifted copies of each image are written once into a patch matrix
//! `cols [c·k², n·h·w]` (im2col), and one matrix product `W [o, c·k²] × cols` gives every output.
//! Backward: `∂W = G × colsᵀ` and `∂cols = Wᵀ × G` (G the output gradient as `[o, n·h·w]`), then
//! `∂cols` is added back onto the input positions it was copied from (col2im). The products run
//! in matrixmultiply (WebAssembly SIMD in the browser). Built from Burn's tensor operations the
//! same convolution spends as long again moving data as multiplying (padding, nine slices, a
//! stack, and in the backward pass nine zero-filled copies of the padded input): see the README.
//!
//! Only burn-ndarray runs it ([`conv_same_kernel`] says so); other backends use Burn's
//! convolutions. The arithmetic equals [`burn::nn::conv::Conv2d`]'s (tests below).

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

/// A stride-1 convolution with zero "same" padding and an odd square kernel, without bias.
#[backend_extension(Autodiff, NdArray)]
pub trait SameConv: Backend {
    /// `x [n, c, h, w]`, `weight [o, c, k, k]` → `[n, o, h, w]`.
    fn conv_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// Whether [`conv_same_kernel`] runs on `device` (burn-ndarray, with or without autodiff).
pub fn has_conv_kernel(device: &Device) -> bool {
    device.clone().inner() == Device::ndarray()
}

/// [`SameConv::conv_same`] on Burn tensors.
///
/// # Panics
/// On a device other than burn-ndarray (see [`has_conv_kernel`]).
///
/// # Shapes
/// `x`: `[n, c, h, w]`, `weight`: `[o, c, k, k]` → `[n, o, h, w]`
pub fn conv_same_kernel(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as SameConv>::conv_same(
        x.into_dispatch(),
        weight.into_dispatch(),
    ))
}

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dims {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    k: usize,
}

impl Dims {
    fn of(x: &[usize], weight: &[usize]) -> Self {
        let (&[n, c, h, w], &[o, wc, k, k2]) = (x, weight) else {
            panic!(
                "conv_same: x must be [n, c, h, w] and weight [o, c, k, k], got {x:?} and {weight:?}"
            );
        };
        assert!(
            wc == c && k == k2 && k % 2 == 1,
            "conv_same: weight {weight:?} does not fit input {x:?} (odd square kernel, same channels)"
        );
        Self { n, c, h, w, o, k }
    }

    /// Rows of the patch matrix: c·k².
    fn rows(&self) -> usize {
        self.c * self.k * self.k
    }

    /// Columns of the patch matrix: n·h·w.
    fn columns(&self) -> usize {
        self.n * self.h * self.w
    }
}

/// An f32 tensor's shape and values in standard (row-major) order: borrowed when the tensor is
/// laid out that way (as Burn's tensors here are), copied otherwise.
fn values(tensor: &NdArrayTensor) -> (Vec<usize>, Cow<'_, [f32]>) {
    let NdArrayTensor::F32(storage) = tensor else {
        panic!("conv_same runs on f32 tensors only");
    };
    let view = storage.view();
    let shape = view.shape().to_vec();
    let values = match view.to_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(view.iter().copied().collect()),
    };
    (shape, values)
}

fn tensor(values: Vec<f32>, shape: &[usize]) -> NdArrayTensor {
    NdArrayTensor::from(
        burn::backend::ndarray::SharedArray::from_shape_vec(shape.to_vec(), values)
            .expect("the length matches the shape"),
    )
}

/// `C = A × B`, `A` and `B` given by their row and column strides, `C` dense row-major.
#[allow(clippy::too_many_arguments)]
fn matmul(
    [m, k, n]: [usize; 3],
    a: &[f32],
    [rsa, csa]: [isize; 2],
    b: &[f32],
    [rsb, csb]: [isize; 2],
    c: &mut [f32],
) {
    assert!(c.len() >= m * n);
    // SAFETY: the strides address only elements inside `a` ([m, k]) and `b` ([k, n]) as the
    // callers lay them out, and `c` is a dense [m, n] of at least m·n elements.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The output columns `x_from..x_to` whose source column `x + j − p` lies inside a row of `w`.
fn columns_inside(w: usize, p: usize, j: usize) -> (usize, usize) {
    let x_from = p.saturating_sub(j);
    (x_from, (w + p).saturating_sub(j).min(w).max(x_from))
}

/// The patch matrix `[c·k², n·h·w]`: row (ci, i, j), column (b, y, x) holds
/// `x[b, ci, y + i − p, x + j − p]`, or 0 outside the image.
fn im2col(x: &[f32], d: Dims) -> Vec<f32> {
    let (hw, p) = (d.h * d.w, d.k / 2);
    let mut cols = vec![0.0f32; d.rows() * d.columns()];
    for ci in 0..d.c {
        for i in 0..d.k {
            for j in 0..d.k {
                let row = (ci * d.k + i) * d.k + j;
                let out = &mut cols[row * d.columns()..(row + 1) * d.columns()];
                // Output columns x whose source column x + j − p lies inside the image.
                let (x_from, x_to) = columns_inside(d.w, p, j);
                if x_from == x_to {
                    continue;
                }
                for b in 0..d.n {
                    let plane = &x[(b * d.c + ci) * hw..(b * d.c + ci + 1) * hw];
                    for y in 0..d.h {
                        let Some(sy) = (y + i).checked_sub(p).filter(|&sy| sy < d.h) else {
                            continue;
                        };
                        let dst = &mut out[b * hw + y * d.w..b * hw + (y + 1) * d.w];
                        let src = &plane[sy * d.w..(sy + 1) * d.w];
                        dst[x_from..x_to].copy_from_slice(&src[x_from + j - p..x_to + j - p]);
                    }
                }
            }
        }
    }
    cols
}

/// The inverse scatter of [`im2col`]: adds each patch entry back onto the input position it was
/// copied from. `cols [c·k², n·h·w]` → `[n, c, h, w]`.
fn col2im(cols: &[f32], d: Dims) -> Vec<f32> {
    let (hw, p) = (d.h * d.w, d.k / 2);
    let mut x = vec![0.0f32; d.n * d.c * hw];
    for ci in 0..d.c {
        for i in 0..d.k {
            for j in 0..d.k {
                let row = (ci * d.k + i) * d.k + j;
                let from = &cols[row * d.columns()..(row + 1) * d.columns()];
                let (x_from, x_to) = columns_inside(d.w, p, j);
                if x_from == x_to {
                    continue;
                }
                for b in 0..d.n {
                    let plane = &mut x[(b * d.c + ci) * hw..(b * d.c + ci + 1) * hw];
                    for y in 0..d.h {
                        let Some(sy) = (y + i).checked_sub(p).filter(|&sy| sy < d.h) else {
                            continue;
                        };
                        let src = &from[b * hw + y * d.w..b * hw + (y + 1) * d.w];
                        let dst = &mut plane[sy * d.w..(sy + 1) * d.w];
                        for (t, s) in dst[x_from + j - p..x_to + j - p]
                            .iter_mut()
                            .zip(&src[x_from..x_to])
                        {
                            *t += s;
                        }
                    }
                }
            }
        }
    }
    x
}

/// `[a, b, m]` → `[b, a, m]`: between the products' layout `[o, n, h·w]` and Burn's `[n, o, h·w]`.
fn swap_leading_axes(values: &[f32], a: usize, b: usize, m: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; values.len()];
    for i in 0..a {
        for j in 0..b {
            out[(j * a + i) * m..(j * a + i + 1) * m]
                .copy_from_slice(&values[(i * b + j) * m..(i * b + j + 1) * m]);
        }
    }
    out
}

/// The forward pass; also returns the patch matrix, which the weight gradient needs.
fn forward(x: &NdArrayTensor, weight: &NdArrayTensor) -> (NdArrayTensor, Arc<Vec<f32>>, Dims) {
    let ((x_shape, x), (w_shape, w)) = (values(x), values(weight));
    let d = Dims::of(&x_shape, &w_shape);
    let cols = im2col(&x, d);
    let mut out = vec![0.0f32; d.o * d.columns()];
    let (rows, columns) = (d.rows() as isize, d.columns() as isize);
    matmul(
        [d.o, d.rows(), d.columns()],
        &w,
        [rows, 1],
        &cols,
        [columns, 1],
        &mut out,
    );
    let out = swap_leading_axes(&out, d.o, d.n, d.h * d.w);
    (tensor(out, &[d.n, d.o, d.h, d.w]), Arc::new(cols), d)
}

/// The gradients of the input and the weights, given the output's.
fn backward(
    grad: &NdArrayTensor,
    weight: &NdArrayTensor,
    cols: &[f32],
    d: Dims,
    need_x: bool,
) -> (Option<NdArrayTensor>, NdArrayTensor) {
    let (_, g) = values(grad);
    let (_, w) = values(weight);
    let g = swap_leading_axes(&g, d.n, d.o, d.h * d.w);
    let (rows, columns) = (d.rows() as isize, d.columns() as isize);
    // ∂W [o, c·k²] = G [o, n·h·w] × colsᵀ.
    let mut grad_w = vec![0.0f32; d.o * d.rows()];
    matmul(
        [d.o, d.columns(), d.rows()],
        &g,
        [columns, 1],
        cols,
        [1, columns],
        &mut grad_w,
    );
    let grad_w = tensor(grad_w, &[d.o, d.c, d.k, d.k]);
    if !need_x {
        return (None, grad_w);
    }
    // ∂cols [c·k², n·h·w] = Wᵀ × G, then back onto the input.
    let mut grad_cols = vec![0.0f32; d.rows() * d.columns()];
    matmul(
        [d.rows(), d.o, d.columns()],
        &w,
        [1, rows],
        &g,
        [columns, 1],
        &mut grad_cols,
    );
    let grad_x = col2im(&grad_cols, d);
    (Some(tensor(grad_x, &[d.n, d.c, d.h, d.w])), grad_w)
}

impl SameConv for NdArray {
    fn conv_same(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        forward(&x, &weight).0
    }
}

/// The backward step Burn's autodiff graph records for one convolution.
#[derive(Debug)]
struct SameConvBackward;

/// What the backward step keeps: the weights, the patch matrix, the sizes.
type SameConvState = (NdArrayTensor, Arc<Vec<f32>>, Dims);

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
        let (weight, cols, d) = ops.state;
        let (grad_x, grad_w) = backward(&grad, &weight, &cols, d, node_x.is_some());
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
                let (out, cols, d) = forward(x.primitive(), weight.primitive());
                prep.finish((weight.into_primitive(), cols, d), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(x.primitive(), weight.primitive()).0),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::compute::ndarray_device;
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

    fn pattern(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 37 + seed * 11) % 101) as f32 / 50.0) - 1.0)
            .collect()
    }

    /// Equal to Burn's convolution, in value and in both gradients, for 3×3 and 5×5 kernels and
    /// images narrower than the kernel's reach.
    #[test]
    fn equals_burns_convolution_with_its_gradients() {
        let device = ndarray_device().autodiff();
        assert!(has_conv_kernel(&device) && has_conv_kernel(&ndarray_device()));
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
