//! The step-wise training engine: one call trains on one batch, so the worker can answer
//! messages between batches and the CLI can draw a progress bar. Same seed + CPU backend ⇒ the
//! same numbers.
//!
//! Nothing is read back from the device while batches are trained ([`Trainer::step`]): losses
//! and predictions stay on the device until a reporting point ([`Trainer::report`]) reads them
//! all in one round trip — every batch on the CPU, every few batches on WebGPU, and always at the
//! end of an epoch. A NaN or infinite loss found there stops training with
//! [`TrainError::Diverged`] and puts back the weights of the last finished epoch.

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;

use super::checkpoint::{Checkpoint, CheckpointError, CheckpointHeader};
use super::metrics::Confusion;
use super::progress::StepReport;
use crate::compute::{ReadError, ToF32s, read_f32, read_many};
use crate::data::augment::{Augmentation, ChannelStats, normalize_into};
use crate::data::cifar::{CLASSES, IMAGE_BYTES, Records};
use crate::data::rng::SplitMix64;
use crate::nn::class_balance::{ClassBalanceError, class_balanced_weights};
use crate::nn::convnet::{ConvNet, ConvNetConfig, ConvPath};
use crate::nn::losses::{Loss, loss};
use crate::paper::transforms::randomise_texture;
use crate::settings::SettingsError;
use crate::settings::train::TrainSettings;

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
}

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

/// Images (records) → a normalised `[n, 3, 32, 32]` tensor, augmented when `aug` gives
/// (seed, epoch, the images' indices).
pub fn images_tensor(
    records: &[&[u8]],
    stats: &ChannelStats,
    aug: Option<(u64, u64, &[usize])>,
    device: &Device,
) -> Tensor<4> {
    let mut values = vec![0f32; records.len() * IMAGE_BYTES];
    for (i, (record, out)) in records
        .iter()
        .zip(values.chunks_mut(IMAGE_BYTES))
        .enumerate()
    {
        let augmentation = match aug {
            Some((seed, epoch, indices)) => Augmentation::for_image(seed, epoch, indices[i] as u64),
            None => Augmentation::NONE,
        };
        normalize_into(&record[1..], stats, augmentation, out);
    }
    Tensor::<4>::from_data(TensorData::new(values, [records.len(), 3, 32, 32]), device)
}

