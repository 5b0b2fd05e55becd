//! The one training loop, as a step-wise state machine: [`Run::next`] trains one batch (reading
//! the device back when a report is due) or ends an epoch (evaluation and the epoch's figures), so
//! a caller that must yield between batches — the worker, between browser events — drives it one
//! step at a time, and [`Run::run_to_end`] drives it to the end for the CLI and the paper
//! experiment, telling an [`Observer`] what happened and asking it whether to go on.
//!
//! The numbers are the [`Trainer`]'s: the loop only decides when to read back and when an epoch's
//! bookkeeping runs, so a run gives the same losses however it is driven.

use std::rc::Rc;

use super::engine::{TrainError, Trainer};
use super::metrics::Confusion;
use super::progress::{EpochMeter, StepReport};
use crate::data::dataset::Dataset;

/// When trained batches are read back from the device (and so reported). The last batch of an
/// epoch is always read back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cadence {
    /// After every batch (the CPU, natively).
    EveryBatch,
    /// Once this many batches wait (WebGPU: a read-back stalls its queue).
    Batches(usize),
    /// Once this many milliseconds of the run's clock passed since the last read-back (the
    /// worker on the CPU: each report redraws the page's curves).
    Millis(f64),
}

/// What one [`Run::next`] did.
#[derive(Debug)]
pub enum Step {
    /// Trained one batch; these batches were read back with it (none when no report was due).
    Trained(Vec<StepReport>),
    /// Ended an epoch (the batch before was its last).
    EpochEnded(EpochEnd),
    /// Every epoch is done; nothing was trained.
    Finished,
}

/// An epoch's end, as the loop saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochEnd {
    /// Epochs finished, this one included.
    pub epoch: usize,
    /// Its batches: mean loss, training accuracy, throughput.
    pub meter: EpochMeter,
    /// The learning rate of its last batch.
    pub learning_rate: f64,
    /// The test images' confusion matrix after it, when the run is tested.
    pub test: Option<Confusion>,
    /// How long testing took (the run's clock, ms; 0 when not tested).
    pub test_millis: f64,
}

/// How [`Run::run_to_end`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every epoch trained.
    Finished,
    /// The observer said not to go on.
    Stopped,
}

/// Told what a run driven by [`Run::run_to_end`] does; asked whether to go on.
#[allow(async_fn_in_trait)]
pub trait Observer {
    /// Asked before each batch: whether to train it (a caller in the browser yields to its event
    /// loop here, so a cancel is read).
    async fn keep_going(&mut self, _run: &Run) -> bool {
        true
    }
    /// Batches were read back.
    fn trained(&mut self, _run: &Run, _reports: &[StepReport]) {}
    /// An epoch ended.
    fn epoch_ended(&mut self, _run: &Run, _end: &EpochEnd) {}
}

/// Goes on to the end, telling nobody.
pub struct Quiet;

impl Observer for Quiet {}

/// A training run in progress: a [`Trainer`] and the loop's bookkeeping.
pub struct Run {
    trainer: Trainer,
    /// Tested after each epoch on this dataset's test images, this many at once.
    test: Option<(Rc<Dataset>, usize)>,
    cadence: Cadence,
    /// The caller's clock, in milliseconds (batches are timed by it).
    clock: Box<dyn Fn() -> f64>,
    /// The current epoch's batches read back so far.
    meter: EpochMeter,
    /// The last batch trained ended an epoch: the next step ends it.
    epoch_end_due: bool,
    /// When batches were last read back (the clock's time).
    reported_at: f64,
}

impl Run {
    /// A run of `trainer` timed by `clock` (ms), reading back after every batch, not tested.
    pub fn new(trainer: Trainer, clock: impl Fn() -> f64 + 'static) -> Self {
        let mut trainer = trainer;
        let now = clock();
        trainer.restart_clock(now);
        Self {
            trainer,
            test: None,
            cadence: Cadence::EveryBatch,
            clock: Box::new(clock),
            meter: EpochMeter::default(),
            epoch_end_due: false,
            reported_at: now,
        }
    }

    /// Tests the model on `dataset`'s test images after each epoch, `batch` at once.
    pub fn tested_on(mut self, dataset: Rc<Dataset>, batch: usize) -> Self {
        self.test = Some((dataset, batch));
        self
    }

    /// Reads back at `cadence` instead of after every batch.
    pub fn reporting(mut self, cadence: Cadence) -> Self {
        self.cadence = cadence;
        self
    }

    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// The trainer, to change how it trains (e.g. drop failed helpers).
    pub fn trainer_mut(&mut self) -> &mut Trainer {
        &mut self.trainer
    }

    pub fn into_trainer(self) -> Trainer {
        self.trainer
    }

    /// The current epoch's batches read back so far.
    pub fn meter(&self) -> &EpochMeter {
        &self.meter
    }

