//! One of every message between the page and the worker, with every field set: for the tests
//! that hold the two ends of the wire to each other (natively, and in Chromium through the
//! browser's own JSON parser). Every variant of every message enum is here: a test holds these
//! lists to the variant lists serde's derive writes for each enum (`coverage`), so a new variant
//! fails it until it has its example.

#[cfg(test)]
mod coverage;

use super::theory::{AutodiffResult, DeadReluReport};
use super::training::{
    DataSource, DatasetSummary, EpochReport, Event, Filters, Refusal, Request, RunResults,
    RunStarted, Sample, StepReport, StopReason,
};
use super::*;
use crate::data::subset::TooFewImages;
use crate::paper::results::{
    BiasResults, CueConflict, PatchShuffle, Robustness, Stimulus, Tally, TextureComparison,
};
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::dead_relu::DeadReluSettings;
use crate::settings::model::{ConvPath, ModelSettings};
use crate::settings::train::TrainSettings;
use crate::theory::Network;
use crate::train::metrics::Confusion;

fn confusion() -> Confusion {
    let mut c = Confusion::new(10);
    c.add(&[0, 1, 2, 9], &[0, 1, 3, 9]);
    c
}

fn tested(run: RunId) -> BiasResults {
    let cue = |grey| CueConflict {
        sigma: 1.5,
        grey,
        pairs: 40,
        shape: 12,
        texture: 20,
        other: 8,
    };
    let tally = |correct| Tally { correct, total: 50 };
    BiasResults {
        run,
        model: "the ConvNet cell's model (2 epochs)".into(),
        class_names: vec!["a".into(); 10],
        test_images: 50,
        cue: cue(false),
        cue_grey: cue(true),
        shuffle: PatchShuffle {
            clean: tally(30),
            grids: vec![(2, tally(20)), (4, tally(9))],
        },
        robustness: Robustness {
            noise: vec![(0.1, tally(25))],
            blur: vec![(1.0, tally(22))],
        },
        stimuli: vec![Stimulus {
            image: vec![9; 3072],
            shape_class: 1,
            texture_class: 2,
            predicted: 2,
        }],
    }
}

pub fn every_request() -> Vec<ToWorker> {
    let run = RunId(3);
    let training = [
        Request::LoadData(DataSource::Toy),
        Request::LoadData(DataSource::Site),
        Request::LoadData(DataSource::Upload {
            name: "cifar-10-binary.tar.gz".into(),
        }),
        Request::Start {
            run,
            data: DatasetKind::Toy,
            subset: SubsetSettings::for_dataset(DatasetKind::Toy),
            settings: TrainSettings::default(),
            paused: true,
        },
        Request::DrawSubset {
            data: DatasetKind::Toy,
            subset: SubsetSettings {
                per_class: 100,
                imbalance: 50.0,
            },
        },
        Request::Pause { run: RunId(4) },
        Request::Resume { run: RunId(4) },
        Request::Step {
            run: RunId(4),
            batches: 1,
        },
        Request::Stop { run: RunId(4) },
        Request::Reset,
        Request::SaveModel,
        Request::LoadModel {
            run,
            name: "m.bin".into(),
            data: DatasetKind::Cifar,
        },
    ];
    let mut all = vec![
        ToWorker::Probe(BackendRequest::Auto),
        ToWorker::Probe(BackendRequest::WebGpu),
        ToWorker::Probe(BackendRequest::Cpu),
        ToWorker::Theory(theory::Request::Autodiff {
            network: Network::default(),
            x0: -1.0,
        }),
        // −0 must reach the worker as −0 (the theory cell's extremes).
        ToWorker::Theory(theory::Request::Autodiff {
            network: Network::default(),
            x0: -0.0,
        }),
        ToWorker::Theory(theory::Request::DeadRelu(DeadReluSettings::default())),
        ToWorker::Paper(paper::Request::TestBias {
            run,
            model: paper::ModelSource::Checkpoint {
                name: "m.bin".into(),
            },
            data: DatasetKind::Cifar,
            settings: Default::default(),
        }),
        ToWorker::Paper(paper::Request::TestBias {
            run,
            model: paper::ModelSource::ConvNetCell,
            data: DatasetKind::Toy,
            settings: Default::default(),
        }),
        ToWorker::Paper(paper::Request::Compare {
            run,
            data: DatasetKind::Toy,
            subset: SubsetSettings::for_dataset(DatasetKind::Toy),
            train: TrainSettings::default(),
            settings: Default::default(),
        }),
        ToWorker::Paper(paper::Request::Cancel { run: RunId(5) }),
        ToWorker::InjectDeviceLoss { after_batches: 3 },
    ];
    for request in training {
        all.push(ToWorker::ConvNet(request.clone()));
        all.push(ToWorker::Imbalance(request));
    }
    all
}

