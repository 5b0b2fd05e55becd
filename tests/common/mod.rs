//! Helpers shared by the CLI tests: run `lectern` as a user does.

use std::process::{Command, Output};

/// Runs the built `lectern` binary with `args`.
pub fn lectern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .output()
        .unwrap()
}

/// Each command must fail (exit ≠ 0) with its message on stderr.
pub fn assert_refused(cases: &[(Vec<&str>, &str)]) {
    for (args, needle) in cases {
        let output = lectern(args);
        assert!(!output.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
