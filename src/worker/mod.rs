//! The compute worker: Burn in a dedicated Web Worker. It listens for [`ToWorker`] messages and
//! answers with [`FromWorker`] ones; the page never blocks on it.
//!
//! Quick requests (the probe, the theory cell's) are answered at once. Everything long — loading
//! data, training, the paper's experiments — goes through one queue that a single driver task
//! works through (`driver`), one batch (or one chunk of images) at a time, yielding to the event
//! loop in between so that Pause, Stop and Cancel arrive within a batch. Each cell has its own
//! handler module.

pub mod backend;
mod data;
pub mod device_loss;
mod driver;
pub mod envelope;
mod keep;
mod paper;
pub mod tasks;
mod theory;
mod training;

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

pub use driver::WorkerState;
use envelope::{Incoming, post};

use crate::protocol::{FromWorker, ToWorker, paper as paper_protocol};

/// Entry point of the worker bundle: installs the message handler and says it is ready.
pub fn start() {
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

/// Routes one message: quick ones are answered by their own task, long ones are queued for the
/// driver (which is started if it is idle).
pub fn receive(incoming: Incoming, state: &Rc<RefCell<WorkerState>>) {
    let Incoming { message, bytes } = incoming;
    match message {
        ToWorker::Probe(request) => {
            wasm_bindgen_futures::spawn_local(backend::handle_probe(request, state.clone()))
        }
        ToWorker::Theory(request) => {
            let device = state.borrow().device();
            wasm_bindgen_futures::spawn_local(theory::handle(request, device));
        }
        ToWorker::Paper(paper_protocol::Request::Cancel) => {
            // Read by the experiment between two chunks, not queued behind it.
            state.borrow_mut().paper_cancelled = true;
        }
        // A test fault: only a build with feature `test-support` acts on it.
        #[cfg(feature = "test-support")]
        ToWorker::InjectDeviceLoss { after_batches } => {
            state.borrow_mut().lose_device_after = Some(after_batches)
        }
        #[cfg(not(feature = "test-support"))]
        ToWorker::InjectDeviceLoss { .. } => {}
        message => driver::enqueue(state, message, bytes),
    }
}

impl WorkerState {
    /// The device the probe settled on (the CPU until it has).
    pub fn device(&self) -> Device {
        match &self.chosen {
            Some(chosen) => chosen.device.clone(),
            None => crate::compute::ndarray_device(),
        }
    }
}
