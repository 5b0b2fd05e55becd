//! The worker's scheduler. Each cell has a lane (a training cell two: its requests and its
//! picked files; the shared datasets one more): a queue and one task that works through it — a training lane trains its
//! session's batches between requests — yielding to the event loop after every unit of work (a
//! batch, a chunk of an experiment, a piece of a file, a piece of a download). The lanes run side
//! by side, so one cell's long job never holds another cell's Pause; a control that names the
//! run under way goes ahead of its cell's queued requests and is applied after at most the batch
//! in progress.

use std::cell::RefCell;
use std::rc::Rc;

use super::lanes::{Lane, Queued, Work};
use super::state::WorkerState;
use super::tasks::yield_now;
use super::{paper, training};

/// Queues a request in its lane (ahead of the queued ones when `urgent`) and starts the lane's
/// task if it is idle.
pub fn enqueue(state: &Rc<RefCell<WorkerState>>, queued: Queued, urgent: bool) {
    let lane = queued.work.lane();
    let start = {
        let mut s = state.borrow_mut();
        let queue = s.lanes().queue(lane);
        if urgent {
            queue.controls.push_back(queued);
        } else {
            queue.requests.push_back(queued);
        }
        !std::mem::replace(&mut queue.running, true)
    };
    if start {
        wasm_bindgen_futures::spawn_local(drive(state.clone(), lane));
    }
}

/// Works through `lane` until nothing is queued and its session (if any) is not running.
async fn drive(state: Rc<RefCell<WorkerState>>, lane: Lane) {
    loop {
        let next = state.borrow_mut().lanes().next(lane);
        match (next, lane) {
            (Some(Queued { work, bytes }), _) => match work {
                Work::Training(cell, request) => {
                    training::handle(&state, cell, request, bytes).await
                }
                Work::Paper(request) => paper::handle(&state, request, bytes).await,
            },
            (None, Lane::Training(cell)) if training::advance(&state, cell).await => {}
            (None, _) => {
                let mut s = state.borrow_mut();
                let queue = s.lanes().queue(lane);
                if queue.controls.is_empty() && queue.requests.is_empty() {
                    queue.running = false;
                    return;
                }
            }
        }
        yield_now().await;
    }
}
