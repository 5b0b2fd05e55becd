//! How a ConvNet is trained: the optimiser, the schedule, augmentation, the seed — with the one
//! set of defaults the page, the worker and the CLI share.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::data::DatasetKind;
use super::loss::LossSettings;
use super::model::ModelSettings;
use super::{Range, SettingsError};

pub const EPOCHS: Range = Range::whole("epochs", 1, 200);
pub const BATCH: Range = Range::whole("batch size", 1, 512);
pub const LEARNING_RATE: Range = Range::real("learning rate", 1e-4, 10.0);
pub const MOMENTUM: Range = Range::below("momentum", 0.0, 1.0);
pub const WEIGHT_DECAY: Range = Range::real("weight decay", 0.0, 0.1);
pub const WARMUP_EPOCHS: Range = Range::whole("warm-up epochs", 0, 50);
/// The factor a step schedule multiplies the learning rate by (below 1: a decay).
pub const DECAY_FACTOR: Range = Range::real("decay factor", 0.001, 100.0);
/// An epoch after which a step schedule drops the rate.
pub const DECAY_EPOCH: Range = Range::whole("decay epoch", 1, EPOCHS.max as usize);
pub const SEED: Range = Range::whole("seed", 0, 999_999);
/// Workers training each batch in shards (0: automatic, see [`TrainSettings::workers`]).
pub const WORKERS: Range = Range::whole("workers", 0, 16);
/// The most workers "automatic" picks. Each helper costs the trainer one exchange a step (its
/// weights out, its gradient back, one after another), so past a few workers the exchanges eat
/// what the smaller shards save: from `make bench`'s figures (README, *Speed*) 4 workers are
/// projected faster than 8 for the default network at batch 64. The knob allows up to 16.
pub const AUTO_WORKERS_MAX: usize = 4;
/// The most bytes one activation of a training step may take: 128 MiB, what every WebGPU
/// adapter must bind as one storage buffer (`maxStorageBufferBindingSize`'s default), so that
/// settings a link carries run in every student's browser.
pub const ACTIVATION_BYTES_MAX: u64 = 128 << 20;

/// Bytes of a training step's largest activation: one f32 per channel and pixel of a batch, at
/// 32×32 in the first block and 16×16 in the second.
pub fn largest_activation_bytes(batch: usize, widths: [usize; 2]) -> u64 {
    let [first, second] = widths.map(|w| w as u64);
    (first * 32 * 32).max(second * 16 * 16) * batch as u64 * 4
}

/// Refuses a batch size and channel widths whose largest activation is over
/// [`ACTIVATION_BYTES_MAX`], with the estimate.
pub fn check_activation_memory(batch: usize, widths: [usize; 2]) -> Result<(), SettingsError> {
    let bytes = largest_activation_bytes(batch, widths);
    if bytes > ACTIVATION_BYTES_MAX {
        return Err(SettingsError::Memory { batch, bytes });
    }
    Ok(())
}

/// How the learning rate changes over training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    Constant,
    /// Multiply by `factor` at the start of each listed epoch (1-based: `at_epochs: [8]` means
    /// from the 9th epoch on).
    Step {
        at_epochs: Vec<usize>,
        factor: f64,
    },
}

impl Schedule {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if let Schedule::Step { at_epochs, factor } = self {
            DECAY_FACTOR.check(*factor)?;
            if at_epochs.is_empty() || at_epochs.iter().any(|&e| e == 0 || e > EPOCHS.max as usize)
            {
                return Err(SettingsError::Invalid {
                    name: "decay epochs",
                    reason: format!(
                        "list the epochs after which the rate drops, each from 1 to {}",
                        EPOCHS.max
                    ),
                });
            }
        }
        Ok(())
    }
}

/// `constant`, or `step:8,12:0.2` (multiply by 0.2 after epochs 8 and 12).
impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Constant => write!(f, "constant"),
            Schedule::Step { at_epochs, factor } => {
                let epochs: Vec<String> = at_epochs.iter().map(usize::to_string).collect();
                write!(
                    f,
                    "step:{}:{}",
                    epochs.join(","),
                    crate::format::plain(*factor)
                )
            }
        }
    }
}

impl FromStr for Schedule {
    type Err = SettingsError;

    fn from_str(text: &str) -> Result<Self, SettingsError> {
        let bad = || SettingsError::Invalid {
            name: "schedule",
            reason: format!(
                "\u{201c}{text}\u{201d} is not a schedule: use constant, or step:E1,E2,\u{2026}:F (step:8,12:0.2 multiplies the learning rate by 0.2 after epochs 8 and 12)"
            ),
        };
        let text = text.trim();
        if text == "constant" {
            return Ok(Schedule::Constant);
        }
        let rest = text.strip_prefix("step:").ok_or_else(bad)?;
        let (epochs, factor) = rest.rsplit_once(':').ok_or_else(bad)?;
        let at_epochs = epochs
            .split(',')
            .map(|e| e.trim().parse::<usize>().ok())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        let factor = crate::format::parse_number(factor.trim()).ok_or_else(bad)?;
        let schedule = Schedule::Step { at_epochs, factor };
        schedule.validate()?;
        Ok(schedule)
    }
}

