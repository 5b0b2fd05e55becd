//! A trained ConvNet on disk (or in memory, for the worker): everything evaluation needs.
//!
//! Layout: the magic line `lectern-checkpoint 1\n`, a little-endian u32 length, a JSON header of
//! that length ([`CheckpointHeader`]: the model's configuration and the training set's channel
//! statistics, which inputs must be normalised with), then the weights as a Burn record
//! (burnpack bytes, `Module::into_record`). The header also names the data it was trained on
//! (`trained_on`; absent in older files, which still read). The header makes a checkpoint self-describing: loading
//! rebuilds the same architecture and refuses a file whose weights do not fit it.

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, DType, Device};
use serde::{Deserialize, Serialize};

use crate::compute::ReadError;
use crate::data::augment::ChannelStats;
use crate::nn::convnet::{ConvNet, ConvNetConfig};
use crate::settings::SettingsError;
use crate::train::device_copy::copy_to;
use crate::train::trained_on::TrainedOn;

const MAGIC: &[u8] = b"lectern-checkpoint 1\n";

/// Why a checkpoint could not be taken, read or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    #[error(
        "not a lectern checkpoint (it does not start with \u{201c}lectern-checkpoint 1\u{201d}; `lectern train --save` and the notebook's Save write them)"
    )]
    NotACheckpoint,
    #[error("the checkpoint is truncated: {0}")]
    Truncated(String),
    #[error("the checkpoint's header is damaged: {0}")]
    DamagedHeader(String),
    #[error("the checkpoint describes an impossible model: {0}")]
    BadModel(#[from] SettingsError),
    #[error("the checkpoint's weights are damaged: {0}")]
    DamagedWeights(String),
    #[error("the checkpoint's weights do not fit its model: {0}")]
    DoesNotFit(String),
    #[error("could not serialise the weights: {0}")]
    Serialise(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: {error}")]
    File { path: String, error: String },
}

/// What a checkpoint says about its weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointHeader {
    pub model: ConvNetConfig,
    /// Normalisation of the training subset: evaluation inputs are normalised the same way.
    pub stats: ChannelStats,
    /// Finished epochs when it was taken.
    pub epochs: usize,
    /// The data it was trained on (`None` in checkpoints written before lectern kept it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_on: Option<TrainedOn>,
}

/// A header and the weights' Burn record.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub header: CheckpointHeader,
    record: Vec<u8>,
}

impl Checkpoint {
    /// Takes the weights of `model` (BatchNorm running statistics included), on any device.
    ///
    /// Burn's record reads tensors synchronously, which WebGPU in a browser cannot do; so the
    /// weights are first read back asynchronously (one round trip) into a CPU copy.
    pub async fn of(model: &ConvNet, header: CheckpointHeader) -> Result<Self, CheckpointError> {
        let on_cpu = copy_to(model, &crate::compute::ndarray_device()).await?;
        Self::of_cpu_model(on_cpu, header)
    }

    fn of_cpu_model(model: ConvNet, header: CheckpointHeader) -> Result<Self, CheckpointError> {
        let record = model
            .into_record()
            .into_bytes()
            .map_err(|e| CheckpointError::Serialise(e.to_string()))?;
        Ok(Self {
            header,
            record: record.to_vec(),
        })
    }

    /// Names the data the weights were trained on.
    pub fn trained_on(mut self, data: TrainedOn) -> Self {
        self.header.trained_on = Some(data);
        self
    }

