//! The backend probe on the CPU and on WebGPU (Chromium's software adapter), and the training
//! engine on each.

use burn::tensor::Device;
use lectern::compute::{dead_relu, theory_autodiff::autodiff_at};
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::protocol::{Backend, BackendRequest};
use lectern::settings::dead_relu::DeadReluSettings;
use lectern::settings::model::ConvPath;
use lectern::theory::Network;
use lectern::train::checkpoint::Checkpoint;
use lectern::train::engine::{Trainer, evaluate};
use lectern::worker::backend::choose;
use lectern::worker::tasks::now_ms;
use wasm_bindgen_test::*;

use crate::GPU;
use crate::driven::tiny;

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
