//! The editor's loop: `callbot review` on 10,000 logged questions (read the JSON Lines
//! log, group it), and a reload of the knowledge (read, validate, build the matcher,
//! swap it in).
//!
//! Run with `cargo bench --bench review`. The log is made of the knowledge's own phrasings
//! as the matcher sees them, repeated with varied scores, so the grouping meets realistic
//! words and entries.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use callbot::engine::{Engine, Location, Reloader, SharedEngine};
use callbot::review::{self, Record, Scored, Why};
use criterion::{Criterion, criterion_group, criterion_main};

const LOGGED: usize = 10_000;

/// A log of `LOGGED` records: the questions' real words and candidates, with scores
/// spread so that some are near an entry and some are not.
fn write_log(engine: &Engine, path: &Path) {
    let questions: Vec<&String> = engine.knowledge().entries.iter().flat_map(|e| &e.questions).collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create log"));
    for i in 0..LOGGED {
        let question = &questions[i % questions.len()];
        let found = engine.matcher().find(question);
        let spread = (i % 7) as f64 / 10.0;
        let record = Record {
            time: "2025-03-19T08:00:00Z".to_owned(),
            chat: "private".to_owned(),
            question: format!("{question}{}", i % 13),
            words: found.words.clone(),
            best: found
                .candidates
                .iter()
                .map(|c| Scored {
                    entry: engine.knowledge().entries[c.entry].id.clone(),
                    score: c.score * spread,
                })
                .collect(),
            why: Why::NoMatch,
        };
        serde_json::to_writer(&mut file, &record).expect("write");
        writeln!(file).expect("write");
    }
}

fn bench(c: &mut Criterion) {
    let engine = Engine::embedded().expect("knowledge loads");
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("review.jsonl");
    write_log(&engine, &log);
    c.bench_function("review 10,000 logged questions (read and group)", |b| {
        b.iter(|| black_box(review::group(&review::read(&log).expect("reads"), 0.25)))
    });
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let reloader = Reloader::new(SharedEngine::new(Arc::new(engine)), Location::Flag(knowledge));
    c.bench_function("reload the knowledge", |b| b.iter(|| black_box(reloader.reload().expect("valid"))));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
