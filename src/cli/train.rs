//! `lectern train`: the notebook's training run, natively, with a progress bar and a JSON report.
//! Every option not given takes the page's default for the dataset (`crate::settings`).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{CliError, NativeBackend, check_writable, percent_list, write_json};
use crate::data::dataset::{Cap, Dataset};
use crate::data::source::open;
use crate::data::subset;
use crate::format::thousands;
use crate::protocol::training::StepReport;
use crate::settings::SettingsError;
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::knob::{Knob, RunSettings};
use crate::settings::loss::LossKind;
use crate::settings::train::{Schedule, TrainSettings};
use crate::train::engine::{TrainError, Trainer};
use crate::train::metrics::Confusion;
use crate::train::parallel::InProcess;
use crate::train::run::{EpochEnd, Observer, Run};
use crate::train::trained_on::TrainedOn;
use knobs::KnobArgs;

mod knobs;

/// Test images scored at once.
pub const EVAL_BATCH: usize = 200;

#[derive(clap::Args)]
pub struct Args {
    /// `cifar-10-binary.tar.gz`, a `cifar-10-batches-bin` folder, or `toy`.
    #[arg(long)]
    data: String,
    /// The knobs the page has too (`settings::knob`): --epochs, --lr, --weight-decay, …
    #[command(flatten)]
    knobs: KnobArgs,
    /// ce | focal | cb-softmax | cb-sigmoid | cb-focal
    #[arg(long, value_parser = LossKind::parse)]
    loss: Option<LossKind>,
    /// The old spelling of --decay and --decay-factor: `constant`, or `step:E1,E2,…:F`
    /// (multiply the learning rate by F after epochs E1, E2, …).
    #[arg(long, value_parser = str::parse::<Schedule>)]
    schedule: Option<Schedule>,
    /// Square kernel side, 3 or 5.
    #[arg(long)]
    kernel: Option<usize>,
    /// BatchNorm after every convolution (true or false).
    #[arg(long)]
    batch_norm: Option<bool>,
    /// Random crop and flip (true or false).
    #[arg(long)]
    augment: Option<bool>,
    /// Texture randomisation (the paper cell's experiment C).
    #[arg(long)]
    texture_randomised: bool,
    /// cpu (burn-ndarray, the notebook's CPU backend) or flex (burn-flex, faster natively).
    #[arg(long, value_enum, default_value_t = NativeBackend::Cpu)]
    backend: NativeBackend,
    /// Write the run (config, curves, accuracy, per_class_accuracy, confusion) as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Save the trained model (a checkpoint `lectern eval` and the notebook read) here.
    #[arg(long)]
    save: Option<PathBuf>,
}

impl Args {
    fn dataset_kind(&self) -> DatasetKind {
        if self.data == "toy" {
            DatasetKind::Toy
        } else {
            DatasetKind::Cifar
        }
    }

    /// The run's settings: the options given, the page's defaults for the rest — the ConvNet
    /// cell's, or the class-imbalance lab's for a long-tailed subset (`--imbalance` above 1).
    fn settings(&self) -> Result<(TrainSettings, SubsetSettings), SettingsError> {
        let kind = self.dataset_kind();
        let long_tail = self.knobs.get(Knob::Imbalance).is_some_and(|f| f[0] > 1.0);
        let mut run = if long_tail {
            RunSettings {
                train: TrainSettings::long_tail_for(kind),
                subset: SubsetSettings::long_tailed_for(kind),
            }
        } else {
            RunSettings {
                train: TrainSettings::for_dataset(kind),
                subset: SubsetSettings::for_dataset(kind),
            }
        };
        let settings = &mut run.train;
        if let Some(schedule) = &self.schedule {
            settings.schedule = schedule.clone();
        }
        settings.model.kernel = self.kernel.unwrap_or(settings.model.kernel);
        settings.model.batch_norm = self.batch_norm.unwrap_or(settings.model.batch_norm);
        settings.augment = self.augment.unwrap_or(settings.augment);
        settings.texture_randomised = self.texture_randomised;
        settings.loss.kind = self.loss.unwrap_or(settings.loss.kind);
        self.knobs.apply(&mut run);
        run.train.validate()?;
        run.subset.validate()?;
        Ok((run.train, run.subset))
    }
}

/// The toy set, or CIFAR-10 from an archive or folder, all of it.
pub fn load_dataset(data: &str) -> Result<Dataset, CliError> {
    if data == "toy" {
        return Ok(Dataset::toy());
    }
    let files = open(Path::new(data))?;
    Ok(Dataset::from_splits(
        DatasetKind::Cifar,
        data.to_string(),
        files.classes.clone(),
        &files.train,
        &files.test,
        Cap::NONE,
    ))
}

