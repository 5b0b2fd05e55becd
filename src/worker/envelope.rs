//! What travels through `postMessage`: JSON text, or `{json, bytes}` when a file rides along as
//! a transferred `ArrayBuffer` (never as JSON).

use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use crate::protocol::{FromWorker, ToWorker, from_json};

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// A message from the page, with the bytes that came beside it.
pub struct Incoming {
    pub message: ToWorker,
    pub bytes: Option<Vec<u8>>,
}

impl Incoming {
    /// Reads a `postMessage` payload: a JSON string, or `{json, bytes}`.
    pub fn read(data: &JsValue) -> Result<Self, String> {
        if let Some(text) = data.as_string() {
            return Ok(Self {
                message: from_json(&text)?,
                bytes: None,
            });
        }
        let json = Reflect::get(data, &"json".into())
            .ok()
            .and_then(|v| v.as_string())
            .ok_or("the worker received a message that is neither JSON text nor {json, bytes}")?;
        let bytes = Reflect::get(data, &"bytes".into())
            .ok()
            .and_then(|v| v.dyn_into::<ArrayBuffer>().ok())
            .map(|buffer| Uint8Array::new(&buffer).to_vec());
        Ok(Self {
            message: from_json(&json)?,
            bytes,
        })
    }
}

thread_local! {
    /// Where messages go instead of `postMessage` while a test captures them.
    static CAPTURED: RefCell<Option<Vec<(FromWorker, Option<Vec<u8>>)>>> = const { RefCell::new(None) };
}

/// From now on, keep the worker's messages for [`take_captured`] instead of posting them
/// (for tests that drive the worker inside their own worker).
pub fn capture_posts() {
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
}

/// The messages kept since the last call, as the page would have read them back.
pub fn take_captured() -> Vec<(FromWorker, Option<Vec<u8>>)> {
    CAPTURED.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}

/// Keeps `message` if a test captures; says whether it did.
fn captured(message: &FromWorker, bytes: Option<&[u8]>) -> bool {
    CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(kept) => {
            let read_back = from_json(&message.to_json()).expect("replies read back");
            kept.push((read_back, bytes.map(<[u8]>::to_vec)));
            true
        }
        None => false,
    })
}

/// Sends a message to the page.
pub fn post(message: &FromWorker) {
    if captured(message, None) {
        return;
    }
    if let Err(e) = scope().post_message(&JsValue::from_str(&message.to_json())) {
        web_sys::console::error_2(&"lectern worker: postMessage failed".into(), &e);
    }
}

/// Sends a message with `bytes` beside it, transferring the buffer (no copy in the page).
pub fn post_with_bytes(message: &FromWorker, bytes: &[u8]) {
    if captured(message, Some(bytes)) {
        return;
    }
    let buffer = Uint8Array::from(bytes).buffer();
    let payload = Object::new();
    let _ = Reflect::set(&payload, &"json".into(), &message.to_json().into());
    let _ = Reflect::set(&payload, &"bytes".into(), &buffer);
    let transfer = Array::of1(&buffer);
    if let Err(e) = scope().post_message_with_transfer(&payload, &transfer) {
        web_sys::console::error_2(&"lectern worker: postMessage failed".into(), &e);
    }
}
