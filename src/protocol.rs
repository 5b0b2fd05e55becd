//! The typed messages between the UI bundle and the compute worker.
//!
//! This is the only place the two bundles meet: the UI never touches Burn, the worker never
//! touches the DOM. Messages travel as JSON strings through `postMessage`, so they are readable
//! in the browser's developer tools.

use serde::{Deserialize, Serialize};

use crate::theory::Network;

/// Which compute backend the page asks for (`?backend=` in the URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum BackendRequest {
    /// WebGPU on a real (hardware) adapter, otherwise the CPU.
    #[default]
    Auto,
    /// WebGPU on whatever adapter the browser offers, software fallback adapters included.
    WebGpu,
    /// The CPU (burn-ndarray), never WebGPU.
    Cpu,
}

impl BackendRequest {
    /// Parses the value of the `backend` URL parameter.
    ///
    /// Accepts `auto`, `webgpu` (or `wgpu`, `gpu`) and `cpu` (or `ndarray`), case-insensitively.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "webgpu" | "wgpu" | "gpu" => Ok(Self::WebGpu),
            "cpu" | "ndarray" => Ok(Self::Cpu),
            other => Err(format!(
                "Unknown backend \u{201c}{other}\u{201d} in the URL: use backend=webgpu or backend=cpu. Choosing automatically."
            )),
        }
    }
}

/// The backend the worker settled on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Backend {
    /// Burn's wgpu backend on the browser's WebGPU.
    WebGpu {
        /// What the browser says about the adapter (vendor, architecture, description).
        adapter: String,
        /// A software adapter (e.g. SwiftShader): correct, but slow.
        fallback: bool,
    },
    /// Burn's ndarray backend on the CPU, inside the worker.
    Cpu,
}

impl Backend {
    /// The one-line label of the status bar: `WebGPU · <adapter> (fallback)` or `CPU · burn-ndarray`.
    pub fn label(&self) -> String {
        match self {
            Backend::WebGpu { adapter, fallback } => {
                let adapter = if adapter.is_empty() {
                    "unnamed adapter"
                } else {
                    adapter
                };
                if *fallback {
                    format!("WebGPU \u{b7} {adapter} (fallback)")
                } else {
                    format!("WebGPU \u{b7} {adapter}")
                }
            }
            Backend::Cpu => "CPU \u{b7} burn-ndarray".to_string(),
        }
    }
}

/// What the backend probe computed, and how far it was from the exact answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// Side of the square matrices multiplied.
    pub size: usize,
    /// Sum of all entries of the product `A·B`, as the backend computed it.
    pub matmul_sum: f64,
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

/// The dead-ReLU demo's knobs (theory cell, Q3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeadReluSettings {
    /// Units in each of the two hidden layers.
    pub hidden: usize,
    /// Multiplies the Kaiming (He) standard deviation √(2 / fan-in).
    pub init_scale: f64,
    /// Starting value of every hidden bias.
    pub bias_init: f64,
    pub learning_rate: f64,
    pub batch_norm: bool,
    /// Full-batch SGD steps.
    pub steps: usize,
    /// Training points (half disc, half ring).
    pub points: usize,
    pub seed: u64,
}

impl Default for DeadReluSettings {
    fn default() -> Self {
        Self {
            hidden: 16,
            init_scale: 1.0,
            bias_init: 0.0,
            learning_rate: 0.1,
            batch_norm: false,
            steps: 300,
            points: 256,
            seed: 7,
        }
    }
}

