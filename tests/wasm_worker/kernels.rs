//! The CPU path's own kernels in the browser (WebAssembly SIMD): the convolution, the fused
//! inference unit, BatchNorm and the max-pool, each against Burn's operations.

use burn::module::Module;
use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor, TensorData};
use lectern::compute::{ndarray_device, read_f32};
use lectern::nn::batch_norm_kernel::batch_norm;
use lectern::nn::conv_kernel::{conv_same_kernel, has_cpu_kernels};
use lectern::nn::conv_unit_inference::{self, conv_unit_inference};
use lectern::nn::convnet::ConvNetConfig;
use lectern::nn::pool_kernel::{awkward_values, max_pool};
use wasm_bindgen_test::*;

/// The largest gap between two tensors' values.
async fn gap<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    read_f32((a - b).abs().max()).await.unwrap()[0]
}

/// The browser's convolution kernel (`conv_direct`'s WebAssembly SIMD loops, which natively
/// only run in their own tests) equals Burn's `Conv2d` in value and in both gradients, at the
/// notebook's own sizes and across tile edges (widths not a multiple of 8, odd channel counts,
/// a 5×5 kernel, an odd height); and at evaluation, without autodiff (Winograd's F(2×2, 3×3)
/// with its SIMD shuffles where it fits, else the direct loops), in value.
#[wasm_bindgen_test]
async fn the_cpu_convolution_kernel_equals_burns_with_its_gradients() {
    let device = ndarray_device().autodiff();
    assert!(has_cpu_kernels(&device));
    for (k, [n, c, h, w], o) in [
        (3, [4, 16, 32, 32], 16),
        (3, [4, 3, 32, 32], 16),
        (3, [3, 5, 9, 13], 7),
        (3, [2, 9, 10, 13], 7),
        (5, [2, 2, 6, 11], 3),
    ] {
        device.seed(7);
        let conv = Conv2dConfig::new([c, o], [k, k])
            .with_padding(PaddingConfig2d::Same)
            .with_bias(false)
            .init(&device);
        let len = n * c * h * w;
        let values: Vec<f32> = (0..len)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let plain = conv.valid();
        let x_plain = Tensor::<4>::from_data(
            TensorData::new(values.clone(), [n, c, h, w]),
            &ndarray_device(),
        );
        let x =
            Tensor::<4>::from_data(TensorData::new(values, [n, c, h, w]), &device).require_grad();
        let ours = conv_same_kernel(x.clone(), conv.weight.val());
        let burns = conv.forward(x.clone());
        let label = format!("k = {k}, [{n}, {c}, {h}, {w}] → {o}");
        let inference_gap = gap(
            conv_same_kernel(x_plain.clone(), plain.weight.val()),
            plain.forward(x_plain),
        )
        .await;
        assert!(
            inference_gap < 1e-4,
            "{label}: output at evaluation differs by {inference_gap}"
        );
        let out_gap = gap(ours.clone().detach(), burns.clone().detach()).await;
        assert!(out_gap < 1e-4, "{label}: output differs by {out_gap}");
        // A weighted sum, so every output position's gradient differs.
        let outs = n * o * h * w;
        let mix: Vec<f32> = (0..outs)
            .map(|i| ((i * 53 % 97) as f32 / 48.0) - 1.0)
            .collect();
        let mix = Tensor::<4>::from_data(TensorData::new(mix, [n, o, h, w]), &device);
        let g_ours = (ours * mix.clone()).sum().backward();
        let g_burns = (burns * mix).sum().backward();
        let x_gap = gap(x.grad(&g_ours).unwrap(), x.grad(&g_burns).unwrap()).await;
        assert!(x_gap < 1e-4, "{label}: input gradient differs by {x_gap}");
        let (w_ours, w_burns) = (
            conv.weight.grad(&g_ours).unwrap(),
            conv.weight.grad(&g_burns).unwrap(),
        );
        // Sums over every pixel of the batch: compared relative to their size.
        let scale = read_f32(w_burns.clone().abs().max()).await.unwrap()[0].max(1.0);
        let w_gap = gap(w_ours, w_burns).await / scale;
        assert!(
            w_gap < 1e-5,
            "{label}: weight gradient differs by {w_gap} (relative)"
        );
    }
}

