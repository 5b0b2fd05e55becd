//! The backend the worker settled on, and what it asks of the browser and the page to choose it
//! (`crate::backend_choice`, re-exported) and proves it with (`compute::reports::ProbeReport`).

use serde::{Deserialize, Serialize};

pub use crate::backend_choice::{AdapterAnswer, AdapterError, AdapterInfo, BackendRequest};
pub use crate::compute::reports::ProbeReport;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_start_with_the_backend_name() {
        let gpu = Backend::WebGpu {
            adapter: "SwiftShader".into(),
            fallback: true,
        };
        assert_eq!(gpu.label(), "WebGPU \u{b7} SwiftShader (fallback)");
        assert!(Backend::Cpu.label().starts_with("CPU"));
    }
}