/// The workers "automatic" picks on a machine with `cores` logical cores: one per core but one
/// (the page's own thread), between 1 and [`AUTO_WORKERS_MAX`].
pub fn auto_workers(cores: usize) -> usize {
    cores.saturating_sub(1).clamp(1, AUTO_WORKERS_MAX)
}

/// Everything a training run depends on besides its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    pub model: ModelSettings,
    pub loss: LossSettings,
    pub epochs: usize,
    pub batch: usize,
    pub learning_rate: f64,
    /// SGD momentum (0: plain SGD).
    pub momentum: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    pub schedule: Schedule,
    /// Linear warm-up of the learning rate over this many epochs.
    pub warmup_epochs: usize,
    /// Random crop (4-pixel padding) and horizontal flip of the training images.
    pub augment: bool,
    /// Texture randomisation (the paper cell's cheap Stylized-ImageNet analogue): each training
    /// image's high-frequency band is replaced by another image's, tile-shuffled.
    pub texture_randomised: bool,
    /// Seeds the initial weights, dropout, shuffling and augmentation.
    pub seed: u64,
    /// Workers that train each batch in shards, data-parallel (`train::parallel`): 0 picks one
    /// per core but one ([`TrainSettings::workers_for`]). The same seed gives the same run for
    /// the same number of workers.
    #[serde(default)]
    pub workers: usize,
}

impl Default for TrainSettings {
    /// The CIFAR-10 defaults: the site's subset (500 images a class) trains to ≥ 45 % test
    /// accuracy within 5 minutes on the CPU path in a browser (README, "Quality").
    fn default() -> Self {
        Self {
            model: ModelSettings::default(),
            loss: LossSettings::default(),
            epochs: 5,
            batch: 64,
            learning_rate: 0.05,
            momentum: 0.9,
            weight_decay: 5e-4,
            schedule: Schedule::Step {
                at_epochs: vec![4],
                factor: 0.2,
            },
            warmup_epochs: 1,
            augment: true,
            texture_randomised: false,
            seed: 1,
            workers: 0,
        }
    }
}

impl TrainSettings {
    /// The defaults for a dataset: the built-in toy set trains a narrower network for fewer
    /// epochs (to above chance in seconds); CIFAR-10 takes [`TrainSettings::default`].
    pub fn for_dataset(kind: DatasetKind) -> Self {
        match kind {
            DatasetKind::Toy => Self {
                model: ModelSettings {
                    widths: [8, 16],
                    ..ModelSettings::default()
                },
                // Three epochs finish in under 20 s on the CPU path in a browser (README).
                epochs: 3,
                schedule: Schedule::Step {
                    at_epochs: vec![2],
                    factor: 0.2,
                },
                ..Self::default()
            },
            DatasetKind::Cifar | DatasetKind::Upload => Self::default(),
        }
    }

    /// The class-imbalance lab's defaults for a dataset: a long-tailed subset is small, so more
    /// epochs of smaller batches; the toy runs in seconds.
    pub fn long_tail_for(kind: DatasetKind) -> Self {
        let base = Self::for_dataset(kind);
        match kind {
            DatasetKind::Toy => Self {
                epochs: 6,
                batch: 32,
                schedule: Schedule::Step {
                    at_epochs: vec![4],
                    factor: 0.2,
                },
                ..base
            },
            DatasetKind::Cifar | DatasetKind::Upload => Self {
                epochs: 12,
                batch: 32,
                schedule: Schedule::Step {
                    at_epochs: vec![9],
                    factor: 0.2,
                },
                ..base
            },
        }
    }

    /// The workers a run uses on a machine with `cores` logical cores: the knob's number, or
    /// for 0 one per core but one (the page's own thread), between 1 and [`AUTO_WORKERS_MAX`].
    pub fn workers_for(&self, cores: usize) -> usize {
        match self.workers {
            0 => auto_workers(cores),
            n => n,
        }
    }

    /// Bytes of a training step's largest activation.
    pub fn largest_activation_bytes(&self) -> u64 {
        largest_activation_bytes(self.batch, self.model.widths)
    }

