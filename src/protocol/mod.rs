//! The typed messages between the UI bundle and the compute worker: the only place the two meet.
//! The UI never touches Burn, the worker never touches the DOM.
//!
//! One request/reply pair per cell ([`ToWorker::Theory`] … [`FromWorker::Paper`]); a new cell
//! adds its file here, a variant to each enum, a handler in `worker/` and a state in `ui/`.
//! Long-running requests carry a [`RunId`] chosen by the page, and so does every reply to them,
//! so a late reply from a run the page has moved on from is recognised and ignored.
//!
//! The protocol sits at the edge: the results it carries are the core's own types (what
//! `compute`, `train` and `paper` produce, `run_id::RunId`), re-exported here, and no core module
//! imports the protocol (`tests/protocol_at_the_edge.rs`).
//!
//! On the wire a message is [postcard](https://docs.rs/postcard) bytes: a compact binary form whose
//! reader is a fraction of the code a JSON reader compiles to in the UI bundle (docs/bundles.md).
//! Bulk bytes — a dataset file, a model — travel beside it, never inside it (`crate::wire`). [`FromWorker::encode`] never sends a number that is not finite (NaN or ∞,
//! found by [`walk`]): such a reply turns into its own request's failure, with the reason, so the
//! page never shows one as a result.

pub mod backend;
#[cfg(any(test, feature = "test-support"))]
pub mod examples;
pub mod paper;
pub mod refusal;
pub mod theory;
pub mod training;
pub mod walk;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use crate::run_id::RunId;
pub use backend::{AdapterAnswer, AdapterError, AdapterInfo, Backend, BackendRequest, ProbeReport};
use training::TrainingCell;

/// UI → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Choose a backend, prove it with a real computation, and answer with
    /// [`FromWorker::BackendReady`].
    Probe(BackendRequest),
    Theory(theory::Request),
    ConvNet(training::Request),
    Imbalance(training::Request),
    Paper(paper::Request),
    /// Test hook (`?inject=device-lost` in the URL, and the wasm tests): on WebGPU, act as if the
    /// GPU device were lost after this many more training batches.
    InjectDeviceLoss {
        after_batches: usize,
    },
}

impl ToWorker {
    /// A training cell's request.
    pub fn training(cell: TrainingCell, request: training::Request) -> Self {
        match cell {
            TrainingCell::ConvNet => ToWorker::ConvNet(request),
            TrainingCell::Imbalance => ToWorker::Imbalance(request),
        }
    }

    /// Encodes for `postMessage`.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("requests hold plain data")
    }
}

/// Worker → UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's WebAssembly is loaded and it listens for messages.
    Ready,
    /// A backend works: the probe ran on it and matched the reference.
    BackendReady {
        backend: Backend,
        report: ProbeReport,
        /// Why the worker did not use what was asked or preferred (e.g. WebGPU failed), if so.
        note: Option<String>,
    },
    /// The worker moved to another backend while it ran (e.g. the GPU device was lost).
    BackendChanged {
        backend: Backend,
        reason: String,
    },
    Theory(theory::Reply),
    ConvNet(training::Event),
    Imbalance(training::Event),
    Paper(paper::Reply),
    /// A message the worker could not read or act on; nothing else is affected.
    Rejected {
        reason: String,
    },
}

impl FromWorker {
    /// A training cell's event.
    pub fn training(cell: TrainingCell, event: training::Event) -> Self {
        match cell {
            TrainingCell::ConvNet => FromWorker::ConvNet(event),
            TrainingCell::Imbalance => FromWorker::Imbalance(event),
        }
    }

    /// This message's request failed instead, with `reason`.
    pub fn failed(&self, reason: String) -> Self {
        match self {
            FromWorker::Theory(reply) => FromWorker::Theory(reply.failed(reason)),
            FromWorker::ConvNet(event) => FromWorker::ConvNet(event.failed(reason)),
            FromWorker::Imbalance(event) => FromWorker::Imbalance(event.failed(reason)),
            FromWorker::Paper(reply) => FromWorker::Paper(reply.failed(reason)),
            FromWorker::Ready
            | FromWorker::BackendReady { .. }
            | FromWorker::BackendChanged { .. }
            | FromWorker::Rejected { .. } => FromWorker::Rejected { reason },
        }
    }

