//! The worker's end of `postMessage` (the payload's shape is [`crate::wire`]'s).

use std::cell::RefCell;

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use crate::protocol::{FromWorker, ToWorker, decode};
use crate::wire;

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// A message from the page, with the bytes that came beside it.
pub struct Incoming {
    pub message: ToWorker,
    pub bytes: Option<Vec<u8>>,
}

impl Incoming {
    /// Reads a `postMessage` payload.
    pub fn read(data: &wasm_bindgen::JsValue) -> Result<Self, String> {
        let (message, bytes) = wire::unpack(data)?;
        Ok(Self {
            message: decode(&message)?,
            bytes: bytes.map(|b| b.to_vec()),
        })
    }
}

/// A message the worker sent, with the bytes beside it.
type Sent = (FromWorker, Option<Vec<u8>>);

thread_local! {
    /// Where messages go instead of `postMessage` while a test captures them.
    static CAPTURED: RefCell<Option<Vec<Sent>>> = const { RefCell::new(None) };
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
            let read_back = decode(&message.encode()).expect("replies read back");
            kept.push((read_back, bytes.map(<[u8]>::to_vec)));
            true
        }
        None => false,
    })
}

/// Sends a message to the page.
pub fn post(message: &FromWorker) {
    if !captured(message, None) {
        send(wire::pack(&message.encode(), None));
    }
}

/// Sends a message with `bytes` beside it, transferring the buffer (no copy in the page).
pub fn post_with_bytes(message: &FromWorker, bytes: &[u8]) {
    if !captured(message, Some(bytes)) {
        send(wire::pack(
            &message.encode(),
            Some(Uint8Array::from(bytes).buffer()),
        ));
    }
}

fn send(posted: wire::Posted) {
    if let Err(e) = scope().post_message_with_transfer(&posted.payload, &posted.transfer) {
        web_sys::console::error_2(&"lectern worker: postMessage failed".into(), &e);
    }
}
