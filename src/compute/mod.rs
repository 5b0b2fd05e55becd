//! Burn-backed computation shared by the worker and the CLI. Backend-agnostic: every function
//! takes a burn `Device`, so the same code runs on burn-ndarray (CPU) and on wgpu (WebGPU).

pub mod dead_relu;
pub mod probe;
pub mod theory_autodiff;

use burn::tensor::{Device, Tensor, TensorData, Transaction};

/// The CPU device: burn-ndarray, the CPU backend lectern was asked to use.
///
/// Burn 0.22 deprecates ndarray in favour of `flex`; the choice lives in this one place.
#[allow(deprecated)]
pub fn cpu_device() -> Device {
    Device::ndarray()
}

/// burn-flex, Burn 0.22's newer pure-Rust CPU backend (native builds, for comparison in the bench).
#[cfg(feature = "cli")]
pub fn flex_device() -> Device {
    Device::flex()
}

/// Reads a tensor's values back as f32, asynchronously (the only way WebGPU allows in a browser).
pub async fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, String> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| format!("reading a result back from the device failed: {e:?}"))?;
    data.try_into_vec::<f32>().map_err(|e| format!("{e:?}"))
}

/// Reads several tensors back in one device round trip (each read is a round trip, costly on
/// WebGPU), in the order given.
pub async fn read_many<const D: usize>(
    tensors: impl IntoIterator<Item = Tensor<D>>,
) -> Result<Vec<TensorData>, String> {
    tensors
        .into_iter()
        .fold(Transaction::default(), |t, tensor| t.register(tensor))
        .execute_async()
        .await
        .map_err(|e| format!("reading results back from the device failed: {e:?}"))
}
