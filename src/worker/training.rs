//! The training cells' sessions (the ConvNet cell's and the imbalance lab's): requests are
//! handled by the driver between batches, and [`advance`] trains one batch of a running session.
//!
//! On WebGPU the device is read back every few batches and at each epoch's end (never once per
//! batch), and a CPU copy of the weights is kept after every epoch; if WebGPU fails, the session
//! moves to burn-ndarray and continues from that copy.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;

use super::backend::Chosen;
use super::data;
use super::driver::WorkerState;
use super::envelope::{post, post_with_bytes};
use super::keep;
use super::tasks::now_ms;
use crate::compute::{ComputeBackend, ReadError, ndarray_device};
use crate::data::dataset::Dataset;
use crate::data::subset;
use crate::nn::convnet::ConvNet;
use crate::paper::experiment::Subject;
use crate::protocol::training::{
    EpochReport, Event, LoadedModel, Refusal, Request, RunResults, RunStarted, StopReason,
    TrainingCell,
};
use crate::protocol::{Backend, FromWorker, RunId};
use crate::settings::data::DatasetKind;
use crate::train::checkpoint::Checkpoint;
use crate::train::engine::{TrainError, Trainer, evaluate};
use crate::train::metrics::Confusion;
use crate::train::progress::EpochMeter;
use crate::train::results::{filters, samples};
use crate::train::trained_on::TrainedOn;

mod resume;
use resume::{keep_epoch, resume_from, resume_session};

/// Test images scored at once.
const EVAL_BATCH: usize = 100;
/// On WebGPU, batches trained between two read-backs.
const WEBGPU_REPORT_EVERY: usize = 8;
/// On the CPU, the least time between two reports of trained batches (each report redraws the
/// page's curves): a small net trains dozens of batches a second there, and one redraw per
/// batch kept the page's main thread — and, without a GPU, the CPU the worker trains on —
/// busy drawing (in headless Chromium on 2 cores the page stopped answering clicks for seconds).
const CPU_REPORT_MS: f64 = 200.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    Paused,
    Finished,
    Stopped,
}

/// A run in progress (or ended; its model stays until Reset).
pub struct Session {
    run: RunId,
    trainer: Trainer,
    dataset: Rc<Dataset>,
    phase: Phase,
    /// After Step: batches to train before pausing.
    steps_left: Option<usize>,
    meter: EpochMeter,
    training_seconds: f64,
    backend: Backend,
    /// The last finished epoch's evaluation.
    last_test: Option<Confusion>,
    /// A CPU copy of the weights after the last finished epoch (kept on WebGPU, to survive it).
    checkpoint: Option<Checkpoint>,
    /// When trained batches were last reported (the worker's clock, ms).
    reported_at: f64,
}

/// A checkpoint loaded into a cell.
pub struct Loaded {
    name: String,
    model: ConvNet,
    pub(super) checkpoint: Checkpoint,
    device: Device,
}

impl Loaded {
    /// A checkpoint's bytes (a file the page read) made into a model on `device`.
    pub fn from_bytes(
        name: &str,
        bytes: Option<Vec<u8>>,
        device: Device,
        path: crate::settings::model::ConvPath,
    ) -> Result<Self, String> {
        let bytes = bytes.ok_or_else(|| format!("{name}: the file's bytes did not arrive"))?;
        let checkpoint = Checkpoint::from_bytes(&bytes).map_err(|e| format!("{name}: {e}"))?;
        let model = checkpoint
            .model(&device)
            .map_err(|e| format!("{name}: {e}"))?
            .with_conv_path(path);
        Ok(Self {
            name: name.to_string(),
            model,
            checkpoint,
            device,
        })
    }
}

/// What a training cell holds.
#[derive(Default)]
pub enum Slot {
    #[default]
    Empty,
    Training(Box<Session>),
    Loaded(Box<Loaded>),
}

impl Slot {
    /// The cell's model as the paper's experiments see it.
    pub fn subject(&self, path: crate::settings::model::ConvPath) -> Option<Subject<'_>> {
        match self {
            Slot::Empty => None,
            Slot::Training(s) => Some(Subject {
                model: s.trainer.model(),
                stats: &s.trainer.stats,
                device: s.trainer.device(),
                path,
                label: format!(
                    "the ConvNet cell's model ({} epoch{})",
                    s.trainer.epoch,
                    if s.trainer.epoch == 1 { "" } else { "s" }
                ),
            }),
            Slot::Loaded(l) => Some(Subject {
                model: &l.model,
                stats: &l.checkpoint.header.stats,
                device: &l.device,
                path,
                label: format!("{} (loaded)", l.name),
            }),
        }
    }
}

