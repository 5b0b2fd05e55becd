//! One training run as the page follows it: its status, the loss of every batch, the epochs'
//! evaluations, the results — built from the worker's events, shared by the ConvNet cell and
//! the imbalance lab. Events of another run (a late reply from a run the page moved on from) are
//! ignored.

use std::rc::Rc;

use crate::protocol::RunId;
use crate::protocol::training::{
    EpochReport, Event, RunResults, RunStarted, StepReport, StopReason,
};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::train::TrainSettings;
use crate::ui::series::Series;

/// Batches the speed and the ETA are averaged over.
const RECENT: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    /// Sent; the worker has not answered yet.
    Starting,
    Running,
    Paused,
    Finished,
    Stopped(StopReason),
    /// The worker refused to start or continue it.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub run: RunId,
    pub status: RunStatus,
    /// What it was started with.
    pub data: DatasetKind,
    pub subset: SubsetSettings,
    pub settings: TrainSettings,
    pub started: Option<Rc<RunStarted>>,
    /// The loss of every batch.
    pub losses: Series<f32>,
    pub epochs: Series<EpochReport>,
    pub last_step: Option<StepReport>,
    /// (milliseconds, images) of the latest batches, for the speed and the ETA.
    recent: Vec<(f64, usize)>,
    pub results: Option<Rc<RunResults>>,
    /// What happened on the way (moved to the CPU…).
    pub notes: Vec<String>,
}

impl RunView {
    pub fn new(
        run: RunId,
        data: DatasetKind,
        subset: SubsetSettings,
        settings: TrainSettings,
    ) -> Self {
        Self {
            run,
            status: RunStatus::Starting,
            data,
            subset,
            settings,
            started: None,
            losses: Series::default(),
            epochs: Series::default(),
            last_step: None,
            recent: Vec::new(),
            results: None,
            notes: Vec::new(),
        }
    }

    /// Whether the run can still train (so starting another one asks first).
    pub fn is_active(&self) -> bool {
        matches!(
            self.status,
            RunStatus::Starting | RunStatus::Running | RunStatus::Paused
        )
    }

    /// Applies an event of this run's; returns false for another run's.
    pub fn apply(&mut self, event: &Event) -> bool {
        if event.run() != Some(self.run) {
            return false;
        }
        match event {
            Event::Started(started) => {
                self.started = Some(Rc::new(started.clone()));
                if self.status == RunStatus::Starting {
                    self.status = RunStatus::Running;
                }
            }
            Event::Steps { steps, .. } => {
                for step in steps {
                    self.losses.push(step.loss);
                    self.recent.push((step.millis, step.images));
                }
                if self.recent.len() > RECENT {
                    self.recent.drain(..self.recent.len() - RECENT);
                }
                self.last_step = steps.last().copied().or(self.last_step);
            }
            Event::Epoch(report) => self.epochs.push(report.clone()),
            Event::Paused { .. } => self.status = RunStatus::Paused,
            Event::Resumed { .. } => self.status = RunStatus::Running,
            Event::Finished(results) => {
                self.results = Some(Rc::new(results.clone()));
                self.status = RunStatus::Finished;
            }
            Event::Stopped {
                reason, results, ..
            } => {
                self.results = Some(Rc::new(results.clone()));
                self.status = RunStatus::Stopped(reason.clone());
                // After a NaN the worker put the last finished epoch back: the curve shows the
                // batches trained, the results are the restored model's.
            }
            Event::MovedToCpu { epoch, reason, .. } => {
                let per_epoch = self.started.as_ref().map_or(0, |s| s.iterations_per_epoch);
                self.losses.truncate(epoch * per_epoch);
                self.epochs.truncate(*epoch);
                self.recent.clear();
                self.notes.push(reason.clone());
            }
            Event::ModelLoaded(_) => {}
            Event::Refused { reason, .. } => self.status = RunStatus::Refused(reason.to_string()),
            Event::DataProgress { .. }
            | Event::DataReady(_)
            | Event::DataRefused { .. }
            | Event::SubsetDrawn { .. }
            | Event::ModelSaved { .. } => return false,
        }
        true
    }

    /// Batches trained.
    pub fn iterations(&self) -> usize {
        self.losses.len()
    }

