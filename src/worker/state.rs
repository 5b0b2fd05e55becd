//! What the worker keeps between messages: the backend, the datasets, each training cell's model
//! slot, the runs cancelled so far and the scheduler's lanes. Fields are private; the handlers
//! (`training`, `paper`, `backend`) change it through these methods, and no handler reaches into
//! another cell's slot except through a named interface ([`WorkerState::convnet_model`]).

use std::rc::Rc;

use burn::tensor::Device;

use super::backend::ChosenBackend;
use super::data::Datasets;
use super::lanes::Lanes;
use super::training::{Session, Slot};
use crate::compute::{ComputeBackend, ndarray_device};
use crate::data::dataset::Dataset;
use crate::paper::experiment::ModelUnderTest;
use crate::protocol::training::TrainingCell;
use crate::protocol::{Backend, RunId};
use crate::settings::data::DatasetKind;
use crate::settings::model::ConvPath;
use crate::train::engine::Trainer;

/// Runs remembered as cancelled (a Cancel may arrive before its experiment starts).
const CANCELLED_KEPT: usize = 16;

/// What the worker keeps between messages.
#[derive(Default)]
pub struct WorkerState {
    /// Burn's WebGPU device, once initialised (it can be initialised only once).
    gpu: Option<Device>,
    /// The backend that passed the probe, which everything runs on.
    chosen: Option<ChosenBackend>,
    datasets: Datasets,
    convnet: Slot,
    imbalance: Slot,
    /// Runs the page cancelled, newest last: a job checks its run between two units.
    cancelled: Vec<RunId>,
    /// Each new dead-ReLU demo supersedes the one before (which stops at its next unit).
    dead_relu_generation: u64,
    /// Test-only fault injection: WebGPU "loses its device" after this many more batches.
    lose_device_after: Option<usize>,
    /// The scheduler's queues (`driver`).
    lanes: Lanes,
}

/// What the ConvNet cell has trained (or loaded), as another cell may use it: a copy that does
/// not hold the cell's session.
pub struct TrainedModel {
    model: crate::nn::convnet::ConvNet,
    /// Its shape (for helper workers' replicas).
    config: crate::nn::convnet::ConvNetConfig,
    /// Workers to score images with it: its run's (a loaded model: "automatic").
    workers: usize,
    stats: crate::data::augment::ChannelStats,
    device: Device,
    label: String,
}

impl TrainedModel {
    pub fn new(
        model: crate::nn::convnet::ConvNet,
        config: crate::nn::convnet::ConvNetConfig,
        workers: usize,
        stats: crate::data::augment::ChannelStats,
        device: Device,
        label: String,
    ) -> Self {
        Self {
            model,
            config,
            workers,
            stats,
            device,
            label,
        }
    }

    /// Workers to score images with it.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// What a helper worker needs to score images with it, computing the convolutions `path`'s
    /// way.
    pub fn replica_setup(&self, path: ConvPath) -> crate::train::parallel::ReplicaSetup {
        crate::train::parallel::ReplicaSetup {
            model: self.config.clone(),
            eval_path: path,
            loss: crate::nn::losses::Loss::CrossEntropy,
            class_weights: None,
            stats: self.stats,
        }
    }

    /// The model as the paper's experiments ask it.
    pub fn subject(&self, path: ConvPath) -> ModelUnderTest<'_> {
        ModelUnderTest {
            model: &self.model,
            stats: &self.stats,
            device: &self.device,
            path,
            label: self.label.clone(),
        }
    }
}

/// Where a cell's model is.
pub enum ModelAt {
    Here(TrainedModel),
    /// The cell is training a batch with it: ask again after yielding.
    Busy,
    None,
}

impl WorkerState {
    /// A state whose WebGPU runtime was started already (tests that share one device).
    pub fn with_gpu(gpu: Option<Device>) -> Self {
        Self {
            gpu,
            ..Self::default()
        }
    }

    /// The WebGPU device, if this worker started one.
    pub fn gpu(&self) -> Option<Device> {
        self.gpu.clone()
    }

    pub(super) fn take_gpu(&mut self) -> Option<Device> {
        self.gpu.take()
    }

    pub(super) fn settle(&mut self, gpu: Option<Device>, chosen: Option<ChosenBackend>) {
        self.gpu = gpu;
        if chosen.is_some() {
            self.chosen = chosen;
        }
    }

    /// The device the probe settled on (the CPU until it has).
    pub fn device(&self) -> Device {
        self.target().0
    }

    /// Where computations run: the device, its backend as the page names it, and its kernels.
    pub fn target(&self) -> (Device, Backend, ComputeBackend) {
        match &self.chosen {
            Some(c) => (c.device.clone(), c.backend.clone(), c.compute),
            None => (ndarray_device(), Backend::Cpu, ComputeBackend::Ndarray),
        }
    }

