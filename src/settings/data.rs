//! Which images a run trains on: the dataset, how many images a class, and how long-tailed.

use serde::{Deserialize, Serialize};

use super::{Range, SettingsError};

/// Training images per class (balanced), or the head class's count n_max (long-tailed).
pub const PER_CLASS: Range = Range::whole("images per class", 1, 5000);
/// The imbalance factor IF = n_max / n_min of a long-tailed subset (1: balanced).
pub const IMBALANCE: Range = Range::real("imbalance factor", 1.0, 200.0);
/// Test images per class the page evaluates on (the site's subset holds 100).
pub const TEST_PER_CLASS_MAX: usize = 200;

/// Where the images come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DatasetKind {
    /// The built-in seeded shapes-and-stripes set: instant, no download.
    Toy,
    /// The site's CIFAR-10 subset (`static/data`, written by `lectern data`).
    Cifar,
    /// An archive or batch file the person picked.
    Upload,
}

impl DatasetKind {
    /// `toy` / `cifar` / `upload`, as the URL writes it.
    pub fn key(self) -> &'static str {
        match self {
            DatasetKind::Toy => "toy",
            DatasetKind::Cifar => "cifar",
            DatasetKind::Upload => "upload",
        }
    }

    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "toy" => Ok(DatasetKind::Toy),
            "cifar" | "cifar10" | "cifar-10" => Ok(DatasetKind::Cifar),
            other => Err(SettingsError::Invalid {
                name: "dataset",
                reason: format!("\u{201c}{other}\u{201d} is not a dataset: use toy or cifar"),
            }),
        }
    }
}

/// The training subset: the first `per_class` images of each class in file order, or a long
/// tail (class i keeps ⌊n_max · IF^(−i/9)⌋) when `imbalance > 1`. The test set stays balanced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubsetSettings {
    pub per_class: usize,
    pub imbalance: f64,
}

impl SubsetSettings {
    /// The defaults for a dataset: the toy set's 100 a class train in seconds; the site's
    /// CIFAR-10 subset holds 500 a class.
    pub fn for_dataset(kind: DatasetKind) -> Self {
        Self {
            per_class: match kind {
                DatasetKind::Toy => 100,
                DatasetKind::Cifar | DatasetKind::Upload => 500,
            },
            imbalance: 1.0,
        }
    }

    /// The class-imbalance lab's defaults: a long tail the dataset can give (n_max images for
    /// the first class, down to n_max / IF for the last).
    pub fn long_tailed_for(kind: DatasetKind) -> Self {
        match kind {
            DatasetKind::Toy => Self {
                per_class: 100,
                imbalance: 50.0,
            },
            DatasetKind::Cifar | DatasetKind::Upload => Self {
                per_class: 500,
                imbalance: 100.0,
            },
        }
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        PER_CLASS.check_count(self.per_class)?;
        IMBALANCE.check(self.imbalance)?;
        Ok(())
    }

    pub fn is_long_tailed(&self) -> bool {
        self.imbalance > 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_parse() {
        assert_eq!(DatasetKind::parse("toy"), Ok(DatasetKind::Toy));
        assert_eq!(DatasetKind::parse("CIFAR"), Ok(DatasetKind::Cifar));
        assert!(
            DatasetKind::parse("mnist")
                .unwrap_err()
                .to_string()
                .contains("mnist")
        );
    }

    #[test]
    fn subsets_are_checked() {
        assert_eq!(
            SubsetSettings::for_dataset(DatasetKind::Toy).validate(),
            Ok(())
        );
        let bad = SubsetSettings {
            per_class: 10,
            imbalance: 0.5,
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .starts_with("imbalance factor")
        );
    }
}
