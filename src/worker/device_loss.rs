//! A WebGPU device that goes away while the worker uses it: a laptop lid closed, a driver reset,
//! another tab or the browser taking the GPU back. The browser says so once, through the device's
//! `lost` promise ([`listen`]); a device that hangs says nothing, so every read-back that does not
//! resolve at once is watched ([`watch`]) and one that stays unanswered too long counts as a loss.
//!
//! Either way the GPU is marked lost for the rest of this worker (Burn's runtime starts only once),
//! the session in training moves to the CPU from its last finished epoch (`training`), and a
//! later probe refuses WebGPU with the reason (`backend`).

use std::cell::Cell;
#[cfg(feature = "webgpu")]
use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::sync::Mutex;
use std::task::{Poll, Waker};

use wasm_bindgen_futures::JsFuture;

use super::envelope::scope;
use super::tasks::now_ms;
use crate::compute::{PendingRead, ReadError};

/// The least time a read-back may stay unanswered before the GPU counts as lost. On a real GPU a
/// read-back of this notebook (8 batches of its largest net, or a chunk of 100 test images) takes
/// well under a second; on Chromium's software adapter (SwiftShader, the tests' WebGPU) the first
/// one, which also compiles every shader, took seconds on 2 busy cores. 30 s is far beyond both.
const FLOOR_MS: f64 = 30_000.0;
/// A device whose reads are slow but answered gets this many times its slowest read.
const SLOWEST_TIMES: f64 = 10.0;

/// Why the GPU was lost (the first reason given), for every later question.
static LOST: Mutex<Option<String>> = Mutex::new(None);
/// Read-backs waiting (each by its number), to be woken by a loss.
static WAITING: Mutex<Vec<(u64, Waker)>> = Mutex::new(Vec::new());

thread_local! {
    /// The device [`listen`] watches, destroyed when a read-back never answers (its queued
    /// work then stops instead of competing with the CPU training that replaces it).
    #[cfg(feature = "webgpu")]
    static DEVICE: RefCell<Option<burn::tensor::wgpu::wgpu::Device>> = const { RefCell::new(None) };
    /// The slowest read-back answered so far (ms).
    static SLOWEST_MS: Cell<f64> = const { Cell::new(0.0) };
    /// The number of the next watched read-back.
    static NEXT_READ: Cell<u64> = const { Cell::new(0) };
}

/// Why the GPU was lost, once it was.
pub fn lost() -> Option<String> {
    LOST.lock().ok().and_then(|l| l.clone())
}

fn mark_lost(reason: String) {
    if let Ok(mut lost) = LOST.lock() {
        lost.get_or_insert(reason);
    }
    let waiting = WAITING.lock().map(|mut w| std::mem::take(&mut *w));
    for (_, waker) in waiting.unwrap_or_default() {
        waker.wake();
    }
}

/// Listens to `device`'s loss and watches every read-back of this worker from now on.
#[cfg(feature = "webgpu")]
pub fn listen(device: &burn::tensor::wgpu::wgpu::Device) {
    use burn::tensor::wgpu::wgpu::DeviceLostReason;
    // Beside CubeCL's own callback (which makes later reads fail): the browser resolves the
    // `lost` promise once and runs every callback given.
    device.set_device_lost_callback(|reason, message| {
        let message = message.trim().trim_end_matches('.').to_string();
        mark_lost(match (reason, message.is_empty()) {
            (DeviceLostReason::Destroyed, true) => "it was destroyed".to_string(),
            (DeviceLostReason::Destroyed, false) => format!("it was destroyed: {message}"),
            (_, true) => "the browser gave no reason".to_string(),
            (_, false) => format!("the browser said: {message}"),
        });
    });
    DEVICE.with(|d| *d.borrow_mut() = Some(device.clone()));
    crate::compute::watch_reads(watch);
}

/// The device [`listen`] watches (tests destroy it, as a driver reset would lose it).
#[cfg(feature = "webgpu")]
pub fn watched_device() -> Option<burn::tensor::wgpu::wgpu::Device> {
    DEVICE.with(|d| d.borrow().clone())
}

