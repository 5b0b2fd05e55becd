//! The training knobs, each declared once (as ripgrep declares its flags): its name — the URL
//! key, and `lectern train`'s option `--name` (`_` written `-`) — the old spellings still
//! accepted, the label the page shows, the range it is checked against, the help the CLI prints,
//! and where its value lives in a run's settings (which gives its default). The page's training
//! form (`ui::training::form`), its URL reader and writer, and `lectern train`'s options
//! (`cli::train::knobs`) are built from [`Knob::ALL`], so a knob cannot be named two ways.
//! A new knob is a variant of [`Knob`] and an entry in `defs.rs` (then a cell's list of fields).

mod defs;

use super::Range;
use super::data::SubsetSettings;
use super::train::TrainSettings;
use crate::format::plain;
use defs::SPECS;

/// A training knob: the handle the code names it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Knob {
    PerClass,
    Imbalance,
    Epochs,
    Batch,
    LearningRate,
    DecayAt,
    DecayFactor,
    Warmup,
    Momentum,
    WeightDecay,
    Widths,
    Dropout,
    Seed,
    Beta,
    Gamma,
    Workers,
}

/// How a knob's text reads, and where its numbers live in a run's settings (read, and set once
/// checked against the range).
pub enum Access {
    /// One number.
    One(fn(&RunSettings) -> f64, fn(&mut RunSettings, f64)),
    /// Two numbers, `a, b` (the channels of the two blocks).
    Pair(fn(&RunSettings) -> [f64; 2], fn(&mut RunSettings, [f64; 2])),
    /// Any count of numbers, or none (the epochs after which the rate drops).
    List(fn(&RunSettings) -> Vec<f64>, fn(&mut RunSettings, &[f64])),
}

/// What the knobs set: a run's training settings and the subset it trains on.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub train: TrainSettings,
    pub subset: SubsetSettings,
}

/// One knob's declaration.
pub struct Spec {
    /// The URL key; `--name` (`_` as `-`) on the command line.
    pub name: &'static str,
    /// Old spellings, still read from links and command lines (never written).
    pub aliases: &'static [&'static str],
    pub label: &'static str,
    /// Each number's range.
    pub range: Range,
    /// What `lectern train --help` says (natively only: the page shows the label and range, and
    /// the UI bundle is spared the text).
    #[cfg(feature = "cli")]
    pub help: &'static str,
    pub access: Access,
}

impl Knob {
    /// How many knobs there are.
    pub const COUNT: usize = Knob::Workers as usize + 1;

    /// Every knob, in the order of `Knob as usize`.
    pub const ALL: [Knob; Knob::COUNT] = [
        Knob::PerClass,
        Knob::Imbalance,
        Knob::Epochs,
        Knob::Batch,
        Knob::LearningRate,
        Knob::DecayAt,
        Knob::DecayFactor,
        Knob::Warmup,
        Knob::Momentum,
        Knob::WeightDecay,
        Knob::Widths,
        Knob::Dropout,
        Knob::Seed,
        Knob::Beta,
        Knob::Gamma,
        Knob::Workers,
    ];

