//! `lectern cb-weights`: Cui et al.'s class-balanced weights for given class counts.

use super::CliError;
use crate::nn::class_balance::class_balanced_weights;
use crate::settings::SettingsError;

#[derive(clap::Args)]
pub struct Args {
    /// Images per class, e.g. `5000,2997,1796`.
    #[arg(long, value_parser = parse_counts)]
    counts: Counts,
    /// β in [0, 1).
    #[arg(long, allow_hyphen_values = true)]
    beta: f64,
    /// Print JSON (`{"weights": [...]}`) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone)]
struct Counts(Vec<usize>);

fn parse_counts(text: &str) -> Result<Counts, SettingsError> {
    text.split(',')
        .map(|c| {
            c.trim()
                .parse::<usize>()
                .map_err(|_| SettingsError::Invalid {
                    name: "--counts",
                    reason: format!(
                        "\u{201c}{}\u{201d} is not a whole number of images",
                        c.trim()
                    ),
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Counts)
}

pub fn run(args: Args) -> Result<(), CliError> {
    let counts = args.counts.0;
    let weights = class_balanced_weights(&counts, args.beta)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "counts": counts, "beta": args.beta, "weights": weights })
        );
    } else {
        for (class, (n, w)) in counts.iter().zip(&weights).enumerate() {
            println!("class {class}: {n} images, weight {w:.6}");
        }
    }
    Ok(())
}