fn send(cell: TrainingCell, event: Event) {
    keep::observe(cell, &event);
    post(&FromWorker::training(cell, event));
}

fn chosen(state: &Rc<RefCell<WorkerState>>) -> (Device, Backend, ComputeBackend) {
    match &state.borrow().chosen {
        Some(Chosen {
            device,
            backend,
            compute,
            ..
        }) => (device.clone(), backend.clone(), *compute),
        None => (ndarray_device(), Backend::Cpu, ComputeBackend::Ndarray),
    }
}

fn dataset(state: &Rc<RefCell<WorkerState>>, kind: DatasetKind) -> Result<Rc<Dataset>, String> {
    state.borrow().datasets.get(kind).ok_or_else(|| {
        format!(
            "no {} dataset is loaded in the worker: load it first",
            kind.key()
        )
    })
}

/// Handles one request of `cell`'s (between batches).
pub async fn handle(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    request: Request,
    bytes: Option<Vec<u8>>,
) {
    match request {
        Request::LoadData(source) => {
            let kind = source.kind();
            let cached = (kind != DatasetKind::Upload)
                .then(|| state.borrow().datasets.get(kind))
                .flatten();
            let result = match cached {
                Some(d) => Ok(d),
                None => {
                    let mut progress = |loaded, total| {
                        send(
                            cell,
                            Event::DataProgress {
                                source: kind,
                                loaded,
                                total,
                            },
                        )
                    };
                    data::load(&source, bytes, &mut progress)
                        .await
                        .map(|d| state.borrow_mut().datasets.put(d))
                }
            };
            match result {
                Ok(d) => send(cell, Event::DataReady(data::summary(&d))),
                Err(reason) => send(
                    cell,
                    Event::DataRefused {
                        source: kind,
                        reason,
                    },
                ),
            }
        }
        Request::DrawSubset {
            data: kind,
            subset: wanted,
        } => {
            let drawn = dataset(state, kind).map_err(Refusal::from).and_then(|d| {
                subset::select(&d.train, &wanted, &d.class_names).map_err(Refusal::from)
            });
            match drawn {
                Ok(train) => send(
                    cell,
                    Event::SubsetDrawn {
                        subset: wanted,
                        counts: train.class_counts().to_vec(),
                    },
                ),
                Err(reason) => send(cell, Event::Refused { run: None, reason }),
            }
        }
        Request::Start {
            run,
            data: kind,
            subset: chosen_subset,
            settings,
            paused,
        } => {
            // The page's Resume of a kept run (www/resume.js) flags it before it presses Start.
            let resume = keep::take_resume(cell).await;
            let started = (|| {
                let dataset = dataset(state, kind)?;
                let from = resume_from(resume, &dataset, &chosen_subset, &settings)?;
                let train = subset::select(&dataset.train, &chosen_subset, &dataset.class_names)?;
                let (device, backend, compute) = chosen(state);
                let paths = compute.conv_paths();
                let trainer = match &from {
                    Some((_, c)) => Trainer::resume(&settings, paths.train, train, c, &device),
                    None => Trainer::new(&settings, paths.train, train, &device),
                }
                .map_err(|e| e.to_string())?
                .with_eval_path(paths.eval);
                let session = Session {
                    run,
                    dataset,
                    phase: if paused {
                        Phase::Paused
                    } else {
                        Phase::Running
                    },
                    steps_left: None,
                    meter: EpochMeter::default(),
                    training_seconds: 0.0,
                    backend,
                    last_test: None,
                    checkpoint: None,
                    reported_at: now_ms(),
                    trainer,
                };
                Ok::<_, Refusal>((session, from))
            })();
            match started {
                Ok((mut session, from)) => {
                    session.trainer.restart_clock(now_ms());
                    send(
                        cell,
                        Event::Started(RunStarted {
                            run,
                            train_counts: session.trainer.train_records().class_counts().to_vec(),
                            test_images: session.dataset.test.len(),
                            iterations_per_epoch: session.trainer.iterations_per_epoch(),
                            epochs: settings.epochs,
                            parameters: settings.model.parameters(),
                            backend: session.backend.clone(),
                            conv_path: session.trainer.model().conv_path(),
                        }),
                    );
                    keep::started(
                        cell,
                        run,
                        &session.dataset,
                        chosen_subset,
                        &settings,
                        from.as_ref().map(|k| &k.0),
                    );
                    if let Some((kept, checkpoint)) = from {
                        resume_session(cell, &mut session, kept, checkpoint).await;
                    }
                    *state.borrow_mut().slot(cell) = Slot::Training(Box::new(session));
                }
                Err(reason) => send(
                    cell,
                    Event::Refused {
                        run: Some(run),
                        reason,
                    },
                ),
            }
        }
        Request::Pause => {
            if let Some(mut session) = take_session(state, cell) {
                if session.phase == Phase::Running {
                    let ended = flush(state, cell, &mut session).await;
                    if !ended {
                        session.phase = Phase::Paused;
                        session.steps_left = None;
                        send(cell, Event::Paused { run: session.run });
                    }
                }
                put_session(state, cell, session);
            }
        }
        Request::Resume | Request::Step { .. } => {
            if let Some(mut session) = take_session(state, cell) {
                if matches!(session.phase, Phase::Paused | Phase::Running) {
                    session.steps_left = match request {
                        Request::Step { batches } => Some(batches.max(1)),
                        _ => None,
                    };
                    if session.phase == Phase::Paused {
                        session.phase = Phase::Running;
                        session.trainer.restart_clock(now_ms());
                        send(cell, Event::Resumed { run: session.run });
                    }
                }
                put_session(state, cell, session);
            }
        }
        Request::Stop => {
            if let Some(mut session) = take_session(state, cell) {
                if matches!(session.phase, Phase::Running | Phase::Paused) {
                    let ended = flush(state, cell, &mut session).await;
                    if !ended {
                        stop(cell, &mut session, StopReason::User).await;
                    }
                }
                put_session(state, cell, session);
            }
        }
        Request::Reset => {
            *state.borrow_mut().slot(cell) = Slot::Empty;
            keep::discard(cell);
        }
        Request::SaveModel => save(state, cell).await,
        Request::LoadModel { run, name, data } => {
            let result = load_model(state, &name, data, bytes, run).await;
            match result {
                Ok((loaded, results, other_data)) => {
                    let model = loaded.checkpoint.header.model.settings();
                    *state.borrow_mut().slot(cell) = Slot::Loaded(Box::new(loaded));
                    send(
                        cell,
                        Event::ModelLoaded(LoadedModel {
                            run,
                            name,
                            model,
                            results,
                        }),
                    );
                    // Trained on other data: one sentence, shown as a note (a refusal of no run).
                    if let Some(reason) = other_data {
                        send(
                            cell,
                            Event::Refused {
                                run: None,
                                reason: reason.into(),
                            },
                        );
                    }
                }
                Err(reason) => send(
                    cell,
                    Event::Refused {
                        run: Some(run),
                        reason: reason.into(),
                    },
                ),
            }
        }
    }
}

