//! `lectern`: the native command-line tool. It runs the same core as the notebook.

use std::path::PathBuf;
use std::process::ExitCode;

use burn::tensor::Device;
use clap::{Parser, Subcommand};
use lectern::compute::{cpu_device, flex_device};
use lectern::data::cifar::thousands;
use lectern::data::cifar::{Batch, CLASSES, RECORD_BYTES};
use lectern::data::export::{DEFAULT_TEST_PER_CLASS, DEFAULT_TRAIN_PER_CLASS, SiteSubset};
use lectern::data::long_tail::long_tail_counts;
use lectern::data::source::{CifarFiles, verify_sha256};
use lectern::data::toy::toy_records;
use lectern::nn::class_balance::class_balanced_weights;
use lectern::nn::convnet::ConvNetConfig;
use lectern::nn::convnet::ConvPath;
use lectern::nn::losses::LossKind;
use lectern::theory::{Network, Slope, network::parse_list};
use lectern::train::bench::{BenchSettings, Throughput, bench};
use lectern::train::checkpoint::Checkpoint;
use lectern::train::engine::{Schedule, TrainConfig, Trainer, evaluate};

/// A native backend for `train`, `eval` and `bench`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NativeBackend {
    /// burn-ndarray: the notebook's CPU backend.
    Cpu,
    /// burn-flex: Burn 0.22's newer CPU backend.
    Flex,
}

