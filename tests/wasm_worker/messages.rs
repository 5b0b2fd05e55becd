//! Both ends of the wire in the browser: numbers read with `parseFloat`, and every message through
//! a real `postMessage` payload.

use lectern::protocol::examples::every_reply;
use lectern::protocol::{FromWorker, ToWorker};
use lectern::wire;
use wasm_bindgen_test::*;

/// In the browser `lectern::format::parse_number` converts with the browser's `parseFloat`: it
/// reads every sample — accepted or refused, rounded, overflowing, subnormal, −0 — to the bit as
/// Rust's own parser does.
#[wasm_bindgen_test]
fn numbers_read_in_the_browser_as_rusts_parser_reads_them() {
    for text in lectern::format::NUMBER_SAMPLES {
        assert_eq!(
            lectern::format::parse_number(text).map(f64::to_bits),
            text.parse::<f64>().ok().map(f64::to_bits),
            "{text:?}"
        );
    }
}

/// What one end posts the other reads back (`lectern::wire` over a real `postMessage`-shaped
/// payload): every kind of message as it was encoded, to the byte — so −0, the largest finite
/// number and a subnormal keep their exact values — a file's bytes beside a message, and a
/// payload that is not a message (the JSON text of earlier versions, an object without a
/// message, bytes that do not decode) refused with the reason.
#[wasm_bindgen_test]
fn a_posted_message_reads_back_as_it_was_encoded() {
    for message in every_reply() {
        let bytes = message.encode();
        let posted = wire::pack(&bytes, None);
        let (read, beside) = wire::unpack(&posted.payload).unwrap_or_else(|e| panic!("{e}"));
        assert!(beside.is_none());
        let read: FromWorker = lectern::protocol::decode(&read).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, message);
        assert_eq!(read.encode(), bytes);
    }
    let file = js_sys::Uint8Array::from(&[1u8, 2, 3][..]).buffer();
    let posted = wire::pack(
        &ToWorker::InjectDeviceLoss { after_batches: 3 }.encode(),
        Some(file),
    );
    let (read, beside) = wire::unpack(&posted.payload).unwrap();
    assert_eq!(
        lectern::protocol::decode::<ToWorker>(&read),
        Ok(ToWorker::InjectDeviceLoss { after_batches: 3 })
    );
    assert_eq!(beside.map(|b| b.to_vec()), Some(vec![1, 2, 3]));
    assert_eq!(posted.transfer.length(), 2);

    for bad in [
        wasm_bindgen::JsValue::from_str("\"Ready\""),
        js_sys::Object::new().into(),
        wasm_bindgen::JsValue::NULL,
    ] {
        let error = wire::unpack(&bad)
            .err()
            .unwrap_or_else(|| panic!("{bad:?} read"));
        assert!(
            error.contains("neither an ArrayBuffer nor {message, bytes}"),
            "{error}"
        );
    }
    let garbage = wire::pack(&[255, 255, 255, 255, 255, 255], None);
    let (read, _) = wire::unpack(&garbage.payload).unwrap();
    let error = lectern::protocol::decode::<FromWorker>(&read).unwrap_err();
    assert!(error.starts_with("unreadable worker message ("), "{error}");
}
