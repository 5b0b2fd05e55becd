//! A dataset a run can draw from: training and test records with their class names, from the
//! built-in toy set, the site's subset, an archive or a single batch file.

use super::cifar::{CLASSES, FormatError, Records, parse_class_names};
use super::subset::take_per_class;
use super::toy::{TOY_CLASSES, toy_records};
use crate::settings::data::DatasetKind;

/// Training images per class of the built-in toy set (as many as the site's CIFAR subset).
pub const TOY_TRAIN_PER_CLASS: usize = 500;
/// Test images per class of the toy set (few: it is scored after every epoch).
pub const TOY_TEST_PER_CLASS: usize = 50;
/// The toy set is always the same images (the run's seed does not change the data).
pub const TOY_SEED: u64 = 1;
/// How many images a class a dataset keeps from a big source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub train_per_class: usize,
    pub test_per_class: usize,
}

impl Cap {
    /// What a browser keeps of an uploaded archive: plenty for a run there, a fraction of the
    /// memory (the official archive holds 5,000 + 1,000 a class), and a test set that evaluates
    /// in seconds.
    pub const BROWSER: Cap = Cap {
        train_per_class: 1000,
        test_per_class: 200,
    };
    /// Everything (the CLI).
    pub const NONE: Cap = Cap {
        train_per_class: usize::MAX,
        test_per_class: usize::MAX,
    };
}

/// A single uploaded batch file is split: every this-many-th image of each class is a test image.
pub const SINGLE_FILE_TEST_EVERY: usize = 6;

#[derive(Debug, Clone)]
pub struct Dataset {
    pub kind: DatasetKind,
    /// What the page calls it: a file name, "toy shapes", …
    pub name: String,
    /// In label order.
    pub class_names: Vec<String>,
    pub train: Records,
    pub test: Records,
}

impl Dataset {
    /// The built-in toy set: seeded shapes, solid or striped (see `data::toy`).
    pub fn toy() -> Self {
        Self {
            kind: DatasetKind::Toy,
            name: "toy shapes and stripes (built in)".into(),
            class_names: TOY_CLASSES.iter().map(|s| s.to_string()).collect(),
            train: Records::parse(toy_records(TOY_TRAIN_PER_CLASS, TOY_SEED))
                .expect("toy records are valid"),
            test: Records::parse(toy_records(TOY_TEST_PER_CLASS, TOY_SEED ^ 0xC1FA))
                .expect("toy records are valid"),
        }
    }

    /// Training and test records with their class names, keeping at most `cap` images a
    /// class, the first of each class in file order.
    pub fn from_splits(
        kind: DatasetKind,
        name: String,
        class_names: Vec<String>,
        train: &[Records],
        test: &Records,
        cap: Cap,
    ) -> Self {
        // No class holds more than the records there are: so the room reserved for the chosen
        // ones follows the data, not the cap (`Cap::NONE` reserved 1 MiB for any file).
        let available: usize = train.iter().map(Records::len).sum();
        let (train, _) = take_per_class(
            train.iter().flat_map(Records::records),
            &[cap.train_per_class.min(available); CLASSES],
        );
        let (test, _) = take_per_class(
            test.records(),
            &[cap.test_per_class.min(test.len()); CLASSES],
        );
        Self {
            kind,
            name,
            class_names,
            train: Records::join(train),
            test: Records::join(test),
        }
    }

    /// One batch file on its own (e.g. `data_batch_1.bin`): every
    /// [`SINGLE_FILE_TEST_EVERY`]-th image of each class becomes a test image. Class names are
    /// CIFAR-10's, unless `meta` (a `batches.meta.txt`) is given.
    pub fn from_single_file(
        name: String,
        bytes: Vec<u8>,
        meta: Option<&str>,
        cap: Cap,
    ) -> Result<Self, FormatError> {
        let records = Records::parse(bytes)?;
        let class_names = match meta {
            Some(text) => parse_class_names(text)?,
            None => CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect(),
        };
        let mut seen = [0usize; CLASSES];
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for record in records.records() {
            let class = record[0] as usize;
            seen[class] += 1;
            if seen[class] % SINGLE_FILE_TEST_EVERY == 0 {
                test.push(record);
            } else {
                train.push(record);
            }
        }
        if test.is_empty() {
            return Err(FormatError::TooFewForTest {
                records: records.len(),
            });
        }
        Ok(Self::from_splits(
            DatasetKind::Upload,
            name,
            class_names,
            &[Records::join(train)],
            &Records::join(test),
            cap,
        ))
    }

    pub fn train_per_class(&self) -> Vec<usize> {
        self.train.class_counts().to_vec()
    }

    pub fn test_per_class(&self) -> Vec<usize> {
        self.test.class_counts().to_vec()
    }
}

/// CIFAR-10's classes, in label order (as `batches.meta.txt` lists them).
pub const CIFAR10_CLASSES: [&str; CLASSES] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toy_set_is_fixed_and_balanced() {
        let toy = Dataset::toy();
        assert_eq!(toy.train_per_class(), vec![TOY_TRAIN_PER_CLASS; CLASSES]);
        assert_eq!(toy.test_per_class(), vec![TOY_TEST_PER_CLASS; CLASSES]);
        assert_eq!(toy.train, Dataset::toy().train);
        assert_ne!(toy.train.record(0), toy.test.record(0));
    }

    #[test]
    fn a_single_file_is_split_into_training_and_test_images() {
        let data =
            Dataset::from_single_file("b.bin".into(), toy_records(12, 3), None, Cap::NONE).unwrap();
        assert_eq!(data.test_per_class(), vec![2; CLASSES]);
        assert_eq!(data.train_per_class(), vec![10; CLASSES]);
        assert_eq!(data.class_names[9], "truck");
        let err = Dataset::from_single_file("b.bin".into(), toy_records(1, 3), None, Cap::NONE)
            .unwrap_err();
        assert!(err.to_string().contains("too few"), "{err}");
        assert!(Dataset::from_single_file("b.bin".into(), vec![1, 2, 3], None, Cap::NONE).is_err());
    }

    #[test]
    fn big_sources_are_capped_per_class() {
        let train = Records::parse(toy_records(7, 1)).unwrap();
        let test = Records::parse(toy_records(4, 2)).unwrap();
        let names: Vec<String> = CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect();
        let cap = Cap {
            train_per_class: 5,
            test_per_class: 3,
        };
        let data = Dataset::from_splits(
            DatasetKind::Upload,
            "x".into(),
            names.clone(),
            std::slice::from_ref(&train),
            &test,
            cap,
        );
        assert_eq!(data.train_per_class(), vec![5; CLASSES]);
        assert_eq!(data.test_per_class(), vec![3; CLASSES]);
        let all = Dataset::from_splits(
            DatasetKind::Upload,
            "x".into(),
            names,
            &[train],
            &test,
            Cap::NONE,
        );
        assert_eq!(all.train_per_class(), vec![7; CLASSES]);
    }
}
