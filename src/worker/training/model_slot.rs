//! What a training cell holds — nothing, a run, or a checkpoint the person loaded — and the
//! model's files: Save model, Load model, and the results a model shows.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;

use super::send;
use super::session::{EVAL_BATCH, Session};
use crate::compute::ReadError;
use crate::data::dataset::Dataset;
use crate::nn::convnet::ConvNet;
use crate::protocol::training::{Event, RunResults, TrainingCell};
use crate::protocol::{FromWorker, RunId};
use crate::settings::data::DatasetKind;
use crate::settings::model::ConvPath;
use crate::train::checkpoint::Checkpoint;
use crate::train::engine::evaluate;
use crate::train::metrics::Confusion;
use crate::train::results::{filters, samples};
use crate::train::trained_on::TrainedOn;
use crate::worker::envelope::post_with_bytes;
use crate::worker::state::{TrainedModel, WorkerState};

/// A checkpoint the person loaded into a cell, as a model on the worker's device.
pub struct LoadedCheckpoint {
    name: String,
    pub(super) model: ConvNet,
    pub(super) checkpoint: Checkpoint,
    pub(super) device: Device,
}

impl LoadedCheckpoint {
    /// A checkpoint's bytes (a file the page read) made into a model on `device`.
    pub fn from_bytes(
        name: &str,
        bytes: Option<Vec<u8>>,
        device: Device,
        path: ConvPath,
    ) -> Result<Self, String> {
        let bytes = bytes.ok_or_else(|| format!("{name}: the file's bytes did not arrive"))?;
        let checkpoint = Checkpoint::from_bytes(&bytes).map_err(|e| format!("{name}: {e}"))?;
        let model = checkpoint
            .model(&device)
            .map_err(|e| format!("{name}: {e}"))?
            .with_conv_path(path);
        Ok(Self {
            name: name.to_string(),
            model,
            checkpoint,
            device,
        })
    }

    /// The sentence to show when this checkpoint was trained on other data than `dataset`.
    pub fn other_data(&self, dataset: &Dataset) -> Option<String> {
        self.checkpoint.other_data(
            &TrainedOn::of(dataset).describe(),
            Some(&dataset.class_names),
        )
    }

    /// The model as an experiment asks it.
    pub fn trained_model(&self) -> TrainedModel {
        TrainedModel::new(
            self.model.clone(),
            self.checkpoint.header.model.clone(),
            crate::settings::train::auto_workers(crate::worker::helpers::cores()),
            self.checkpoint.header.stats,
            self.device.clone(),
            format!("{} (loaded)", self.name),
        )
    }
}

/// What a training cell holds.
#[derive(Default)]
pub enum Slot {
    #[default]
    Empty,
    Training(Box<Session>),
    /// The run's session is out, training a batch (it comes back unless the cell is reset).
    Busy(RunId),
    Loaded(Box<LoadedCheckpoint>),
}

/// Sends the cell's model as a checkpoint file.
pub(super) async fn save(state: &Rc<RefCell<WorkerState>>, cell: TrainingCell) {
    let session = state.borrow_mut().take_session(cell);
    let result = match session {
        Some(session) => {
            let checkpoint = session.trainer().checkpoint().await;
            let epochs = session.trainer().epoch;
            let data = TrainedOn::of(&session.dataset);
            state.borrow_mut().put_session(cell, session);
            checkpoint
                .map(|c| (c.trained_on(data).to_bytes(), epochs))
                .map_err(|e| e.to_string())
        }
        None => match state.borrow_mut().slot(cell) {
            Slot::Loaded(l) => Ok((l.checkpoint.to_bytes(), l.checkpoint.header.epochs)),
            _ => Err("there is no model to save: train or load one first".to_string()),
        },
    };
    match result {
        Ok((bytes, epochs)) => post_with_bytes(
            &FromWorker::training(
                cell,
                Event::ModelSaved {
                    file_name: format!("lectern-convnet-{epochs}-epochs.bin"),
                    epochs,
                },
            ),
            &bytes,
        ),
        Err(reason) => send(
            cell,
            Event::Refused {
                run: None,
                reason: reason.into(),
            },
        ),
    }
}

/// A checkpoint file made into the cell's model and evaluated on `data`'s test set; with the
/// sentence to show if it was trained on other data.
pub(super) async fn load_model(
    state: &Rc<RefCell<WorkerState>>,
    cell: TrainingCell,
    name: &str,
    data: DatasetKind,
    bytes: Option<Vec<u8>>,
    run: RunId,
) -> Result<(LoadedCheckpoint, RunResults, Option<String>), String> {
    let dataset = super::dataset(state, cell, data)?;
    let (device, _, compute) = state.borrow().target();
    let loaded = LoadedCheckpoint::from_bytes(name, bytes, device, compute.conv_paths().eval)?;
    let results = results_of(
        &loaded.model,
        &loaded.checkpoint.header.stats,
        &dataset,
        &loaded.device,
        run,
        loaded.checkpoint.header.epochs,
        None,
    )
    .await
    .map_err(|e| e.to_string())?;
    let other_data = loaded.other_data(&dataset);
    Ok((loaded, results, other_data))
}

/// A model's test confusion (computed unless given), samples and filters.
pub(super) async fn results_of(
    model: &ConvNet,
    stats: &crate::data::augment::ChannelStats,
    dataset: &Dataset,
    device: &Device,
    run: RunId,
    epochs: usize,
    test: Option<Confusion>,
) -> Result<RunResults, ReadError> {
    let test = match test {
        Some(t) => t,
        None => evaluate(model, stats, &dataset.test, EVAL_BATCH, device).await?,
    };
    Ok(RunResults {
        run,
        epochs,
        test,
        samples: samples(model, stats, &dataset.test, device).await?,
        filters: filters(model).await?,
    })
}
