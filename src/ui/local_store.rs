//! What the page keeps across reloads, in the browser's `localStorage`: JSON text written with
//! serde_json and read back through the browser's JSON parser ([`browser_json`]), as the
//! worker's messages are. A browser that refuses storage (a private window, a full quota) loses
//! only the keeping: nothing here fails the page.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::browser_json;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The value saved under `key`, if there is one and it still reads as a `T`.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = storage()?.get_item(key).ok()??;
    browser_json::from_json(&text).ok()
}

/// Saves `value` under `key`.
pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}

/// Forgets what was saved under `key`.
pub fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}
