//! The one training loop (`train::run::Run`) trains exactly as the step-by-step engine does:
//! the same losses and accuracies to the bit, whatever its read-back cadence, with the epochs'
//! figures of the batches read back. Alone in its own test binary because Burn's random
//! generator is process-wide (each run seeds it; other tests would draw from it concurrently).

use lectern::compute::ndarray_device;
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::settings::model::ConvPath;
use lectern::settings::train::TrainSettings;
use lectern::train::engine::Trainer;
use lectern::train::run::{Cadence, Run, Step};

fn trainer() -> Trainer {
    // The page's defaults (augmentation and dropout included), at batch 16 for two epochs.
    let settings = TrainSettings {
        batch: 16,
        epochs: 2,
        ..TrainSettings::default()
    };
    let train = Records::parse(toy_records(5, 3)).unwrap();
    Trainer::new(&settings, ConvPath::OwnKernel, train, &ndarray_device()).unwrap()
}

/// (iteration, loss, accuracy) of every batch, trained by hand.
fn by_hand() -> Vec<(usize, f32, f64)> {
    let mut trainer = trainer();
    let mut seen = Vec::new();
    while !trainer.finished() {
        trainer.step();
        let reports = pollster::block_on(trainer.report(|| 0.0)).unwrap();
        seen.extend(reports.iter().map(|r| (r.iteration, r.loss, r.accuracy)));
    }
    seen
}

/// The same through the loop, with the epochs' mean losses.
fn by_the_loop(cadence: Cadence) -> (Vec<(usize, f32, f64)>, Vec<f64>) {
    let mut run = Run::new(trainer(), || 0.0).reporting(cadence);
    let (mut seen, mut epochs) = (Vec::new(), Vec::new());
    loop {
        match pollster::block_on(run.next()).unwrap() {
            Step::Trained(reports) => {
                seen.extend(reports.iter().map(|r| (r.iteration, r.loss, r.accuracy)))
            }
            Step::EpochEnded(end) => epochs.push(end.meter.mean_loss()),
            Step::Finished => return (seen, epochs),
        }
    }
}

#[test]
fn the_loop_trains_bit_for_bit_as_the_engine_does() {
    let plain = by_hand();
    assert_eq!(
        plain.len(),
        8,
        "50 images, batch 16: 4 batches an epoch, 2 epochs"
    );
    for cadence in [Cadence::EveryBatch, Cadence::Batches(3)] {
        let (seen, epochs) = by_the_loop(cadence);
        assert_eq!(seen, plain, "{cadence:?}");
        let mean = |batches: &[(usize, f32, f64)]| {
            batches.iter().map(|b| b.1 as f64).sum::<f64>() / batches.len() as f64
        };
        assert_eq!(
            epochs,
            [mean(&plain[..4]), mean(&plain[4..])],
            "{cadence:?}"
        );
    }
}
