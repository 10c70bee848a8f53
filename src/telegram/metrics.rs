//! What the bot counts, served as Prometheus text on `GET /metrics` in webhook mode.
//!
//! One registry per process, filled as updates are handled and replies sent: updates by
//! kind, questions by outcome (answered, declined, clarified), how long handling an update
//! took, send errors by kind and retries.

use std::sync::LazyLock;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

/// The process's counters.
pub struct Metrics {
    registry: Registry,
    /// Updates received, by kind (`message`, `callback_query`, …).
    pub updates: IntCounterVec,
    /// Questions by outcome: `answered`, `declined`, `clarified`.
    pub outcomes: IntCounterVec,
    /// Seconds from receiving an update to its reply sent, by kind.
    pub latency: HistogramVec,
    /// Failed sends, by kind of error (`server`, `network`, `retry_after`, `markup`, …).
    pub send_errors: IntCounterVec,
    /// Sends tried again after an error.
    pub retries: IntCounter,
    /// Updates skipped because another instance already took them.
    pub duplicates: IntCounter,
    /// Updates answered unclaimed while Redis was unreachable.
    pub unclaimed: IntCounter,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new_custom(Some("callbot".to_owned()), None).expect("a valid prefix");
        let updates = IntCounterVec::new(Opts::new("updates_total", "Updates received, by kind"), &["kind"])
            .expect("valid metric");
        let outcomes = IntCounterVec::new(Opts::new("questions_total", "Questions by outcome"), &["outcome"])
            .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("reply_seconds", "Time from receiving an update to its reply sent").buckets(
                vec![0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0],
            ),
            &["kind"],
        )
        .expect("valid metric");
        let send_errors =
            IntCounterVec::new(Opts::new("send_errors_total", "Failed sends, by kind of error"), &["kind"])
                .expect("valid metric");
        let retries =
            IntCounter::new("send_retries_total", "Sends tried again after an error").expect("valid");
        let duplicates =
            IntCounter::new("duplicate_updates_total", "Updates another instance had already taken")
                .expect("valid metric");
        let unclaimed = IntCounter::new(
            "unclaimed_updates_total",
            "Updates answered without a claim while Redis was unreachable past its grace period",
        )
        .expect("valid metric");
        for collector in [
            Box::new(updates.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(outcomes.clone()),
            Box::new(latency.clone()),
            Box::new(send_errors.clone()),
            Box::new(retries.clone()),
            Box::new(duplicates.clone()),
            Box::new(unclaimed.clone()),
        ] {
            registry.register(collector).expect("each metric registered once");
        }
        Self { registry, updates, outcomes, latency, send_errors, retries, duplicates, unclaimed }
    }

    /// Everything counted so far, in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            log::warn!("cannot encode the metrics: {error}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
