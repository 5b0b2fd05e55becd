//! Same seed + CPU backend ⇒ identical numbers. Alone in its own test binary because Burn's
//! random generator is process-wide and other tests would draw from it concurrently.

use lectern::compute::cpu_device;
use lectern::data::cifar::Batch;
use lectern::data::toy::toy_records;
use lectern::nn::convnet::ConvNetConfig;
use lectern::train::engine::{StepEvent, TrainConfig, Trainer};

fn run(seed: u64) -> Vec<StepEvent> {
    let config = TrainConfig::new(ConvNetConfig::new().with_widths([8, 16]))
        .with_batch(20)
        .with_seed(seed);
    let mut trainer = Trainer::new(
        config,
        Batch::parse(toy_records(4, 3)).unwrap(),
        &cpu_device(),
    )
    .unwrap();
    (0..4)
        .map(|_| pollster::block_on(trainer.step(|| 0.0)).unwrap())
        .collect()
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let a = run(5);
    assert_eq!(a, run(5));
    assert_ne!(a[0].loss, run(6)[0].loss);
}
