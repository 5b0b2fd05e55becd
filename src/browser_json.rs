//! The page's reader of the worker's JSON messages (feature `web`): the browser's own
//! `JSON.parse`, then serde-wasm-bindgen from the parsed value, instead of a JSON parser compiled
//! into the UI bundle (serde_json's reader was the largest part of serde there). The text on the
//! wire is unchanged: the worker still writes it with serde_json
//! ([`crate::protocol::FromWorker::to_json`]), and the page still writes its requests that way.
//! A test in Chromium holds this reader to serde_json's writing on one of every message
//! (`tests/wasm_worker.rs`).

use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::protocol::unreadable;

/// Parses a message received through `postMessage` (or text the page stored itself).
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|e| unreadable(text, &js_error(&e)))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| unreadable(text, &e))
}

/// A thrown JavaScript error's message (`SyntaxError: …`).
fn js_error(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => format!("{e:?}"),
    }
}
