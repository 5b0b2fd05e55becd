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

/// The largest file read: above the official CIFAR-10 archive (170 MB), the largest file any
/// cell asks for, and far below what would exhaust the worker's memory.
const MAX_BYTES: f64 = 200e6;

/// The file's bytes; a file larger than any the notebook asks for is refused before it is read.
pub async fn read(file: &File) -> Result<ArrayBuffer, String> {
    if file.size() > MAX_BYTES {
        return Err(format!(
            "{} is {} MB: lectern reads files up to {} MB (the CIFAR-10 archive is 170 MB), so this is not a file it can use",
            file.name(),
            (file.size() / 1e6) as u64,
            (MAX_BYTES / 1e6) as u64
        ));
    }
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
