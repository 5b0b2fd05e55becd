//! The paper cell's experiments in the worker, in the paper cell's lane: on the model the
//! ConvNet cell trained (a copy: that cell trains on meanwhile) or a checkpoint, on a dataset the
//! ConvNet cell loaded. Progress is posted between chunks, the lane yields there, and a Cancel
//! of the run — noted whenever it came, even before the experiment started — ends it.

use std::cell::RefCell;
use std::rc::Rc;

use super::envelope::post;
use super::helpers::{self, HelperPool};
use super::state::{ModelAt, TrainedModel, WorkerState};
use super::tasks::{now_ms, yield_now};
use super::training::LoadedCheckpoint;
use crate::data::dataset::Dataset;
use crate::data::subset;
use crate::nn::convnet::ConvPath;
use crate::paper::experiment::{ExperimentError, ModelUnderTest, Progress, test_bias, train_fully};
use crate::paper::results::{BiasResults, TextureComparison};
use crate::protocol::paper::{ModelSource, Reply, Request};
use crate::protocol::{Backend, FromWorker, RunId};
use crate::settings::data::DatasetKind;
use crate::settings::paper::PaperSettings;
use crate::settings::train::TrainSettings;
use crate::train::engine::Trainer;
use crate::train::parallel::ShardPool;

/// The least time between two progress messages: an experiment's chunk (a batch of a model it
/// trains) takes milliseconds, and one message per chunk kept the page's main thread busy
/// redrawing (a click on another cell's Pause waited seconds to be handled).
const PROGRESS_MS: f64 = 200.0;

/// Posts progress (at most every [`PROGRESS_MS`], and the last of each stage) and yields; stops
/// when the page cancelled.
struct Posting {
    run: RunId,
    state: Rc<RefCell<WorkerState>>,
    posted_at: f64,
}

impl Posting {
    fn new(run: RunId, state: &Rc<RefCell<WorkerState>>) -> Self {
        Self {
            run,
            state: state.clone(),
            posted_at: f64::NEG_INFINITY,
        }
    }
}

impl Progress for Posting {
    async fn report(&mut self, stage: &str, done: usize, total: usize) -> bool {
        let now = now_ms();
        if now - self.posted_at >= PROGRESS_MS || done >= total {
            self.posted_at = now;
            post(&FromWorker::Paper(Reply::Progress {
                run: self.run,
                stage: stage.to_string(),
                done,
                total,
            }));
        }
        yield_now().await;
        !self.state.borrow().is_cancelled(self.run)
    }
}

fn failed(run: RunId, reason: String) {
    post(&FromWorker::Paper(Reply::Failed {
        run: Some(run),
        reason,
    }));
}

fn describe(e: ExperimentError) -> String {
    match e {
        ExperimentError::Cancelled => "cancelled".to_string(),
        other => other.to_string(),
    }
}

/// The loaded dataset of `kind`, or why there is none.
fn loaded_dataset(
    state: &Rc<RefCell<WorkerState>>,
    kind: DatasetKind,
) -> Result<Rc<Dataset>, String> {
    let cell = crate::protocol::training::TrainingCell::ConvNet;
    state.borrow().dataset(cell, kind).ok_or_else(|| {
        format!(
            "no {} dataset is loaded: load it in the ConvNet cell first",
            kind.key()
        )
    })
}

/// The cue-conflict and patch-shuffle tests of `subject` on `dataset`'s test images.
/// With `helpers`, each worker scores a share of the images.
async fn test_bias_on(
    subject: &ModelUnderTest<'_>,
    dataset: &Dataset,
    settings: &PaperSettings,
    run: RunId,
    progress: &mut Posting,
    helpers: Option<Box<dyn ShardPool>>,
) -> Result<BiasResults, ExperimentError> {
    let mut helpers = helpers;
    test_bias(
        subject,
        &dataset.test,
        &dataset.class_names,
        settings,
        run,
        progress,
        helpers.as_deref_mut().map(|p| p as &mut dyn ShardPool),
    )
    .await
}

/// Helper workers scoring with `model`, as many as its run used (on the CPU only); none if they
/// cannot start (the test then runs in this worker).
async fn scoring_helpers(
    model: &TrainedModel,
    path: ConvPath,
    backend: &Backend,
) -> Option<Box<dyn ShardPool>> {
    let workers = model.workers();
    if workers < 2 || backend.is_webgpu() {
        return None;
    }
    let pool = HelperPool::start(workers - 1, &model.replica_setup(path))
        .await
        .ok()?;
    Some(Box::new(pool))
}