    /// `trainer` evaluating where the backend's calibration found evaluation fastest (unchanged
    /// when that is where it trains).
    pub(super) fn evaluating_where_fastest(&self, trainer: Trainer) -> Trainer {
        match self.chosen.as_ref().and_then(|c| c.evaluate_on.as_ref()) {
            Some(elsewhere) => elsewhere.evaluating(trainer),
            None => trainer,
        }
    }

    /// WebGPU failed: from now on everything runs on burn-ndarray. The new choice, if there
    /// was one.
    pub(super) fn move_to_cpu(&mut self) -> Option<ChosenBackend> {
        self.chosen = self.chosen.as_ref().map(ChosenBackend::cpu_after);
        self.chosen.clone()
    }

    /// The dataset of `kind` that `cell` uses: the toy set and the site's subset are shared, an
    /// uploaded file belongs to the cell that loaded it (the paper cell uses the ConvNet cell's).
    pub fn dataset(&self, cell: TrainingCell, kind: DatasetKind) -> Option<Rc<Dataset>> {
        self.datasets.get(cell, kind)
    }

    pub(super) fn put_dataset(&mut self, cell: TrainingCell, dataset: Dataset) -> Rc<Dataset> {
        self.datasets.put(cell, dataset)
    }

    pub(super) fn slot(&mut self, cell: TrainingCell) -> &mut Slot {
        match cell {
            TrainingCell::ConvNet => &mut self.convnet,
            TrainingCell::Imbalance => &mut self.imbalance,
        }
    }

    /// The run `cell` is training (also while one of its batches is under way).
    pub fn session_run(&self, cell: TrainingCell) -> Option<RunId> {
        let slot = match cell {
            TrainingCell::ConvNet => &self.convnet,
            TrainingCell::Imbalance => &self.imbalance,
        };
        match slot {
            Slot::Training(s) => Some(s.run()),
            Slot::Busy(run) => Some(*run),
            Slot::Empty | Slot::Loaded(_) => None,
        }
    }

    /// Takes `cell`'s session out for a unit of work (a batch, an epoch's end); the slot says
    /// [`Slot::Busy`] meanwhile.
    pub(super) fn take_session(&mut self, cell: TrainingCell) -> Option<Box<Session>> {
        let slot = self.slot(cell);
        match std::mem::take(slot) {
            Slot::Training(session) => {
                *slot = Slot::Busy(session.run());
                Some(session)
            }
            other => {
                *slot = other;
                None
            }
        }
    }

    /// Puts a session taken out back — unless the cell was reset meanwhile (then it is dropped).
    pub(super) fn put_session(&mut self, cell: TrainingCell, session: Box<Session>) {
        let slot = self.slot(cell);
        if matches!(slot, Slot::Busy(run) if *run == session.run()) {
            *slot = Slot::Training(session);
        }
    }

    /// "The model the ConvNet cell trained", for the paper cell: a copy of its current weights.
    pub fn convnet_model(&self) -> ModelAt {
        match &self.convnet {
            Slot::Empty => ModelAt::None,
            Slot::Busy(_) => ModelAt::Busy,
            Slot::Training(s) => ModelAt::Here(s.trained_model()),
            Slot::Loaded(l) => ModelAt::Here(l.trained_model()),
        }
    }

    /// The page cancelled `run` (it may not have started yet).
    pub fn cancel(&mut self, run: RunId) {
        if !self.cancelled.contains(&run) {
            if self.cancelled.len() == CANCELLED_KEPT {
                self.cancelled.remove(0);
            }
            self.cancelled.push(run);
        }
    }

    pub fn is_cancelled(&self, run: RunId) -> bool {
        self.cancelled.contains(&run)
    }

    /// A new dead-ReLU demo: its generation (the older ones stop).
    pub(super) fn next_dead_relu(&mut self) -> u64 {
        self.dead_relu_generation += 1;
        self.dead_relu_generation
    }

    pub(super) fn dead_relu_is_current(&self, generation: u64) -> bool {
        self.dead_relu_generation == generation
    }

    /// Test-only: WebGPU "loses its device" after `batches` more batches.
    pub(super) fn inject_device_loss(&mut self, batches: usize) {
        self.lose_device_after = Some(batches);
    }

    /// Counts down the batches before an injected device loss; true when it is due.
    pub(super) fn injected_device_loss(&mut self) -> bool {
        match &mut self.lose_device_after {
            Some(0) => {
                self.lose_device_after = None;
                true
            }
            Some(n) => {
                *n -= 1;
                false
            }
            None => false,
        }
    }

    pub(super) fn lanes(&mut self) -> &mut Lanes {
        &mut self.lanes
    }
}
