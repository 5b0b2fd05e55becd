//! The paragraph that reads the results table: what the newest run changed against
//! cross-entropy on the same data, from the numbers obtained.

use super::Row;
use crate::format::percent;

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
    use super::super::tests::two;
    use super::*;

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
