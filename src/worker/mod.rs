//! The compute worker: Burn in a dedicated Web Worker. It listens for [`ToWorker`] messages and
//! answers with [`FromWorker`] ones; the page never blocks on it.
//!
//! Quick requests (the probe, the theory cell's autodiff) are answered by a task of their own.
//! Everything long — loading data, training, the paper's experiments — is queued in its cell's
//! lane (`driver`): the lanes run side by side, each yielding after every unit of work (a batch,
//! a chunk of images, a piece of a file). Controls — Pause, Resume, Step, Stop, Reset of a
//! training cell — name their run and go ahead of their cell's queue; the paper cell's Cancel is
//! noted at once (`state`), and its experiment stops at its next chunk, or never starts.

pub mod backend;
#[cfg(feature = "webgpu")]
pub mod calibrate;
mod data;
pub mod device_loss;
mod driver;
pub mod envelope;
pub mod helpers;
mod keep;
mod lanes;
mod paper;
pub mod state;
pub mod tasks;
mod theory;
mod training;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

use envelope::{Incoming, post};
use lanes::{Lane, Queued, Work};
pub use state::WorkerState;

use crate::protocol::training::TrainingCell;
use crate::protocol::{FromWorker, ToWorker, paper as paper_protocol};

/// Entry point of the worker bundle: installs the message handler and says it is ready.
pub fn start() {
    if helpers::is_helper() {
        return helpers::serve();
    }
    console_error_panic_hook::set_once();
    let state = Rc::new(RefCell::new(WorkerState::default()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        match Incoming::read(&event.data()) {
            Ok(incoming) => receive(incoming, &state),
            Err(reason) => post(&FromWorker::Rejected { reason }),
        }
    });
    envelope::scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
}

/// Routes one message: quick ones are answered by their own task, controls are applied ahead
/// of their cell's queue, long ones are queued in their cell's lane.
pub fn receive(incoming: Incoming, state: &Rc<RefCell<WorkerState>>) {
    let Incoming { message, bytes } = incoming;
    let work = match message {
        ToWorker::Probe(request) => {
            return wasm_bindgen_futures::spawn_local(backend::handle_probe(
                request,
                state.clone(),
            ));
        }
        ToWorker::Theory(request) => {
            return wasm_bindgen_futures::spawn_local(theory::handle(request, state.clone()));
        }
        ToWorker::Paper(paper_protocol::Request::Cancel { run }) => {
            // Read by the experiment between two chunks (or when it starts), not queued.
            return state.borrow_mut().cancel(run);
        }
        // A test fault: only a build for the tests acts on it (`crate::TEST_FAULTS`).
        ToWorker::InjectDeviceLoss { after_batches } => {
            if crate::TEST_FAULTS {
                state.borrow_mut().inject_device_loss(after_batches);
            }
            return;
        }
        ToWorker::ConvNet(request) => Work::Training(TrainingCell::ConvNet, request),
        ToWorker::Imbalance(request) => Work::Training(TrainingCell::Imbalance, request),
        ToWorker::Paper(request) => Work::Paper(request),
    };
    let urgent = match &work {
        // A control of the run under way goes first; one for a run still queued (a Step right
        // after its Start) keeps its place behind it, and a Reset goes first only when nothing
        // of its cell is queued.
        Work::Training(cell, r) => match r.control() {
            Some(Some(run)) => state.borrow().session_run(*cell) == Some(run),
            Some(None) => !state.borrow_mut().lanes().has_queued(Lane::Training(*cell)),
            None => false,
        },
        Work::Paper(_) => false,
    };
    driver::enqueue(state, Queued { work, bytes }, urgent);
}
