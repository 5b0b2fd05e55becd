//! [`Trainer`]: training state between steps — one call to [`Trainer::step`] trains one batch
//! without reading anything back, [`Trainer::report`] reads the pending batches back in one round
//! trip; a NaN there puts back the last finished epoch's weights.

use std::borrow::Cow;
use std::ops::Range;

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{ModuleOptimizer, SgdConfig};
use burn::prelude::*;

use super::TrainError;
use super::batches::image_values;
use super::evaluation::evaluate;
use crate::compute::{ToF32s, read_many};
use crate::data::augment::{ChannelStats, randomise_texture};
use crate::data::cifar::{CLASSES, Records};
use crate::data::rng::SplitMix64;
use crate::nn::class_balance::class_balanced_weights;
use crate::nn::convnet::{ConvNet, ConvNetConfig, ConvPath};
use crate::nn::losses::Loss;
use crate::settings::train::TrainSettings;
use crate::train::checkpoint::{Checkpoint, CheckpointHeader};
use crate::train::device_copy::copy_to;
use crate::train::metrics::Confusion;
use crate::train::parallel::{
    Augment, Job, Outcome, ReplicaSetup, ShardError, ShardJob, ShardOutcome, ShardPass, ShardPool,
    Shares, TRAINING_LENT, backward_on_shard, dropout_seed, flat, shards,
};
use crate::train::progress::StepReport;

/// A trained batch whose numbers are still on the device.
struct Pending {
    iteration: usize,
    epoch: usize,
    epoch_done: bool,
    /// `[1, 1]`, detached.
    loss: Tensor<2>,
    /// Predicted classes `[batch, 1]` (as floats).
    predicted: Tensor<2>,
    labels: Vec<usize>,
    learning_rate: f64,
}

/// Training state between steps.
pub struct Trainer {
    settings: TrainSettings,
    device: Device,
    model: ConvNet,
    optim: ModuleOptimizer,
    train: Records,
    /// Normalisation of the training images (and of every image this model will see).
    pub stats: ChannelStats,
    class_weights: Option<Tensor<1>>,
    /// The same weights as plain numbers (for helpers' replicas).
    class_weight_values: Option<Vec<f32>>,
    loss: Loss,
    /// Helpers that train shards of each batch (data-parallel); `None`: this trainer alone.
    shards: Option<Box<dyn ShardPool>>,
    order: Vec<usize>,
    cursor: usize,
    /// Batches trained so far.
    pub iteration: usize,
    /// Epochs finished.
    pub epoch: usize,
    /// How evaluation computes the convolutions (it may differ from training's fastest path).
    eval_path: ConvPath,
    /// Where evaluation runs when not where training does (calibration found it faster there).
    eval_device: Option<Device>,
    pending: Vec<Pending>,
    /// When the last report was read (the caller's clock), to time the batches since.
    reported_at: Option<f64>,
    /// The model after the last finished epoch, as a detached eval-mode copy: `valid()` folds in
    /// BatchNorm's pending running statistics and gives them their own storage (a plain `clone()`
    /// would share them with the live model, so a NaN batch would poison the "good" copy too).
    last_good: Option<ConvNet>,
}

/// The order of the training images in `epoch`.
fn epoch_order(len: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    SplitMix64::stream(seed, epoch as u64, u64::MAX).shuffle(&mut order);
    order
}

fn optimiser(settings: &TrainSettings) -> ModuleOptimizer {
    SgdConfig::new()
        .with_momentum((settings.momentum > 0.0).then(|| {
            MomentumConfig::new()
                .with_momentum(settings.momentum)
                .with_dampening(0.0)
        }))
        .with_weight_decay(
            (settings.weight_decay > 0.0)
                .then(|| WeightDecayConfig::new(settings.weight_decay as f32)),
        )
        .init()
}

impl Trainer {
    /// Prepares training on `train` (the run's subset) on `device`, computing the convolutions
    /// `conv_path`'s way.
    pub fn new(
        settings: &TrainSettings,
        conv_path: ConvPath,
        train: Records,
        device: &Device,
    ) -> Result<Self, TrainError> {
        settings.validate()?;
        let device = device.clone().autodiff();
        // Burn draws initial weights and dropout masks from the backend's generator: seed it.
        device.seed(settings.seed);
        let model = ConvNetConfig::from_settings(&settings.model, conv_path).init(&device);
        Self::with_model(settings, train, model, device, 0)
    }

