//! The step-wise training engine: one call trains on one batch and reports progress, so the
//! worker can interleave messages and the CLI can draw a progress bar. Same seed + CPU backend ⇒
//! the same numbers. A NaN or infinite loss stops training with an error, keeping the weights of
//! the last finished epoch.

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::checkpoint::{Checkpoint, CheckpointHeader};
use super::metrics::Confusion;
use crate::compute::read_f32 as read;
use crate::data::augment::{AugmentRng, Augmentation, ChannelStats, normalize_into};
use crate::data::cifar::{Batch, CLASSES, IMAGE_BYTES};
use crate::nn::class_balance::class_balanced_weights;
use crate::nn::convnet::{ConvNet, ConvNetConfig};
use crate::nn::losses::{LossKind, loss};

/// How the learning rate changes over training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    Constant,
    /// Multiply by `factor` at the start of each listed epoch (e.g. 0.01 × 0.6 at epochs 5, 10).
    Step {
        at_epochs: Vec<usize>,
        factor: f64,
    },
}

/// Everything a training run depends on.
#[derive(Config, Debug)]
pub struct TrainConfig {
    pub model: ConvNetConfig,
    #[config(default = "LossKind::CrossEntropy")]
    pub loss: LossKind,
    /// β of the class-balanced weights (CB losses only).
    #[config(default = 0.9999)]
    pub beta: f64,
    #[config(default = 10)]
    pub epochs: usize,
    #[config(default = 64)]
    pub batch: usize,
    #[config(default = 0.01)]
    pub learning_rate: f64,
    #[config(default = 0.9)]
    pub momentum: f64,
    #[config(default = 5e-4)]
    pub weight_decay: f64,
    #[config(default = "Schedule::Constant")]
    pub schedule: Schedule,
    /// Linear warm-up of the learning rate over this many epochs.
    #[config(default = 0)]
    pub warmup_epochs: usize,
    /// Random crop + flip on the training images.
    #[config(default = true)]
    pub augment: bool,
    #[config(default = 1)]
    pub seed: u64,
}

impl TrainConfig {
    /// Refuses bad values with a message naming the option.
    pub fn validate(&self) -> Result<(), String> {
        self.model.validate()?;
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(format!(
                "the learning rate must be > 0, got {}",
                self.learning_rate
            ));
        }
        if self.batch == 0 {
            return Err("the batch size must be at least 1".into());
        }
        if self.epochs == 0 {
            return Err("at least one epoch is needed".into());
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(format!("momentum must be in [0, 1), got {}", self.momentum));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!(
                "weight decay must be ≥ 0, got {}",
                self.weight_decay
            ));
        }
        if !(0.0..1.0).contains(&self.beta) {
            return Err(format!("β must be in [0, 1), got {}", self.beta));
        }
        if let LossKind::Focal { gamma } | LossKind::CbFocal { gamma } = self.loss
            && !(gamma.is_finite() && gamma >= 0.0)
        {
            return Err(format!("γ must be ≥ 0, got {gamma}"));
        }
        Ok(())
    }

    /// The learning rate for `iteration` (0-based) when an epoch has `per_epoch` iterations.
    pub fn learning_rate_at(&self, iteration: usize, per_epoch: usize) -> f64 {
        let epoch = iteration / per_epoch.max(1);
        let mut lr = self.learning_rate;
        if let Schedule::Step { at_epochs, factor } = &self.schedule {
            lr *= factor.powi(at_epochs.iter().filter(|&&e| epoch >= e).count() as i32);
        }
        let warmup = self.warmup_epochs * per_epoch;
        if iteration < warmup {
            lr *= (iteration + 1) as f64 / warmup as f64;
        }
        lr
    }
}

/// One batch's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepEvent {
    pub iteration: usize,
    pub epoch: usize,
    /// Whether this batch finished an epoch.
    pub epoch_done: bool,
    pub loss: f32,
    /// Accuracy on this batch (training mode, augmented).
    pub accuracy: f64,
    pub learning_rate: f64,
    /// Images per second for this step, by the caller's clock.
    pub images_per_second: f64,
}

/// Training state between steps.
pub struct Trainer {
    config: TrainConfig,
    device: Device,
    model: ConvNet,
    optim: ModuleOptimizer,
    train: Batch,
    labels: Vec<usize>,
    pub stats: ChannelStats,
    class_weights: Option<Tensor<1>>,
    order: Vec<usize>,
    cursor: usize,
    pub iteration: usize,
    pub epoch: usize,
    /// The model as it was after the last finished epoch (what a NaN falls back to), as a
    /// detached eval-mode copy: `valid()` folds in BatchNorm's pending running statistics and gives
    /// them their own storage (a plain `clone()` would share them with the live model, so a NaN
    /// batch would poison the "good" copy too).
    last_good: Option<ConvNet>,
}

