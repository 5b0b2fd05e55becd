//! The compute worker in a real browser (headless Chromium), inside a dedicated worker as in the
//! app: the CPU path's own kernels (convolution, BatchNorm, max-pool) against Burn's; the backend
//! probe on the CPU and on WebGPU forced onto Chromium's software adapter (SwiftShader); the
//! training engine on both; and the worker's message handling driven as the
//! page drives it — a session trains the toy set on each backend, a Stop is handled within a
//! batch, and an injected loss of the GPU device moves the run to the CPU with its history.
//!
//! Run by `make test-wasm` (wasm-bindgen-test-runner with `webdriver.json`'s WebGPU flags).
#![cfg(all(target_arch = "wasm32", feature = "webgpu"))]

use std::cell::RefCell;
use std::rc::Rc;

use burn::module::Module;
use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d};
use burn::tensor::Device;
use burn::tensor::{Tensor, TensorData};
use lectern::compute::{dead_relu, ndarray_device, read_f32, theory_autodiff::autodiff_at};
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::nn::batch_norm_kernel::batch_norm;
use lectern::nn::conv_kernel::{conv_same_kernel, has_cpu_kernels};
use lectern::nn::conv_unit_inference::{self, conv_unit_inference};
use lectern::nn::convnet::ConvNetConfig;
use lectern::nn::pool_kernel::{awkward_values, max_pool};
use lectern::protocol::examples::every_reply;
use lectern::protocol::training::{DataSource, Event, Request};
use lectern::protocol::{Backend, BackendRequest, FromWorker, RunId, ToWorker};
use lectern::settings::data::{DatasetKind, SubsetSettings};
use lectern::settings::dead_relu::DeadReluSettings;
use lectern::settings::model::{ConvPath, ModelSettings};
use lectern::settings::train::{Schedule, TrainSettings};
use lectern::theory::Network;
use lectern::train::checkpoint::Checkpoint;
use lectern::train::engine::{Trainer, evaluate};
use lectern::wire;
use lectern::worker::backend::choose;
use lectern::worker::envelope::{Incoming, capture_posts, take_captured};
use lectern::worker::tasks::{now_ms, yield_now};
use lectern::worker::{WorkerState, receive};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