/// The model the ConvNet cell trained, once the batch it is training (if any) is done.
async fn convnet_model(state: &Rc<RefCell<WorkerState>>) -> Option<TrainedModel> {
    loop {
        match state.borrow().convnet_model() {
            ModelAt::Here(model) => return Some(model),
            ModelAt::None => return None,
            ModelAt::Busy => {}
        }
        yield_now().await;
    }
}

pub async fn handle(state: &Rc<RefCell<WorkerState>>, request: Request, bytes: Option<Vec<u8>>) {
    let (device, backend, compute) = state.borrow().target();
    let paths = compute.conv_paths();
    let run = match &request {
        Request::TestBias { run, .. } | Request::Compare { run, .. } => *run,
        // Answered in `receive`, never queued.
        Request::Cancel { .. } => return,
    };
    if state.borrow().is_cancelled(run) {
        return failed(run, describe(ExperimentError::Cancelled));
    }
    match request {
        Request::TestBias {
            run,
            model,
            data,
            settings,
        } => {
            let dataset = match loaded_dataset(state, data) {
                Ok(d) => d,
                Err(reason) => return failed(run, reason),
            };
            let mut progress = Posting::new(run, state);
            // The ConvNet cell's model is copied (it may go on training), or a checkpoint the
            // page read is tested.
            let mut other_data = None;
            let model = match model {
                ModelSource::ConvNetCell => convnet_model(state).await,
                ModelSource::Checkpoint { name } => {
                    match LoadedCheckpoint::from_bytes(&name, bytes, device.clone(), paths.eval) {
                        Ok(loaded) => {
                            other_data = loaded.other_data(&dataset);
                            Some(loaded.trained_model())
                        }
                        Err(reason) => return failed(run, reason),
                    }
                }
            };
            let result = match &model {
                Some(model) => Some(
                    test_bias_on(
                        &model.subject(paths.eval),
                        &dataset,
                        &settings,
                        run,
                        &mut progress,
                        scoring_helpers(model, paths.eval, &backend).await,
                    )
                    .await,
                ),
                None => None,
            };
            match result {
                Some(Ok(results)) => {
                    post(&FromWorker::Paper(Reply::BiasTested(results)));
                    // Trained on other data: one sentence, shown as a note (a failure of no run).
                    if let Some(reason) = other_data {
                        post(&FromWorker::Paper(Reply::Failed { run: None, reason }));
                    }
                }
                Some(Err(e)) => failed(run, describe(e)),
                None => failed(
                    run,
                    "the ConvNet cell has no model yet: train one there (or load a checkpoint)"
                        .into(),
                ),
            }
        }
        Request::Compare {
            run,
            data,
            subset: chosen_subset,
            train: train_settings,
            settings,
        } => {
            let dataset = match loaded_dataset(state, data) {
                Ok(d) => d,
                Err(reason) => return failed(run, reason),
            };
            let train = match subset::select(&dataset.train, &chosen_subset, &dataset.class_names) {
                Ok(t) => t,
                Err(e) => return failed(run, e.to_string()),
            };
            let mut progress = Posting::new(run, state);
            let mut tested = Vec::with_capacity(2);
            for randomised in [false, true] {
                let settings_for_run = TrainSettings {
                    texture_randomised: randomised,
                    ..train_settings.clone()
                };
                let stage = if randomised {
                    "training with texture randomisation"
                } else {
                    "training without texture randomisation"
                };
                let trainer =
                    match Trainer::new(&settings_for_run, paths.train, train.clone(), &device) {
                        Ok(t) => t.with_eval_path(paths.eval),
                        Err(e) => return failed(run, describe(e.into())),
                    };
                // Data-parallel as the ConvNet cell's runs (helpers that cannot start: alone).
                let (trainer, _) = helpers::share(trainer, &backend).await;
                let mut trainer = match train_fully(trainer, stage, &mut progress).await {
                    Ok(t) => t,
                    Err(e) => return failed(run, describe(e)),
                };
                let helpers = trainer.take_shards();
                let subject = ModelUnderTest {
                    model: trainer.model(),
                    stats: &trainer.stats,
                    device: trainer.device(),
                    path: paths.eval,
                    label: if randomised {
                        "texture-randomised training".into()
                    } else {
                        "plain training".into()
                    },
                };
                match test_bias_on(&subject, &dataset, &settings, run, &mut progress, helpers).await
                {
                    Ok(r) => tested.push(r),
                    Err(e) => return failed(run, describe(e)),
                }
            }
            let randomised = tested.pop().expect("two bias tests");
            let plain = tested.pop().expect("two bias tests");
            post(&FromWorker::Paper(Reply::Compared(TextureComparison {
                run,
                epochs: train_settings.epochs,
                plain,
                randomised,
            })));
        }
        Request::Cancel { .. } => {}
    }
}
