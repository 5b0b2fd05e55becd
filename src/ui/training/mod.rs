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
    static NEXT_RUN: Cell<u32> = const { Cell::new(1) };
}

/// A run id no earlier request of this page used.
pub fn new_run_id() -> RunId {
    NEXT_RUN.with(|n| {
        let id = n.get();
        n.set(id + 1);
        RunId(id)
    })
}