pub fn run(args: Args) -> Result<(), CliError> {
    let (settings, subset) = args.settings()?;
    let compute = args.backend.compute()?;
    for path in [&args.save, &args.json].into_iter().flatten() {
        check_writable(path)?;
    }
    let dataset = load_dataset(&args.data)?;
    let train = subset::select(&dataset.train, &subset, &dataset.class_names)?;
    let counts = train.class_counts().to_vec();
    let paths = compute.conv_paths();
    eprintln!(
        "training on {} images ({} a class at most) on {}, testing on {}",
        thousands(train.len() as u64),
        counts.iter().max().unwrap_or(&0),
        args.backend.name(),
        thousands(dataset.test.len() as u64)
    );
    let device = args.backend.device()?;
    let mut trainer =
        Trainer::new(&settings, paths.train, train, &device)?.with_eval_path(paths.eval);
    // `--workers N`: the browser's shards, one after another here (its numbers, not its speed);
    // "automatic" is one worker natively.
    let workers = settings.workers_for(1);
    if workers > 1 {
        let pool = InProcess::new(workers - 1, &trainer.replica_setup(), &device)
            .map_err(|e| TrainError::Helpers(e.0))?;
        trainer = trainer.with_shards(Box::new(pool));
        eprintln!("each batch in {workers} shards (data-parallel, computed in turn)");
    }
    let dataset = Rc::new(dataset);
    let outcome = train_to_the_end(trainer, dataset.clone())?;
    let Outcome {
        mut trainer,
        curves,
        iteration_loss,
        failure,
        seconds,
    } = outcome;
    // After a NaN the trainer holds the last finished epoch's weights: report and save those.
    let confusion = pollster::block_on(trainer.evaluate(&dataset.test, EVAL_BATCH))?;
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
    if let Some(path) = &args.json {
        write_json(
            path,
            &report_json(
                &settings,
                &subset,
                &args,
                &counts,
                &trainer,
                &confusion,
                curves,
                iteration_loss,
                &failure,
                seconds,
            ),
        )?;
    }
    if let Some(path) = &args.save {
        if trainer.epoch == 0 {
            eprintln!(
                "{}: not written, no epoch finished before training stopped",
                path.display()
            );
        } else {
            pollster::block_on(trainer.checkpoint())?
                .trained_on(TrainedOn::of(&dataset))
                .save(path)?;
            eprintln!(
                "saved the model after epoch {} to {}",
                trainer.epoch,
                path.display()
            );
        }
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn report_json(
    settings: &TrainSettings,
    subset: &SubsetSettings,
    args: &Args,
    counts: &[usize],
    trainer: &Trainer,
    confusion: &Confusion,
    curves: Vec<serde_json::Value>,
    iteration_loss: Vec<f32>,
    failure: &Option<TrainError>,
    seconds: f64,
) -> serde_json::Value {
    serde_json::json!({
        "config": settings,
        "subset": subset,
        "backend": args.backend.name(),
        "train_counts": counts,
        "epochs_completed": trainer.epoch,
        "error": failure.as_ref().map(ToString::to_string),
        "curves": curves,
        "iteration_loss": iteration_loss,
        "accuracy": confusion.accuracy(),
        "per_class_accuracy": confusion.per_class_accuracy(),
        "mean_per_class_accuracy": confusion.mean_per_class_accuracy(),
        "shot_groups": confusion.shot_groups(counts),
        "confusion": confusion.counts,
        "seconds": seconds,
    })
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

struct Outcome {
    trainer: Trainer,
    curves: Vec<serde_json::Value>,
    iteration_loss: Vec<f32>,
    /// Why training stopped early (a NaN loss).
    failure: Option<TrainError>,
    seconds: f64,
}

/// The terminal's view of a run: a progress line per batch, a line and a curve point per epoch.
struct Terminal {
    started: std::time::Instant,
    curves: Vec<serde_json::Value>,
    iteration_loss: Vec<f32>,
}

impl Observer for Terminal {
    fn trained(&mut self, run: &Run, reports: &[StepReport]) {
        let (epochs, per_epoch) = (
            run.trainer().settings().epochs,
            run.trainer().iterations_per_epoch(),
        );
        let meter = run.meter();
        for r in reports {
            self.iteration_loss.push(r.loss);
            let within = (r.iteration % per_epoch) + 1;
            eprint!(
                "\repoch {:>2}/{epochs} {} {within:>4}/{per_epoch} loss {:.4} {:>5.0} img/s",
                r.epoch + 1,
                progress_bar(within, per_epoch),
                meter.mean_loss(),
                meter.images_per_second()
            );
        }
    }

    fn epoch_ended(&mut self, run: &Run, end: &EpochEnd) {
        let epochs = run.trainer().settings().epochs;
        let (meter, confusion) = (&end.meter, end.test.as_ref().expect("a tested run"));
        let seconds = self.started.elapsed().as_secs_f64();
        self.curves.push(serde_json::json!({
            "epoch": end.epoch,
            "loss": meter.mean_loss(),
            "train_accuracy": meter.accuracy(),
            "test_accuracy": confusion.accuracy(),
            "mean_per_class_accuracy": confusion.mean_per_class_accuracy(),
            "learning_rate": end.learning_rate,
            "images_per_second": meter.images_per_second(),
            "seconds": seconds,
        }));
        eprintln!(
            "\repoch {:>2}/{epochs}: loss {:.4}, train acc {:.1} %, test acc {:.1} %, mean per-class {:.1} %, {:.0} img/s, {:.0} s{}",
            end.epoch,
            meter.mean_loss(),
            100.0 * meter.accuracy(),
            100.0 * confusion.accuracy(),
            100.0 * confusion.mean_per_class_accuracy(),
            meter.images_per_second(),
            seconds,
            " ".repeat(12)
        );
    }
}

/// Trains every epoch (or until the loss diverges), evaluating after each.
fn train_to_the_end(trainer: Trainer, dataset: Rc<Dataset>) -> Result<Outcome, CliError> {
    let started = std::time::Instant::now();
    let clock = move || started.elapsed().as_secs_f64() * 1000.0;
    let mut run = Run::new(trainer, clock).tested_on(dataset, EVAL_BATCH);
    let mut terminal = Terminal {
        started,
        curves: Vec::new(),
        iteration_loss: Vec::new(),
    };
    let failure = match pollster::block_on(run.run_to_end(&mut terminal)) {
        Ok(_) => None,
        Err(e @ TrainError::Diverged { .. }) => {
            eprintln!();
            Some(e)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Outcome {
        trainer: run.into_trainer(),
        curves: terminal.curves,
        iteration_loss: terminal.iteration_loss,
        failure,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests;
