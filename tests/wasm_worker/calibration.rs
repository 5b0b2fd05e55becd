//! WebGPU only where it wins: the calibration at start on Chromium's software adapter
//! (SwiftShader), where the CPU must win training and evaluation, within its time; and the copy
//! of a model between the CPU and WebGPU that evaluation on the other backend takes.

use burn::tensor::Device;
use lectern::calibration::{BackendKind, decide};
use lectern::compute::ndarray_device;
use lectern::data::augment::ChannelStats;
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::nn::convnet::{ConvNetConfig, ConvPath};
use lectern::protocol::{Backend, BackendRequest};
use lectern::train::checkpoint::{Checkpoint, CheckpointHeader};
use lectern::train::device_copy::copy_to;
use lectern::train::engine::evaluate;
use lectern::worker::backend::{ChosenBackend, choose};
use lectern::worker::calibrate::{BUDGET_MS, apply, measure};
use lectern::worker::tasks::now_ms;
use wasm_bindgen_test::*;

use crate::GPU;

/// WebGPU forced onto the software adapter, on the device the tests share.
async fn software_webgpu() -> ChosenBackend {
    let mut gpu = GPU.with(|g| g.borrow().clone());
    let chosen = choose(BackendRequest::WebGpu, &mut gpu)
        .await
        .expect("some backend works");
    GPU.with(|g| *g.borrow_mut() = gpu.clone());
    assert!(chosen.backend.is_webgpu(), "{:?}", chosen.note);
    chosen
}

#[wasm_bindgen_test]
async fn on_a_software_adapter_the_cpu_trains_and_evaluates_and_both_figures_are_shown() {
    let webgpu = software_webgpu().await;
    let started = now_ms();
    let timings = measure(&ndarray_device(), &webgpu.device).await;
    let took = now_ms() - started;
    console_log!("CALIBRATION on SwiftShader and the CPU, {took:.0} ms: {timings:?}");
    let cpu = timings.cpu;
    let webgpu_speeds = timings.webgpu.clone().expect("WebGPU ran");
    assert!(
        cpu.train.images_per_second().is_some() && cpu.forward.images_per_second().is_some(),
        "{timings:?}"
    );
    // No unit starts once the time is up; the one running then finishes (on SwiftShader a
    // WebGPU training step holds the worker for seconds, inside its WebGPU calls).
    let longest_unit_ms = [
        cpu.train,
        cpu.forward,
        webgpu_speeds.train,
        webgpu_speeds.forward,
    ]
    .iter()
    .filter_map(|s| s.images_per_second())
    .map(|rate| 64_000.0 / rate)
    .fold(0.0, f64::max);
    assert!(
        took < BUDGET_MS + longest_unit_ms + 500.0,
        "calibration took {took:.0} ms, its longest unit {longest_unit_ms:.0} ms"
    );

    let choice = decide(BackendRequest::Auto, &timings).expect("Auto is decided by timings");
    assert_eq!(
        (choice.train, choice.evaluate),
        (BackendKind::Cpu, BackendKind::Cpu),
        "{}",
        choice.note
    );
    let chosen = apply(webgpu, choice).await;
    assert_eq!(chosen.backend, Backend::Cpu);
    assert!(chosen.evaluate_on.is_none());
    assert!(chosen.report.matmul_max_error < 1e-4, "{:?}", chosen.report);
    let note = chosen.note.expect("the note shows the figures");
    console_log!("CALIBRATION note: {note}");
    assert!(
        note.starts_with("Measured at start")
            && note.contains("training: WebGPU ")
            && note.contains("evaluating: WebGPU ")
            && note.ends_with("Training and evaluating on the CPU."),
        "{note}"
    );
}

#[wasm_bindgen_test]
async fn a_model_copied_to_webgpu_and_back_keeps_every_weight_and_evaluates_there() {
    let webgpu = software_webgpu().await;
    let config = ConvNetConfig::new()
        .with_widths([4, 8])
        .with_conv_path(ConvPath::Burn);
    let model = config.init(&ndarray_device().autodiff());
    let on_gpu = copy_to(&model, &webgpu.device).await.expect("to WebGPU");
    let back = copy_to(&on_gpu, &ndarray_device()).await.expect("back");
    let stats = ChannelStats {
        mean: [0.5; 3],
        std: [0.25; 3],
    };
    let bytes = async |m| {
        let header = CheckpointHeader {
            model: config.clone(),
            stats,
            epochs: 0,
            trained_on: None,
        };
        Checkpoint::of(m, header).await.unwrap().to_bytes()
    };
    assert!(bytes(&model).await == bytes(&back).await, "weights changed");
    let test = Records::parse(toy_records(2, 9)).unwrap();
    let gpu: &Device = &webgpu.device;
    let confusion = evaluate(&on_gpu, &stats, &test, 8, gpu)
        .await
        .expect("evaluation on WebGPU");
    assert_eq!(confusion.total(), 20);
}
