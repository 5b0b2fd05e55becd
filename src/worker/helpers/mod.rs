//! Helper workers for data-parallel training (`train::parallel`): the training worker starts
//! them — the CPU bundle again, named [`HELPER_NAME`] — and hands each its shard of every batch.
//! A [`HelperPool`] is one run's helpers; dropping it ends them. Each answer is awaited as a
//! promise its worker's next message (or error) settles; a helper that fails or dies fails the
//! batch, and the session goes on alone from where it was (`training::session`).

mod messages;
mod serve;
pub mod timings;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions};

use messages::{FromHelper, Times, ToHelper, decode, encode};
pub use serve::serve;

use crate::protocol::Backend;
use crate::train::engine::Trainer;
use crate::train::parallel::{
    Job, Outcome, Outcomes, ReplicaSetup, ShardError, ShardPool, check_jobs,
};
use crate::worker::envelope::scope;
use crate::worker::tasks::shared_clock_ms;

/// The name a helper worker is started under (`worker::start` serves jobs under it).
pub const HELPER_NAME: &str = "lectern-helper";

/// How long a helper may take to answer (a shard takes well under a second; starting one
/// downloads and compiles the CPU bundle, a few seconds on school Wi-Fi).
const SILENT_MS: i32 = 60_000;

/// Whether this worker was started as a helper.
pub fn is_helper() -> bool {
    scope().name().starts_with(HELPER_NAME)
}

/// The logical cores the browser reports (1 if it does not say).
pub fn cores() -> usize {
    let n = scope().navigator().hardware_concurrency();
    if n.is_finite() && n >= 1.0 {
        n as usize
    } else {
        1
    }
}

/// What a helper said (its message's bytes) or why it said nothing.
type Heard = Result<Vec<u8>, String>;

/// Messages heard with nobody waiting, and the promise's settle functions of whoever waits.
#[derive(Default)]
struct Inbox {
    heard: VecDeque<Heard>,
    waiting: Option<(Function, Function)>,
}

impl Inbox {
    fn deliver(&mut self, heard: Heard) {
        match self.waiting.take() {
            Some((resolve, reject)) => {
                let _ = match heard {
                    Ok(bytes) => resolve.call1(&JsValue::NULL, &Uint8Array::from(bytes.as_slice())),
                    Err(why) => reject.call1(&JsValue::NULL, &JsValue::from_str(&why)),
                };
            }
            None => self.heard.push_back(heard),
        }
    }
}

struct Helper {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl Helper {
    fn spawn(url: &str, k: usize) -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_name(&format!("{HELPER_NAME}-{k}"));
        let worker = Worker::new_with_options(url, &options)
            .map_err(|e| format!("could not start a helper worker ({e:?})"))?;
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let heard = inbox.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            // The loader's own report (`www/worker_loader.js`) is a plain object.
            let message = match js_sys::Reflect::get(&data, &"loader_failed".into()) {
                Ok(why) if why.is_string() => Err(format!(
                    "its bundle did not load: {}",
                    why.as_string().unwrap_or_default()
                )),
                _ => Ok(Uint8Array::new(&data).to_vec()),
            };
            heard.borrow_mut().deliver(message);
        });
        let failed = inbox.clone();
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            failed
                .borrow_mut()
                .deliver(Err(format!("it stopped ({})", event.message())));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    fn post(&self, message: &ToHelper) -> Result<(), String> {
        let bytes = Uint8Array::from(encode(message).as_slice());
        let transfer = js_sys::Array::of1(&bytes.buffer());
        self.worker
            .post_message_with_transfer(&bytes, &transfer)
            .map_err(|e| format!("could not reach a helper worker ({e:?})"))
    }

    /// Its answer to a job, and when it did the job.
    async fn hear_done(&self) -> Result<(Outcome, Times), ShardError> {
        match self.hear().await.map_err(ShardError)? {
            FromHelper::Done(outcome, times) => Ok((outcome, times)),
            _ => Err(ShardError(
                "a helper answered out of turn (not a job's outcome)".into(),
            )),
        }
    }

    /// Its next message.
    async fn hear(&self) -> Result<FromHelper, String> {
        let ready = self.inbox.borrow_mut().heard.pop_front();
        let bytes = match ready {
            Some(heard) => heard?,
            None => {
                let inbox = self.inbox.clone();
                let promise = Promise::new(&mut |resolve, reject| {
                    inbox.borrow_mut().waiting = Some((resolve, reject));
                });
                // A helper that went away without an error (closed, or killed by the browser)
                // never answers: give it up after a while.
                let silent = self.inbox.clone();
                let give_up = Closure::once_into_js(move || {
                    silent
                        .borrow_mut()
                        .deliver(Err(format!("it did not answer for {} s", SILENT_MS / 1000)));
                });
                let timer = scope()
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        give_up.unchecked_ref(),
                        SILENT_MS,
                    )
                    .unwrap_or_default();
                let answer = JsFuture::from(promise).await;
                scope().clear_timeout_with_handle(timer);
                match answer {
                    Ok(value) => Uint8Array::new(&value).to_vec(),
                    Err(why) => return Err(why.as_string().unwrap_or_default()),
                }
            }
        };
        match decode::<FromHelper>(&bytes)? {
            FromHelper::Failed(why) => Err(why),
            message => Ok(message),
        }
    }
}