thread_local! {
    /// Burn's WebGPU runtime starts once a worker: every test shares the device.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

fn tiny(epochs: usize, batch: usize) -> TrainSettings {
    TrainSettings {
        model: ModelSettings {
            widths: [4, 8],
            ..ModelSettings::default()
        },
        epochs,
        batch,
        warmup_epochs: 0,
        schedule: Schedule::Constant,
        ..TrainSettings::default()
    }
}

/// A small ConvNet trains a few steps on `device`, evaluates, and a checkpoint of it (through
/// bytes, as the worker would hold it) scores the same confusion matrix.
async fn engine_works_on(device: &Device, conv_path: ConvPath) {
    let train = Records::parse(toy_records(3, 2)).unwrap();
    let test = Records::parse(toy_records(2, 9)).unwrap();
    let mut trainer = Trainer::new(&tiny(1, 10), conv_path, train, device).unwrap();
    let mut losses = Vec::new();
    while !trainer.finished() {
        trainer.step();
        for r in trainer.report(now_ms).await.expect("a report") {
            losses.push(r.loss);
        }
    }
    assert_eq!(losses.len(), 3, "30 images, batch 10");
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    let confusion = trainer.evaluate(&test, 8).await.expect("evaluation");
    let bytes = trainer.checkpoint().await.unwrap().to_bytes();
    let checkpoint = Checkpoint::from_bytes(&bytes).unwrap();
    let model = checkpoint.model(device).unwrap();
    let again = evaluate(&model, &checkpoint.header.stats, &test, 8, device)
        .await
        .unwrap();
    assert_eq!(confusion.counts, again.counts);
    assert_eq!(confusion.total(), 20);
}

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

/// In the browser `lectern::format::parse_number` converts with the browser's `parseFloat`: it
/// reads every sample — accepted or refused, rounded, overflowing, subnormal, −0 — to the bit as
/// Rust's own parser does.
#[wasm_bindgen_test]
fn numbers_read_in_the_browser_as_rusts_parser_reads_them() {
    for text in lectern::format::NUMBER_SAMPLES {
        assert_eq!(
            lectern::format::parse_number(text).map(f64::to_bits),
            text.parse::<f64>().ok().map(f64::to_bits),
            "{text:?}"
        );
    }
}

/// What one end posts the other reads back (`lectern::wire` over a real `postMessage`-shaped
/// payload): every kind of message as it was encoded, to the byte — so −0, the largest finite
/// number and a subnormal keep their exact values — a file's bytes beside a message, and a
/// payload that is not a message (the JSON text of earlier versions, an object without a
/// message, bytes that do not decode) refused with the reason.
#[wasm_bindgen_test]
fn a_posted_message_reads_back_as_it_was_encoded() {
    for message in every_reply() {
        let bytes = message.encode();
        let posted = wire::pack(&bytes, None);
        let (read, beside) = wire::unpack(&posted.payload).unwrap_or_else(|e| panic!("{e}"));
        assert!(beside.is_none());
        let read: FromWorker = lectern::protocol::decode(&read).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, message);
        assert_eq!(read.encode(), bytes);
    }
    let file = js_sys::Uint8Array::from(&[1u8, 2, 3][..]).buffer();
    let posted = wire::pack(
        &ToWorker::InjectDeviceLoss { after_batches: 3 }.encode(),
        Some(file),
    );
    let (read, beside) = wire::unpack(&posted.payload).unwrap();
    assert_eq!(
        lectern::protocol::decode::<ToWorker>(&read),
        Ok(ToWorker::InjectDeviceLoss { after_batches: 3 })
    );
    assert_eq!(beside.map(|b| b.to_vec()), Some(vec![1, 2, 3]));
    assert_eq!(posted.transfer.length(), 2);

    for bad in [
        wasm_bindgen::JsValue::from_str("\"Ready\""),
        js_sys::Object::new().into(),
        wasm_bindgen::JsValue::NULL,
    ] {
        let error = wire::unpack(&bad)
            .err()
            .unwrap_or_else(|| panic!("{bad:?} read"));
        assert!(
            error.contains("neither an ArrayBuffer nor {message, bytes}"),
            "{error}"
        );
    }
    let garbage = wire::pack(&[255, 255, 255, 255, 255, 255], None);
    let (read, _) = wire::unpack(&garbage.payload).unwrap();
    let error = lectern::protocol::decode::<FromWorker>(&read).unwrap_err();
    assert!(error.starts_with("unreadable worker message ("), "{error}");
}

#[wasm_bindgen_test]
async fn cpu_probe_computes_the_right_answer() {
    let mut gpu = None;
    let chosen = choose(BackendRequest::Cpu, &mut gpu)
        .await
        .expect("the CPU backend works");
    assert_eq!(chosen.backend, Backend::Cpu);
    assert_eq!(chosen.note, None);
    assert!(chosen.report.matmul_max_error < 1e-4, "{:?}", chosen.report);
    assert!(
        chosen.report.gradient_max_error < 1e-4,
        "{:?}",
        chosen.report
    );
    assert!(gpu.is_none(), "asking for the CPU must not start WebGPU");
    engine_works_on(&chosen.device, ConvPath::OwnKernel).await;
    engine_works_on(&chosen.device, ConvPath::Burn).await;
}

