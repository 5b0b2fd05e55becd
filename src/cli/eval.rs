//! `lectern eval`: a saved model's accuracy on a test set.

use std::path::{Path, PathBuf};

use super::train::EVAL_BATCH;
use super::{CliError, NativeBackend, percent_list};
use crate::data::cifar::Records;
use crate::data::dataset::{CIFAR10_CLASSES, Dataset};
use crate::data::source::open;
use crate::format::thousands;
use crate::nn::convnet::ConvNet;
use crate::settings::model::ConvPath;
use crate::train::checkpoint::Checkpoint;
use crate::train::engine::evaluate;
use burn::tensor::Device;

/// A saved model and the test images to score it on (`eval` and `paper`).
#[derive(clap::Args)]
pub struct ModelOnData {
    /// A checkpoint written by `lectern train --save` (or the notebook's Save).
    #[arg(long)]
    pub model: PathBuf,
    /// `toy` (the built-in set's test images), `cifar-10-binary.tar.gz`, a
    /// `cifar-10-batches-bin` folder (its test batch), or one batch file in the binary layout
    /// (e.g. `test_batch.bin`, or the site's `static/data/test.bin`).
    #[arg(long)]
    pub data: PathBuf,
    /// cpu (burn-ndarray) or flex (burn-flex).
    #[arg(long, value_enum, default_value_t = NativeBackend::Cpu)]
    pub backend: NativeBackend,
}

/// A checkpoint's model on its device, ready to score `test`.
pub struct Loaded {
    pub checkpoint: Checkpoint,
    pub model: ConvNet,
    pub device: Device,
    /// The convolution path evaluation takes on this backend.
    pub path: ConvPath,
    pub test: Records,
    pub class_names: Vec<String>,
    /// One sentence when the model was trained on other data than `test` (printed before the
    /// figures, which still follow).
    pub other_data: Option<String>,
}

impl ModelOnData {
    pub fn load(&self) -> Result<Loaded, CliError> {
        let path = self.backend.compute()?.conv_paths().eval;
        let checkpoint = Checkpoint::load(&self.model)?;
        let (test, class_names) = test_data(&self.data)?;
        // A lone batch file has no class names (CIFAR-10's are assumed): nothing to compare.
        let data = if self.data == Path::new("toy") {
            "the toy set".to_string()
        } else {
            self.data.display().to_string()
        };
        let classes = (!is_batch_file(&self.data)).then_some(class_names.as_slice());
        let other_data = checkpoint.other_data(&data, classes);
        let device = self.backend.device()?;
        let model = checkpoint
            .model(&device)
            .map_err(|e| CliError::file(&self.model, e))?
            .with_conv_path(path);
        Ok(Loaded {
            checkpoint,
            model,
            device,
            path,
            test,
            class_names,
            other_data,
        })
    }
}

fn is_batch_file(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("bin"))
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: ModelOnData,
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
    if is_batch_file(path) {
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
    let Loaded {
        checkpoint,
        model,
        device,
        test,
        other_data,
        ..
    } = args.target.load()?;
    if let Some(sentence) = other_data {
        eprintln!("note: {sentence}");
    }
    let confusion = pollster::block_on(evaluate(
        &model,
        &checkpoint.header.stats,
        &test,
        EVAL_BATCH,
        &device,
    ))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "model": args.target.model.display().to_string(),
                "data": args.target.data.display().to_string(),
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
            args.target.model.display(),
            args.target.data.display(),
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
