//! The notebook shell's state, updated through `use_reducer`: the active cell, large type and the
//! compute status. Each cell keeps its own state in its own reducer (see `cells`), so an action
//! of one cell — a worker's reply to it — neither touches nor re-renders the shell or another cell.

use std::rc::Rc;

use yew::Reducible;

use super::cells::CellId;
use super::heard::Heard;
use crate::protocol::{Backend, BackendRequest, FromWorker, ProbeReport};
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

/// What the status bar shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Compute {
    pub status: ComputeStatus,
    /// What the URL asked for.
    pub request: BackendRequest,
    /// How many times the worker has stopped (crashed, its GPU device was lost, or its download
    /// failed).
    pub worker_stops: u32,
    /// How many times the person pressed Retry after the worker stopped for good.
    pub retries: u32,
    /// Notes for the status bar: bad URL parameters, why the worker stopped or changed backend,
    /// a message the page could not read.
    pub notes: Vec<String>,
}

impl Compute {
    /// The backend's label once the worker is ready.
    pub fn backend_label(&self) -> Option<String> {
        match &self.status {
            ComputeStatus::Ready { backend, .. } => Some(backend.label()),
            _ => None,
        }
    }

    /// What the worker should be started with, and a generation that changes when it must be
    /// restarted: after the first stop it restarts once, on the CPU; after that it stays stopped
    /// until the person presses Retry (on the CPU again).
    pub fn worker_request(&self) -> (BackendRequest, u32) {
        let generation = self.worker_stops.min(1) + self.retries;
        if self.worker_stops == 0 {
            (self.request, generation)
        } else {
            (BackendRequest::Cpu, generation)
        }
    }
}

/// The notebook shell's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Notebook {
    /// The cell the keyboard moves from.
    pub active: CellId,
    /// Projector mode: everything larger.
    pub large_type: bool,
    pub compute: Compute,
}

impl Notebook {
    pub fn new(request: BackendRequest, url_notes: Vec<String>) -> Self {
        Self {
            active: CellId::FIRST,
            large_type: false,
            compute: Compute {
                status: ComputeStatus::Starting,
                request,
                worker_stops: 0,
                retries: 0,
                notes: url_notes,
            },
        }
    }
}

/// Everything that changes the shell's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    NextCell,
    PreviousCell,
    Focus(CellId),
    ToggleLargeType,
    /// The probe request went out.
    Probing,
    /// The worker chose a backend, changed it, or refused a request.
    FromWorker(FromWorker),
    /// A message from the worker that the page could not read (nothing else is affected).
    Unreadable(String),
    /// The worker script failed to load or crashed (e.g. the GPU device was lost).
    WorkerStopped(String),
    /// Start the stopped worker again (the Retry button).
    RetryWorker,
}

impl Action {
    /// What the shell takes from what the worker says: all but the cells' replies.
    pub fn heard(heard: &mut Option<Heard>) -> Option<Action> {
        if let Some(Heard::Stopped(why)) = heard {
            return Some(Action::WorkerStopped(why.clone()));
        }
        let shells = |h: &mut Heard| {
            matches!(
                h,
                Heard::Probing
                    | Heard::Unreadable(_)
                    | Heard::Reply(
                        FromWorker::BackendReady { .. }
                            | FromWorker::BackendChanged { .. }
                            | FromWorker::Rejected { .. }
                    )
            )
        };
        Some(match heard.take_if(shells)? {
            Heard::Probing => Action::Probing,
            Heard::Unreadable(reason) => Action::Unreadable(reason),
            Heard::Reply(message) => Action::FromWorker(message),
            Heard::Stopped(_) | Heard::ConvNetModel(_) => return None,
        })
    }
}

impl Reducible for Notebook {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        if next == *self { self } else { Rc::new(next) }
    }
}

impl Notebook {
    fn apply(&mut self, action: Action) {
        let index = self.active.index();
        match action {
            Action::NextCell => self.active = CellId::from_index(index + 1).unwrap_or(CellId::LAST),
            Action::PreviousCell => {
                self.active = CellId::from_index(index.saturating_sub(1)).unwrap_or(CellId::FIRST)
            }
            Action::Focus(cell) => self.active = cell,
            Action::ToggleLargeType => self.large_type = !self.large_type,
            Action::Probing => self.compute.status = ComputeStatus::Probing,
            Action::FromWorker(message) => self.receive(message),
            Action::Unreadable(reason) => self.compute.notes.push(reason),
            Action::RetryWorker => {
                if matches!(self.compute.status, ComputeStatus::Failed(_)) {
                    self.compute.retries += 1;
                    self.compute.status = ComputeStatus::Starting;
                }
            }
            Action::WorkerStopped(why) => {
                self.compute.worker_stops += 1;
                let restarting = self.compute.worker_stops == 1;
                self.compute.notes.push(if restarting {
                    format!("{why} It was restarted on the CPU.")
                } else {
                    why.clone()
                });
                self.compute.status = ComputeStatus::Failed(why);
            }
        }
    }

