//! What data-parallel training costs, for `make bench` (`tests/e2e/bench_workers.mjs`) to read:
//! per step, the whole step, this worker's own shard, the helpers' round trip and their compute
//! (the rest of the round trip is the exchange: encoding, transfer, decoding); the same for each
//! evaluation in shares; per epoch, the workers, the training throughput and the evaluation's
//! time. Kept in the worker's global
//! `lecternTimings` (plain numbers; the last [`KEPT`] steps), written as they happen.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

/// Steps kept.
const KEPT: usize = 400;

#[derive(Default)]
struct Timings {
    /// `[step, own, round trip, helpers' compute, helpers' handling]` in ms.
    steps: Vec<[f64; 5]>,
    /// `[workers, training img/s, evaluation ms]`.
    epochs: Vec<[f64; 3]>,
    /// Evaluations in shares: `[own, round trip, helpers' compute, helpers' handling]` in ms.
    evaluations: Vec<[f64; 4]>,
}

thread_local! {
    static TIMINGS: RefCell<Timings> = RefCell::default();
}

/// One data-parallel step: its whole time, this worker's shard, the helpers' round trip (from
/// sending their jobs to the last answer), the longest helper compute and the longest time a
/// helper held its job (from its arrival to its answer: reading it, computing), all ms.
pub fn step(times: [f64; 5]) {
    TIMINGS.with(|t| keep(&mut t.borrow_mut().steps, times));
    publish();
}

/// One evaluation in shares: this worker's share, the helpers' round trip, compute and
/// handling (ms).
pub fn evaluation(times: [f64; 4]) {
    TIMINGS.with(|t| keep(&mut t.borrow_mut().evaluations, times));
    publish();
}

/// Keeps `row`, and the [`KEPT`] rows before it at most.
fn keep<T>(rows: &mut Vec<T>, row: T) {
    if rows.len() == KEPT {
        rows.remove(0);
    }
    rows.push(row);
}

/// One epoch's end.
pub fn epoch(workers: usize, images_per_second: f64, eval_ms: f64) {
    TIMINGS.with(|t| {
        t.borrow_mut()
            .epochs
            .push([workers as f64, images_per_second, eval_ms])
    });
    publish();
}

fn rows(rows: &[impl AsRef<[f64]>]) -> Array {
    rows.iter()
        .map(|r| {
            r.as_ref()
                .iter()
                .map(|&v| JsValue::from_f64(v))
                .collect::<Array>()
        })
        .collect()
}

fn publish() {
    TIMINGS.with(|t| {
        let t = t.borrow();
        let out = Object::new();
        let _ = Reflect::set(&out, &"steps".into(), &rows(&t.steps));
        let _ = Reflect::set(&out, &"epochs".into(), &rows(&t.epochs));
        let _ = Reflect::set(&out, &"evaluations".into(), &rows(&t.evaluations));
        let _ = Reflect::set(&js_sys::global(), &"lecternTimings".into(), &out);
    });
}
