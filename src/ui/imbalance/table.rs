//! The imbalance lab's results table, like a write-up's: one row per run, one column per class,
//! then the mean per-class accuracy and the many-, medium- and few-shot means. Plain Rust: the
//! best value of each column, the CSV and Markdown exports, and the paragraph that reads the
//! numbers are all computed here (and tested natively).

use serde::{Deserialize, Serialize};

use crate::format::{percent, plain};
use crate::protocol::training::RunResults;
use crate::settings::data::{DatasetKind, SubsetSettings};
use crate::settings::loss::LossSettings;
use crate::train::metrics::ShotGroups;

/// One finished (or diverged) run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub run: u32,
    pub dataset: DatasetKind,
    pub subset: SubsetSettings,
    pub loss: LossSettings,
    pub learning_rate: f64,
    pub epochs: usize,
    pub class_names: Vec<String>,
    pub train_counts: Vec<usize>,
    pub per_class: Vec<f64>,
    pub accuracy: f64,
    pub mean_per_class: f64,
    pub shot: ShotGroups,
    /// Why the run stopped early (a NaN loss), with the epochs it finished.
    pub diverged: Option<String>,
}

impl Row {
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        run: u32,
        dataset: DatasetKind,
        subset: SubsetSettings,
        loss: LossSettings,
        learning_rate: f64,
        class_names: Vec<String>,
        train_counts: Vec<usize>,
        results: &RunResults,
        diverged: Option<String>,
    ) -> Self {
        Self {
            run,
            dataset,
            subset,
            loss,
            learning_rate,
            epochs: results.epochs,
            class_names,
            per_class: results.test.per_class_accuracy(),
            accuracy: results.test.accuracy(),
            mean_per_class: results.test.mean_per_class_accuracy(),
            shot: results.test.shot_groups(&train_counts),
            train_counts,
            diverged,
        }
    }

    /// The figures of the columns after the per-class ones: mean per class, many, medium, few.
    pub fn summary(&self) -> [Option<f64>; 4] {
        [
            Some(self.mean_per_class),
            self.shot.many,
            self.shot.medium,
            self.shot.few,
        ]
    }

    /// `CB focal (β = 0.9999, γ = 1)`, with "NaN" marked.
    pub fn label(&self) -> String {
        self.loss.describe()
    }
}

/// The titles of the summary columns.
pub const SUMMARY_COLUMNS: [&str; 4] = [
    "mean per class",
    "many-shot (> 100)",
    "medium-shot",
    "few-shot (< 20)",
];

/// For each column (10 classes, then the 4 summaries), the rows holding its best value.
pub fn best_per_column(rows: &[Row]) -> Vec<Vec<usize>> {
    let classes = rows.first().map_or(0, |r| r.per_class.len());
    let column = |value: &dyn Fn(&Row) -> Option<f64>| -> Vec<usize> {
        let best = rows
            .iter()
            .filter(|r| r.diverged.is_none())
            .filter_map(value)
            .fold(f64::NEG_INFINITY, f64::max);
        if !best.is_finite() {
            return Vec::new();
        }
        rows.iter()
            .enumerate()
            .filter(|(_, r)| r.diverged.is_none() && value(r) == Some(best))
            .map(|(i, _)| i)
            .collect()
    };
    let mut best: Vec<Vec<usize>> = (0..classes)
        .map(|c| column(&|r: &Row| r.per_class.get(c).copied()))
        .collect();
    for k in 0..SUMMARY_COLUMNS.len() {
        best.push(column(&|r: &Row| r.summary()[k]));
    }
    best
}

/// An accuracy in percent with one decimal (`63.9`), or a dash where there is none.
pub fn cell(value: Option<f64>) -> String {
    value.map_or("\u{2014}".into(), |v| format!("{:.1}", 100.0 * v))
}

