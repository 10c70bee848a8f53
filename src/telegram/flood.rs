//! Per-user flood control: a user who sends many questions at once is slowed down,
//! others are not. Nothing is dropped: a flooding user's questions wait their turn.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket per user: `burst` questions at once, then `per_second`.
#[derive(Debug)]
pub struct FloodGate {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<u64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets untouched this long are forgotten, so the map does not grow without bound.
const FORGET_AFTER: Duration = Duration::from_secs(600);

impl FloodGate {
    /// A gate that lets `burst` questions through at once and `per_second` after that.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self { burst: f64::from(burst.max(1)), per_second: per_second.max(0.01), buckets: Mutex::default() }
    }

    /// How long the user's next question must wait; reserves its turn.
    pub fn delay(&self, user: u64, now: Instant) -> Duration {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < FORGET_AFTER);
        }
        let bucket = buckets.entry(user).or_insert(Bucket { tokens: self.burst, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst) - 1.0;
        bucket.updated = now;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / self.per_second)
        }
    }

    /// Waits until the user may be answered.
    pub async fn admit(&self, user: u64) {
        let delay = self.delay(user, Instant::now());
        if !delay.is_zero() {
            log::debug!("flood control: user delayed by {delay:?}");
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_questions_are_spaced() {
        let gate = FloodGate::new(3, 1.0);
        let now = Instant::now();
        let delays: Vec<Duration> = (0..5).map(|_| gate.delay(1, now)).collect();
        assert_eq!(&delays[..3], &[Duration::ZERO; 3]);
        assert_eq!(delays[3], Duration::from_secs(1));
        assert_eq!(delays[4], Duration::from_secs(2));
    }

    #[test]
    fn one_user_flooding_does_not_slow_another() {
        let gate = FloodGate::new(2, 1.0);
        let now = Instant::now();
        for _ in 0..20 {
            gate.delay(1, now);
        }
        assert_eq!(gate.delay(2, now), Duration::ZERO);
    }

    #[test]
    fn tokens_come_back_with_time() {
        let gate = FloodGate::new(1, 2.0);
        let now = Instant::now();
        assert_eq!(gate.delay(1, now), Duration::ZERO);
        assert!(gate.delay(1, now) > Duration::ZERO);
        assert_eq!(gate.delay(1, now + Duration::from_secs(5)), Duration::ZERO);
    }
}
