//! Throughput of the ConvNet on one device: training images per second (a full step: batch
//! assembly, augmentation, forward, loss, backward, SGD update, one read-back) and forward-only
//! images per second (eval mode, one read-back a batch). Each figure is the median of several
//! timed chunks after untimed warm-up steps, so one slow chunk (a compile, a page fault) does not
//! move it. The CLI's `lectern bench` prints these; the same code can run in the worker, and the
//! worker's calibration at start times the same units of work ([`Workload`]).

use burn::module::Module;
use serde::{Deserialize, Serialize};

use super::engine::{TrainError, Trainer, images_tensor};
use crate::compute::{ReadError, read_f32};
use crate::data::cifar::Records;
use crate::data::toy::toy_records;
use crate::nn::convnet::ConvNet;
use crate::settings::SettingsError;
use crate::settings::model::{ConvPath, ModelSettings};
use crate::settings::train::TrainSettings;
use burn::tensor::Device;

/// What to time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchSettings {
    pub batch: usize,
    /// Channels of the two blocks.
    pub widths: [usize; 2],
    pub conv_path: ConvPath,
    /// Untimed steps first (allocations, shader compilation on WebGPU).
    pub warmup_steps: usize,
    /// Timed chunks; the report gives their median.
    pub chunks: usize,
    pub steps_per_chunk: usize,
}

impl Default for BenchSettings {
    fn default() -> Self {
        Self {
            batch: 64,
            widths: ModelSettings::default().widths,
            conv_path: ConvPath::OwnKernel,
            warmup_steps: 2,
            chunks: 5,
            steps_per_chunk: 3,
        }
    }
}

impl BenchSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        crate::settings::train::BATCH.check_count(self.batch)?;
        if self.chunks == 0 || self.steps_per_chunk == 0 {
            return Err(SettingsError::Invalid {
                name: "chunks",
                reason: "at least one timed chunk of at least one step is needed".into(),
            });
        }
        Ok(())
    }
}

/// Images per second, median and per chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub median_images_per_second: f64,
    pub chunks_images_per_second: Vec<f64>,
}

impl Throughput {
    fn of(chunks: Vec<f64>) -> Self {
        Self {
            median_images_per_second: median(&chunks),
            chunks_images_per_second: chunks,
        }
    }
}

/// One device's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub settings: BenchSettings,
    pub train: Throughput,
    pub forward: Throughput,
}

/// The median (mean of the middle two for an even count); NaN for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The ConvNet's work as the bench times it, one unit at a time: a whole training step (train
/// one batch, then read its loss and predictions back) or evaluation's forward pass over one batch
/// (no autodiff, the predicted classes read back). On the built-in toy images: their content does
/// not change the arithmetic. Calibration at start (`worker::calibrate`) times the same units.
pub struct Workload {
    trainer: Trainer,
    train: Records,
    batch: usize,
    forward_path: ConvPath,
    /// The model as the forward pass runs it (eval mode, no autodiff), made once after training.
    forward_model: Option<ConvNet>,
}

impl Workload {
    /// Up to `steps` training steps of `settings`' ConvNet on `device`, none an epoch's short last
    /// batch; the forward pass computes the convolutions as training does.
    pub fn new(
        settings: &BenchSettings,
        steps: usize,
        device: &Device,
    ) -> Result<Self, TrainError> {
        settings.validate()?;
        let per_class = (steps.max(1) * settings.batch).div_ceil(10);
        let train = Records::parse(toy_records(per_class, 7)).expect("toy records are valid");
        let train_settings = TrainSettings {
            model: ModelSettings {
                widths: settings.widths,
                ..ModelSettings::default()
            },
            batch: settings.batch,
            epochs: 1,
            ..TrainSettings::default()
        };
        Ok(Self {
            trainer: Trainer::new(&train_settings, settings.conv_path, train.clone(), device)?,
            train,
            batch: settings.batch,
            forward_path: settings.conv_path,
            forward_model: None,
        })
    }

