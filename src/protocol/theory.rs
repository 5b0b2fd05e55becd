//! The theory cell's requests: the autodiff cross-check and the dead-ReLU demo.

use serde::{Deserialize, Serialize};

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

/// What Burn's autodiff found for the theory cell's network at x0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AutodiffResult {
    /// The network and point it was computed for (the page may have moved on since).
    pub network: Network,
    pub x0: f64,
    pub h: f64,
    /// dh/dx at x0 from the backward pass (f32). At a kink, one of the one-sided slopes,
    /// decided by the backend's ReLU′(0).
    pub slope: f64,
}

/// What the dead-ReLU demo found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadReluReport {
    pub settings: DeadReluSettings,
    /// Dead units (never active on the data) per hidden layer, before training.
    pub dead_at_init: [usize; 2],
    /// The same after training.
    pub dead_after: [usize; 2],
    /// (step, loss) samples.
    pub losses: Vec<(usize, f32)>,
    /// Training accuracy after training (0–1).
    pub accuracy: f64,
}
