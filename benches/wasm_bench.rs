//! `make bench`, in the browser: the ConvNet's training and forward-only throughput inside a
//! dedicated worker in headless Chromium, as the notebook runs it — burn-ndarray compiled to
//! WebAssembly (one thread), with each way of computing the convolutions, and WebGPU on whatever
//! adapter the browser offers (SwiftShader, a software rasteriser, in headless Chromium here).
//! A bench target, not a test (`cargo test` never builds it): it measures, it checks nothing.
//! `make bench` runs it with `cargo test --bench wasm_bench`, which hands it to
//! wasm-bindgen-test-runner like a test: each measurement below is a `#[wasm_bindgen_test]` the
//! runner calls (one by name: `… --bench wasm_bench -- how_fast_the_matrix_products_run`).

/// The runner calls the measurements; a bench target needs a `main` all the same (and natively,
/// or without WebGPU, it is all there is: `cargo bench` on the host finds nothing to run).
fn main() {}

#[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
mod measurements {

    use lectern::protocol::{Backend, BackendRequest};
    use lectern::settings::model::ConvPath;
    use lectern::train::bench::{BenchSettings, bench};
    use lectern::worker::backend::choose;
    use lectern::worker::tasks::now_ms;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_dedicated_worker);

    #[wasm_bindgen_test]
    async fn convnet_throughput_in_a_worker() {
        let mut gpu = None;
        let cpu = choose(BackendRequest::Cpu, &mut gpu).await.unwrap();
        let settings = BenchSettings::default();
        for conv_path in [ConvPath::OwnKernel, ConvPath::Burn] {
            let settings = BenchSettings {
                conv_path,
                ..settings.clone()
            };
            let report = bench(&settings, &cpu.device, now_ms).await.unwrap();
            console_log!(
                "BENCH wasm cpu (burn-ndarray) {conv_path:?}: train {:.1} img/s, forward {:.1} img/s; {}",
                report.train.median_images_per_second,
                report.forward.median_images_per_second,
                serde_json::to_string(&report).unwrap()
            );
        }
        let gpu_choice = choose(BackendRequest::WebGpu, &mut gpu).await.unwrap();
        if let Backend::WebGpu { adapter, fallback } = &gpu_choice.backend {
            // A software adapter is slow: fewer, shorter chunks.
            let settings = BenchSettings {
                conv_path: ConvPath::Burn,
                chunks: 3,
                steps_per_chunk: 1,
                warmup_steps: 1,
                ..settings
            };
            let report = bench(&settings, &gpu_choice.device, now_ms).await.unwrap();
            console_log!(
                "BENCH wasm webgpu ({adapter}, fallback {fallback}) Direct: train {:.1} img/s, forward {:.1} img/s; {}",
                report.train.median_images_per_second,
                report.forward.median_images_per_second,
                serde_json::to_string(&report).unwrap()
            );
        }
    }

    /// Where a training step's time goes in the worker (burn-ndarray as WebAssembly, eager, so each
    /// phase can be timed on its own): batch assembly, forward, loss, backward, SGD update, read-back.
    #[wasm_bindgen_test]
    async fn where_a_training_step_spends_its_time() {
        use burn::optim::{GradientsParams, SgdConfig};
        use burn::tensor::{Tensor, TensorData};
        use lectern::compute::{ndarray_device, read_many};
        use lectern::data::augment::ChannelStats;
        use lectern::data::cifar::Records;
        use lectern::data::toy::toy_records;
        use lectern::nn::convnet::ConvNetConfig;
        use lectern::nn::losses::{Loss, loss};
        use lectern::train::engine::images_tensor;

        let device = ndarray_device().autodiff();
        for conv_path in [ConvPath::OwnKernel, ConvPath::Burn] {
            let records = Records::parse(toy_records(7, 3)).unwrap();
            let batch: Vec<&[u8]> = records.records().take(64).collect();
            let indices: Vec<usize> = (0..64).collect();
            let stats = ChannelStats::of(records.records().map(|r| &r[1..]));
            let mut model = ConvNetConfig::new().with_conv_path(conv_path).init(&device);
            let mut optim = SgdConfig::new().init();
            let mut phases = [0f64; 6];
            let steps = 8;
            for step in 0..steps + 2 {
                let t0 = now_ms();
                let images = images_tensor(&batch, &stats, Some((1, 0, &indices)), &device);
                let one_hot: Vec<f32> = batch
                    .iter()
                    .flat_map(|r| (0..10).map(move |c| (c == r[0] as usize) as u8 as f32))
                    .collect();
                let targets = Tensor::<2>::from_data(TensorData::new(one_hot, [64, 10]), &device);
                let t1 = now_ms();
                let logits = model.forward(images);
                let t2 = now_ms();
                let value = loss(Loss::CrossEntropy, logits, targets, None);
                let t3 = now_ms();
                let grads = GradientsParams::from_grads(value.backward(), &model);
                let t4 = now_ms();
                model = optim.step(0.05, model, grads);
                let t5 = now_ms();
                read_many([value.detach().unsqueeze::<2>()]).await.unwrap();
                let t6 = now_ms();
                if step >= 2 {
                    for (p, d) in phases.iter_mut().zip([
                        t1 - t0,
                        t2 - t1,
                        t3 - t2,
                        t4 - t3,
                        t5 - t4,
                        t6 - t5,
                    ]) {
                        *p += d / steps as f64;
                    }
                }
            }
            let total: f64 = phases.iter().sum();
            let names = [
                "batch assembly",
                "forward",
                "loss",
                "backward",
                "SGD update",
                "read-back",
            ];
            let parts: Vec<String> = names
                .iter()
                .zip(phases)
                .map(|(n, ms)| format!("{n} {ms:.1} ms ({:.0} %)", 100.0 * ms / total))
                .collect();
            console_log!(
                "PROFILE wasm burn-ndarray {conv_path:?}, batch 64: {total:.1} ms a step = {}",
                parts.join(", ")
            );
        }
    }

    /// The ConvNet's building blocks on their own (forward + backward, burn-ndarray as
    /// WebAssembly), at the first block's size: which ones a training step's time goes to.
    #[wasm_bindgen_test]
    async fn what_each_layer_costs() {
        use burn::module::Module;
        use burn::nn::conv::Conv2dConfig;
        use burn::nn::pool::MaxPool2dConfig;
        use burn::nn::{BatchNormConfig, PaddingConfig2d};
        use burn::tensor::activation::relu;
        use burn::tensor::{Distribution, Tensor};
        use lectern::compute::{ndarray_device, read_many};
        use lectern::nn::batch_norm_kernel::batch_norm;
        use lectern::nn::convnet::conv_same;
        use lectern::nn::pool_kernel::max_pool;

        let device = ndarray_device().autodiff();
        let x = || {
            Tensor::<4>::random([64, 16, 32, 32], Distribution::Normal(0.0, 1.0), &device)
                .require_grad()
        };
        let conv = Conv2dConfig::new([16, 16], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        let norm = BatchNormConfig::new(16).init(&device);
        let pool = MaxPool2dConfig::new([2, 2]).init();
        let time = async |name: &str, f: &dyn Fn(Tensor<4>) -> Tensor<4>| {
            let mut total = 0.0;
            for i in 0..6 {
                let input = x();
                let t0 = now_ms();
                let out = f(input.clone());
                let grads = out.sum().backward();
                let g = input.grad(&grads).unwrap();
                read_many([g.flatten::<2>(0, 2)]).await.unwrap();
                if i >= 1 {
                    total += (now_ms() - t0) / 5.0;
                }
            }
            console_log!(
                "PROFILE layer {name}: {total:.1} ms forward + backward at [64, 16, 32, 32]"
            );
        };
        time("identity (the harness: sum, backward, read-back)", &|x| x).await;
        time("conv 3×3, lectern's CPU kernel (conv_same)", &|x| {
            conv_same(&conv, x)
        })
        .await;
        time("conv 3×3, Burn's kernel (direct)", &|x| conv.forward(x)).await;
        time("BatchNorm, lectern's CPU kernel (batch_norm)", &|x| {
            batch_norm(&norm, x)
        })
        .await;
        time("BatchNorm (Burn)", &|x| norm.forward(x)).await;
        time("ReLU", &|x| relu(x)).await;
        time("max-pool 2×2, lectern's CPU kernel (max_pool)", &|x| {
            max_pool(&pool, x)
        })
        .await;
        time("max-pool 2×2 (Burn)", &|x| pool.forward(x)).await;
        // Inference (evaluation: no autodiff, running statistics): forward only.
        let plain = x().inner();
        let (valid_norm, valid_pool) = (norm.valid(), pool.clone());
        for (name, f) in [
            (
                "BatchNorm inference, lectern's (batch_norm)",
                &(|x| batch_norm(&valid_norm, x)) as &dyn Fn(Tensor<4>) -> Tensor<4>,
            ),
            ("BatchNorm inference (Burn)", &|x| valid_norm.forward(x)),
            ("max-pool inference, lectern's (max_pool)", &|x| {
                max_pool(&valid_pool, x)
            }),
            ("identity (read-back only)", &|x| x),
        ] {
            let mut total = 0.0;
            for i in 0..6 {
                let t0 = now_ms();
                let out = f(plain.clone());
                read_many([out.slice([0..1, 0..1, 0..1, 0..1]).flatten::<2>(0, 2)])
                    .await
                    .unwrap();
                if i >= 1 {
                    total += (now_ms() - t0) / 5.0;
                }
            }
            console_log!("PROFILE layer {name}: {total:.1} ms forward at [64, 16, 32, 32]");
        }
        time("max-pool 2×2 (reshape + max)", &|x| {
            let [n, c, h, w] = x.dims();
            x.reshape([n, c, h / 2, 2, w / 2, 2])
                .max_dim(5)
                .max_dim(3)
                .reshape([n, c, h / 2, w / 2])
        })
        .await;
    }

    /// Evaluation's forward pass (batch 64, the default ConvNet, burn-ndarray as WebAssembly, with
    /// the argmax read back as the notebook does) two ways in one run, alternating so the machine's
    /// drift hits both alike: each conv → BatchNorm → ReLU unit as one operation (`forward`, what
    /// evaluation runs), and layer by layer (`forward_with_activity`, the same values).
    #[wasm_bindgen_test]
    async fn what_fusing_each_unit_saves_at_inference() {
        use burn::module::Module;
        use burn::tensor::{Distribution, Tensor};
        use lectern::compute::{ndarray_device, read_f32};
        use lectern::nn::convnet::ConvNetConfig;

        let autodiff = ndarray_device().autodiff();
        let net = ConvNetConfig::new().init(&autodiff);
        // A few training passes, so BatchNorm's running statistics are not the initial ones.
        for _ in 0..2 {
            let _ = net.forward(Tensor::<4>::random(
                [64, 3, 32, 32],
                Distribution::Normal(0.0, 1.0),
                &autodiff,
            ));
        }
        let net = net.valid();
        let images = Tensor::<4>::random(
            [64, 3, 32, 32],
            Distribution::Normal(0.0, 1.0),
            &ndarray_device(),
        );
        let once = async |fused: bool| {
            let t0 = now_ms();
            let logits = if fused {
                net.forward(images.clone())
            } else {
                net.forward_with_activity(images.clone()).0
            };
            read_f32(logits.argmax(1).float()).await.unwrap();
            now_ms() - t0
        };
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (mut fused, mut layers, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..12 {
            // Alternate which goes first.
            let (a, b) = if round % 2 == 0 {
                let a = once(true).await;
                (a, once(false).await)
            } else {
                let b = once(false).await;
                (once(true).await, b)
            };
            if round >= 2 {
                fused.push(a);
                layers.push(b);
                ratios.push(b / a);
            }
        }
        let (f, l) = (median(fused), median(layers));
        console_log!(
            "PROFILE inference, batch 64: fused units {f:.1} ms ({:.0} img/s), layer by layer {l:.1} ms ({:.0} img/s); speed-up {:.2}× (median of 10 paired rounds)",
            64_000.0 / f,
            64_000.0 / l,
            median(ratios)
        );
    }

    /// burn-ndarray's matrix product (matrixmultiply, WebAssembly SIMD) at the shapes a training
    /// step multiplies, as the whole batch's product: the second block's forward convolution
    /// ([o, c·k²] × [c·k², n·h·w]), its input gradient (transposed weights × output gradient), its
    /// weight gradient (output gradient × patchesᵀ), the fourth convolution; and two references.
    /// A training step is ~2.4 GFLOP of products at batch 64, so these rates bound its speed.
    #[wasm_bindgen_test]
    async fn how_fast_the_matrix_products_run() {
        use burn::tensor::{Distribution, Tensor};
        use lectern::compute::{ndarray_device, read_many};

        let device = ndarray_device();
        let shapes = [
            [16, 144, 65536],
            [144, 16, 65536],
            [16, 65536, 144],
            [32, 288, 16384],
            [256, 256, 256],
            [16, 144, 1024],
        ];
        for [m, k, n] in shapes {
            let a = Tensor::<2>::random([m, k], Distribution::Normal(0.0, 1.0), &device);
            let b = Tensor::<2>::random([k, n], Distribution::Normal(0.0, 1.0), &device);
            let mut best = f64::MAX;
            for _ in 0..4 {
                let t0 = now_ms();
                let c = a.clone().matmul(b.clone());
                read_many([c.slice([0..1, 0..1])]).await.unwrap();
                best = best.min(now_ms() - t0);
            }
            let gflops = 2.0 * (m * k * n) as f64 / best / 1e6;
            console_log!(
                "PROFILE matmul [{m}, {k}] × [{k}, {n}]: {best:.1} ms = {gflops:.1} GFLOP/s (best of 4)"
            );
        }
    }

    /// The notebook's CPU convolution kernel (`conv_same_kernel`: in the browser the direct
    /// WebAssembly SIMD loops of `nn::conv_direct`) at the four convolutions of the default ConvNet,
    /// batch 64: the forward pass alone, and the forward pass with both gradients (three times the
    /// arithmetic), as GFLOP/s — to set against the matrix products' rates above; and the same
    /// forward pass at evaluation (no autodiff: Winograd's F(2×2, 3×3), `nn::conv_winograd`), its
    /// rate counted as the direct sum's arithmetic so the two compare.
    #[wasm_bindgen_test]
    async fn how_fast_the_convolution_kernel_runs() {
        use burn::tensor::{Distribution, Tensor};
        use lectern::compute::{ndarray_device, read_many};
        use lectern::nn::conv_kernel::conv_same_kernel;

        let device = ndarray_device().autodiff();
        let corner = |t: Tensor<4>| t.slice([0..1, 0..1, 0..1, 0..1]).flatten::<2>(0, 2);
        for ([n, c, h, w], o) in [
            ([64, 3, 32, 32], 16),
            ([64, 16, 32, 32], 16),
            ([64, 16, 16, 16], 32),
            ([64, 32, 16, 16], 32),
        ] {
            let x = Tensor::<4>::random([n, c, h, w], Distribution::Normal(0.0, 1.0), &device)
                .require_grad();
            let weight = Tensor::<4>::random([o, c, 3, 3], Distribution::Normal(0.0, 0.1), &device)
                .require_grad();
            let plain = ndarray_device();
            let (x_plain, weight_plain) = (
                Tensor::<4>::random([n, c, h, w], Distribution::Normal(0.0, 1.0), &plain),
                Tensor::<4>::random([o, c, 3, 3], Distribution::Normal(0.0, 0.1), &plain),
            );
            let (mut forward, mut both, mut inference) = (f64::MAX, f64::MAX, f64::MAX);
            for _ in 0..4 {
                let t0 = now_ms();
                let y = conv_same_kernel(x_plain.clone(), weight_plain.clone());
                read_many([corner(y)]).await.unwrap();
                inference = inference.min(now_ms() - t0);
                let t0 = now_ms();
                let y = conv_same_kernel(x.clone().detach(), weight.clone().detach());
                read_many([corner(y)]).await.unwrap();
                forward = forward.min(now_ms() - t0);
                let t0 = now_ms();
                let grads = conv_same_kernel(x.clone(), weight.clone()).sum().backward();
                let (gx, gw) = (x.grad(&grads).unwrap(), weight.grad(&grads).unwrap());
                read_many([corner(gx), corner(gw)]).await.unwrap();
                both = both.min(now_ms() - t0);
            }
            let flop = 2.0 * (n * c * h * w * o * 9) as f64;
            console_log!(
                "PROFILE conv kernel [{n}, {c}, {h}, {w}] → {o}: forward {forward:.1} ms = {:.1} GFLOP/s; with both gradients {both:.1} ms = {:.1} GFLOP/s; at evaluation {inference:.1} ms = {:.1} GFLOP/s direct-equivalent, {:.2}× the forward (best of 4)",
                flop / forward / 1e6,
                3.0 * flop / both / 1e6,
                flop / inference / 1e6,
                forward / inference
            );
        }
    }
}
