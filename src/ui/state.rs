//! The notebook's shared state: one `Reducible` struct updated through `use_reducer`.

use std::rc::Rc;

use yew::Reducible;

use super::theory::state::{TheoryAction, TheoryState};
use crate::protocol::{
    AutodiffResult, Backend, BackendRequest, DeadReluReport, FromWorker, ProbeReport,
};

/// One notebook cell as the shell knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellInfo {
    /// Anchor id (`#theory`) and suffix of the `data-testid` (`section-theory`).
    pub id: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
}

/// The four cells, in order.
pub const CELLS: [CellInfo; 4] = [
    CellInfo {
        id: "theory",
        title: "1 · Theory: a two-layer ReLU network",
        intro: "A network h(x) from the real line to the real line, with two hidden ReLU layers of \
                two units. We step through its forward pass, see where ReLU's derivative switches \
                units off, and use the chain rule with those active masks to find the tangent line \
                Wx + b of h at any point — then ask why dead ReLUs are rarer in practice than on paper.",
    },
    CellInfo {
        id: "convnet",
        title: "2 · A ConvNet on CIFAR-10",
        intro: "A scaled-down convolutional network — two blocks of two conv → BatchNorm → ReLU \
                layers, each followed by max-pooling, then dropout and a linear head — trained on a \
                subset of CIFAR-10 right here in your browser, in a background worker, with live \
                loss and accuracy curves.",
    },
    CellInfo {
        id: "imbalance",
        title: "3 · Class imbalance",
        intro: "Real data is long-tailed: a few classes have most of the images. On a long-tailed \
                CIFAR-10 subset we compare cross-entropy, focal loss and the class-balanced losses \
                of Cui et al. (CVPR 2019), whose weights (1 − β)/(1 − βⁿ) grow for rare classes, and \
                read per-class accuracies the way a write-up reports them.",
    },
    CellInfo {
        id: "paper",
        title: "4 · The paper: texture vs shape",
        intro: "Geirhos et al. (ICLR 2019) showed that ImageNet-trained CNNs classify by texture \
                more than by shape — unlike people. We retell the argument and test our own small \
                ConvNet for the same bias.",
    },
];

/// Where the compute worker is.
#[derive(Debug, Clone, PartialEq)]
pub enum ComputeStatus {
    /// The worker's WebAssembly is loading.
    Starting,
    /// The worker is choosing and checking a backend.
    Probing,
    /// A backend passed the probe.
    Ready {
        backend: Backend,
        report: ProbeReport,
        note: Option<String>,
    },
    /// The worker failed; the page says why.
    Failed(String),
}

/// The notebook's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    /// Index into [`CELLS`] of the cell the keyboard moves from.
    pub active: usize,
    /// Projector mode: everything larger.
    pub large_type: bool,
    pub compute: ComputeStatus,
    /// What the URL asked for.
    pub backend_request: BackendRequest,
    /// Problems with the URL, shown on the page.
    pub url_notes: Vec<String>,
    /// How many times the worker has stopped (crashed, or its GPU device was lost).
    pub worker_stops: u32,
    /// Why the worker last stopped, kept after it restarts on the CPU.
    pub stop_reason: Option<String>,
    pub theory: TheoryState,
    /// The worker's latest autodiff answer for the theory cell.
    pub autodiff: Option<Result<AutodiffResult, String>>,
    /// The dead-ReLU demo's latest result, and whether a run is under way.
    pub dead_relu: Option<Result<DeadReluReport, String>>,
    pub dead_relu_running: bool,
}

impl Notebook {
    pub fn new(
        backend_request: BackendRequest,
        url_notes: Vec<String>,
        theory: TheoryState,
    ) -> Self {
        Self {
            active: 0,
            large_type: false,
            compute: ComputeStatus::Starting,
            backend_request,
            url_notes,
            worker_stops: 0,
            stop_reason: None,
            theory,
            autodiff: None,
            dead_relu: None,
            dead_relu_running: false,
        }
    }
}

