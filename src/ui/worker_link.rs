//! The UI's end of the worker protocol: starts the compute worker and hands every component a
//! [`Worker`] (through a Yew context) to send with and to hear from: what the worker says is told,
//! as [`Heard`], to the shell and to each cell, which picks what is addressed to it
//! ([`use_replies`]); a cell publishes what others read the same way ([`Worker::publish`]). This is
//! the only place the UI talks to compute.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{ErrorEvent, MessageEvent};
use yew::prelude::*;

use super::heard::{Heard, Listeners, use_listener};
use crate::protocol::training::Event;
use crate::protocol::{BackendRequest, FromWorker, ToWorker, decode};
use crate::webgpu_adapter::query_adapter;
use crate::wire;

/// The worker bundles' loader (`www/worker_loader.js`); `?bundle=` names the bundle it loads.
const WORKER_SCRIPT: &str = "./worker_loader.js";

/// The two compute bundles: the full one (Burn on WebGPU or the CPU) and the CPU-only one, a
/// fraction of its size, for browsers that will not use WebGPU anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bundle {
    WebGpu,
    Cpu,
}

impl Bundle {
    /// The bundle `request` needs in this browser (the worker applies the same rule again).
    async fn for_request(request: BackendRequest) -> Bundle {
        if request == BackendRequest::Cpu {
            return Bundle::Cpu;
        }
        match request.webgpu_adapter(&query_adapter().await) {
            Ok(_) => Bundle::WebGpu,
            Err(_) => Bundle::Cpu,
        }
    }

    fn script(self) -> String {
        let name = match self {
            Bundle::WebGpu => "webgpu",
            Bundle::Cpu => "cpu",
        };
        format!("{WORKER_SCRIPT}?bundle={name}")
    }
}

/// The way to reach the worker — and to hear what it and the cells say — shared through a
/// context.
#[derive(Clone)]
pub struct Worker {
    link: Rc<RefCell<Option<Link>>>,
    heard: Listeners,
}

impl PartialEq for Worker {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.link, &other.link)
    }
}

impl Worker {
    /// Tells the shell and every cell (a cell's news for the others).
    pub fn publish(&self, heard: Heard) {
        self.heard.tell(heard);
    }

    /// Sends a request (dropped while no worker runs).
    pub fn send(&self, message: ToWorker) {
        self.post(wire::pack(&message.encode(), None));
    }

    /// Sends a request with a file's bytes beside it, transferring the buffer.
    pub fn send_with_bytes(&self, message: ToWorker, bytes: ArrayBuffer) {
        self.post(wire::pack(&message.encode(), Some(bytes)));
    }

    fn post(&self, posted: wire::Posted) {
        let posted = match self.link.borrow().as_ref() {
            Some(link) => post_to(&link.worker, posted),
            None => return,
        };
        if let Err(stopped) = posted {
            self.heard.tell(stopped);
        }
    }
}

/// Posts to `worker`, transferring the payload's buffers; what the page hears if it cannot.
fn post_to(worker: &web_sys::Worker, posted: wire::Posted) -> Result<(), Heard> {
    worker
        .post_message_with_transfer(&posted.payload, &posted.transfer)
        .map_err(|e| Heard::Stopped(format!("could not reach the worker: {e:?}")))
}

