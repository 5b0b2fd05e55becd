//! The training knobs as the page edits them: text as typed (so a half-typed number is not
//! lost), each checked in place against its range from `crate::settings`, and turned into the
//! settings a run is started with. The URL uses the same keys.

use crate::format::plain;
use crate::settings::data::{self, DatasetKind, SubsetSettings};
use crate::settings::loss::{self, LossKind};
use crate::settings::model::{self, ModelSettings};
use crate::settings::train::{self, Schedule, TrainSettings};
use crate::settings::{Range, SettingsError};

/// A numeric (or list) knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
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
}

impl Field {
    /// How many fields there are.
    const COUNT: usize = Field::Gamma as usize + 1;

    /// Every field, in the order of `Field as usize`.
    pub const ALL: [Field; Field::COUNT] = [
        Field::PerClass,
        Field::Imbalance,
        Field::Epochs,
        Field::Batch,
        Field::LearningRate,
        Field::DecayAt,
        Field::DecayFactor,
        Field::Warmup,
        Field::Momentum,
        Field::WeightDecay,
        Field::Widths,
        Field::Dropout,
        Field::Seed,
        Field::Beta,
        Field::Gamma,
    ];

    /// The URL parameter and the `data-testid` suffix.
    pub fn key(self) -> &'static str {
        match self {
            Field::PerClass => "per_class",
            Field::Imbalance => "imbalance",
            Field::Epochs => "epochs",
            Field::Batch => "batch",
            Field::LearningRate => "lr",
            Field::DecayAt => "decay",
            Field::DecayFactor => "decay_factor",
            Field::Warmup => "warmup",
            Field::Momentum => "momentum",
            Field::WeightDecay => "wd",
            Field::Widths => "width",
            Field::Dropout => "dropout",
            Field::Seed => "seed",
            Field::Beta => "beta",
            Field::Gamma => "gamma",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::PerClass => "images per class",
            Field::Imbalance => "imbalance factor",
            Field::Epochs => "epochs",
            Field::Batch => "batch size",
            Field::LearningRate => "learning rate",
            Field::DecayAt => "decay after epochs",
            Field::DecayFactor => "decay factor",
            Field::Warmup => "warm-up epochs",
            Field::Momentum => "momentum",
            Field::WeightDecay => "weight decay",
            Field::Widths => "channels (block 1, 2)",
            Field::Dropout => "dropout",
            Field::Seed => "seed",
            Field::Beta => "\u{3b2}",
            Field::Gamma => "\u{3b3}",
        }
    }

    /// The range the field is checked against (lists: each entry's).
    pub fn range(self) -> Range {
        match self {
            Field::PerClass => data::PER_CLASS,
            Field::Imbalance => data::IMBALANCE,
            Field::Epochs => train::EPOCHS,
            Field::Batch => train::BATCH,
            Field::LearningRate => train::LEARNING_RATE,
            Field::DecayAt => Range::whole("decay epoch", 1, train::EPOCHS.max as usize),
            Field::DecayFactor => train::DECAY_FACTOR,
            Field::Warmup => train::WARMUP_EPOCHS,
            Field::Momentum => train::MOMENTUM,
            Field::WeightDecay => train::WEIGHT_DECAY,
            Field::Widths => model::WIDTH,
            Field::Dropout => model::DROPOUT,
            Field::Seed => train::SEED,
            Field::Beta => loss::BETA,
            Field::Gamma => loss::GAMMA,
        }
    }

    /// What the page shows as the allowed values.
    pub fn hint(self) -> String {
        match self {
            Field::DecayAt => format!(
                "epochs after which the rate drops, e.g. 4 or 8, 12; empty: constant rate ({} each)",
                self.range().describe()
            ),
            Field::Widths => format!("two numbers, {} each", self.range().describe()),
            _ => self.range().describe(),
        }
    }

    fn list(self) -> bool {
        matches!(self, Field::DecayAt | Field::Widths)
    }

    /// Checks typed text: one number in range, or (lists) comma-separated ones.
    pub fn check(self, text: &str) -> Result<Vec<f64>, String> {
        let range = self.range();
        if !self.list() {
            return range
                .parse(text)
                .map(|v| vec![v])
                .map_err(|e| e.to_string());
        }
        if text.trim().is_empty() {
            return match self {
                Field::DecayAt => Ok(Vec::new()),
                _ => Err(format!("{} needs two numbers, e.g. 16, 32", self.label())),
            };
        }
        let values = text
            .split(',')
            .map(|part| range.parse(part).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        if self == Field::Widths && values.len() != 2 {
            return Err(format!(
                "{} needs two numbers (block 1, block 2), got {}",
                self.label(),
                values.len()
            ));
        }
        Ok(values)
    }
}

