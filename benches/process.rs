//! Whole-process speed and memory of `callbot ask`, and the same figures for the jieba +
//! BM25 baseline in ../shared/eval/, measured in one run so that their ratio holds on a
//! noisy machine.
//!
//! Run with `cargo bench --bench process`. The baseline needs a Python with `jieba` and
//! `rank_bm25` (`python3 -m venv .venv && .venv/bin/pip install jieba rank_bm25`), named
//! by `CALLBOT_BASELINE_PYTHON` (default `python3`); without it only callbot is measured.
//!
//! Per-question time = (time for the question file − time for empty input) / questions,
//! as ../shared/eval/README.md derives it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};

/// How many times the project's question set is repeated in the batch input.
const REPEAT: usize = 18;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn batch_input() -> String {
    let text = std::fs::read_to_string(crate_dir().join("tests/data/questions.jsonl")).expect("question set");
    let questions: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_owned))
        .collect();
    questions.iter().cycle().take(questions.len() * REPEAT).map(|q| format!("{q}\n")).collect()
}

/// Runs a command with this standard input; returns its peak RSS in KiB. The child is
/// reaped with `wait4`, which also reports its resource usage.
#[allow(clippy::zombie_processes)]
fn run(program: &Path, args: &[&str], input: &[u8]) -> i64 {
    let mut child = Command::new(program)
        .args(args)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("command starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write input");
    drop(stdin);
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "command failed");
    usage.ru_maxrss
}

fn baseline() -> Option<(PathBuf, PathBuf)> {
    let python =
        PathBuf::from(std::env::var("CALLBOT_BASELINE_PYTHON").unwrap_or_else(|_| "python3".to_owned()));
    let script = crate_dir().join("../shared/eval/baseline_bm25.py");
    let usable = script.is_file()
        && Command::new(&python)
            .args(["-c", "import jieba, rank_bm25"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !usable {
        eprintln!("baseline skipped: set CALLBOT_BASELINE_PYTHON to a Python with jieba and rank_bm25");
    }
    usable.then_some((python, script))
}

fn bench(c: &mut Criterion) {
    let callbot = PathBuf::from(env!("CARGO_BIN_EXE_callbot"));
    let batch = batch_input();
    let lines = batch.lines().count();
    let peak = run(&callbot, &["ask", "他们谈了什么？"], b"");
    eprintln!("callbot ask \"他们谈了什么？\": peak RSS {:.1} MiB", peak as f64 / 1024.0);
    let peak = run(&callbot, &["ask", "--json"], batch.as_bytes());
    eprintln!("callbot ask --json with {lines} questions: peak RSS {:.1} MiB", peak as f64 / 1024.0);

    let mut group = c.benchmark_group("process");
    group.sample_size(10);
    group.bench_function("callbot ask one question", |b| {
        b.iter(|| run(&callbot, &["ask", "他们谈了什么？"], b""))
    });
    group.bench_function("callbot start-up (empty input)", |b| {
        b.iter(|| run(&callbot, &["ask", "--json"], b""))
    });
    group.bench_function(format!("callbot {lines} questions"), |b| {
        b.iter(|| run(&callbot, &["ask", "--json"], batch.as_bytes()))
    });
    if let Some((python, script)) = baseline() {
        let script = script.to_str().expect("utf-8 path");
        let peak = run(&python, &[script], b"");
        eprintln!("baseline start-up: peak RSS {:.1} MiB", peak as f64 / 1024.0);
        group.bench_function("baseline one question", |b| {
            b.iter(|| run(&python, &[script], "他们谈了什么？\n".as_bytes()))
        });
        group.bench_function("baseline start-up (empty input)", |b| b.iter(|| run(&python, &[script], b"")));
        group.bench_function(format!("baseline {lines} questions"), |b| {
            b.iter(|| run(&python, &[script], batch.as_bytes()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
