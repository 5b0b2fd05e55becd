//! A report that failed: a NaN stops the run; on WebGPU a device failure moves the worker to the
//! CPU, and the run goes on there from its last finished epoch; a helper worker that failed is
//! replaced once (then the run goes on alone), from the batch it was at.

use std::cell::RefCell;
use std::rc::Rc;

use super::send;
use super::session::{Phase, Session, stop, training_loop};
use crate::compute::{ComputeBackend, ndarray_device};
use crate::protocol::training::{Event, StopReason, TrainingCell};
use crate::protocol::{Backend, FromWorker};
use crate::train::engine::{TrainError, Trainer};
use crate::worker::envelope::post;
use crate::worker::helpers::HelperPool;
use crate::worker::state::WorkerState;

/// Ends or moves the run after `error`.
pub(super) async fn fail(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
    error: TrainError,
) {
    match error {
        TrainError::Device(e) if session.backend.is_webgpu() => {
            move_to_cpu(state, cell, session, e.to_string())
        }
        TrainError::Helpers(why) => replace_helpers(cell, session, why).await,
        TrainError::Diverged { .. } => {
            stop(cell, session, StopReason::Diverged(error.to_string())).await
        }
        other => stop(cell, session, StopReason::Failed(other.to_string())).await,
    }
}

/// A helper failed its shard (the trainer is still before that batch): new helpers take over,
/// or, when they fail too or cannot start, the run goes on in this worker alone.
async fn replace_helpers(cell: TrainingCell, session: &mut Session, why: String) {
    let trainer = session.training.trainer_mut();
    let helpers = trainer.workers() - 1;
    trainer.without_shards();
    let replaced = if session.helpers_replaced {
        Err("they were replaced once already".to_string())
    } else {
        HelperPool::start(helpers, &trainer.replica_setup())
            .await
            .map_err(|e| e.0)
    };
    session.helpers_replaced = true;
    let reason = match replaced {
        Ok(pool) => {
            trainer.set_shards(Box::new(pool));
            format!(
                "A helper worker failed ({why}). New helpers took over; the run goes on from the batch it was at."
            )
        }
        Err(e) => format!(
            "A helper worker failed ({why}), and no new one takes over ({e}): the run goes on in one worker from the batch it was at."
        ),
    };
    send(
        cell,
        Event::Refused {
            run: None,
            reason: reason.into(),
        },
    );
}

/// WebGPU failed: from now on the worker computes on burn-ndarray, and this run continues there
/// from its last finished epoch.
fn move_to_cpu(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    session: &mut Session,
    reason: String,
) {
    let cpu = state.borrow_mut().move_to_cpu();
    let epoch = session.checkpoint.as_ref().map_or(0, |c| c.header.epochs);
    let reason = crate::worker::device_loss::moved_to_cpu(epoch).unwrap_or_else(|| format!(
        "WebGPU failed while training ({reason}). The worker moved to the CPU (burn-ndarray) and continues from the end of epoch {epoch}."
    ));
    if let Some(cpu) = &cpu {
        post(&FromWorker::BackendChanged {
            backend: cpu.backend.clone(),
            reason: reason.clone(),
        });
    }
    let paths = ComputeBackend::Ndarray.conv_paths();
    let settings = session.trainer().settings().clone();
    let train = session.trainer().train_records().clone();
    let device = ndarray_device();
    let rebuilt = match &session.checkpoint {
        Some(c) => Trainer::resume(&settings, paths.train, train, c, &device),
        None => Trainer::new(&settings, paths.train, train, &device),
    };
    match rebuilt {
        Ok(trainer) => {
            session.backend = Backend::Cpu;
            session.training = training_loop(
                trainer.with_eval_path(paths.eval),
                &session.dataset,
                &session.backend,
            );
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
