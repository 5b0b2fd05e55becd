//! [`Trainer`]: training state between steps — one call to [`Trainer::step`] trains one batch
//! without reading anything back, [`Trainer::report`] reads the pending batches back in one round
//! trip; a NaN there puts back the last finished epoch's weights.

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;

use super::TrainError;
use super::batches::{images_tensor, one_hot};
use super::evaluation::evaluate;
use crate::compute::{ReadError, ToF32s, read_many};
use crate::data::augment::{ChannelStats, randomise_texture};
use crate::data::cifar::{CLASSES, Records};
use crate::data::rng::SplitMix64;
use crate::nn::class_balance::class_balanced_weights;
use crate::nn::convnet::{ConvNet, ConvNetConfig, ConvPath};
use crate::nn::losses::{Loss, loss};
use crate::settings::train::TrainSettings;
use crate::train::checkpoint::{Checkpoint, CheckpointHeader};
use crate::train::device_copy::copy_to;
use crate::train::metrics::Confusion;
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
    loss: Loss,
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
        let class_weights = if loss.is_class_balanced() {
            let w = class_balanced_weights(&train.class_counts(), settings.loss.beta)?;
            let w: Vec<f32> = w.iter().map(|&v| v as f32).collect();
            Some(Tensor::<1>::from_data(
                TensorData::new(w, [CLASSES]),
                &device,
            ))
        } else {
            None
        };
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
            loss,
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

    /// Trains on the next batch, reading nothing back. Returns whether it finished an epoch
    /// (then [`Trainer::report`] must run before the next step).
    pub fn step(&mut self) -> bool {
        let end = (self.cursor + self.settings.batch).min(self.order.len());
        let indices: Vec<usize> = self.order[self.cursor..end].to_vec();
        let labels: Vec<usize> = indices.iter().map(|&i| self.train.label(i)).collect();
        let seed = self.settings.seed;
        let randomised: Vec<Vec<u8>>;
        let records: Vec<&[u8]> = if self.settings.texture_randomised {
            randomised = indices
                .iter()
                .map(|&i| randomise_texture(&self.train, i, seed, self.epoch))
                .collect();
            randomised.iter().map(Vec::as_slice).collect()
        } else {
            indices.iter().map(|&i| self.train.record(i)).collect()
        };
        let aug = self
            .settings
            .augment
            .then_some((seed, self.epoch as u64, indices.as_slice()));
        let images = images_tensor(&records, &self.stats, aug, &self.device);
        // Dropout masks: a seed per iteration, so a run replays exactly.
        self.device
            .seed(seed ^ (self.iteration as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let targets = one_hot(&labels, &self.device);
        let logits = self.model.forward(images);
        let predicted = logits.clone().argmax(1).float().detach();
        let loss_value = loss(self.loss, logits, targets, self.class_weights.clone());
        let learning_rate = self
            .settings
            .learning_rate_at(self.iteration, self.iterations_per_epoch());
        let grads = GradientsParams::from_grads(loss_value.backward(), &self.model);
        self.model = self.optim.step(learning_rate, self.model.clone(), grads);

        self.cursor = end;
        let epoch_done = self.cursor >= self.order.len();
        self.pending.push(Pending {
            iteration: self.iteration,
            epoch: self.epoch,
            epoch_done,
            loss: loss_value.detach().unsqueeze(),
            predicted,
            labels,
            learning_rate,
        });
        self.iteration += 1;
        if epoch_done {
            self.epoch += 1;
            self.cursor = 0;
            self.order = epoch_order(self.train.len(), seed, self.epoch);
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
    /// evaluation device, if it has one; where it trains if that fails (e.g. the GPU was lost).
    pub async fn evaluate(&self, test: &Records, batch: usize) -> Result<Confusion, ReadError> {
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
        evaluate(&model, &self.stats, test, batch, &self.device).await
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
