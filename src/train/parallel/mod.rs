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
pub use job::{Augment, EvalJob, Job, Outcome, ReplicaSetup, ShardJob, ShardOutcome};
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

/// `len` images split into `parts` contiguous shards: even (the first ones one larger when it
/// does not divide), then each helper's shard lends the first (the trainer's) `lent` images —
/// none where an even share holds fewer than 16 per image lent. Never an empty shard (fewer
/// shards when `len < parts`).
///
/// Why the trainer takes more: a helper's shard also carries the exchange (its job's and its
/// answer's encoding, transfer and reading), which the trainer would otherwise wait for. Fixed,
/// not measured per run, so that a seeded run replays for a given number of workers.
pub fn shards(len: usize, parts: usize, lent: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, len.max(1));
    let (each, extra) = (len / parts, len % parts);
    let lent = lent.min(each / 16);
    let mut start = 0;
    (0..parts)
        .map(|k| {
            let even = each + usize::from(k < extra);
            let size = match k {
                0 => even + lent * (parts - 1),
                _ => even - lent,
            };
            let range = start..start + size;
            start += size;
            range
        })
        .collect()
}

/// Images each helper lends the trainer of a training step. Measured on a 2-core machine in
/// Chromium (`make bench`, docs/benchmarks.md): a step's exchange costs about what training one
/// image does (1.4 ms; 1.5 ms an image), and one image lent closes a gap of two (the trainer's
/// shard grows by one, the helper's shrinks by one): a 64-image batch in 2 workers splits 33, 31.
pub const TRAINING_LENT: usize = 1;

/// Images each helper lends the trainer of an evaluation: its exchange (the weights and ~500
/// test records out, the predictions back: ~3 ms) against 0.35 ms an image scored.
pub const EVALUATION_LENT: usize = 4;

/// The dropout seed of shard `shard` of iteration `iteration` (shard 0's is the one-worker
/// trainer's, so one worker replays as before).
pub fn dropout_seed(seed: u64, iteration: usize, shard: usize) -> u64 {
    let base = seed ^ (iteration as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    base ^ (shard as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

#[cfg(test)]
mod tests;