/// A running worker and the closures that must live as long as it does.
struct Link {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Why the worker's loader (`www/worker_loader.js`) could not start it, reported before the
/// worker itself runs as a plain object `{loader_failed: why}` (a file did not download —
/// failed or stalled — or did not compile).
fn loader_failure(data: &JsValue) -> Option<String> {
    js_sys::Reflect::get(data, &JsValue::from_str("loader_failed"))
        .ok()?
        .as_string()
}

/// A received payload: the message, and the bytes beside it.
fn read(data: &JsValue) -> Result<(FromWorker, Option<Uint8Array>), String> {
    let (message, bytes) = wire::unpack(data)?;
    Ok((decode(&message)?, bytes))
}

fn start(bundle: Bundle, request: BackendRequest, heard: Listeners) -> Result<Link, String> {
    let worker = web_sys::Worker::new(&bundle.script())
        .map_err(|e| format!("the browser refused to start the compute worker: {e:?}"))?;
    let on_message = {
        let heard = heard.clone();
        let worker = worker.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            if let Some(why) = loader_failure(&data) {
                heard.tell(Heard::Stopped(format!(
                    "The compute worker could not start: {why}."
                )));
                return;
            }
            match read(&data) {
                Ok((FromWorker::Ready, _)) => {
                    let probe = wire::pack(&ToWorker::Probe(request).encode(), None);
                    heard.tell(post_to(&worker, probe).map_or_else(|e| e, |()| Heard::Probing));
                }
                Ok((message, bytes)) => {
                    if let (Some(bytes), Some(name)) = (bytes, saved_file_name(&message))
                        && let Err(e) = download(&bytes, &name)
                    {
                        heard.tell(Heard::Unreadable(format!(
                            "the model could not be offered as a download: {e}"
                        )));
                    }
                    heard.tell(Heard::Reply(message));
                }
                Err(reason) => heard.tell(Heard::Unreadable(reason)),
            }
        })
    };
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new({
        move |event: ErrorEvent| {
            event.prevent_default();
            let detail = event.message();
            let detail = if detail.is_empty() {
                "its script failed to load".to_string()
            } else {
                detail
            };
            heard.tell(Heard::Stopped(format!(
                "The compute worker stopped: {detail}."
            )));
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Link {
        worker,
        _on_message: on_message,
        _on_error: on_error,
    })
}

fn saved_file_name(message: &FromWorker) -> Option<String> {
    match message {
        FromWorker::ConvNet(Event::ModelSaved { file_name, .. })
        | FromWorker::Imbalance(Event::ModelSaved { file_name, .. }) => Some(file_name.clone()),
        _ => None,
    }
}

/// What the browser said when a call failed (its error's debug text), for a message.
#[inline(never)]
pub fn js_error(e: JsValue) -> String {
    format!("{e:?}")
}

/// Offers `bytes` as a file download named `name`.
pub fn download(bytes: &Uint8Array, name: &str) -> Result<(), String> {
    let parts = Array::of1(bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    download_blob(
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
            .map_err(js_error)?,
        name,
    )
}

/// Offers `text` as a file download named `name` with MIME type `mime`.
pub fn download_text(text: &str, name: &str, mime: &str) -> Result<(), String> {
    let parts = Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    download_blob(
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_error)?,
        name,
    )
}

thread_local! {
    /// The last download's object URL. It stays valid until the next download — an engine may
    /// read it only after `click()` has returned, and would find a revoked URL gone and save
    /// nothing — and is revoked then, so at most one file is held (no timer needed).
    static LAST_DOWNLOAD: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn download_blob(blob: web_sys::Blob, name: &str) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    offer_download(&url, name)?;
    if let Some(previous) = LAST_DOWNLOAD.with(|last| last.replace(Some(url))) {
        let _ = web_sys::Url::revoke_object_url(&previous);
    }
    Ok(())
}

/// Offers the file at `href` (a blob: or data: URL) as a download named `name`: a click on a link
/// with a `download` attribute, in the document while clicked (older Firefox ignores a detached
/// link).
pub fn offer_download(href: &str, name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no document body")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_error)?
        .unchecked_into();
    anchor.set_href(href);
    anchor.set_download(name);
    body.append_child(&anchor).map_err(js_error)?;
    anchor.click();
    anchor.remove();
    Ok(())
}

/// Starts the compute worker for `request` (first asking the browser's WebGPU which bundle to
/// load), and again (on the CPU) each time `generation` changes — the app bumps it when a worker
/// stopped. Stops the worker when the component goes.
#[hook]
pub fn use_compute_worker(request: BackendRequest, generation: u32) -> Worker {
    let worker = use_memo((), |_| Worker {
        link: Rc::new(RefCell::new(None)),
        heard: Listeners::default(),
    });
    let (link, heard) = (worker.link.clone(), worker.heard.clone());
    use_effect_with((request, generation), move |&(request, _)| {
        // The answer about WebGPU comes asynchronously; a worker whose request has changed or
        // whose component has gone meanwhile is never started.
        let current = Rc::new(Cell::new(true));
        {
            let (link, current) = (link.clone(), current.clone());
            spawn_local(async move {
                let bundle = Bundle::for_request(request).await;
                if !current.get() {
                    return;
                }
                match start(bundle, request, heard.clone()) {
                    Ok(new_link) => *link.borrow_mut() = Some(new_link),
                    Err(e) => heard.tell(Heard::Stopped(e)),
                }
            });
        }
        move || {
            current.set(false);
            link.borrow_mut().take();
        }
    });
    (*worker).clone()
}

/// Dispatches to a reducer — a cell's, or the shell's — what `pick` finds addressed to it in what
/// the worker and the cells say, taking the replies it picks (nothing else reaches it, so nothing
/// else re-renders its component).
#[hook]
pub fn use_replies<T: Reducible + 'static>(
    worker: &Worker,
    dispatcher: UseReducerDispatcher<T>,
    pick: fn(&mut Option<Heard>) -> Option<T::Action>,
) {
    use_listener(
        &worker.heard,
        Rc::new(move |heard: &mut Option<Heard>| {
            if let Some(action) = pick(heard) {
                dispatcher.dispatch(action);
            }
        }),
    );
}
