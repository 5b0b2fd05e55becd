//! Choosing the compute backend: WebGPU on a real adapter, the CPU otherwise, and proof that
//! the chosen one computes correctly before anything trains on it. Chosen automatically, WebGPU
//! then trains and evaluates only where a few steps timed at start found it faster (`calibrate`).

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;

use super::WorkerState;
use super::envelope::post;
use super::tasks::now_ms;
use crate::compute::probe::run_probe;
use crate::compute::{ComputeBackend, ndarray_device};
use crate::protocol::{AdapterInfo, Backend, BackendRequest, FromWorker, ProbeReport};
use crate::train::engine::Trainer;
use crate::webgpu_adapter::query_adapter;

/// A backend that passed the probe.
#[derive(Debug, Clone)]
pub struct ChosenBackend {
    pub backend: Backend,
    pub compute: ComputeBackend,
    pub device: Device,
    pub report: ProbeReport,
    /// Why this is not what was asked or preferred, or the speeds it was chosen by, for the page
    /// to show.
    pub note: Option<String>,
    /// Where evaluation runs when not on this backend (calibration found it faster there).
    pub evaluate_on: Option<EvaluationBackend>,
}

/// The other backend, where training runs evaluate.
#[derive(Debug, Clone)]
pub struct EvaluationBackend {
    pub device: Device,
    pub compute: ComputeBackend,
}

impl EvaluationBackend {
    /// `trainer` evaluating here, with this backend's fastest convolution path.
    pub fn evaluating(&self, trainer: Trainer) -> Trainer {
        trainer.evaluated_on(&self.device, self.compute.conv_paths().eval)
    }
}

impl ChosenBackend {
    /// The message that tells the UI.
    pub fn message(&self) -> FromWorker {
        FromWorker::BackendReady {
            backend: self.backend.clone(),
            report: self.report.clone(),
            note: self.note.clone(),
        }
    }

    /// burn-ndarray, after WebGPU failed while running; the probe's report is kept.
    pub fn cpu_after(&self) -> ChosenBackend {
        ChosenBackend {
            backend: Backend::Cpu,
            compute: ComputeBackend::Ndarray,
            device: ndarray_device(),
            report: self.report.clone(),
            note: None,
            evaluate_on: None,
        }
    }
}

/// Answers [`crate::protocol::ToWorker::Probe`].
pub async fn handle_probe(request: BackendRequest, state: Rc<RefCell<WorkerState>>) {
    // Take the device out so that no RefCell borrow is held across an await.
    let mut gpu = state.borrow_mut().take_gpu();
    let result = choose(request, &mut gpu).await;
    match result {
        Ok(chosen) => {
            post(&chosen.message());
            state.borrow_mut().settle(gpu, Some(chosen));
        }
        Err(reason) => {
            state.borrow_mut().settle(gpu, None);
            post(&FromWorker::Rejected { reason });
        }
    }
}

/// Picks a backend for `request`, runs the probe on it, and falls back to the CPU, with a note,
/// whenever WebGPU is missing, refused or wrong. `gpu` is a WebGPU device initialised earlier in
/// this worker (Burn's runtime can be initialised only once), and receives a new one.
pub async fn choose(
    request: BackendRequest,
    gpu: &mut Option<Device>,
) -> Result<ChosenBackend, String> {
    let gpu_note = match request {
        BackendRequest::Cpu => None,
        BackendRequest::Auto | BackendRequest::WebGpu => {
            match request.webgpu_adapter(&query_adapter().await) {
                Ok(info) => match webgpu(info.clone(), gpu).await {
                    #[cfg(feature = "webgpu")]
                    Ok(chosen) if request == BackendRequest::Auto => {
                        return Ok(super::calibrate::calibrated(chosen).await);
                    }
                    Ok(chosen) => return Ok(chosen),
                    Err(e) => Some(format!("WebGPU failed: {e}.")),
                },
                Err(why) => why,
            }
        }
    };
    let device = ndarray_device();
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
    Ok(ChosenBackend {
        backend: Backend::Cpu,
        compute: ComputeBackend::Ndarray,
        device,
        report,
        note,
        evaluate_on: None,
    })
}

#[cfg(feature = "webgpu")]
async fn webgpu(info: AdapterInfo, gpu: &mut Option<Device>) -> Result<ChosenBackend, String> {
    if let Some(why) = super::device_loss::lost() {
        return Err(format!(
            "the GPU was lost earlier ({why}); reload the page to use it again"
        ));
    }
    let device = match gpu {
        Some(device) => device.clone(),
        None => {
            let (device, setup) = Device::wgpu_options()
                .init_with_setup_async()
                .await
                .map_err(|e| format!("could not start Burn's WebGPU runtime ({e})"))?;
            super::device_loss::listen(&setup.device);
            *gpu = Some(device.clone());
            device
        }
    };
    let report = run_probe(&device, now_ms)
        .await
        .map_err(|e| e.to_string())?;
    Ok(ChosenBackend {
        backend: Backend::WebGpu {
            adapter: info.description,
            fallback: info.fallback,
        },
        compute: ComputeBackend::WebGpu,
        device,
        report,
        note: None,
        evaluate_on: None,
    })
}

/// The CPU bundle carries no WebGPU backend: the page loads it only when WebGPU is not to be used.
#[cfg(not(feature = "webgpu"))]
async fn webgpu(_: AdapterInfo, _: &mut Option<Device>) -> Result<ChosenBackend, String> {
    Err("this page loaded the CPU-only worker, which carries no WebGPU backend".into())
}
