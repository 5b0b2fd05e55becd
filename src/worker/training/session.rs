//! A training cell's run as the worker drives it: the one training loop (`train::run::Run`)
//! stepped one batch per unit of work ([`advance`]), its reports sent as they are read back
//! (every few batches), each epoch's end (evaluation, a CPU copy on WebGPU, the kept run) in the
//! same unit as the epoch's last batch, and the run's end.

use std::cell::RefCell;
use std::rc::Rc;

use super::fallback::fail;
use super::model_slot::results_of;
use super::resume::keep_epoch;
use super::send;
use burn::module::Module;

use crate::compute::ReadError;
use crate::data::dataset::Dataset;
use crate::protocol::training::{
    EpochReport, Event, RunResults, StepReport, StopReason, TrainingCell,
};
use crate::protocol::{Backend, RunId};
use crate::train::checkpoint::Checkpoint;
use crate::train::engine::{TrainError, Trainer};
use crate::train::metrics::Confusion;
use crate::train::run::{Cadence, EpochEnd, Run, Step};
use crate::worker::helpers::timings;
use crate::worker::state::{TrainedModel, WorkerState};
use crate::worker::tasks::now_ms;

/// Test images scored at once.
pub(super) const EVAL_BATCH: usize = 100;
/// On WebGPU, batches trained between two read-backs.
const WEBGPU_REPORT_EVERY: usize = 8;
/// On the CPU, the least time between two reports of trained batches (each report redraws the
/// page's curves): a small net trains dozens of batches a second there, and one redraw per
/// batch kept the page's main thread — and, without a GPU, the CPU the worker trains on —
/// busy drawing (in headless Chromium on 2 cores the page stopped answering clicks for seconds).
const CPU_REPORT_MS: f64 = 200.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Running,
    Paused,
    Finished,
    Stopped,
}

/// A run in progress (or ended; its model stays until Reset).
pub struct Session {
    pub(super) run: RunId,
    /// The training loop: trainer, epoch figures, read-back cadence, evaluation.
    pub(super) training: Run,
    pub(super) dataset: Rc<Dataset>,
    pub(super) phase: Phase,
    /// After Step: batches to train before pausing.
    pub(super) steps_left: Option<usize>,
    pub(super) training_seconds: f64,
    pub(super) backend: Backend,
    /// The last finished epoch's evaluation.
    pub(super) last_test: Option<Confusion>,
    /// A CPU copy of the weights after the last finished epoch (kept on WebGPU, to survive it).
    pub(super) checkpoint: Option<Checkpoint>,
    /// Whether its helper workers failed once already (and were replaced).
    pub(super) helpers_replaced: bool,
}

/// Whether reading back the unreported batches ended the run (it diverged, or the device failed
/// and the run could not move): then its events were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flushed {
    Reported,
    RunEnded,
}

/// The training loop of `trainer` as a cell runs it on `backend`: read back every few batches
/// on WebGPU, every [`CPU_REPORT_MS`] on the CPU; tested on `dataset` after each epoch.
pub(super) fn training_loop(trainer: Trainer, dataset: &Rc<Dataset>, backend: &Backend) -> Run {
    let cadence = if backend.is_webgpu() {
        Cadence::Batches(WEBGPU_REPORT_EVERY)
    } else {
        Cadence::Millis(CPU_REPORT_MS)
    };
    Run::new(trainer, now_ms)
        .tested_on(dataset.clone(), EVAL_BATCH)
        .reporting(cadence)
}

impl Session {
    pub(super) fn new(
        run: RunId,
        trainer: Trainer,
        dataset: Rc<Dataset>,
        backend: Backend,
        paused: bool,
    ) -> Self {
        Self {
            run,
            training: training_loop(trainer, &dataset, &backend),
            dataset,
            phase: if paused {
                Phase::Paused
            } else {
                Phase::Running
            },
            steps_left: None,
            training_seconds: 0.0,
            backend,
            last_test: None,
            checkpoint: None,
            helpers_replaced: false,
        }
    }

