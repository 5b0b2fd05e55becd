//! Choosing the images a run trains on: the first n of each class in file order (the official
//! files are shuffled, the toy set is seeded, so this is a uniform, reproducible choice), as many
//! for every class or a long tail (Cui et al. 2019).

use serde::{Deserialize, Serialize};

use super::cifar::{CLASSES, Records};
use super::long_tail::long_tail_counts;
use crate::settings::SettingsError;
use crate::settings::data::SubsetSettings;

/// Why a subset cannot be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubsetError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    TooFew(#[from] TooFewImages),
}

/// A class has fewer training images than the subset asks of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "class {class} ({name}) has {available} training images, {wanted} were asked for: lower the images per class to {available} or fewer"
)]
pub struct TooFewImages {
    pub class: usize,
    pub name: String,
    pub available: usize,
    pub wanted: usize,
}

/// Images per class that `settings` asks for.
pub fn wanted_counts(settings: &SubsetSettings) -> Result<Vec<usize>, SubsetError> {
    settings.validate()?;
    Ok(if settings.is_long_tailed() {
        long_tail_counts(settings.per_class, settings.imbalance, CLASSES)
            .expect("validated settings make a long tail")
    } else {
        vec![settings.per_class; CLASSES]
    })
}

/// The first `wanted[c]` records of each class c, in order, and how many were taken of each
/// (fewer where a class has fewer).
pub fn take_per_class<'a>(
    records: impl IntoIterator<Item = &'a [u8]>,
    wanted: &[usize],
) -> (Vec<&'a [u8]>, Vec<usize>) {
    let mut taken = vec![0; wanted.len()];
    let mut chosen = Vec::with_capacity(
        wanted
            .iter()
            .fold(0usize, |a, &b| a.saturating_add(b))
            .min(1 << 16),
    );
    for record in records {
        let class = record[0] as usize;
        if taken[class] < wanted[class] {
            taken[class] += 1;
            chosen.push(record);
        }
    }
    (chosen, taken)
}

/// The training subset of `pool` that `settings` asks for, refusing a class that has too few
/// images (named with `class_names`).
pub fn select(
    pool: &Records,
    settings: &SubsetSettings,
    class_names: &[String],
) -> Result<Records, SubsetError> {
    let wanted = wanted_counts(settings)?;
    let available = pool.class_counts();
    if let Some(class) = (0..CLASSES).find(|&c| wanted[c] > available[c]) {
        return Err(SubsetError::TooFew(TooFewImages {
            class,
            name: class_names.get(class).cloned().unwrap_or_default(),
            available: available[class],
            wanted: wanted[class],
        }));
    }
    let (chosen, _) = take_per_class(pool.records(), &wanted);
    Ok(Records::join(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toy::{TOY_CLASSES, toy_records};

    fn names() -> Vec<String> {
        TOY_CLASSES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_balanced_subset_takes_the_first_of_each_class() {
        let pool = Records::parse(toy_records(20, 1)).unwrap();
        let subset = SubsetSettings {
            per_class: 5,
            imbalance: 1.0,
        };
        let chosen = select(&pool, &subset, &names()).unwrap();
        assert_eq!(chosen.class_counts(), [5; CLASSES]);
        let first_of_class_3 = pool.records().find(|r| r[0] == 3).unwrap();
        assert!(chosen.records().any(|r| r == first_of_class_3));
    }

    #[test]
    fn a_long_tail_follows_the_profile() {
        let pool = Records::parse(toy_records(100, 1)).unwrap();
        let subset = SubsetSettings {
            per_class: 100,
            imbalance: 100.0,
        };
        let chosen = select(&pool, &subset, &names()).unwrap();
        assert_eq!(
            chosen.class_counts().to_vec(),
            long_tail_counts(100, 100.0, CLASSES).unwrap()
        );
        assert_eq!(chosen.class_counts()[9], 1);
    }

    #[test]
    fn asking_for_more_than_there_is_names_the_class() {
        let pool = Records::parse(toy_records(3, 1)).unwrap();
        let subset = SubsetSettings {
            per_class: 4,
            imbalance: 1.0,
        };
        let err = select(&pool, &subset, &names()).unwrap_err().to_string();
        assert!(
            err.starts_with("class 0 (disc) has 3 training images, 4 were asked"),
            "{err}"
        );
        let bad = SubsetSettings {
            per_class: 0,
            imbalance: 1.0,
        };
        assert!(matches!(
            select(&pool, &bad, &names()),
            Err(SubsetError::Settings(_))
        ));
    }
}
