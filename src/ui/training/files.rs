//! Reading a file the person picked, as bytes to hand to the worker (transferred, never as JSON).

use js_sys::ArrayBuffer;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, HtmlInputElement};

/// The file chosen in `input`, if any (the input is cleared so the same file can be picked again).
pub fn picked(input: &HtmlInputElement) -> Option<File> {
    let file = input.files().and_then(|files| files.get(0));
    input.set_value("");
    file
}

/// The file's bytes.
pub async fn read(file: &File) -> Result<ArrayBuffer, String> {
    JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| {
            format!(
                "{}: the browser could not read the file ({e:?})",
                file.name()
            )
        })?
        .dyn_into::<ArrayBuffer>()
        .map_err(|_| format!("{}: the browser returned no bytes", file.name()))
}
