//! Predictions in shares: the test images split among this worker and its helpers, each scoring
//! its share with the same weights (evaluation after an epoch, the paper's bias test).

use burn::prelude::*;

use super::{EVALUATION_LENT, EvalJob, Job, Outcome, ShardError, ShardPool, flat, shards};
use crate::compute::ReadError;
use crate::data::augment::ChannelStats;
use crate::nn::convnet::ConvNet;
use crate::train::engine::{TrainError, predict_records};

/// A pool of helpers and the weights they are to score with.
pub struct Shares<'a> {
    pool: &'a mut dyn ShardPool,
    parameters: Vec<f32>,
}

impl<'a> Shares<'a> {
    /// `pool` scoring with `model`'s weights.
    pub async fn of(pool: &'a mut dyn ShardPool, model: &ConvNet) -> Result<Self, ReadError> {
        let parameters = flat::parameters(model).await?;
        Ok(Self { pool, parameters })
    }

    /// Workers sharing the work: this one and the helpers.
    pub fn workers(&self) -> usize {
        1 + self.pool.helpers()
    }

    /// The class `model` (here; the helpers hold its weights) predicts for each of `records`,
    /// in order, `batch` at once.
    pub async fn predict(
        &mut self,
        model: &ConvNet,
        stats: &ChannelStats,
        records: &[&[u8]],
        batch: usize,
        device: &Device,
    ) -> Result<Vec<usize>, TrainError> {
        let failed = |e: ShardError| TrainError::Helpers(e.0);
        let parts = shards(records.len(), self.workers(), EVALUATION_LENT);
        let jobs = parts[1..]
            .iter()
            .map(|part| {
                Job::Evaluate(EvalJob {
                    parameters: self.parameters.clone(),
                    records: records[part.clone()].concat(),
                    stats: *stats,
                })
            })
            .collect();
        self.pool.send(jobs).map_err(failed)?;
        let mut predicted =
            predict_records(model, stats, &records[parts[0].clone()], batch, device).await?;
        for outcome in self.pool.receive().await.map_err(failed)? {
            match outcome {
                Outcome::Evaluated(p) => predicted.extend(p.into_iter().map(usize::from)),
                Outcome::Trained(_) => {
                    return Err(failed(ShardError(
                        "a training outcome came back for an evaluation".into(),
                    )));
                }
            }
        }
        if predicted.len() != records.len() {
            return Err(failed(ShardError(format!(
                "{} predictions for {} images",
                predicted.len(),
                records.len()
            ))));
        }
        Ok(predicted)
    }
}