/// Inference's fused unit in the browser (`conv_direct`'s tiles with the scale, shift and ReLU
/// applied in registers) equals the three operations it replaces to the bit — at the notebook's
/// sizes, across tile edges (widths not a multiple of 8, channel counts not a multiple of 4),
/// with a channel scaled by 0 and one by −0 — and so the ConvNet's logits equal the
/// layer-by-layer forward pass's.
#[wasm_bindgen_test]
async fn the_fused_inference_unit_equals_conv_batch_norm_relu_to_the_bit() {
    let device = ndarray_device();
    assert!(conv_unit_inference::runs_on(&device));
    let pattern = |len: usize, seed: usize| -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 37 + seed * 11) % 101) as f32 / 50.0) - 1.0)
            .collect()
    };
    let bits = async |t: Tensor<4>| -> Vec<u32> {
        read_f32(t)
            .await
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect()
    };
    for (k, [n, c, h, w], o) in [
        (3, [4, 16, 32, 32], 16),
        (3, [4, 3, 32, 32], 16),
        (3, [3, 5, 9, 13], 7),
        (3, [2, 9, 10, 13], 7),
        (5, [2, 2, 6, 11], 3),
    ] {
        let x = Tensor::<4>::from_data(
            TensorData::new(pattern(n * c * h * w, 1), [n, c, h, w]),
            &device,
        );
        let weight = Tensor::<4>::from_data(
            TensorData::new(pattern(o * c * k * k, 2), [o, c, k, k]),
            &device,
        );
        let (mut scale, mut shift) = (pattern(o, 3), pattern(o, 4));
        (scale[0], shift[0]) = (0.0, 0.0);
        (scale[1], shift[1]) = (-0.0, -0.0);
        let scale = Tensor::<1>::from_data(TensorData::new(scale, [o]), &device);
        let shift = Tensor::<1>::from_data(TensorData::new(shift, [o]), &device);
        let fused = conv_unit_inference(x.clone(), weight.clone(), scale.clone(), shift.clone());
        let unfused = burn::tensor::activation::relu(
            conv_same_kernel(x, weight) * scale.reshape([1, o, 1, 1]) + shift.reshape([1, o, 1, 1]),
        );
        assert!(
            bits(fused).await == bits(unfused).await,
            "k = {k}, [{n}, {c}, {h}, {w}] → {o}: the fused unit differs"
        );
    }
    let autodiff = device.clone().autodiff();
    autodiff.seed(3);
    let net = ConvNetConfig::new().init(&autodiff);
    let values = pattern(8 * 3 * 32 * 32, 5);
    for _ in 0..2 {
        let images =
            Tensor::<4>::from_data(TensorData::new(values.clone(), [8, 3, 32, 32]), &autodiff);
        let _ = net.forward(images);
    }
    let net = net.valid();
    assert!(net.fuses_units_on(&device));
    let images = Tensor::<4>::from_data(TensorData::new(values, [8, 3, 32, 32]), &device);
    let logits = |t: Tensor<2>| t.reshape([1, 1, 8, 10]);
    assert!(
        bits(logits(net.forward(images.clone()))).await
            == bits(logits(net.forward_with_activity(images).0)).await,
        "the ConvNet's fused forward pass differs from the layer-by-layer one"
    );
}

/// The browser's BatchNorm and max-pool kernels (four-lane WebAssembly SIMD sums; the first
/// largest value of each block) equal Burn's in value and gradient at the notebook's size.
#[wasm_bindgen_test]
async fn the_cpu_batch_norm_and_pool_kernels_equal_burns_with_their_gradients() {
    let device = ndarray_device().autodiff();
    let [n, c, h, w] = [8, 16, 32, 32];
    let len = n * c * h * w;
    // A ReLU's output: many ties at zero for the pool.
    let values: Vec<f32> = (0..len)
        .map(|i| (((i * 37 % 101) as f32 / 50.0) - 1.0).max(0.0))
        .collect();
    let x = Tensor::<4>::from_data(TensorData::new(values, [n, c, h, w]), &device).require_grad();
    let (norm_ours, norm_burns) = (
        BatchNormConfig::new(c).init(&device),
        BatchNormConfig::new(c).init(&device),
    );
    let pool = MaxPool2dConfig::new([2, 2]).init();
    let ours = max_pool(&pool, batch_norm(&norm_ours, x.clone()));
    let burns = pool.forward(norm_burns.forward(x.clone()));
    let out_gap = gap(ours.clone().detach(), burns.clone().detach()).await;
    assert!(out_gap < 1e-4, "output differs by {out_gap}");
    let mix: Vec<f32> = (0..len / 4)
        .map(|i| ((i * 53 % 97) as f32 / 48.0) - 1.0)
        .collect();
    let mix = Tensor::<4>::from_data(TensorData::new(mix, [n, c, h / 2, w / 2]), &device);
    let g_ours = (ours * mix.clone()).sum().backward();
    let g_burns = (burns * mix).sum().backward();
    let x_gap = gap(x.grad(&g_ours).unwrap(), x.grad(&g_burns).unwrap()).await;
    assert!(x_gap < 1e-4, "input gradient differs by {x_gap}");
    let gamma_gap = gap(
        norm_ours.gamma.grad(&g_ours).unwrap(),
        norm_burns.gamma.grad(&g_burns).unwrap(),
    )
    .await;
    assert!(gamma_gap < 1e-3, "γ gradient differs by {gamma_gap}");
    let running_gap = gap(
        norm_ours.running_var.value(),
        norm_burns.running_var.value(),
    )
    .await;
    assert!(
        running_gap < 1e-5,
        "running variance differs by {running_gap}"
    );
}

/// Evaluation's max-pool (no autodiff: the values alone, four outputs per WebAssembly SIMD
/// `pmax` pair) equals the training pool's values to the bit: a NaN never wins (a block of NaN
/// gives −∞), the first of −0 and +0 wins, ±∞, at the notebook's size and at widths that leave a
/// remainder or are all remainder.
#[wasm_bindgen_test]
async fn the_inference_pool_equals_the_training_pools_values_to_the_bit() {
    let pool = MaxPool2dConfig::new([2, 2]).init();
    let device = ndarray_device();
    for dims @ [n, c, h, w] in [
        [64, 16, 32, 32],
        [2, 3, 4, 34],
        [1, 2, 6, 6],
        [1, 1, 16, 10],
    ] {
        let mut x = awkward_values(n * c * h * w);
        for at in [0, 1, w, w + 1] {
            x[at] = f32::NAN;
        }
        let input = |d: &Device| Tensor::<4>::from_data(TensorData::new(x.clone(), dims), d);
        let plain = max_pool(&pool, input(&device));
        let tracked = max_pool(&pool, input(&device.clone().autodiff()).require_grad());
        let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
        let plain = read_f32(plain).await.unwrap();
        assert_eq!(plain[0], f32::NEG_INFINITY);
        assert_eq!(
            bits(plain),
            bits(read_f32(tracked.detach()).await.unwrap()),
            "{dims:?}"
        );
    }
}
