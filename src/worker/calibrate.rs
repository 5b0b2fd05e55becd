//! WebGPU only where it wins: when the page chose automatically and a real (hardware) WebGPU
//! adapter passed the probe, the worker times the default ConvNet's training step and
//! evaluation's forward pass (batch 64, `train::bench::Workload`) on the CPU and on WebGPU, in
//! about 2 s in all ([`measure`]); the plain rule of `crate::calibration` picks where training
//! and evaluation run, and [`apply`] turns that into the [`ChosenBackend`] with both figures in
//! its note, which the page's status bar shows.
//!
//! Each job (CPU training, CPU forward, WebGPU training, WebGPU forward) gets a share of the time
//! left: it runs one unit of work after another, yielding between them so the worker's other
//! messages are answered, and starts no unit its fastest one so far would not finish in time. A
//! unit running when the time is up finishes (in Chromium here, a WebGPU read-back given up left
//! the next read failing to map its staging buffer); a job whose turn comes after that is not
//! timed. A job's figure is its fastest unit's, which leaves out a first unit's shader compiles
//! when a second one fits.

use burn::tensor::Device;

use super::backend::{ChosenBackend, EvaluationBackend};
use super::tasks::{now_ms, yield_now};
use crate::calibration::{BackendKind, Choice, Speed, Speeds, Timings, decide};
use crate::compute::probe::run_probe;
use crate::compute::{ComputeBackend, ndarray_device};
use crate::protocol::{Backend, BackendRequest};
use crate::train::bench::{BenchSettings, Workload};

/// The whole measurement's time (ms).
pub const BUDGET_MS: f64 = 2000.0;
/// Each job's share of the time left when its turn comes: CPU training, CPU forward pass,
/// WebGPU training, WebGPU forward pass (WebGPU compiles its shaders on its first units).
const SHARES: [f64; 4] = [0.25, 0.10, 0.45, 0.20];
/// The most units of work a job runs (the toy images for them are made up front).
const MOST_UNITS: usize = 8;

/// `chosen` (WebGPU on a real adapter, chosen automatically), or the CPU, for training and for
/// evaluation, whichever the timings at start found faster; the note says both figures of each.
pub async fn calibrated(chosen: ChosenBackend) -> ChosenBackend {
    let timings = measure(&ndarray_device(), &chosen.device).await;
    match decide(BackendRequest::Auto, &timings) {
        Some(choice) => apply(chosen, choice).await,
        None => chosen,
    }
}

/// Times the ConvNet's units of work on the CPU (`cpu`) and on WebGPU (`webgpu`), within
/// [`BUDGET_MS`].
pub async fn measure(cpu: &Device, webgpu: &Device) -> Timings {
    let mut shares = Shares::new(now_ms() + BUDGET_MS);
    let cpu = match time_backend(cpu, ComputeBackend::Ndarray, &mut shares).await {
        Ok(speeds) => speeds,
        // Not expected (the CPU is what everything falls back to): no figure, so it loses.
        Err(_) => Speeds {
            train: Speed::NotTimed,
            forward: Speed::NotTimed,
        },
    };
    let webgpu = time_backend(webgpu, ComputeBackend::WebGpu, &mut shares).await;
    Timings { cpu, webgpu }
}

/// `choice` applied to `webgpu` (the WebGPU backend that passed the probe): what trains, with
/// `choice`'s note, and where evaluation runs when not there. Training on the CPU needs the CPU's
/// own probe first (if the CPU fails it, WebGPU stays, and the note says why).
pub async fn apply(webgpu: ChosenBackend, choice: Choice) -> ChosenBackend {
    let cpu = EvaluationBackend {
        device: ndarray_device(),
        compute: ComputeBackend::Ndarray,
    };
    if choice.train == BackendKind::WebGpu {
        return ChosenBackend {
            note: Some(choice.note),
            evaluate_on: (choice.evaluate == BackendKind::Cpu).then_some(cpu),
            ..webgpu
        };
    }
    match run_probe(&cpu.device, now_ms).await {
        Ok(report) => ChosenBackend {
            backend: Backend::Cpu,
            compute: cpu.compute,
            device: cpu.device,
            report,
            note: Some(choice.note),
            evaluate_on: (choice.evaluate == BackendKind::WebGpu).then(|| EvaluationBackend {
                device: webgpu.device.clone(),
                compute: webgpu.compute,
            }),
        },
        Err(e) => ChosenBackend {
            note: Some(format!(
                "{} But the CPU failed its check ({e}): training on WebGPU.",
                choice.note
            )),
            evaluate_on: None,
            ..webgpu
        },
    }
}

/// The deadlines of the jobs in turn: each gets its share of the time left.
struct Shares {
    end: f64,
    next: usize,
}

impl Shares {
    fn new(end: f64) -> Self {
        Self { end, next: 0 }
    }

    /// The next job's deadline.
    fn deadline(&mut self) -> f64 {
        let now = now_ms();
        let rest: f64 = SHARES[self.next..].iter().sum();
        let share = SHARES[self.next] / rest;
        self.next += 1;
        now + (self.end - now).max(0.0) * share
    }
}

/// One backend's two jobs: its training step, then its forward pass, each with the convolution
/// path that backend runs fastest. An error of either is the backend's.
async fn time_backend(
    device: &Device,
    compute: ComputeBackend,
    shares: &mut Shares,
) -> Result<Speeds, String> {
    let paths = compute.conv_paths();
    let settings = BenchSettings {
        conv_path: paths.train,
        ..BenchSettings::default()
    };
    let mut work = Workload::new(&settings, MOST_UNITS, device)
        .map_err(|e| e.to_string())?
        .forward_with(paths.eval);
    let images = work.images();
    let deadline = shares.deadline();
    let train = time_job(images, deadline, async || {
        work.train_step(now_ms).await.map_err(|e| e.to_string())
    })
    .await?;
    let deadline = shares.deadline();
    let forward = time_job(images, deadline, async || {
        work.forward_pass().await.map_err(|e| e.to_string())
    })
    .await?;
    Ok(Speeds { train, forward })
}

/// Runs `unit` (each of `images` images) until `deadline`: its fastest unit's images per second.
async fn time_job(
    images: usize,
    deadline: f64,
    mut unit: impl AsyncFnMut() -> Result<(), String>,
) -> Result<Speed, String> {
    if now_ms() >= deadline {
        return Ok(Speed::NotTimed);
    }
    let mut fastest: Option<f64> = None;
    for _ in 0..MOST_UNITS {
        let begun = now_ms();
        if fastest.is_some_and(|ms| begun + ms > deadline) {
            break;
        }
        unit().await?;
        let took = now_ms() - begun;
        fastest = Some(fastest.map_or(took, |f| f.min(took)));
        yield_now().await;
    }
    Ok(match fastest {
        Some(ms) => Speed::Measured(images as f64 * 1000.0 / ms),
        None => Speed::NotTimed,
    })
}
