//! `lectern`: the native command-line tool, running the notebook's core. One file per
//! subcommand; `src/bin/lectern.rs` only parses and dispatches. Options are parsed into the same
//! settings types the page uses (`crate::settings`), with the same defaults and ranges.

pub mod bench;
pub mod cb_weights;
pub mod data;
pub mod eval;
mod http1;
pub mod paper;
pub mod serve;
mod serve_headers;
pub mod theory;
pub mod train;

use std::path::Path;

use burn::tensor::Device;
use clap::{Parser, Subcommand, ValueEnum};

use crate::compute::{ComputeBackend, ReadError, flex_device, ndarray_device};
use crate::data::archive::SourceError;
use crate::data::cifar::FormatError;
use crate::data::subset::SubsetError;
use crate::nn::class_balance::ClassBalanceError;
use crate::settings::SettingsError;
use crate::theory::TheoryError;
use crate::train::checkpoint::CheckpointError;
use crate::train::engine::TrainError;

#[derive(Parser)]
#[command(
    name = "lectern",
    version,
    about = "lectern's command-line tool: the notebook's core, natively"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Validate CIFAR-10 (binary layout) and write the subset the site uses.
    Data(data::Args),
    /// Train the ConvNet natively on CIFAR-10 (archive or folder) or the built-in toy data.
    ///
    /// Every option not given takes the notebook's default for that dataset (toy or CIFAR-10).
    Train(train::Args),
    /// Evaluate a saved model on CIFAR-10's test set (archive or folder) or on one .bin batch file.
    Eval(eval::Args),
    /// The paper cell's texture-vs-shape experiments (cue conflict, patch shuffle) on a saved model.
    Paper(paper::Args),
    /// Training and forward-only images per second of the ConvNet, per CPU backend and path.
    Bench(bench::Args),
    /// Class-balanced weights (1 − β)/(1 − βⁿ), normalised to sum to the number of classes.
    CbWeights(cb_weights::Args),
    /// The theory cell's network at one x0: forward pass, masks, derivative, tangent line.
    Theory(theory::Args),
    /// Serve the built site (dist/) to a class: under any sub-path, compressed on the wire.
    Serve(serve::Args),
}

/// Runs one command.
pub fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Data(args) => data::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Paper(args) => paper::run(args),
        Command::Bench(args) => bench::run(args),
        Command::CbWeights(args) => cb_weights::run(args),
        Command::Theory(args) => theory::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

/// Everything a command can fail with; printed as `error: …`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Subset(#[from] SubsetError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Theory(#[from] TheoryError),
    #[error(transparent)]
    ClassBalance(#[from] ClassBalanceError),
    #[error("{path}: {error}")]
    Format { path: String, error: FormatError },
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Unavailable(String),
}

impl CliError {
    pub fn file(path: &Path, message: impl ToString) -> Self {
        CliError::File {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }
}

/// A native backend for `train`, `eval`, `paper` and `bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NativeBackend {
    /// burn-ndarray: the notebook's CPU backend.
    #[value(alias = "ndarray")]
    Cpu,
    /// burn-flex: Burn 0.22's newer CPU backend.
    Flex,
    /// Not in this native build (WebGPU runs in the notebook); named so the refusal says why.
    #[value(alias = "webgpu", hide = true)]
    Wgpu,
}

impl NativeBackend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu (burn-ndarray)",
            Self::Flex => "flex (burn-flex)",
            Self::Wgpu => "wgpu",
        }
    }

    pub fn compute(self) -> Result<ComputeBackend, CliError> {
        match self {
            Self::Cpu => Ok(ComputeBackend::Ndarray),
            Self::Flex => Ok(ComputeBackend::Flex),
            Self::Wgpu => Err(CliError::Unavailable(
                "this native build has no WebGPU backend: it trains on the CPU (--backend cpu or flex); WebGPU runs in the notebook".into(),
            )),
        }
    }

    pub fn device(self) -> Result<Device, CliError> {
        Ok(match self.compute()? {
            ComputeBackend::Ndarray => ndarray_device(),
            _ => flex_device(),
        })
    }
}

/// Refuses an output path whose folder does not exist, before hours of training.
pub fn check_writable(path: &Path) -> Result<(), CliError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(CliError::file(
            path,
            format!("the folder {} does not exist", folder.display()),
        ));
    }
    if path.is_dir() {
        return Err(CliError::file(path, "is a folder, not a file"));
    }
    Ok(())
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    std::fs::write(path, text + "\n").map_err(|e| CliError::file(path, e))
}

/// `63.9 67.5 …`: fractions as percentages with one decimal.
pub fn percent_list(values: &[f64]) -> String {
    values
        .iter()
        .map(|a| format!("{:.1}", 100.0 * a))
        .collect::<Vec<_>>()
        .join(" ")
}
