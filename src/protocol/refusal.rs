//! Why the worker refused a training cell's request: the sentence the page shows, typed where the
//! page acts on the kind (never by matching the sentence's words).

use serde::{Deserialize, Serialize};

use crate::data::subset::{SubsetError, TooFewImages};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Refusal {
    /// The subset asks a class for more training images than the dataset has: no subset stands
    /// for these knobs.
    TooFewImages(TooFewImages),
    /// Anything else (no dataset, no model, a damaged checkpoint…), as the sentence to show.
    Other(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooFewImages(too_few) => too_few.fmt(f),
            Refusal::Other(reason) => f.write_str(reason),
        }
    }
}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal::Other(reason)
    }
}

impl From<&str> for Refusal {
    fn from(reason: &str) -> Self {
        Refusal::Other(reason.to_string())
    }
}

impl From<SubsetError> for Refusal {
    fn from(error: SubsetError) -> Self {
        match error {
            SubsetError::TooFew(too_few) => Refusal::TooFewImages(too_few),
            other => Refusal::Other(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingsError;

    #[test]
    fn a_refusal_reads_as_the_sentence_it_carries() {
        let too_few = TooFewImages {
            class: 0,
            name: "disc".into(),
            available: 3,
            wanted: 4,
        };
        let refusal = Refusal::from(SubsetError::TooFew(too_few.clone()));
        assert_eq!(refusal, Refusal::TooFewImages(too_few));
        assert_eq!(
            refusal.to_string(),
            "class 0 (disc) has 3 training images, 4 were asked for: lower the images per class to 3 or fewer"
        );
        assert_eq!(Refusal::from("no dataset").to_string(), "no dataset");
        let bad = SubsetError::Settings(SettingsError::OutOfRange {
            name: "images per class",
            range: "[1, 5000]".into(),
            value: "0".into(),
            whole: true,
        });
        let sentence = bad.to_string();
        assert_eq!(Refusal::from(bad), Refusal::Other(sentence));
    }
}
