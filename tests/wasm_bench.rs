//! `make bench`, in the browser: the ConvNet's training and forward-only throughput inside a
//! dedicated worker in headless Chromium, as the notebook runs it — burn-ndarray compiled to
//! WebAssembly (one thread), with each way of computing the convolutions, and WebGPU on whatever
//! adapter the browser offers (SwiftShader, a software rasteriser, in headless Chromium here).
//! Ignored by `make test`: it measures, it does not check.
#![cfg(all(target_arch = "wasm32", feature = "worker"))]

use lectern::protocol::{Backend, BackendRequest};
use lectern::settings::model::ConvPath;
use lectern::train::bench::{BenchSettings, bench};
use lectern::worker::backend::choose;
use lectern::worker::tasks::now_ms;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
#[ignore = "a benchmark: run it with make bench"]
async fn convnet_throughput_in_a_worker() {
    let mut gpu = None;
    let cpu = choose(BackendRequest::Cpu, &mut gpu).await.unwrap();
    let settings = BenchSettings::default();
    for conv_path in [ConvPath::Patches, ConvPath::Direct] {
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
    let flex = lectern::compute::flex_device();
    for conv_path in [ConvPath::Patches, ConvPath::Direct] {
        let settings = BenchSettings {
            conv_path,
            ..settings.clone()
        };
        let report = bench(&settings, &flex, now_ms).await.unwrap();
        console_log!(
            "BENCH wasm cpu (burn-flex) {conv_path:?}: train {:.1} img/s, forward {:.1} img/s; {}",
            report.train.median_images_per_second,
            report.forward.median_images_per_second,
            serde_json::to_string(&report).unwrap()
        );
    }
    let gpu_choice = choose(BackendRequest::WebGpu, &mut gpu).await.unwrap();
    if let Backend::WebGpu { adapter, fallback } = &gpu_choice.backend {
        // A software adapter is slow: fewer, shorter chunks.
        let settings = BenchSettings {
            conv_path: ConvPath::Direct,
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
