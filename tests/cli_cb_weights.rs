//! `lectern cb-weights`: class-balanced weights from the command line.

mod common;

use common::{assert_refused, lectern};

#[test]
fn weights_for_the_long_tail_sum_to_ten() {
    let output = lectern(&[
        "cb-weights",
        "--counts",
        "5000,2997,1796,1077,645,387,232,139,83,50",
        "--beta",
        "0.9999",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let w: Vec<f64> = v["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(w.len(), 10);
    assert!((w.iter().sum::<f64>() - 10.0).abs() < 1e-9);
    assert!(
        w[9] > 10.0 * w[0],
        "the rarest class weighs far more: {w:?}"
    );
}

#[test]
fn bad_beta_and_counts_are_refused() {
    assert_refused(&[
        (
            vec!["cb-weights", "--counts", "10,20", "--beta", "1"],
            "β must be in [0, 1), got 1",
        ),
        (
            vec!["cb-weights", "--counts", "10,20", "--beta", "-0.5"],
            "β must be in [0, 1)",
        ),
        (
            vec!["cb-weights", "--counts", "10,x", "--beta", "0.9"],
            "“x” is not a whole number",
        ),
        (
            vec!["cb-weights", "--counts", "10,0", "--beta", "0.9"],
            "class 1 has no images",
        ),
    ]);
}
