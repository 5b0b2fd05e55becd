//! lectern: an in-browser deep-learning notebook.
//!
//! The library holds the web-free core (`settings`, `theory`, `data`, `nn`, `train`, `paper`,
//! `compute`, and the message `protocol`), the UI bundle's components (`ui`, feature `ui`), the
//! compute worker (`worker`, feature `worker`) and the native CLI (`cli`, feature `cli`). See
//! ARCHITECTURE.md for the map and its invariants.

pub mod backend_choice;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compute;
pub mod data;
pub mod format;
pub mod nn;
pub mod paper;
pub mod protocol;
pub mod run_id;
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
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
