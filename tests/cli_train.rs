//! `lectern train`: a tiny run on the built-in toy data, and the refusals.

mod common;

use common::{assert_refused, lectern};
use lectern::scratch::ScratchDir;

#[test]
fn a_tiny_toy_run_writes_the_json_report() {
    let dir = ScratchDir::new();
    let json = dir.path().join("run.json");
    let output = lectern(&[
        "train",
        "--data",
        "toy",
        "--per-class",
        "4",
        "--epochs",
        "1",
        "--batch",
        "20",
        "--width",
        "4,8",
        "--imbalance",
        "2",
        "--loss",
        "cb-focal",
        "--gamma",
        "2",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let accuracy = v["accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy));
    assert_eq!(v["per_class_accuracy"].as_array().unwrap().len(), 10);
    assert_eq!(v["train_counts"][0], 4);
    assert_eq!(v["train_counts"][9], 2, "IF = 2 halves the last class");
    assert_eq!(v["curves"].as_array().unwrap().len(), 1);
    let confusion_total: u64 = v["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        confusion_total, 500,
        "the toy test set has 50 images a class"
    );
}

#[test]
fn bad_options_are_refused() {
    assert_refused(&[
        (
            vec!["train", "--data", "toy", "--loss", "hinge"],
            "“hinge” is not a loss: use ce, focal, cb-softmax, cb-sigmoid or cb-focal",
        ),
        (
            vec!["train", "--data", "toy", "--beta", "1"],
            "β must be in [0, 1), got 1",
        ),
        (
            vec!["train", "--data", "toy", "--gamma", "-1", "--loss", "focal"],
            "γ must be in 0–10, got -1",
        ),
        (
            vec!["train", "--data", "toy", "--lr", "0"],
            "learning rate must be in 0.0001–10, got 0",
        ),
        (vec!["train", "--data", "toy", "--batch", "0"], "batch size"),
        (
            vec!["train", "--data", "toy", "--imbalance", "0.5"],
            "imbalance factor",
        ),
        (
            vec!["train", "--data", "/nowhere.tar.gz"],
            "/nowhere.tar.gz",
        ),
    ]);
}
