//! The results table as it comes back from `localStorage`: rows that decode but do not have the
//! table's shape (an older lectern, storage edited by hand) are left out with a note, since the
//! table, its exports and its reading index every row by class.

use super::table::Row;
use crate::data::cifar::CLASSES;

/// The rows that have one class name, training count and accuracy per class; and, if any were
/// left out, the sentence that says so.
pub fn restore(mut rows: Vec<Row>) -> (Vec<Row>, Option<&'static str>) {
    let saved = rows.len();
    keep(&mut rows, &|r| {
        [r.class_names.len(), r.train_counts.len(), r.per_class.len()] == [CLASSES; 3]
    });
    let note = (rows.len() < saved)
        .then_some("Saved results rows that could not be read back were left out.");
    (rows, note)
}

/// Keeps the rows `wanted` (one `retain` for the whole UI bundle: each closure type would
/// compile another).
pub fn keep(rows: &mut Vec<Row>, wanted: &dyn Fn(&Row) -> bool) {
    rows.retain(|r| wanted(r));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::data::{DatasetKind, SubsetSettings};
    use crate::settings::loss::{LossKind, LossSettings};
    use crate::train::metrics::ShotGroups;
    use crate::ui::imbalance::state::{ImbalanceAction, ImbalanceState};
    use crate::ui::imbalance::table::{best_per_column, reading, to_csv, to_markdown};

    fn row(run: u32, kind: LossKind) -> Row {
        Row {
            run,
            dataset: DatasetKind::Toy,
            subset: SubsetSettings {
                per_class: 100,
                imbalance: 50.0,
            },
            loss: LossSettings {
                kind,
                beta: 0.9999,
                gamma: 1.0,
            },
            learning_rate: 0.05,
            epochs: 3,
            class_names: (0..10).map(|i| format!("c{i}")).collect(),
            train_counts: vec![100, 64, 41, 27, 17, 11, 7, 4, 3, 2],
            per_class: (0..10).map(|i| 0.1 * f64::from(run + i)).collect(),
            accuracy: 0.5,
            mean_per_class: 0.5,
            shot: ShotGroups {
                many: None,
                medium: Some(0.5),
                few: Some(0.2),
            },
            diverged: None,
        }
    }

    #[test]
    fn rows_of_the_wrong_shape_are_left_out_with_a_note() {
        // A cross-entropy baseline with 3 accuracies (was: `reading` indexed class 3 of it and
        // panicked, which froze the page), a row with 11 class names, and one with no counts.
        let mut short = row(1, LossKind::CrossEntropy);
        short.per_class.truncate(3);
        let mut names = row(2, LossKind::CrossEntropy);
        names.class_names.push("extra".into());
        let mut counts = row(3, LossKind::CbFocal);
        counts.train_counts.clear();
        let good = [row(4, LossKind::CrossEntropy), row(5, LossKind::CbFocal)];
        // `short` is the newest cross-entropy run: the baseline `reading` compares run 5 against.
        let saved = vec![good[0].clone(), names, counts, short, good[1].clone()];
        let mut state = ImbalanceState::default();
        state.apply(ImbalanceAction::Restore(saved));
        let rows = state.rows.as_ref().clone();
        assert_eq!(rows, good);
        assert_eq!(
            state.notes.last().map(String::as_str),
            Some("Saved results rows that could not be read back were left out.")
        );
        assert!(reading(&rows).unwrap().contains("Against cross-entropy"));
        assert_eq!(best_per_column(&rows).len(), 14);
        assert_eq!(to_csv(&rows).lines().count(), 3);
        assert_eq!(to_markdown(&rows).lines().count(), 4);
        assert_eq!(restore(good.to_vec()), (good.to_vec(), None));
    }
}
