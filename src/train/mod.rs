//! Training and evaluation shared by the worker and the CLI. `metrics` and `progress` are plain
//! Rust (the page uses them too), and so is `kept` (a run kept for a reload); the rest runs Burn.

#[cfg(feature = "compute")]
pub mod bench;
#[cfg(feature = "compute")]
pub mod checkpoint;
#[cfg(feature = "compute")]
pub mod engine;
pub mod kept;
pub mod metrics;
pub mod progress;
#[cfg(feature = "compute")]
pub mod results;
#[cfg(feature = "compute")]
pub mod run;
pub mod trained_on;
