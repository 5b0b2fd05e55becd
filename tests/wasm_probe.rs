//! The backend probe in a real browser (headless Chromium), inside a dedicated worker as in the
//! app: on the CPU, and on WebGPU forced onto Chromium's software (SwiftShader) adapter. The
//! training engine runs a few steps, evaluates and round-trips a checkpoint on both.
//!
//! Run by `make test-wasm` (wasm-bindgen-test-runner with `webdriver.json`'s WebGPU flags).
#![cfg(all(target_arch = "wasm32", feature = "worker"))]

use burn::tensor::Device;
use lectern::compute::{dead_relu, theory_autodiff::autodiff_at};
use lectern::data::cifar::Batch;
use lectern::data::toy::toy_records;
use lectern::nn::convnet::{ConvNetConfig, ConvPath};
use lectern::protocol::{Backend, BackendRequest, DeadReluSettings};
use lectern::theory::Network;
use lectern::train::checkpoint::Checkpoint;
use lectern::train::engine::{TrainConfig, Trainer, evaluate};
use lectern::worker::backend::choose;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// A small ConvNet trains a few steps on `device`, evaluates, and a checkpoint of it (through
/// bytes, as the worker would hold it) scores the same confusion matrix.
async fn engine_works_on(device: &Device, conv_path: ConvPath) {
    let config = TrainConfig::new(
        ConvNetConfig::new()
            .with_widths([4, 8])
            .with_conv_path(conv_path),
    )
    .with_batch(10)
    .with_epochs(1);
    let train = Batch::parse(toy_records(3, 2)).unwrap();
    let test = Batch::parse(toy_records(2, 9)).unwrap();
    let mut trainer = Trainer::new(config, train, device).unwrap();
    let mut losses = Vec::new();
    while !trainer.finished() {
        let event = trainer.step(|| 0.0).await.expect("a training step");
        losses.push(event.loss);
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
    assert_eq!(confusion.counts.iter().flatten().sum::<usize>(), 20);
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
    engine_works_on(&chosen.device, ConvPath::Patches).await;
    engine_works_on(&chosen.device, ConvPath::Direct).await;
}

#[wasm_bindgen_test]
async fn forced_webgpu_runs_on_the_fallback_adapter_and_automatic_prefers_the_cpu() {
    let mut gpu = None;
    let chosen = choose(BackendRequest::WebGpu, &mut gpu)
        .await
        .expect("some backend works");
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
    assert!(gpu.is_some());

    // The theory cell's autodiff cross-check and the dead-ReLU demo run on WebGPU too.
    let r = autodiff_at(&Network::default(), 2.0, &chosen.device)
        .await
        .expect("autodiff on WebGPU");
    assert_eq!((r.h, r.slope), (15.0, 6.0));
    let settings = DeadReluSettings {
        steps: 30,
        bias_init: -2.0,
        ..Default::default()
    };
    let report = dead_relu::run(&settings, &chosen.device)
        .await
        .expect("training on WebGPU");
    assert_eq!(report.dead_at_init[1], settings.hidden, "{report:?}");
    engine_works_on(&chosen.device, ConvPath::Direct).await;

    // With only a software adapter, the automatic choice is the CPU, and it says why.
    let auto = choose(BackendRequest::Auto, &mut gpu)
        .await
        .expect("the CPU backend works");
    assert_eq!(auto.backend, Backend::Cpu);
    let note = auto.note.expect("a note explains the choice");
    assert!(note.contains("software"), "{note}");

    // The already-started WebGPU runtime is reused, not initialised twice.
    let again = choose(BackendRequest::WebGpu, &mut gpu)
        .await
        .expect("some backend works");
    assert!(
        matches!(again.backend, Backend::WebGpu { .. }),
        "{:?}",
        again.note
    );
}
