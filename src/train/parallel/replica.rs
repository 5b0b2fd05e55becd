//! A helper's copy of the model: it takes the trainer's weights, trains on its shard and gives
//! back the gradient, the running statistics and what it predicted — never a step of its own.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::flat::{self, Layout};
use super::{EvalJob, Job, Outcome, ReplicaSetup, ShardError, ShardJob, ShardOutcome};
use crate::compute::{ToF32s, read_many};
use crate::data::augment::ChannelStats;
use crate::data::cifar::{CLASSES, RECORD_BYTES};
use crate::nn::convnet::{ConvNet, ConvPath};
use crate::nn::losses::{Loss, loss};
use crate::train::engine::{image_values, one_hot, predict_records};

/// Test images a helper scores at once.
const EVAL_CHUNK: usize = 100;

/// One shard's forward and backward pass.
pub struct ShardPass {
    pub grads: GradientsParams,
    /// The mean loss times the shard's weight, `[1]`, detached.
    pub loss: Tensor<1>,
    /// Predicted classes `[n, 1]` (as floats), detached.
    pub predicted: Tensor<2>,
}

/// Trains nothing: the gradient of `model`'s loss on `images` (`[n, 3, 32, 32]`, on the model's
/// autodiff device) weighted by `weight`, dropout drawn from `dropout_seed`.
#[allow(clippy::too_many_arguments)]
pub fn backward_on_shard(
    model: &ConvNet,
    device: &Device,
    kind: Loss,
    class_weights: Option<Tensor<1>>,
    images: Tensor<4>,
    labels: &[usize],
    weight: f32,
    dropout_seed: u64,
) -> ShardPass {
    device.seed(dropout_seed);
    let targets = one_hot(labels, device);
    let logits = model.forward(images);
    let predicted = logits.clone().argmax(1).float().detach();
    let value = loss(kind, logits, targets, class_weights).mul_scalar(weight);
    let grads = GradientsParams::from_grads(value.backward(), model);
    ShardPass {
        grads,
        loss: value.detach(),
        predicted,
    }
}

/// `job`'s records, one slice each, and their labels; or why they are not a shard.
fn shard_records(job: &ShardJob) -> Result<(Vec<&[u8]>, Vec<usize>), ShardError> {
    let bytes = job.records.len();
    if bytes == 0 || !bytes.is_multiple_of(RECORD_BYTES) {
        return Err(ShardError(format!(
            "{bytes} bytes of training images are not whole records"
        )));
    }
    let records: Vec<&[u8]> = job.records.chunks(RECORD_BYTES).collect();
    let labels: Vec<usize> = records.iter().map(|r| usize::from(r[0])).collect();
    if let Some(&label) = labels.iter().find(|&&l| l >= CLASSES) {
        return Err(ShardError(format!("label {label} is not a class")));
    }
    if let Some(augment) = &job.augment
        && augment.indices.len() != records.len()
    {
        return Err(ShardError(format!(
            "{} augmentations for {} images",
            augment.indices.len(),
            records.len()
        )));
    }
    Ok((records, labels))
}

/// A helper's replica.
pub struct Replica {
    model: ConvNet,
    layout: Layout,
    device: Device,
    eval_path: ConvPath,
    loss: Loss,
    class_weights: Option<Tensor<1>>,
    stats: ChannelStats,
}

impl Replica {
    /// A replica of `setup`'s network on `device` (its weights come with each job).
    pub fn new(setup: &ReplicaSetup, device: &Device) -> Result<Self, ShardError> {
        setup
            .model
            .validate()
            .map_err(|e| ShardError(e.to_string()))?;
        let device = device.clone().autodiff();
        let model = setup.model.init(&device);
        let class_weights = match &setup.class_weights {
            Some(w) if w.len() == CLASSES => Some(Tensor::<1>::from_data(
                TensorData::new(w.clone(), [CLASSES]),
                &device,
            )),
            Some(w) => {
                return Err(ShardError(format!(
                    "{} class weights for {CLASSES} classes",
                    w.len()
                )));
            }
            None => None,
        };
        Ok(Self {
            layout: Layout::of(&model),
            model,
            device,
            eval_path: setup.eval_path,
            loss: setup.loss,
            class_weights,
            stats: setup.stats,
        })
    }

    /// Does `job`.
    pub async fn run(&mut self, job: &Job) -> Result<Outcome, ShardError> {
        match job {
            Job::Train(job) => self.compute(job).await.map(Outcome::Trained),
            Job::Evaluate(job) => self.evaluate(job).await.map(Outcome::Evaluated),
        }
    }

    /// The classes predicted for `job`'s records at `job`'s weights (eval mode).
    pub async fn evaluate(&mut self, job: &EvalJob) -> Result<Vec<u8>, ShardError> {
        if job.records.is_empty() || !job.records.len().is_multiple_of(RECORD_BYTES) {
            return Err(ShardError(format!(
                "{} bytes of test images are not whole records",
                job.records.len()
            )));
        }
        let model = flat::load_parameters(self.model.valid(), &self.layout, &job.parameters)
            .map_err(|e| ShardError(e.to_string()))?
            .with_conv_path(self.eval_path);
        let records: Vec<&[u8]> = job.records.chunks(RECORD_BYTES).collect();
        let predicted = predict_records(&model, &job.stats, &records, EVAL_CHUNK, &self.device)
            .await
            .map_err(|e| ShardError(e.to_string()))?;
        Ok(predicted.into_iter().map(|p| p as u8).collect())
    }

    /// The gradient of `job`'s shard at `job`'s weights.
    pub async fn compute(&mut self, job: &ShardJob) -> Result<ShardOutcome, ShardError> {
        let failed = |e: &dyn std::fmt::Display| ShardError(e.to_string());
        let (records, labels) = shard_records(job)?;
        let n = labels.len();
        // A fresh copy (`valid()` gives the running statistics storage of their own), loaded.
        let model = flat::load_parameters(self.model.valid(), &self.layout, &job.parameters)
            .map_err(|e| failed(&e))?
            .train();
        // Normalised (and augmented) as the trainer would have: the same function, the same bytes.
        let indices: Vec<usize> = job
            .augment
            .iter()
            .flat_map(|a| a.indices.iter().map(|&i| i as usize))
            .collect();
        let augment = job
            .augment
            .as_ref()
            .map(|a| (a.seed, a.epoch, indices.as_slice()));
        let values = image_values(&records, &self.stats, augment);
        let images = Tensor::<4>::from_data(TensorData::new(values, [n, 3, 32, 32]), &self.device);
        let pass = backward_on_shard(
            &model,
            &self.device,
            self.loss,
            self.class_weights.clone(),
            images,
            &labels,
            job.weight,
            job.dropout_seed,
        );
        let gradients = flat::gradients(&pass.grads, &self.layout, &self.device.clone().inner())
            .await
            .map_err(|e| failed(&e))?;
        let running = flat::running(&model).await.map_err(|e| failed(&e))?;
        let read = read_many([pass.loss, pass.predicted.reshape([n])])
            .await
            .map_err(|e| failed(&e))?;
        let loss = read[0].to_f32s().map_err(|e| failed(&e))?[0];
        let predicted = read[1]
            .to_f32s()
            .map_err(|e| failed(&e))?
            .iter()
            .map(|&p| p as u8)
            .collect();
        self.model = model;
        Ok(ShardOutcome {
            gradients,
            running,
            loss,
            predicted,
        })
    }
}
