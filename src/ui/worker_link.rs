//! The UI's end of the worker protocol: starts the compute worker and turns its messages into
//! [`Action`]s. This is the only place the UI talks to compute.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};
use yew::prelude::*;

use super::state::Action;
use crate::protocol::{BackendRequest, FromWorker, ToWorker, from_json};

/// The worker bundle's loader (`www/worker_loader.js`).
const WORKER_SCRIPT: &str = "./worker_loader.js";

/// A running worker and the closures that must live as long as it does.
struct Link {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn start(request: BackendRequest, dispatch: Callback<Action>) -> Result<Link, String> {
    let worker = Worker::new(WORKER_SCRIPT)
        .map_err(|e| format!("the browser refused to start the compute worker: {e:?}"))?;
    let on_message = {
        let dispatch = dispatch.clone();
        let worker = worker.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let message = match event.data().as_string() {
                Some(text) => from_json::<FromWorker>(&text),
                None => Err("the worker sent a message that is not JSON text".into()),
            };
            match message {
                Ok(FromWorker::Ready) => {
                    let probe = ToWorker::Probe(request).to_json();
                    if let Err(e) = worker.post_message(&JsValue::from_str(&probe)) {
                        dispatch.emit(Action::WorkerStopped(format!(
                            "could not reach the worker: {e:?}"
                        )));
                    } else {
                        dispatch.emit(Action::Probing);
                    }
                }
                Ok(message) => dispatch.emit(Action::FromWorker(message)),
                Err(e) => dispatch.emit(Action::FromWorker(FromWorker::Error(e))),
            }
        })
    };
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
        event.prevent_default();
        let detail = event.message();
        let detail = if detail.is_empty() {
            "its script failed to load".to_string()
        } else {
            detail
        };
        dispatch.emit(Action::WorkerStopped(format!(
            "The compute worker stopped: {detail}."
        )));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Link {
        worker,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Starts the compute worker for `request`, and again (on the CPU) each time `generation`
/// changes — the app bumps it when a worker stopped. Stops the worker when the component goes.
/// Returns the way to send it messages (dropped if no worker is running).
#[hook]
pub fn use_compute_worker(
    request: BackendRequest,
    generation: u32,
    dispatch: Callback<Action>,
) -> Callback<ToWorker> {
    let link: Rc<RefCell<Option<Link>>> = use_mut_ref(|| None);
    let send = {
        let (link, dispatch) = (link.clone(), dispatch.clone());
        use_callback((), move |message: ToWorker, _| {
            if let Some(link) = link.borrow().as_ref()
                && let Err(e) = link
                    .worker
                    .post_message(&JsValue::from_str(&message.to_json()))
            {
                dispatch.emit(Action::WorkerStopped(format!(
                    "could not reach the worker: {e:?}"
                )));
            }
        })
    };
    use_effect_with((request, generation), move |&(request, _)| {
        match start(request, dispatch.clone()) {
            Ok(new_link) => *link.borrow_mut() = Some(new_link),
            Err(e) => dispatch.emit(Action::WorkerStopped(e)),
        }
        move || {
            link.borrow_mut().take();
        }
    });
    send
}
