//! What the training worker and its helper workers say to each other (postcard bytes in a
//! transferred buffer; the helpers' weights and images are plain `f32`s).

use serde::{Deserialize, Serialize};

use crate::train::parallel::{Job, Outcome, ReplicaSetup};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ToHelper {
    /// The run's network and loss (before its first job).
    Setup(ReplicaSetup),
    Job(Job),
}

/// When a helper's job arrived, when it began computing it (after reading it) and when it was
/// done (before writing the answer), on the page's shared clock (`tasks::shared_clock_ms`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Times {
    pub arrived: f64,
    pub started: f64,
    pub done: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FromHelper {
    /// Loaded, listening.
    Started,
    /// Holds a replica of the run's network.
    SetUp,
    /// The outcome, and when the helper did it.
    Done(Outcome, Times),
    /// The setup or the job could not be done, and why.
    Failed(String),
}

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message).expect("helper messages hold plain data")
}

pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("an unreadable message ({e})"))
}
