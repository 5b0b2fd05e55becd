//! `lectern bench`: training and forward throughput per CPU backend and convolution path.

use std::path::PathBuf;

use super::{CliError, NativeBackend, write_json};
use crate::settings::model::ConvPath;
use crate::train::bench::{BenchSettings, Throughput, bench};

#[derive(clap::Args)]
pub struct Args {
    /// cpu (burn-ndarray, what the notebook's CPU path runs) or flex (burn-flex); both when
    /// not given. Each is timed with both ways of computing the convolutions.
    #[arg(long, value_enum)]
    backend: Option<NativeBackend>,
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
}

pub fn run(args: Args) -> Result<(), CliError> {
    let backends = match args.backend {
        Some(backend) => vec![backend],
        None => vec![NativeBackend::Cpu, NativeBackend::Flex],
    };
    let settings = BenchSettings {
        batch: args.batch,
        chunks: args.chunks,
        steps_per_chunk: args.steps_per_chunk,
        warmup_steps: args.warmup,
        ..BenchSettings::default()
    };
    settings.validate()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "ConvNet widths {:?}, batch {}: median of {} chunks of {} steps after {} warm-up steps ({threads} CPU threads)",
        settings.widths, args.batch, args.chunks, args.steps_per_chunk, args.warmup
    );
    let started = std::time::Instant::now();
    let clock = || started.elapsed().as_secs_f64() * 1000.0;
    let mut reports = Vec::new();
    for backend in backends {
        let device = backend.device()?;
        for conv_path in ConvPath::ALL {
            let name = format!("{} conv={}", backend.name(), conv_path.name());
            let settings = BenchSettings {
                conv_path,
                ..settings.clone()
            };
            let report = pollster::block_on(bench(&settings, &device, clock))?;
            let spread = |t: &Throughput| {
                let (lo, hi) = t
                    .chunks_images_per_second
                    .iter()
                    .fold((f64::INFINITY, 0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                format!(
                    "{:>8.1} img/s (chunks {lo:.1}\u{2013}{hi:.1})",
                    t.median_images_per_second
                )
            };
            println!("{name:<28} train   {}", spread(&report.train));
            println!("{name:<28} forward {}", spread(&report.forward));
            reports.push(serde_json::json!({ "backend": name, "report": report }));
        }
    }
    if let Some(path) = &args.json {
        write_json(
            path,
            &serde_json::json!({ "threads": threads, "results": reports }),
        )?;
    }
    Ok(())
}
