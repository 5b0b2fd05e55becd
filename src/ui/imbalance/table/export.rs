//! The results table's exports: CSV for a spreadsheet, Markdown for a write-up.

use super::{Row, SUMMARY_COLUMNS, best_per_column, cell};
use crate::format::plain;

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

#[cfg(test)]
mod tests {
    use super::super::tests::two;
    use super::*;

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
}
