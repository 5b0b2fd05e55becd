//! `lectern eval`: a saved model's accuracy on a test set.

use std::path::{Path, PathBuf};

use super::train::EVAL_BATCH;
use super::{CliError, NativeBackend, percent_list};
use crate::data::cifar::Records;
use crate::data::dataset::{CIFAR10_CLASSES, Dataset};
use crate::data::source::open;
use crate::format::thousands;
use crate::train::checkpoint::Checkpoint;
use crate::train::engine::evaluate;

#[derive(clap::Args)]
pub struct Args {
    /// A checkpoint written by `lectern train --save` (or the notebook's Save).
    #[arg(long)]
    model: PathBuf,
    /// `toy` (the built-in set's test images), `cifar-10-binary.tar.gz`, a
    /// `cifar-10-batches-bin` folder (its test batch), or one batch file in the binary layout
    /// (e.g. `test_batch.bin`).
    #[arg(long)]
    data: PathBuf,
    /// cpu (burn-ndarray) or flex (burn-flex).
    #[arg(long, value_enum, default_value_t = NativeBackend::Cpu)]
    backend: NativeBackend,
    /// Print JSON (`accuracy`, `per_class_accuracy`, `confusion`) instead of text.
    #[arg(long)]
    json: bool,
}

/// The images a model is scored on: the toy set's test images (`toy`), an archive's or folder's
/// test batch, or one batch file; and their class names.
pub fn test_data(path: &Path) -> Result<(Records, Vec<String>), CliError> {
    if path == Path::new("toy") {
        let toy = Dataset::toy();
        return Ok((toy.test, toy.class_names));
    }
    let is_batch_file = path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("bin"));
    if is_batch_file {
        let bytes = std::fs::read(path).map_err(|e| CliError::file(path, e))?;
        let records = Records::parse(bytes).map_err(|error| CliError::Format {
            path: path.display().to_string(),
            error,
        })?;
        return Ok((records, CIFAR10_CLASSES.map(String::from).to_vec()));
    }
    let files = open(path)?;
    Ok((files.test, files.classes))
}

pub fn run(args: Args) -> Result<(), CliError> {
    let paths = args.backend.compute()?.conv_paths();
    let checkpoint = Checkpoint::load(&args.model)?;
    let (test, _) = test_data(&args.data)?;
    let device = args.backend.device()?;
    let net = checkpoint
        .model(&device)
        .map_err(|e| CliError::file(&args.model, e))?
        .with_conv_path(paths.eval);
    let confusion = pollster::block_on(evaluate(
        &net,
        &checkpoint.header.stats,
        &test,
        EVAL_BATCH,
        &device,
    ))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "model": args.model.display().to_string(),
                "data": args.data.display().to_string(),
                "images": test.len(),
                "accuracy": confusion.accuracy(),
                "per_class_accuracy": confusion.per_class_accuracy(),
                "mean_per_class_accuracy": confusion.mean_per_class_accuracy(),
                "confusion": confusion.counts,
            }))
            .expect("JSON of numbers")
        );
    } else {
        println!(
            "{} on {} ({} images): accuracy {:.2} %, mean per-class {:.2} %",
            args.model.display(),
            args.data.display(),
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