    /// The run's trainer (model, settings, records, epochs done).
    pub(super) fn trainer(&self) -> &Trainer {
        self.training.trainer()
    }

    /// The model's results as they stand: `test` is the last epoch's evaluation when it can be
    /// reused, `None` to evaluate now.
    async fn results(&self, test: Option<Confusion>) -> Result<RunResults, ReadError> {
        let trainer = self.trainer();
        results_of(
            trainer.model(),
            &trainer.stats,
            &self.dataset,
            trainer.device(),
            self.run,
            trainer.epoch,
            test,
        )
        .await
    }

    pub fn run(&self) -> RunId {
        self.run
    }

    /// A copy of the model as it stands, for another cell.
    pub fn trained_model(&self) -> TrainedModel {
        let trainer = self.trainer();
        let epochs = trainer.epoch;
        // `valid()`, not `clone()`: a clone would share BatchNorm's running statistics with the
        // model that trains on.
        TrainedModel::new(
            trainer.model().valid(),
            trainer.replica_setup().model,
            trainer
                .settings()
                .workers_for(crate::worker::helpers::cores()),
            trainer.stats,
            trainer.device().clone().inner(),
            format!(
                "the ConvNet cell's model ({epochs} epoch{})",
                if epochs == 1 { "" } else { "s" }
            ),
        )
    }

    fn is_live(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::Paused)
    }

    /// Pause: the batches trained so far are reported first.
    pub(super) async fn pause(&mut self, state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) {
        if self.phase == Phase::Running && flush(state, cell, self).await == Flushed::Reported {
            self.phase = Phase::Paused;
            self.steps_left = None;
            send(cell, Event::Paused { run: self.run });
        }
    }

    /// Resume, or train `steps` batches and pause.
    pub(super) fn resume(&mut self, cell: TrainingCell, steps: Option<usize>) {
        if !self.is_live() {
            return;
        }
        self.steps_left = steps.map(|n| n.max(1));
        if self.phase == Phase::Paused {
            self.phase = Phase::Running;
            self.training.restart_clock();
            send(cell, Event::Resumed { run: self.run });
        }
    }

    /// Stop: what the run learnt stays, and its results are sent.
    pub(super) async fn stop(&mut self, state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) {
        if self.is_live() && flush(state, cell, self).await == Flushed::Reported {
            stop(cell, self, StopReason::User).await;
        }
    }
}

/// Trains one batch of `cell`'s session if it is running. Returns whether it did any work.
pub async fn advance(state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) -> bool {
    let session = {
        let mut s = state.borrow_mut();
        match s.slot(cell) {
            super::Slot::Training(session) if session.phase == Phase::Running => {
                s.take_session(cell)
            }
            _ => None,
        }
    };
    let Some(mut session) = session else {
        return false;
    };
    train_one_batch(state, cell, &mut session).await;
    state.borrow_mut().put_session(cell, session);
    true
}

async fn train_one_batch(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
) {
    if crate::TEST_FAULTS
        && session.backend.is_webgpu()
        && state.borrow_mut().injected_device_loss()
    {
        let error = TrainError::Device(ReadError(
            "injected test fault: the GPU device was lost".into(),
        ));
        fail(state, cell, session, error).await;
        return;
    }
    if let Some(why) = session
        .backend
        .is_webgpu()
        .then(crate::worker::device_loss::lost)
        .flatten()
    {
        fail(state, cell, session, TrainError::Device(ReadError(why))).await;
        return;
    }
    let trained = match session.training.next().await {
        Ok(Step::Trained(reports)) => reports,
        // An epoch's end runs in the unit of its last batch (below), and a finished run is not
        // advanced: neither comes here.
        Ok(Step::EpochEnded(_) | Step::Finished) => Vec::new(),
        Err(e) => return fail(state, cell, session, e).await,
    };
    send_steps(cell, session, trained);
    if let Some(left) = &mut session.steps_left {
        *left -= 1;
    }
    if session.training.epoch_end_due() {
        let ended = match session.training.next().await {
            Ok(Step::EpochEnded(end)) => end_epoch(state, cell, session, end).await,
            Ok(Step::Trained(_) | Step::Finished) => Flushed::Reported,
            Err(e) => {
                fail(state, cell, session, e).await;
                Flushed::RunEnded
            }
        };
        if ended == Flushed::RunEnded {
            return;
        }
    }
    let pausing = session.steps_left == Some(0);
    if pausing
        && session.phase == Phase::Running
        && flush(state, cell, session).await == Flushed::Reported
    {
        session.phase = Phase::Paused;
        session.steps_left = None;
        send(cell, Event::Paused { run: session.run });
    }
}