impl DeadReluSettings {
    /// The allowed range of each knob, as (name, value, min, max).
    fn ranges(&self) -> [(&'static str, f64, f64, f64); 6] {
        [
            ("hidden units", self.hidden as f64, 2.0, 128.0),
            ("init scale", self.init_scale, 0.01, 10.0),
            ("bias init", self.bias_init, -5.0, 5.0),
            ("learning rate", self.learning_rate, 1e-4, 10.0),
            ("steps", self.steps as f64, 1.0, 5000.0),
            ("points", self.points as f64, 8.0, 4096.0),
        ]
    }

    /// Refuses out-of-range or non-finite knobs with a message naming the knob and its range.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value, lo, hi) in self.ranges() {
            if !value.is_finite() || value < lo || value > hi {
                return Err(format!("{name} must be between {lo} and {hi}, got {value}"));
            }
        }
        Ok(())
    }

    /// How often the loss is read back (about 30 points on the curve).
    pub fn record_every(&self) -> usize {
        (self.steps / 30).max(1)
    }
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

/// UI → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Choose a backend, prove it with a real computation, and answer with [`FromWorker::BackendReady`].
    Probe(BackendRequest),
    /// h(x0) and dh/dx by autodiff on the chosen backend; answered with [`FromWorker::Autodiff`].
    Autodiff { network: Network, x0: f64 },
    /// Train the dead-ReLU demo; answered with [`FromWorker::DeadRelu`].
    DeadRelu(DeadReluSettings),
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
    /// The answer to [`ToWorker::Autodiff`], or why it failed.
    Autodiff(Result<AutodiffResult, String>),
    /// The answer to [`ToWorker::DeadRelu`], or why it failed (bad knob, NaN loss).
    DeadRelu(Result<DeadReluReport, String>),
    /// Something failed that the worker could not recover from.
    Error(String),
}

impl ToWorker {
    /// Serialises for `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json_string(self)
    }
}

impl FromWorker {
    /// Serialises for `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json_string(self)
    }
}

fn serde_json_string<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("protocol messages always serialise")
}

/// Parses a message received through `postMessage`.
pub fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("malformed worker message ({e}): {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_parameter_parses_and_rejects_clearly() {
        assert_eq!(BackendRequest::parse("webgpu"), Ok(BackendRequest::WebGpu));
        assert_eq!(BackendRequest::parse("WebGPU"), Ok(BackendRequest::WebGpu));
        assert_eq!(BackendRequest::parse("cpu"), Ok(BackendRequest::Cpu));
        assert_eq!(BackendRequest::parse("auto"), Ok(BackendRequest::Auto));
        let err = BackendRequest::parse("tpu").unwrap_err();
        assert!(
            err.contains("tpu") && err.contains("backend=webgpu"),
            "{err}"
        );
    }

    #[test]
    fn labels_start_with_the_backend_name() {
        let gpu = Backend::WebGpu {
            adapter: "SwiftShader".into(),
            fallback: true,
        };
        assert_eq!(gpu.label(), "WebGPU \u{b7} SwiftShader (fallback)");
        assert!(Backend::Cpu.label().starts_with("CPU"));
    }

    #[test]
    fn dead_relu_knobs_are_range_checked() {
        assert_eq!(DeadReluSettings::default().validate(), Ok(()));
        let bad = DeadReluSettings {
            learning_rate: 0.0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .starts_with("learning rate must be between")
        );
        let nan = DeadReluSettings {
            init_scale: f64::NAN,
            ..Default::default()
        };
        assert!(nan.validate().unwrap_err().contains("init scale"));
    }

    #[test]
    fn messages_round_trip_through_json() {
        let msg = FromWorker::BackendReady {
            backend: Backend::Cpu,
            report: ProbeReport {
                size: 64,
                matmul_sum: 1.5,
                matmul_max_error: 0.0,
                gradient_max_error: 1e-7,
                millis: 3.0,
            },
            note: Some("WebGPU failed".into()),
        };
        let back: FromWorker = from_json(&msg.to_json()).unwrap();
        assert_eq!(back, msg);
        let probe = ToWorker::Probe(BackendRequest::WebGpu);
        assert_eq!(from_json::<ToWorker>(&probe.to_json()).unwrap(), probe);
        assert!(from_json::<ToWorker>("{\"Nope\":1}").is_err());
    }
}
