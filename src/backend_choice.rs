//! Choosing the compute backend: what the page asks for ([`BackendRequest`], `?backend=` in the
//! URL), what the browser's WebGPU offers ([`AdapterAnswer`], asked by `crate::webgpu_adapter`),
//! and the one rule that decides between WebGPU and the CPU ([`BackendRequest::webgpu_adapter`]).
//! Plain Rust, compiled everywhere: the page, the worker and the native tests use it.

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

/// The adapter the browser would hand out (`navigator.gpu.requestAdapter()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterInfo {
    /// Description, vendor and architecture, as far as the browser reveals them.
    pub description: String,
    /// A software adapter (e.g. SwiftShader): `GPUAdapterInfo.isFallbackAdapter`.
    pub fallback: bool,
}

/// Why asking the browser for a WebGPU adapter gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterError {
    /// Browsers offer WebGPU only to secure contexts (https, localhost): this page came over
    /// plain http from a network address, as from a teacher's laptop on a school network.
    InsecureContext,
    /// The question failed, with the browser's reason.
    Failed(String),
}

/// What asking the browser for a WebGPU adapter gave: an adapter, none (`Ok(None)`: no WebGPU or
/// no adapter), or why there was no answer.
pub type AdapterAnswer = Result<Option<AdapterInfo>, AdapterError>;

impl BackendRequest {
    /// The one rule that decides between WebGPU and the CPU, used twice: by the page, to load
    /// the full worker bundle or the small CPU-only one, and by the worker, to pick its backend.
    /// `Ok(adapter)`: try WebGPU on it. `Err(why)`: the CPU, with the reason the page shows
    /// (`None` when the CPU was asked for).
    pub fn webgpu_adapter(self, answer: &AdapterAnswer) -> Result<&AdapterInfo, Option<String>> {
        match (self, answer) {
            (BackendRequest::Cpu, _) => Err(None),
            (_, Err(AdapterError::InsecureContext)) => Err(Some(
                "WebGPU needs https or localhost, and this page came over plain http.".to_string(),
            )),
            (_, Err(AdapterError::Failed(e))) => Err(Some(format!(
                "Asking the browser for a WebGPU adapter failed ({e})."
            ))),
            (_, Ok(None)) => Err(Some("This browser offers no WebGPU adapter.".to_string())),
            (BackendRequest::Auto, Ok(Some(info))) if info.fallback => Err(Some(format!(
                "The only WebGPU adapter is a software one ({}), slower than the CPU; add ?backend=webgpu to use it anyway.",
                info.description
            ))),
            (_, Ok(Some(info))) => Ok(info),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(fallback: bool) -> AdapterAnswer {
        Ok(Some(AdapterInfo {
            description: if fallback { "SwiftShader" } else { "NVIDIA" }.into(),
            fallback,
        }))
    }

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
    fn webgpu_runs_on_a_hardware_adapter_unless_the_cpu_is_asked_for() {
        for request in [BackendRequest::Auto, BackendRequest::WebGpu] {
            let real = adapter(false);
            assert_eq!(request.webgpu_adapter(&real).map(|a| a.fallback), Ok(false));
        }
        assert_eq!(
            BackendRequest::Cpu.webgpu_adapter(&adapter(false)),
            Err(None)
        );
    }

    #[test]
    fn a_software_adapter_is_used_only_when_webgpu_is_forced() {
        let soft = adapter(true);
        assert_eq!(
            BackendRequest::WebGpu
                .webgpu_adapter(&soft)
                .map(|a| a.fallback),
            Ok(true)
        );
        let why = BackendRequest::Auto
            .webgpu_adapter(&soft)
            .unwrap_err()
            .unwrap();
        assert!(
            why.contains("SwiftShader") && why.contains("?backend=webgpu"),
            "{why}"
        );
    }

    #[test]
    fn no_adapter_or_a_failed_question_means_the_cpu_with_the_reason() {
        for request in [BackendRequest::Auto, BackendRequest::WebGpu] {
            let none = request.webgpu_adapter(&Ok(None)).unwrap_err().unwrap();
            assert!(none.contains("offers no WebGPU adapter"), "{none}");
            let failed = request
                .webgpu_adapter(&Err(AdapterError::Failed("SecurityError".into())))
                .unwrap_err()
                .unwrap();
            assert!(failed.contains("failed (SecurityError)"), "{failed}");
            let insecure = request
                .webgpu_adapter(&Err(AdapterError::InsecureContext))
                .unwrap_err()
                .unwrap();
            assert!(insecure.contains("needs https or localhost"), "{insecure}");
        }
        assert_eq!(BackendRequest::Cpu.webgpu_adapter(&Ok(None)), Err(None));
    }
}
