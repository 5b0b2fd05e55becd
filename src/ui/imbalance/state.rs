//! The imbalance lab's state: the dataset, the knobs, the subset the worker drew, a queue of
//! runs (a compare, a β sweep) worked through one after the other, and the results table (kept
//! in the browser's storage).

use std::rc::Rc;

use super::table::Row;
use crate::format::plain;
use crate::protocol::FromWorker;
use crate::protocol::training::{Event, Refusal, StopReason};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::loss::{self, LossKind, LossSettings};
use crate::settings::train::TrainSettings;
use crate::ui::cells::reducible;
use crate::ui::heard::Heard;
use crate::ui::training::data::DataState;
use crate::ui::training::form::{Field, Form};
use crate::ui::training::run::{RunStatus, RunView};
use crate::ui::url::UrlSettings;

/// The knobs the lab shows.
pub const FIELDS: [Field; 6] = [
    Field::Imbalance,
    Field::PerClass,
    Field::Beta,
    Field::Gamma,
    Field::Epochs,
    Field::LearningRate,
];
/// The knobs the URL carries (with `loss` and `dataset`).
pub const URL_FIELDS: [Field; 3] = [Field::Imbalance, Field::Beta, Field::Gamma];
/// The β sweep's default list.
pub const SWEEP_BETAS: &str = "0.9, 0.99, 0.999, 0.9999, 0.99999";

/// The form's defaults: a long-tailed subset and the lab's training settings.
pub fn defaults(kind: DatasetKind) -> Form {
    let mut settings = TrainSettings::long_tail_for(kind);
    settings.loss.kind = LossKind::CbFocal;
    Form::of(&settings, &SubsetSettings::long_tailed_for(kind))
}

/// A run waiting in the queue: its loss, the rest as the queue was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub loss: LossSettings,
    pub settings: TrainSettings,
    pub subset: SubsetSettings,
    pub data: DatasetKind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImbalanceState {
    pub data: DataState,
    pub form: Form,
    /// Images per class of the subset the worker drew for the current knobs.
    pub drawn: Option<(SubsetSettings, Vec<usize>)>,
    /// Runs still to do, and how many the queue had.
    pub queue: Vec<Planned>,
    pub queued_total: usize,
    pub current: Option<RunView>,
    pub rows: Rc<Vec<Row>>,
    pub sweep: String,
    pub notes: Vec<String>,
    /// The notes of refusals for too few images: the next drawn subset takes them away.
    too_few_notes: Vec<String>,
}