fn take_session(state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) -> Option<Box<Session>> {
    let mut s = state.borrow_mut();
    let slot = s.slot(cell);
    match std::mem::take(slot) {
        Slot::Training(session) => Some(session),
        other => {
            *slot = other;
            None
        }
    }
}

fn put_session(state: &Rc<RefCell<WorkerState>>, cell: TrainingCell, session: Box<Session>) {
    *state.borrow_mut().slot(cell) = Slot::Training(session);
}

async fn save(state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) {
    let result = match take_session(state, cell) {
        Some(session) => {
            let checkpoint = session.trainer.checkpoint().await;
            let epochs = session.trainer.epoch;
            let data = TrainedOn::of(&session.dataset);
            put_session(state, cell, session);
            checkpoint
                .map(|c| (c.trained_on(data).to_bytes(), epochs))
                .map_err(|e| e.to_string())
        }
        None => match state.borrow_mut().slot(cell) {
            Slot::Loaded(l) => Ok((l.checkpoint.to_bytes(), l.checkpoint.header.epochs)),
            _ => Err("there is no model to save: train or load one first".to_string()),
        },
    };
    match result {
        Ok((bytes, epochs)) => post_with_bytes(
            &FromWorker::training(
                cell,
                Event::ModelSaved {
                    file_name: format!("lectern-convnet-{epochs}-epochs.bin"),
                    epochs,
                },
            ),
            &bytes,
        ),
        Err(reason) => send(
            cell,
            Event::Refused {
                run: None,
                reason: reason.into(),
            },
        ),
    }
}

