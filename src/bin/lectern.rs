//! `lectern`: the native command-line tool. It runs the same core as the notebook.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lectern::data::cifar::thousands;
use lectern::data::export::{DEFAULT_TEST_PER_CLASS, DEFAULT_TRAIN_PER_CLASS, SiteSubset};
use lectern::data::source::{CifarFiles, verify_sha256};
use lectern::nn::class_balance::class_balanced_weights;
use lectern::theory::{Network, Slope, network::parse_list};

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
