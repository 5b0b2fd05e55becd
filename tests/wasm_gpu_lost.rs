//! A real loss of the GPU device, in headless Chromium on its software adapter (SwiftShader): the
//! device is destroyed mid-run (`GPUDevice.destroy()`, as a driver reset or a closed lid loses it)
//! and the browser's `lost` promise — not a test switch — moves the run to the CPU with its
//! history. In its own test binary: the worker has no GPU afterwards.
//!
//! Run by `make test-wasm` (wasm-bindgen-test-runner with `webdriver.json`'s WebGPU flags).
#![cfg(all(target_arch = "wasm32", feature = "webgpu"))]

#[path = "support/driven.rs"]
mod driven;

use driven::{Driven, tiny};
use lectern::protocol::{Backend, BackendRequest, FromWorker};
use lectern::worker::device_loss;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn a_gpu_destroyed_mid_run_moves_the_run_to_the_cpu_with_its_history() {
    let mut w = Driven::new();
    let probe = w.ready(BackendRequest::WebGpu).await;
    assert!(
        matches!(
            &probe,
            FromWorker::BackendReady {
                backend: Backend::WebGpu { .. },
                ..
            }
        ),
        "{probe:?}"
    );
    // 100 images in batches of 25: 4 batches an epoch, 3 epochs.
    w.start(1, 10, tiny(3, 25));
    w.epoch(1).await;
    device_loss::watched_device()
        .expect("the probe's device is watched")
        .destroy();
    let (epoch, reason) = w.finished_after_moving_to_cpu().await;
    assert_eq!(epoch, 1, "it continues from the end of epoch 1");
    assert!(
        reason.starts_with("The GPU was lost (it was destroyed"),
        "{reason}"
    );
    assert!(reason.contains("from the end of epoch 1"), "{reason}");
    assert_eq!(
        w.epochs(),
        vec![1, 2, 3],
        "epoch 1 kept, 2 and 3 on the CPU"
    );
    assert!(
        w.seen.iter().any(|m| matches!(
            m,
            FromWorker::BackendChanged { backend: Backend::Cpu, reason: r } if *r == reason
        )),
        "the backend badge hears it too"
    );

    // Asked for WebGPU again, the worker says why the GPU is gone and trains on the CPU.
    w.seen.clear();
    let probe = w.ready(BackendRequest::WebGpu).await;
    let FromWorker::BackendReady {
        backend: Backend::Cpu,
        note: Some(note),
        ..
    } = probe
    else {
        panic!("{probe:?}");
    };
    assert!(note.contains("the GPU was lost earlier"), "{note}");
    assert!(note.contains("reload the page"), "{note}");
}
