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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FromHelper {
    /// Loaded, listening.
    Started,
    /// Holds a replica of the run's network.
    SetUp,
    /// The outcome, with the helper's time computing it and from the job's arrival to this
    /// answer (reading the job included), in ms.
    Done(Outcome, f64, f64),
    /// The setup or the job could not be done, and why.
    Failed(String),
}

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message).expect("helper messages hold plain data")
}

pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("an unreadable message ({e})"))
}