    /// Continues a run from a checkpoint taken after `checkpoint.header.epochs` epochs (e.g. on
    /// the CPU after the GPU was lost). The optimiser's momentum starts afresh.
    pub fn resume(
        settings: &TrainSettings,
        conv_path: ConvPath,
        train: Records,
        checkpoint: &Checkpoint,
        device: &Device,
    ) -> Result<Self, TrainError> {
        settings.validate()?;
        let device = device.clone().autodiff();
        let model = checkpoint.model(&device)?.with_conv_path(conv_path);
        let mut trainer =
            Self::with_model(settings, train, model, device, checkpoint.header.epochs)?;
        trainer.last_good = Some(trainer.model.valid());
        Ok(trainer)
    }

    fn with_model(
        settings: &TrainSettings,
        train: Records,
        model: ConvNet,
        device: Device,
        epoch: usize,
    ) -> Result<Self, TrainError> {
        let loss = Loss::from(settings.loss);
        let class_weight_values = if loss.is_class_balanced() {
            let w = class_balanced_weights(&train.class_counts(), settings.loss.beta)?;
            Some(w.iter().map(|&v| v as f32).collect::<Vec<f32>>())
        } else {
            None
        };
        let class_weights = class_weight_values
            .clone()
            .map(|w| Tensor::<1>::from_data(TensorData::new(w, [CLASSES]), &device));
        let iterations_per_epoch = train.len().div_ceil(settings.batch);
        Ok(Self {
            stats: ChannelStats::of(train.records().map(|r| &r[1..])),
            order: epoch_order(train.len(), settings.seed, epoch),
            optim: optimiser(settings),
            settings: settings.clone(),
            eval_path: model.conv_path(),
            eval_device: None,
            device,
            model,
            train,
            class_weights,
            class_weight_values,
            loss,
            shards: None,
            cursor: 0,
            iteration: epoch * iterations_per_epoch,
            epoch,
            pending: Vec::new(),
            reported_at: None,
            last_good: None,
        })
    }

    /// Evaluates with `path` (the fastest forward path may differ from the fastest training one).
    pub fn with_eval_path(mut self, path: ConvPath) -> Self {
        self.eval_path = path;
        self
    }

    /// Trains each batch in shards: one here, one in each of `pool`'s helpers (made from
    /// [`Trainer::replica_setup`]). See `train::parallel`.
    pub fn with_shards(mut self, pool: Box<dyn ShardPool>) -> Self {
        self.set_shards(pool);
        self
    }

    /// [`Trainer::with_shards`] in place (new helpers after others failed).
    pub fn set_shards(&mut self, pool: Box<dyn ShardPool>) {
        self.shards = Some(pool);
    }

    /// Its helpers, taken out (it goes on alone), e.g. to score images with them.
    pub fn take_shards(&mut self) -> Option<Box<dyn ShardPool>> {
        self.shards.take()
    }

    /// Goes on alone (after a helper failed): the helpers are dropped.
    pub fn without_shards(&mut self) {
        self.shards = None;
    }

    /// Workers training each batch: this one and its helpers.
    pub fn workers(&self) -> usize {
        1 + self.shards.as_ref().map_or(0, |p| p.helpers())
    }

    /// What a helper's replica needs to know.
    pub fn replica_setup(&self) -> ReplicaSetup {
        ReplicaSetup {
            model: ConvNetConfig::from_settings(&self.settings.model, self.model.conv_path()),
            eval_path: self.eval_path,
            loss: self.loss,
            class_weights: self.class_weight_values.clone(),
            stats: self.stats,
        }
    }

    /// Evaluates on `device` with `path`, a copy of the model taken there each time (the
    /// calibration at start found evaluation faster on another backend than training).
    pub fn evaluated_on(mut self, device: &Device, path: ConvPath) -> Self {
        self.eval_device = Some(device.clone().inner());
        self.with_eval_path(path)
    }

    pub fn settings(&self) -> &TrainSettings {
        &self.settings
    }

    /// The images it trains on.
    pub fn train_records(&self) -> &Records {
        &self.train
    }

    /// Iterations in one epoch (the last batch may be smaller).
    pub fn iterations_per_epoch(&self) -> usize {
        self.train.len().div_ceil(self.settings.batch)
    }

    /// Whether all epochs are done.
    pub fn finished(&self) -> bool {
        self.epoch >= self.settings.epochs
    }

    /// Batches trained since the last report.
    pub fn unreported(&self) -> usize {
        self.pending.len()
    }

