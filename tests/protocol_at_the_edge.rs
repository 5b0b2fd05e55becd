//! The protocol wraps the core, never the other way round: no core module (nor the leaf modules
//! the protocol re-exports) names `protocol`. Read from the source files, so a new import fails
//! here whatever feature compiles it.

use std::fs;
use std::path::{Path, PathBuf};

/// The core's folders, and the leaves the protocol re-exports.
const CORE: [&str; 11] = [
    "src/settings",
    "src/theory",
    "src/data",
    "src/nn",
    "src/train",
    "src/paper",
    "src/compute",
    "src/run_id.rs",
    "src/backend_choice.rs",
    "src/calibration.rs",
    "src/webgpu_adapter.rs",
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The lines of `text` whose code (comments aside) names the protocol.
fn protocol_uses(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or_default();
            code.contains("protocol")
        })
        .map(|(i, line)| (i + 1, line.trim()))
        .collect()
}

#[test]
fn no_core_module_imports_the_protocol() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for part in CORE {
        let path = root.join(part);
        assert!(path.exists(), "{part} is gone: update CORE");
        rust_files(&path, &mut files);
    }
    assert!(files.len() > 40, "{} files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (line, code) in protocol_uses(&text) {
            found.push(format!("{}:{line}: {code}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "core modules import the protocol:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_import_and_ignores_a_comment() {
    let text = "use crate::protocol::RunId;\n// see crate::protocol::ToWorker\nlet x = 1; // protocol::x\nuse crate::{protocol};\nuse crate::protocol;\n";
    let lines: Vec<usize> = protocol_uses(text).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [1, 4, 5]);
}