    pub fn total_iterations(&self) -> Option<usize> {
        self.started
            .as_ref()
            .map(|s| s.iterations_per_epoch * s.epochs)
    }

    /// Images per second over the latest batches.
    pub fn images_per_second(&self) -> Option<f64> {
        let (millis, images) = self
            .recent
            .iter()
            .fold((0.0, 0), |(m, i), &(dm, di)| (m + dm, i + di));
        (millis > 0.0).then(|| images as f64 / (millis / 1000.0))
    }

    /// Milliseconds per batch over the latest batches.
    pub fn millis_per_batch(&self) -> Option<f64> {
        let millis: f64 = self.recent.iter().map(|r| r.0).sum();
        (millis > 0.0).then(|| millis / self.recent.len() as f64)
    }

    /// Seconds of training left, at the latest speed (evaluations not counted).
    pub fn eta_seconds(&self) -> Option<f64> {
        let left = self.total_iterations()?.saturating_sub(self.iterations());
        Some(left as f64 * self.millis_per_batch()? / 1000.0)
    }

    /// The losses smoothed by an exponential moving average (α = 2 / (span + 1)), bias-corrected
    /// so the first points are not pulled towards 0.
    pub fn smoothed_losses(&self, span: usize) -> Vec<f32> {
        let alpha = 2.0 / (span as f32 + 1.0);
        self.losses.with(|losses| {
            let (mut average, mut weight) = (0.0f32, 0.0f32);
            losses
                .iter()
                .map(|&l| {
                    average = (1.0 - alpha) * average + alpha * l;
                    weight = (1.0 - alpha) * weight + alpha;
                    average / weight
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Backend;
    use crate::settings::model::ConvPath;

    fn view() -> RunView {
        RunView::new(
            RunId(2),
            DatasetKind::Toy,
            SubsetSettings::for_dataset(DatasetKind::Toy),
            TrainSettings::default(),
        )
    }

    fn step(iteration: usize, loss: f32, millis: f64) -> StepReport {
        StepReport {
            iteration,
            epoch: iteration / 3,
            loss,
            accuracy: 0.5,
            learning_rate: 0.1,
            images: 50,
            millis,
        }
    }

    fn started() -> Event {
        Event::Started(RunStarted {
            run: RunId(2),
            train_counts: vec![15; 10],
            test_images: 100,
            iterations_per_epoch: 3,
            epochs: 4,
            parameters: 10,
            backend: Backend::Cpu,
            conv_path: ConvPath::OwnKernel,
            workers: 1,
        })
    }

    #[test]
    fn steps_build_the_curve_speed_and_eta() {
        let mut v = view();
        assert!(v.apply(&started()));
        assert_eq!(v.status, RunStatus::Running);
        v.apply(&Event::Steps {
            run: RunId(2),
            steps: vec![step(0, 2.0, 100.0), step(1, 1.0, 100.0)],
        });
        assert_eq!(v.iterations(), 2);
        assert_eq!(v.images_per_second(), Some(500.0));
        assert_eq!(v.total_iterations(), Some(12));
        assert_eq!(v.eta_seconds(), Some(1.0), "10 batches of 100 ms left");
        let smooth = v.smoothed_losses(9);
        assert_eq!(
            smooth[0], 2.0,
            "bias-corrected: the first point is the first loss"
        );
        assert!(smooth[1] < 2.0 && smooth[1] > 1.0);
    }

    #[test]
    fn another_runs_events_are_ignored() {
        let mut v = view();
        let late = Event::Paused { run: RunId(1) };
        assert!(!v.apply(&late));
        assert_eq!(v.status, RunStatus::Starting);
    }

    #[test]
    fn moving_to_the_cpu_drops_the_batches_after_the_last_epoch() {
        let mut v = view();
        v.apply(&started());
        v.apply(&Event::Steps {
            run: RunId(2),
            steps: (0..5).map(|i| step(i, 1.0, 10.0)).collect(),
        });
        v.apply(&Event::MovedToCpu {
            run: RunId(2),
            epoch: 1,
            reason: "lost".into(),
        });
        assert_eq!(v.iterations(), 3, "epoch 1 = 3 batches stay");
        assert_eq!(v.notes, vec!["lost".to_string()]);
    }
}
