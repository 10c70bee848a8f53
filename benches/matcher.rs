//! Matching speed: one question through the matcher (normalise, segment, analyse, BM25
//! look-up, full scoring of the candidates) and the whole reply, on the project's own
//! questions.
//!
//! Run with `cargo bench --bench matcher`. Criterion reports the median time per
//! iteration; each iteration matches one question, cycling through the set.

use std::hint::black_box;
use std::path::Path;

use callbot::engine::Engine;
use criterion::{Criterion, criterion_group, criterion_main};

fn questions() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/questions.jsonl");
    std::fs::read_to_string(path)
        .expect("question set readable")
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|item| item["q"].as_str().map(str::to_owned))
        .collect()
}

fn bench(c: &mut Criterion) {
    let engine = Engine::embedded().expect("knowledge loads");
    let questions = questions();
    let mut next = questions.iter().cycle();
    c.bench_function("match one question", |b| {
        b.iter(|| black_box(engine.matcher().find(black_box(next.next().map_or("", String::as_str)))))
    });
    let mut next = questions.iter().cycle();
    c.bench_function("match and build the reply", |b| {
        b.iter(|| black_box(engine.ask(black_box(next.next().map_or("", String::as_str)))))
    });
    c.bench_function("load knowledge and build the matcher", |b| {
        b.iter(|| black_box(Engine::embedded().expect("loads")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
