//! The training cells' requests and events. The ConvNet cell and the class-imbalance lab speak
//! the same language; the worker keeps one training session for each
//! ([`crate::protocol::ToWorker::ConvNet`], [`crate::protocol::ToWorker::Imbalance`]).
//!
//! Image data never travels as JSON: a file the person picked, and a model to save or load,
//! travel beside the message as a transferred `ArrayBuffer` (see `protocol`'s module docs). Only
//! the few test images the results show are in the messages.

use serde::{Deserialize, Serialize};

use super::backend::Backend;
pub use super::refusal::Refusal;
use crate::run_id::RunId;
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::model::{ConvPath, ModelSettings};
use crate::settings::train::TrainSettings;
pub use crate::train::cell::TrainingCell;
use crate::train::metrics::Confusion;
pub use crate::train::progress::{EpochReport, StepReport};
pub use crate::train::shown::{Filters, Sample};

/// Where a dataset comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DataSource {
    /// The built-in toy set, generated in the worker.
    Toy,
    /// The site's CIFAR-10 subset: `data/train.bin`, `data/test.bin`, `data/meta.json`.
    Site,
    /// A file the person picked (`cifar-10-binary.tar.gz` or one `.bin` batch); its bytes
    /// travel beside the message.
    Upload { name: String },
}

