//! `lectern paper`: the paper cell's experiments A (cue conflict) and B (patch shuffle), plus
//! noise and blur, on a saved model — the same code and numbers as the page.

use super::eval::ModelOnData;
use super::{CliError, percent_list};
use crate::format::percent;
use crate::paper::experiment::{ExperimentError, ModelUnderTest, Silent, test_bias};
use crate::paper::results::BiasResults;
use crate::run_id::RunId;
use crate::settings::paper::PaperSettings;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: ModelOnData,
    /// σ of the Gaussian that separates shape (low band) from texture (high band), in pixels.
    #[arg(long)]
    sigma: Option<f64>,
    /// Report the greyscale cue conflict first (both are computed).
    #[arg(long)]
    grey: bool,
    /// Seed of the image pairs and the tile shuffles (the page uses the same default).
    #[arg(long)]
    seed: Option<u64>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let defaults = PaperSettings::default();
    let settings = PaperSettings {
        sigma: args.sigma.unwrap_or(defaults.sigma),
        grey: args.grey,
        seed: args.seed.unwrap_or(defaults.seed),
    };
    settings.validate()?;
    let loaded = args.target.load()?;
    if let Some(sentence) = &loaded.other_data {
        eprintln!("note: {sentence}");
    }
    let subject = ModelUnderTest {
        model: &loaded.model,
        stats: &loaded.checkpoint.header.stats,
        device: &loaded.device,
        path: loaded.path,
        label: args.target.model.display().to_string(),
    };
    let results = pollster::block_on(test_bias(
        &subject,
        &loaded.test,
        &loaded.class_names,
        &settings,
        RunId(0),
        &mut Silent,
        None,
    ))
    .map_err(|e| match e {
        ExperimentError::Read(e) => CliError::Read(e),
        ExperimentError::Train(e) => CliError::Train(e),
        ExperimentError::Cancelled => unreachable!("a silent run is never cancelled"),
    })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json(&results, &settings)).expect("JSON of numbers")
        );
    } else {
        print!("{}", text(&results, &settings));
    }
    Ok(())
}

/// The figures the page shows, under stable keys.
pub fn json(r: &BiasResults, settings: &PaperSettings) -> serde_json::Value {
    let (first, second) = if settings.grey {
        (r.cue_grey, r.cue)
    } else {
        (r.cue, r.cue_grey)
    };
    let grids: serde_json::Map<String, serde_json::Value> = r
        .shuffle
        .grids
        .iter()
        .map(|(n, t)| (n.to_string(), t.accuracy().into()))
        .collect();
    serde_json::json!({
        "model": r.model,
        "test_images": r.test_images,
        "sigma": settings.sigma,
        "grey": settings.grey,
        "pairs": first.pairs,
        "shape": first.shape,
        "texture": first.texture,
        "other": first.other,
        "shape_share": first.shape_share(),
        "hit_rate": first.hit_rate(),
        "interval": first.interval(),
        "other_colour_shape_share": second.shape_share(),
        "clean_accuracy": r.shuffle.clean.accuracy(),
        "patch_shuffle": grids,
        "noise": r.robustness.noise.iter().map(|(s, t)| serde_json::json!({"std": s, "accuracy": t.accuracy()})).collect::<Vec<_>>(),
        "blur": r.robustness.blur.iter().map(|(s, t)| serde_json::json!({"sigma": s, "accuracy": t.accuracy()})).collect::<Vec<_>>(),
    })
}

fn text(r: &BiasResults, settings: &PaperSettings) -> String {
    let mut out = String::new();
    for cue in [r.cue, r.cue_grey] {
        let share = cue
            .shape_share()
            .map_or("\u{2014}".into(), |s| percent(s, 1));
        let hits = cue.hit_rate().map_or("\u{2014}".into(), |s| percent(s, 1));
        let interval = cue.interval().map_or(String::new(), |(lo, hi)| {
            format!(
                " (95 % interval {}\u{2013}{})",
                percent(lo, 1),
                percent(hi, 1)
            )
        });
        out += &format!(
            "cue conflict{} (\u{3c3} = {}): {share} of cue-following decisions follow the shape{interval}; {} pairs, {} shape, {} texture, {} neither (hit rate {hits})\n",
            if cue.grey { ", greyscale" } else { "" },
            settings.sigma,
            cue.pairs,
            cue.shape,
            cue.texture,
            cue.other
        );
    }
    out += &format!(
        "patch shuffle: clean {} | {}\n",
        percent(r.shuffle.clean.accuracy(), 1),
        r.shuffle
            .grids
            .iter()
            .map(|(n, t)| format!("{n}\u{d7}{n} {}", percent(t.accuracy(), 1)))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let accuracies = |v: &[(f64, crate::paper::results::Tally)]| {
        percent_list(&v.iter().map(|(_, t)| t.accuracy()).collect::<Vec<_>>())
    };
    out += &format!(
        "noise (std {:?}): {} %; blur (\u{3c3} {:?}): {} %\n",
        r.robustness.noise.iter().map(|n| n.0).collect::<Vec<_>>(),
        accuracies(&r.robustness.noise),
        r.robustness.blur.iter().map(|b| b.0).collect::<Vec<_>>(),
        accuracies(&r.robustness.blur)
    );
    out
}