#[wasm_bindgen_test]
async fn forced_webgpu_runs_on_the_fallback_adapter_and_automatic_prefers_the_cpu() {
    let mut gpu = GPU.with(|g| g.borrow().clone());
    let chosen = choose(BackendRequest::WebGpu, &mut gpu)
        .await
        .expect("some backend works");
    GPU.with(|g| *g.borrow_mut() = gpu.clone());
    match &chosen.backend {
        Backend::WebGpu { fallback, adapter } => {
            assert!(
                *fallback,
                "headless Chromium offers only SwiftShader: {adapter}"
            );
        }
        Backend::Cpu => panic!(
            "WebGPU was forced but the worker fell back: {:?}",
            chosen.note
        ),
    }
    assert!(chosen.report.matmul_max_error < 1e-3, "{:?}", chosen.report);
    assert!(
        chosen.report.gradient_max_error < 1e-3,
        "{:?}",
        chosen.report
    );

    // The theory cell's autodiff cross-check and the dead-ReLU demo run on WebGPU too.
    let r = autodiff_at(&Network::default(), 2.0, &chosen.device)
        .await
        .expect("autodiff on WebGPU");
    assert_eq!((r.h, r.slope), (15.0, 6.0));
    let settings = DeadReluSettings {
        steps: 30,
        bias_init: -3.0,
        ..Default::default()
    };
    let report = dead_relu::run(&settings, &chosen.device)
        .await
        .expect("training on WebGPU");
    assert_eq!(report.dead_at_init[1], settings.hidden, "{report:?}");
    engine_works_on(&chosen.device, ConvPath::Burn).await;

    // With only a software adapter, the automatic choice is the CPU, and it says why.
    let auto = choose(BackendRequest::Auto, &mut gpu)
        .await
        .expect("the CPU backend works");
    assert_eq!(auto.backend, Backend::Cpu);
    let note = auto.note.expect("a note explains the choice");
    assert!(note.contains("software"), "{note}");
}

// ---------------------------------------------------------------- the worker, as the page drives it

/// A worker's state with its messages captured, and everything it said so far.
struct Driven {
    state: Rc<RefCell<WorkerState>>,
    seen: Vec<FromWorker>,
}

impl Driven {
    fn new() -> Self {
        capture_posts();
        let state = WorkerState::with_gpu(GPU.with(|g| g.borrow().clone()));
        Self {
            state: Rc::new(RefCell::new(state)),
            seen: Vec::new(),
        }
    }

    fn send(&self, message: ToWorker) {
        receive(
            Incoming {
                message,
                bytes: None,
            },
            &self.state,
        );
    }

    /// Yields to the event loop until a message satisfies `done` (2 minutes at most).
    async fn wait_for(&mut self, what: &str, done: impl Fn(&FromWorker) -> bool) -> FromWorker {
        let started = now_ms();
        loop {
            self.seen
                .extend(take_captured().into_iter().map(|(message, _)| message));
            if let Some(hit) = self.seen.iter().find(|m| done(m)) {
                return hit.clone();
            }
            assert!(
                now_ms() - started < 120_000.0,
                "no {what} within 2 minutes; the worker said: {:?}",
                self.seen
            );
            yield_now().await;
        }
    }

    /// Probes `backend` and loads the toy set into the ConvNet cell's slot.
    async fn ready(&mut self, backend: BackendRequest) {
        self.send(ToWorker::Probe(backend));
        self.wait_for("backend", |m| matches!(m, FromWorker::BackendReady { .. }))
            .await;
        GPU.with(|g| {
            if g.borrow().is_none() {
                *g.borrow_mut() = self.state.borrow().gpu();
            }
        });
        self.send(ToWorker::ConvNet(Request::LoadData(DataSource::Toy)));
        self.wait_for("the toy set", |m| {
            matches!(m, FromWorker::ConvNet(Event::DataReady(_)))
        })
        .await;
    }

