//! What the page keeps across reloads, in the browser's `localStorage`: the value's postcard
//! bytes (the worker messages' encoding, [`crate::protocol`]) written as hexadecimal text. A
//! browser that refuses storage (a private window, a full quota) loses only the keeping (`save`
//! says so, for the page to tell the student): nothing here fails the page, and text that does
//! not read back as a `T` is ignored. Tabs of one site share the storage: `on_other_tab_change`
//! hears what another tab saved.

use gloo_events::EventListener;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The value `text` (as [`save`] wrote it) holds, if it reads as a `T`.
pub fn decode<T: DeserializeOwned>(text: &str) -> Option<T> {
    crate::protocol::decode(&from_hex(text)?).ok()
}

/// The text [`save`] writes for `value` (for tests).
#[doc(hidden)]
pub fn encode<T: Serialize>(value: &T) -> String {
    to_hex(&postcard::to_allocvec(value).expect("plain data"))
}

/// The value saved under `key`, if there is one and it still reads as a `T`.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    decode(&storage()?.get_item(key).ok()??)
}

/// Saves `value` under `key`; false when the browser did not keep it (storage blocked, as in
/// some private windows, or its quota full).
pub fn save<T: Serialize>(key: &str, value: &T) -> bool {
    match (storage(), postcard::to_allocvec(value)) {
        (Some(storage), Ok(bytes)) => storage.set_item(key, &to_hex(&bytes)).is_ok(),
        _ => false,
    }
}

/// While the listener lives, `on_change` gets what another tab of the site saves under `key`:
/// `Some` for a value that reads as a `T`, `None` when it was removed (unreadable values are
/// ignored).
pub fn on_other_tab_change<T: DeserializeOwned + 'static>(
    key: &'static str,
    on_change: impl Fn(Option<T>) + 'static,
) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        // A `StorageEvent`'s fields, read by name (its web-sys binding is not compiled in).
        let field = |name: &str| js_sys::Reflect::get(event, &name.into()).ok()?.as_string();
        // No key: the whole storage was cleared.
        if field("key").is_some_and(|k| k != key) {
            return;
        }
        match field("newValue") {
            None => on_change(None),
            Some(text) => {
                if let Some(value) = decode(&text) {
                    on_change(Some(value))
                }
            }
        }
    }))
}

/// Forgets what was saved under `key`.
pub fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(to_hex(&[0, 15, 16, 255]), "000f10ff");
        assert_eq!(from_hex(""), Some(vec![]));
        for bad in ["0", "0g", "[{\"run\":1}]", "ff f"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }
}
