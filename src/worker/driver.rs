//! The worker's one long-running task. Requests that take time — loading data, training,
//! experiments — are queued; the driver takes them in order, and between them trains one batch
//! of whichever training session is running, then yields to the event loop. So a Pause or Stop
//! is handled after at most one batch, on the CPU as on WebGPU, and the page never waits.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use burn::tensor::Device;

use super::backend::Chosen;
use super::data::Datasets;
use super::tasks::yield_now;
use super::training::Slot;
use super::{paper, training};
use crate::protocol::ToWorker;
use crate::protocol::training::TrainingCell;

/// A queued request with the bytes that came beside it.
pub struct Job {
    pub message: ToWorker,
    pub bytes: Option<Vec<u8>>,
}

/// What the worker keeps between messages.
#[derive(Default)]
pub struct WorkerState {
    /// Burn's WebGPU device, once initialised (it can be initialised only once).
    pub gpu: Option<Device>,
    /// The backend that passed the probe, which training runs on.
    pub chosen: Option<Chosen>,
    pub datasets: Datasets,
    /// The ConvNet cell's and the imbalance lab's training sessions.
    pub convnet: Slot,
    pub imbalance: Slot,
    /// Requests waiting for the driver.
    pub queue: VecDeque<Job>,
    pub driving: bool,
    /// Set by the paper cell's Cancel; read by its experiment between chunks.
    pub paper_cancelled: bool,
    /// Test-only fault injection: WebGPU "loses its device" after this many more batches.
    #[cfg(feature = "test-support")]
    pub lose_device_after: Option<usize>,
}

impl WorkerState {
    pub fn slot(&mut self, cell: TrainingCell) -> &mut Slot {
        match cell {
            TrainingCell::ConvNet => &mut self.convnet,
            TrainingCell::Imbalance => &mut self.imbalance,
        }
    }
}

/// Queues a request and starts the driver if it is idle.
pub fn enqueue(state: &Rc<RefCell<WorkerState>>, message: ToWorker, bytes: Option<Vec<u8>>) {
    let start = {
        let mut s = state.borrow_mut();
        s.queue.push_back(Job { message, bytes });
        !std::mem::replace(&mut s.driving, true)
    };
    if start {
        wasm_bindgen_futures::spawn_local(drive(state.clone()));
    }
}

/// Works until nothing is queued and no session is running.
async fn drive(state: Rc<RefCell<WorkerState>>) {
    // Alternates between the two training cells when both run.
    let mut turn = TrainingCell::Imbalance;
    loop {
        let job = state.borrow_mut().queue.pop_front();
        if let Some(job) = job {
            match job.message {
                ToWorker::ConvNet(request) => {
                    training::handle(&state, TrainingCell::ConvNet, request, job.bytes).await
                }
                ToWorker::Imbalance(request) => {
                    training::handle(&state, TrainingCell::Imbalance, request, job.bytes).await
                }
                ToWorker::Paper(request) => paper::handle(&state, request, job.bytes).await,
                ToWorker::Probe(_) | ToWorker::Theory(_) | ToWorker::InjectDeviceLoss { .. } => {
                    unreachable!("answered without the queue")
                }
            }
            yield_now().await;
            continue;
        }
        turn = match turn {
            TrainingCell::ConvNet => TrainingCell::Imbalance,
            TrainingCell::Imbalance => TrainingCell::ConvNet,
        };
        let other = match turn {
            TrainingCell::ConvNet => TrainingCell::Imbalance,
            TrainingCell::Imbalance => TrainingCell::ConvNet,
        };
        let trained =
            training::advance(&state, turn).await || training::advance(&state, other).await;
        if !trained {
            let mut s = state.borrow_mut();
            if s.queue.is_empty() {
                s.driving = false;
                return;
            }
        }
        yield_now().await;
    }
}
