//! The theory cell's requests: the autodiff cross-check and the dead-ReLU demo. Their results
//! are the computations' own (`compute::reports`).

use serde::{Deserialize, Serialize};

pub use crate::compute::reports::{AutodiffResult, DeadReluReport};
use crate::settings::dead_relu::DeadReluSettings;
use crate::theory::Network;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// h(x0) and dh/dx by Burn's autodiff on the chosen backend.
    Autodiff { network: Network, x0: f64 },
    /// Train the dead-ReLU demo.
    DeadRelu(DeadReluSettings),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The answer to [`Request::Autodiff`], or why there is none (e.g. f32 overflow).
    Autodiff(Result<AutodiffResult, String>),
    /// The answer to [`Request::DeadRelu`], or why it failed (bad knob, NaN loss).
    DeadRelu(Result<DeadReluReport, String>),
}

impl Reply {
    /// The same request's failure, with `reason`.
    pub fn failed(&self, reason: String) -> Self {
        match self {
            Reply::Autodiff(_) => Reply::Autodiff(Err(reason)),
            Reply::DeadRelu(_) => Reply::DeadRelu(Err(reason)),
        }
    }
}
