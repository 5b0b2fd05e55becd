//! `lectern train --save` → `lectern eval`: a saved model scores exactly what it scored when it
//! was trained; bad checkpoints and data are refused; a NaN keeps the last finished epoch.

mod common;

use common::{assert_refused, lectern};
use lectern::data::dataset::Dataset;
use lectern::data::toy::toy_records;
use lectern::scratch::ScratchDir;

/// A tiny toy run on 40 images, widths 4/8.
fn tiny_train(epochs: &str, extra: &[&str], json: &str, save: &str) -> std::process::Output {
    let mut args = vec![
        "train",
        "--data",
        "toy",
        "--per-class",
        "4",
        "--epochs",
        epochs,
        "--batch",
        "20",
        "--width",
        "4,8",
        "--json",
        json,
        "--save",
        save,
    ];
    args.extend_from_slice(extra);
    lectern(&args)
}

/// `lectern eval --json` of `model` on the toy test set `lectern train --data toy` used
/// (`Dataset::toy().test`), written as one batch file.
fn eval_on_the_toy_test_set(dir: &std::path::Path, model: &std::path::Path) -> serde_json::Value {
    let batch = dir.join("toy_test.bin");
    std::fs::write(&batch, Dataset::toy().test.as_bytes()).unwrap();
    let output = lectern(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        batch.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_saved_model_evaluates_to_the_accuracy_it_was_trained_to() {
    let dir = ScratchDir::new();
    let (json, model) = (dir.path().join("run.json"), dir.path().join("model.bin"));
    let output = tiny_train("2", &[], json.to_str().unwrap(), model.to_str().unwrap());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = read_json(&json);
    let eval = eval_on_the_toy_test_set(dir.path(), &model);
    assert_eq!(eval["images"], 500);
    assert_eq!(eval["accuracy"], run["accuracy"]);
    assert_eq!(eval["per_class_accuracy"], run["per_class_accuracy"]);
    assert_eq!(eval["confusion"], run["confusion"]);
    assert_eq!(eval["per_class_accuracy"].as_array().unwrap().len(), 10);

    // The text form names the numbers too.
    let batch = dir.path().join("toy_test.bin");
    let text = lectern(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--data",
        batch.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("accuracy"));
}

#[test]
fn a_nan_loss_keeps_and_saves_the_last_finished_epoch() {
    let dir = ScratchDir::new();
    let (json, model) = (dir.path().join("run.json"), dir.path().join("model.bin"));
    // Epoch 1 trains; after it the learning rate is multiplied by 100 each epoch (5, 500,
    // 50,000…) and the loss overflows within the next epochs.
    let output = tiny_train(
        "6",
        &["--schedule", "step:1,2,3,4:100", "--momentum", "0"],
        json.to_str().unwrap(),
        model.to_str().unwrap(),
    );
    assert!(!output.status.success(), "a NaN run must exit ≠ 0");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the loss became"), "{stderr}");
    let run = read_json(&json);
    let completed = run["epochs_completed"].as_u64().unwrap();
    assert!((1..6).contains(&completed), "{completed}");
    assert!(
        stderr.contains(&format!("saved the model after epoch {completed}")),
        "{stderr}"
    );
    assert!(run["error"].as_str().unwrap().contains("the loss became"));
    assert_eq!(run["curves"].as_array().unwrap().len() as u64, completed);
    // What was saved is the model the report scored: the last finished epoch's.
    let eval = eval_on_the_toy_test_set(dir.path(), &model);
    assert_eq!(eval["accuracy"], run["accuracy"]);
}

#[test]
fn bad_models_data_and_options_are_refused() {
    let dir = ScratchDir::new();
    let not_a_model = dir.path().join("notes.bin");
    std::fs::write(&not_a_model, b"hello").unwrap();
    let batch = dir.path().join("test_batch.bin");
    std::fs::write(&batch, toy_records(1, 1)).unwrap();
    let short = dir.path().join("short.bin");
    std::fs::write(&short, vec![0u8; 3000]).unwrap();
    let existing = dir.path().join("keep.bin");
    std::fs::write(&existing, b"an older model").unwrap();
    let p = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (not_a_model, batch, short, existing) =
        (p(&not_a_model), p(&batch), p(&short), p(&existing));
    assert_refused(&[
        (
            vec!["eval", "--model", &not_a_model, "--data", &batch],
            "not a lectern checkpoint",
        ),
        (
            vec!["eval", "--model", "/nowhere/model.bin", "--data", &batch],
            "/nowhere/model.bin",
        ),
        (
            vec!["train", "--data", "toy", "--schedule", "step:5"],
            "is not a schedule",
        ),
        (
            vec!["train", "--data", "toy", "--schedule", "step:5:-1"],
            "decay factor must be in 0.001\u{2013}100, got -1",
        ),
        (
            vec!["train", "--data", "toy", "--backend", "wgpu"],
            "no WebGPU backend",
        ),
        (
            vec!["train", "--data", "toy", "--backend", "tpu"],
            "invalid value 'tpu' for '--backend <BACKEND>'",
        ),
        (
            vec!["train", "--data", "toy", "--save", "/nowhere/model.bin"],
            "does not exist",
        ),
    ]);
    // A batch file with a length that is not whole records names the file.
    let model = dir.path().join("model.bin");
    let json = dir.path().join("run.json");
    assert!(
        tiny_train("2", &[], json.to_str().unwrap(), model.to_str().unwrap())
            .status
            .success()
    );
    assert_refused(&[(
        vec!["eval", "--model", model.to_str().unwrap(), "--data", &short],
        "short.bin",
    )]);
    // A run refused before training leaves an existing file alone.
    let refused = lectern(&["train", "--data", "toy", "--lr", "0", "--save", &existing]);
    assert!(!refused.status.success());
    assert_eq!(std::fs::read(&existing).unwrap(), b"an older model");
}

#[test]
fn a_save_that_fails_after_training_leaves_the_older_file_whole() {
    let dir = ScratchDir::new();
    let existing = dir.path().join("keep.bin");
    std::fs::write(&existing, b"an older model").unwrap();
    // The staging file the save writes first cannot be created (a folder is in its place), so
    // the save fails after training, at the moment it would write.
    std::fs::create_dir(dir.path().join("keep.bin.partial")).unwrap();
    let json = dir.path().join("run.json");
    let output = tiny_train("1", &[], json.to_str().unwrap(), existing.to_str().unwrap());
    assert!(!output.status.success(), "a failed save is an error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("keep.bin: could not write the checkpoint"),
        "{stderr}"
    );
    assert!(json.exists(), "the run itself finished and was reported");
    assert_eq!(std::fs::read(&existing).unwrap(), b"an older model");
}

#[test]
fn a_checkpoint_whose_head_has_more_classes_than_the_data_is_refused() {
    // A saved model with its header edited to claim a 12-class head (same length: the header's
    // size prefix stays right): evaluating it would count predictions past the ten classes.
    let dir = ScratchDir::new();
    let model = dir.path().join("m.bin");
    let json = dir.path().join("run.json");
    let output = tiny_train("1", &[], json.to_str().unwrap(), model.to_str().unwrap());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&model).unwrap();
    let at = bytes
        .windows(13)
        .position(|w| w == b"\"classes\":10,")
        .expect("the header names its classes");
    let mut crafted = bytes.clone();
    crafted[at + 10..at + 12].copy_from_slice(b"12");
    let crafted_path = dir.path().join("crafted.bin");
    std::fs::write(&crafted_path, crafted).unwrap();
    assert_refused(&[(
        vec![
            "eval",
            "--model",
            crafted_path.to_str().unwrap(),
            "--data",
            "toy",
        ],
        "lectern's datasets have 10 classes, this network has 12",
    )]);
}

#[test]
fn a_model_evaluated_on_other_data_than_it_was_trained_on_says_so() {
    // A toy model scored on CIFAR-10 (a `cifar-10-batches-bin` folder): one sentence on
    // stderr, then the figures as before (was: near-chance accuracy without a word).
    let dir = ScratchDir::new();
    let model = dir.path().join("toy-model.bin");
    let json = dir.path().join("run.json");
    let output = tiny_train("1", &[], json.to_str().unwrap(), model.to_str().unwrap());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = dir.path().join("cifar-10-batches-bin");
    std::fs::create_dir_all(&folder).unwrap();
    let names = lectern::data::dataset::CIFAR10_CLASSES.join("\n");
    std::fs::write(folder.join("batches.meta.txt"), names).unwrap();
    let records = toy_records(2, 9);
    for i in 1..=5 {
        std::fs::write(folder.join(format!("data_batch_{i}.bin")), &records).unwrap();
    }
    std::fs::write(folder.join("test_batch.bin"), &records).unwrap();
    let eval = |data: &str| {
        let output = lectern(&["eval", "--model", model.to_str().unwrap(), "--data", data]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (
            String::from_utf8_lossy(&output.stderr).into_owned(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (stderr, stdout) = eval(folder.to_str().unwrap());
    assert!(
        stderr.contains(&format!(
            "note: This model was trained on the toy set, and {} is loaded: its classes are not these, so its accuracy here will be near chance (1 in 10); load the toy set to evaluate it.",
            folder.display()
        )),
        "{stderr}"
    );
    assert!(stdout.contains("accuracy"), "{stdout}");
    // On its own data, and on a lone batch file (no class names to compare), nothing is said.
    assert!(!eval("toy").0.contains("note:"));
    let batch = folder.join("test_batch.bin");
    assert!(!eval(batch.to_str().unwrap()).0.contains("note:"));
}
