//! Data-parallel training in the browser (WebAssembly SIMD kernels): two and three workers'
//! summed shard gradients take the one-worker step, to rounding, on a model without BatchNorm
//! and dropout (the helpers in this thread: `InProcess` computes exactly what a helper worker
//! does; the worker-to-worker path is the E2E `tests/e2e/workers.test.mjs`).

use lectern::compute::ndarray_device;
use lectern::data::cifar::Records;
use lectern::data::toy::toy_records;
use lectern::nn::convnet::ConvPath;
use lectern::settings::model::ModelSettings;
use lectern::settings::train::{Schedule, TrainSettings};
use lectern::train::engine::Trainer;
use lectern::train::parallel::{InProcess, flat};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn two_and_three_workers_take_the_one_worker_step_to_rounding() {
    let settings = TrainSettings {
        model: ModelSettings {
            widths: [8, 16],
            batch_norm: false,
            dropout: 0.0,
            ..ModelSettings::default()
        },
        // 40: in 2 workers the helper lends the trainer an image (21 and 19); in 3, 14, 13, 13.
        batch: 40,
        epochs: 3,
        learning_rate: 0.02,
        warmup_epochs: 0,
        schedule: Schedule::Constant,
        ..TrainSettings::default()
    };
    let device = ndarray_device();
    let train = || Records::parse(toy_records(6, 3)).unwrap();
    let first = Trainer::new(&settings, ConvPath::OwnKernel, train(), &device).unwrap();
    let checkpoint = first.checkpoint().await.unwrap();
    for helpers in [1, 2] {
        let resume = || {
            Trainer::resume(
                &settings,
                ConvPath::OwnKernel,
                train(),
                &checkpoint,
                &device,
            )
            .unwrap()
        };
        let mut alone = resume();
        let sharded = resume();
        let pool = InProcess::new(helpers, &sharded.replica_setup(), &device).unwrap();
        let mut sharded = sharded.with_shards(Box::new(pool));
        let before = flat::parameters(alone.model()).await.unwrap();
        for _ in 0..3 {
            alone.step();
            sharded.train_step().await.unwrap();
        }
        let a = flat::parameters(alone.model()).await.unwrap();
        let b = flat::parameters(sharded.model()).await.unwrap();
        let gap = |x: &[f32], y: &[f32]| {
            x.iter()
                .zip(y)
                .map(|(p, q)| (p - q).abs())
                .fold(0f32, f32::max)
        };
        let (moved, apart) = (gap(&before, &a), gap(&a, &b));
        assert!(moved > 1e-3, "the steps changed the weights ({moved})");
        assert!(
            apart < 1e-5,
            "{} workers are {apart} from one (moved {moved})",
            helpers + 1
        );
    }
}
