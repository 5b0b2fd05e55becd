//! Same seed + CPU backend ⇒ identical numbers, on burn-ndarray (the notebook's CPU backend) and
//! burn-flex, both multi-threaded natively. The default ConvNet at batch 64 is large enough for
//! the backends to split work across threads. Alone in its own test binary because Burn's random
//! generator is process-wide and other tests would draw from it concurrently.

use burn::tensor::Device;
use lectern::compute::{cpu_device, flex_device};
use lectern::data::cifar::Batch;
use lectern::data::toy::toy_records;
use lectern::nn::convnet::{ConvNetConfig, ConvPath};
use lectern::train::engine::{StepEvent, TrainConfig, Trainer};

fn run(device: &Device, conv_path: ConvPath, seed: u64) -> Vec<StepEvent> {
    let config = TrainConfig::new(ConvNetConfig::new().with_conv_path(conv_path))
        .with_batch(64)
        .with_seed(seed);
    let mut trainer =
        Trainer::new(config, Batch::parse(toy_records(13, 3)).unwrap(), device).unwrap();
    (0..3)
        .map(|_| pollster::block_on(trainer.step(|| 0.0)).unwrap())
        .collect()
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    for (name, device, path) in [
        ("burn-ndarray", cpu_device(), ConvPath::Patches),
        ("burn-flex", flex_device(), ConvPath::Direct),
    ] {
        let a = run(&device, path, 5);
        assert_eq!(a, run(&device, path, 5), "{name}");
        assert_ne!(a[0].loss, run(&device, path, 6)[0].loss, "{name}");
    }
}
