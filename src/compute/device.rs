//! The devices Burn computes on (`ndarray_device`, `flex_device`), the convolution paths each
//! backend runs fastest (`ComputeBackend::conv_paths`), and reading results back from a device
//! (`read_f32`, `read_many`, through the `ReadWatch` a worker may install).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use burn::tensor::{Device, Tensor, TensorData, Transaction};

use crate::settings::model::ConvPath;

/// burn-ndarray on the CPU: the notebook's CPU backend (the one lectern was asked to use).
///
/// Burn 0.22 deprecates ndarray in favour of `flex`; the choice lives in this one place.
#[allow(deprecated)]
pub fn ndarray_device() -> Device {
    Device::ndarray()
}

/// burn-flex, Burn 0.22's newer pure-Rust CPU backend.
#[cfg(feature = "cli")]
pub fn flex_device() -> Device {
    Device::flex()
}

/// A backend that computes the ConvNet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputeBackend {
    /// burn-ndarray (CPU).
    Ndarray,
    /// burn-flex (CPU).
    Flex,
    /// Burn's wgpu backend (WebGPU in the browser).
    WebGpu,
}

/// How to compute the convolutions for training and for evaluation on a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvPaths {
    pub train: ConvPath,
    pub eval: ConvPath,
}

impl ComputeBackend {
    /// The fastest convolution paths, as `lectern bench` and `make bench` measured them.
    /// burn-ndarray's convolution backward pass is a scalar loop, so it trains fastest with one
    /// matrix product over shifted inputs; natively its forward convolution is the faster one,
    /// in WebAssembly (one thread) the matrix product again.
    pub fn conv_paths(self) -> ConvPaths {
        let (train, eval) = match self {
            ComputeBackend::Ndarray if cfg!(target_arch = "wasm32") => {
                (ConvPath::OwnKernel, ConvPath::OwnKernel)
            }
            ComputeBackend::Ndarray => (ConvPath::OwnKernel, ConvPath::Burn),
            ComputeBackend::Flex | ComputeBackend::WebGpu => (ConvPath::Burn, ConvPath::Burn),
        };
        ConvPaths { train, eval }
    }
}

/// Reading a result back from the device failed (on WebGPU: e.g. the device was lost).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("reading results back from the device failed: {0}")]
pub struct ReadError(pub String);

/// A read-back tensor's values as f32.
pub trait ToF32s {
    fn to_f32s(&self) -> Result<Vec<f32>, ReadError>;
}

impl ToF32s for TensorData {
    fn to_f32s(&self) -> Result<Vec<f32>, ReadError> {
        self.as_slice::<f32>()
            .map(<[f32]>::to_vec)
            .map_err(|e| ReadError(format!("{e:?}")))
    }
}

/// Reads a tensor's values back as f32, asynchronously (the only way WebGPU allows in a browser).
pub async fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ReadError> {
    let data = watched(Box::pin(async move {
        let data = tensor
            .into_data_async()
            .await
            .map_err(|e| ReadError(format!("{e:?}")))?;
        Ok(vec![data])
    }))
    .await?;
    data[0].to_f32s()
}

/// Reads several tensors back in one device round trip (each read is a round trip, costly on
/// WebGPU), in the order given.
pub async fn read_many<const D: usize>(
    tensors: impl IntoIterator<Item = Tensor<D>>,
) -> Result<Vec<TensorData>, ReadError> {
    let transaction = tensors
        .into_iter()
        .fold(Transaction::default(), |t, tensor| t.register(tensor));
    watched(Box::pin(async move {
        transaction
            .execute_async()
            .await
            .map_err(|e| ReadError(format!("{e:?}")))
    }))
    .await
}

/// A read-back in flight, as a [`ReadWatch`] receives it.
pub type PendingRead<'a> = Pin<Box<dyn Future<Output = Result<Vec<TensorData>, ReadError>> + 'a>>;

/// Wraps every read-back of this thread: the browser worker's gives up on a GPU that never
/// answers (`worker::device_loss`). Nothing is installed natively.
pub type ReadWatch = for<'a> fn(PendingRead<'a>) -> PendingRead<'a>;

thread_local! {
    static READ_WATCH: Cell<Option<ReadWatch>> = const { Cell::new(None) };
}

/// Installs `watch` around every later read-back of this thread (replacing any earlier one).
pub fn watch_reads(watch: ReadWatch) {
    READ_WATCH.with(|w| w.set(Some(watch)));
}

async fn watched(read: PendingRead<'_>) -> Result<Vec<TensorData>, ReadError> {
    match READ_WATCH.with(Cell::get) {
        Some(watch) => watch(read).await,
        None => read.await,
    }
}