    /// Whether the last batch trained ended an epoch whose end the next step runs (a caller that
    /// pauses between steps runs it first, so a paused run has no epoch half-ended).
    pub fn epoch_end_due(&self) -> bool {
        self.epoch_end_due
    }

    /// Whether every epoch is done (and the last one's end was seen).
    pub fn finished(&self) -> bool {
        !self.epoch_end_due && self.trainer.finished()
    }

    /// Trains the next batch, or ends the epoch whose last batch was just trained. A NaN loss
    /// read back ends with [`TrainError::Diverged`] (the trainer is back at its last finished
    /// epoch); a failed read-back or evaluation with [`TrainError::Device`].
    pub async fn next(&mut self) -> Result<Step, TrainError> {
        if self.epoch_end_due {
            // Still due if it failed (a helper's share of the evaluation: new helpers retry it).
            let end = self.end_epoch().await?;
            self.epoch_end_due = false;
            return Ok(Step::EpochEnded(end));
        }
        if self.trainer.finished() {
            return Ok(Step::Finished);
        }
        let epoch_done = self.trainer.train_step().await?;
        let reports = if epoch_done || self.report_due() {
            self.read_back().await?
        } else {
            Vec::new()
        };
        self.epoch_end_due = epoch_done;
        Ok(Step::Trained(reports))
    }

    fn report_due(&self) -> bool {
        match self.cadence {
            Cadence::EveryBatch => true,
            Cadence::Batches(n) => self.trainer.unreported() >= n,
            Cadence::Millis(ms) => (self.clock)() - self.reported_at >= ms,
        }
    }

    /// Reads back the batches trained since the last report now (before a pause or a stop),
    /// whatever the cadence; none if there are none.
    pub async fn read_back(&mut self) -> Result<Vec<StepReport>, TrainError> {
        if self.trainer.unreported() == 0 {
            return Ok(Vec::new());
        }
        match self.trainer.report(&self.clock).await {
            Ok(reports) => {
                self.reported_at = (self.clock)();
                reports.iter().for_each(|r| self.meter.add(r));
                Ok(reports)
            }
            Err(e) => {
                // The trainer went back to the start of an epoch: its figures start afresh.
                self.meter = EpochMeter::default();
                self.epoch_end_due = false;
                Err(e)
            }
        }
    }

    async fn end_epoch(&mut self) -> Result<EpochEnd, TrainError> {
        let began = (self.clock)();
        let test = match &self.test {
            Some((dataset, batch)) => Some(self.trainer.evaluate(&dataset.test, *batch).await?),
            None => None,
        };
        let test_millis = (self.clock)() - began;
        let trainer = &self.trainer;
        let learning_rate = trainer
            .settings()
            .learning_rate_at(trainer.iteration - 1, trainer.iterations_per_epoch());
        let end = EpochEnd {
            epoch: trainer.epoch,
            meter: std::mem::take(&mut self.meter),
            learning_rate,
            test,
            test_millis,
        };
        // Evaluation is not training time.
        self.restart_clock();
        Ok(end)
    }

    /// Starts timing batches afresh (after a pause, or work between batches that is not
    /// training), so that time is not counted as the next batch's.
    pub fn restart_clock(&mut self) {
        let now = (self.clock)();
        self.trainer.restart_clock(now);
    }