    /// The knob's declaration.
    pub fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }

    /// The URL key (and the `data-testid` stem).
    pub fn key(self) -> &'static str {
        self.spec().name
    }

    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// The range each of its numbers is checked against.
    pub fn range(self) -> Range {
        self.spec().range
    }

    /// The knob a URL key or option names: its name or an old spelling.
    pub fn named(name: &str) -> Option<Knob> {
        Knob::ALL
            .into_iter()
            .find(|k| k.key() == name || k.spec().aliases.contains(&name))
    }

    /// What the page shows as the allowed values.
    pub fn hint(self) -> String {
        let range = self.range().describe();
        match self.spec().access {
            Access::One(..) if self == Knob::Workers => format!(
                "{range}; each batch is split among them (BatchNorm's batch statistics are each share's)"
            ),
            Access::One(..) => range,
            Access::Pair(..) => format!("two numbers, {range} each"),
            Access::List(..) => format!(
                "epochs after which the rate drops, e.g. 4 or 8, 12; empty: constant rate ({range} each)"
            ),
        }
    }

    /// Checks text as typed: one number in range, or comma-separated ones.
    pub fn parse(self, text: &str) -> Result<Vec<f64>, String> {
        let Spec {
            range,
            label,
            ref access,
            ..
        } = *self.spec();
        if let Access::One(..) = access {
            return range
                .parse(text)
                .map(|v| vec![v])
                .map_err(|e| e.to_string());
        }
        let pair = matches!(access, Access::Pair(..));
        if text.trim().is_empty() {
            return match pair {
                false => Ok(Vec::new()),
                true => Err(format!("{label} needs two numbers, e.g. 16, 32")),
            };
        }
        let values = text
            .split(',')
            .map(|part| range.parse(part).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        if pair && values.len() != 2 {
            return Err(format!(
                "{label} needs two numbers (block 1, block 2), got {}",
                values.len()
            ));
        }
        Ok(values)
    }

    /// The knob's value in `run`, as the page writes it (`0.05`, `16, 32`; none: empty).
    pub fn text(self, run: &RunSettings) -> String {
        let values = match self.spec().access {
            Access::One(get, _) => return plain(get(run)),
            Access::Pair(get, _) => get(run).to_vec(),
            Access::List(get, _) => get(run),
        };
        let mut text = String::new();
        for value in values {
            if !text.is_empty() {
                text.push_str(", ");
            }
            text.push_str(&plain(value));
        }
        text
    }

    /// Sets the knob in `run` to values [`Knob::parse`] gave.
    pub fn apply(self, run: &mut RunSettings, values: &[f64]) {
        match self.spec().access {
            Access::One(_, set) => set(run, values[0]),
            Access::Pair(_, set) => set(run, [values[0], values[1]]),
            Access::List(_, set) => set(run, values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::data::DatasetKind;
    use crate::settings::train::Schedule;

    fn toy() -> RunSettings {
        RunSettings {
            train: TrainSettings::for_dataset(DatasetKind::Toy),
            subset: SubsetSettings::for_dataset(DatasetKind::Toy),
        }
    }

    #[test]
    fn every_knob_has_its_own_slot_and_one_name() {
        assert!(Knob::ALL.iter().enumerate().all(|(i, &k)| k as usize == i));
        let mut names: Vec<&str> = Knob::ALL
            .iter()
            .flat_map(|k| std::iter::once(k.key()).chain(k.spec().aliases.iter().copied()))
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name or alias is used twice");
        for knob in Knob::ALL {
            assert_eq!(Knob::named(knob.key()), Some(knob));
            assert!(!knob.label().is_empty());
            #[cfg(feature = "cli")]
            assert!(!knob.spec().help.is_empty());
        }
    }

    #[test]
    fn the_old_spellings_name_the_same_knobs() {
        assert_eq!(Knob::named("wd"), Some(Knob::WeightDecay));
        assert_eq!(Knob::named("weight_decay"), Some(Knob::WeightDecay));
        assert_eq!(Knob::named("warmup_epochs"), Some(Knob::Warmup));
        assert_eq!(Knob::named("learning_rate"), None);
    }

    #[test]
    fn every_knob_reads_back_what_it_sets() {
        let defaults = toy();
        for knob in Knob::ALL {
            let mut run = defaults.clone();
            let text = knob.text(&defaults);
            knob.apply(&mut run, &knob.parse(&text).unwrap());
            assert_eq!(run, defaults, "{knob:?} {text}");
        }
        let mut run = defaults.clone();
        for (knob, text) in [
            (Knob::DecayAt, "3, 5"),
            (Knob::DecayFactor, "0.5"),
            (Knob::Widths, "4,8"),
            (Knob::WeightDecay, "0.001"),
        ] {
            knob.apply(&mut run, &knob.parse(text).unwrap());
        }
        assert_eq!(
            run.train.schedule,
            Schedule::Step {
                at_epochs: vec![3, 5],
                factor: 0.5
            }
        );
        assert_eq!(Knob::Widths.text(&run), "4, 8");
        assert_eq!(run.train.weight_decay, 0.001);
        Knob::DecayAt.apply(&mut run, &[]);
        assert_eq!(run.train.schedule, Schedule::Constant);
        assert_eq!(Knob::DecayAt.text(&run), "");
        assert_eq!(Knob::DecayFactor.text(&run), "0.2");
    }

    #[test]
    fn text_is_checked_against_the_range_and_shape() {
        for (knob, text, needle) in [
            (Knob::Epochs, "1e38", "1e38"),
            (Knob::Epochs, "", "is empty"),
            (Knob::LearningRate, "-0", "learning rate must be in"),
            (Knob::Widths, "8", "two numbers"),
            (Knob::Widths, "", "two numbers"),
            (Knob::Widths, "8, 999", "width must be a whole number"),
            (Knob::DecayAt, "4, x", "\u{201c}x\u{201d} is not a number"),
            (Knob::DecayAt, "0", "decay epoch must be"),
            (Knob::Beta, "1", "[0, 1)"),
        ] {
            let err = knob.parse(text).unwrap_err();
            assert!(err.contains(needle), "{knob:?} {text}: {err}");
        }
        assert_eq!(Knob::DecayAt.parse(" "), Ok(Vec::new()));
        assert_eq!(Knob::Widths.parse("16, 32"), Ok(vec![16.0, 32.0]));
    }
}
