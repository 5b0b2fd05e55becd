//! A loss that overflows ends the run with the model of the last finished epoch. Alone in its
//! own test binary, like `train_determinism.rs`: whether and when the loss overflows depends on
//! the initial weights, which come from Burn's process-wide generator; beside other tests drawing
//! from it concurrently, the run (and so the test) would change from one `cargo test` to the next.

use lectern::compute::ndarray_device;
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::settings::model::{ConvPath, ModelSettings};
use lectern::settings::train::{Schedule, TrainSettings};
use lectern::train::engine::{TrainError, Trainer, predict};

#[test]
fn a_nan_loss_restores_the_last_finished_epoch() {
    // A learning rate of 10 without momentum's damping and without BatchNorm overflows the loss
    // (when exactly depends on the initial weights, fixed by the seed here).
    let settings = TrainSettings {
        model: ModelSettings {
            widths: [8, 16],
            batch_norm: false,
            ..ModelSettings::default()
        },
        batch: 20,
        momentum: 0.0,
        learning_rate: 10.0,
        warmup_epochs: 0,
        schedule: Schedule::Constant,
        epochs: 200,
        ..TrainSettings::default()
    };
    let device = ndarray_device();
    let train = Records::parse(toy_records(6, 3)).unwrap();
    let test = Records::parse(toy_records(5, 11)).unwrap();
    let mut trainer = Trainer::new(&settings, ConvPath::OwnKernel, train, &device).unwrap();
    let predictions = |trainer: &Trainer| {
        pollster::block_on(predict(trainer.model(), &trainer.stats, &test, 64, &device)).unwrap()
    };
    let (mut finished, mut last_finished) = (0, None);
    let err = loop {
        let epoch_done = trainer.step();
        match pollster::block_on(trainer.report(|| 0.0)) {
            Ok(reports) => {
                assert!(reports[0].iteration < 300, "the loss never overflowed");
                if epoch_done {
                    finished += 1;
                    last_finished = Some(predictions(&trainer));
                }
            }
            Err(e) => break e,
        }
    };
    assert!(matches!(err, TrainError::Diverged { .. }), "{err}");
    assert!(err.to_string().contains("smaller learning rate"), "{err}");
    assert_eq!(trainer.epoch, finished);
    assert_eq!(trainer.iteration, finished * trainer.iterations_per_epoch());
    let expected = last_finished.expect("at least one epoch finishes before the loss overflows");
    assert_eq!(
        predictions(&trainer),
        expected,
        "the weights are those of the end of epoch {finished}"
    );
}
