//! The theory cell's requests: Burn's autodiff at x0, and the dead-ReLU demo (up to thousands of
//! steps: it yields every few dozen, and a newer demo replaces an older one still running).

use std::cell::RefCell;
use std::rc::Rc;

use super::envelope::post;
use super::state::WorkerState;
use super::tasks::yield_now;
use crate::compute::{dead_relu, theory_autodiff::autodiff_at};
use crate::protocol::FromWorker;
use crate::protocol::theory::{Reply, Request};

pub async fn handle(request: Request, state: Rc<RefCell<WorkerState>>) {
    let device = state.borrow().device();
    let reply = match request {
        Request::Autodiff { network, x0 } => {
            Reply::Autodiff(autodiff_at(&network, x0, &device).await)
        }
        Request::DeadRelu(settings) => {
            let generation = state.borrow_mut().next_dead_relu();
            let current = || state.borrow().dead_relu_is_current(generation);
            let report = dead_relu::run_pausing(&settings, &device, async || {
                yield_now().await;
                current()
            })
            .await;
            if !current() {
                return;
            }
            Reply::DeadRelu(report)
        }
    };
    post(&FromWorker::Theory(reply));
}