    /// The ConvNet cell's training events so far.
    fn events(&self) -> Vec<Event> {
        self.seen
            .iter()
            .filter_map(|m| match m {
                FromWorker::ConvNet(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    fn start(&self, run: u32, per_class: usize, settings: TrainSettings) {
        self.send(ToWorker::ConvNet(Request::Start {
            run: RunId(run),
            data: DatasetKind::Toy,
            subset: SubsetSettings {
                per_class,
                imbalance: 1.0,
            },
            settings,
            paused: false,
        }));
    }
}

fn steps_of(events: &[Event]) -> Vec<usize> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Steps { steps, .. } => Some(steps.iter().map(|s| s.iteration)),
            _ => None,
        })
        .flatten()
        .collect()
}

fn epochs_of(events: &[Event]) -> Vec<usize> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Epoch(report) => Some(report.epoch),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_stop_sent_while_a_session_runs_is_handled_before_the_epoch_ends() {
    let mut w = Driven::new();
    w.ready(BackendRequest::Cpu).await;
    // 1,000 images in batches of 10: 100 batches in the epoch.
    w.start(1, 100, tiny(1, 10));
    w.wait_for("three batches", |m| {
        matches!(m, FromWorker::ConvNet(Event::Steps { steps, .. }) if steps.iter().any(|s| s.iteration >= 2))
    })
    .await;
    w.send(ToWorker::ConvNet(Request::Stop { run: RunId(1) }));
    w.wait_for("the stop", |m| {
        matches!(m, FromWorker::ConvNet(Event::Stopped { .. }))
    })
    .await;
    let events = w.events();
    let steps = steps_of(&events);
    assert!(epochs_of(&events).is_empty(), "no epoch ended: {steps:?}");
    assert!(
        steps.len() < 50,
        "stopped within a few batches, not at the end: {}",
        steps.len()
    );
    assert!(!events.iter().any(|e| matches!(e, Event::Finished(_))));
}

async fn a_session_trains_on(backend: BackendRequest) {
    let mut w = Driven::new();
    w.ready(backend).await;
    // 100 images in batches of 25: 4 batches an epoch.
    w.start(2, 10, tiny(2, 25));
    let finished = w
        .wait_for("the end of the run", |m| {
            matches!(
                m,
                FromWorker::ConvNet(
                    Event::Finished(_) | Event::Stopped { .. } | Event::Refused { .. }
                )
            )
        })
        .await;
    let FromWorker::ConvNet(Event::Finished(results)) = finished else {
        panic!("the run did not finish: {finished:?}");
    };
    let events = w.events();
    assert_eq!(steps_of(&events), (0..8).collect::<Vec<_>>());
    assert_eq!(epochs_of(&events), vec![1, 2]);
    assert_eq!(results.test.total(), 500, "the toy test set");
    assert_eq!(results.samples.len(), 30);
    let started = events.iter().find_map(|e| match e {
        Event::Started(s) => Some(s.clone()),
        _ => None,
    });
    let backend_used = started.expect("a Started event").backend;
    assert_eq!(
        backend_used.is_webgpu(),
        backend == BackendRequest::WebGpu,
        "{backend_used:?}"
    );
}

#[wasm_bindgen_test]
async fn a_session_trains_the_toy_set_on_the_cpu() {
    a_session_trains_on(BackendRequest::Cpu).await;
}

#[wasm_bindgen_test]
async fn a_session_trains_the_toy_set_on_forced_webgpu() {
    a_session_trains_on(BackendRequest::WebGpu).await;
}

#[wasm_bindgen_test]
async fn a_lost_gpu_device_moves_the_run_to_the_cpu_with_its_history() {
    let mut w = Driven::new();
    w.ready(BackendRequest::WebGpu).await;
    // 4 batches an epoch; the device "fails" at the 7th batch, in epoch 2.
    w.send(ToWorker::InjectDeviceLoss { after_batches: 6 });
    w.start(3, 10, tiny(3, 25));
    let end = w
        .wait_for("the end of the run", |m| {
            matches!(
                m,
                FromWorker::ConvNet(
                    Event::Finished(_) | Event::Stopped { .. } | Event::Refused { .. }
                )
            )
        })
        .await;
    assert!(
        matches!(end, FromWorker::ConvNet(Event::Finished(_))),
        "{end:?}"
    );
    let events = w.events();
    let moved = events.iter().find_map(|e| match e {
        Event::MovedToCpu { epoch, reason, .. } => Some((*epoch, reason.clone())),
        _ => None,
    });
    let (epoch, reason) = moved.expect("the run moved to the CPU");
    assert_eq!(epoch, 1, "it continues from the end of epoch 1");
    assert!(reason.contains("injected test fault"), "{reason}");
    assert_eq!(
        epochs_of(&events),
        vec![1, 2, 3],
        "epoch 1 kept, 2 and 3 trained on the CPU"
    );
    assert!(w.seen.iter().any(|m| matches!(
        m,
        FromWorker::BackendChanged {
            backend: Backend::Cpu,
            ..
        }
    )));
    // Batches after the loss start again at epoch 2's first one (iteration 4).
    let steps = steps_of(&events);
    assert_eq!(*steps.last().unwrap(), 11);
}