/// Fisher–Yates with a seeded SplitMix stream.
fn shuffle(order: &mut [usize], seed: u64, epoch: u64) {
    let mut rng = AugmentRng::for_image(seed, epoch, u64::MAX);
    for i in (1..order.len()).rev() {
        let j = rng.below((i + 1) as u64) as usize;
        order.swap(i, j);
    }
}

/// Images (records) → a normalised `[n, 3, 32, 32]` tensor, augmented when `aug` gives a seed.
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
            Some((seed, epoch, indices)) => {
                Augmentation::draw(&mut AugmentRng::for_image(seed, epoch, indices[i] as u64))
            }
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

/// Reads several tensors back as f32 values in one device round trip.
async fn read_together<const N: usize>(tensors: [Tensor<2>; N]) -> Result<[Vec<f32>; N], String> {
    let values = crate::compute::read_many(tensors)
        .await?
        .into_iter()
        .map(|d| d.try_into_vec::<f32>().map_err(|e| format!("{e:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    values
        .try_into()
        .map_err(|_| "the device returned the wrong number of results".to_string())
}

impl Trainer {
    /// Prepares training on `train` (validated CIFAR-layout records) on `device`.
    pub fn new(config: TrainConfig, train: Batch, device: &Device) -> Result<Self, String> {
        config.validate()?;
        let device = device.clone().autodiff();
        let labels: Vec<usize> = train.records().map(|r| r[0] as usize).collect();
        let counts = train.class_counts();
        let stats = ChannelStats::of(train.records().map(|r| &r[1..]));
        let class_weights = if config.loss.is_class_balanced() {
            let w = class_balanced_weights(&counts, config.beta).map_err(|e| e.to_string())?;
            let w: Vec<f32> = w.iter().map(|&v| v as f32).collect();
            Some(Tensor::<1>::from_data(
                TensorData::new(w, [CLASSES]),
                &device,
            ))
        } else {
            None
        };
        let mut order: Vec<usize> = (0..labels.len()).collect();
        shuffle(&mut order, config.seed, 0);
        // Burn draws initial weights and dropout masks from the backend's generator: seed it.
        device.seed(config.seed);
        let model = config.model.init(&device);
        let optim = SgdConfig::new()
            .with_momentum((config.momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(config.momentum)
                    .with_dampening(0.0)
            }))
            .with_weight_decay(
                (config.weight_decay > 0.0)
                    .then(|| WeightDecayConfig::new(config.weight_decay as f32)),
            )
            .init();
        Ok(Self {
            config,
            device,
            model,
            optim,
            train,
            labels,
            stats,
            class_weights,
            order,
            cursor: 0,
            iteration: 0,
            epoch: 0,
            last_good: None,
        })
    }

    /// Iterations in one epoch (the last batch may be smaller).
    pub fn iterations_per_epoch(&self) -> usize {
        self.labels.len().div_ceil(self.config.batch)
    }

    /// Whether all epochs are done.
    pub fn finished(&self) -> bool {
        self.epoch >= self.config.epochs
    }

    /// Trains on the next batch. `now_ms` is the caller's clock.
    pub async fn step(&mut self, now_ms: impl Fn() -> f64) -> Result<StepEvent, String> {
        let started = now_ms();
        let end = (self.cursor + self.config.batch).min(self.order.len());
        let indices: Vec<usize> = self.order[self.cursor..end].to_vec();
        let records: Vec<&[u8]> = indices.iter().map(|&i| self.train.record(i)).collect();
        let labels: Vec<usize> = indices.iter().map(|&i| self.labels[i]).collect();
        let aug = self.config.augment.then_some((
            self.config.seed,
            self.epoch as u64,
            indices.as_slice(),
        ));
        let images = images_tensor(&records, &self.stats, aug, &self.device);
        // Dropout masks: a seed per iteration, so a run replays exactly.
        self.device
            .seed(self.config.seed ^ (self.iteration as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let targets = one_hot(&labels, &self.device);
        let logits = self.model.forward(images);
        let predictions = logits.clone().argmax(1).float();
        let loss_value = loss(
            self.config.loss,
            logits,
            targets,
            self.class_weights.clone(),
        );
        // One read-back for both (each is a device round trip, costly on WebGPU).
        let [predicted, value] =
            read_together([predictions, loss_value.clone().unsqueeze()]).await?;
        let value = value[0];
        if !value.is_finite() {
            if let Some(good) = self.last_good.clone() {
                self.model = good.train();
            }
            return Err(format!(
                "the loss became {value} at iteration {} (epoch {}): training stopped; the weights of the last finished epoch are kept. Try a smaller learning rate.",
                self.iteration,
                self.epoch + 1
            ));
        }
        let learning_rate = self
            .config
            .learning_rate_at(self.iteration, self.iterations_per_epoch());
        let grads = GradientsParams::from_grads(loss_value.backward(), &self.model);
        self.model = self.optim.step(learning_rate, self.model.clone(), grads);

        let correct = predicted
            .iter()
            .zip(&labels)
            .filter(|&(&p, &l)| p as usize == l)
            .count();
        let event_epoch = self.epoch;
        self.iteration += 1;
        self.cursor = end;
        let epoch_done = self.cursor >= self.order.len();
        if epoch_done {
            self.epoch += 1;
            self.cursor = 0;
            shuffle(&mut self.order, self.config.seed, self.epoch as u64);
            self.last_good = Some(self.model.valid());
        }
        let seconds = ((now_ms() - started) / 1000.0).max(1e-9);
        Ok(StepEvent {
            iteration: self.iteration - 1,
            epoch: event_epoch,
            epoch_done,
            loss: value,
            accuracy: correct as f64 / labels.len() as f64,
            learning_rate,
            images_per_second: labels.len() as f64 / seconds,
        })
    }

    /// The confusion matrix of the current model on `test` (no augmentation, eval mode).
    pub async fn evaluate(&self, test: &Batch, batch: usize) -> Result<Confusion, String> {
        evaluate(&self.model, &self.stats, test, batch, &self.device).await
    }

    /// The current weights with what evaluating them needs.
    pub async fn checkpoint(&self) -> Result<Checkpoint, String> {
        let header = CheckpointHeader {
            model: self.config.model.clone(),
            stats: self.stats,
            epochs: self.epoch,
        };
        Checkpoint::of(&self.model, header).await
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
/// eval mode: BatchNorm uses its running statistics, dropout is off).
pub async fn evaluate(
    model: &ConvNet,
    stats: &ChannelStats,
    test: &Batch,
    batch: usize,
    device: &Device,
) -> Result<Confusion, String> {
    let model = model.valid();
    let mut confusion = Confusion::new(CLASSES);
    let records: Vec<&[u8]> = test.records().collect();
    for chunk in records.chunks(batch.max(1)) {
        let images = images_tensor(chunk, stats, None, device).detach();
        let logits = model.forward(images);
        let predicted = read(logits.argmax(1).float()).await?;
        let labels: Vec<usize> = chunk.iter().map(|r| r[0] as usize).collect();
        confusion.add(
            &labels,
            &predicted.iter().map(|&p| p as usize).collect::<Vec<_>>(),
        );
    }
    Ok(confusion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::cpu_device;
    use crate::data::toy::toy_records;

    fn small() -> TrainConfig {
        TrainConfig::new(ConvNetConfig::new().with_widths([8, 16]))
            .with_batch(20)
            .with_epochs(3)
            .with_learning_rate(0.02)
    }

    /// Runs `steps` steps on the toy data (the determinism check lives in
    /// tests/train_determinism.rs: Burn's generator is process-wide, and tests here run in parallel).
    pub(crate) fn run(config: TrainConfig, steps: usize) -> Result<Vec<StepEvent>, String> {
        let train = Batch::parse(toy_records(6, 3)).unwrap();
        let mut trainer = Trainer::new(config, train, &cpu_device())?;
        let mut events = Vec::new();
        for _ in 0..steps {
            events.push(pollster::block_on(trainer.step(|| 0.0))?);
        }
        Ok(events)
    }

    #[test]
    fn learning_rate_schedules() {
        let c = small().with_schedule(Schedule::Step {
            at_epochs: vec![1, 2],
            factor: 0.6,
        });
        assert_eq!(c.learning_rate_at(0, 10), 0.02);
        assert!((c.learning_rate_at(10, 10) - 0.012).abs() < 1e-12);
        assert!((c.learning_rate_at(25, 10) - 0.0072).abs() < 1e-12);
        let w = small().with_warmup_epochs(1);
        assert!((w.learning_rate_at(0, 10) - 0.002).abs() < 1e-12);
        assert_eq!(w.learning_rate_at(10, 10), 0.02);
    }

    #[test]
    fn epochs_advance_and_the_loss_falls() {
        // Eight epochs: three steps are too few to rise above batch noise (the initial weights
        // vary between runs here, as other tests draw from Burn's process-wide generator).
        let events = run(small().with_epochs(8), 24).unwrap();
        assert!(
            events[2].epoch_done,
            "60 images / batch 20 = 3 steps an epoch"
        );
        assert_eq!(
            (events[3].epoch, events[8].epoch, events[23].epoch),
            (1, 2, 7)
        );
        let first: f32 = events[..3].iter().map(|e| e.loss).sum();
        let last: f32 = events[21..].iter().map(|e| e.loss).sum();
        assert!(last < first, "{first} → {last}");
    }

    #[test]
    fn bad_options_are_refused() {
        for (config, needle) in [
            (small().with_learning_rate(0.0), "learning rate"),
            (small().with_batch(0), "batch size"),
            (small().with_beta(1.0), "β"),
            (small().with_loss(LossKind::Focal { gamma: -1.0 }), "γ"),
            (small().with_momentum(1.5), "momentum"),
        ] {
            let err = run(config, 1).unwrap_err();
            assert!(err.contains(needle), "{err}");
        }
    }

    /// The predicted classes of `model` on `images`, in eval mode.
    fn predictions(model: &ConvNet, images: &Batch, stats: &ChannelStats) -> Vec<usize> {
        let confusion_free = pollster::block_on(async {
            let records: Vec<&[u8]> = images.records().collect();
            let x = images_tensor(&records, stats, None, &cpu_device());
            read(model.valid().forward(x).argmax(1).float()).await
        });
        confusion_free
            .unwrap()
            .iter()
            .map(|&p| p as usize)
            .collect()
    }

    #[test]
    fn a_checkpoint_saved_and_loaded_predicts_the_same() {
        let train = Batch::parse(toy_records(6, 3)).unwrap();
        let test = Batch::parse(toy_records(5, 11)).unwrap();
        let mut trainer = Trainer::new(small(), train, &cpu_device()).unwrap();
        for _ in 0..4 {
            pollster::block_on(trainer.step(|| 0.0)).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        pollster::block_on(trainer.checkpoint())
            .unwrap()
            .save(&path)
            .unwrap();
        let loaded = Checkpoint::load(&path).unwrap();
        assert_eq!(loaded.header.epochs, 1);
        assert_eq!(loaded.header.stats, trainer.stats);
        let model = loaded.model(&cpu_device()).unwrap();
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
            &cpu_device(),
        ))
        .unwrap();
        assert_eq!(a.counts, b.counts);
    }

    #[test]
    fn damaged_checkpoints_are_refused_with_the_reason() {
        let train = Batch::parse(toy_records(2, 3)).unwrap();
        let trainer = Trainer::new(small(), train, &cpu_device()).unwrap();
        let bytes = pollster::block_on(trainer.checkpoint()).unwrap().to_bytes();
        let reason = |b: &[u8]| Checkpoint::from_bytes(b).unwrap_err();
        assert!(reason(b"PK\x03\x04 a zip").contains("not a lectern checkpoint"));
        assert!(reason(&bytes[..30]).contains("truncated"));
        let header_end = bytes.len() - 10;
        let cut = Checkpoint::from_bytes(&bytes[..header_end]);
        let err = match cut {
            Ok(c) => c.model(&cpu_device()).unwrap_err(),
            Err(e) => e,
        };
        assert!(
            err.contains("weights") || err.contains("truncated"),
            "{err}"
        );
        // Weights for another architecture.
        let mut other = Checkpoint::from_bytes(&bytes).unwrap();
        other.header.model.widths = [4, 4];
        let err = other.model(&cpu_device()).unwrap_err();
        assert!(err.contains("do not fit"), "{err}");
    }

    #[test]
    fn a_nan_loss_restores_the_last_finished_epoch() {
        // Epoch 1 trains normally; then the learning rate jumps ×1e30 and the loss overflows
        // (when exactly depends on the initial weights: BatchNorm absorbs some of the blow-up).
        let config = small().with_momentum(0.0).with_schedule(Schedule::Step {
            at_epochs: vec![1],
            factor: 1e30,
        });
        let train = Batch::parse(toy_records(6, 3)).unwrap();
        let test = Batch::parse(toy_records(5, 11)).unwrap();
        let mut trainer = Trainer::new(config, train, &cpu_device()).unwrap();
        let (mut finished, mut last_finished) = (0, None);
        let err = loop {
            match pollster::block_on(trainer.step(|| 0.0)) {
                Ok(event) => {
                    assert!(event.iteration < 60, "the loss never overflowed");
                    if event.epoch_done {
                        finished += 1;
                        last_finished = Some(predictions(trainer.model(), &test, &trainer.stats));
                    }
                }
                Err(e) => break e,
            }
        };
        assert!(err.contains("the loss became"), "{err}");
        assert!(finished >= 1, "epoch 1 trains at a sane learning rate");
        assert_eq!(trainer.epoch, finished);
        assert_eq!(
            Some(predictions(trainer.model(), &test, &trainer.stats)),
            last_finished,
            "the weights are those of the end of epoch {finished}"
        );
    }

    #[test]
    fn a_nan_loss_stops_with_a_clear_error() {
        let err = run(small().with_learning_rate(1e12).with_momentum(0.0), 40).unwrap_err();
        assert!(
            err.contains("the loss became") && err.contains("smaller learning rate"),
            "{err}"
        );
    }
}
