//! The ConvNet's "same" convolution computed as a matrix product over patches
//! ([`ConvPath::OwnKernel`](super::convnet::ConvPath)): on burn-ndarray one operation with its own
//! backward pass (`conv_kernel`), on other backends built from Burn's tensor operations.

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::ops::PadMode;

use super::conv_kernel::{conv_same_kernel, has_cpu_kernels};

/// A stride-1 convolution with "same" zero padding (odd square kernel) as a matrix product over
/// patches: out[n, o, p] = Σ_{c,i,j} W[o, c, i, j] · x_pad[n, c, p_y + i, p_x + j] (+ bias[o]).
/// On burn-ndarray one operation with its own backward pass ([`conv_same_kernel`]); elsewhere
/// built from tensor operations.
///
/// # Shapes
/// `x`: `[n, c, h, w]`, `conv.weight`: `[o, c, k, k]` → `[n, o, h, w]`
pub fn conv_same(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let weight = conv.weight.val();
    let out = if has_cpu_kernels(&x.device()) {
        conv_same_kernel(x, weight)
    } else {
        conv_same_from_tensor_ops(x, weight)
    };
    match &conv.bias {
        Some(bias) => {
            let o = out.dims()[1];
            out + bias.val().reshape([1, o, 1, 1])
        }
        None => out,
    }
}

/// [`conv_same`] (without bias) from Burn's tensor operations, for backends without the kernel:
/// the k² shifted views of the padded input are stacked into patches `[n, c·k², h·w]` in the
/// weight's (c, i, j) order, so `W` reshaped to `[o, c·k²]` multiplies them directly.
fn conv_same_from_tensor_ops(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    let [o, _, k, _] = weight.dims();
    let p = k / 2;
    let padded = x.pad([(p, p), (p, p)], PadMode::Constant(0.0));
    let shifts: Vec<Tensor<4>> = (0..k)
        .flat_map(|i| (0..k).map(move |j| (i, j)))
        .map(|(i, j)| padded.clone().slice([0..n, 0..c, i..i + h, j..j + w]))
        .collect();
    let patches = Tensor::stack::<5>(shifts, 2).reshape([n, c * k * k, h * w]);
    weight
        .reshape([1, o, c * k * k])
        .expand([n, o, c * k * k])
        .matmul(patches)
        .reshape([n, o, h, w])
}

#[cfg(test)]
mod tests {
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::Conv2dConfig;

    use super::*;
    use crate::compute::ndarray_device;
    use crate::nn::kernels::tests::pattern;

    /// `batch` test images `[batch, 3, 32, 32]`.
    fn images(batch: usize, device: &Device) -> Tensor<4> {
        let values = pattern(batch * 3 * 32 * 32, 0);
        Tensor::<4>::from_data(TensorData::new(values, [batch, 3, 32, 32]), device)
    }

    #[test]
    fn conv_same_matches_burns_convolution() {
        #[allow(unused_mut)]
        let mut devices = vec![ndarray_device().autodiff()];
        #[cfg(feature = "cli")]
        devices.push(crate::compute::flex_device().autodiff());
        for (device, (kernel, bias)) in devices
            .iter()
            .flat_map(|d| [(d.clone(), (3, false)), (d.clone(), (5, true))])
        {
            assert_eq!(
                has_cpu_kernels(&device),
                device.clone().inner() == ndarray_device()
            );
            device.seed(3);
            let conv = Conv2dConfig::new([3, 4], [kernel, kernel])
                .with_padding(PaddingConfig2d::Same)
                .with_bias(bias)
                .init(&device);
            let x = images(2, &device)
                .slice([0..2, 0..3, 0..7, 0..6])
                .require_grad();
            let ours = conv_same(&conv, x.clone());
            assert_eq!(ours.dims(), [2, 4, 7, 6]);
            let label = format!("{:?}, k = {kernel}", device.clone().inner());
            crate::nn::conv_kernel::tests::assert_equals_burns_convolution(&conv, x, ours, &label);
        }
    }
}
