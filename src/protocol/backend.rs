//! Choosing and checking the compute backend.

use serde::{Deserialize, Serialize};

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

    pub fn is_webgpu(&self) -> bool {
        matches!(self, Backend::WebGpu { .. })
    }
}

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
