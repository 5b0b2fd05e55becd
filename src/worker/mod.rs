//! The compute worker: Burn in a dedicated Web Worker. It listens for [`ToWorker`] messages and
//! answers with [`FromWorker`] ones; the page never blocks on it.

pub mod adapter;
pub mod backend;

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::protocol::{FromWorker, ToWorker, from_json};

/// What the worker keeps between messages.
#[derive(Default)]
struct WorkerState {
    /// Burn's WebGPU device, once initialised (it can be initialised only once).
    gpu: Option<Device>,
    /// The backend that passed the probe, which later work runs on.
    chosen: Option<backend::Chosen>,
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a message to the page.
pub fn post(message: &FromWorker) {
    if let Err(e) = scope().post_message(&JsValue::from_str(&message.to_json())) {
        web_sys::console::error_2(&"lectern worker: postMessage failed".into(), &e);
    }
}

/// Entry point of the worker bundle: installs the message handler and says it is ready.
pub fn start() {
    console_error_panic_hook::set_once();
    let state = Rc::new(RefCell::new(WorkerState::default()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let message = match event.data().as_string() {
            Some(text) => from_json::<ToWorker>(&text),
            None => Err("the worker received a message that is not JSON text".to_string()),
        };
        match message {
            Ok(message) => wasm_bindgen_futures::spawn_local(handle(message, state.clone())),
            Err(e) => post(&FromWorker::Error(e)),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
}

async fn handle(message: ToWorker, state: Rc<RefCell<WorkerState>>) {
    match message {
        ToWorker::Probe(request) => {
            // Take the device out so that no RefCell borrow is held across an await.
            let mut gpu = state.borrow_mut().gpu.take();
            let result = backend::choose(request, &mut gpu).await;
            let mut state = state.borrow_mut();
            state.gpu = gpu;
            match result {
                Ok(chosen) => {
                    post(&chosen.message());
                    state.chosen = Some(chosen);
                }
                Err(e) => post(&FromWorker::Error(e)),
            }
        }
        ToWorker::Autodiff { network, x0 } => {
            let device = chosen_device(&state);
            let result = crate::compute::theory_autodiff::autodiff_at(&network, x0, &device).await;
            post(&FromWorker::Autodiff(result));
        }
        ToWorker::DeadRelu(settings) => {
            let device = chosen_device(&state);
            let result = crate::compute::dead_relu::run(&settings, &device).await;
            post(&FromWorker::DeadRelu(result));
        }
    }
}

/// The device the probe settled on (the CPU until it has).
fn chosen_device(state: &Rc<RefCell<WorkerState>>) -> Device {
    match &state.borrow().chosen {
        Some(chosen) => chosen.device.clone(),
        None => crate::compute::cpu_device(),
    }
}
