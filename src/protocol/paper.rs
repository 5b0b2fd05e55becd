//! The paper cell's requests: the texture-vs-shape proxy experiments on a model in the worker.

use serde::{Deserialize, Serialize};

use crate::paper::results::{BiasResults, TextureComparison};
use crate::run_id::RunId;
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::paper::PaperSettings;
use crate::settings::train::TrainSettings;

/// Which model an experiment asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelSource {
    /// The ConvNet cell's model: just trained, or loaded there.
    ConvNetCell,
    /// A checkpoint whose bytes travel beside the message.
    Checkpoint { name: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Experiments A (cue conflict) and B (patch shuffle), plus noise and blur, on `data`'s test
    /// set (loaded by a training cell).
    TestBias {
        run: RunId,
        model: ModelSource,
        data: DatasetKind,
        settings: PaperSettings,
    },
    /// Experiment C: train the same model with and without texture randomisation (same seed,
    /// same epochs) and test both.
    Compare {
        run: RunId,
        data: DatasetKind,
        subset: SubsetSettings,
        train: TrainSettings,
        settings: PaperSettings,
    },
    /// Abandon the experiment `run`: at once if it is under way, when it starts if it is
    /// queued.
    Cancel { run: RunId },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Progress {
        run: RunId,
        stage: String,
        done: usize,
        total: usize,
    },
    BiasTested(BiasResults),
    Compared(TextureComparison),
    Failed {
        run: Option<RunId>,
        reason: String,
    },
}

impl Reply {
    pub fn run(&self) -> Option<RunId> {
        match self {
            Reply::Progress { run, .. } => Some(*run),
            Reply::BiasTested(r) => Some(r.run),
            Reply::Compared(c) => Some(c.run),
            Reply::Failed { run, .. } => *run,
        }
    }

    /// This reply's request failed instead, with `reason`.
    pub fn failed(&self, reason: String) -> Self {
        Reply::Failed {
            run: self.run(),
            reason,
        }
    }
}
