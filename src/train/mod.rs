//! Training and evaluation shared by the worker and the CLI. `metrics` is plain Rust; the
//! step-wise engine joins it with the training core.

pub mod metrics;
