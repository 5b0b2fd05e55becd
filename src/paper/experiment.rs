//! Running the texture-vs-shape experiments on a model: A (cue conflict, in colour and grey),
//! B (patch shuffle), and accuracy under noise and blur — the same code for the worker and
//! `lectern paper`, so the page and the CLI report the same numbers for the same model and data.
//! Experiment C (`train_and_test`) trains a model, with or without texture randomisation, and
//! tests it.
//!
//! Images are scored in chunks; between chunks a [`Progress`] hook is told how far it got (the
//! worker posts it and yields to its event loop, so a Cancel is read) and may cancel.

use burn::tensor::Device;

use super::results::{BiasResults, CueConflict, PatchShuffle, Robustness, Stimulus, Tally};
use super::transforms::{add_noise, cue_conflict_pairs, low_pass, patch_shuffle};
use crate::compute::ReadError;
use crate::data::augment::ChannelStats;
use crate::data::bands::cue_conflict;
use crate::data::cifar::{IMAGE_BYTES, Records};
use crate::data::rng::SplitMix64;
use crate::nn::convnet::ConvNet;
use crate::run_id::RunId;
use crate::settings::model::ConvPath;
use crate::settings::paper::{PaperSettings, SHUFFLE_GRIDS};
use crate::train::engine::{TrainError, Trainer, predict_records};
use crate::train::parallel::{ShardPool, Shares};
use crate::train::run::{Ended, Observer, Run};

/// Images scored at once (and between two progress reports).
pub const CHUNK: usize = 100;
/// Standard deviations of the additive noise (pixels in [0, 1]).
pub const NOISE_STDS: [f64; 3] = [0.05, 0.1, 0.2];
/// σ of the low-pass blurs, in pixels.
pub const BLUR_SIGMAS: [f64; 2] = [1.0, 2.0];
/// Cue-conflict stimuli shown as examples.
pub const SHOWN_STIMULI: usize = 12;

/// Told how far an experiment got; answers whether to go on.
#[allow(async_fn_in_trait)]
pub trait Progress {
    async fn report(&mut self, stage: &str, done: usize, total: usize) -> bool;
}

/// Goes on, silently.
pub struct Silent;

impl Progress for Silent {
    async fn report(&mut self, _: &str, _: usize, _: usize) -> bool {
        true
    }
}

/// A model to test_bias, with what it needs to see images as it was trained to.
pub struct ModelUnderTest<'a> {
    pub model: &'a ConvNet,
    pub stats: &'a ChannelStats,
    pub device: &'a Device,
    /// How the convolutions are computed here (the fastest forward path).
    pub path: ConvPath,
    /// "the ConvNet cell's model (6 epochs)", a file name…
    pub label: String,
}

/// The experiment was cancelled, or reading a result back failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    #[error("the experiment was cancelled")]
    Cancelled,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// Scores `images` (bytes, 3 planes each) in chunks, reporting progress as `stage`; with
/// `shares`, each worker scores a part of every chunk.
async fn classify(
    subject: &ModelUnderTest<'_>,
    model: &ConvNet,
    images: &[Vec<u8>],
    stage: &str,
    progress: &mut impl Progress,
    shares: &mut Option<Shares<'_>>,
) -> Result<Vec<usize>, ExperimentError> {
    let workers = shares.as_ref().map_or(1, Shares::workers);
    let mut predicted = Vec::with_capacity(images.len());
    for chunk in images.chunks(CHUNK * workers) {
        if !progress.report(stage, predicted.len(), images.len()).await {
            return Err(ExperimentError::Cancelled);
        }
        // `predict_records` takes whole records (a label byte first); the label is not used.
        let records: Vec<Vec<u8>> = chunk
            .iter()
            .map(|image| {
                let mut r = Vec::with_capacity(1 + IMAGE_BYTES);
                r.push(0);
                r.extend_from_slice(image);
                r
            })
            .collect();
        let slices: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let (stats, device) = (subject.stats, subject.device);
        predicted.extend(match shares {
            Some(shares) => shares.predict(model, stats, &slices, CHUNK, device).await?,
            None => predict_records(model, stats, &slices, CHUNK, device).await?,
        });
    }
    Ok(predicted)
}

