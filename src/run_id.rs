//! The name of one long-running request (a training run, an experiment): chosen by the page, carried
//! by every reply to it, kept with a run's results. A leaf: it imports nothing of the crate.

use serde::{Deserialize, Serialize};

/// Names one long-running request (a training run, an experiment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RunId(pub u32);

impl RunId {
    /// The id after this one.
    pub fn next(self) -> Self {
        RunId(self.0.wrapping_add(1))
    }
}
