//! The knobs a person can turn, as plain data: Burn-free and web-free, so the UI bundle, the
//! worker and the CLI name the same settings, take their defaults from here, and check them
//! against the same ranges (which the page shows next to each field). The core turns them into
//! Burn configs (`nn::convnet::ConvNetConfig`, the optimiser) where it trains. `knob` declares
//! each training knob once: its name in URLs and on the command line, label, range and help.

pub mod data;
pub mod dead_relu;
pub mod knob;
pub mod loss;
pub mod model;
pub mod paper;
pub mod train;

use crate::format::{parse_number, plain};

/// The allowed values of a numeric knob: `[min, max]`, or `[min, max)` when `max_open`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// What the knob is called in messages ("learning rate").
    pub name: &'static str,
    pub min: f64,
    pub max: f64,
    /// The maximum itself is not allowed (β < 1, dropout < 1).
    pub max_open: bool,
    /// Only whole numbers (epochs, widths).
    pub whole: bool,
}

impl Range {
    /// A closed range of real numbers.
    pub const fn real(name: &'static str, min: f64, max: f64) -> Self {
        Self {
            name,
            min,
            max,
            max_open: false,
            whole: false,
        }
    }

    /// A half-open range `[min, max)` of real numbers.
    pub const fn below(name: &'static str, min: f64, max: f64) -> Self {
        Self {
            max_open: true,
            ..Self::real(name, min, max)
        }
    }

    /// A closed range of whole numbers.
    pub const fn whole(name: &'static str, min: usize, max: usize) -> Self {
        Self {
            whole: true,
            ..Self::real(name, min as f64, max as f64)
        }
    }

    /// `[0, 1)`, `1–200`, `0.0001–10`: how the page shows the range.
    pub fn describe(&self) -> String {
        if self.max_open {
            format!("[{}, {})", plain(self.min), plain(self.max))
        } else {
            format!("{}\u{2013}{}", plain(self.min), plain(self.max))
        }
    }

    /// Whether `value` is allowed.
    pub fn contains(&self, value: f64) -> bool {
        value.is_finite()
            && value >= self.min
            && (value < self.max || (!self.max_open && value == self.max))
            && (!self.whole || value.fract() == 0.0)
    }

    /// `Ok(value)` if allowed, else an error naming the knob, its range and the value.
    pub fn check(&self, value: f64) -> Result<f64, SettingsError> {
        if self.contains(value) {
            Ok(value)
        } else {
            Err(SettingsError::OutOfRange {
                name: self.name,
                range: self.describe(),
                value: plain(value),
                whole: self.whole,
            })
        }
    }

    /// Checks a whole-number knob.
    pub fn check_count(&self, value: usize) -> Result<usize, SettingsError> {
        self.check(value as f64).map(|_| value)
    }

    /// Parses what was typed into the knob's field (a true minus sign is accepted) and checks it.
    pub fn parse(&self, text: &str) -> Result<f64, SettingsError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(SettingsError::Empty {
                name: self.name,
                range: self.describe(),
            });
        }
        let value = parse_number(&trimmed.replace('\u{2212}', "-")).ok_or_else(|| {
            SettingsError::NotANumber {
                name: self.name,
                text: trimmed.to_string(),
            }
        })?;
        self.check(value)
    }
}

/// Why a setting was refused. Every message names the knob and what it allows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("{name} must be {}{range}, got {value}", if *whole { "a whole number in " } else { "in " })]
    OutOfRange {
        name: &'static str,
        range: String,
        value: String,
        whole: bool,
    },
    #[error("{name}: \u{201c}{text}\u{201d} is not a number")]
    NotANumber { name: &'static str, text: String },
    #[error("{name} is empty: type a number in {range}")]
    Empty { name: &'static str, range: String },
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error(
        "batch size {batch} with these channels needs {} MB for one layer's activations, over the {} MB a browser's GPU holds in one buffer: lower the batch size or the channels",
        bytes / 1_000_000,
        train::ACTIVATION_BYTES_MAX / 1_000_000
    )]
    Memory { batch: usize, bytes: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_accept_their_ends_and_refuse_the_rest() {
        let beta = Range::below("β", 0.0, 1.0);
        assert!(beta.contains(0.0) && beta.contains(0.9999) && !beta.contains(1.0));
        assert_eq!(beta.describe(), "[0, 1)");
        let epochs = Range::whole("epochs", 1, 200);
        assert!(epochs.contains(200.0) && !epochs.contains(2.5) && !epochs.contains(0.0));
        assert!(!epochs.contains(f64::NAN) && !epochs.contains(f64::INFINITY));
        let err = epochs.check(1e38).unwrap_err().to_string();
        assert_eq!(
            err,
            "epochs must be a whole number in 1\u{2013}200, got 1e38"
        );
    }

    #[test]
    fn typed_text_is_parsed_with_a_clear_message() {
        let lr = Range::real("learning rate", 1e-6, 10.0);
        assert_eq!(lr.parse(" 0.05 "), Ok(0.05));
        assert!(
            lr.parse("\u{2212}1")
                .unwrap_err()
                .to_string()
                .contains("got -1")
        );
        assert!(
            lr.parse("fast")
                .unwrap_err()
                .to_string()
                .contains("\u{201c}fast\u{201d}")
        );
        assert!(lr.parse("").unwrap_err().to_string().contains("is empty"));
        assert!(lr.parse("-0").is_err(), "−0 is below the range");
    }
}
