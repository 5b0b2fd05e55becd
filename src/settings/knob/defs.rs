//! The knobs' declarations, one entry each, in the order of `Knob as usize`.

use super::{Access, Knob, Spec};
use crate::settings::train::{self, Schedule};
use crate::settings::{data, loss, model};

/// The factor a step schedule multiplies the rate by when a constant schedule shows none.
const DECAY_FACTOR_SHOWN: f64 = 0.2;

/// Every knob, in the order of `Knob as usize`: a step schedule's epochs are set before its
/// factor.
pub(super) static SPECS: [Spec; Knob::COUNT] = [
    Spec {
        name: "per_class",
        aliases: &[],
        label: "images per class",
        range: data::PER_CLASS,
        #[cfg(feature = "cli")]
        help: "Training images per class (balanced), or the head class's count n_max with --imbalance",
        access: Access::One(
            |r| r.subset.per_class as f64,
            |r, v| r.subset.per_class = v as usize,
        ),
    },
    Spec {
        name: "imbalance",
        aliases: &[],
        label: "imbalance factor",
        range: data::IMBALANCE,
        #[cfg(feature = "cli")]
        help: "Imbalance factor IF = n_max / n_min of a long-tailed subset (1: balanced)",
        access: Access::One(|r| r.subset.imbalance, |r, v| r.subset.imbalance = v),
    },
    Spec {
        name: "epochs",
        aliases: &[],
        label: "epochs",
        range: train::EPOCHS,
        #[cfg(feature = "cli")]
        help: "Passes over the training set",
        access: Access::One(
            |r| r.train.epochs as f64,
            |r, v| r.train.epochs = v as usize,
        ),
    },
    Spec {
        name: "batch",
        aliases: &[],
        label: "batch size",
        range: train::BATCH,
        #[cfg(feature = "cli")]
        help: "Images per step",
        access: Access::One(|r| r.train.batch as f64, |r, v| r.train.batch = v as usize),
    },
    Spec {
        name: "lr",
        aliases: &[],
        label: "learning rate",
        range: train::LEARNING_RATE,
        #[cfg(feature = "cli")]
        help: "SGD learning rate (before the schedule and the warm-up)",
        access: Access::One(|r| r.train.learning_rate, |r, v| r.train.learning_rate = v),
    },
    Spec {
        name: "decay",
        aliases: &[],
        label: "decay after epochs",
        range: train::DECAY_EPOCH,
        #[cfg(feature = "cli")]
        help: "Epochs after which the learning rate is multiplied by --decay-factor, e.g. 8,12; empty: a constant rate",
        access: Access::List(
            |r| match &r.train.schedule {
                Schedule::Constant => Vec::new(),
                Schedule::Step { at_epochs, .. } => at_epochs.iter().map(|&e| e as f64).collect(),
            },
            |r, v| {
                r.train.schedule = if v.is_empty() {
                    Schedule::Constant
                } else {
                    let factor = match r.train.schedule {
                        Schedule::Step { factor, .. } => factor,
                        Schedule::Constant => DECAY_FACTOR_SHOWN,
                    };
                    let at_epochs = v.iter().map(|&e| e as usize).collect();
                    Schedule::Step { at_epochs, factor }
                }
            },
        ),
    },
    Spec {
        name: "decay_factor",
        aliases: &[],
        label: "decay factor",
        range: train::DECAY_FACTOR,
        #[cfg(feature = "cli")]
        help: "What the learning rate is multiplied by after each --decay epoch",
        access: Access::One(
            |r| match r.train.schedule {
                Schedule::Constant => DECAY_FACTOR_SHOWN,
                Schedule::Step { factor, .. } => factor,
            },
            |r, v| {
                if let Schedule::Step { factor, .. } = &mut r.train.schedule {
                    *factor = v;
                }
            },
        ),
    },
    Spec {
        name: "warmup",
        aliases: &["warmup_epochs"],
        label: "warm-up epochs",
        range: train::WARMUP_EPOCHS,
        #[cfg(feature = "cli")]
        help: "Raise the learning rate linearly from ~0 over this many epochs",
        access: Access::One(
            |r| r.train.warmup_epochs as f64,
            |r, v| r.train.warmup_epochs = v as usize,
        ),
    },
    Spec {
        name: "momentum",
        aliases: &[],
        label: "momentum",
        range: train::MOMENTUM,
        #[cfg(feature = "cli")]
        help: "SGD momentum (0: plain SGD)",
        access: Access::One(|r| r.train.momentum, |r, v| r.train.momentum = v),
    },
    Spec {
        name: "weight_decay",
        aliases: &["wd"],
        label: "weight decay",
        range: train::WEIGHT_DECAY,
        #[cfg(feature = "cli")]
        help: "L2 weight decay",
        access: Access::One(|r| r.train.weight_decay, |r, v| r.train.weight_decay = v),
    },
    Spec {
        name: "width",
        aliases: &[],
        label: "channels (block 1, 2)",
        range: model::WIDTH,
        #[cfg(feature = "cli")]
        help: "Channels of the two blocks, a,b",
        access: Access::Pair(
            |r| r.train.model.widths.map(|w| w as f64),
            |r, [a, b]| r.train.model.widths = [a as usize, b as usize],
        ),
    },
    Spec {
        name: "dropout",
        aliases: &[],
        label: "dropout",
        range: model::DROPOUT,
        #[cfg(feature = "cli")]
        help: "Dropout probability before the linear head",
        access: Access::One(|r| r.train.model.dropout, |r, v| r.train.model.dropout = v),
    },
    Spec {
        name: "seed",
        aliases: &[],
        label: "seed",
        range: train::SEED,
        #[cfg(feature = "cli")]
        help: "Seed of the subset, the initial weights, the batches and the augmentation",
        access: Access::One(|r| r.train.seed as f64, |r, v| r.train.seed = v as u64),
    },
    Spec {
        name: "beta",
        aliases: &[],
        label: "\u{3b2}",
        range: loss::BETA,
        #[cfg(feature = "cli")]
        help: "\u{3b2} of the class-balanced losses",
        access: Access::One(|r| r.train.loss.beta, |r, v| r.train.loss.beta = v),
    },
    Spec {
        name: "gamma",
        aliases: &[],
        label: "\u{3b3}",
        range: loss::GAMMA,
        #[cfg(feature = "cli")]
        help: "\u{3b3} of the focal losses (0: no focusing)",
        access: Access::One(|r| r.train.loss.gamma, |r, v| r.train.loss.gamma = v),
    },
    Spec {
        name: "workers",
        aliases: &[],
        label: "workers (0: automatic)",
        range: train::WORKERS,
        #[cfg(feature = "cli")]
        help: "Workers training each batch in shards, data-parallel (0: one per core but one, at most 4; here in the CLI the shards run one after another: the browser's numbers, not its speed)",
        access: Access::One(
            |r| r.train.workers as f64,
            |r, v| r.train.workers = v as usize,
        ),
    },
];