/// `trainer` with the helper workers its settings ask for on a machine with [`cores`], on the
/// CPU (on WebGPU one worker trains), or alone with the reason they could not start.
pub async fn share(trainer: Trainer, backend: &Backend) -> (Trainer, Option<ShardError>) {
    let workers = trainer.settings().workers_for(cores());
    if workers < 2 || backend.is_webgpu() {
        return (trainer, None);
    }
    match HelperPool::start(workers - 1, &trainer.replica_setup()).await {
        Ok(pool) => (trainer.with_shards(Box::new(pool)), None),
        Err(e) => (trainer, Some(e)),
    }
}

/// One run's helper workers.
pub struct HelperPool {
    helpers: Vec<Helper>,
    sent: usize,
    sent_at: Option<Sent>,
    /// When the step before sent its jobs (shared clock, ms).
    last_step: Option<f64>,
}

/// When the jobs last sent began and ended going out (shared clock, ms), and whether they train.
struct Sent {
    posting: f64,
    posted: f64,
    training: bool,
}

impl HelperPool {
    /// Starts `count` helpers holding replicas of `setup`'s network; waits until each is ready.
    pub async fn start(count: usize, setup: &ReplicaSetup) -> Result<Self, ShardError> {
        let location = js_sys::Reflect::get(&scope(), &"location".into()).unwrap_or_default();
        let href = js_sys::Reflect::get(&location, &"href".into())
            .ok()
            .and_then(|h| h.as_string())
            .unwrap_or_else(|| "./worker_loader.js".into());
        // Helpers compute on the CPU: the CPU bundle, a fraction of the full one's size.
        let url = format!("{}?bundle=cpu", href.split('?').next().unwrap_or(&href));
        let helpers = (0..count)
            .map(|k| Helper::spawn(&url, k + 1))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ShardError)?;
        let pool = Self {
            helpers,
            sent: 0,
            sent_at: None,
            last_step: None,
        };
        for helper in &pool.helpers {
            expect(helper.hear().await, "started", |m| {
                matches!(m, FromHelper::Started)
            })?;
            helper
                .post(&ToHelper::Setup(setup.clone()))
                .map_err(ShardError)?;
        }
        for helper in &pool.helpers {
            expect(helper.hear().await, "set up", |m| {
                matches!(m, FromHelper::SetUp)
            })?;
        }
        Ok(pool)
    }
}

/// `heard`, if it is the answer `is` wants (`what` names it), or why not.
fn expect(
    heard: Result<FromHelper, String>,
    what: &str,
    is: impl Fn(&FromHelper) -> bool,
) -> Result<FromHelper, ShardError> {
    match heard {
        Ok(m) if is(&m) => Ok(m),
        Ok(_) => Err(ShardError(format!(
            "a helper answered out of turn (not {what})"
        ))),
        Err(why) => Err(ShardError(why)),
    }
}

impl Drop for HelperPool {
    fn drop(&mut self) {
        self.helpers.iter().for_each(|h| h.worker.terminate());
    }
}

impl ShardPool for HelperPool {
    fn helpers(&self) -> usize {
        self.helpers.len()
    }

    fn send(&mut self, jobs: Vec<Job>) -> Result<(), ShardError> {
        check_jobs(&jobs, self.helpers.len())?;
        let training = matches!(jobs.first(), Some(Job::Train(_)));
        let posting = shared_clock_ms();
        self.sent = jobs.len();
        for (helper, job) in self.helpers.iter().zip(jobs) {
            helper.post(&ToHelper::Job(job)).map_err(ShardError)?;
        }
        self.sent_at = Some(Sent {
            posting,
            posted: shared_clock_ms(),
            training,
        });
        Ok(())
    }

    fn receive(&mut self) -> Outcomes<'_> {
        let sent = std::mem::take(&mut self.sent);
        let own_done = shared_clock_ms();
        Box::pin(async move {
            let mut outcomes = Vec::with_capacity(sent);
            // The slowest helper's: its job's way to it, its computing, and its answer's way
            // back past this worker's own share (while this worker computes, the answer waits
            // unseen at no cost to the step).
            let (mut delivery, mut computing, mut answer) = (0f64, 0f64, 0f64);
            let posting = self.sent_at.as_ref().map_or(own_done, |s| s.posting);
            for helper in &self.helpers[..sent] {
                let (outcome, times) = helper.hear_done().await?;
                outcomes.push(outcome);
                let read = shared_clock_ms();
                delivery = delivery.max(times.started - posting);
                computing = computing.max(times.done - times.started);
                answer = answer.max(read - times.done.max(own_done));
            }
            let waited = shared_clock_ms() - own_done;
            match self.sent_at.take() {
                // A step is timed from its jobs' sending to the next step's.
                Some(s) if s.training => {
                    if let Some(before) = self.last_step.replace(s.posting) {
                        let step = s.posting - before;
                        let own = own_done - s.posted;
                        timings::step([step, own, waited, delivery, computing, answer]);
                    }
                }
                Some(s) => {
                    timings::evaluation([own_done - s.posted, waited, delivery, computing, answer])
                }
                None => {}
            }
            Ok(outcomes)
        })
    }
}
