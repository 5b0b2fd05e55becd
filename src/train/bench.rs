//! Throughput of the ConvNet on one device: training images per second (a full step: batch
//! assembly, augmentation, forward, loss, backward, SGD update, one read-back) and forward-only
//! images per second (eval mode, one read-back a batch). Each figure is the median of several
//! timed chunks after untimed warm-up steps, so one slow chunk (a compile, a page fault) does not
//! move it. The CLI's `lectern bench` prints these; the same code can run in the worker.

use burn::module::Module;
use serde::{Deserialize, Serialize};

use super::engine::{TrainError, Trainer, images_tensor};
use crate::compute::read_f32;
use crate::data::cifar::Records;
use crate::data::toy::toy_records;
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

/// Times training and inference of the ConvNet on `device`, on the built-in toy images (the
/// content of the images does not change the arithmetic). `now_ms` is the caller's clock.
pub async fn bench(
    settings: &BenchSettings,
    device: &Device,
    now_ms: impl Fn() -> f64,
) -> Result<BenchReport, TrainError> {
    settings.validate()?;
    let steps = settings.warmup_steps + settings.chunks * settings.steps_per_chunk;
    // Enough toy images that no timed step is an epoch's short last batch.
    let per_class = (steps * settings.batch).div_ceil(10);
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
    let mut trainer = Trainer::new(&train_settings, settings.conv_path, train.clone(), device)?;
    // A whole step: train one batch, then read its loss and predictions back.
    let mut step = async || {
        trainer.step();
        trainer.report(&now_ms).await.map(|_| ())
    };
    for _ in 0..settings.warmup_steps {
        step().await?;
    }
    let mut train_chunks = Vec::with_capacity(settings.chunks);
    for _ in 0..settings.chunks {
        let started = now_ms();
        for _ in 0..settings.steps_per_chunk {
            step().await?;
        }
        train_chunks.push(images_per_second(settings, now_ms() - started));
    }

    // As evaluation runs it (`predict_records`): no autodiff for the model or its inputs.
    let (model, device) = (trainer.model().valid(), trainer.device().clone().inner());
    let records: Vec<&[u8]> = train.records().take(settings.batch).collect();
    let forward_once = || async {
        let images = images_tensor(&records, &trainer.stats, None, &device);
        read_f32(model.forward(images).argmax(1).float()).await
    };
    for _ in 0..settings.warmup_steps {
        forward_once().await?;
    }
    let mut forward_chunks = Vec::with_capacity(settings.chunks);
    for _ in 0..settings.chunks {
        let started = now_ms();
        for _ in 0..settings.steps_per_chunk {
            forward_once().await?;
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
