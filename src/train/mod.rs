//! Training and evaluation shared by the worker and the CLI. `metrics`, `progress` (what a run
//! reports), `shown` (what a model shows), `cell` (the training cells) and `kept` (a run kept for
//! a reload) are plain Rust (the page uses them too); the rest runs Burn.

#[cfg(feature = "compute")]
pub mod bench;
pub mod cell;
#[cfg(feature = "compute")]
pub mod checkpoint;
#[cfg(feature = "compute")]
pub mod device_copy;
#[cfg(feature = "compute")]
pub mod engine;
pub mod kept;
pub mod metrics;
#[cfg(feature = "compute")]
pub mod parallel;
pub mod progress;
#[cfg(feature = "compute")]
pub mod results;
#[cfg(feature = "compute")]
pub mod run;
pub mod shown;
pub mod trained_on;
