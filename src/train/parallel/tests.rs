//! Data-parallel training held to one worker: the same gradient (to rounding) on a model
//! without BatchNorm and dropout, a helper's failure leaving the trainer where it was, and a
//! BatchNorm model learning in shards.

use super::*;
use crate::compute::ndarray_device;
use crate::data::cifar::Records;
use crate::data::toy::toy_records;
use crate::nn::convnet::ConvPath;
use crate::settings::model::ModelSettings;
use crate::settings::train::TrainSettings;
use crate::train::engine::tests::small;
use crate::train::engine::{TrainError, Trainer};
use burn::module::Module;

#[test]
fn a_batch_splits_into_contiguous_shards_never_empty() {
    assert_eq!(shards(64, 2, 0), vec![0..32, 32..64]);
    assert_eq!(
        shards(64, 2, 1),
        vec![0..33, 33..64],
        "the helper lends one"
    );
    assert_eq!(shards(64, 4, 1), vec![0..19, 19..34, 34..49, 49..64]);
    assert_eq!(shards(1000, 2, 4), vec![0..504, 504..1000]);
    assert_eq!(shards(30, 2, 1), vec![0..15, 15..30], "too few to lend");
    assert_eq!(shards(7, 3, 1), vec![0..3, 3..5, 5..7]);
    assert_eq!(
        shards(2, 4, 1),
        vec![0..1, 1..2],
        "fewer shards than workers"
    );
    assert_eq!(shards(5, 1, 1), vec![0..5]);
    assert_eq!(shards(5, 0, 1), vec![0..5], "at least one");
}

#[test]
fn shard_zero_draws_dropout_as_one_worker_does() {
    let one = 7 ^ 3u64.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    assert_eq!(dropout_seed(7, 3, 0), one);
    assert_ne!(dropout_seed(7, 3, 1), one);
}

fn settings(batch_norm: bool) -> TrainSettings {
    TrainSettings {
        model: ModelSettings {
            batch_norm,
            dropout: 0.0,
            ..small().model
        },
        batch: 20,
        ..small()
    }
}

/// Two trainers from the same weights (a checkpoint: Burn's generator is process-wide, and
/// other tests draw from it), the second with `helpers` in-process helpers.
fn twins(settings: &TrainSettings, helpers: usize) -> (Trainer, Trainer) {
    let train = || Records::parse(toy_records(6, 3)).unwrap();
    let device = ndarray_device();
    let first = Trainer::new(settings, ConvPath::OwnKernel, train(), &device).unwrap();
    let checkpoint = pollster::block_on(first.checkpoint()).unwrap();
    let resume = || Trainer::resume(settings, ConvPath::OwnKernel, train(), &checkpoint, &device);
    let alone = resume().unwrap();
    let sharded = resume().unwrap();
    let pool = InProcess::new(helpers, &sharded.replica_setup(), &device).unwrap();
    (alone, sharded.with_shards(Box::new(pool)))
}

fn numbers(trainer: &Trainer) -> Vec<f32> {
    pollster::block_on(flat::parameters(trainer.model())).unwrap()
}

fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn two_or_three_workers_take_the_one_worker_step_to_rounding_without_batch_norm() {
    // Augmented (the default), and with experiment C's texture randomisation: each helper makes
    // its shard's images from the records it is sent, as the trainer would have. Batches of 20
    // split evenly; of 40, the helper lends the trainer an image (21 and 19).
    for (helpers, texture_randomised, batch) in [
        (1, false, 20),
        (2, false, 20),
        (1, true, 20),
        (1, false, 40),
    ] {
        let settings = TrainSettings {
            texture_randomised,
            batch,
            ..settings(false)
        };
        assert!(settings.augment);
        let (mut alone, mut sharded) = twins(&settings, helpers);
        assert_eq!(sharded.workers(), helpers + 1);
        let before = numbers(&alone);
        for _ in 0..3 {
            alone.step();
            pollster::block_on(sharded.train_step()).unwrap();
        }
        let (a, b) = (numbers(&alone), numbers(&sharded));
        let moved = largest_difference(&before, &a);
        let apart = largest_difference(&a, &b);
        assert!(moved > 1e-3, "the steps changed the weights ({moved})");
        assert!(
            apart < 1e-5,
            "{} workers are {apart} away from one (moved {moved})",
            helpers + 1
        );
        let ra = pollster::block_on(alone.report(|| 0.0)).unwrap();
        let rb = pollster::block_on(sharded.report(|| 0.0)).unwrap();
        for (x, y) in ra.iter().zip(&rb) {
            assert!((x.loss - y.loss).abs() < 1e-5, "{} vs {}", x.loss, y.loss);
            assert_eq!(x.accuracy, y.accuracy, "the same predictions");
            assert_eq!(x.images, y.images);
        }
    }
}