impl Notebook {
    /// What the worker should be started with, and a generation that changes when it must be
    /// restarted: after the first stop it restarts once, on the CPU; after that it stays stopped.
    pub fn worker_request(&self) -> (BackendRequest, u32) {
        if self.worker_stops == 0 {
            (self.backend_request, 0)
        } else {
            (BackendRequest::Cpu, 1)
        }
    }
}

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    NextCell,
    PreviousCell,
    Focus(usize),
    ToggleLargeType,
    /// The probe request went out.
    Probing,
    FromWorker(FromWorker),
    /// The worker script failed to load or crashed (e.g. the GPU device was lost).
    WorkerStopped(String),
    Theory(TheoryAction),
    /// A dead-ReLU training run was sent to the worker.
    DeadReluStarted,
    /// ← / →: the previous / next step of the active cell, where it has steps.
    NextStep,
    PreviousStep,
}

impl Reducible for Notebook {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::NextCell => next.active = (next.active + 1).min(CELLS.len() - 1),
            Action::PreviousCell => next.active = next.active.saturating_sub(1),
            Action::Focus(i) if i < CELLS.len() => next.active = i,
            Action::Focus(_) => return self,
            Action::ToggleLargeType => next.large_type = !next.large_type,
            Action::Probing => next.compute = ComputeStatus::Probing,
            Action::FromWorker(FromWorker::Ready) => {}
            Action::FromWorker(FromWorker::BackendReady {
                backend,
                report,
                note,
            }) => {
                next.compute = ComputeStatus::Ready {
                    backend,
                    report,
                    note,
                };
            }
            Action::FromWorker(FromWorker::Autodiff(result)) => next.autodiff = Some(result),
            Action::FromWorker(FromWorker::DeadRelu(result)) => {
                next.dead_relu = Some(result);
                next.dead_relu_running = false;
            }
            Action::DeadReluStarted => next.dead_relu_running = true,
            Action::FromWorker(FromWorker::Error(e)) => next.compute = ComputeStatus::Failed(e),
            Action::Theory(action) => next.theory.apply(action),
            step @ (Action::NextStep | Action::PreviousStep) => {
                if CELLS[next.active].id != "theory" {
                    return self;
                }
                next.theory.apply(match step {
                    Action::NextStep => TheoryAction::NextStep,
                    _ => TheoryAction::PreviousStep,
                });
            }
            Action::WorkerStopped(why) => {
                next.dead_relu_running = false;
                next.worker_stops += 1;
                next.stop_reason = Some(why.clone());
                next.compute = ComputeStatus::Failed(why);
            }
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: Notebook, action: Action) -> Notebook {
        (*Rc::new(state).reduce(action)).clone()
    }

    #[test]
    fn cell_navigation_stays_in_range() {
        let mut s = Notebook::new(BackendRequest::Auto, vec![], TheoryState::default());
        s = reduce(s, Action::PreviousCell);
        assert_eq!(s.active, 0);
        for _ in 0..10 {
            s = reduce(s, Action::NextCell);
        }
        assert_eq!(s.active, CELLS.len() - 1);
        s = reduce(s, Action::Focus(1));
        assert_eq!(s.active, 1);
        s = reduce(s, Action::Focus(99));
        assert_eq!(s.active, 1);
    }

    #[test]
    fn arrow_keys_step_only_in_the_theory_cell() {
        let mut s = Notebook::new(BackendRequest::Auto, vec![], TheoryState::default());
        s = reduce(s, Action::NextStep);
        assert_eq!(s.theory.step, 1);
        s = reduce(s, Action::NextCell);
        s = reduce(s, Action::NextStep);
        assert_eq!(s.theory.step, 1, "the ConvNet cell has no steps");
        s = reduce(s, Action::Focus(0));
        s = reduce(s, Action::PreviousStep);
        assert_eq!(s.theory.step, 0);
    }

    #[test]
    fn worker_messages_set_the_status() {
        let s = Notebook::new(BackendRequest::Cpu, vec![], TheoryState::default());
        let s = reduce(s, Action::Probing);
        assert_eq!(s.compute, ComputeStatus::Probing);
        let s = reduce(s, Action::WorkerStopped("lost".into()));
        assert_eq!(s.compute, ComputeStatus::Failed("lost".into()));
        assert_eq!(s.worker_stops, 1);
        assert_eq!(s.worker_request(), (BackendRequest::Cpu, 1));
    }
}
