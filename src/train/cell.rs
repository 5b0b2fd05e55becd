//! The cells that train a ConvNet: the ConvNet cell and the class-imbalance lab. The worker keeps
//! a training session for each, and a kept run ([`super::kept`]) names its own.

use serde::{Deserialize, Serialize};

/// The cells that train a ConvNet in the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrainingCell {
    ConvNet,
    Imbalance,
}
