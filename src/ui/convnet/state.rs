//! The ConvNet cell's state, its component's reducer: the dataset, the knobs, the run (or a
//! loaded model) and its notes; and what it offers the other cells, [`TrainedModel`].

use std::rc::Rc;

use crate::protocol::training::{Event, LoadedModel, StopReason};
use crate::protocol::{FromWorker, RunId};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::train::TrainSettings;
use crate::ui::cells::reducible;
use crate::ui::heard::Heard;
use crate::ui::training::data::DataState;
use crate::ui::training::form::{Field, Form};
use crate::ui::training::run::{RunStatus, RunView};
use crate::ui::url::UrlSettings;

/// The knobs the cell shows, in order.
pub const FIELDS: [Field; 13] = [
    Field::Epochs,
    Field::Batch,
    Field::LearningRate,
    Field::DecayAt,
    Field::DecayFactor,
    Field::Warmup,
    Field::Momentum,
    Field::WeightDecay,
    Field::Widths,
    Field::Dropout,
    Field::Seed,
    Field::PerClass,
    Field::Workers,
];

#[derive(Debug, Clone, PartialEq)]
pub struct ConvNetState {
    pub data: DataState,
    pub form: Form,
    pub run: Option<RunView>,
    /// A model loaded from a file, shown in place of a run's results.
    pub loaded: Option<Rc<LoadedModel>>,
    /// A model file being read or sent.
    pub loading_model: Option<(RunId, String)>,
    /// Messages for the person: refusals, faults, saves (`run-note`).
    pub notes: Vec<String>,
}

