//! Choosing the compute backend: WebGPU on a real adapter, the CPU otherwise, and proof that
//! the chosen one computes correctly before anything trains on it.

use burn::tensor::Device;

use super::adapter::{AdapterInfo, query_adapter};
use crate::compute::{cpu_device, probe::run_probe};
use crate::protocol::{Backend, BackendRequest, FromWorker, ProbeReport};

/// A backend that passed the probe.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub backend: Backend,
    pub device: Device,
    pub report: ProbeReport,
    /// Why this is not what was asked or preferred, for the page to show.
    pub note: Option<String>,
}

impl Chosen {
    /// The message that tells the UI.
    pub fn message(&self) -> FromWorker {
        FromWorker::BackendReady {
            backend: self.backend.clone(),
            report: self.report.clone(),
            note: self.note.clone(),
        }
    }
}

/// Milliseconds from the worker's (or window's) `performance.now()`.
pub fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| wasm_bindgen::JsCast::dyn_into::<web_sys::Performance>(p).ok());
    performance.map(|p| p.now()).unwrap_or(0.0)
}

/// Picks a backend for `request`, runs the probe on it, and falls back to the CPU, with a note,
/// whenever WebGPU is missing, refused or wrong. `gpu` is a WebGPU device initialised earlier in
/// this worker (Burn's runtime can be initialised only once), and receives a new one.
pub async fn choose(request: BackendRequest, gpu: &mut Option<Device>) -> Result<Chosen, String> {
    let gpu_note = match request {
        BackendRequest::Cpu => None,
        BackendRequest::Auto | BackendRequest::WebGpu => match query_adapter().await {
            Err(e) => Some(format!(
                "Asking the browser for a WebGPU adapter failed ({e})."
            )),
            Ok(None) => Some("This browser offers no WebGPU adapter.".to_string()),
            Ok(Some(info)) if info.fallback && request == BackendRequest::Auto => Some(format!(
                "The only WebGPU adapter is a software one ({}), slower than the CPU; add ?backend=webgpu to use it anyway.",
                info.description
            )),
            Ok(Some(info)) => match webgpu(info, gpu).await {
                Ok(chosen) => return Ok(chosen),
                Err(e) => Some(format!("WebGPU failed: {e}.")),
            },
        },
    };
    let device = cpu_device();
    let report = run_probe(&device, now_ms)
        .await
        .map_err(|e| format!("the CPU backend failed its check: {e}"))?;
    let note = match (request, gpu_note) {
        (_, None) => None,
        (BackendRequest::Auto, Some(why)) => Some(format!("{why} Training runs on the CPU.")),
        (_, Some(why)) => Some(format!(
            "WebGPU was requested, but: {why} Using the CPU instead."
        )),
    };
    Ok(Chosen {
        backend: Backend::Cpu,
        device,
        report,
        note,
    })
}

async fn webgpu(info: AdapterInfo, gpu: &mut Option<Device>) -> Result<Chosen, String> {
    let device = match gpu {
        Some(device) => device.clone(),
        None => {
            let device = Device::wgpu_options()
                .init_async()
                .await
                .map_err(|e| format!("could not start Burn's WebGPU runtime ({e})"))?;
            *gpu = Some(device.clone());
            device
        }
    };
    let report = run_probe(&device, now_ms)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Chosen {
        backend: Backend::WebGpu {
            adapter: info.description,
            fallback: info.fallback,
        },
        device,
        report,
        note: None,
    })
}
