//! The training knobs as the page edits them: text as typed (so a half-typed number is not
//! lost), each checked in place against its range, and turned into the settings a run is started
//! with. The knobs, their URL keys, labels and ranges are `crate::settings::knob`'s.

use crate::settings::SettingsError;
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::knob::RunSettings;
use crate::settings::loss::LossKind;
use crate::settings::train::{self, TrainSettings};

/// A field of the form: one of the registry's knobs.
pub use crate::settings::knob::Knob as Field;

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

impl Form {
    /// The form showing `settings` and `subset`.
    pub fn of(settings: &TrainSettings, subset: &SubsetSettings) -> Self {
        let run = RunSettings {
            train: settings.clone(),
            subset: *subset,
        };
        Self {
            texts: Field::ALL.map(|field| field.text(&run)),
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
        let values = field.parse(self.text(field))?;
        if field == Field::Batch
            && let Ok(widths) = Field::Widths.parse(self.text(Field::Widths))
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
        let mut run = RunSettings {
            train: TrainSettings::default(),
            subset: SubsetSettings::for_dataset(DatasetKind::Toy),
        };
        for field in Field::ALL {
            field.apply(&mut run, &values[field as usize]);
        }
        let RunSettings {
            train: mut settings,
            subset,
        } = run;
        settings.model.kernel = self.kernel;
        settings.model.batch_norm = self.batch_norm;
        settings.augment = self.augment;
        settings.texture_randomised = self.texture_randomised;
        settings.loss.kind = self.loss;
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
            if let Some(field) = Field::named(key).filter(|f| fields.contains(f)) {
                match field.parse(value) {
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
    /// and is valid, else nothing (the parameter is removed); a knob's old spellings are removed
    /// (an old link's `wd=` becomes `weight_decay=`).
    pub fn url_changes(
        &self,
        fields: &[Field],
        defaults: &Form,
    ) -> Vec<(&'static str, Option<String>)> {
        let mut changes = Vec::new();
        for &f in fields {
            let keep = self.text(f) != defaults.text(f) && self.error(f).is_none();
            changes.push((f.key(), keep.then(|| self.text(f).replace(' ', ""))));
            changes.extend(f.spec().aliases.iter().map(|&alias| (alias, None)));
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::train::Schedule;

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
            ALL.len() + 2,
            "the others are removed from the URL, and the old spellings wd and warmup_epochs"
        );
    }

    #[test]
    fn an_old_link_still_sets_its_knob_and_is_written_back_with_the_knobs_name() {
        // Links shared before the knobs had one name each said `wd` and `warmup_epochs`.
        let defaults = Form::defaults(DatasetKind::Toy);
        let mut form = defaults.clone();
        let notes = form.read_url(&ALL, [("wd", "0.001"), ("warmup_epochs", "2")]);
        assert!(notes.is_empty(), "{notes:?}");
        let (settings, _) = form.parse().unwrap();
        assert_eq!((settings.weight_decay, settings.warmup_epochs), (0.001, 2));
        let changes = form.url_changes(&[Field::WeightDecay, Field::Warmup], &defaults);
        assert_eq!(
            changes,
            [
                ("weight_decay", Some("0.001".to_string())),
                ("wd", None),
                ("warmup", Some("2".to_string())),
                ("warmup_epochs", None),
            ]
        );
        let bad = form.read_url(&ALL, [("wd", "7")]);
        assert!(bad[0].starts_with("wd=7 in the URL: weight decay must be in"));
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