pub fn every_reply() -> Vec<FromWorker> {
    let run = RunId(7);
    let results = RunResults {
        run,
        epochs: 2,
        test: confusion(),
        samples: vec![Sample {
            image: vec![7; 3072],
            label: 1,
            predicted: 2,
        }],
        filters: Filters {
            out: 1,
            kernel: 3,
            weights: vec![0.5; 27],
        },
    };
    let events = [
        Event::DataProgress {
            source: DatasetKind::Cifar,
            loaded: 10,
            total: Some(100),
        },
        Event::DataReady(DatasetSummary {
            source: DatasetKind::Toy,
            name: "toy".into(),
            class_names: vec!["a".into(); 10],
            train_per_class: vec![5; 10],
            test_per_class: vec![2; 10],
        }),
        Event::DataRefused {
            source: DatasetKind::Upload,
            reason: "not gzip".into(),
        },
        Event::SubsetDrawn {
            subset: SubsetSettings {
                per_class: 100,
                imbalance: 50.0,
            },
            counts: vec![100, 64, 41, 27, 17, 11, 7, 4, 3, 2],
        },
        Event::Started(RunStarted {
            run,
            train_counts: vec![5; 10],
            test_images: 20,
            iterations_per_epoch: 3,
            epochs: 2,
            parameters: 1000,
            backend: Backend::Cpu,
            conv_path: ConvPath::OwnKernel,
            workers: 2,
        }),
        Event::Steps {
            run,
            steps: vec![StepReport {
                iteration: 0,
                epoch: 0,
                loss: 2.3,
                accuracy: 0.1,
                learning_rate: 0.05,
                images: 64,
                millis: 120.0,
            }],
        },
        Event::Epoch(EpochReport {
            run,
            epoch: 1,
            train_loss: 2.0,
            train_accuracy: 0.2,
            test: confusion(),
            learning_rate: 0.05,
            images_per_second: 300.0,
            seconds: 3.0,
        }),
        Event::Paused { run },
        Event::Resumed { run },
        Event::Finished(results.clone()),
        Event::Stopped {
            run,
            reason: StopReason::Diverged("the loss became NaN".into()),
            results: results.clone(),
        },
        Event::Stopped {
            run,
            reason: StopReason::User,
            results: results.clone(),
        },
        Event::Stopped {
            run,
            reason: StopReason::Failed("reading back failed".into()),
            results: results.clone(),
        },
        Event::MovedToCpu {
            run,
            epoch: 1,
            reason: "the GPU device was lost".into(),
        },
        Event::ModelSaved {
            file_name: "lectern-convnet.bin".into(),
            epochs: 2,
        },
        Event::ModelLoaded(training::LoadedModel {
            run,
            name: "m.bin".into(),
            model: ModelSettings::default(),
            results,
        }),
        Event::Refused {
            run: None,
            reason: "no dataset".into(),
        },
        Event::Refused {
            run: Some(run),
            reason: Refusal::TooFewImages(TooFewImages {
                class: 3,
                name: "cat".into(),
                available: 2,
                wanted: 5,
            }),
        },
    ];
    let mut all = vec![
        FromWorker::Ready,
        FromWorker::BackendReady {
            backend: Backend::Cpu,
            report: ProbeReport {
                size: 64,
                matmul_max_error: 0.0,
                gradient_max_error: 1e-7,
                millis: 3.0,
            },
            note: Some("WebGPU failed".into()),
        },
        FromWorker::BackendReady {
            backend: Backend::WebGpu {
                adapter: "NVIDIA".into(),
                fallback: false,
            },
            report: ProbeReport {
                size: 64,
                matmul_max_error: 1e-6,
                gradient_max_error: 2e-6,
                millis: 9.5,
            },
            note: None,
        },
        FromWorker::BackendChanged {
            backend: Backend::Cpu,
            reason: "the GPU device was lost".into(),
        },
        FromWorker::Theory(theory::Reply::Autodiff(Ok(AutodiffResult {
            network: Network::default(),
            x0: 2.0,
            h: 15.0,
            slope: 6.0,
        }))),
        // The extremes a finite reply can hold: −0, the largest and the smallest numbers.
        FromWorker::Theory(theory::Reply::Autodiff(Ok(AutodiffResult {
            network: Network::default(),
            x0: -0.0,
            h: f64::MAX,
            slope: 5e-324,
        }))),
        FromWorker::Theory(theory::Reply::DeadRelu(Ok(DeadReluReport {
            settings: DeadReluSettings::default(),
            dead_at_init: [1, 2],
            dead_after: [3, 4],
            losses: vec![(0, 0.7)],
            accuracy: 0.9,
        }))),
        FromWorker::Theory(theory::Reply::Autodiff(Err("f32 overflow".into()))),
        FromWorker::Theory(theory::Reply::DeadRelu(Err("the loss became NaN".into()))),
        FromWorker::Paper(paper::Reply::Progress {
            run,
            stage: "cue conflict".into(),
            done: 1,
            total: 4,
        }),
        FromWorker::Paper(paper::Reply::BiasTested(tested(run))),
        FromWorker::Paper(paper::Reply::Compared(TextureComparison {
            run,
            epochs: 3,
            plain: tested(run),
            randomised: tested(run),
        })),
        FromWorker::Paper(paper::Reply::Failed {
            run: Some(run),
            reason: "no model".into(),
        }),
        FromWorker::Rejected {
            reason: "bad".into(),
        },
    ];
    for event in events {
        all.push(FromWorker::ConvNet(event.clone()));
        all.push(FromWorker::Imbalance(event));
    }
    all
}
