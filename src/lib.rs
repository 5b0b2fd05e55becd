//! lectern: an in-browser deep-learning notebook.
//!
//! The library holds the web-free core (`settings`, `theory`, `data`, `nn`, `train`, `paper`,
//! `compute`, and the message `protocol`), the UI bundle's components (`ui`, feature `ui`), the
//! compute worker (`worker`, feature `worker`) and the native CLI (`cli`, feature `cli`). See
//! ARCHITECTURE.md for the map and its invariants.

/// Whether this build acts on the test fault `inject=device-lost` (the page reads it, the worker
/// loses its GPU on cue): only a build for the tests — with the `test-support` feature (the
/// wasm tests), or a Trunk build the end-to-end suite makes with `LECTERN_TEST_SUPPORT=1` in its
/// environment (`make test-e2e`; Trunk's index.html fixes the bundles' cargo features). Any other
/// build, a class's site among them, treats `inject` as an unknown key and has no fault code.
pub const TEST_FAULTS: bool =
    cfg!(feature = "test-support") || option_env!("LECTERN_TEST_SUPPORT").is_some();

pub mod backend_choice;
pub mod calibration;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compute;
pub mod data;
pub mod format;
pub mod nn;
pub mod paper;
pub mod protocol;
pub mod run_id;
#[cfg(all(not(target_arch = "wasm32"), any(test, feature = "test-support")))]
pub mod scratch;
pub mod settings;
pub mod theory;
pub mod train;
#[cfg(feature = "ui")]
pub mod ui;
#[cfg(feature = "web")]
pub mod webgpu_adapter;
#[cfg(feature = "web")]
pub mod wire;
#[cfg(feature = "worker")]
pub mod worker;
