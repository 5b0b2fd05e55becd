//! The training cells' requests (the ConvNet cell's and the imbalance lab's), handled in the
//! cell's lane (`driver`): loading data, drawing a subset, starting a run, the controls, and the
//! model's files. A run is a [`Session`] trained one batch per unit of work ([`advance`]).
//!
//! On WebGPU the device is read back every few batches and at each epoch's end (never once per
//! batch), and a CPU copy of the weights is kept after every epoch; if WebGPU fails, the session
//! moves to burn-ndarray and continues from that copy (`fallback`).

use std::cell::RefCell;
use std::rc::Rc;

use super::data;
use super::envelope::post;
use super::helpers;
use super::keep;
use super::state::WorkerState;
use super::tasks::yield_now;
use crate::data::dataset::Dataset;
use crate::data::subset;
use crate::protocol::training::{Event, LoadedModel, Refusal, Request, RunStarted, TrainingCell};
use crate::protocol::{Backend, FromWorker};
use crate::settings::data::DatasetKind;
use crate::train::engine::Trainer;

mod fallback;
mod model_slot;
mod resume;
mod session;

pub use model_slot::{LoadedCheckpoint, Slot};
pub use session::{Session, advance};

use resume::{resume_from, resume_session};

fn send(cell: TrainingCell, event: Event) {
    keep::observe(cell, &event);
    post(&FromWorker::training(cell, event));
}

/// The dataset of `kind` that `cell` uses, or why there is none.
fn dataset(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    kind: DatasetKind,
) -> Result<Rc<Dataset>, String> {
    state.borrow().dataset(cell, kind).ok_or_else(|| {
        format!(
            "no {} dataset is loaded in the worker: load it first",
            kind.key()
        )
    })
}

/// Handles one request of `cell`'s, between two of its batches.
pub async fn handle(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    request: Request,
    bytes: Option<Vec<u8>>,
) {
    match request {
        Request::LoadData(source) => load_data(state, cell, source, bytes).await,
        Request::DrawSubset {
            data: kind,
            subset: wanted,
        } => {
            let drawn = dataset(state, cell, kind)
                .map_err(Refusal::from)
                .and_then(|d| {
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
                let dataset = dataset(state, cell, kind)?;
                let from = resume_from(resume, &dataset, &chosen_subset, &settings)?;
                let train = subset::select(&dataset.train, &chosen_subset, &dataset.class_names)?;
                let (device, backend, compute) = state.borrow().target();
                let paths = compute.conv_paths();
                let trainer = match &from {
                    Some((_, c)) => Trainer::resume(&settings, paths.train, train, c, &device),
                    None => Trainer::new(&settings, paths.train, train, &device),
                }
                .map_err(|e| e.to_string())?
                .with_eval_path(paths.eval);
                let trainer = state.borrow().evaluating_where_fastest(trainer);
                Ok::<_, Refusal>((trainer, dataset, backend, from))
            })();
            match started {
                Ok((trainer, dataset, backend, from)) => {
                    let trainer = with_helpers(cell, trainer, &backend).await;
                    let mut session = Session::new(run, trainer, dataset, backend, paused);
                    send(
                        cell,
                        Event::Started(RunStarted {
                            run,
                            train_counts: session.trainer().train_records().class_counts().to_vec(),
                            test_images: session.dataset.test.len(),
                            iterations_per_epoch: session.trainer().iterations_per_epoch(),
                            epochs: settings.epochs,
                            parameters: settings.model.parameters(),
                            backend: session.backend.clone(),
                            conv_path: session.trainer().model().conv_path(),
                            workers: session.trainer().workers(),
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
        Request::Pause { run }
        | Request::Resume { run }
        | Request::Step { run, .. }
        | Request::Stop { run } => {
            let session = {
                let mut s = state.borrow_mut();
                (s.session_run(cell) == Some(run))
                    .then(|| s.take_session(cell))
                    .flatten()
            };
            // A control for another run (one that ended, or was replaced) is stale.
            let Some(mut session) = session else {
                return;
            };
            match request {
                Request::Pause { .. } => session.pause(state, cell).await,
                Request::Resume { .. } => session.resume(cell, None),
                Request::Step { batches, .. } => session.resume(cell, Some(batches)),
                _ => session.stop(state, cell).await,
            }
            state.borrow_mut().put_session(cell, session);
        }
        Request::Reset => {
            *state.borrow_mut().slot(cell) = Slot::Empty;
            keep::discard(cell);
        }
        Request::SaveModel => model_slot::save(state, cell).await,
        Request::LoadModel { run, name, data } => {
            match model_slot::load_model(state, cell, &name, data, bytes, run).await {
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

/// `trainer` with the helper workers its settings ask for (on the CPU; on WebGPU one worker
/// trains); if they cannot start, it trains alone, and the page is told why.
async fn with_helpers(cell: TrainingCell, trainer: Trainer, backend: &Backend) -> Trainer {
    let (trainer, failed) = helpers::share(trainer, backend).await;
    if let Some(e) = failed {
        let reason = format!("{e}: this run trains in one worker.");
        send(
            cell,
            Event::Refused {
                run: None,
                reason: reason.into(),
            },
        );
    }
    trainer
}

/// Loads (or reuses) a dataset for `cell`; a picked file is read in pieces, yielding between
/// them, so the other cells' work goes on meanwhile.
async fn load_data(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    source: crate::protocol::training::DataSource,
    bytes: Option<Vec<u8>>,
) {
    let kind = source.kind();
    let cached = (kind != DatasetKind::Upload)
        .then(|| state.borrow().dataset(cell, kind))
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
            data::load(&source, bytes, &mut progress, yield_now)
                .await
                .map(|d| state.borrow_mut().put_dataset(cell, d))
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
