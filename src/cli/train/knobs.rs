//! `lectern train`'s knob options, built from the registry (`settings::knob`): `--name` for each
//! knob (its URL key, `_` written `-`), its old spellings as aliases, its help, and a parser that
//! checks the value against the knob's range as the page does.

use clap::{Arg, ArgMatches, Command, FromArgMatches};

use crate::settings::knob::{Knob, RunSettings};

/// The knobs given on the command line, with their checked values.
#[derive(Debug, Default)]
pub struct KnobArgs {
    given: Vec<(Knob, Vec<f64>)>,
}

/// `--per-class` for `per_class`.
pub fn flag(name: &str) -> String {
    name.replace('_', "-")
}

/// Clap wants `'static` names; the options are built once a process.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

impl KnobArgs {
    /// The value given for `knob`, if it was.
    pub fn get(&self, knob: Knob) -> Option<&[f64]> {
        self.given
            .iter()
            .find(|(k, _)| *k == knob)
            .map(|(_, v)| v.as_slice())
    }

    /// Sets every knob given in `run` (in the registry's order).
    pub fn apply(&self, run: &mut RunSettings) {
        for (knob, values) in &self.given {
            knob.apply(run, values);
        }
    }
}

impl FromArgMatches for KnobArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for knob in Knob::ALL {
            if let Some(values) = matches.get_one::<Vec<f64>>(knob.key()) {
                self.given.retain(|(k, _)| *k != knob);
                self.given.push((knob, values.clone()));
            }
        }
        self.given.sort_by_key(|(k, _)| *k);
        Ok(())
    }
}

impl clap::Args for KnobArgs {
    fn augment_args(command: Command) -> Command {
        command.args(Knob::ALL.map(|knob| {
            let spec = knob.spec();
            let aliases = spec.aliases.iter().map(|a| leak(flag(a)));
            Arg::new(knob.key())
                .long(leak(flag(knob.key())))
                .aliases(aliases)
                .value_name(leak(knob.key().to_uppercase()))
                .help(format!(
                    "{}; allowed: {}",
                    spec.help,
                    knob.range().describe()
                ))
                .allow_hyphen_values(true)
                .value_parser(move |text: &str| knob.parse(text))
        }))
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}
