//! What the browser's WebGPU offers, asked directly through `navigator.gpu` (no Burn, no wgpu):
//! by the page, to choose which worker bundle to load, and by the worker, before Burn starts its
//! own runtime. [`BackendRequest::webgpu_adapter`](crate::backend_choice::BackendRequest::webgpu_adapter)
//! turns the answer into the choice.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::backend_choice::{AdapterAnswer, AdapterError, AdapterInfo};

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn describe(error: JsValue) -> AdapterError {
    AdapterError::Failed(
        error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}")),
    )
}

/// Asks `navigator.gpu.requestAdapter()` (in a window or a worker). `Ok(None)`: this browser has
/// no WebGPU, or no adapter.
pub async fn query_adapter() -> AdapterAnswer {
    let global = js_sys::global();
    let gpu = get(&get(&global, "navigator"), "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        // Browsers hide WebGPU from pages served over plain http from a network address.
        return if get(&global, "isSecureContext").as_bool() == Some(false) {
            Err(AdapterError::InsecureContext)
        } else {
            Ok(None)
        };
    }
    let failed = |what: &str| AdapterError::Failed(what.to_string());
    let request: Function = get(&gpu, "requestAdapter")
        .dyn_into()
        .map_err(|_| failed("navigator.gpu.requestAdapter is not a function"))?;
    let promise: Promise = request
        .call0(&gpu)
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| failed("navigator.gpu.requestAdapter() did not return a promise"))?;
    let adapter = JsFuture::from(promise).await.map_err(describe)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Ok(None);
    }
    let info = get(&adapter, "info");
    let text = |key| get(&info, key).as_string().unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    for key in ["description", "vendor", "architecture", "device"] {
        let value = text(key);
        if !value.is_empty() && !parts.contains(&value) {
            parts.push(value);
        }
    }
    // Chromium reports it on `info`; older versions on the adapter itself.
    let fallback = get(&info, "isFallbackAdapter")
        .as_bool()
        .or_else(|| get(&adapter, "isFallbackAdapter").as_bool())
        .unwrap_or(false);
    Ok(Some(AdapterInfo {
        description: parts.join(" "),
        fallback,
    }))
}
