//! What the page keeps across reloads, in the browser's `localStorage`: the value's postcard
//! bytes (the worker messages' encoding, [`crate::protocol`]) written as hexadecimal text. A
//! browser that refuses storage (a private window, a full quota) loses only the keeping: nothing
//! here fails the page, and text that does not read back as a `T` is ignored.

use serde::Serialize;
use serde::de::DeserializeOwned;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The value saved under `key`, if there is one and it still reads as a `T`.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    decode(&storage()?.get_item(key).ok()??)
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

/// Saves `value` under `key`.
pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(bytes)) = (storage(), postcard::to_allocvec(value)) {
        let _ = storage.set_item(key, &to_hex(&bytes));
    }
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