    /// The next batch's images: their indices in the training set.
    fn next_indices(&self) -> Vec<usize> {
        let end = (self.cursor + self.settings.batch).min(self.order.len());
        self.order[self.cursor..end].to_vec()
    }

    /// The records of the images `indices` as this epoch trains on them: texture-randomised when
    /// experiment C asks, else the training set's own.
    fn records_of(&self, indices: &[usize]) -> Vec<Cow<'_, [u8]>> {
        indices
            .iter()
            .map(|&i| match self.settings.texture_randomised {
                true => Cow::Owned(randomise_texture(
                    &self.train,
                    i,
                    self.settings.seed,
                    self.epoch,
                )),
                false => Cow::Borrowed(self.train.record(i)),
            })
            .collect()
    }

    /// The normalised (and, when the run augments, augmented) values of `records`, the images
    /// `indices`.
    fn values_of(&self, records: &[Cow<'_, [u8]>], indices: &[usize]) -> Vec<f32> {
        let records: Vec<&[u8]> = records.iter().map(AsRef::as_ref).collect();
        let aug = self
            .settings
            .augment
            .then_some((self.settings.seed, self.epoch as u64, indices));
        image_values(&records, &self.stats, aug)
    }

    /// The next batch: its labels and normalised (augmented) values.
    fn next_batch(&self) -> (Vec<usize>, Vec<f32>) {
        let indices = self.next_indices();
        let labels: Vec<usize> = indices.iter().map(|&i| self.train.label(i)).collect();
        let values = self.values_of(&self.records_of(&indices), &indices);
        (labels, values)
    }

    /// Trains on the next batch — in shards when it has helpers —, reading nothing back (but
    /// the helpers' answers). Returns whether it finished an epoch (then [`Trainer::report`]
    /// must run before the next step). A helper's failure leaves the trainer where it was.
    pub async fn train_step(&mut self) -> Result<bool, TrainError> {
        match self.shards.take() {
            None => Ok(self.step()),
            Some(mut pool) => {
                let done = self.step_sharded(pool.as_mut()).await;
                self.shards = Some(pool);
                done
            }
        }
    }

    /// Trains on the next batch, reading nothing back (this trainer alone, whatever helpers it
    /// has). Returns whether it finished an epoch (then [`Trainer::report`] must run before the
    /// next step).
    pub fn step(&mut self) -> bool {
        let (labels, values) = self.next_batch();
        let pass = self.own_pass(values, &labels, 1.0);
        let learning_rate = self.learning_rate();
        self.model = self
            .optim
            .step(learning_rate, self.model.clone(), pass.grads);
        self.advance(labels, pass.loss, pass.predicted, learning_rate)
    }

    /// This trainer's forward and backward pass on `values` (normalised images) with `labels`,
    /// its loss weighted by `weight` (its share of the batch), dropout drawn as shard 0 — the
    /// one-worker step's draw.
    fn own_pass(&self, values: Vec<f32>, labels: &[usize], weight: f32) -> ShardPass {
        let images = Tensor::<4>::from_data(
            TensorData::new(values, [labels.len(), 3, 32, 32]),
            &self.device,
        );
        backward_on_shard(
            &self.model,
            &self.device,
            self.loss,
            self.class_weights.clone(),
            images,
            labels,
            weight,
            dropout_seed(self.settings.seed, self.iteration, 0),
        )
    }

    fn learning_rate(&self) -> f64 {
        self.settings
            .learning_rate_at(self.iteration, self.iterations_per_epoch())
    }

    /// One batch in shards: the helpers' jobs sent first, this trainer's shard computed while
    /// they compute theirs, then one optimiser step with the summed gradient.
    async fn step_sharded(&mut self, pool: &mut dyn ShardPool) -> Result<bool, TrainError> {
        let helper_failed = |e: &dyn std::fmt::Display| TrainError::Helpers(e.to_string());
        let indices = self.next_indices();
        let labels: Vec<usize> = indices.iter().map(|&i| self.train.label(i)).collect();
        let records = self.records_of(&indices);
        let n = labels.len();
        let parts = shards(n, pool.helpers() + 1, TRAINING_LENT);
        let layout = flat::Layout::of(&self.model);
        let parameters = flat::parameters(&self.model).await?;
        let seed = self.settings.seed;
        // The helpers' records, as bytes: each normalises (and augments) its own shard.
        let jobs = parts[1..]
            .iter()
            .enumerate()
            .map(|(k, part)| {
                Job::Train(ShardJob {
                    parameters: parameters.clone(),
                    records: records[part.clone()].concat(),
                    augment: self.settings.augment.then(|| Augment {
                        seed,
                        epoch: self.epoch as u64,
                        indices: indices[part.clone()].iter().map(|&i| i as u32).collect(),
                    }),
                    weight: part.len() as f32 / n as f32,
                    dropout_seed: dropout_seed(seed, self.iteration, k + 1),
                })
            })
            .collect();
        pool.send(jobs).map_err(|e| helper_failed(&e.0))?;
        let own = parts[0].clone();
        let values = self.values_of(&records[own.clone()], &indices[own.clone()]);
        let pass = self.own_pass(values, &labels[own.clone()], own.len() as f32 / n as f32);
        let trained = pool.receive().await.and_then(|outcomes| {
            outcomes
                .into_iter()
                .map(|o| match o {
                    Outcome::Trained(o) => Ok(o),
                    Outcome::Evaluated(_) => Err(ShardError(
                        "an evaluation came back for a training job".into(),
                    )),
                })
                .collect::<Result<Vec<ShardOutcome>, ShardError>>()
        });
        let outcomes = match trained {
            Ok(outcomes) => outcomes,
            Err(e) => {
                // Back to before the batch: the forward pass moved the running statistics.
                let running = layout.running_part(&parameters);
                let model = self.model.clone();
                self.model =
                    flat::load_running(model, &layout, &running).map_err(|e| helper_failed(&e))?;
                return Err(helper_failed(&e.0));
            }
        };
        let inner = self.device.clone().inner();
        let grads = flat::add_gradients(
            pass.grads,
            &layout,
            outcomes.iter().map(|o| o.gradients.as_slice()),
            &inner,
        )
        .map_err(|e| helper_failed(&e))?;
        // Running statistics: every shard's update, weighted by its share of the batch.
        let share = |part: &Range<usize>| part.len() as f32 / n as f32;
        let mut running = flat::running(&self.model).await?;
        running.iter_mut().for_each(|r| *r *= share(&own));
        for (outcome, part) in outcomes.iter().zip(&parts[1..]) {
            if outcome.running.len() != running.len() {
                return Err(helper_failed(
                    &"its running statistics do not fit the model",
                ));
            }
            let w = share(part);
            running
                .iter_mut()
                .zip(&outcome.running)
                .for_each(|(r, o)| *r += w * o);
        }
        let learning_rate = self.learning_rate();
        let model = self.optim.step(learning_rate, self.model.clone(), grads);
        self.model = flat::load_running(model, &layout, &running).map_err(|e| helper_failed(&e))?;
        let helpers_loss: f32 = outcomes.iter().map(|o| o.loss).sum();
        let loss_value = pass.loss.add_scalar(helpers_loss);
        let others: Vec<f32> = outcomes
            .iter()
            .flat_map(|o| o.predicted.iter().map(|&p| f32::from(p)))
            .collect();
        let predicted = Tensor::cat(
            vec![
                pass.predicted,
                Tensor::<2>::from_data(TensorData::new(others, [n - own.len(), 1]), &self.device),
            ],
            0,
        );
        Ok(self.advance(labels, loss_value, predicted, learning_rate))
    }

    /// Keeps a trained batch's figures for the next report and moves on.
    fn advance(
        &mut self,
        labels: Vec<usize>,
        loss_value: Tensor<1>,
        predicted: Tensor<2>,
        learning_rate: f64,
    ) -> bool {
        self.cursor = (self.cursor + labels.len()).min(self.order.len());
        let epoch_done = self.cursor >= self.order.len();
        self.pending.push(Pending {
            iteration: self.iteration,
            epoch: self.epoch,
            epoch_done,
            loss: loss_value.unsqueeze(),
            predicted,
            labels,
            learning_rate,
        });
        self.iteration += 1;
        if epoch_done {
            self.epoch += 1;
            self.cursor = 0;
            self.order = epoch_order(self.train.len(), self.settings.seed, self.epoch);
        }
        epoch_done
    }

    /// Reads back the batches trained since the last report, in one device round trip, timing
    /// them by `now_ms` (the caller's clock). A non-finite loss among them restores the last
    /// finished epoch's weights and returns [`TrainError::Diverged`]; otherwise, if an epoch
    /// ended, its weights become the new fallback.
    pub async fn report(
        &mut self,
        now_ms: impl Fn() -> f64,
    ) -> Result<Vec<StepReport>, TrainError> {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let tensors = pending
            .iter()
            .flat_map(|p| [p.loss.clone(), p.predicted.clone()]);
        let data = read_many(tensors).await?;
        let now = now_ms();
        let millis = self
            .reported_at
            .map_or(0.0, |then| (now - then) / pending.len() as f64);
        self.reported_at = Some(now);
        let mut reports = Vec::with_capacity(pending.len());
        let mut epoch_done = false;
        for (p, values) in pending.iter().zip(data.chunks(2)) {
            let loss_value = values[0].to_f32s()?[0];
            if !loss_value.is_finite() {
                self.restore_last_good(p.epoch);
                return Err(TrainError::Diverged {
                    value: loss_value,
                    iteration: p.iteration,
                    epoch: p.epoch + 1,
                });
            }
            let predicted = values[1].to_f32s()?;
            let correct = predicted
                .iter()
                .zip(&p.labels)
                .filter(|&(&guess, &label)| guess as usize == label)
                .count();
            epoch_done |= p.epoch_done;
            reports.push(StepReport {
                iteration: p.iteration,
                epoch: p.epoch,
                loss: loss_value,
                accuracy: correct as f64 / p.labels.len() as f64,
                learning_rate: p.learning_rate,
                images: p.labels.len(),
                millis,
            });
        }
        if epoch_done {
            self.last_good = Some(self.model.valid());
        }
        Ok(reports)
    }

    /// Back to the end of the last finished epoch (before `bad_epoch`), or to where training
    /// began if none finished: weights, epoch and position.
    fn restore_last_good(&mut self, bad_epoch: usize) {
        if let Some(good) = &self.last_good {
            self.model = good.clone().train();
        }
        let per_epoch = self.iterations_per_epoch();
        self.epoch = bad_epoch;
        self.iteration = bad_epoch * per_epoch;
        self.cursor = 0;
        self.order = epoch_order(self.train.len(), self.settings.seed, bad_epoch);
    }

    /// Forgets the clock of the last report (after a pause, so the pause is not counted as the
    /// next batch's time).
    pub fn restart_clock(&mut self, now_ms: f64) {
        self.reported_at = Some(now_ms);
    }

    /// The confusion matrix of the current model on `test` (no augmentation, eval mode). On the
    /// evaluation device, if it has one (where it trains if that fails, e.g. the GPU was lost);
    /// else with helpers, each worker scores a share of the images (the same weights).
    pub async fn evaluate(
        &mut self,
        test: &Records,
        batch: usize,
    ) -> Result<Confusion, TrainError> {
        let model = self.model.clone().with_conv_path(self.eval_path);
        if let Some(device) = &self.eval_device {
            let there = async {
                evaluate(
                    &copy_to(&model, device).await?,
                    &self.stats,
                    test,
                    batch,
                    device,
                )
                .await
            };
            if let Ok(confusion) = there.await {
                return Ok(confusion);
            }
        }
        let Some(mut pool) = self.shards.take() else {
            return Ok(evaluate(&model, &self.stats, test, batch, &self.device).await?);
        };
        let scored = self
            .evaluate_in_shares(pool.as_mut(), &model, test, batch)
            .await;
        self.shards = Some(pool);
        scored
    }

    async fn evaluate_in_shares(
        &self,
        pool: &mut dyn ShardPool,
        model: &ConvNet,
        test: &Records,
        batch: usize,
    ) -> Result<Confusion, TrainError> {
        let records: Vec<&[u8]> = test.records().collect();
        let predicted = Shares::of(pool, &self.model)
            .await?
            .predict(model, &self.stats, &records, batch, &self.device)
            .await?;
        let labels: Vec<usize> = (0..test.len()).map(|i| test.label(i)).collect();
        let mut confusion = Confusion::new(CLASSES);
        confusion.add(&labels, &predicted);
        Ok(confusion)
    }

    /// The current weights with what evaluating them needs.
    pub async fn checkpoint(&self) -> Result<Checkpoint, TrainError> {
        let header = CheckpointHeader {
            model: ConvNetConfig::from_settings(&self.settings.model, self.model.conv_path()),
            stats: self.stats,
            epochs: self.epoch,
            // The caller knows the dataset (`Checkpoint::trained_on`).
            trained_on: None,
        };
        Ok(Checkpoint::of(&self.model, header).await?)
    }

    pub fn model(&self) -> &ConvNet {
        &self.model
    }

    /// The (autodiff) device the model trains on.
    pub fn device(&self) -> &Device {
        &self.device
    }
}