async fn load_model(
    state: &Rc<RefCell<WorkerState>>,
    name: &str,
    data: DatasetKind,
    bytes: Option<Vec<u8>>,
    run: RunId,
) -> Result<(Loaded, RunResults, Option<String>), String> {
    let dataset = dataset(state, data)?;
    let (device, _, compute) = chosen(state);
    let loaded = Loaded::from_bytes(name, bytes, device, compute.conv_paths().eval)?;
    let results = results_of(
        &loaded.model,
        &loaded.checkpoint.header.stats,
        &dataset,
        &loaded.device,
        run,
        loaded.checkpoint.header.epochs,
        None,
    )
    .await
    .map_err(|e| e.to_string())?;
    let other_data = loaded.checkpoint.other_data(
        &TrainedOn::of(&dataset).describe(),
        Some(&dataset.class_names),
    );
    Ok((loaded, results, other_data))
}

/// A model's test confusion (computed unless given), samples and filters.
async fn results_of(
    model: &ConvNet,
    stats: &crate::data::augment::ChannelStats,
    dataset: &Dataset,
    device: &Device,
    run: RunId,
    epochs: usize,
    test: Option<Confusion>,
) -> Result<RunResults, ReadError> {
    let test = match test {
        Some(t) => t,
        None => evaluate(model, stats, &dataset.test, EVAL_BATCH, device).await?,
    };
    Ok(RunResults {
        run,
        epochs,
        test,
        samples: samples(model, stats, &dataset.test, device).await?,
        filters: filters(model).await?,
    })
}

/// Reads back the batches not yet reported. Returns whether the run ended (diverged or moved
/// nowhere) — then the events were sent.
async fn flush(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
) -> bool {
    if session.trainer.unreported() == 0 {
        return false;
    }
    match session.trainer.report(now_ms).await {
        Ok(reports) => {
            session.reported_at = now_ms();
            reports.iter().for_each(|r| session.meter.add(r));
            send(
                cell,
                Event::Steps {
                    run: session.run,
                    steps: reports,
                },
            );
            false
        }
        Err(e) => {
            fail(state, cell, session, e).await;
            true
        }
    }
}