    /// Encodes for `postMessage`; a message holding a number that is not finite (NaN or ∞,
    /// anywhere: [`walk::all_finite`]) is replaced by its request's failure.
    pub fn encode(&self) -> Vec<u8> {
        if walk::all_finite(self) {
            return postcard::to_allocvec(self).expect("replies hold plain data");
        }
        let reason = "the result holds a number that is not finite (NaN or \u{221e}): \
                      the computation overflowed 32-bit floats"
            .to_string();
        postcard::to_allocvec(&self.failed(reason)).expect("a failure holds plain text")
    }
}

/// Decodes a message received through `postMessage`: all of `bytes`, or the reason it is not one.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match postcard::take_from_bytes(bytes) {
        Ok((message, [])) => Ok(message),
        Ok((_, rest)) => Err(unreadable(
            bytes,
            &format!("{} bytes left over after the message", rest.len()),
        )),
        Err(e) => Err(unreadable(bytes, &e)),
    }
}

/// Why `bytes` are not a message (the reader's `reason`), with their length.
pub fn unreadable(bytes: &[u8], reason: &dyn std::fmt::Display) -> String {
    format!(
        "unreadable worker message ({reason}): {} bytes",
        bytes.len()
    )
}

#[cfg(test)]
mod tests {
    use super::examples::{every_reply, every_request};
    use super::theory::AutodiffResult;
    use super::training::{Event, StepReport};
    use super::*;
    use crate::theory::Network;

    #[test]
    fn every_message_round_trips_and_bad_bytes_are_refused_with_the_reason() {
        for message in every_request() {
            assert_eq!(decode::<ToWorker>(&message.encode()), Ok(message));
        }
        for message in every_reply() {
            let back: FromWorker = decode(&message.encode()).unwrap();
            assert_eq!(back, message);
        }
        let ready = FromWorker::Ready.encode();
        let mut longer = ready.clone();
        longer.extend([0, 0]);
        let bad: [&[u8]; 4] = [&[], &[200], &[255, 255, 255, 255, 255, 255], &longer];
        for bytes in bad {
            let error = decode::<FromWorker>(bytes).unwrap_err();
            assert!(
                error.starts_with("unreadable worker message (")
                    && error.ends_with(&format!("): {} bytes", bytes.len())),
                "{bytes:?}: {error}"
            );
        }
        assert!(
            decode::<FromWorker>(&longer)
                .unwrap_err()
                .contains("2 bytes left over")
        );
    }

    #[test]
    fn a_non_finite_number_becomes_its_requests_failure() {
        // 1e38 weights overflow f32 in the worker's autodiff: h = ∞.
        let overflow = FromWorker::Theory(theory::Reply::Autodiff(Ok(AutodiffResult {
            network: Network::default(),
            x0: 2.0,
            h: f64::INFINITY,
            slope: f64::NAN,
        })));
        match decode::<FromWorker>(&overflow.encode()).unwrap() {
            FromWorker::Theory(theory::Reply::Autodiff(Err(reason))) => {
                assert!(reason.contains("not finite"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        // A training event keeps its run, so the page knows which run failed.
        let step = FromWorker::ConvNet(Event::Steps {
            run: RunId(9),
            steps: vec![StepReport {
                iteration: 0,
                epoch: 0,
                loss: f32::NAN,
                accuracy: 0.0,
                learning_rate: 0.1,
                images: 1,
                millis: 1.0,
            }],
        });
        assert_eq!(
            decode::<FromWorker>(&step.encode()).unwrap(),
            FromWorker::ConvNet(Event::Refused {
                run: Some(RunId(9)),
                reason: "the result holds a number that is not finite (NaN or \u{221e}): the computation overflowed 32-bit floats".into(),
            })
        );
    }
}
