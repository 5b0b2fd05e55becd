//! What data a checkpoint's network was trained on, kept in the checkpoint so that a model
//! loaded over other data (a CIFAR-10 model over the toy set) says so, instead of showing
//! near-chance accuracy without a word. Checkpoints written before it was kept read as unknown.

use serde::{Deserialize, Serialize};

use crate::data::cifar::{CLASSES, SIDE};
use crate::data::dataset::Dataset;
use crate::settings::data::DatasetKind;

/// The images every lectern dataset holds: 3 channels of 32×32.
pub const IMAGE: [usize; 3] = [3, SIDE, SIDE];

/// The training data of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainedOn {
    pub kind: DatasetKind,
    /// What the page called it: "toy shapes and stripes (built in)", the site's subset, a file.
    pub name: String,
    /// Its class names, in label order.
    pub classes: Vec<String>,
    /// Channels, height and width of its images.
    pub image: [usize; 3],
}

impl TrainedOn {
    pub fn of(dataset: &Dataset) -> Self {
        Self {
            kind: dataset.kind,
            name: dataset.name.clone(),
            classes: dataset.class_names.clone(),
            image: IMAGE,
        }
    }

    /// The data in a few words: "the toy set", "CIFAR-10 (cifar-10-binary.tar.gz)".
    pub fn describe(&self) -> String {
        match self.kind {
            DatasetKind::Toy => "the toy set".into(),
            DatasetKind::Cifar => "CIFAR-10".into(),
            DatasetKind::Upload if self.classes.iter().map(String::as_str).eq(CIFAR10) => {
                format!("CIFAR-10 ({})", self.name)
            }
            DatasetKind::Upload => format!("the data in {}", self.name),
        }
    }

    /// The sentence for a model trained on `self` and evaluated on `data` (what is loaded, in
    /// a few words) whose class names are `classes` (`None`: not known, as for a lone batch
    /// file): `None` when they are the same data, as far as can be told.
    pub fn mismatch(&self, data: &str, classes: Option<&[String]>) -> Option<String> {
        let other_classes = classes.is_some_and(|c| c != self.classes.as_slice());
        if !other_classes && self.image == IMAGE {
            return None;
        }
        let what = if self.image != IMAGE {
            format!(
                "its {}×{}×{} images",
                self.image[0], self.image[1], self.image[2]
            )
        } else {
            "its classes".into()
        };
        Some(format!(
            "This model was trained on {}, and {data} is loaded: {what} are not these, so its accuracy here will be near chance (1 in {CLASSES}); load {} to evaluate it.",
            self.describe(),
            self.describe()
        ))
    }
}

/// CIFAR-10's class names (as `batches.meta.txt` lists them).
const CIFAR10: [&str; CLASSES] = crate::data::dataset::CIFAR10_CLASSES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cifar_model_over_the_toy_set_says_so_and_the_same_data_says_nothing() {
        let toy = Dataset::toy();
        let cifar = TrainedOn {
            kind: DatasetKind::Cifar,
            name: "the site's CIFAR-10 subset".into(),
            classes: CIFAR10.map(String::from).to_vec(),
            image: IMAGE,
        };
        assert_eq!(
            cifar
                .mismatch("the toy set", Some(&toy.class_names))
                .as_deref(),
            Some(
                "This model was trained on CIFAR-10, and the toy set is loaded: its classes are not these, so its accuracy here will be near chance (1 in 10); load CIFAR-10 to evaluate it."
            )
        );
        assert_eq!(cifar.mismatch("CIFAR-10", Some(&cifar.classes)), None);
        // A lone batch file has no class names: nothing can be told.
        assert_eq!(cifar.mismatch("test_batch.bin", None), None);
        let on_toy = TrainedOn::of(&toy);
        assert_eq!(on_toy.describe(), "the toy set");
        assert!(
            on_toy
                .mismatch("CIFAR-10", Some(&cifar.classes))
                .unwrap()
                .starts_with("This model was trained on the toy set, and CIFAR-10 is loaded")
        );
        let odd = TrainedOn {
            image: [1, 28, 28],
            ..on_toy
        };
        assert!(
            odd.mismatch("the toy set", Some(&toy.class_names))
                .unwrap()
                .contains("its 1×28×28 images are not these")
        );
    }
}

#[cfg(all(test, feature = "compute"))]
mod format_tests {
    use crate::train::checkpoint::CheckpointHeader;

    #[test]
    fn a_header_without_it_reads_as_unknown_and_one_with_it_round_trips() {
        let old = r#"{"model":{"widths":[4,8],"kernel":3,"batch_norm":true,"dropout":0.0,"init":"KaimingNormal","classes":10,"conv_path":"Patches"},"stats":{"mean":[0.5,0.5,0.5],"std":[0.2,0.2,0.2]},"epochs":3}"#;
        let header: CheckpointHeader = serde_json::from_str(old).unwrap();
        assert_eq!(header.trained_on, None);
        let mut new = header.clone();
        new.trained_on = Some(super::TrainedOn::of(&crate::data::dataset::Dataset::toy()));
        let text = serde_json::to_string(&new).unwrap();
        assert!(
            text.contains(
                r#""trained_on":{"kind":"Toy","name":"toy shapes and stripes (built in)""#
            ),
            "{text}"
        );
        let back: CheckpointHeader = serde_json::from_str(&text).unwrap();
        assert_eq!(back.trained_on, new.trained_on);
        assert!(
            !serde_json::to_string(&header)
                .unwrap()
                .contains("trained_on")
        );
    }
}
