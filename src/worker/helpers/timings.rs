//! What data-parallel training costs, for `make bench` (`tests/e2e/bench_workers.mjs`) to read:
//! per step, the whole step, this worker's own shard, its wait for the helpers, and the slowest
//! helper's exchange and compute; the same for each evaluation in shares; per epoch, the workers,
//! the training throughput and the evaluation's time. Kept in the worker's global
//! `lecternTimings` (plain numbers; the last [`KEPT`] steps), written as they happen.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Rows kept in each list.
const KEPT: u32 = 400;

/// One data-parallel step, all ms: its whole time; this worker's own shard; its wait after it,
/// until it had read every helper's answer; then the slowest helper's: job delivery (encoding,
/// transfer and reading, from the posting to the helper's start), computing, and answer
/// (encoding, transfer and reading, counted from the end of this worker's own shard if that came
/// later: the exchange's part the step waits for).
pub fn step(times: [f64; 6]) {
    keep("steps", &times);
}

/// One evaluation in shares, as [`step`] without the whole: this worker's share, its wait, and
/// the slowest helper's delivery, computing and answer (ms).
pub fn evaluation(times: [f64; 5]) {
    keep("evaluations", &times);
}

/// One epoch's end: the workers, the training img/s and the evaluation's ms.
pub fn epoch(workers: usize, images_per_second: f64, eval_ms: f64) {
    keep("epochs", &[workers as f64, images_per_second, eval_ms]);
}

/// Appends `row` to the list `name` of the global `lecternTimings` (made on first use), keeping
/// the last [`KEPT`] rows: one small array a step, never the whole list again.
fn keep(name: &str, row: &[f64]) {
    let global = js_sys::global();
    let timings = Reflect::get(&global, &"lecternTimings".into())
        .ok()
        .filter(|t| t.is_object())
        .unwrap_or_else(|| {
            let made = Object::new();
            for list in ["steps", "evaluations", "epochs"] {
                let _ = Reflect::set(&made, &list.into(), &Array::new());
            }
            let _ = Reflect::set(&global, &"lecternTimings".into(), &made);
            made.into()
        });
    let Ok(list) = Reflect::get(&timings, &name.into()) else {
        return;
    };
    let list: Array = list.unchecked_into();
    list.push(&row.iter().map(|&v| JsValue::from_f64(v)).collect::<Array>());
    if list.length() > KEPT {
        list.shift();
    }
}
