//! The binary stands alone: copied into an empty folder and run from there, with no
//! `CALLBOT_*` variable, it answers from the knowledge and configuration built into it.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the copied binary in `dir` with an environment free of callbot's variables.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(dir.join("callbot"));
    command.args(args).current_dir(dir).env("RUST_LOG", "warn");
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLBOT") || name.starts_with("TELOXIDE") {
            command.env_remove(name);
        }
    }
    command.output().expect("the copied binary runs")
}

#[test]
fn the_binary_answers_from_an_empty_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(env!("CARGO_BIN_EXE_callbot"), dir.path().join("callbot")).expect("copy the binary");

    let output = run_in(dir.path(), &["ask", "俄乌交换了多少被俘人员？"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer = String::from_utf8_lossy(&output.stdout);
    assert!(answer.contains("175"), "{answer}");

    let output = run_in(dir.path(), &["check"]);
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(summary.contains("knowledge in the copy built into this binary: valid"), "{summary}");
    assert!(summary.contains("configuration in the copy built into this binary"), "{summary}");
}