    fn receive(&mut self, message: FromWorker) {
        match message {
            FromWorker::BackendReady {
                backend,
                report,
                note,
            } => {
                self.compute.status = ComputeStatus::Ready {
                    backend,
                    report,
                    note,
                }
            }
            FromWorker::BackendChanged { backend, reason } => {
                if let ComputeStatus::Ready { backend: b, .. } = &mut self.compute.status {
                    *b = backend;
                }
                self.compute.notes.push(reason);
            }
            FromWorker::Rejected { reason } => self.compute.notes.push(reason),
            _ => {}
        }
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
        let mut s = Notebook::new(BackendRequest::Auto, vec![]);
        s = reduce(s, Action::PreviousCell);
        assert_eq!(s.active, CellId::FIRST);
        for _ in 0..10 {
            s = reduce(s, Action::NextCell);
        }
        assert_eq!(s.active, CellId::LAST);
        let convnet = CellId::from_index(1).unwrap();
        s = reduce(s, Action::Focus(convnet));
        assert_eq!(s.active, convnet);
    }

    #[test]
    fn the_shell_takes_what_the_worker_says_except_the_cells_replies() {
        use crate::protocol::examples::every_reply;
        for message in every_reply() {
            let shells = matches!(
                message,
                FromWorker::BackendReady { .. }
                    | FromWorker::BackendChanged { .. }
                    | FromWorker::Rejected { .. }
            );
            let taken = Action::heard(&mut Some(Heard::Reply(message.clone())));
            assert_eq!(taken.is_some(), shells, "{message:?}");
        }
        assert_eq!(
            Action::heard(&mut Some(Heard::Stopped("lost".into()))),
            Some(Action::WorkerStopped("lost".into()))
        );
    }

    #[test]
    fn a_stopped_worker_restarts_once_on_the_cpu_then_stays_stopped() {
        // Asked for WebGPU; the worker crashes (e.g. the GPU device was lost).
        let s = Notebook::new(BackendRequest::WebGpu, vec![]);
        assert_eq!(s.compute.worker_request(), (BackendRequest::WebGpu, 0));
        let s = reduce(s, Action::Probing);
        assert_eq!(s.compute.status, ComputeStatus::Probing);
        let s = reduce(s, Action::WorkerStopped("lost".into()));
        assert_eq!(s.compute.status, ComputeStatus::Failed("lost".into()));
        assert_eq!(s.compute.worker_request(), (BackendRequest::Cpu, 1));
        assert!(s.compute.notes[0].contains("restarted on the CPU"));
        let s = reduce(s, Action::WorkerStopped("lost again".into()));
        assert_eq!(
            s.compute.worker_request(),
            (BackendRequest::Cpu, 1),
            "no second restart"
        );
        assert_eq!(s.compute.notes[1], "lost again");
        // Retry starts it again, on the CPU, once per press.
        let s = reduce(s, Action::RetryWorker);
        assert_eq!(s.compute.status, ComputeStatus::Starting);
        assert_eq!(s.compute.worker_request(), (BackendRequest::Cpu, 2));
        let s = reduce(s, Action::RetryWorker);
        assert_eq!(
            s.compute.worker_request(),
            (BackendRequest::Cpu, 2),
            "Retry only restarts a stopped worker"
        );
    }

    #[test]
    fn a_failed_download_restarts_once_on_the_cpu_then_waits_for_retry() {
        let s = Notebook::new(BackendRequest::Auto, vec![]);
        let s = reduce(s, Action::WorkerStopped("stalled".into()));
        assert_eq!(s.compute.worker_request(), (BackendRequest::Cpu, 1));
        let s = reduce(s, Action::WorkerStopped("stalled again".into()));
        assert_eq!(s.compute.worker_request(), (BackendRequest::Cpu, 1));
        let s = reduce(s, Action::RetryWorker);
        assert_eq!(s.compute.worker_request(), (BackendRequest::Cpu, 2));
    }

    #[test]
    fn an_unreadable_reply_leaves_the_backend_alone() {
        let mut s = Notebook::new(BackendRequest::Cpu, vec![]);
        s = reduce(
            s,
            Action::FromWorker(FromWorker::BackendReady {
                backend: Backend::Cpu,
                report: ProbeReport {
                    size: 64,
                    matmul_max_error: 0.0,
                    gradient_max_error: 0.0,
                    millis: 1.0,
                },
                note: None,
            }),
        );
        s = reduce(s, Action::Unreadable("garbled".into()));
        assert!(matches!(s.compute.status, ComputeStatus::Ready { .. }));
        assert_eq!(s.compute.notes, vec!["garbled".to_string()]);
    }
}
