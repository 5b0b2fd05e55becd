//! A ConvNet unit's inference — convolution, then BatchNorm with its running statistics (or the
//! convolution's bias), then ReLU — as one operation on burn-ndarray, for evaluation on the
//! notebook's CPU path.
//!
//! At inference BatchNorm is `z·s + t` per channel (`s = γ/√(running var + ε)`,
//! `t = β − running mean · s`) and a bias is `z·1 + b`, so the unit is `ReLU(conv(x)·s + t)`.
//! As three tensor operations that is three more passes over the activations and three more
//! allocations after the convolution; here the browser's arithmetic (Winograd's F(2×2, 3×3),
//! else the direct loops: `conv_kernel::forward_inference`) applies it to each output while it is
//! still in registers, and the native one (the patches) in one pass after its products. The
//! convolution is the one the plain (non-autodiff) `conv_same_kernel` computes, and the rest is
//! the three operations' arithmetic, a multiply then an add then burn-ndarray's ReLU
//! (`v < 0 → 0`), so the values are equal to the bit (tests below, and in the browser
//! `tests/wasm_worker/`). No gradients: evaluation only.

// burn-ndarray is deprecated in Burn 0.22 in favour of burn-flex (see `conv_kernel`).
#![allow(deprecated)]

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, NdArray, backend_extension};
use burn::prelude::*;

use super::conv_kernel::{forward_inference, has_cpu_kernels, ndarray_tensor, ndarray_values};
use super::kernels::Dims;
use super::kernels::epilogue::ScaleShiftRelu;

/// `ReLU(conv(x, weight)·scale + shift)`, per output channel, for a stride-1 convolution with
/// zero "same" padding and an odd square kernel.
#[backend_extension(NdArray)]
pub trait ConvUnitInference: Backend {
    /// `x [n, c, h, w]`, `weight [o, c, k, k]`, `scale [o]`, `shift [o]` → `[n, o, h, w]`.
    fn conv_scale_shift_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        scale: FloatTensor<Self>,
        shift: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// Whether [`conv_unit_inference`] runs on `device`: burn-ndarray without autodiff (evaluation).
pub fn runs_on(device: &Device) -> bool {
    has_cpu_kernels(device) && !device.is_autodiff()
}

/// [`ConvUnitInference::conv_scale_shift_relu`] on Burn tensors.
///
/// # Panics
/// Unless [`runs_on`] the tensors' device.
///
/// # Shapes
/// `x`: `[n, c, h, w]`, `weight`: `[o, c, k, k]`, `scale`, `shift`: `[o]` → `[n, o, h, w]`
pub fn conv_unit_inference(
    x: Tensor<4>,
    weight: Tensor<4>,
    scale: Tensor<1>,
    shift: Tensor<1>,
) -> Tensor<4> {
    assert!(
        runs_on(&x.device()),
        "conv_unit_inference runs on burn-ndarray without autodiff only"
    );
    Tensor::from_dispatch(<Dispatch as ConvUnitInference>::conv_scale_shift_relu(
        x.into_dispatch(),
        weight.into_dispatch(),
        scale.into_dispatch(),
        shift.into_dispatch(),
    ))
}

impl ConvUnitInference for NdArray {
    fn conv_scale_shift_relu(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        scale: FloatTensor<Self>,
        shift: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let ((x_shape, x), (w_shape, w)) = (ndarray_values(&x), ndarray_values(&weight));
        let ((_, scale), (_, shift)) = (ndarray_values(&scale), ndarray_values(&shift));
        let d = Dims::of(&x_shape, &w_shape);
        let then = ScaleShiftRelu::new(&scale, &shift, d.o);
        let out = forward_inference(&x, &w, d, Some(then));
        ndarray_tensor(out, &[d.n, d.o, d.h, d.w])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use crate::nn::conv_kernel::conv_same_kernel;
    use crate::nn::kernels::tests::pattern;
    use burn::tensor::activation::relu;

    /// The three tensor operations the fused one replaces.
    fn unfused(x: Tensor<4>, weight: Tensor<4>, scale: Tensor<1>, shift: Tensor<1>) -> Tensor<4> {
        let o = weight.dims()[0];
        relu(
            conv_same_kernel(x, weight) * scale.reshape([1, o, 1, 1]) + shift.reshape([1, o, 1, 1]),
        )
    }

    /// Bit-equal to the unfused operations, for 3×3 and 5×5 kernels, −0, ties at 0, NaN and ∞.
    #[test]
    fn equals_the_three_operations_to_the_bit() {
        let device = ndarray_device();
        assert!(runs_on(&device) && !runs_on(&device.clone().autodiff()));
        for (k, [n, c, h, w], o) in [
            (3, [2, 3, 7, 6], 5),
            (5, [1, 2, 5, 9], 3),
            (3, [3, 4, 8, 8], 8),
        ] {
            let x = Tensor::<4>::from_data(
                TensorData::new(pattern(n * c * h * w, k), [n, c, h, w]),
                &device,
            );
            let weight = Tensor::<4>::from_data(
                TensorData::new(pattern(o * c * k * k, 2), [o, c, k, k]),
                &device,
            );
            let mut scale = pattern(o, 4);
            let mut shift = pattern(o, 5);
            // A channel that is 0 everywhere (−0 · 0 + 0), one that is NaN, one that is −0.
            (scale[0], shift[0]) = (0.0, 0.0);
            (scale[1], shift[1]) = (f32::INFINITY, f32::NEG_INFINITY);
            (scale[2], shift[2]) = (-0.0, -0.0);
            let scale = Tensor::<1>::from_data(TensorData::new(scale, [o]), &device);
            let shift = Tensor::<1>::from_data(TensorData::new(shift, [o]), &device);
            let bits = |t: Tensor<4>| -> Vec<u32> {
                let values = t.into_data().try_into_vec::<f32>().unwrap();
                values.iter().map(|v| v.to_bits()).collect()
            };
            let ours = conv_unit_inference(x.clone(), weight.clone(), scale.clone(), shift.clone());
            assert_eq!(ours.dims(), [n, o, h, w]);
            assert_eq!(
                bits(ours),
                bits(unfused(x, weight, scale, shift)),
                "k = {k}, [{n}, {c}, {h}, {w}] → {o}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "without autodiff only")]
    fn refuses_an_autodiff_device() {
        let device = ndarray_device().autodiff();
        let _ = conv_unit_inference(
            Tensor::<4>::zeros([1, 1, 3, 3], &device),
            Tensor::<4>::zeros([1, 1, 3, 3], &device),
            Tensor::<1>::ones([1], &device),
            Tensor::<1>::zeros([1], &device),
        );
    }
}
