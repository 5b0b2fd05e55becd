//! `lectern`: the native command-line tool. It runs the same core as the notebook.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lectern::data::cifar::thousands;
use lectern::data::export::{DEFAULT_TEST_PER_CLASS, DEFAULT_TRAIN_PER_CLASS, SiteSubset};
use lectern::data::source::{CifarFiles, verify_sha256};

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