/// The sentence telling the student that a run moved to the CPU because the GPU was lost, from
/// the end of `epoch` (0: none had finished); `None` if the GPU was not lost but failed otherwise.
pub fn moved_to_cpu(epoch: usize) -> Option<String> {
    let why = lost()?;
    let from = match epoch {
        0 => "from its first batch".to_string(),
        n => format!("from the end of epoch {n}"),
    };
    Some(format!(
        "The GPU was lost ({why}). Training continues on the CPU (burn-ndarray) {from}; nothing \
         finished before is lost. To use the GPU again, save the model and reload the page."
    ))
}

/// The read-back watch (a [`crate::compute::ReadWatch`]): a read that resolves at once (the
/// CPU's) passes; one that waits ends with an error when the GPU is lost meanwhile, or when it
/// stays unanswered for [`FLOOR_MS`] or ten times the slowest answered one, whichever is longer
/// — then the GPU counts as lost.
pub fn watch(read: PendingRead<'_>) -> PendingRead<'_> {
    Box::pin(watched(read))
}

enum Outcome<T> {
    Answered(T),
    Lost(String),
    TimedOut(f64),
}

async fn watched(mut read: PendingRead<'_>) -> Result<Vec<burn::tensor::TensorData>, ReadError> {
    let mut timer: Option<(Timer, f64, f64)> = None;
    let waiting = Waiting(NEXT_READ.with(|n| n.replace(n.get() + 1)));
    let outcome = poll_fn(|cx| {
        if let Poll::Ready(answer) = read.as_mut().poll(cx) {
            if let Some((_, started, _)) = &timer {
                let took = now_ms() - started;
                SLOWEST_MS.with(|s| s.set(s.get().max(took)));
            }
            return Poll::Ready(Outcome::Answered(answer));
        }
        if let Some(why) = lost() {
            return Poll::Ready(Outcome::Lost(why));
        }
        waiting.wake_with(cx.waker());
        let (alarm, _, limit) = timer.get_or_insert_with(|| {
            let limit = FLOOR_MS.max(SLOWEST_TIMES * SLOWEST_MS.with(Cell::get));
            (Timer::after(limit), now_ms(), limit)
        });
        match std::pin::Pin::new(&mut alarm.fired).poll(cx) {
            Poll::Ready(_) => Poll::Ready(Outcome::TimedOut(*limit)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
    drop(waiting);
    match outcome {
        Outcome::Answered(answer) => answer,
        Outcome::Lost(why) => Err(ReadError(format!("the GPU was lost ({why})"))),
        Outcome::TimedOut(limit) => {
            let why = format!(
                "it did not answer a read-back for {} s",
                (limit / 1000.0).round()
            );
            mark_lost(why.clone());
            #[cfg(feature = "webgpu")]
            if let Some(device) = watched_device() {
                device.destroy();
            }
            Err(ReadError(format!("the GPU was lost ({why})")))
        }
    }
}

/// A watched read-back's place among those a loss wakes, left when it ends (or is dropped).
struct Waiting(u64);

impl Waiting {
    fn wake_with(&self, waker: &Waker) {
        if let Ok(mut waiting) = WAITING.lock() {
            match waiting.iter_mut().find(|(read, _)| *read == self.0) {
                Some((_, known)) => known.clone_from(waker),
                None => waiting.push((self.0, waker.clone())),
            }
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Ok(mut waiting) = WAITING.lock() {
            waiting.retain(|(read, _)| *read != self.0);
        }
    }
}

/// A `setTimeout`, cleared when dropped.
struct Timer {
    handle: Option<i32>,
    fired: JsFuture,
}

impl Timer {
    fn after(ms: f64) -> Self {
        let mut handle = None;
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            handle = scope()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
                .ok();
        });
        Self {
            handle,
            fired: JsFuture::from(promise),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle {
            scope().clear_timeout_with_handle(handle);
        }
    }
}
