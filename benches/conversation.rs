//! Conversation speed.
//!
//! - A follow-up resolved and answered: the follow-up turns of `tests/data/dialogues.jsonl`,
//!   each with the context its dialogue's earlier turns left, through `Engine::converse`
//!   (target: median ≤ 40 µs), and the same with the context read from and written to the
//!   in-memory store.
//! - A context read and write through Redis on loopback (a `redis-server` started here on
//!   a free port): criterion's median, then the p50/p99 of 5,000 timed round trips
//!   (target: p99 ≤ 1 ms).
//!
//! Run with `cargo bench --bench conversation`.

use callbot_test_support::redis as redis_server;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use callbot::conversation::Context;
use callbot::engine::Engine;
use callbot::storage::{ContextStore, connect};
use criterion::{Criterion, criterion_group, criterion_main};

const NOW: u64 = 1_800_000_000;

/// Each follow-up turn of the project's dialogues with the context it is asked in.
fn follow_ups(engine: &Engine) -> Vec<(Context, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dialogues.jsonl");
    let text = std::fs::read_to_string(path).expect("dialogues readable");
    let mut pairs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let dialogue: serde_json::Value = serde_json::from_str(line).expect("a dialogue");
        let mut context: Option<Context> = None;
        for turn in dialogue["turns"].as_array().into_iter().flatten() {
            let question = turn["q"].as_str().unwrap_or_default().to_owned();
            if let Some(context) = &context {
                pairs.push((context.clone(), question.clone()));
            }
            context = engine.converse(context.as_ref(), &question, NOW).context.or(context);
        }
    }
    pairs
}

fn bench(c: &mut Criterion) {
    let engine = Engine::embedded().expect("knowledge loads");
    let pairs = follow_ups(&engine);
    let mut next = pairs.iter().cycle();
    c.bench_function("follow-up resolved and answered", |b| {
        b.iter(|| {
            let (context, question) = next.next().expect("pairs");
            black_box(engine.converse(Some(black_box(context)), black_box(question), NOW + 60))
        })
    });

    let mut next = pairs.iter().cycle();
    c.bench_function("the same messages asked on their own (reference)", |b| {
        b.iter(|| black_box(engine.ask(black_box(&next.next().expect("pairs").1))))
    });

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let memory = ContextStore::memory(Duration::from_secs(1800));
    let mut next = pairs.iter().cycle();
    c.bench_function("follow-up with the context read and written in memory", |b| {
        b.iter(|| {
            let (context, question) = next.next().expect("pairs");
            runtime.block_on(round(&engine, &memory, context, question))
        })
    });

    let redis = redis_server::RedisServer::start();
    let store = runtime.block_on(async {
        ContextStore::redis(connect(&redis.url()).expect("a URL"), Duration::from_secs(1800))
    });
    let (context, _) = pairs.first().expect("pairs").clone();
    runtime.block_on(read_write(&store, &context));
    c.bench_function("context read and write through Redis", |b| {
        b.iter(|| runtime.block_on(read_write(&store, &context)))
    });

    let mut times: Vec<Duration> = (0..5_000)
        .map(|_| {
            let started = Instant::now();
            runtime.block_on(read_write(&store, &context));
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    let at = |share: f64| times[((times.len() as f64 * share) as usize).min(times.len() - 1)];
    println!(
        "Redis (127.0.0.1:{}) read+write over 5000 round trips: p50 {:?}, p99 {:?}, max {:?}",
        redis.port(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// One user's context read and written back.
async fn read_write(store: &ContextStore, context: &Context) {
    let _ = store.load(-7, 42).await;
    store.save(-7, 42, Some(context.clone())).await;
}

/// A follow-up as the bot answers it: the context read, the turn answered, the context written.
async fn round(engine: &Engine, store: &ContextStore, context: &Context, question: &str) {
    // The read is timed; the context each follow-up is asked in is the pair's own.
    black_box(store.load(1, 1).await);
    let turn = engine.converse(Some(context), question, NOW + 60);
    store.save(1, 1, turn.context).await;
    black_box(turn.reply);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
