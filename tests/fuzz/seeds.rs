//! Valid inputs the fuzzer starts from: a CIFAR-10 archive (gzipped and plain tar), batch
//! files, a checkpoint, every protocol message, the URLs the notebook writes, numbers, and a
//! saved results table.

use std::io::Write;

use lectern::data::augment::ChannelStats;
use lectern::data::cifar::{META_FILE, RECORD_BYTES, TEST_FILE, TRAIN_FILES};
use lectern::nn::convnet::ConvNetConfig;
use lectern::protocol::examples::{every_reply, every_request};
use lectern::settings::data::{DatasetKind, SubsetSettings};
use lectern::settings::loss::{LossKind, LossSettings};
use lectern::settings::model::{ConvPath, ModelSettings};
use lectern::train::checkpoint::{Checkpoint, CheckpointHeader};
use lectern::train::metrics::ShotGroups;
use lectern::train::trained_on::TrainedOn;
use lectern::ui::imbalance::table::Row;

/// `labels.len()` records, each image filled with its index.
pub fn batch(labels: &[u8]) -> Vec<u8> {
    labels
        .iter()
        .enumerate()
        .flat_map(|(i, &label)| {
            let mut r = vec![i as u8; RECORD_BYTES];
            r[0] = label;
            r
        })
        .collect()
}

/// The smallest valid layout: every class in the training and the test set.
pub fn layout() -> Vec<(String, Vec<u8>)> {
    let meta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
    let mut files = vec![(META_FILE.to_string(), meta.as_bytes().to_vec())];
    for (i, name) in TRAIN_FILES.iter().enumerate() {
        files.push((name.to_string(), batch(&[2 * i as u8, 2 * i as u8 + 1])));
    }
    files.push((
        TEST_FILE.to_string(),
        batch(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ));
    files
}

/// A tar of `files` inside `cifar-10-batches-bin/`, and the offset of each header.
pub fn tar(files: &[(String, Vec<u8>)]) -> (Vec<u8>, Vec<usize>) {
    let mut builder = tar::Builder::new(Vec::new());
    let mut offsets = Vec::new();
    let mut at = 0;
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        offsets.push(at);
        at += 512 + bytes.len().div_ceil(512) * 512;
        builder
            .append_data(
                &mut header,
                format!("cifar-10-batches-bin/{name}"),
                bytes.as_slice(),
            )
            .unwrap();
    }
    (builder.into_inner().unwrap(), offsets)
}

/// Recomputes the checksum of each tar header at `offsets` (so a mutated header is read, not
/// refused at its checksum).
pub fn fix_checksums(tar: &mut [u8], offsets: &[usize]) {
    for &at in offsets {
        let Some(block) = tar.get_mut(at..at + 512) else {
            continue;
        };
        block[148..156].fill(b' ');
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    }
}

/// `bytes` gzipped: deflated (`level` 1–9), or in stored blocks (0: cheap, for most cases).
pub fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A trained-looking checkpoint of a tiny network (weights as initialised).
pub fn checkpoint() -> Vec<u8> {
    let settings = ModelSettings {
        widths: [2, 3],
        kernel: 3,
        batch_norm: true,
        dropout: 0.1,
    };
    let config = ConvNetConfig::from_settings(&settings, ConvPath::OwnKernel);
    let model = config.init(&lectern::compute::ndarray_device());
    let header = CheckpointHeader {
        model: config,
        stats: ChannelStats {
            mean: [0.5, 0.4, 0.3],
            std: [0.25, 0.2, 0.3],
        },
        epochs: 2,
        trained_on: Some(TrainedOn::of(&lectern::data::dataset::Dataset::toy())),
    };
    pollster::block_on(Checkpoint::of(&model, header))
        .unwrap()
        .to_bytes()
}

/// Every message of both directions, postcard-encoded.
pub fn messages() -> Vec<Vec<u8>> {
    let requests = every_request().into_iter().map(|m| m.encode());
    requests
        .chain(every_reply().into_iter().map(|m| m.encode()))
        .collect()
}

/// Query strings as the notebook writes them (and a teacher shares them).
pub const URLS: &[&str] = &[
    "backend=cpu&x0=1.5&step=3&dataset=cifar",
    "dataset=toy&epochs=3&batch=64&lr=0.05&decay=10,20&decay_factor=0.1&warmup=1",
    "momentum=0.9&wd=0.0005&width=16,32&dropout=0.2&seed=7&per_class=100",
    "imbalance=50&beta=0.9999&gamma=1&loss=cb-focal&inject=device-lost",
    "backend=webgpu&width=128,128&batch=512&loss=focal&dataset=upload",
    "x0=-2e-3&step=1&lr=1e-2&decay=&beta=0&gamma=0.5&imbalance=1",
];

/// Saved results tables: rows as the imbalance lab makes them.
pub fn table() -> Vec<Vec<Row>> {
    let row = |run: u32, kind: LossKind, shift: f64| Row {
        run,
        dataset: DatasetKind::Toy,
        subset: SubsetSettings {
            per_class: 100,
            imbalance: 50.0,
        },
        loss: LossSettings {
            kind,
            beta: 0.9999,
            gamma: 1.0,
        },
        learning_rate: 0.05,
        epochs: 4,
        class_names: (0..10).map(|i| format!("c{i}")).collect(),
        train_counts: vec![100, 64, 41, 27, 17, 11, 7, 4, 3, 2],
        per_class: (0..10)
            .map(|i| (0.9 - 0.08 * f64::from(i) + shift).abs())
            .collect(),
        accuracy: 0.5,
        mean_per_class: 0.45,
        shot: ShotGroups {
            many: None,
            medium: Some(0.6),
            few: Some(0.2 + shift),
        },
        diverged: None,
    };
    let mut nan = row(3, LossKind::CbFocal, 0.1);
    nan.diverged = Some("the loss was NaN in epoch 2".into());
    vec![
        vec![row(1, LossKind::CrossEntropy, 0.0)],
        vec![
            row(1, LossKind::CrossEntropy, 0.0),
            row(2, LossKind::CbFocal, 0.05),
            nan,
        ],
    ]
}