/// The knobs as typed, and the switches.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Indexed by `Field as usize`.
    texts: [String; Field::COUNT],
    pub kernel: usize,
    pub batch_norm: bool,
    pub augment: bool,
    /// The paper cell's experiment C, as a training option.
    pub texture_randomised: bool,
    pub loss: LossKind,
}

fn list(values: impl IntoIterator<Item = f64>) -> String {
    values.into_iter().map(plain).collect::<Vec<_>>().join(", ")
}

impl Form {
    /// The form showing `settings` and `subset`.
    pub fn of(settings: &TrainSettings, subset: &SubsetSettings) -> Self {
        let (decay_at, factor) = match &settings.schedule {
            Schedule::Constant => (String::new(), 0.2),
            Schedule::Step { at_epochs, factor } => {
                (list(at_epochs.iter().map(|&e| e as f64)), *factor)
            }
        };
        let entries = [
            (Field::PerClass, plain(subset.per_class as f64)),
            (Field::Imbalance, plain(subset.imbalance)),
            (Field::Epochs, plain(settings.epochs as f64)),
            (Field::Batch, plain(settings.batch as f64)),
            (Field::LearningRate, plain(settings.learning_rate)),
            (Field::DecayAt, decay_at),
            (Field::DecayFactor, plain(factor)),
            (Field::Warmup, plain(settings.warmup_epochs as f64)),
            (Field::Momentum, plain(settings.momentum)),
            (Field::WeightDecay, plain(settings.weight_decay)),
            (
                Field::Widths,
                list(settings.model.widths.iter().map(|&w| w as f64)),
            ),
            (Field::Dropout, plain(settings.model.dropout)),
            (Field::Seed, plain(settings.seed as f64)),
            (Field::Beta, plain(settings.loss.beta)),
            (Field::Gamma, plain(settings.loss.gamma)),
        ];
        let mut texts: [String; Field::COUNT] = Default::default();
        for (field, text) in entries {
            texts[field as usize] = text;
        }
        Self {
            texts,
            kernel: settings.model.kernel,
            batch_norm: settings.model.batch_norm,
            augment: settings.augment,
            texture_randomised: settings.texture_randomised,
            loss: settings.loss.kind,
        }
    }

    /// The defaults for a dataset.
    pub fn defaults(kind: DatasetKind) -> Self {
        Self::of(
            &TrainSettings::for_dataset(kind),
            &SubsetSettings::for_dataset(kind),
        )
    }

    pub fn text(&self, field: Field) -> &str {
        &self.texts[field as usize]
    }

    pub fn set(&mut self, field: Field, text: String) {
        self.texts[field as usize] = text;
    }

    /// Why `field`'s text is refused, if it is: out of its range, or (the batch size) too large
    /// for the channels typed beside it.
    pub fn error(&self, field: Field) -> Option<String> {
        self.check(field).err()
    }

    fn check(&self, field: Field) -> Result<Vec<f64>, String> {
        let values = field.check(self.text(field))?;
        if field == Field::Batch
            && let Ok(widths) = Field::Widths.check(self.text(Field::Widths))
        {
            let widths = [widths[0] as usize, widths[1] as usize];
            train::check_activation_memory(values[0] as usize, widths)
                .map_err(|e| e.to_string())?;
        }
        Ok(values)
    }

