//! Training and evaluation shared by the worker and the CLI. `metrics` is plain Rust; the
//! step-wise engine joins it with the training core.

#[cfg(feature = "compute")]
pub mod bench;
#[cfg(feature = "compute")]
pub mod checkpoint;
#[cfg(feature = "compute")]
pub mod engine;
pub mod metrics;
