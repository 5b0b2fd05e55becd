//! A compute worker's state driven as the page drives it, for the wasm-bindgen tests: those in
//! `tests/wasm_worker/` share one GPU device (`Driven::with_gpu`: Burn's WebGPU runtime starts
//! once a worker), and a test that loses the GPU runs in a binary of its own (it leaves no GPU for
//! the tests after it). Each binary uses a part of it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use lectern::protocol::training::{DataSource, Event, Request};
use lectern::protocol::{BackendRequest, FromWorker, RunId, ToWorker};
use lectern::settings::data::{DatasetKind, SubsetSettings};
use lectern::settings::model::ModelSettings;
use lectern::settings::train::{Schedule, TrainSettings};
use lectern::worker::envelope::{Incoming, capture_posts, take_captured};
use lectern::worker::tasks::{now_ms, yield_now};
use lectern::worker::{WorkerState, receive};

/// A tiny ConvNet's settings.
pub fn tiny(epochs: usize, batch: usize) -> TrainSettings {
    TrainSettings {
        model: ModelSettings {
            widths: [4, 8],
            ..ModelSettings::default()
        },
        epochs,
        batch,
        warmup_epochs: 0,
        schedule: Schedule::Constant,
        ..TrainSettings::default()
    }
}

/// A worker's state with its messages captured, and everything it said so far.
pub struct Driven {
    pub state: Rc<RefCell<WorkerState>>,
    pub seen: Vec<FromWorker>,
}

impl Driven {
    pub fn new() -> Self {
        Self::with_gpu(None)
    }

    /// A worker that starts with `gpu` as its WebGPU device (one an earlier test set up).
    pub fn with_gpu(gpu: Option<Device>) -> Self {
        capture_posts();
        let state = WorkerState::with_gpu(gpu);
        Self {
            state: Rc::new(RefCell::new(state)),
            seen: Vec::new(),
        }
    }

    pub fn send(&self, message: ToWorker) {
        self.send_with_bytes(message, None);
    }

    /// Sends `message` with a file's bytes beside it (a picked file, a checkpoint).
    pub fn send_with_bytes(&self, message: ToWorker, bytes: Option<Vec<u8>>) {
        receive(Incoming { message, bytes }, &self.state);
    }

    /// Yields to the event loop until a message satisfies `done` (3 minutes at most).
    pub async fn wait_for(&mut self, what: &str, done: impl Fn(&FromWorker) -> bool) -> FromWorker {
        let started = now_ms();
        loop {
            self.seen
                .extend(take_captured().into_iter().map(|(message, _)| message));
            if let Some(hit) = self.seen.iter().find(|m| done(m)) {
                return hit.clone();
            }
            assert!(
                now_ms() - started < 180_000.0,
                "no {what} within 3 minutes; the worker said: {:?}",
                self.seen
            );
            yield_now().await;
        }
    }

    /// Probes `backend` and loads the toy set into the ConvNet cell's slot; returns the probe's
    /// answer.
    pub async fn ready(&mut self, backend: BackendRequest) -> FromWorker {
        self.send(ToWorker::Probe(backend));
        let answer = self
            .wait_for("backend", |m| matches!(m, FromWorker::BackendReady { .. }))
            .await;
        self.send(ToWorker::ConvNet(Request::LoadData(DataSource::Toy)));
        self.wait_for("the toy set", |m| {
            matches!(m, FromWorker::ConvNet(Event::DataReady(_)))
        })
        .await;
        answer
    }

    /// The ConvNet cell's training events so far.
    pub fn events(&self) -> Vec<Event> {
        self.seen
            .iter()
            .filter_map(|m| match m {
                FromWorker::ConvNet(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn start(&self, run: u32, per_class: usize, settings: TrainSettings) {
        self.send(ToWorker::ConvNet(Request::Start {
            run: RunId(run),
            data: DatasetKind::Toy,
            subset: SubsetSettings {
                per_class,
                imbalance: 1.0,
            },
            settings,
            paused: false,
        }));
    }

    /// Waits for the run's end: finished, stopped or refused.
    pub async fn end(&mut self) -> FromWorker {
        self.wait_for("the end of the run", |m| {
            matches!(
                m,
                FromWorker::ConvNet(
                    Event::Finished(_) | Event::Stopped { .. } | Event::Refused { .. }
                )
            )
        })
        .await
    }

    /// Waits for the report of `epoch`.
    pub async fn epoch(&mut self, epoch: usize) {
        self.wait_for(
            "the epoch's report",
            |m| matches!(m, FromWorker::ConvNet(Event::Epoch(r)) if r.epoch == epoch),
        )
        .await;
    }

    /// The epochs reported so far.
    pub fn epochs(&self) -> Vec<usize> {
        self.events()
            .iter()
            .filter_map(|e| match e {
                Event::Epoch(report) => Some(report.epoch),
                _ => None,
            })
            .collect()
    }

    /// The iterations of the training steps reported so far.
    pub fn steps(&self) -> Vec<usize> {
        self.events()
            .iter()
            .filter_map(|e| match e {
                Event::Steps { steps, .. } => Some(steps.iter().map(|s| s.iteration)),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Waits for the run's end, which must be a finish after a move to the CPU; returns the move:
    /// the epoch the run continued from and the sentence the page shows.
    pub async fn finished_after_moving_to_cpu(&mut self) -> (usize, String) {
        let end = self.end().await;
        assert!(
            matches!(end, FromWorker::ConvNet(Event::Finished(_))),
            "{end:?}"
        );
        self.moved_to_cpu().expect("the run moved to the CPU")
    }

    /// The run's move to the CPU: the epoch it continues from and the sentence the page shows.
    pub fn moved_to_cpu(&self) -> Option<(usize, String)> {
        self.events().iter().find_map(|e| match e {
            Event::MovedToCpu { epoch, reason, .. } => Some((*epoch, reason.clone())),
            _ => None,
        })
    }
}
