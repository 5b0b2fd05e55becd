//! The engine's tests: steps and epochs, read-backs, refusals, checkpoints and resuming.

use super::*;
use crate::compute::ndarray_device;
use crate::data::augment::ChannelStats;
use crate::data::cifar::Records;
use crate::data::toy::toy_records;
use crate::nn::convnet::{ConvNet, ConvPath};
use crate::settings::model::ModelSettings;
use crate::settings::train::Schedule;
use crate::settings::train::TrainSettings;
use crate::train::checkpoint::Checkpoint;
use crate::train::progress::StepReport;

pub(crate) fn small() -> TrainSettings {
    TrainSettings {
        model: ModelSettings {
            widths: [8, 16],
            ..ModelSettings::default()
        },
        batch: 20,
        epochs: 3,
        learning_rate: 0.02,
        warmup_epochs: 0,
        schedule: Schedule::Constant,
        ..TrainSettings::default()
    }
}

fn trainer(settings: &TrainSettings, per_class: usize) -> Trainer {
    let train = Records::parse(toy_records(per_class, 3)).unwrap();
    Trainer::new(settings, ConvPath::OwnKernel, train, &ndarray_device()).unwrap()
}

/// Runs `steps` steps on the toy data, reporting after each (the determinism check lives in
/// tests/train_determinism.rs: Burn's generator is process-wide, and tests here run in
/// parallel).
fn run(settings: TrainSettings, steps: usize) -> Result<Vec<StepReport>, TrainError> {
    let mut trainer = trainer(&settings, 6);
    let mut reports = Vec::new();
    for _ in 0..steps {
        trainer.step();
        reports.extend(pollster::block_on(trainer.report(|| 0.0))?);
    }
    Ok(reports)
}

#[test]
fn epochs_advance_and_the_loss_falls() {
    // Eight epochs: three steps are too few to rise above batch noise (the initial weights
    // vary between runs here, as other tests draw from Burn's process-wide generator).
    let settings = TrainSettings {
        epochs: 8,
        ..small()
    };
    let reports = run(settings, 24).unwrap();
    assert_eq!(
        (
            reports[2].epoch,
            reports[3].epoch,
            reports[8].epoch,
            reports[23].epoch
        ),
        (0, 1, 2, 7),
        "60 images / batch 20 = 3 steps an epoch"
    );
    let first: f32 = reports[..3].iter().map(|e| e.loss).sum();
    let last: f32 = reports[21..].iter().map(|e| e.loss).sum();
    assert!(last < first, "{first} → {last}");
}

