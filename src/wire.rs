//! What travels through `postMessage` between the page and the compute worker (feature `web`):
//! a message's encoded bytes ([`crate::protocol`]) as a transferred `ArrayBuffer`, or
//! `{message, bytes}` when a file rides along as a second transferred buffer. Both ends use
//! this one module, so they cannot disagree on the shape.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// A payload for `postMessage` and the buffers it transfers (no copies on the other side).
pub struct Posted {
    pub payload: JsValue,
    pub transfer: Array,
}

/// Packs `message` (encoded bytes) and, if any, `bytes` beside it.
pub fn pack(message: &[u8], bytes: Option<ArrayBuffer>) -> Posted {
    let message = Uint8Array::from(message).buffer();
    match bytes {
        None => Posted {
            transfer: Array::of1(&message),
            payload: message.into(),
        },
        Some(bytes) => {
            let payload = Object::new();
            let _ = Reflect::set(&payload, &"message".into(), &message);
            let _ = Reflect::set(&payload, &"bytes".into(), &bytes);
            Posted {
                transfer: Array::of2(&message, &bytes),
                payload: payload.into(),
            }
        }
    }
}

/// Unpacks a received payload into the message's bytes and the bytes beside it, if any.
pub fn unpack(data: &JsValue) -> Result<(Vec<u8>, Option<Uint8Array>), String> {
    if let Some(message) = data.dyn_ref::<ArrayBuffer>() {
        return Ok((Uint8Array::new(message).to_vec(), None));
    }
    let field = |name: &str| {
        Reflect::get(data, &name.into())
            .ok()
            .and_then(|v| v.dyn_into::<ArrayBuffer>().ok())
    };
    let message = field("message").ok_or_else(|| {
        "a message that is neither an ArrayBuffer nor {message, bytes}".to_string()
    })?;
    Ok((
        Uint8Array::new(&message).to_vec(),
        field("bytes").map(|b| Uint8Array::new(&b)),
    ))
}
