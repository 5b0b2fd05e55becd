//! The compute worker in a real browser (headless Chromium), inside a dedicated worker as in the
//! app: the CPU path's own kernels (convolution, BatchNorm, max-pool) against Burn's; the backend
//! probe on the CPU and on WebGPU forced onto Chromium's software adapter (SwiftShader); the
//! training engine on both; and the worker's message handling driven as the
//! page drives it — a session trains the toy set on each backend, a Stop is handled within a
//! batch, and an injected loss of the GPU device moves the run to the CPU with its history; and
//! the calibration at start, where SwiftShader must lose to the CPU.
//!
//! One test binary (Burn's WebGPU runtime starts once a worker, so its tests share one device,
//! `GPU`): `kernels`, `messages`, `backends`, `calibration`, `sessions` (these drive the worker
//! through `tests/support/driven.rs`, as the lost-GPU binaries do).
//!
//! Run by `make test-wasm` (wasm-bindgen-test-runner with `webdriver.json`'s WebGPU flags).
#![cfg(all(target_arch = "wasm32", feature = "webgpu"))]

#[path = "../support/driven.rs"]
mod driven;

mod backends;
mod calibration;
mod kernels;
mod messages;
mod parallel;
mod sessions;

use std::cell::RefCell;

use burn::tensor::Device;
use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

thread_local! {
    /// Burn's WebGPU runtime starts once a worker: every test shares the device.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}