impl Default for ConvNetState {
    fn default() -> Self {
        Self {
            data: DataState::new(DatasetKind::Toy),
            form: Form::defaults(DatasetKind::Toy),
            run: None,
            loaded: None,
            loading_model: None,
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConvNetAction {
    Edit(Field, String),
    Kernel(usize),
    BatchNorm(bool),
    Augment(bool),
    TextureRandomised(bool),
    /// A dataset load was sent (the person's choice).
    LoadData(DatasetKind),
    /// The cell's own load of its chosen dataset was sent.
    AutoLoad,
    /// A run was sent.
    Started(Box<RunView>),
    /// A model file was sent.
    LoadModel(RunId, String),
    /// Reset was sent: the session and its model are gone.
    Reset,
    Note(String),
    /// A worker event for this cell.
    Event(Event),
    /// The worker stopped: its session is gone; what the page shows stays.
    WorkerStopped(String),
}

impl ConvNetAction {
    /// What the cell takes from what the worker says.
    pub fn heard(heard: &mut Option<Heard>) -> Option<Self> {
        let mine = |reply| match reply {
            FromWorker::ConvNet(event) => Ok(Self::Event(event)),
            other => Err(other),
        };
        Heard::pick(heard, mine, |why| Self::WorkerStopped(why.into()))
    }
}

reducible!(ConvNetState, ConvNetAction);

/// The model the ConvNet cell trained (or loaded), as the other cells see it: the paper cell's
/// experiments probe it, on the test images of its dataset, and train its recipe again.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedModel {
    /// The dataset loaded in the cell, if any.
    pub data: Option<DatasetKind>,
    /// Whether there is a model: a run with an epoch done, or a model loaded.
    pub exists: bool,
    /// The cell's knobs, to train the same network again, or why they are refused.
    pub recipe: Result<(TrainSettings, SubsetSettings), String>,
}

impl Default for TrainedModel {
    /// What the cell offers before it has published anything: its opening state's.
    fn default() -> Self {
        ConvNetState::default().trained_model()
    }
}

impl ConvNetState {
    /// The state the URL asks for: a dataset and knobs; bad values are noted.
    pub fn from_url(settings: &UrlSettings) -> Self {
        let dataset = settings.dataset.unwrap_or(DatasetKind::Toy);
        let mut form = Form::defaults(dataset);
        let notes = form.read_url(&FIELDS, settings.pairs());
        Self {
            data: DataState::new(dataset),
            form,
            notes,
            ..Self::default()
        }
    }

    /// Whether there is a model: a run with an epoch done (or results), or a model loaded.
    pub fn has_model(&self) -> bool {
        self.loaded.is_some()
            || self
                .run
                .as_ref()
                .is_some_and(|r| !r.epochs.is_empty() || r.results.is_some())
    }

    /// What the cell offers the other cells.
    pub fn trained_model(&self) -> TrainedModel {
        TrainedModel {
            data: self.data.current().map(|d| d.source),
            exists: self.has_model(),
            recipe: self.form.parse().map_err(|errors| {
                errors
                    .iter()
                    .map(|(_, e)| e.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
        }
    }

    pub fn apply(&mut self, action: ConvNetAction) {
        match action {
            ConvNetAction::Edit(field, text) => self.form.set(field, text),
            ConvNetAction::Kernel(k) => self.form.kernel = k,
            ConvNetAction::BatchNorm(on) => self.form.batch_norm = on,
            ConvNetAction::Augment(on) => self.form.augment = on,
            ConvNetAction::TextureRandomised(on) => self.form.texture_randomised = on,
            ConvNetAction::LoadData(kind) => self.data.load_requested(kind),
            ConvNetAction::AutoLoad => self.data.auto_load(),
            ConvNetAction::Started(view) => {
                self.loaded = None;
                self.run = Some(*view);
            }
            ConvNetAction::LoadModel(run, name) => self.loading_model = Some((run, name)),
            ConvNetAction::Reset => {
                self.run = None;
                self.loaded = None;
                self.loading_model = None;
                self.notes.clear();
            }
            ConvNetAction::Note(note) => self.notes.push(note),
            ConvNetAction::Event(event) => self.on_event(event),
            ConvNetAction::WorkerStopped(why) => self.worker_stopped(&why),
        }
    }

    fn on_event(&mut self, event: Event) {
        if self.data.apply(&event) {
            if let Event::DataReady(summary) = &event {
                // A dataset of another kind brings its own defaults, unless knobs were changed.
                let kind = summary.source;
                let untouched = [DatasetKind::Toy, DatasetKind::Cifar, DatasetKind::Upload]
                    .iter()
                    .any(|&k| self.form == Form::defaults(k));
                if untouched {
                    self.form = Form::defaults(kind);
                }
            }
            return;
        }
        match &event {
            Event::ModelSaved { file_name, epochs } => self.notes.push(format!(
                "Saved the model after {epochs} epoch{} as {file_name} (in your downloads). `lectern eval --model {file_name} --data \u{2026}` scores it natively.",
                if *epochs == 1 { "" } else { "s" }
            )),
            Event::ModelLoaded(model) => {
                if self.loading_model.as_ref().is_some_and(|(run, _)| *run == model.run) {
                    self.loading_model = None;
                    self.run = None;
                    self.loaded = Some(Rc::new(model.clone()));
                }
            }
            Event::Refused { run, reason } => {
                let for_model_load = self
                    .loading_model
                    .as_ref()
                    .is_some_and(|(r, _)| Some(*r) == *run);
                if for_model_load {
                    self.loading_model = None;
                    self.notes.push(reason.to_string());
                } else if let Some(view) = &mut self.run
                    && view.apply(&event)
                {
                    self.notes.push(reason.to_string());
                } else if run.is_none() {
                    self.notes.push(reason.to_string());
                }
            }
            _ => {
                if let Some(view) = &mut self.run
                    && view.apply(&event)
                {
                    match &event {
                        Event::Stopped {
                            reason: StopReason::Diverged(why),
                            ..
                        } => self.notes.push(format!(
                            "{why} The results below are the model of the last finished epoch; it can still be saved."
                        )),
                        Event::Stopped {
                            reason: StopReason::Failed(why),
                            ..
                        } => self.notes.push(format!("Training stopped: {why}")),
                        Event::MovedToCpu { reason, .. } => self.notes.push(reason.clone()),
                        _ => {}
                    }
                }
            }
        }
    }

    fn worker_stopped(&mut self, why: &str) {
        if let Some(view) = &mut self.run
            && view.is_active()
        {
            let epochs = view.epochs.len();
            view.status = RunStatus::Stopped(StopReason::Failed(why.to_string()));
            self.notes.push(format!(
                "The worker stopped during the run ({why}); its curves up to epoch {epochs} stay on the page. Start the run again to continue."
            ));
        }
        self.data = DataState::new(self.data.chosen);
        self.loading_model = None;
    }

    /// Whether a run is under way (starting another asks first).
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(RunView::is_active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::training::{DatasetSummary, StopReason};

    fn ready(kind: DatasetKind) -> Event {
        Event::DataReady(DatasetSummary {
            source: kind,
            name: "n".into(),
            class_names: vec!["c".into(); 10],
            train_per_class: vec![500; 10],
            test_per_class: vec![100; 10],
        })
    }

    fn toy_run(run: RunId) -> RunView {
        let subset = SubsetSettings::for_dataset(DatasetKind::Toy);
        RunView::new(run, DatasetKind::Toy, subset, TrainSettings::default())
    }

    #[test]
    fn a_model_loaded_over_other_data_gets_the_workers_sentence_as_a_note() {
        // The worker sends the sentence right after the model, as a refusal of no run.
        let loaded = crate::protocol::examples::every_reply()
            .into_iter()
            .find_map(|m| match m {
                crate::protocol::FromWorker::ConvNet(Event::ModelLoaded(model))
                | crate::protocol::FromWorker::Imbalance(Event::ModelLoaded(model)) => Some(model),
                _ => None,
            })
            .unwrap();
        let mut s = ConvNetState::default();
        s.apply(ConvNetAction::LoadModel(loaded.run, loaded.name.clone()));
        s.on_event(Event::ModelLoaded(loaded));
        let sentence = "This model was trained on CIFAR-10, and the toy set is loaded: its classes are not these, so its accuracy here will be near chance (1 in 10); load CIFAR-10 to evaluate it.";
        s.on_event(Event::Refused {
            run: None,
            reason: sentence.into(),
        });
        assert!(s.loaded.is_some(), "the model stays loaded");
        assert_eq!(s.notes.last().map(String::as_str), Some(sentence));
    }

    #[test]
    fn a_new_dataset_brings_its_defaults_unless_the_knobs_were_changed() {
        let mut s = ConvNetState::default();
        s.on_event(ready(DatasetKind::Cifar));
        assert_eq!(s.form, Form::defaults(DatasetKind::Cifar));
        s.apply(ConvNetAction::Edit(Field::Epochs, "2".into()));
        s.on_event(ready(DatasetKind::Toy));
        assert_eq!(s.form.text(Field::Epochs), "2");
    }

    #[test]
    fn a_diverged_run_explains_itself_and_keeps_its_results() {
        let mut s = ConvNetState::default();
        s.apply(ConvNetAction::Started(Box::new(toy_run(RunId(5)))));
        assert!(s.running());
        let results = crate::protocol::training::RunResults {
            run: RunId(5),
            epochs: 1,
            test: crate::train::metrics::Confusion::new(10),
            samples: vec![],
            filters: crate::protocol::training::Filters {
                out: 0,
                kernel: 3,
                weights: vec![],
            },
        };
        s.on_event(Event::Stopped {
            run: RunId(5),
            reason: StopReason::Diverged("the loss became NaN".into()),
            results,
        });
        assert!(!s.running());
        assert!(s.run.as_ref().unwrap().results.is_some());
        assert!(s.notes[0].starts_with("the loss became NaN") && s.notes[0].contains("saved"));
        // A late event of an older run changes nothing.
        s.on_event(Event::Paused { run: RunId(4) });
        assert!(matches!(
            s.run.as_ref().unwrap().status,
            RunStatus::Stopped(_)
        ));
    }

    #[test]
    fn the_url_sets_the_knobs_and_explains_bad_values() {
        let s = ConvNetState::from_url(&crate::ui::url::parse([
            ("dataset", "toy"),
            ("epochs", "2"),
            ("lr", "fast"),
        ]));
        assert_eq!(s.form.text(Field::Epochs), "2");
        assert!(s.notes.iter().any(|n| n.contains("lr=fast")));
    }

    #[test]
    fn the_trained_model_is_offered_once_an_epoch_is_done_or_a_model_loaded() {
        let mut s = ConvNetState::default();
        let offered = s.trained_model();
        assert_eq!(offered, TrainedModel::default());
        assert_eq!((offered.data, offered.exists), (None, false));
        assert!(offered.recipe.is_ok());
        s.apply(ConvNetAction::Event(ready(DatasetKind::Toy)));
        assert_eq!(s.trained_model().data, Some(DatasetKind::Toy));
        s.apply(ConvNetAction::Started(Box::new(toy_run(RunId(5)))));
        assert!(!s.trained_model().exists, "no epoch done yet");
        s.apply(ConvNetAction::Edit(Field::Epochs, "many".into()));
        let refused = s.trained_model().recipe.unwrap_err();
        assert!(refused.contains("many"), "{refused}");
        s.apply(ConvNetAction::Reset);
        let loaded = crate::protocol::examples::every_reply()
            .into_iter()
            .find_map(|m| match m {
                FromWorker::ConvNet(Event::ModelLoaded(model)) => Some(model),
                _ => None,
            })
            .unwrap();
        s.apply(ConvNetAction::LoadModel(loaded.run, loaded.name.clone()));
        s.apply(
            ConvNetAction::heard(&mut Some(Heard::Reply(FromWorker::ConvNet(
                Event::ModelLoaded(loaded),
            ))))
            .unwrap(),
        );
        assert!(s.trained_model().exists);
        s.apply(ConvNetAction::heard(&mut Some(Heard::Stopped("lost".into()))).unwrap());
        assert_eq!(
            s.trained_model().data,
            None,
            "the worker's datasets are gone"
        );
    }
}