fn tally(predicted: &[usize], labels: &[usize]) -> Tally {
    Tally {
        correct: predicted.iter().zip(labels).filter(|(p, l)| p == l).count(),
        total: labels.len(),
    }
}

/// Experiments A and B and the robustness check on `test`.
pub async fn test_bias(
    subject: &ModelUnderTest<'_>,
    test: &Records,
    class_names: &[String],
    settings: &PaperSettings,
    run: RunId,
    progress: &mut impl Progress,
    helpers: Option<&mut dyn ShardPool>,
) -> Result<BiasResults, ExperimentError> {
    let model = subject.model.clone().with_conv_path(subject.path);
    let mut shares = match helpers {
        Some(pool) => Some(Shares::of(pool, &model).await?),
        None => None,
    };
    let labels: Vec<usize> = (0..test.len()).map(|i| test.label(i)).collect();
    let clean_images: Vec<Vec<u8>> = (0..test.len()).map(|i| test.image(i).to_vec()).collect();
    let clean = classify(
        subject,
        &model,
        &clean_images,
        "clean test images",
        progress,
        &mut shares,
    )
    .await?;
    let correct = |i: usize| clean[i] == labels[i];

    // A: pairs whose two images the model gets right.
    let pairs: Vec<(usize, usize)> = cue_conflict_pairs(test)
        .into_iter()
        .filter(|&(a, b)| correct(a) && correct(b))
        .collect();
    let mut cues = Vec::with_capacity(2);
    let mut stimuli = Vec::new();
    for grey in [false, true] {
        let images: Vec<Vec<u8>> = pairs
            .iter()
            .enumerate()
            .map(|(k, &(a, b))| {
                let mut rng = SplitMix64::stream(settings.seed, grey as u64, k as u64);
                cue_conflict(test.image(a), test.image(b), settings.sigma, grey, &mut rng)
            })
            .collect();
        let stage = if grey {
            "cue conflict, greyscale"
        } else {
            "cue conflict"
        };
        let answers = classify(subject, &model, &images, stage, progress, &mut shares).await?;
        let mut cue = CueConflict {
            sigma: settings.sigma,
            grey,
            pairs: pairs.len(),
            shape: 0,
            texture: 0,
            other: 0,
        };
        for (&(a, b), &answer) in pairs.iter().zip(&answers) {
            if answer == labels[a] {
                cue.shape += 1;
            } else if answer == labels[b] {
                cue.texture += 1;
            } else {
                cue.other += 1;
            }
        }
        if grey == settings.grey {
            stimuli = pairs
                .iter()
                .zip(images)
                .zip(&answers)
                .take(SHOWN_STIMULI)
                .map(|((&(a, b), image), &predicted)| Stimulus {
                    image,
                    shape_class: labels[a],
                    texture_class: labels[b],
                    predicted,
                })
                .collect();
        }
        cues.push(cue);
    }

    // B: patch shuffle.
    let mut grids = Vec::new();
    for grid in SHUFFLE_GRIDS {
        let images: Vec<Vec<u8>> = (0..test.len())
            .map(|i| {
                let mut rng = SplitMix64::stream(settings.seed, 100 + grid as u64, i as u64);
                patch_shuffle(test.image(i), grid, &mut rng)
            })
            .collect();
        let stage = format!("{grid}\u{d7}{grid} patch shuffle");
        let answers = classify(subject, &model, &images, &stage, progress, &mut shares).await?;
        grids.push((grid, tally(&answers, &labels)));
    }

    // Robustness: additive noise and low-pass blur.
    let mut noise = Vec::new();
    for std in NOISE_STDS {
        let images: Vec<Vec<u8>> = (0..test.len())
            .map(|i| {
                let mut rng = SplitMix64::stream(settings.seed, std.to_bits(), i as u64);
                add_noise(test.image(i), std, &mut rng)
            })
            .collect();
        let answers = classify(subject, &model, &images, "noise", progress, &mut shares).await?;
        noise.push((std, tally(&answers, &labels)));
    }
    let mut blur = Vec::new();
    for sigma in BLUR_SIGMAS {
        let images: Vec<Vec<u8>> = (0..test.len())
            .map(|i| low_pass(test.image(i), sigma))
            .collect();
        let answers = classify(subject, &model, &images, "blur", progress, &mut shares).await?;
        blur.push((sigma, tally(&answers, &labels)));
    }
    progress.report("done", 1, 1).await;

    let cue_grey = cues.pop().expect("two cue-conflict runs");
    let cue = cues.pop().expect("two cue-conflict runs");
    Ok(BiasResults {
        run,
        model: subject.label.clone(),
        class_names: class_names.to_vec(),
        test_images: test.len(),
        cue,
        cue_grey,
        shuffle: PatchShuffle {
            clean: tally(&clean, &labels),
            grids,
        },
        robustness: Robustness { noise, blur },
        stimuli,
    })
}

