//! A GPU that stops answering, in headless Chromium on its software adapter (SwiftShader): one
//! read-back of a run never resolves (a test seam substitutes a future that never does for it,
//! under the worker's own watch), and the watchdog moves the run to the CPU with its history.
//! In its own test binary: the watchdog gives the GPU up for the rest of the worker.
//!
//! Run by `make test-wasm` (wasm-bindgen-test-runner with `webdriver.json`'s WebGPU flags).
#![cfg(all(target_arch = "wasm32", feature = "webgpu"))]

#[path = "support/driven.rs"]
mod driven;

use std::cell::Cell;

use driven::{Driven, tiny};
use lectern::compute::{PendingRead, watch_reads};
use lectern::protocol::training::Event;
use lectern::protocol::{Backend, BackendRequest, FromWorker};
use lectern::worker::device_loss;
use lectern::worker::tasks::now_ms;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

thread_local! {
    /// Set: the next read-back never resolves.
    static STALL_NEXT: Cell<bool> = const { Cell::new(false) };
}

/// The worker's watch, with the next read-back swapped for one that never resolves when asked.
fn stall_next(read: PendingRead<'_>) -> PendingRead<'_> {
    if STALL_NEXT.with(|s| s.replace(false)) {
        drop(read);
        return device_loss::watch(Box::pin(std::future::pending()));
    }
    device_loss::watch(read)
}

#[wasm_bindgen_test]
async fn a_read_back_that_never_resolves_moves_the_run_to_the_cpu() {
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
    watch_reads(stall_next);
    // 4 batches an epoch, 2 epochs: epoch 2's read-back at its end is the one that hangs.
    w.start(1, 10, tiny(2, 25));
    w.epoch(1).await;
    STALL_NEXT.with(|s| s.set(true));
    let stalled_at = now_ms();
    w.wait_for("the move to the CPU", |m| {
        matches!(m, FromWorker::ConvNet(Event::MovedToCpu { .. }))
    })
    .await;
    let waited = now_ms() - stalled_at;
    assert!(waited >= 30_000.0, "gave up after {waited} ms, before 30 s");
    let (epoch, reason) = w.finished_after_moving_to_cpu().await;
    assert_eq!(epoch, 1, "it continues from the end of epoch 1");
    assert!(
        reason.starts_with("The GPU was lost (it did not answer a read-back for "),
        "{reason}"
    );
    assert_eq!(w.epochs(), vec![1, 2], "epoch 1 kept, 2 on the CPU");
    assert!(device_loss::lost().is_some(), "the GPU is given up");
}
