//! Burn-backed computation shared by the worker and the CLI. Backend-agnostic: every function
//! takes a burn `Device`, so the same code runs on burn-ndarray (CPU) and on wgpu (WebGPU).

pub mod dead_relu;
pub mod probe;
pub mod theory_autodiff;

use burn::tensor::Device;

/// The CPU device: burn-ndarray, the CPU backend lectern was asked to use.
///
/// Burn 0.22 deprecates ndarray in favour of `flex`; the choice lives in this one place.
#[allow(deprecated)]
pub fn cpu_device() -> Device {
    Device::ndarray()
}