    /// The settings of a run, or every refused field with its reason. Every field is checked,
    /// those a cell does not show too (their text is the cell's default or a checked URL value).
    pub fn parse(&self) -> Result<(TrainSettings, SubsetSettings), Vec<(Field, String)>> {
        let mut values: [Vec<f64>; Field::COUNT] = Default::default();
        let mut errors = Vec::new();
        for field in Field::ALL {
            match self.check(field) {
                Ok(v) => values[field as usize] = v,
                Err(e) => errors.push((field, e)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let checked = |f: Field| &values[f as usize];
        // A single-number field's check gives exactly one value.
        let value = |f: Field| checked(f)[0];
        let decay_at = checked(Field::DecayAt);
        let widths = checked(Field::Widths);
        let settings = TrainSettings {
            model: ModelSettings {
                widths: [widths[0] as usize, widths[1] as usize],
                kernel: self.kernel,
                batch_norm: self.batch_norm,
                dropout: value(Field::Dropout),
            },
            loss: loss::LossSettings {
                kind: self.loss,
                beta: value(Field::Beta),
                gamma: value(Field::Gamma),
            },
            epochs: value(Field::Epochs) as usize,
            batch: value(Field::Batch) as usize,
            learning_rate: value(Field::LearningRate),
            momentum: value(Field::Momentum),
            weight_decay: value(Field::WeightDecay),
            schedule: if decay_at.is_empty() {
                Schedule::Constant
            } else {
                Schedule::Step {
                    at_epochs: decay_at.iter().map(|&e| e as usize).collect(),
                    factor: value(Field::DecayFactor),
                }
            },
            warmup_epochs: value(Field::Warmup) as usize,
            augment: self.augment,
            texture_randomised: self.texture_randomised,
            seed: value(Field::Seed) as u64,
        };
        let subset = SubsetSettings {
            per_class: value(Field::PerClass) as usize,
            imbalance: value(Field::Imbalance),
        };
        let whole = |e: SettingsError| vec![(Field::Epochs, e.to_string())];
        settings.validate().map_err(whole)?;
        Ok((settings, subset))
    }

    /// Reads URL parameters over the form: a bad value keeps the form's and gives a note.
    pub fn read_url<'a>(
        &mut self,
        fields: &[Field],
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for (key, value) in pairs {
            if let Some(&field) = fields.iter().find(|f| f.key() == key) {
                match field.check(value) {
                    Ok(_) => self.set(field, value.trim().to_string()),
                    Err(e) => notes.push(format!(
                        "{key}={value} in the URL: {e}; using {}.",
                        if self.text(field).is_empty() {
                            "none".to_string()
                        } else {
                            self.text(field).to_string()
                        }
                    )),
                }
            }
        }
        notes
    }

    /// Reads `loss=` from URL parameters (the imbalance lab's): a bad value keeps the form's.
    pub fn read_loss_url<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for (key, value) in pairs {
            if key == "loss" {
                match LossKind::parse(value) {
                    Ok(kind) => self.loss = kind,
                    Err(e) => notes.push(format!(
                        "loss={value} in the URL: {e}; using {}.",
                        self.loss.key()
                    )),
                }
            }
        }
        notes
    }

    /// What the URL should say for each of `fields`: the value when it differs from the default
    /// and is valid, else nothing (the parameter is removed).
    pub fn url_changes(
        &self,
        fields: &[Field],
        defaults: &Form,
    ) -> Vec<(&'static str, Option<String>)> {
        fields
            .iter()
            .map(|&f| {
                let keep = self.text(f) != defaults.text(f) && self.error(f).is_none();
                (f.key(), keep.then(|| self.text(f).replace(' ', "")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Field; Field::COUNT] = Field::ALL;

    #[test]
    fn the_defaults_round_trip_through_the_form() {
        // Every field has its own slot in the form's texts.
        assert!(ALL.iter().enumerate().all(|(i, &f)| f as usize == i));
        for kind in [DatasetKind::Toy, DatasetKind::Cifar] {
            let (settings, subset) = Form::defaults(kind).parse().unwrap();
            assert_eq!(settings, TrainSettings::for_dataset(kind));
            assert_eq!(subset, SubsetSettings::for_dataset(kind));
        }
    }

    #[test]
    fn bad_text_is_refused_per_field_with_its_range() {
        let mut form = Form::defaults(DatasetKind::Toy);
        for (field, text, needle) in [
            (Field::Epochs, "1e38", "1e38"),
            (Field::Epochs, "", "is empty"),
            (Field::LearningRate, "-0", "learning rate must be in"),
            (Field::Widths, "8", "two numbers"),
            (Field::Widths, "8, 999", "width must be a whole number"),
            (Field::DecayAt, "4, x", "\u{201c}x\u{201d} is not a number"),
            (Field::Beta, "1", "[0, 1)"),
        ] {
            form.set(field, text.into());
            let err = form.error(field).unwrap();
            assert!(err.contains(needle), "{field:?} {text}: {err}");
            let refused = form.parse().unwrap_err();
            assert!(refused.iter().any(|(f, _)| *f == field));
            form = Form::defaults(DatasetKind::Toy);
        }
        form.set(Field::DecayAt, " ".into());
        assert_eq!(form.parse().unwrap().0.schedule, Schedule::Constant);
    }

    #[test]
    fn url_values_apply_or_explain_themselves() {
        let mut form = Form::defaults(DatasetKind::Toy);
        let pairs = [
            ("epochs", "2"),
            ("lr", "banana"),
            ("width", "4,8"),
            ("loss", "cb-focal"),
            ("beta", "1.5"),
        ];
        let notes = form.read_url(&ALL, pairs);
        assert_eq!(form.text(Field::Epochs), "2");
        assert_eq!(form.text(Field::Widths), "4,8");
        assert_eq!(
            form.loss,
            LossKind::CrossEntropy,
            "loss= is the imbalance lab's"
        );
        assert!(form.read_loss_url(pairs).is_empty());
        assert_eq!(form.loss, LossKind::CbFocal);
        assert_eq!(form.read_loss_url([("loss", "hinge")]).len(), 1);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with("lr=banana in the URL") && notes[0].ends_with("using 0.05."));
        assert!(notes[1].contains("beta=1.5") && notes[1].contains("[0, 1)"));
        let changes = form.url_changes(&ALL, &Form::defaults(DatasetKind::Toy));
        let set: Vec<_> = changes.iter().filter(|(_, v)| v.is_some()).collect();
        assert_eq!(
            set,
            [
                &("epochs", Some("2".to_string())),
                &("width", Some("4,8".to_string()))
            ]
        );
        assert_eq!(
            changes.len(),
            ALL.len(),
            "the others are removed from the URL"
        );
    }

    #[test]
    fn a_batch_too_large_for_the_channels_is_refused_at_the_batch_field_with_the_estimate() {
        // `?width=128,128&batch=512`: one activation of 268 MB.
        let mut form = Form::defaults(DatasetKind::Cifar);
        let notes = form.read_url(&ALL, [("width", "128,128"), ("batch", "512")]);
        assert!(
            notes.is_empty(),
            "each value is in its own range: {notes:?}"
        );
        let err = form.error(Field::Batch).unwrap();
        assert!(
            err.contains("268 MB") && err.contains("batch size 512"),
            "{err}"
        );
        let refused = form.parse().unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].0, Field::Batch);
        form.set(Field::Batch, "256".into());
        assert!(form.parse().is_ok());
    }

    #[test]
    fn a_field_a_cell_does_not_show_is_checked_too() {
        // Was: `parse(&shown)` checked only the shown fields, then `unreachable!` on the others.
        let mut form = Form::defaults(DatasetKind::Toy);
        form.set(Field::Widths, "8".into());
        let refused = form.parse().unwrap_err();
        assert_eq!(refused[0].0, Field::Widths);
    }
}
