//! The paper cell's state, its component's reducer: the experiment's knobs, the job under way,
//! and what it found.

use std::rc::Rc;

use crate::paper::results::{BiasResults, TextureComparison};
use crate::protocol::paper::Reply;
use crate::protocol::{FromWorker, RunId};
use crate::settings::paper::{PaperSettings, SIGMA};
use crate::ui::cells::reducible;
use crate::ui::convnet::TrainedModel;
use crate::ui::heard::Heard;

/// What the worker is doing for the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub run: RunId,
    /// "cue conflict", "training with texture randomisation"…
    pub stage: String,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaperState {
    /// σ as typed.
    pub sigma: String,
    pub grey: bool,
    pub job: Option<Job>,
    pub bias: Option<Rc<BiasResults>>,
    /// (model, σ, shape share) of the bias tests so far, so the reading can say how σ matters.
    pub history: Vec<(String, f64, f64)>,
    pub comparison: Option<Rc<TextureComparison>>,
    pub notes: Vec<String>,
    /// The ConvNet cell's model, as it publishes it: the test images of its dataset are the
    /// experiments', its knobs experiment C's.
    pub convnet: TrainedModel,
}

impl Default for PaperState {
    fn default() -> Self {
        Self {
            sigma: crate::format::plain(PaperSettings::default().sigma),
            grey: false,
            job: None,
            bias: None,
            history: Vec::new(),
            comparison: None,
            notes: Vec::new(),
            convnet: TrainedModel::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PaperAction {
    Sigma(String),
    Grey(bool),
    /// An experiment was sent.
    Sent(RunId, String),
    Note(String),
    /// The worker answered one of this cell's requests.
    Reply(Reply),
    WorkerStopped(String),
    /// The ConvNet cell's model changed.
    ConvNetModel(TrainedModel),
}

impl PaperAction {
    /// What the cell takes from what the worker says.
    pub fn heard(heard: &mut Option<Heard>) -> Option<Self> {
        if let Some(Heard::ConvNetModel(model)) = heard {
            return Some(Self::ConvNetModel(model.clone()));
        }
        let mine = |reply| match reply {
            FromWorker::Paper(reply) => Ok(Self::Reply(reply)),
            other => Err(other),
        };
        Heard::pick(heard, mine, |why| Self::WorkerStopped(why.into()))
    }
}

reducible!(PaperState, PaperAction);

impl PaperState {
    /// The experiment's settings, or why σ is refused.
    pub fn settings(&self) -> Result<PaperSettings, String> {
        let sigma = SIGMA.parse(&self.sigma).map_err(|e| e.to_string())?;
        Ok(PaperSettings {
            sigma,
            grey: self.grey,
            ..PaperSettings::default()
        })
    }

    /// (σ, share) of the earlier bias tests of `model`.
    pub fn history_of(&self, model: &str) -> Vec<(f64, f64)> {
        self.history
            .iter()
            .filter(|(m, _, _)| m == model)
            .map(|&(_, s, v)| (s, v))
            .collect()
    }

    pub fn apply(&mut self, action: PaperAction) {
        match action {
            PaperAction::Sigma(text) => self.sigma = text,
            PaperAction::Grey(on) => self.grey = on,
            PaperAction::Sent(run, stage) => {
                self.notes.clear();
                self.job = Some(Job {
                    run,
                    stage,
                    done: 0,
                    total: 1,
                })
            }
            PaperAction::Note(note) => self.notes.push(note),
            PaperAction::Reply(reply) => self.on_reply(reply),
            PaperAction::WorkerStopped(why) => self.worker_stopped(&why),
            PaperAction::ConvNetModel(model) => self.convnet = model,
        }
    }

    fn on_reply(&mut self, reply: Reply) {
        let current = self.job.as_ref().map(|j| j.run);
        if reply.run().is_some() && reply.run() != current {
            return;
        }
        match reply {
            Reply::Progress {
                run,
                stage,
                done,
                total,
            } => {
                self.job = Some(Job {
                    run,
                    stage,
                    done,
                    total,
                })
            }
            Reply::BiasTested(results) => {
                self.job = None;
                if let Some(share) = results.cue.shape_share() {
                    self.history
                        .retain(|(m, s, _)| !(m == &results.model && *s == results.cue.sigma));
                    self.history
                        .push((results.model.clone(), results.cue.sigma, share));
                }
                self.bias = Some(Rc::new(results));
            }
            Reply::Compared(comparison) => {
                self.job = None;
                self.comparison = Some(Rc::new(comparison));
            }
            Reply::Failed { reason, .. } => {
                self.job = None;
                self.notes.push(reason);
            }
        }
    }

    fn worker_stopped(&mut self, why: &str) {
        if self.job.take().is_some() {
            self.notes
                .push(format!("The worker stopped during the experiment ({why})."));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_is_checked_and_late_replies_ignored() {
        let mut s = PaperState::default();
        assert_eq!(s.settings().unwrap().sigma, 1.5);
        s.apply(PaperAction::Sigma("9".into()));
        assert!(s.settings().unwrap_err().contains("0.5\u{2013}4"));
        s.apply(PaperAction::Sent(RunId(3), "cue conflict".into()));
        s.on_reply(Reply::Progress {
            run: RunId(2),
            stage: "old".into(),
            done: 5,
            total: 9,
        });
        assert_eq!(s.job.as_ref().unwrap().stage, "cue conflict");
        s.on_reply(Reply::Failed {
            run: Some(RunId(3)),
            reason: "cancelled".into(),
        });
        assert!(s.job.is_none());
        assert_eq!(s.notes, vec!["cancelled".to_string()]);
    }

    #[test]
    fn the_cell_takes_its_own_replies_and_notes_a_stop_during_a_job() {
        for message in crate::protocol::examples::every_reply() {
            let mine = matches!(message, FromWorker::Paper(_));
            assert_eq!(
                PaperAction::heard(&mut Some(Heard::Reply(message))).is_some(),
                mine
            );
        }
        let mut s = PaperState::default();
        s.apply(PaperAction::Sent(RunId(3), "cue conflict".into()));
        s.apply(PaperAction::heard(&mut Some(Heard::Stopped("lost".into()))).unwrap());
        assert!(s.job.is_none());
        assert!(s.notes[0].contains("(lost)"), "{:?}", s.notes);
    }

    #[test]
    fn the_cell_reads_the_model_the_convnet_cell_publishes() {
        use crate::ui::convnet::state::{ConvNetAction, ConvNetState};
        let mut convnet = ConvNetState::default();
        convnet.apply(ConvNetAction::Edit(
            crate::ui::training::form::Field::Epochs,
            "none".into(),
        ));
        let mut s = PaperState::default();
        let published = Heard::ConvNetModel(convnet.trained_model());
        s.apply(PaperAction::heard(&mut Some(published)).unwrap());
        assert_eq!(s.convnet, convnet.trained_model());
        assert!(s.convnet.recipe.is_err());
    }
}