/// CSV: a header, then one line per run; accuracies in percent with one decimal.
pub fn to_csv(rows: &[Row]) -> String {
    let names = rows
        .first()
        .map(|r| r.class_names.clone())
        .unwrap_or_default();
    // Class names come from an uploaded archive: one starting with = + - @ (or a tab or CR)
    // would be a formula in a spreadsheet, so it gets a leading ' (shown as text).
    let quote = |s: &str| {
        let mut s = s.to_string();
        if matches!(
            s.bytes().next(),
            Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
        ) {
            s.insert(0, '\'');
        }
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut header = vec![
        "loss".to_string(),
        "beta".into(),
        "gamma".into(),
        "learning_rate".into(),
        "epochs".into(),
        "imbalance".into(),
        "n_max".into(),
    ];
    header.extend(names.iter().map(|n| quote(n)));
    header.extend(
        [
            "mean_per_class",
            "many_shot",
            "medium_shot",
            "few_shot",
            "diverged",
        ]
        .map(String::from),
    );
    let mut out = header.join(",") + "\n";
    for r in rows {
        let mut line = vec![
            r.loss.kind.key().to_string(),
            plain(r.loss.beta),
            plain(r.loss.gamma),
            plain(r.learning_rate),
            r.epochs.to_string(),
            plain(r.subset.imbalance),
            r.subset.per_class.to_string(),
        ];
        line.extend(r.per_class.iter().map(|&a| format!("{:.1}", 100.0 * a)));
        line.extend(r.summary().iter().map(|v| match v {
            Some(v) => format!("{:.1}", 100.0 * v),
            None => String::new(),
        }));
        line.push(r.diverged.as_deref().map(quote).unwrap_or_default());
        out += &(line.join(",") + "\n");
    }
    out
}

/// A Markdown table to paste into a write-up, the best value of each column in bold.
pub fn to_markdown(rows: &[Row]) -> String {
    let names = rows
        .first()
        .map(|r| r.class_names.clone())
        .unwrap_or_default();
    let best = best_per_column(rows);
    let mut header = vec!["loss".to_string(), "lr".into()];
    header.extend(names.iter().cloned());
    header.extend(SUMMARY_COLUMNS.iter().map(|s| s.to_string()));
    let mut out = format!("| {} |\n", header.join(" | "));
    out += &format!("|{}\n", " --- |".repeat(header.len()));
    for (i, r) in rows.iter().enumerate() {
        let mut line = vec![
            if r.diverged.is_some() {
                format!("{} (NaN after {} epochs)", r.label(), r.epochs)
            } else {
                r.label()
            },
            plain(r.learning_rate),
        ];
        let values = r.per_class.iter().map(|&a| Some(a)).chain(r.summary());
        for (column, value) in values.enumerate() {
            let text = cell(value);
            line.push(if best.get(column).is_some_and(|b| b.contains(&i)) {
                format!("**{text}**")
            } else {
                text
            });
        }
        out += &format!("| {} |\n", line.join(" | "));
    }
    out
}

/// Reads the table: the newest run against the newest cross-entropy run on the same data,
/// from the numbers obtained (which classes gained and lost how much, head vs tail).
pub fn reading(rows: &[Row]) -> Option<String> {
    let latest = rows.iter().rev().find(|r| r.diverged.is_none())?;
    let baseline = rows.iter().rev().find(|r| {
        r.run != latest.run
            && r.diverged.is_none()
            && r.loss.kind == crate::settings::loss::LossKind::CrossEntropy
            && r.dataset == latest.dataset
            && r.subset == latest.subset
    });
    let Some(base) = baseline else {
        let rarest = latest
            .train_counts
            .iter()
            .enumerate()
            .min_by_key(|&(_, n)| *n)
            .map(|(c, _)| c)?;
        let next = if latest.loss.kind == crate::settings::loss::LossKind::CrossEntropy {
            "Run a class-balanced loss on the same data (Compare) to see what it changes."
        } else {
            "Run cross-entropy on the same data (Compare) to see what the loss changes."
        };
        return Some(format!(
            "{} reached {} mean per-class accuracy ({} overall); the rarest class, {} ({} training images), {}. {next}",
            latest.label(),
            percent(latest.mean_per_class, 1),
            percent(latest.accuracy, 1),
            latest.class_names.get(rarest).cloned().unwrap_or_default(),
            latest.train_counts[rarest],
            percent(latest.per_class[rarest], 1)
        ));
    };
    let n = latest.per_class.len();
    let half = n / 2;
    // Classes sorted by training count, most common first (ties in class order; ten classes,
    // each inserted in its place).
    let count = |c: usize| latest.train_counts.get(c).copied().unwrap_or(0);
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for c in 0..n {
        order.insert(order.partition_point(|&d| count(d) >= count(c)), c);
    }
    let mean = |rows: &Row, classes: &[usize]| -> f64 {
        classes.iter().map(|&c| rows.per_class[c]).sum::<f64>() / classes.len().max(1) as f64
    };
    let (head, tail) = order.split_at(half);
    let points = |v: f64| {
        let p = 100.0 * v;
        if p >= 0.0 {
            format!("+{p:.1}")
        } else {
            format!("\u{2212}{:.1}", -p)
        }
    };
    let deltas: Vec<(usize, f64)> = (0..n)
        .map(|c| (c, latest.per_class[c] - base.per_class[c]))
        .collect();
    let gain = deltas
        .iter()
        .copied()
        .fold((0, f64::NEG_INFINITY), |a, d| if d.1 > a.1 { d } else { a });
    let loss = deltas
        .iter()
        .copied()
        .fold((0, f64::INFINITY), |a, d| if d.1 < a.1 { d } else { a });
    let name = |c: usize| {
        latest
            .class_names
            .get(c)
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    let mut text = format!(
        "Against cross-entropy on the same data, {} moved the {} rarest classes from {} to {} on average ({} points) and the {} most common from {} to {} ({} points); mean per-class accuracy went from {} to {}, overall accuracy from {} to {}.",
        latest.label(),
        tail.len(),
        percent(mean(base, tail), 1),
        percent(mean(latest, tail), 1),
        points(mean(latest, tail) - mean(base, tail)),
        head.len(),
        percent(mean(base, head), 1),
        percent(mean(latest, head), 1),
        points(mean(latest, head) - mean(base, head)),
        percent(base.mean_per_class, 1),
        percent(latest.mean_per_class, 1),
        percent(base.accuracy, 1),
        percent(latest.accuracy, 1),
    );
    if gain.1 > 0.0 {
        text += &format!(
            " The largest gain: {} ({} images, {} points).",
            name(gain.0),
            latest.train_counts[gain.0],
            points(gain.1)
        );
    }
    if loss.1 < 0.0 {
        text += &format!(
            " The largest loss: {} ({} images, {} points).",
            name(loss.0),
            latest.train_counts[loss.0],
            points(loss.1)
        );
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::loss::LossKind;

    fn row(run: u32, kind: LossKind, per_class: Vec<f64>) -> Row {
        let counts = vec![100, 64, 41, 27, 17, 11, 7, 4, 3, 2];
        let mean = per_class.iter().sum::<f64>() / per_class.len() as f64;
        let group = |keep: &dyn Fn(usize) -> bool| {
            let v: Vec<f64> = per_class
                .iter()
                .zip(&counts)
                .filter(|&(_, &n)| keep(n))
                .map(|(&a, _)| a)
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let shot = ShotGroups {
            many: group(&|n| n > 100),
            medium: group(&|n| (20..=100).contains(&n)),
            few: group(&|n| n < 20),
        };
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
            epochs: 12,
            class_names: (0..10).map(|i| format!("c{i}")).collect(),
            train_counts: counts,
            accuracy: mean,
            mean_per_class: mean,
            shot,
            per_class,
            diverged: None,
        }
    }

    fn two() -> Vec<Row> {
        vec![
            row(
                1,
                LossKind::CrossEntropy,
                vec![0.9, 0.9, 0.8, 0.7, 0.5, 0.2, 0.1, 0.0, 0.0, 0.0],
            ),
            row(
                2,
                LossKind::CbFocal,
                vec![0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.4, 0.4, 0.3, 0.2],
            ),
        ]
    }

    #[test]
    fn the_best_of_each_column_is_found_and_ties_marked() {
        let rows = two();
        let best = best_per_column(&rows);
        assert_eq!(best.len(), 14);
        assert_eq!(best[0], vec![0], "CE is best on the head class");
        assert_eq!(best[9], vec![1], "CB focal on the rarest");
        assert_eq!(best[10], vec![1], "and on the mean per class");
        let mut tied = rows.clone();
        tied[1].per_class[2] = 0.8;
        assert_eq!(best_per_column(&tied)[2], vec![0, 1]);
        tied[1].diverged = Some("NaN".into());
        assert_eq!(
            best_per_column(&tied)[9],
            vec![0],
            "a NaN run is never best"
        );
    }

    #[test]
    fn csv_parses_back_to_the_table() {
        let rows = two();
        let csv = to_csv(&rows);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header[7], "c0");
        let second: Vec<&str> = lines[2].split(',').collect();
        assert_eq!(second[0], "cb-focal");
        assert_eq!(second.len(), header.len());
        for (c, &a) in rows[1].per_class.iter().enumerate() {
            let v: f64 = second[7 + c].parse().unwrap();
            assert!((v - 100.0 * a).abs() < 0.051);
        }
    }

    #[test]
    fn class_names_that_a_spreadsheet_would_run_stay_text_in_the_csv() {
        let mut rows = two();
        for row in &mut rows {
            row.class_names[0] = "=HYPERLINK(\"http://x\",\"y\")".into();
            row.class_names[1] = "@SUM(A1)".into();
            row.class_names[2] = "-1+1".into();
        }
        let csv = to_csv(&rows);
        let header = csv.lines().next().unwrap();
        assert!(
            header.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(A1),'-1+1,"),
            "{header}"
        );
    }

    #[test]
    fn markdown_bolds_the_best_and_marks_nan_runs() {
        let mut rows = two();
        let md = to_markdown(&rows);
        assert!(md.starts_with("| loss | lr | c0 |"));
        assert!(md.contains("| cross-entropy | 0.05 | **90.0** |"));
        rows[0].diverged = Some("NaN".into());
        assert!(to_markdown(&rows).contains("(NaN after 12 epochs)"));
    }

    #[test]
    fn the_reading_compares_head_and_tail_from_the_numbers() {
        let text = reading(&two()).unwrap();
        // Tail (5 rarest: c5–c9): CE 6 %, CB focal 36 %; head (c0–c4): 76 % → 68 %.
        assert!(
            text.contains("5 rarest classes from 6.0\u{a0}% to 36.0\u{a0}%"),
            "{text}"
        );
        assert!(text.contains("(+30.0 points)"), "{text}");
        assert!(
            text.contains("most common from 76.0\u{a0}% to 68.0\u{a0}% (\u{2212}8.0 points)"),
            "{text}"
        );
        assert!(
            text.contains("largest gain: c7 (4 images, +40.0 points)"),
            "{text}"
        );
        let single = reading(&two()[..1]).unwrap();
        assert!(single.contains("Run a class-balanced loss"), "{single}");
    }
}
