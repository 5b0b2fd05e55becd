//! What the training cells (the ConvNet cell and the imbalance lab) share: the run as the page
//! follows it, the dataset, the knobs, the dataset picker, and the views of a run.

pub mod data;
pub mod files;
pub mod form;
pub mod picker;
pub mod run;
pub mod view;

use std::cell::Cell;

use crate::protocol::RunId;

thread_local! {
    static NEXT_RUN: Cell<u32> = Cell::new(first_run_id());
}

/// The page's first run id: its start time in milliseconds (wrapping), so that ids stay
/// distinct across reloads and tabs — the results table, kept across reloads and shared
/// between tabs, names its rows by run id.
fn first_run_id() -> u32 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now() as u64 as u32;
    #[cfg(not(target_arch = "wasm32"))]
    1
}

/// A run id no earlier request of this page (nor of an earlier visit, nor of another tab) used.
pub fn new_run_id() -> RunId {
    NEXT_RUN.with(|n| {
        let id = n.get();
        n.set(id + 1);
        RunId(id)
    })
}
