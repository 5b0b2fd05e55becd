//! Same seed + CPU backend ⇒ identical numbers, on burn-ndarray (the notebook's CPU backend) and
//! burn-flex, both multi-threaded natively. The default ConvNet at batch 64 is large enough for
//! the backends to split work across threads. Alone in its own test binary because Burn's random
//! generator is process-wide and other tests would draw from it concurrently.

use burn::tensor::Device;
use lectern::compute::{flex_device, ndarray_device};
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::protocol::training::StepReport;
use lectern::settings::model::ConvPath;
use lectern::settings::train::TrainSettings;
use lectern::train::engine::Trainer;

fn run(device: &Device, conv_path: ConvPath, seed: u64) -> Vec<(f32, f64)> {
    let settings = TrainSettings {
        batch: 64,
        seed,
        ..TrainSettings::default()
    };
    let train = Records::parse(toy_records(13, 3)).unwrap();
    let mut trainer = Trainer::new(&settings, conv_path, train, device).unwrap();
    let reports: Vec<StepReport> = (0..3)
        .flat_map(|_| {
            trainer.step();
            pollster::block_on(trainer.report(|| 0.0)).unwrap()
        })
        .collect();
    reports.iter().map(|r| (r.loss, r.accuracy)).collect()
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    for (name, device, path) in [
        ("burn-ndarray", ndarray_device(), ConvPath::OwnKernel),
        ("burn-flex", flex_device(), ConvPath::Burn),
    ] {
        let a = run(&device, path, 5);
        assert_eq!(a.len(), 3);
        assert_eq!(a, run(&device, path, 5), "{name}");
        assert_ne!(a[0].0, run(&device, path, 6)[0].0, "{name}");
    }
}
