//! Data-parallel training: a batch split into shards, one per worker, each worker holding a
//! replica of the model. Every step the trainer sends each helper its shard and the current
//! weights ([`ShardJob`]), trains its own shard meanwhile, adds the helpers' gradients to its own
//! and takes one optimiser step — the same step as one worker with the whole batch, up to
//! BatchNorm's statistics, which each shard takes over its own images (its running statistics
//! are the mean of the shards', so every replica keeps the same ones).
//!
//! A shard's loss is weighted by its share of the batch, so the summed gradient is the whole
//! batch's mean-loss gradient. Dropout draws from a seed per shard: a seeded run replays exactly
//! for a given number of workers.
//!
//! Evaluation splits the same way: each worker predicts a share of the test images
//! ([`EvalJob`]) with the same weights.
//!
//! How jobs travel is a [`ShardPool`]'s business: [`InProcess`] computes them in this thread
//! (the CLI and the tests), the browser's worker posts them to helper workers
//! (`worker::helpers`). Plain data crosses: `flat` turns a model's numbers into one `Vec<f32>`.

mod as_bytes;
pub mod flat;
mod in_process;
mod job;
mod predict;
mod replica;

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;

pub use in_process::InProcess;
pub use job::{EvalJob, Job, Outcome, ReplicaSetup, ShardJob, ShardOutcome};
pub use predict::Shares;
pub use replica::{Replica, ShardPass, backward_on_shard};

/// Why a helper could not do its share.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a helper worker failed: {0}")]
pub struct ShardError(pub String);

/// The outcomes of the jobs sent, in their order (a boxed future: helpers answer asynchronously).
pub type Outcomes<'a> = Pin<Box<dyn Future<Output = Result<Vec<Outcome>, ShardError>> + 'a>>;

/// Helpers that compute shards for the trainer.
pub trait ShardPool {
    /// How many helpers there are (besides the trainer itself).
    fn helpers(&self) -> usize;
    /// Hands job `k` to helper `k` (at most [`ShardPool::helpers`] jobs) and returns at once, so
    /// the trainer computes its own shard while they compute theirs.
    fn send(&mut self, jobs: Vec<Job>) -> Result<(), ShardError>;
    /// The outcomes of the jobs last sent, in order.
    fn receive(&mut self) -> Outcomes<'_>;
}

/// Refuses more jobs than there are helpers.
pub fn check_jobs(jobs: &[Job], helpers: usize) -> Result<(), ShardError> {
    if jobs.len() > helpers {
        return Err(ShardError(format!(
            "{} jobs for {helpers} helpers",
            jobs.len()
        )));
    }
    Ok(())
}

/// `len` images split into `parts` contiguous shards, the first ones one larger when it does
/// not divide; never an empty shard (fewer shards when `len < parts`).
pub fn shards(len: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, len.max(1));
    let (each, extra) = (len / parts, len % parts);
    let mut start = 0;
    (0..parts)
        .map(|k| {
            let size = each + usize::from(k < extra);
            let range = start..start + size;
            start += size;
            range
        })
        .collect()
}

/// The dropout seed of shard `shard` of iteration `iteration` (shard 0's is the one-worker
/// trainer's, so one worker replays as before).
pub fn dropout_seed(seed: u64, iteration: usize, shard: usize) -> u64 {
    let base = seed ^ (iteration as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    base ^ (shard as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

#[cfg(test)]
mod tests;
