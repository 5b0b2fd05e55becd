//! The worker's clock and its way of letting the event loop run between two units of work.

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// This worker's (or window's) `performance`, if it has one.
fn performance() -> Option<web_sys::Performance> {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
}

/// Milliseconds from the worker's (or window's) `performance.now()`.
pub fn now_ms() -> f64 {
    performance().map_or(0.0, |p| p.now())
}

/// Milliseconds on the clock every worker of the page shares (`performance.timeOrigin` plus
/// `now()`: each worker's `now()` counts from its own start), to time a message between two.
pub fn shared_clock_ms() -> f64 {
    performance().map_or(0.0, |p| p.time_origin() + p.now())
}

/// Resolves in a new task, after the messages waiting in the event loop were handled.
///
/// `spawn_local` runs futures as microtasks, and on the CPU a read-back resolves at once, so a
/// loop of `step().await` alone would never let `onmessage` run. A message posted to a
/// `MessageChannel` queues a task without `setTimeout`'s 4 ms clamp.
pub async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _| {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let port = channel.port1();
        let keep = port.clone();
        let resolved = resolve.clone();
        let on_message = Closure::once_into_js(move || {
            drop(keep);
            let _ = resolved.call0(&JsValue::NULL);
        });
        port.set_onmessage(Some(on_message.unchecked_ref()));
        if channel.port2().post_message(&JsValue::NULL).is_err() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}