impl Default for ImbalanceState {
    fn default() -> Self {
        Self::new(DatasetKind::Toy, defaults(DatasetKind::Toy), Vec::new())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImbalanceAction {
    Edit(Field, String),
    Loss(LossKind),
    Sweep(String),
    LoadData(DatasetKind),
    /// The cell's own load of its chosen dataset was sent.
    AutoLoad,
    /// Runs to do, one after the other.
    Enqueue(Vec<Planned>),
    /// The queue's next run was sent.
    Started(Box<RunView>),
    /// Cancel was pressed: the queue is emptied and the current run stopped.
    Cancel,
    RemoveRow(u32),
    ClearRows,
    /// Rows read back from the browser's storage.
    Restore(Vec<Row>),
    Note(String),
    /// A worker event for this cell.
    Event(Event),
    /// The worker stopped: its run and queue are gone.
    WorkerStopped(String),
}

impl ImbalanceAction {
    /// What the cell takes from what the worker says.
    pub fn heard(heard: &mut Option<Heard>) -> Option<Self> {
        let mine = |reply| match reply {
            FromWorker::Imbalance(event) => Ok(Self::Event(event)),
            other => Err(other),
        };
        Heard::pick(heard, mine, |why| Self::WorkerStopped(why.into()))
    }
}

reducible!(ImbalanceState, ImbalanceAction);

impl ImbalanceState {
    /// The state the URL asks for: a dataset, the long tail and the loss; bad values are noted.
    pub fn from_url(settings: &UrlSettings) -> Self {
        let dataset = settings.dataset.unwrap_or(DatasetKind::Toy);
        let mut form = defaults(dataset);
        let mut notes = form.read_url(&URL_FIELDS, settings.pairs());
        notes.extend(form.read_loss_url(settings.pairs()));
        Self::new(dataset, form, notes)
    }

    pub fn new(kind: DatasetKind, form: Form, notes: Vec<String>) -> Self {
        Self {
            data: DataState::new(kind),
            form,
            drawn: None,
            queue: Vec::new(),
            queued_total: 0,
            current: None,
            rows: Rc::new(Vec::new()),
            sweep: SWEEP_BETAS.to_string(),
            notes,
            too_few_notes: Vec::new(),
        }
    }

    /// The run the knobs describe, or the refused knobs.
    pub fn planned(&self) -> Result<Planned, Vec<(Field, String)>> {
        let (settings, subset) = self.form.parse()?;
        Ok(Planned {
            loss: settings.loss,
            settings,
            subset,
            data: self.data.chosen,
        })
    }

    /// The β list typed for a sweep, or why it is refused.
    pub fn sweep_betas(&self) -> Result<Vec<f64>, String> {
        let betas = self
            .sweep
            .split(',')
            .filter(|b| !b.trim().is_empty())
            .map(|b| loss::BETA.parse(b).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        if betas.is_empty() {
            return Err(format!(
                "the sweep list is empty: type \u{3b2} values in {}, separated by commas",
                loss::BETA.describe()
            ));
        }
        Ok(betas)
    }

    /// Whether the queue or a run keeps the worker busy.
    pub fn busy(&self) -> bool {
        !self.queue.is_empty() || self.current.as_ref().is_some_and(RunView::is_active)
    }

    pub fn apply(&mut self, action: ImbalanceAction) {
        match action {
            ImbalanceAction::Edit(field, text) => self.form.set(field, text),
            ImbalanceAction::Loss(kind) => self.form.loss = kind,
            ImbalanceAction::Sweep(text) => self.sweep = text,
            ImbalanceAction::LoadData(kind) => self.data.load_requested(kind),
            ImbalanceAction::AutoLoad => self.data.auto_load(),
            ImbalanceAction::Enqueue(runs) => {
                if !self.busy() {
                    self.queued_total = 0;
                }
                self.queued_total += runs.len();
                self.queue.extend(runs);
            }
            ImbalanceAction::Started(view) => {
                if !self.queue.is_empty() {
                    self.queue.remove(0);
                }
                self.current = Some(*view);
            }
            ImbalanceAction::Cancel => {
                self.queue.clear();
                self.notes.push("The queue was cancelled.".into());
            }
            ImbalanceAction::RemoveRow(run) => {
                super::stored::keep(Rc::make_mut(&mut self.rows), &|r| r.run != run)
            }
            ImbalanceAction::ClearRows => self.rows = Rc::new(Vec::new()),
            ImbalanceAction::Restore(rows) => {
                let (rows, note) = super::stored::restore(rows);
                self.notes.extend(note.map(String::from));
                self.rows = Rc::new(rows);
            }
            ImbalanceAction::Note(note) => self.notes.push(note),
            ImbalanceAction::Event(event) => self.on_event(event),
            ImbalanceAction::WorkerStopped(why) => self.worker_stopped(&why),
        }
    }

    fn on_event(&mut self, event: Event) {
        if self.data.apply(&event) {
            if let Event::DataReady(summary) = &event {
                let untouched = [DatasetKind::Toy, DatasetKind::Cifar, DatasetKind::Upload]
                    .iter()
                    .any(|&k| self.form == defaults(k));
                if untouched {
                    let loss = self.form.loss;
                    self.form = defaults(summary.source);
                    self.form.loss = loss;
                }
            }
            return;
        }
        match &event {
            Event::SubsetDrawn { subset, counts } => {
                self.drawn = Some((*subset, counts.clone()));
                let stale = std::mem::take(&mut self.too_few_notes);
                self.notes.retain(|n| !stale.contains(n));
            }
            Event::Refused { run: None, reason } => {
                if let Refusal::TooFewImages(_) = reason {
                    self.drawn = None;
                }
                self.refused(reason);
            }
            _ => {
                let Some(view) = &mut self.current else {
                    return;
                };
                if !view.apply(&event) {
                    return;
                }
                let classes = self
                    .data
                    .summary(view.data)
                    .map(|d| d.class_names.clone())
                    .unwrap_or_default();
                let counts = view
                    .started
                    .as_ref()
                    .map(|s| s.train_counts.clone())
                    .unwrap_or_default();
                let row = |results: &crate::protocol::training::RunResults,
                           diverged: Option<String>| {
                    Row::of(
                        view.run.0,
                        view.data,
                        view.subset,
                        view.settings.loss,
                        view.settings.learning_rate,
                        classes.clone(),
                        counts.clone(),
                        results,
                        diverged,
                    )
                };
                match &event {
                    Event::Finished(results) => {
                        Rc::make_mut(&mut self.rows).push(row(results, None))
                    }
                    Event::Stopped {
                        reason: StopReason::Diverged(why),
                        results,
                        ..
                    } => {
                        Rc::make_mut(&mut self.rows).push(row(
                            results,
                            Some(format!("{why} (kept: epoch {})", results.epochs)),
                        ));
                        self.notes.push(format!(
                            "{} diverged: {why} It is in the table with its last finished epoch; the queue goes on.",
                            view.settings.loss.describe()
                        ));
                    }
                    Event::Refused { reason, .. } => self.refused(reason),
                    _ => {}
                }
            }
        }
    }

    /// A refusal's note.
    fn refused(&mut self, reason: &Refusal) {
        let note = reason.to_string();
        if let Refusal::TooFewImages(_) = reason {
            self.too_few_notes.push(note.clone());
        }
        self.notes.push(note);
    }

    /// The worker stopped: its run and queue are gone.
    fn worker_stopped(&mut self, why: &str) {
        self.queue.clear();
        if let Some(view) = &mut self.current
            && view.is_active()
        {
            view.status = RunStatus::Stopped(StopReason::Failed(why.to_string()));
        }
        self.data = DataState::new(self.data.chosen);
        self.drawn = None;
    }

    /// "run 2 of 5" while a queue is worked through.
    pub fn queue_progress(&self) -> Option<String> {
        if self.queued_total < 2 || !self.busy() {
            return None;
        }
        let done = self.queued_total - self.queue.len();
        Some(format!(
            "run {done} of {} ({} waiting)",
            self.queued_total,
            plain(self.queue.len() as f64)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::subset::TooFewImages;
    use crate::protocol::RunId;

    #[test]
    fn the_default_knobs_make_a_run_and_a_sweep() {
        let s = ImbalanceState::default();
        let planned = s.planned().unwrap();
        assert_eq!(planned.loss.kind, LossKind::CbFocal);
        assert!(planned.subset.imbalance > 1.0);
        assert_eq!(s.sweep_betas().unwrap().len(), 5);
    }

    #[test]
    fn bad_sweeps_and_knobs_are_refused_in_place() {
        let mut s = ImbalanceState::default();
        s.apply(ImbalanceAction::Sweep(" , ".into()));
        assert!(s.sweep_betas().unwrap_err().contains("empty"));
        s.apply(ImbalanceAction::Sweep("0.9, 1".into()));
        assert!(s.sweep_betas().unwrap_err().contains("[0, 1)"));
        s.apply(ImbalanceAction::Edit(Field::Imbalance, "0.5".into()));
        let refused = s.planned().unwrap_err();
        assert_eq!(refused[0].0, Field::Imbalance);
        s.apply(ImbalanceAction::Edit(Field::Imbalance, "50".into()));
        s.apply(ImbalanceAction::Edit(Field::Gamma, "-1".into()));
        assert_eq!(s.planned().unwrap_err()[0].0, Field::Gamma);
    }

    #[test]
    fn only_a_refusal_for_too_few_images_undoes_the_drawn_subset() {
        let mut s = ImbalanceState::default();
        let subset = s.planned().unwrap().subset;
        let drawn = |counts: Vec<usize>| Event::SubsetDrawn { subset, counts };
        s.on_event(drawn(vec![5; 10]));
        let too_few = Refusal::TooFewImages(TooFewImages {
            class: 3,
            name: "cat".into(),
            available: 2,
            wanted: 5,
        });
        s.on_event(Event::Refused {
            run: None,
            reason: too_few.clone(),
        });
        assert_eq!(s.drawn, None);
        assert_eq!(s.notes, [too_few.to_string()]);
        s.on_event(drawn(vec![2; 10]));
        assert_eq!(s.drawn, Some((subset, vec![2; 10])));
        assert!(s.notes.is_empty(), "{:?}", s.notes);
        // Any other refusal is a note that stays, whatever its words (here a storage's).
        let other = "the browser's storage \u{201c}kept training images, v2\u{201d} is full";
        s.on_event(Event::Refused {
            run: None,
            reason: other.into(),
        });
        assert_eq!(s.drawn, Some((subset, vec![2; 10])));
        s.on_event(drawn(vec![3; 10]));
        assert_eq!(s.notes, [other]);
    }

    #[test]
    fn the_queue_counts_its_runs() {
        let mut s = ImbalanceState::default();
        let p = s.planned().unwrap();
        s.apply(ImbalanceAction::Enqueue(vec![p.clone(), p.clone()]));
        assert!(s.busy());
        let view = RunView::new(RunId(9), p.data, p.subset, p.settings.clone());
        s.apply(ImbalanceAction::Started(Box::new(view)));
        assert_eq!(s.queue.len(), 1);
        assert_eq!(
            s.queue_progress().as_deref(),
            Some("run 1 of 2 (1 waiting)")
        );
        s.apply(ImbalanceAction::Cancel);
        assert!(s.queue.is_empty());
    }

    #[test]
    fn the_url_sets_the_long_tail_and_the_loss_and_explains_bad_values() {
        let s = ImbalanceState::from_url(&crate::ui::url::parse([
            ("dataset", "toy"),
            ("imbalance", "100"),
            ("loss", "cb-focal"),
            ("beta", "1.5"),
        ]));
        assert_eq!(s.form.text(Field::Imbalance), "100");
        assert!(s.notes.iter().any(|n| n.contains("beta=1.5")));
        assert_eq!(s.form.text(Field::Beta), "0.9999");
    }

    #[test]
    fn the_cell_takes_its_own_events_and_the_workers_stop() {
        use crate::protocol::examples::every_reply;
        for message in every_reply() {
            let mine = matches!(message, FromWorker::Imbalance(_));
            assert_eq!(
                ImbalanceAction::heard(&mut Some(Heard::Reply(message))).is_some(),
                mine
            );
        }
        let mut s = ImbalanceState::default();
        let p = s.planned().unwrap();
        s.apply(ImbalanceAction::Enqueue(vec![p.clone(), p]));
        s.apply(ImbalanceAction::heard(&mut Some(Heard::Stopped("lost".into()))).unwrap());
        assert!(!s.busy(), "the queue is gone with the worker");
    }
}