/// Ends the run with `reason`, sending the model's results as they stand.
async fn stop(cell: TrainingCell, session: &mut Session, reason: StopReason) {
    session.phase = Phase::Stopped;
    let trainer = &session.trainer;
    let results = results_of(
        trainer.model(),
        &trainer.stats,
        &session.dataset,
        trainer.device(),
        session.run,
        trainer.epoch,
        None,
    )
    .await;
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

/// A report failed: a NaN stops the run; a device failure on WebGPU moves it to the CPU.
async fn fail(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
    error: TrainError,
) {
    match error {
        TrainError::Device(e) if session.backend.is_webgpu() => {
            move_to_cpu(state, cell, session, e.to_string())
        }
        TrainError::Diverged { .. } => {
            stop(cell, session, StopReason::Diverged(error.to_string())).await
        }
        other => stop(cell, session, StopReason::Failed(other.to_string())).await,
    }
}

/// WebGPU failed: from now on the worker computes on burn-ndarray, and this run continues there
/// from its last finished epoch.
fn move_to_cpu(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
    reason: String,
) {
    let cpu = {
        let mut s = state.borrow_mut();
        let cpu = s.chosen.as_ref().map(Chosen::cpu_after);
        s.chosen = cpu.clone();
        cpu
    };
    let epoch = session.checkpoint.as_ref().map_or(0, |c| c.header.epochs);
    let reason = super::device_loss::moved_to_cpu(epoch).unwrap_or_else(|| format!(
        "WebGPU failed while training ({reason}). The worker moved to the CPU (burn-ndarray) and continues from the end of epoch {epoch}."
    ));
    if let Some(cpu) = &cpu {
        post(&FromWorker::BackendChanged {
            backend: cpu.backend.clone(),
            reason: reason.clone(),
        });
    }
    let paths = ComputeBackend::Ndarray.conv_paths();
    let settings = session.trainer.settings().clone();
    let train = session.trainer.train_records().clone();
    let device = ndarray_device();
    let rebuilt = match &session.checkpoint {
        Some(c) => Trainer::resume(&settings, paths.train, train, c, &device),
        None => Trainer::new(&settings, paths.train, train, &device),
    };
    match rebuilt {
        Ok(trainer) => {
            session.trainer = trainer.with_eval_path(paths.eval);
            session.trainer.restart_clock(now_ms());
            session.backend = Backend::Cpu;
            session.meter = EpochMeter::default();
            session.checkpoint = None;
            send(
                cell,
                Event::MovedToCpu {
                    run: session.run,
                    epoch,
                    reason,
                },
            );
        }
        Err(e) => {
            session.phase = Phase::Stopped;
            send(
                cell,
                Event::Refused {
                    run: Some(session.run),
                    reason: format!("{reason} Restarting there failed: {e}").into(),
                },
            );
        }
    }
}

/// Trains one batch of `cell`'s session if it is running. Returns whether it did any work.
pub async fn advance(state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) -> bool {
    let running = matches!(
        state.borrow_mut().slot(cell),
        Slot::Training(s) if s.phase == Phase::Running
    );
    if !running {
        return false;
    }
    let mut session = take_session(state, cell).expect("a running session");
    train_one_batch(state, cell, &mut session).await;
    put_session(state, cell, session);
    true
}

async fn train_one_batch(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
) {
    if session.backend.is_webgpu() && injected_device_loss(state) {
        let error = TrainError::Device(ReadError(
            "injected test fault: the GPU device was lost".into(),
        ));
        fail(state, cell, session, error).await;
        return;
    }
    if let Some(why) = session
        .backend
        .is_webgpu()
        .then(super::device_loss::lost)
        .flatten()
    {
        fail(state, cell, session, TrainError::Device(ReadError(why))).await;
        return;
    }
    let epoch_done = session.trainer.step();
    let report_due = if session.backend.is_webgpu() {
        session.trainer.unreported() >= WEBGPU_REPORT_EVERY
    } else {
        now_ms() - session.reported_at >= CPU_REPORT_MS
    };
    if let Some(left) = &mut session.steps_left {
        *left -= 1;
    }
    let pausing = session.steps_left == Some(0);
    if (epoch_done || pausing || report_due) && flush(state, cell, session).await {
        return;
    }
    if epoch_done && end_epoch(state, cell, session).await {
        return;
    }
    if pausing && session.phase == Phase::Running {
        session.phase = Phase::Paused;
        session.steps_left = None;
        send(cell, Event::Paused { run: session.run });
    }
}

/// Evaluates the epoch, keeps a CPU copy on WebGPU, and finishes the run after the last epoch.
/// Returns whether the run ended badly.
async fn end_epoch(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
) -> bool {
    let test = match session
        .trainer
        .evaluate(&session.dataset.test, EVAL_BATCH)
        .await
    {
        Ok(test) => test,
        Err(e) => {
            fail(state, cell, session, e.into()).await;
            return true;
        }
    };
    if session.backend.is_webgpu() {
        match session.trainer.checkpoint().await {
            Ok(c) => session.checkpoint = Some(c),
            Err(e) => {
                fail(state, cell, session, e).await;
                return true;
            }
        }
    }
    let meter = std::mem::take(&mut session.meter);
    session.training_seconds += meter.seconds();
    let learning_rate = session.trainer.settings().learning_rate_at(
        session.trainer.iteration - 1,
        session.trainer.iterations_per_epoch(),
    );
    send(
        cell,
        Event::Epoch(EpochReport {
            run: session.run,
            epoch: session.trainer.epoch,
            train_loss: meter.mean_loss(),
            train_accuracy: meter.accuracy(),
            test: test.clone(),
            learning_rate,
            images_per_second: meter.images_per_second(),
            seconds: session.training_seconds,
        }),
    );
    session.last_test = Some(test);
    keep_epoch(cell, session).await;
    if session.trainer.finished() {
        session.phase = Phase::Finished;
        let trainer = &session.trainer;
        let results = results_of(
            trainer.model(),
            &trainer.stats,
            &session.dataset,
            trainer.device(),
            session.run,
            trainer.epoch,
            session.last_test.clone(),
        )
        .await;
        match results {
            Ok(results) => send(cell, Event::Finished(results)),
            Err(e) => {
                fail(state, cell, session, e.into()).await;
                return true;
            }
        }
    }
    session.trainer.restart_clock(now_ms());
    false
}

/// The test-only fault switch: counts down the batches before a simulated device loss.
fn injected_device_loss(state: &Rc<RefCell<WorkerState>>) -> bool {
    let mut s = state.borrow_mut();
    match &mut s.lose_device_after {
        Some(0) => {
            s.lose_device_after = None;
            true
        }
        Some(n) => {
            *n -= 1;
            false
        }
        None => false,
    }
}