fn one_hot(labels: &[usize], device: &Device) -> Tensor<2> {
    let values: Vec<f32> = labels
        .iter()
        .flat_map(|&l| (0..CLASSES).map(move |c| (c == l) as u8 as f32))
        .collect();
    Tensor::<2>::from_data(TensorData::new(values, [labels.len(), CLASSES]), device)
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

    /// The confusion matrix of the current model on `test` (no augmentation, eval mode).
    pub async fn evaluate(&self, test: &Records, batch: usize) -> Result<Confusion, ReadError> {
        let model = self.model.clone().with_conv_path(self.eval_path);
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

/// The confusion matrix of `model` on `test`, inputs normalised with `stats` (no augmentation,
/// eval mode: BatchNorm uses its running statistics, dropout is off). Reads back once a chunk.
pub async fn evaluate(
    model: &ConvNet,
    stats: &ChannelStats,
    test: &Records,
    batch: usize,
    device: &Device,
) -> Result<Confusion, ReadError> {
    let predicted = predict(model, stats, test, batch, device).await?;
    let mut confusion = Confusion::new(CLASSES);
    let labels: Vec<usize> = (0..test.len()).map(|i| test.label(i)).collect();
    confusion.add(&labels, &predicted);
    Ok(confusion)
}

/// The class `model` predicts for each record of `test`, in order.
pub async fn predict(
    model: &ConvNet,
    stats: &ChannelStats,
    test: &Records,
    batch: usize,
    device: &Device,
) -> Result<Vec<usize>, ReadError> {
    let records: Vec<&[u8]> = test.records().collect();
    predict_records(model, stats, &records, batch, device).await
}

/// [`predict`] for any records (e.g. transformed test images).
pub async fn predict_records(
    model: &ConvNet,
    stats: &ChannelStats,
    records: &[&[u8]],
    batch: usize,
    device: &Device,
) -> Result<Vec<usize>, ReadError> {
    // The model without autodiff, and its inputs on the same device without autodiff (no
    // gradients: on burn-ndarray each conv unit then runs as one operation, see `ConvNet::forward`).
    let (model, device) = (model.valid(), device.clone().inner());
    let mut predicted = Vec::with_capacity(records.len());
    for chunk in records.chunks(batch.max(1)) {
        let images = images_tensor(chunk, stats, None, &device);
        let logits = model.forward(images);
        predicted.extend(
            read_f32(logits.argmax(1).float())
                .await?
                .iter()
                .map(|&p| p as usize),
        );
    }
    Ok(predicted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use crate::data::toy::toy_records;
    use crate::settings::model::ModelSettings;
    use crate::settings::train::Schedule;

    pub(crate) fn small() -> TrainSettings {
        TrainSettings {
            model: ModelSettings {
                widths: [8, 16],
                ..ModelSettings::default()
            },
            batch: 20,
            epochs: 3,
            learning_rate: 0.02,
            warmup_epochs: 0,
            schedule: Schedule::Constant,
            ..TrainSettings::default()
        }
    }

    fn trainer(settings: &TrainSettings, per_class: usize) -> Trainer {
        let train = Records::parse(toy_records(per_class, 3)).unwrap();
        Trainer::new(settings, ConvPath::Patches, train, &ndarray_device()).unwrap()
    }

    /// Runs `steps` steps on the toy data, reporting after each (the determinism check lives in
    /// tests/train_determinism.rs: Burn's generator is process-wide, and tests here run in
    /// parallel).
    fn run(settings: TrainSettings, steps: usize) -> Result<Vec<StepReport>, TrainError> {
        let mut trainer = trainer(&settings, 6);
        let mut reports = Vec::new();
        for _ in 0..steps {
            trainer.step();
            reports.extend(pollster::block_on(trainer.report(|| 0.0))?);
        }
        Ok(reports)
    }

    #[test]
    fn epochs_advance_and_the_loss_falls() {
        // Eight epochs: three steps are too few to rise above batch noise (the initial weights
        // vary between runs here, as other tests draw from Burn's process-wide generator).
        let settings = TrainSettings {
            epochs: 8,
            ..small()
        };
        let reports = run(settings, 24).unwrap();
        assert_eq!(
            (
                reports[2].epoch,
                reports[3].epoch,
                reports[8].epoch,
                reports[23].epoch
            ),
            (0, 1, 2, 7),
            "60 images / batch 20 = 3 steps an epoch"
        );
        let first: f32 = reports[..3].iter().map(|e| e.loss).sum();
        let last: f32 = reports[21..].iter().map(|e| e.loss).sum();
        assert!(last < first, "{first} → {last}");
    }

    #[test]
    fn several_batches_are_read_back_in_one_report() {
        let mut t = trainer(&small(), 6);
        assert!(!t.step() && !t.step());
        assert_eq!(t.unreported(), 2);
        let reports = pollster::block_on(t.report(|| 0.0)).unwrap();
        assert_eq!(
            reports.iter().map(|r| r.iteration).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(t.unreported(), 0);
        assert!(reports.iter().all(|r| r.images == 20 && r.loss.is_finite()));
        assert!(t.step(), "the third batch ends the epoch");
        assert_eq!(t.epoch, 1);
    }

    #[test]
    fn bad_settings_are_refused_before_anything_trains() {
        for (settings, needle) in [
            (
                TrainSettings {
                    learning_rate: 0.0,
                    ..small()
                },
                "learning rate",
            ),
            (
                TrainSettings {
                    batch: 0,
                    ..small()
                },
                "batch size",
            ),
        ] {
            let train = Records::parse(toy_records(2, 3)).unwrap();
            let err = Trainer::new(&settings, ConvPath::Patches, train, &ndarray_device())
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    /// The predicted classes of `model` on `images`, in eval mode.
    fn predictions(model: &ConvNet, images: &Records, stats: &ChannelStats) -> Vec<usize> {
        pollster::block_on(predict(model, stats, images, 64, &ndarray_device())).unwrap()
    }

    #[test]
    fn a_checkpoint_saved_and_loaded_predicts_the_same() {
        let test = Records::parse(toy_records(5, 11)).unwrap();
        let mut trainer = trainer(&small(), 6);
        for _ in 0..4 {
            trainer.step();
            pollster::block_on(trainer.report(|| 0.0)).unwrap();
        }
        let dir = crate::scratch::ScratchDir::new();
        let path = dir.path().join("model.bin");
        pollster::block_on(trainer.checkpoint())
            .unwrap()
            .save(&path)
            .unwrap();
        let loaded = Checkpoint::load(&path).unwrap();
        assert_eq!(loaded.header.epochs, 1);
        assert_eq!(loaded.header.stats, trainer.stats);
        let model = loaded.model(&ndarray_device()).unwrap();
        let before = predictions(trainer.model(), &test, &trainer.stats);
        let after = predictions(&model, &test, &loaded.header.stats);
        assert_eq!(before, after);
        // The same confusion matrix through `evaluate`, too.
        let a = pollster::block_on(trainer.evaluate(&test, 7)).unwrap();
        let b = pollster::block_on(evaluate(
            &model,
            &loaded.header.stats,
            &test,
            7,
            &ndarray_device(),
        ))
        .unwrap();
        assert_eq!(a.counts, b.counts);
    }

    #[test]
    fn a_run_resumes_from_a_checkpoint_where_it_stopped() {
        let settings = small();
        let mut first = trainer(&settings, 6);
        for _ in 0..3 {
            first.step();
        }
        pollster::block_on(first.report(|| 0.0)).unwrap();
        let checkpoint = pollster::block_on(first.checkpoint()).unwrap();
        let train = Records::parse(toy_records(6, 3)).unwrap();
        let mut resumed = Trainer::resume(
            &settings,
            ConvPath::Direct,
            train,
            &checkpoint,
            &ndarray_device(),
        )
        .unwrap();
        assert_eq!((resumed.epoch, resumed.iteration), (1, 3));
        let test = Records::parse(toy_records(5, 11)).unwrap();
        assert_eq!(
            predictions(resumed.model(), &test, &resumed.stats),
            predictions(first.model(), &test, &first.stats),
            "the same weights, whichever way the convolutions are computed"
        );
        resumed.step();
        let report = pollster::block_on(resumed.report(|| 0.0)).unwrap();
        assert_eq!((report[0].iteration, report[0].epoch), (3, 1));
    }

    #[test]
    fn damaged_checkpoints_are_refused_with_the_reason() {
        let trainer = trainer(&small(), 2);
        let bytes = pollster::block_on(trainer.checkpoint()).unwrap().to_bytes();
        let reason = |b: &[u8]| Checkpoint::from_bytes(b).unwrap_err().to_string();
        assert!(reason(b"PK\x03\x04 a zip").contains("not a lectern checkpoint"));
        assert!(reason(&bytes[..30]).contains("truncated"));
        let cut = Checkpoint::from_bytes(&bytes[..bytes.len() - 10]);
        let err = match cut {
            Ok(c) => c.model(&ndarray_device()).unwrap_err().to_string(),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("weights") || err.contains("truncated"),
            "{err}"
        );
        // Weights for another architecture.
        let mut other = Checkpoint::from_bytes(&bytes).unwrap();
        other.header.model.widths = [4, 4];
        let err = other.model(&ndarray_device()).unwrap_err().to_string();
        assert!(err.contains("do not fit"), "{err}");
    }
}
