//! What the computations report: the backend probe ([`ProbeReport`], `probe`), Burn's autodiff on
//! the theory cell's network ([`AutodiffResult`], `theory_autodiff`) and the dead-ReLU demo
//! ([`DeadReluReport`], `dead_relu`). Plain data without Burn, so the page can show it; the
//! protocol carries it as it is.

use serde::{Deserialize, Serialize};

use crate::settings::dead_relu::DeadReluSettings;
use crate::theory::Network;

/// What the backend probe computed, and how far it was from the exact answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// Side of the square matrices multiplied.
    pub size: usize,
    /// Largest absolute difference between the backend's `A·B` and an exact f64 reference.
    pub matmul_max_error: f64,
    /// Largest absolute difference between Burn's autodiff gradient of `½‖A·x‖²` and the
    /// analytic gradient `Aᵀ(A·x)`.
    pub gradient_max_error: f64,
    /// Wall-clock milliseconds the probe took on the backend, read-back included.
    pub millis: f64,
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
