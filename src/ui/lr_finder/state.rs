//! The learning-rate finder's state, its component's reducer: the range of rates to sweep.

use crate::ui::cells::reducible;
use crate::ui::heard::Heard;

#[derive(Debug, Clone, PartialEq)]
pub struct LrFinderState {
    /// The rates to sweep, as typed ("1e-4 to 1").
    pub range: String,
}

impl Default for LrFinderState {
    fn default() -> Self {
        Self {
            range: "1e-4 to 1".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LrFinderAction {
    Range(String),
    WorkerStopped,
}

impl LrFinderAction {
    /// What the cell takes from what the worker says (no replies of its own yet).
    pub fn heard(heard: &mut Option<Heard>) -> Option<Self> {
        Heard::pick(heard, Err, |_| Self::WorkerStopped)
    }
}

reducible!(LrFinderState, LrFinderAction);

impl LrFinderState {
    pub fn apply(&mut self, action: LrFinderAction) {
        match action {
            LrFinderAction::Range(range) => self.range = range,
            LrFinderAction::WorkerStopped => {}
        }
    }
}