#[test]
fn several_batches_are_read_back_in_one_report() {
    let mut t = trainer(&small(), 6);
    assert!(!t.step() && !t.step());
    assert_eq!(t.unreported(), 2);
    let reports = pollster::block_on(t.report(|| 0.0)).unwrap();
    assert_eq!(
        reports.iter().map(|r| r.iteration).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(t.unreported(), 0);
    assert!(reports.iter().all(|r| r.images == 20 && r.loss.is_finite()));
    assert!(t.step(), "the third batch ends the epoch");
    assert_eq!(t.epoch, 1);
}

#[test]
fn bad_settings_are_refused_before_anything_trains() {
    for (settings, needle) in [
        (
            TrainSettings {
                learning_rate: 0.0,
                ..small()
            },
            "learning rate",
        ),
        (
            TrainSettings {
                batch: 0,
                ..small()
            },
            "batch size",
        ),
    ] {
        let train = Records::parse(toy_records(2, 3)).unwrap();
        let err = Trainer::new(&settings, ConvPath::OwnKernel, train, &ndarray_device())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
}

/// The predicted classes of `model` on `images`, in eval mode.
fn predictions(model: &ConvNet, images: &Records, stats: &ChannelStats) -> Vec<usize> {
    pollster::block_on(predict(model, stats, images, 64, &ndarray_device())).unwrap()
}

#[test]
fn a_checkpoint_saved_and_loaded_predicts_the_same() {
    let test = Records::parse(toy_records(5, 11)).unwrap();
    let mut trainer = trainer(&small(), 6);
    for _ in 0..4 {
        trainer.step();
        pollster::block_on(trainer.report(|| 0.0)).unwrap();
    }
    let dir = crate::scratch::ScratchDir::new();
    let path = dir.path().join("model.bin");
    pollster::block_on(trainer.checkpoint())
        .unwrap()
        .save(&path)
        .unwrap();
    let loaded = Checkpoint::load(&path).unwrap();
    assert_eq!(loaded.header.epochs, 1);
    assert_eq!(loaded.header.stats, trainer.stats);
    let model = loaded.model(&ndarray_device()).unwrap();
    let before = predictions(trainer.model(), &test, &trainer.stats);
    let after = predictions(&model, &test, &loaded.header.stats);
    assert_eq!(before, after);
    // The same confusion matrix through `evaluate`, too.
    let a = pollster::block_on(trainer.evaluate(&test, 7)).unwrap();
    let b = pollster::block_on(evaluate(
        &model,
        &loaded.header.stats,
        &test,
        7,
        &ndarray_device(),
    ))
    .unwrap();
    assert_eq!(a.counts, b.counts);
}

#[test]
fn a_run_resumes_from_a_checkpoint_where_it_stopped() {
    let settings = small();
    let mut first = trainer(&settings, 6);
    for _ in 0..3 {
        first.step();
    }
    pollster::block_on(first.report(|| 0.0)).unwrap();
    let checkpoint = pollster::block_on(first.checkpoint()).unwrap();
    let train = Records::parse(toy_records(6, 3)).unwrap();
    let mut resumed = Trainer::resume(
        &settings,
        ConvPath::Burn,
        train,
        &checkpoint,
        &ndarray_device(),
    )
    .unwrap();
    assert_eq!((resumed.epoch, resumed.iteration), (1, 3));
    let test = Records::parse(toy_records(5, 11)).unwrap();
    assert_eq!(
        predictions(resumed.model(), &test, &resumed.stats),
        predictions(first.model(), &test, &first.stats),
        "the same weights, whichever way the convolutions are computed"
    );
    resumed.step();
    let report = pollster::block_on(resumed.report(|| 0.0)).unwrap();
    assert_eq!((report[0].iteration, report[0].epoch), (3, 1));
}

#[test]
fn damaged_checkpoints_are_refused_with_the_reason() {
    let trainer = trainer(&small(), 2);
    let bytes = pollster::block_on(trainer.checkpoint()).unwrap().to_bytes();
    let reason = |b: &[u8]| Checkpoint::from_bytes(b).unwrap_err().to_string();
    assert!(reason(b"PK\x03\x04 a zip").contains("not a lectern checkpoint"));
    assert!(reason(&bytes[..30]).contains("truncated"));
    let cut = Checkpoint::from_bytes(&bytes[..bytes.len() - 10]);
    let err = match cut {
        Ok(c) => c.model(&ndarray_device()).unwrap_err().to_string(),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("weights") || err.contains("truncated"),
        "{err}"
    );
    // Weights for another architecture.
    let mut other = Checkpoint::from_bytes(&bytes).unwrap();
    other.header.model.widths = [4, 4];
    let err = other.model(&ndarray_device()).unwrap_err().to_string();
    assert!(err.contains("do not fit"), "{err}");
}

#[test]
fn a_trainer_evaluated_on_another_device_scores_a_copy_of_its_model_the_same() {
    let mut here = trainer(&small(), 4);
    for _ in 0..2 {
        here.step();
        pollster::block_on(here.report(|| 0.0)).unwrap();
    }
    let test = Records::parse(toy_records(3, 8)).unwrap();
    let expected = pollster::block_on(here.evaluate(&test, 7)).unwrap();
    // The CPU again, through the copy another device gets (WebGPU in the browser: tested there).
    let mut elsewhere = here.evaluated_on(&ndarray_device(), ConvPath::OwnKernel);
    let got = pollster::block_on(elsewhere.evaluate(&test, 7)).unwrap();
    assert_eq!(got.counts, expected.counts);
    assert_eq!(got.total(), 30);
}
