//! The lanes' queues: which lane a request goes to, and what waits in each (the scheduler that
//! works through them is `driver`).

use std::collections::VecDeque;

use crate::protocol::training::{DataSource, TrainingCell};

/// A queued request with the bytes that came beside it.
pub struct Queued {
    pub work: Work,
    pub bytes: Option<Vec<u8>>,
}

/// A request that takes time: a training cell's, or the paper cell's.
pub enum Work {
    Training(TrainingCell, crate::protocol::training::Request),
    Paper(crate::protocol::paper::Request),
}

impl Work {
    /// The lane that works on it.
    pub fn lane(&self) -> Lane {
        match self {
            Work::Training(cell, crate::protocol::training::Request::LoadData(source)) => {
                match source {
                    DataSource::Upload { .. } => Lane::Data(*cell),
                    DataSource::Toy | DataSource::Site => Lane::SharedData,
                }
            }
            Work::Training(cell, _) => Lane::Training(*cell),
            Work::Paper(_) => Lane::Paper,
        }
    }
}

/// Whose work a lane does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// A training cell's requests and its session's batches.
    Training(TrainingCell),
    /// A training cell's picked files: its session trains on the dataset it started with
    /// meanwhile.
    Data(TrainingCell),
    /// The shared datasets (the toy set, the site's subset): one load at a time, so two cells
    /// asking for the site's subset download it once (the second finds it loaded).
    SharedData,
    Paper,
}

impl Lane {
    fn index(self) -> usize {
        match self {
            Lane::Training(TrainingCell::ConvNet) => 0,
            Lane::Training(TrainingCell::Imbalance) => 1,
            Lane::Data(TrainingCell::ConvNet) => 2,
            Lane::Data(TrainingCell::Imbalance) => 3,
            Lane::SharedData => 4,
            Lane::Paper => 5,
        }
    }
}

/// One lane's queues.
#[derive(Default)]
pub(super) struct Queue {
    /// Controls of the run under way: taken before anything else.
    pub(super) controls: VecDeque<Queued>,
    pub(super) requests: VecDeque<Queued>,
    /// Whether the lane's task is alive.
    pub(super) running: bool,
}

/// The lanes' queues (kept in [`WorkerState`]).
#[derive(Default)]
pub struct Lanes {
    queues: [Queue; 6],
}

impl Lanes {
    pub(super) fn queue(&mut self, lane: Lane) -> &mut Queue {
        &mut self.queues[lane.index()]
    }

    /// The lane's next request, controls first.
    pub(super) fn next(&mut self, lane: Lane) -> Option<Queued> {
        let queue = self.queue(lane);
        queue
            .controls
            .pop_front()
            .or_else(|| queue.requests.pop_front())
    }

    /// Whether `lane` has requests waiting behind the one under way.
    pub fn has_queued(&mut self, lane: Lane) -> bool {
        !self.queue(lane).requests.is_empty()
    }
}
