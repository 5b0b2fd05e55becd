//! Same seed + CPU backend ⇒ identical numbers, on burn-ndarray (the notebook's CPU backend) and
//! burn-flex, both multi-threaded natively, and for a given number of data-parallel workers. The default ConvNet at batch 64 is large enough for
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
use lectern::train::parallel::InProcess;

/// Burn's generator is process-wide: the tests here take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(device: &Device, conv_path: ConvPath, seed: u64) -> Vec<(f32, f64)> {
    run_in(device, conv_path, seed, 1)
}

/// Three steps of the default network (BatchNorm, dropout, augmentation) in `workers` workers
/// (the helpers in this thread, as `lectern train --workers` runs them).
fn run_in(device: &Device, conv_path: ConvPath, seed: u64, workers: usize) -> Vec<(f32, f64)> {
    let settings = TrainSettings {
        batch: 64,
        seed,
        ..TrainSettings::default()
    };
    let train = Records::parse(toy_records(13, 3)).unwrap();
    let mut trainer = Trainer::new(&settings, conv_path, train, device).unwrap();
    if workers > 1 {
        let pool = InProcess::new(workers - 1, &trainer.replica_setup(), device).unwrap();
        trainer = trainer.with_shards(Box::new(pool));
    }
    let reports: Vec<StepReport> = (0..3)
        .flat_map(|_| {
            pollster::block_on(trainer.train_step()).unwrap();
            pollster::block_on(trainer.report(|| 0.0)).unwrap()
        })
        .collect();
    reports.iter().map(|r| (r.loss, r.accuracy)).collect()
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
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

#[test]
fn the_same_seed_in_the_same_number_of_workers_gives_the_same_numbers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let device = ndarray_device();
    for workers in [2, 3] {
        let a = run_in(&device, ConvPath::OwnKernel, 5, workers);
        assert_eq!(
            a,
            run_in(&device, ConvPath::OwnKernel, 5, workers),
            "{workers} workers"
        );
        // Not the one-worker run: BatchNorm's statistics are each shard's, dropout draws per shard.
        assert_ne!(
            a,
            run_in(&device, ConvPath::OwnKernel, 5, 1),
            "{workers} workers"
        );
    }
}