/// Trains `trainer` (made with [`Trainer::new`] for experiment C, with helpers or not) through
/// every epoch, reporting each batch as `stage`. Returns the trainer (its model, statistics and
/// device).
pub async fn train_fully(
    trainer: Trainer,
    stage: &str,
    progress: &mut impl Progress,
) -> Result<Trainer, ExperimentError> {
    let total = trainer.iterations_per_epoch() * trainer.settings().epochs;
    let mut run = Run::new(trainer, || 0.0);
    let mut observer = Reporting {
        stage,
        total,
        progress,
    };
    match run.run_to_end(&mut observer).await? {
        Ended::Finished => Ok(run.into_trainer()),
        Ended::Stopped => Err(ExperimentError::Cancelled),
    }
}

/// Experiment C's training as a [`Progress`] sees it: the batches done, before each one.
struct Reporting<'a, P> {
    stage: &'a str,
    total: usize,
    progress: &'a mut P,
}

impl<P: Progress> Observer for Reporting<'_, P> {
    async fn keep_going(&mut self, run: &Run) -> bool {
        let done = run.trainer().iteration;
        self.progress.report(self.stage, done, self.total).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ndarray_device;
    use crate::data::toy::toy_records;
    use crate::nn::convnet::ConvNetConfig;
    use crate::settings::train::TrainSettings;
    use crate::train::parallel::{InProcess, ReplicaSetup};

    /// Counts the calls; cancels after `stop_after` when given.
    struct Count {
        calls: usize,
        stop_after: Option<usize>,
    }

    impl Progress for Count {
        async fn report(&mut self, _: &str, _: usize, _: usize) -> bool {
            self.calls += 1;
            self.stop_after.is_none_or(|n| self.calls <= n)
        }
    }

    /// Tests an untrained toy model (9 test images a class), counting progress calls and
    /// cancelling after `stop_after` of them if given.
    fn test_bias_untrained(
        names: &[String],
        stop_after: Option<usize>,
    ) -> (
        Result<BiasResults, ExperimentError>,
        Option<BiasResults>,
        usize,
    ) {
        let device = ndarray_device();
        let model: ConvNet = ConvNetConfig::new().with_widths([4, 8]).init(&device);
        let test = Records::parse(toy_records(9, 4)).unwrap();
        let stats = ChannelStats::of(test.records().map(|r| &r[1..]));
        let subject = ModelUnderTest {
            model: &model,
            stats: &stats,
            device: &device,
            path: ConvPath::OwnKernel,
            label: "untrained".into(),
        };
        let settings = PaperSettings::default();
        let mut count = Count {
            calls: 0,
            stop_after,
        };
        let first = pollster::block_on(test_bias(
            &subject,
            &test,
            names,
            &settings,
            RunId(4),
            &mut count,
            None,
        ));
        // Once more, uncounted, to show it is repeatable — and in three workers' shares.
        let again = stop_after.is_none().then(|| {
            let setup = ReplicaSetup {
                model: ConvNetConfig::new().with_widths([4, 8]),
                eval_path: ConvPath::OwnKernel,
                loss: crate::nn::losses::Loss::CrossEntropy,
                class_weights: None,
                stats,
            };
            let mut helpers = InProcess::new(2, &setup, &device).unwrap();
            pollster::block_on(test_bias(
                &subject,
                &test,
                names,
                &settings,
                RunId(4),
                &mut Silent,
                Some(&mut helpers),
            ))
            .unwrap()
        });
        (first, again, count.calls)
    }

    #[test]
    fn a_bias_test_counts_every_decision_and_reports_progress() {
        let names: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
        let (first, again, calls) = test_bias_untrained(&names, None);
        let r = first.unwrap();
        assert_eq!(r.run, RunId(4));
        assert_eq!(r.test_images, 90);
        for cue in [r.cue, r.cue_grey] {
            assert_eq!(cue.shape + cue.texture + cue.other, cue.pairs);
        }
        assert!(!r.cue.grey && r.cue_grey.grey);
        assert_eq!(r.shuffle.clean.total, 90);
        assert_eq!(
            r.shuffle.grids.iter().map(|g| g.0).collect::<Vec<_>>(),
            SHUFFLE_GRIDS.to_vec()
        );
        assert_eq!(r.robustness.noise.len(), NOISE_STDS.len());
        assert!(r.stimuli.len() <= SHOWN_STIMULI.min(r.cue.pairs));
        assert!(calls >= 10, "{calls}");
        assert_eq!(
            again,
            Some(r),
            "the same model and data give the same figures, in one worker or in three"
        );
    }

    #[test]
    fn experiment_c_trains_with_texture_randomisation_and_can_be_tested() {
        let device = ndarray_device();
        let settings = TrainSettings {
            model: crate::settings::model::ModelSettings {
                widths: [4, 8],
                ..Default::default()
            },
            epochs: 1,
            batch: 20,
            texture_randomised: true,
            ..TrainSettings::default()
        };
        let train = Records::parse(toy_records(4, 1)).unwrap();
        let mut count = Count {
            calls: 0,
            stop_after: None,
        };
        let trainer = Trainer::new(&settings, ConvPath::OwnKernel, train, &device).unwrap();
        let trainer = pollster::block_on(train_fully(
            trainer,
            "training with texture randomisation",
            &mut count,
        ))
        .unwrap();
        assert!(trainer.finished());
        assert_eq!(count.calls, 2, "one report a batch: 40 images, batch 20");
        let test = Records::parse(toy_records(2, 9)).unwrap();
        let subject = ModelUnderTest {
            model: trainer.model(),
            stats: &trainer.stats,
            device: trainer.device(),
            path: ConvPath::OwnKernel,
            label: "randomised".into(),
        };
        let r = pollster::block_on(test_bias(
            &subject,
            &test,
            &[],
            &PaperSettings::default(),
            RunId(2),
            &mut Silent,
            None,
        ))
        .unwrap();
        assert_eq!(r.shuffle.clean.total, 20);
        // Cancelling during training stops it.
        let mut stop = Count {
            calls: 0,
            stop_after: Some(0),
        };
        let train = Records::parse(toy_records(4, 1)).unwrap();
        let trainer = Trainer::new(&settings, ConvPath::OwnKernel, train, &device).unwrap();
        let err = pollster::block_on(train_fully(trainer, "x", &mut stop))
            .err()
            .unwrap();
        assert_eq!(err, ExperimentError::Cancelled);
    }

    #[test]
    fn a_bias_test_can_be_cancelled() {
        let (first, _, calls) = test_bias_untrained(&[], Some(2));
        assert_eq!(first.unwrap_err(), ExperimentError::Cancelled);
        assert_eq!(calls, 3);
    }
}