    /// Refuses bad values with a message naming the knob and its range.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.model.validate()?;
        self.loss.validate()?;
        EPOCHS.check_count(self.epochs)?;
        BATCH.check_count(self.batch)?;
        check_activation_memory(self.batch, self.model.widths)?;
        LEARNING_RATE.check(self.learning_rate)?;
        MOMENTUM.check(self.momentum)?;
        WEIGHT_DECAY.check(self.weight_decay)?;
        WARMUP_EPOCHS.check_count(self.warmup_epochs)?;
        self.schedule.validate()?;
        SEED.check(self.seed as f64)?;
        WORKERS.check(self.workers as f64)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_is_one_worker_per_core_but_one_up_to_four_and_a_number_is_kept() {
        let auto = TrainSettings::default();
        assert_eq!(auto.workers, 0, "automatic by default");
        let picked: Vec<usize> = [0, 1, 2, 3, 4, 8, 16].map(|c| auto.workers_for(c)).to_vec();
        assert_eq!(picked, vec![1, 1, 1, 2, 3, 4, 4]);
        let two = TrainSettings {
            workers: 2,
            ..TrainSettings::default()
        };
        assert_eq!(
            two.workers_for(1),
            2,
            "the knob's number, whatever the cores"
        );
        assert!(
            TrainSettings {
                workers: 17,
                ..TrainSettings::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn defaults_are_valid_for_every_dataset() {
        for kind in [DatasetKind::Toy, DatasetKind::Cifar, DatasetKind::Upload] {
            assert_eq!(
                TrainSettings::for_dataset(kind).validate(),
                Ok(()),
                "{kind:?}"
            );
            assert_eq!(
                TrainSettings::long_tail_for(kind).validate(),
                Ok(()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn settings_whose_activations_overflow_a_gpu_buffer_are_refused_with_the_estimate() {
        // `?width=128,128&batch=512`: 512 × 128 × 32 × 32 × 4 B = 268 MB for one activation.
        let mut settings = TrainSettings::default();
        settings.model.widths = [128, 128];
        settings.batch = 512;
        assert_eq!(settings.largest_activation_bytes(), 268_435_456);
        let refused = settings.validate().unwrap_err().to_string();
        assert!(refused.contains("batch size 512"), "{refused}");
        assert!(
            refused.contains("268 MB") && refused.contains("134 MB"),
            "{refused}"
        );
        // Exactly at the limit is allowed; the second block counts at 16×16.
        settings.batch = 256;
        assert_eq!(settings.largest_activation_bytes(), ACTIVATION_BYTES_MAX);
        assert_eq!(settings.validate(), Ok(()));
        settings.model.widths = [1, 128];
        settings.batch = 512;
        assert_eq!(settings.largest_activation_bytes(), 512 * 128 * 256 * 4);
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn schedules_parse_print_and_refuse() {
        let s: Schedule = "step:8,12:0.2".parse().unwrap();
        assert_eq!(
            s,
            Schedule::Step {
                at_epochs: vec![8, 12],
                factor: 0.2
            }
        );
        assert_eq!(s.to_string(), "step:8,12:0.2");
        assert_eq!("constant".parse::<Schedule>(), Ok(Schedule::Constant));
        for bad in [
            "step:8:0",
            "step::0.2",
            "linear",
            "step:0:0.5",
            "step:8:1000",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad}");
        }
        assert!(
            "linear"
                .parse::<Schedule>()
                .unwrap_err()
                .to_string()
                .contains("step:E1,E2")
        );
    }

    #[test]
    fn learning_rate_schedules_and_warmup() {
        let c = TrainSettings {
            learning_rate: 0.02,
            warmup_epochs: 0,
            schedule: Schedule::Step {
                at_epochs: vec![1, 2],
                factor: 0.6,
            },
            ..TrainSettings::default()
        };
        assert_eq!(c.learning_rate_at(0, 10), 0.02);
        assert!((c.learning_rate_at(10, 10) - 0.012).abs() < 1e-12);
        assert!((c.learning_rate_at(25, 10) - 0.0072).abs() < 1e-12);
        let w = TrainSettings {
            learning_rate: 0.02,
            warmup_epochs: 1,
            schedule: Schedule::Constant,
            ..TrainSettings::default()
        };
        assert!((w.learning_rate_at(0, 10) - 0.002).abs() < 1e-12);
        assert_eq!(w.learning_rate_at(10, 10), 0.02);
    }

    #[test]
    fn every_bad_knob_is_named() {
        let base = TrainSettings::default();
        for (settings, needle) in [
            (
                TrainSettings {
                    learning_rate: 0.0,
                    ..base.clone()
                },
                "learning rate",
            ),
            (
                TrainSettings {
                    batch: 0,
                    ..base.clone()
                },
                "batch size",
            ),
            (
                TrainSettings {
                    momentum: 1.0,
                    ..base.clone()
                },
                "momentum",
            ),
            (
                TrainSettings {
                    epochs: 1000,
                    ..base.clone()
                },
                "epochs",
            ),
            (
                TrainSettings {
                    learning_rate: f64::NAN,
                    ..base.clone()
                },
                "learning rate",
            ),
        ] {
            let err = settings.validate().unwrap_err().to_string();
            assert!(err.starts_with(needle), "{err}");
        }
    }
}