impl NativeBackend {
    fn parse(name: &str) -> Result<Self, String> {
        match name {
            "cpu" | "ndarray" => Ok(Self::Cpu),
            "flex" => Ok(Self::Flex),
            "wgpu" | "webgpu" => Err(
                "this native build has no WebGPU backend: it trains on the CPU (--backend cpu or flex); WebGPU runs in the notebook".into(),
            ),
            other => Err(format!(
                "unknown backend \u{201c}{other}\u{201d}: use cpu (burn-ndarray) or flex (burn-flex)"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu (burn-ndarray)",
            Self::Flex => "flex (burn-flex)",
        }
    }

    fn device(self) -> Result<Device, String> {
        Ok(match self {
            Self::Cpu => cpu_device(),
            Self::Flex => flex_device(),
        })
    }

    /// The faster way to compute the convolutions here (measured by `lectern bench`).
    fn conv_path(self) -> ConvPath {
        match self {
            Self::Cpu => ConvPath::Patches,
            Self::Flex => ConvPath::Direct,
        }
    }
}

fn conv_path_name(path: ConvPath) -> &'static str {
    match path {
        ConvPath::Patches => "conv=patches",
        ConvPath::Direct => "conv=direct",
    }
}

#[derive(Parser)]
#[command(
    name = "lectern",
    version,
    about = "lectern's command-line tool: the notebook's core, natively"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate CIFAR-10 (binary layout) and write the subset the site uses.
    Data {
        /// `cifar-10-binary.tar.gz`, or an extracted `cifar-10-batches-bin` folder.
        #[arg(long)]
        source: PathBuf,
        /// Where the site's data goes (replaced only once everything is written).
        #[arg(long, default_value = "static/data")]
        out: PathBuf,
        /// Training images per class to keep.
        #[arg(long, default_value_t = DEFAULT_TRAIN_PER_CLASS as u32, value_parser = clap::value_parser!(u32).range(1..=5000))]
        per_class: u32,
        /// Test images per class to keep.
        #[arg(long, default_value_t = DEFAULT_TEST_PER_CLASS as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
        test_per_class: u32,
        /// Refuse the source unless its sha256 is this (hex).
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Train the ConvNet natively on CIFAR-10 (archive or folder) or the built-in toy data.
    Train {
        /// `cifar-10-binary.tar.gz`, a `cifar-10-batches-bin` folder, or `toy`.
        #[arg(long)]
        data: String,
        /// Training images per class (balanced), or the head class's count with --imbalance.
        #[arg(long, default_value_t = 1000)]
        per_class: usize,
        /// Imbalance factor IF ≥ 1 of a long-tailed subset.
        #[arg(long)]
        imbalance: Option<f64>,
        /// ce | focal | cb-softmax | cb-sigmoid | cb-focal
        #[arg(long, default_value = "ce")]
        loss: String,
        #[arg(long, default_value_t = 0.9999)]
        beta: f64,
        #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
        gamma: f64,
        #[arg(long, default_value_t = 15)]
        epochs: usize,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
        lr: f64,
        /// `constant`, or `step:E1,E2,…:F` (multiply the learning rate by F after epochs E1, E2, …).
        #[arg(long, default_value = "step:8,12:0.2")]
        schedule: String,
        /// Raise the learning rate linearly from ~0 over this many epochs.
        #[arg(long, default_value_t = 1)]
        warmup_epochs: usize,
        #[arg(long, default_value_t = 0.9)]
        momentum: f64,
        #[arg(long, default_value_t = 5e-4)]
        weight_decay: f64,
        /// Channels of the two blocks, `a,b`.
        #[arg(long, default_value = "16,32")]
        width: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// cpu (burn-ndarray, the notebook's CPU backend) or flex (burn-flex, faster natively).
        #[arg(long, default_value = "cpu")]
        backend: String,
        /// Write the run (config, curves, accuracy, per_class_accuracy, confusion) as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Save the trained model (a checkpoint `lectern eval` reads) here.
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Evaluate a saved model on CIFAR-10's test set (archive or folder) or on one .bin batch file.
    Eval {
        /// A checkpoint written by `lectern train --save`.
        #[arg(long)]
        model: PathBuf,
        /// `cifar-10-binary.tar.gz`, a `cifar-10-batches-bin` folder (its test batch), or one
        /// batch file in the binary layout (e.g. `test_batch.bin`).
        #[arg(long)]
        data: PathBuf,
        /// cpu (burn-ndarray) or flex (burn-flex).
        #[arg(long, default_value = "cpu")]
        backend: String,
        /// Print JSON (`accuracy`, `per_class_accuracy`, `confusion`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Training and forward-only images per second of the ConvNet, per CPU backend.
    Bench {
        /// cpu (burn-ndarray, what the notebook's CPU path runs), flex (burn-flex), or all. Each is
        /// timed with both ways of computing the convolutions.
        #[arg(long, default_value = "all")]
        backend: String,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        /// Timed chunks (the median is reported).
        #[arg(long, default_value_t = 5)]
        chunks: usize,
        /// Steps in each timed chunk.
        #[arg(long, default_value_t = 3)]
        steps_per_chunk: usize,
        /// Untimed steps first.
        #[arg(long, default_value_t = 2)]
        warmup: usize,
        /// Write the figures as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Class-balanced weights (1 − β)/(1 − βⁿ), normalised to sum to the number of classes.
    CbWeights {
        /// Images per class, e.g. `5000,2997,1796`.
        #[arg(long)]
        counts: String,
        /// β in [0, 1).
        #[arg(long, allow_hyphen_values = true)]
        beta: f64,
        /// Print JSON (`{"weights": [...]}`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The theory cell's network at one x0: forward pass, masks, derivative, tangent line.
    Theory {
        /// The point x0 (any finite number).
        #[arg(long, allow_hyphen_values = true)]
        x0: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// W¹ as `a,b` (default 1.5,0.5).
        #[arg(long, allow_hyphen_values = true)]
        w1: Option<String>,
        /// b¹ as `a,b` (default 0,1).
        #[arg(long, allow_hyphen_values = true)]
        b1: Option<String>,
        /// W² row-major as `a,b,c,d` (default 1,2,2,1).
        #[arg(long, allow_hyphen_values = true)]
        w2: Option<String>,
        /// b² as `a,b` (default 0,1).
        #[arg(long, allow_hyphen_values = true)]
        b2: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Train {
            data,
            per_class,
            imbalance,
            loss,
            beta,
            gamma,
            epochs,
            batch,
            lr,
            momentum,
            weight_decay,
            width,
            seed,
            backend,
            json,
            save,
            schedule,
            warmup_epochs,
        } => {
            let backend = NativeBackend::parse(&backend)?;
            let schedule = parse_schedule(&schedule)?;
            let loss = match loss.as_str() {
                "ce" => LossKind::CrossEntropy,
                "focal" => LossKind::Focal { gamma },
                "cb-softmax" => LossKind::CbSoftmax,
                "cb-sigmoid" => LossKind::CbSigmoid,
                "cb-focal" => LossKind::CbFocal { gamma },
                other => {
                    return Err(format!(
                        "unknown loss \u{201c}{other}\u{201d}: use ce, focal, cb-softmax, cb-sigmoid or cb-focal"
                    ));
                }
            };
            let [w1, w2] = parse_list::<2>("--width", &width).map_err(|e| e.to_string())?;
            if w1.fract() != 0.0 || w2.fract() != 0.0 || w1 < 1.0 || w2 < 1.0 {
                return Err(format!("--width needs two whole numbers ≥ 1, got {width}"));
            }
            let model = ConvNetConfig::new()
                .with_widths([w1 as usize, w2 as usize])
                .with_conv_path(backend.conv_path());
            let config = TrainConfig::new(model)
                .with_loss(loss)
                .with_beta(beta)
                .with_epochs(epochs)
                .with_batch(batch)
                .with_learning_rate(lr)
                .with_momentum(momentum)
                .with_weight_decay(weight_decay)
                .with_schedule(schedule)
                .with_warmup_epochs(warmup_epochs)
                .with_seed(seed);
            config.validate()?;
            if let Some(path) = &save {
                check_writable(path)?;
            }
            if let Some(path) = &json {
                check_writable(path)?;
            }
            let (train, test, counts) = training_data(&data, per_class, imbalance, seed)?;
            let outputs = Outputs { json, save };
            train_natively(config, backend, train, test, &counts, outputs)
        }
        Command::Eval {
            model,
            data,
            backend,
            json,
        } => {
            let backend = NativeBackend::parse(&backend)?;
            let checkpoint = Checkpoint::load(&model)?;
            let test = test_data(&data)?;
            let device = backend.device()?;
            let net = checkpoint
                .model(&device)
                .map_err(|e| format!("{}: {e}", model.display()))?
                .with_conv_path(backend.conv_path());
            let confusion = pollster::block_on(evaluate(
                &net,
                &checkpoint.header.stats,
                &test,
                200,
                &device,
            ))?;
            if json {
                let value = serde_json::json!({
                    "model": model.display().to_string(),
                    "data": data.display().to_string(),
                    "images": test.len(),
                    "accuracy": confusion.accuracy(),
                    "per_class_accuracy": confusion.per_class_accuracy(),
                    "mean_per_class_accuracy": confusion.mean_per_class_accuracy(),
                    "confusion": confusion.counts,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?
                );
            } else {
                println!(
                    "{} on {} ({} images): accuracy {:.2} %, mean per-class {:.2} %",
                    model.display(),
                    data.display(),
                    thousands(test.len() as u64),
                    100.0 * confusion.accuracy(),
                    100.0 * confusion.mean_per_class_accuracy()
                );
                println!(
                    "per class: {}",
                    percent_list(&confusion.per_class_accuracy())
                );
            }
            Ok(())
        }
        Command::Bench {
            backend,
            batch,
            chunks,
            steps_per_chunk,
            warmup,
            json,
        } => {
            let backends = match backend.as_str() {
                "all" => vec![NativeBackend::Cpu, NativeBackend::Flex],
                name => vec![NativeBackend::parse(name)?],
            };
            let settings = BenchSettings {
                batch,
                chunks,
                steps_per_chunk,
                warmup_steps: warmup,
                ..BenchSettings::default()
            };
            settings.validate()?;
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            println!(
                "ConvNet widths {:?}, batch {batch}: median of {chunks} chunks of {steps_per_chunk} steps after {warmup} warm-up steps ({threads} CPU threads)",
                settings.widths
            );
            let started = std::time::Instant::now();
            let clock = || started.elapsed().as_secs_f64() * 1000.0;
            let mut reports = Vec::new();
            let runs = backends.iter().flat_map(|&backend| {
                [ConvPath::Patches, ConvPath::Direct].map(move |path| (backend, path))
            });
            for (backend, conv_path) in runs {
                let device = backend.device()?;
                let name = format!("{} {}", backend.name(), conv_path_name(conv_path));
                let settings = BenchSettings {
                    conv_path,
                    ..settings.clone()
                };
                let report = pollster::block_on(bench(&settings, &device, clock))
                    .map_err(|e| format!("{name}: {e}"))?;
                let spread = |t: &Throughput| {
                    let (lo, hi) = t
                        .chunks_images_per_second
                        .iter()
                        .fold((f64::INFINITY, 0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                    format!(
                        "{:>8.1} img/s (chunks {lo:.1}–{hi:.1})",
                        t.median_images_per_second
                    )
                };
                println!("{name:<28} train   {}", spread(&report.train));
                println!("{name:<28} forward {}", spread(&report.forward));
                reports.push(serde_json::json!({ "backend": name, "report": report }));
            }
            if let Some(path) = json {
                let value = serde_json::json!({ "threads": threads, "results": reports });
                let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
                std::fs::write(&path, text + "\n")
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            Ok(())
        }
        Command::CbWeights { counts, beta, json } => {
            let counts = counts
                .split(',')
                .map(|c| {
                    c.trim().parse::<usize>().map_err(|_| {
                        format!(
                            "--counts: \u{201c}{}\u{201d} is not a whole number of images",
                            c.trim()
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let weights = class_balanced_weights(&counts, beta).map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "counts": counts, "beta": beta, "weights": weights })
                );
            } else {
                for (class, (n, w)) in counts.iter().zip(&weights).enumerate() {
                    println!("class {class}: {n} images, weight {w:.6}");
                }
            }
            Ok(())
        }
        Command::Theory {
            x0,
            json,
            w1,
            b1,
            w2,
            b2,
        } => {
            let x0 = parse_list::<1>("--x0", &x0).map_err(|e| e.to_string())?[0];
            let mut network = Network::default();
            let err = |e: lectern::theory::TheoryError| e.to_string();
            if let Some(w1) = w1 {
                network.w1 = parse_list("--w1", &w1).map_err(err)?;
            }
            if let Some(b1) = b1 {
                network.b1 = parse_list("--b1", &b1).map_err(err)?;
            }
            if let Some(w2) = w2 {
                let [a, b, c, d] = parse_list("--w2", &w2).map_err(err)?;
                network.w2 = [[a, b], [c, d]];
            }
            if let Some(b2) = b2 {
                network.b2 = parse_list("--b2", &b2).map_err(err)?;
            }
            print!("{}", theory_report(&network, x0, json));
            Ok(())
        }
        Command::Data {
            source,
            out,
            per_class,
            test_per_class,
            sha256,
        } => {
            if let Some(expected) = sha256 {
                verify_sha256(&source, &expected).map_err(|e| e.to_string())?;
            }
            let files = CifarFiles::open(&source).map_err(|e| e.to_string())?;
            let name = source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| source.display().to_string());
            let subset =
                SiteSubset::select(&files, &name, per_class as usize, test_per_class as usize);
            subset
                .write_atomically(&out)
                .map_err(|e| format!("{}: could not write the site's data: {e}", out.display()))?;
            println!(
                "{}: {} training and {} test images, classes {}",
                source.display(),
                thousands(files.train_len() as u64),
                thousands(files.test.len() as u64),
                files.classes.join(", ")
            );
            println!(
                "wrote {}: {} training images ({} a class at most), {} test images",
                out.display(),
                thousands(subset.meta.train.records as u64),
                per_class,
                thousands(subset.meta.test.records as u64)
            );
            Ok(())
        }
    }
}

/// The `lectern theory` output, as text or JSON.
fn theory_report(network: &Network, x0: f64, json: bool) -> String {
    let f = network.forward(x0);
    let slope = network.derivative(x0);
    if json {
        let mut value = serde_json::json!({
            "x0": x0,
            "z1": f.z1, "y1": f.y1, "z2": f.z2, "y2": f.y2, "h": f.h,
            "mask1": f.mask1, "mask2": f.mask2,
            "kinks": network.kinks(),
            "relu_derivative_at_zero": 0,
        });
        match slope {
            Slope::Defined(w) => {
                value["at_kink"] = false.into();
                value["slope"] = w.into();
                value["intercept"] = (f.h - w * x0).into();
            }
            Slope::Kink { left, right } => {
                value["at_kink"] = true.into();
                value["slope"] = serde_json::Value::Null;
                value["intercept"] = serde_json::Value::Null;
                value["slope_left"] = left.into();
                value["slope_right"] = right.into();
            }
        }
        return serde_json::to_string_pretty(&value).expect("JSON of numbers") + "\n";
    }
    let pair = |v: [f64; 2]| format!("({}, {})", v[0], v[1]);
    let mask = |m: [bool; 2]| format!("({}, {})", m[0] as u8, m[1] as u8);
    let mut out = format!(
        "x0 = {x0}\nz1 = W1 x0 + b1 = {}\ny1 = ReLU(z1) = {}   mask D1 = {}\nz2 = W2 y1 + b2 = {}\ny2 = ReLU(z2) = {}   mask D2 = {}\nh(x0) = (1,1).y2 - 1 = {}\n",
        pair(f.z1),
        pair(f.y1),
        mask(f.mask1),
        pair(f.z2),
        pair(f.y2),
        mask(f.mask2),
        f.h
    );
    match slope {
        Slope::Defined(w) => {
            out += &format!(
                "h'(x0) = (1,1) D2 W2 D1 W1 = {w}\ntangent line: y = {w} x + {}\n",
                f.h - w * x0
            )
        }
        Slope::Kink { left, right } => {
            out += &format!(
                "x0 is a kink (a pre-activation is 0; ReLU'(0) is taken as 0): h has no derivative here.\none-sided slopes: left {left}, right {right}\n"
            )
        }
    }
    out
}

/// The training and test sets for `lectern train`, and the training counts per class.
fn training_data(
    data: &str,
    per_class: usize,
    imbalance: Option<f64>,
    seed: u64,
) -> Result<(Batch, Batch, Vec<usize>), String> {
    if per_class == 0 {
        return Err("--per-class must be at least 1".into());
    }
    let wanted = match imbalance {
        Some(factor) => long_tail_counts(per_class, factor, CLASSES).map_err(|e| e.to_string())?,
        None => vec![per_class; CLASSES],
    };
    let (pool, test) = if data == "toy" {
        let head = *wanted.iter().max().unwrap_or(&1);
        (
            Batch::parse(toy_records(head, seed)).map_err(|e| e.to_string())?,
            Batch::parse(toy_records(100, seed ^ 0xC1FA)).map_err(|e| e.to_string())?,
        )
    } else {
        let files = CifarFiles::open(std::path::Path::new(data)).map_err(|e| e.to_string())?;
        let mut all = Vec::new();
        for batch in &files.train {
            for r in batch.records() {
                all.extend_from_slice(r);
            }
        }
        (Batch::parse(all).map_err(|e| e.to_string())?, files.test)
    };
    let available = pool.class_counts();
    if let Some(class) = (0..CLASSES).find(|&c| wanted[c] > available[c]) {
        return Err(format!(
            "class {class} has {} training images, {} were asked for (--per-class {per_class})",
            available[class], wanted[class]
        ));
    }
    // The first n of each class in file order (the files are shuffled, the toy set seeded).
    let mut taken = [0usize; CLASSES];
    let mut bytes = Vec::with_capacity(wanted.iter().sum::<usize>() * RECORD_BYTES);
    for r in pool.records() {
        let c = r[0] as usize;
        if taken[c] < wanted[c] {
            taken[c] += 1;
            bytes.extend_from_slice(r);
        }
    }
    Ok((
        Batch::parse(bytes).map_err(|e| e.to_string())?,
        test,
        wanted,
    ))
}

/// Where `lectern train` writes its results.
struct Outputs {
    json: Option<PathBuf>,
    save: Option<PathBuf>,
}

/// `constant` or `step:E1,E2,…:F`.
fn parse_schedule(text: &str) -> Result<Schedule, String> {
    let bad = || {
        format!(
            "--schedule: \u{201c}{text}\u{201d} is not a schedule: use constant, or step:E1,E2,…:F (e.g. step:8,12:0.2 multiplies the learning rate by 0.2 after epochs 8 and 12)"
        )
    };
    if text == "constant" {
        return Ok(Schedule::Constant);
    }
    let rest = text.strip_prefix("step:").ok_or_else(bad)?;
    let (epochs, factor) = rest.rsplit_once(':').ok_or_else(bad)?;
    let at_epochs = epochs
        .split(',')
        .map(|e| e.trim().parse::<usize>().ok().filter(|&e| e >= 1))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    let factor: f64 = factor.trim().parse().map_err(|_| bad())?;
    if !(factor.is_finite() && factor > 0.0) {
        return Err(format!("--schedule: the factor must be > 0, got {factor}"));
    }
    Ok(Schedule::Step { at_epochs, factor })
}

/// Refuses an output path whose folder does not exist, before hours of training.
fn check_writable(path: &std::path::Path) -> Result<(), String> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if !folder.is_dir() {
        return Err(format!(
            "{}: the folder {} does not exist",
            path.display(),
            folder.display()
        ));
    }
    if path.is_dir() {
        return Err(format!("{}: is a folder, not a file", path.display()));
    }
    Ok(())
}

/// The images `lectern eval` scores: an archive's or folder's test batch, or one batch file.
fn test_data(path: &std::path::Path) -> Result<Batch, String> {
    let is_batch_file = path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("bin"));
    if is_batch_file {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        return Batch::parse(bytes).map_err(|e| format!("{}: {e}", path.display()));
    }
    Ok(CifarFiles::open(path).map_err(|e| e.to_string())?.test)
}

fn percent_list(values: &[f64]) -> String {
    values
        .iter()
        .map(|a| format!("{:.1}", 100.0 * a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `[#####-----]` for `done` of `total`.
fn progress_bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(WIDTH - filled))
}

fn train_natively(
    config: TrainConfig,
    backend: NativeBackend,
    train: Batch,
    test: Batch,
    counts: &[usize],
    outputs: Outputs,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let clock = || started.elapsed().as_secs_f64() * 1000.0;
    let epochs = config.epochs;
    eprintln!(
        "training on {} images ({} a class at most) on {}, testing on {}",
        thousands(train.len() as u64),
        counts.iter().max().unwrap_or(&0),
        backend.name(),
        thousands(test.len() as u64)
    );
    let mut trainer = Trainer::new(config.clone(), train, &backend.device()?)?;
    let per_epoch = trainer.iterations_per_epoch();
    let mut curves = Vec::new();
    let mut iteration_loss = Vec::new();
    let (mut loss_sum, mut acc_sum, mut images_per_second, mut steps) =
        (0.0f64, 0.0f64, 0.0f64, 0usize);
    let mut failure = None;
    while !trainer.finished() {
        let event = match pollster::block_on(trainer.step(clock)) {
            Ok(event) => event,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        iteration_loss.push(event.loss);
        loss_sum += event.loss as f64;
        acc_sum += event.accuracy;
        images_per_second += event.images_per_second;
        steps += 1;
        let within = (event.iteration % per_epoch) + 1;
        eprint!(
            "\repoch {:>2}/{epochs} {} {within:>4}/{per_epoch} loss {:.4} {:>5.0} img/s",
            event.epoch + 1,
            progress_bar(within, per_epoch),
            loss_sum / steps as f64,
            images_per_second / steps as f64
        );
        if event.epoch_done {
            let confusion = pollster::block_on(trainer.evaluate(&test, 200))?;
            let line = serde_json::json!({
                "epoch": event.epoch + 1,
                "loss": loss_sum / steps as f64,
                "train_accuracy": acc_sum / steps as f64,
                "test_accuracy": confusion.accuracy(),
                "mean_per_class_accuracy": confusion.mean_per_class_accuracy(),
                "learning_rate": event.learning_rate,
                "images_per_second": images_per_second / steps as f64,
                "seconds": started.elapsed().as_secs_f64(),
            });
            eprintln!(
                "\repoch {:>2}/{epochs}: loss {:.4}, train acc {:.1} %, test acc {:.1} %, mean per-class {:.1} %, {:.0} img/s, {:.0} s{}",
                event.epoch + 1,
                loss_sum / steps as f64,
                100.0 * acc_sum / steps as f64,
                100.0 * confusion.accuracy(),
                100.0 * confusion.mean_per_class_accuracy(),
                images_per_second / steps as f64,
                started.elapsed().as_secs_f64(),
                " ".repeat(12)
            );
            curves.push(line);
            (loss_sum, acc_sum, images_per_second, steps) = (0.0, 0.0, 0.0, 0);
        }
    }
    if failure.is_some() {
        eprintln!();
    }
    // After a NaN the trainer holds the last finished epoch's weights: report and save those.
    let confusion = pollster::block_on(trainer.evaluate(&test, 200))?;
    println!(
        "test accuracy {:.2} %, mean per-class {:.2} % ({} epochs)",
        100.0 * confusion.accuracy(),
        100.0 * confusion.mean_per_class_accuracy(),
        trainer.epoch
    );
    println!(
        "per class: {}",
        percent_list(&confusion.per_class_accuracy())
    );
    if let Some(path) = &outputs.json {
        let value = serde_json::json!({
            "config": serde_json::to_value(&config).map_err(|e| e.to_string())?,
            "backend": backend.name(),
            "train_counts": counts,
            "epochs_completed": trainer.epoch,
            "error": failure,
            "curves": curves,
            "iteration_loss": iteration_loss,
            "accuracy": confusion.accuracy(),
            "per_class_accuracy": confusion.per_class_accuracy(),
            "mean_per_class_accuracy": confusion.mean_per_class_accuracy(),
            "shot_groups": confusion.shot_groups(counts),
            "confusion": confusion.counts,
            "seconds": started.elapsed().as_secs_f64(),
        });
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &outputs.save {
        if trainer.epoch == 0 {
            eprintln!(
                "{}: not written, no epoch finished before training stopped",
                path.display()
            );
        } else {
            pollster::block_on(trainer.checkpoint())?.save(path)?;
            eprintln!(
                "saved the model after epoch {} to {}",
                trainer.epoch,
                path.display()
            );
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