    /// What to tell a student who evaluates this model on `data` (in a few words) with class
    /// names `classes` (`None`: not known): one sentence when it was trained on other data.
    pub fn other_data(&self, data: &str, classes: Option<&[String]>) -> Option<String> {
        self.header.trained_on.as_ref()?.mismatch(data, classes)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).expect("the header is plain data");
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + self.record.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.record);
        out
    }

    /// Reads a checkpoint, refusing anything that is not one (with the reason).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        let rest = bytes
            .strip_prefix(MAGIC)
            .ok_or(CheckpointError::NotACheckpoint)?;
        let (length, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| CheckpointError::Truncated("no header length".into()))?;
        let length = u32::from_le_bytes(*length) as usize;
        if rest.len() < length {
            return Err(CheckpointError::Truncated(format!(
                "its header should be {length} bytes, {} are left",
                rest.len()
            )));
        }
        let (header, record) = rest.split_at(length);
        let header: CheckpointHeader = serde_json::from_slice(header)
            .map_err(|e| CheckpointError::DamagedHeader(e.to_string()))?;
        header.model.validate()?;
        if record.is_empty() {
            return Err(CheckpointError::Truncated(
                "it holds no weights after its header".into(),
            ));
        }
        Ok(Self {
            header,
            record: record.to_vec(),
        })
    }

    /// Rebuilds the network on `device` and loads the weights into it.
    pub fn model(&self, device: &Device) -> Result<ConvNet, CheckpointError> {
        let bytes = Bytes::from_bytes_vec(self.record.clone()).shared();
        float_tensors_only(bytes.clone())?;
        let record = ModuleRecord::from_bytes(bytes)
            .map_err(|e| CheckpointError::DamagedWeights(e.to_string()))?;
        self.header
            .model
            .init(device)
            .try_load_record(record)
            .map_err(|e| CheckpointError::DoesNotFit(e.to_string()))
    }

    /// Writes the file whole or not at all: a temporary file beside it, then a rename, so an
    /// older checkpoint at `path` survives any failure.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn save(&self, path: &std::path::Path) -> Result<(), CheckpointError> {
        let mut staging = path.as_os_str().to_owned();
        staging.push(".partial");
        let staging = std::path::PathBuf::from(staging);
        std::fs::write(&staging, self.to_bytes())
            .and_then(|()| std::fs::rename(&staging, path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&staging);
                CheckpointError::File {
                    path: path.display().to_string(),
                    error: format!("could not write the checkpoint: {e}"),
                }
            })
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path) -> Result<Self, CheckpointError> {
        let file = |error: String| CheckpointError::File {
            path: path.display().to_string(),
            error,
        };
        let bytes = std::fs::read(path).map_err(|e| file(e.to_string()))?;
        Self::from_bytes(&bytes).map_err(|e| file(e.to_string()))
    }
}

/// Refuses a record holding a tensor of another type than f32 (lectern writes no other): Burn
/// panics loading one into a float parameter (found by the fuzzer: an edited dtype byte).
fn float_tensors_only(bytes: Bytes) -> Result<(), CheckpointError> {
    let damaged = |e: burn_pack::Error| CheckpointError::DamagedWeights(e.to_string());
    let tensors = burn_pack::Reader::from_bytes(bytes)
        .and_then(burn_pack::Reader::into_tensors)
        .map_err(damaged)?;
    match tensors.iter().find(|t| t.dtype != DType::F32) {
        Some(t) => Err(CheckpointError::DamagedWeights(format!(
            "tensor {} is stored as {:?}, where a lectern checkpoint holds f32",
            t.name, t.dtype
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::model::{ConvPath, ModelSettings};

    #[test]
    fn a_weight_stored_as_another_type_than_f32_is_refused_not_a_panic() {
        // Found by the fuzzer (tests/fuzz, checkpoint case 625,358): one tensor's dtype in the
        // burnpack metadata edited from F32 to I32 made Burn panic while loading ("Expected
        // float dtype, got I32"), which ends the browser's worker.
        let settings = ModelSettings {
            widths: [2, 3],
            kernel: 3,
            batch_norm: true,
            dropout: 0.0,
        };
        let config = ConvNetConfig::from_settings(&settings, ConvPath::OwnKernel);
        let model = config.init(&crate::compute::ndarray_device());
        let header = CheckpointHeader {
            model: config,
            stats: ChannelStats {
                mean: [0.5; 3],
                std: [0.25; 3],
            },
            epochs: 1,
            trained_on: None,
        };
        let mut bytes = pollster::block_on(Checkpoint::of(&model, header))
            .unwrap()
            .to_bytes();
        let at = bytes.windows(3).position(|w| w == b"F32").unwrap();
        bytes[at] = b'I';
        let checkpoint = Checkpoint::from_bytes(&bytes).unwrap();
        let err = checkpoint
            .model(&crate::compute::ndarray_device())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the checkpoint's weights are damaged: tensor ")
                && err.ends_with(" is stored as I32, where a lectern checkpoint holds f32"),
            "{err}"
        );
    }
}