    /// Drives the run to its end, or until `observer` says not to go on (asked before each
    /// batch). Errors as [`Run::next`]'s. Async because the paper experiment's training runs in
    /// the worker, whose observer yields; a native caller wraps it in `pollster::block_on`.
    pub async fn run_to_end(&mut self, observer: &mut impl Observer) -> Result<Ended, TrainError> {
        loop {
            if !self.epoch_end_due() && !self.trainer.finished() && !observer.keep_going(self).await
            {
                return Ok(Ended::Stopped);
            }
            match self.next().await? {
                Step::Trained(reports) if reports.is_empty() => {}
                Step::Trained(reports) => observer.trained(self, &reports),
                Step::EpochEnded(end) => observer.epoch_ended(self, &end),
                Step::Finished => return Ok(Ended::Finished),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::compute::ndarray_device;
    use crate::data::cifar::Records;
    use crate::data::toy::toy_records;
    use crate::nn::convnet::ConvPath;
    use crate::settings::train::TrainSettings;
    use crate::train::engine::tests::small;

    /// `settings` on 60 toy images.
    fn trainer(settings: TrainSettings) -> Trainer {
        let train = Records::parse(toy_records(6, 3)).unwrap();
        Trainer::new(&settings, ConvPath::OwnKernel, train, &ndarray_device()).unwrap()
    }

    /// Batch 20: three batches an epoch, two epochs.
    fn run(cadence: Cadence) -> Run {
        let settings = TrainSettings {
            epochs: 2,
            ..small()
        };
        Run::new(trainer(settings), || 0.0).reporting(cadence)
    }

    /// What each step did: the iterations read back, or the epoch ended, or the end.
    fn trace(run: &mut Run) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let due = run.epoch_end_due();
            match pollster::block_on(run.next()).unwrap() {
                Step::Trained(r) => seen.push(format!(
                    "{:?}",
                    r.iter().map(|r| r.iteration).collect::<Vec<_>>()
                )),
                Step::EpochEnded(end) => {
                    assert!(due, "announced by the step before");
                    assert!(end.test.is_none(), "not tested");
                    seen.push(format!("epoch {} of {}", end.epoch, end.meter.batches()));
                }
                Step::Finished => return seen,
            }
        }
    }

    #[test]
    fn each_step_trains_a_batch_or_ends_an_epoch_reading_back_at_the_cadence() {
        let every: Vec<&str> = vec![
            "[0]",
            "[1]",
            "[2]",
            "epoch 1 of 3",
            "[3]",
            "[4]",
            "[5]",
            "epoch 2 of 3",
        ];
        assert_eq!(trace(&mut run(Cadence::EveryBatch)), every);
        // Every second batch, and always at an epoch's end.
        let pairs: Vec<&str> = vec![
            "[]",
            "[0, 1]",
            "[2]",
            "epoch 1 of 3",
            "[]",
            "[3, 4]",
            "[5]",
            "epoch 2 of 3",
        ];
        assert_eq!(trace(&mut run(Cadence::Batches(2))), pairs);
        let mut ended = run(Cadence::EveryBatch);
        trace(&mut ended);
        assert!(ended.finished());
        assert!(matches!(
            pollster::block_on(ended.next()).unwrap(),
            Step::Finished
        ));
    }

    #[test]
    fn a_read_back_before_a_pause_takes_whatever_waits() {
        let mut run = run(Cadence::Batches(8));
        for _ in 0..2 {
            let Step::Trained(reports) = pollster::block_on(run.next()).unwrap() else {
                panic!("a batch");
            };
            assert!(reports.is_empty());
        }
        let reports = pollster::block_on(run.read_back()).unwrap();
        assert_eq!(
            reports.iter().map(|r| r.iteration).collect::<Vec<_>>(),
            [0, 1]
        );
        assert_eq!(run.meter().batches(), 2);
        assert!(pollster::block_on(run.read_back()).unwrap().is_empty());
    }

    /// Stops after `batches` batches; counts what it was told.
    struct StopAfter {
        batches: usize,
        asked: usize,
        reports: usize,
        epochs: Vec<usize>,
    }

    impl Observer for StopAfter {
        async fn keep_going(&mut self, run: &Run) -> bool {
            assert_eq!(
                run.trainer().iteration,
                self.asked,
                "asked before each batch"
            );
            self.asked += 1;
            self.asked <= self.batches
        }
        fn trained(&mut self, _: &Run, reports: &[StepReport]) {
            self.reports += reports.len();
        }
        fn epoch_ended(&mut self, run: &Run, end: &EpochEnd) {
            assert_eq!(end.epoch, run.trainer().epoch);
            self.epochs.push(end.epoch);
        }
    }

    #[test]
    fn run_to_end_asks_before_each_batch_and_tells_each_epoch() {
        let observe = |batches| {
            let mut observer = StopAfter {
                batches,
                asked: 0,
                reports: 0,
                epochs: Vec::new(),
            };
            let mut run = run(Cadence::EveryBatch);
            let ended = pollster::block_on(run.run_to_end(&mut observer)).unwrap();
            (ended, observer.asked, observer.reports, observer.epochs)
        };
        assert_eq!(observe(usize::MAX), (Ended::Finished, 6, 6, vec![1, 2]));
        assert_eq!(observe(4), (Ended::Stopped, 5, 4, vec![1]));
        assert_eq!(observe(0), (Ended::Stopped, 1, 0, vec![]));
    }

    #[test]
    fn batches_are_timed_by_the_runs_clock() {
        let now = Rc::new(Cell::new(0.0));
        let clock = {
            let now = now.clone();
            move || now.get()
        };
        let trainer = trainer(TrainSettings {
            epochs: 1,
            ..small()
        });
        let mut run = Run::new(trainer, clock).reporting(Cadence::Millis(100.0));
        now.set(40.0);
        let Step::Trained(none) = pollster::block_on(run.next()).unwrap() else {
            panic!("a batch");
        };
        assert!(none.is_empty(), "40 ms: no report due");
        now.set(120.0);
        let Step::Trained(two) = pollster::block_on(run.next()).unwrap() else {
            panic!("a batch");
        };
        assert_eq!(
            two.iter().map(|r| r.millis).collect::<Vec<_>>(),
            [60.0, 60.0],
            "120 ms over two batches"
        );
    }
}