impl DataSource {
    pub fn kind(&self) -> DatasetKind {
        match self {
            DataSource::Toy => DatasetKind::Toy,
            DataSource::Site => DatasetKind::Cifar,
            DataSource::Upload { .. } => DatasetKind::Upload,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Load a dataset (or reuse it): [`Event::DataProgress`], then [`Event::DataReady`] or
    /// [`Event::DataRefused`] (the dataset loaded before stays).
    LoadData(DataSource),
    /// Draw the training subset `subset` of the loaded dataset `data` without training:
    /// [`Event::SubsetDrawn`] says how many images each class got (or why it cannot be drawn).
    DrawSubset {
        data: DatasetKind,
        subset: SubsetSettings,
    },
    /// Build a session on the loaded dataset `data` and train it, one batch per task; with
    /// `paused`, wait for [`Request::Step`] or [`Request::Resume`]. Replaces the cell's session.
    Start {
        run: RunId,
        data: DatasetKind,
        subset: SubsetSettings,
        settings: TrainSettings,
        paused: bool,
    },
    /// The controls: each names the run it is for (a control for another run is ignored), and
    /// the worker applies it between two batches, ahead of the cell's queued requests.
    Pause {
        run: RunId,
    },
    Resume {
        run: RunId,
    },
    /// Train this many batches, then pause.
    Step {
        run: RunId,
        batches: usize,
    },
    /// End the run; what it learnt stays (it can still be saved).
    Stop {
        run: RunId,
    },
    /// Drop the session and its model.
    Reset,
    /// Send the session's model as a checkpoint file (the format `lectern train --save` writes).
    SaveModel,
    /// A checkpoint (bytes beside) becomes the session's model and is evaluated on `data`'s
    /// test set.
    LoadModel {
        run: RunId,
        name: String,
        data: DatasetKind,
    },
}

impl Request {
    /// The run a control is for; `None` for requests that are not controls. Reset is a control
    /// of the cell, not of one run.
    pub fn control(&self) -> Option<Option<RunId>> {
        match self {
            Request::Pause { run }
            | Request::Resume { run }
            | Request::Step { run, .. }
            | Request::Stop { run } => Some(Some(*run)),
            Request::Reset => Some(None),
            Request::LoadData(_)
            | Request::DrawSubset { .. }
            | Request::Start { .. }
            | Request::SaveModel
            | Request::LoadModel { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// Bytes of a dataset arrived (`total` when the server said).
    DataProgress {
        source: DatasetKind,
        loaded: u64,
        total: Option<u64>,
    },
    DataReady(DatasetSummary),
    /// A dataset could not be loaded; the one loaded before stays.
    DataRefused {
        source: DatasetKind,
        reason: String,
    },
    /// The images per class a [`Request::DrawSubset`] drew.
    SubsetDrawn {
        subset: SubsetSettings,
        counts: Vec<usize>,
    },
    Started(RunStarted),
    /// One report per trained batch (several arrive together where the device is read back
    /// only every few batches).
    Steps {
        run: RunId,
        steps: Vec<StepReport>,
    },
    Epoch(EpochReport),
    Paused {
        run: RunId,
    },
    Resumed {
        run: RunId,
    },
    Finished(RunResults),
    /// The run ended early; `results` are the model's as it stands (after a NaN: the last
    /// finished epoch's, which the worker put back).
    Stopped {
        run: RunId,
        reason: StopReason,
        results: RunResults,
    },
    /// WebGPU failed during the run: it continues on the CPU from the end of epoch `epoch`
    /// (the batches after it are trained again).
    MovedToCpu {
        run: RunId,
        epoch: usize,
        reason: String,
    },
    /// The checkpoint's bytes travel beside this message.
    ModelSaved {
        file_name: String,
        epochs: usize,
    },
    ModelLoaded(LoadedModel),
    /// A request that cannot be done (too few images for the subset, no dataset, no model, a
    /// damaged checkpoint…).
    Refused {
        run: Option<RunId>,
        reason: Refusal,
    },
}

impl Event {
    /// The run an event belongs to, if any.
    pub fn run(&self) -> Option<RunId> {
        match self {
            Event::Started(s) => Some(s.run),
            Event::Steps { run, .. }
            | Event::Paused { run }
            | Event::Resumed { run }
            | Event::Stopped { run, .. }
            | Event::MovedToCpu { run, .. } => Some(*run),
            Event::Epoch(e) => Some(e.run),
            Event::Finished(r) => Some(r.run),
            Event::ModelLoaded(m) => Some(m.run),
            Event::Refused { run, .. } => *run,
            Event::DataProgress { .. }
            | Event::DataReady(_)
            | Event::DataRefused { .. }
            | Event::SubsetDrawn { .. }
            | Event::ModelSaved { .. } => None,
        }
    }

    /// This event's request failed instead, with `reason`.
    pub fn failed(&self, reason: String) -> Self {
        match self {
            Event::DataProgress { source, .. } | Event::DataRefused { source, .. } => {
                Event::DataRefused {
                    source: *source,
                    reason,
                }
            }
            Event::DataReady(summary) => Event::DataRefused {
                source: summary.source,
                reason,
            },
            other => Event::Refused {
                run: other.run(),
                reason: Refusal::Other(reason),
            },
        }
    }
}

/// A loaded dataset, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub source: DatasetKind,
    /// File name, or "toy" / "the site's CIFAR-10 subset".
    pub name: String,
    /// In label order.
    pub class_names: Vec<String>,
    pub train_per_class: Vec<usize>,
    pub test_per_class: Vec<usize>,
}

/// A session began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStarted {
    pub run: RunId,
    /// Training images per class actually drawn (long-tailed or balanced).
    pub train_counts: Vec<usize>,
    pub test_images: usize,
    pub iterations_per_epoch: usize,
    pub epochs: usize,
    pub parameters: usize,
    pub backend: Backend,
    pub conv_path: ConvPath,
    /// Workers training each batch in shards (1: this worker alone).
    pub workers: usize,
}

/// Why a run ended early.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StopReason {
    /// Stop was pressed.
    User,
    /// The loss became NaN or infinite; the weights of the last finished epoch are kept.
    Diverged(String),
    /// Something else went wrong.
    Failed(String),
}

/// What a finished (or loaded) model shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub run: RunId,
    pub epochs: usize,
    pub test: Confusion,
    pub samples: Vec<Sample>,
    pub filters: Filters,
}

/// A checkpoint loaded and scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedModel {
    pub run: RunId,
    pub name: String,
    pub model: ModelSettings,
    pub results: RunResults,
}
