//! Burn-backed computation shared by the worker and the CLI (feature `compute`). Backend-agnostic:
//! every function takes a burn `Device`, so the same code runs on burn-ndarray or burn-flex (CPU)
//! and on wgpu (WebGPU). What the computations report (`reports`) is plain data, compiled
//! everywhere: the page shows it, the protocol carries it.

#[cfg(feature = "compute")]
pub mod dead_relu;
#[cfg(feature = "compute")]
mod device;
#[cfg(feature = "compute")]
pub mod probe;
pub mod reports;
#[cfg(feature = "compute")]
pub mod theory_autodiff;

#[cfg(feature = "compute")]
pub use device::*;