    /// The forward pass computes the convolutions `path`'s way (evaluation's fastest may differ).
    pub fn forward_with(mut self, path: ConvPath) -> Self {
        self.forward_path = path;
        self
    }

    /// Images in one unit of work.
    pub fn images(&self) -> usize {
        self.batch
    }

    /// One training step, its loss and predictions read back. `now_ms` is the caller's clock.
    pub async fn train_step(&mut self, now_ms: impl Fn() -> f64) -> Result<(), TrainError> {
        self.forward_model = None;
        self.trainer.step();
        self.trainer.report(now_ms).await.map(|_| ())
    }

    /// One forward pass as evaluation runs it (`predict_records`): no autodiff for the model or
    /// its inputs, the predicted classes read back.
    pub async fn forward_pass(&mut self) -> Result<(), ReadError> {
        let (trainer, path) = (&self.trainer, self.forward_path);
        let model = self
            .forward_model
            .get_or_insert_with(|| trainer.model().valid().with_conv_path(path));
        let device = self.trainer.device().clone().inner();
        let records: Vec<&[u8]> = self.train.records().take(self.batch).collect();
        let images = images_tensor(&records, &self.trainer.stats, None, &device);
        read_f32(model.forward(images).argmax(1).float())
            .await
            .map(|_| ())
    }
}

/// Times training and inference of the ConvNet on `device`, on the built-in toy images (the
/// content of the images does not change the arithmetic). `now_ms` is the caller's clock.
pub async fn bench(
    settings: &BenchSettings,
    device: &Device,
    now_ms: impl Fn() -> f64,
) -> Result<BenchReport, TrainError> {
    let steps = settings.warmup_steps + settings.chunks * settings.steps_per_chunk;
    let mut work = Workload::new(settings, steps, device)?;
    for _ in 0..settings.warmup_steps {
        work.train_step(&now_ms).await?;
    }
    let mut train_chunks = Vec::with_capacity(settings.chunks);
    for _ in 0..settings.chunks {
        let started = now_ms();
        for _ in 0..settings.steps_per_chunk {
            work.train_step(&now_ms).await?;
        }
        train_chunks.push(images_per_second(settings, now_ms() - started));
    }

    for _ in 0..settings.warmup_steps {
        work.forward_pass().await?;
    }
    let mut forward_chunks = Vec::with_capacity(settings.chunks);
    for _ in 0..settings.chunks {
        let started = now_ms();
        for _ in 0..settings.steps_per_chunk {
            work.forward_pass().await?;
        }
        forward_chunks.push(images_per_second(settings, now_ms() - started));
    }
    Ok(BenchReport {
        settings: settings.clone(),
        train: Throughput::of(train_chunks),
        forward: Throughput::of(forward_chunks),
    })
}

fn images_per_second(settings: &BenchSettings, elapsed_ms: f64) -> f64 {
    (settings.steps_per_chunk * settings.batch) as f64 / (elapsed_ms.max(1e-6) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_tiny_bench_reports_one_figure_per_chunk() {
        let settings = BenchSettings {
            batch: 4,
            widths: [2, 4],
            conv_path: ConvPath::OwnKernel,
            warmup_steps: 1,
            chunks: 3,
            steps_per_chunk: 1,
        };
        let started = std::time::Instant::now();
        let report = pollster::block_on(bench(&settings, &ndarray_device(), || {
            started.elapsed().as_secs_f64() * 1000.0
        }))
        .unwrap();
        assert_eq!(report.train.chunks_images_per_second.len(), 3);
        assert_eq!(report.forward.chunks_images_per_second.len(), 3);
        assert!(report.train.median_images_per_second > 0.0);
        assert!(report.forward.median_images_per_second.is_finite());
        assert!(
            BenchSettings {
                chunks: 0,
                ..settings
            }
            .validate()
            .is_err()
        );
    }
}