#[test]
fn the_replicas_share_one_model_they_answer_with_the_same_numbers() {
    // The helpers' gradient at the trainer's weights is the trainer's own for the same shard.
    let (alone, _) = twins(&settings(false), 1);
    let device = ndarray_device();
    let mut replica = Replica::new(&alone.replica_setup(), &device).unwrap();
    let parameters = numbers(&alone);
    let train = alone.train_records();
    let records: Vec<&[u8]> = (0..4).map(|i| train.record(i)).collect();
    let labels: Vec<usize> = (0..4).map(|i| train.label(i)).collect();
    let images = crate::train::engine::image_values(&records, &alone.stats, None);
    let job = ShardJob {
        parameters,
        records: records.concat(),
        augment: None,
        weight: 0.5,
        dropout_seed: 1,
    };
    let outcome = pollster::block_on(replica.compute(&job)).unwrap();
    let pass = backward_on_shard(
        alone.model(),
        alone.device(),
        crate::nn::losses::Loss::CrossEntropy,
        None,
        burn::prelude::Tensor::<4>::from_data(
            burn::prelude::TensorData::new(images, [4, 3, 32, 32]),
            alone.device(),
        ),
        &labels,
        0.5,
        1,
    );
    let layout = flat::Layout::of(alone.model());
    let own = pollster::block_on(flat::gradients(
        &pass.grads,
        &layout,
        &alone.device().clone().inner(),
    ))
    .unwrap();
    assert_eq!(own.len(), layout.trained());
    assert!(largest_difference(&own, &outcome.gradients) < 1e-6);
    assert_eq!(outcome.predicted.len(), 4);
}

/// A pool whose helper always fails.
struct Failing;

impl ShardPool for Failing {
    fn helpers(&self) -> usize {
        1
    }
    fn send(&mut self, _: Vec<Job>) -> Result<(), ShardError> {
        Ok(())
    }
    fn receive(&mut self) -> Outcomes<'_> {
        Box::pin(async { Err(ShardError("it was closed".into())) })
    }
}

#[test]
fn a_failed_helper_leaves_the_trainer_before_the_batch() {
    let (alone, _) = twins(&settings(true), 1);
    let before = numbers(&alone);
    let mut trainer = alone.with_shards(Box::new(Failing));
    let error = pollster::block_on(trainer.train_step()).unwrap_err();
    assert_eq!(error, TrainError::Helpers("it was closed".into()));
    assert_eq!((trainer.iteration, trainer.unreported()), (0, 0));
    assert_eq!(largest_difference(&before, &numbers(&trainer)), 0.0);
    trainer.without_shards();
    assert_eq!(trainer.workers(), 1);
    assert!(
        !pollster::block_on(trainer.train_step()).unwrap(),
        "goes on alone"
    );
    assert_eq!(trainer.iteration, 1);
}

#[test]
fn with_batch_norm_two_workers_learn_and_keep_one_set_of_running_statistics() {
    let settings = TrainSettings {
        epochs: 8,
        ..settings(true)
    };
    let (_, mut sharded) = twins(&settings, 1);
    let layout = flat::Layout::of(sharded.model());
    let running_before = pollster::block_on(flat::running(sharded.model())).unwrap();
    assert_eq!(running_before.len(), layout.running());
    assert!(layout.running() > 0, "BatchNorm keeps running statistics");
    let mut losses = Vec::new();
    while !sharded.finished() {
        pollster::block_on(sharded.train_step()).unwrap();
        losses.extend(pollster::block_on(sharded.report(|| 0.0)).unwrap());
    }
    let first: f32 = losses[..3].iter().map(|r| r.loss).sum();
    let last: f32 = losses[losses.len() - 3..].iter().map(|r| r.loss).sum();
    assert!(last < first, "{first} → {last}");
    let running = pollster::block_on(flat::running(sharded.model())).unwrap();
    assert!(largest_difference(&running_before, &running) > 1e-3);
    // A replica loaded with what the next job carries holds the trainer's averaged statistics,
    // to the bit: every worker keeps one set.
    let parameters = numbers(&sharded);
    let device = ndarray_device().autodiff();
    let fresh = sharded.replica_setup().model.init(&device);
    let replica = flat::load_parameters(fresh.valid(), &layout, &parameters)
        .unwrap()
        .train();
    let replica_running = pollster::block_on(flat::running(&replica)).unwrap();
    assert_eq!(replica_running, running);
}

#[test]
fn an_evaluation_in_shares_scores_every_image_as_one_worker_does() {
    let (mut alone, mut sharded) = twins(&settings(true), 2);
    for _ in 0..2 {
        alone.step();
        pollster::block_on(sharded.train_step()).unwrap();
    }
    // The same weights in both (the sharded trainer's), so the same predictions are due.
    let test = Records::parse(toy_records(7, 4)).unwrap();
    let checkpoint = pollster::block_on(sharded.checkpoint()).unwrap();
    let mut same = Trainer::resume(
        &settings(true),
        ConvPath::OwnKernel,
        alone.train_records().clone(),
        &checkpoint,
        &ndarray_device(),
    )
    .unwrap();
    let one = pollster::block_on(same.evaluate(&test, 16)).unwrap();
    let three = pollster::block_on(sharded.evaluate(&test, 16)).unwrap();
    assert_eq!(one, three);
    assert_eq!(one.total(), 70);
}
