//! What a helper is told once (the network and the loss) and every step (weights and a shard),
//! and what it answers. Plain data (serde): it travels between workers as postcard bytes.

use serde::{Deserialize, Serialize};

use super::as_bytes;

use crate::data::augment::ChannelStats;
use crate::nn::convnet::{ConvNetConfig, ConvPath};
use crate::nn::losses::Loss;

/// What a replica needs to compute a shard's gradient, besides the step's numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplicaSetup {
    pub model: ConvNetConfig,
    /// How evaluation computes the convolutions.
    pub eval_path: ConvPath,
    pub loss: Loss,
    /// The class-balanced losses' weights (one per class).
    pub class_weights: Option<Vec<f32>>,
    /// The training images' normalisation (the helper normalises its shards' records).
    pub stats: ChannelStats,
}

/// One step's share of one helper.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardJob {
    /// Every number of the trainer's model (`flat::parameters`), running statistics included.
    #[serde(with = "as_bytes::floats")]
    pub parameters: Vec<f32>,
    /// The shard's whole records (label byte and image), as the trainer drew them (after
    /// experiment C's texture randomisation, when on): a quarter of the bytes of the normalised
    /// images, which the helper makes itself, as the trainer would.
    #[serde(with = "as_bytes::bytes")]
    pub records: Vec<u8>,
    /// How each image is augmented, when the run augments.
    pub augment: Option<Augment>,
    /// The shard's share of the batch (its loss is weighted by it).
    pub weight: f32,
    pub dropout_seed: u64,
}

/// What draws a shard's augmentation: each image's crop and flip come from the run's seed, the
/// epoch and the image's index in the training set (`data::augment::Augmentation::for_image`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    pub seed: u64,
    pub epoch: u64,
    /// The shard's images' indices, in its order.
    pub indices: Vec<u32>,
}

/// A helper's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardOutcome {
    /// The weighted loss's gradient (`flat::gradients`).
    #[serde(with = "as_bytes::floats")]
    pub gradients: Vec<f32>,
    /// The running statistics after the shard's forward pass (`flat::running`).
    #[serde(with = "as_bytes::floats")]
    pub running: Vec<f32>,
    /// The shard's mean loss times its weight.
    pub loss: f32,
    /// The class predicted for each image.
    pub predicted: Vec<u8>,
}

/// A share of an evaluation: the classes the model predicts for these test images.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalJob {
    /// Every number of the trainer's model, as in [`ShardJob::parameters`].
    #[serde(with = "as_bytes::floats")]
    pub parameters: Vec<f32>,
    /// Whole records (label byte and image), one after another.
    #[serde(with = "as_bytes::bytes")]
    pub records: Vec<u8>,
    /// The training images' normalisation.
    pub stats: ChannelStats,
}

/// What a helper is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Job {
    Train(ShardJob),
    Evaluate(EvalJob),
}

/// What it answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Outcome {
    Trained(ShardOutcome),
    /// The class predicted for each record, in order.
    Evaluated(#[serde(with = "as_bytes::bytes")] Vec<u8>),
}
