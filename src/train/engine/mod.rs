//! The step-wise training engine: one call trains on one batch, so the worker can answer
//! messages between batches and the CLI can draw a progress bar. Same seed + CPU backend ⇒ the
//! same numbers.
//!
//! Nothing is read back from the device while batches are trained ([`Trainer::step`]): losses
//! and predictions stay on the device until a reporting point ([`Trainer::report`]) reads them
//! all in one round trip — every batch on the CPU, every few batches on WebGPU, and always at the
//! end of an epoch. A NaN or infinite loss found there stops training with
//! [`TrainError::Diverged`] and puts back the weights of the last finished epoch.

mod batches;
mod evaluation;
#[cfg(test)]
pub(crate) mod tests;
mod trainer;

pub use batches::{image_values, images_tensor, one_hot};
pub use evaluation::{evaluate, predict, predict_records};
pub use trainer::Trainer;

use crate::compute::ReadError;
use crate::nn::class_balance::ClassBalanceError;
use crate::settings::SettingsError;
use crate::train::checkpoint::CheckpointError;

/// Why training stopped or could not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    ClassBalance(#[from] ClassBalanceError),
    #[error(
        "the loss became {value} at iteration {iteration} (epoch {epoch}): training stopped and the weights of the last finished epoch are kept. Try a smaller learning rate."
    )]
    Diverged {
        value: f32,
        iteration: usize,
        /// 1-based.
        epoch: usize,
    },
    #[error(transparent)]
    Device(#[from] ReadError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A helper worker of a data-parallel run failed; the trainer is where it was before the
    /// batch.
    #[error("a helper worker failed: {0}")]
    Helpers(String),
}