/// Sends the batches read back, if any.
fn send_steps(cell: TrainingCell, session: &Session, steps: Vec<StepReport>) {
    if !steps.is_empty() {
        send(
            cell,
            Event::Steps {
                run: session.run,
                steps,
            },
        );
    }
}

/// Reads back the batches not yet reported and sends them.
pub(super) async fn flush(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
) -> Flushed {
    match session.training.read_back().await {
        Ok(reports) => {
            send_steps(cell, session, reports);
            Flushed::Reported
        }
        Err(e) => {
            fail(state, cell, session, e).await;
            Flushed::RunEnded
        }
    }
}

/// Ends the run with `reason`, sending the model's results as they stand.
pub(super) async fn stop(cell: TrainingCell, session: &mut Session, reason: StopReason) {
    session.phase = Phase::Stopped;
    // Its helper workers end with it.
    session.training.trainer_mut().without_shards();
    let results = session.results(None).await;
    match results {
        Ok(results) => send(
            cell,
            Event::Stopped {
                run: session.run,
                reason,
                results,
            },
        ),
        Err(e) => send(
            cell,
            Event::Refused {
                run: Some(session.run),
                reason: e.to_string().into(),
            },
        ),
    }
}

/// An epoch ended (the loop evaluated it): keeps a CPU copy on WebGPU, reports the epoch, keeps
/// the run for a reload, and finishes the run after the last epoch.
async fn end_epoch(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
    end: EpochEnd,
) -> Flushed {
    let test = match end.test {
        Some(test) => test,
        None => match session
            .training
            .trainer_mut()
            .evaluate(&session.dataset.test, EVAL_BATCH)
            .await
        {
            Ok(test) => test,
            Err(e) => {
                fail(state, cell, session, e).await;
                return Flushed::RunEnded;
            }
        },
    };
    if session.backend.is_webgpu() {
        match session.trainer().checkpoint().await {
            Ok(c) => session.checkpoint = Some(c),
            Err(e) => {
                fail(state, cell, session, e).await;
                return Flushed::RunEnded;
            }
        }
    }
    session.training_seconds += end.meter.seconds();
    timings::epoch(
        session.trainer().workers(),
        end.meter.images_per_second(),
        end.test_millis,
    );
    send(
        cell,
        Event::Epoch(EpochReport {
            run: session.run,
            epoch: end.epoch,
            train_loss: end.meter.mean_loss(),
            train_accuracy: end.meter.accuracy(),
            test: test.clone(),
            learning_rate: end.learning_rate,
            images_per_second: end.meter.images_per_second(),
            seconds: session.training_seconds,
        }),
    );
    session.last_test = Some(test);
    keep_epoch(cell, session).await;
    if session.training.finished()
        && let Err(e) = finish(cell, session).await
    {
        fail(state, cell, session, e.into()).await;
        return Flushed::RunEnded;
    }
    // The checkpoint and the kept run are not the next batch's time.
    session.training.restart_clock();
    Flushed::Reported
}

/// The run trained its last epoch: its results are sent (the last epoch's evaluation reused).
pub(super) async fn finish(cell: TrainingCell, session: &mut Session) -> Result<(), ReadError> {
    session.phase = Phase::Finished;
    session.training.trainer_mut().without_shards();
    let results = session.results(session.last_test.clone()).await?;
    send(cell, Event::Finished(results));
    Ok(())
}
