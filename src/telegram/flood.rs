//! Per-user flood control: a user who sends many questions at once is slowed down,
//! others are not.
//!
//! A token bucket per user: `burst` questions pass at once, then `per_second`; a
//! question over the rate waits its turn. Questions of one user are handled in order,
//! so a long backlog would keep that user waiting for minutes: a question over the rate
//! that has already waited `MAX_WAIT` since it was sent is refused at once instead (the
//! user is told), and the backlog drains.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a question over the rate may have waited before it is refused.
pub const MAX_WAIT: Duration = Duration::from_secs(20);
/// Buckets untouched this long are forgotten, so the map stays small.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Whether a question may be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// After this wait (zero: at once).
    After(Duration),
    /// Not at all: the user is sending too fast.
    Refused,
}

/// A token bucket per user.
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

impl FloodGate {
    /// A gate that lets `burst` questions through at once and `per_second` after that.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self { burst: f64::from(burst.max(1)), per_second: per_second.max(0.01), buckets: Mutex::default() }
    }

    /// Whether and when the user's next question may be answered; reserves its turn.
    /// `queued` is how long ago the question was sent.
    pub fn admission(&self, user: u64, now: Instant, queued: Duration) -> Admission {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < FORGET_AFTER);
        }
        let bucket = buckets.entry(user).or_insert(Bucket { tokens: self.burst, updated: now });
        let refilled = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.per_second;
        let tokens = (bucket.tokens + refilled).min(self.burst) - 1.0;
        if tokens < 0.0 && queued >= MAX_WAIT {
            return Admission::Refused;
        }
        *bucket = Bucket { tokens, updated: now };
        let wait =
            if tokens >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-tokens / self.per_second) };
        Admission::After(wait)
    }

    /// Waits until the user may be answered; false if the question is refused.
    pub async fn admit(&self, user: u64, queued: Duration) -> bool {
        match self.admission(user, Instant::now(), queued) {
            Admission::After(wait) => {
                if !wait.is_zero() {
                    log::debug!("flood control: a question waits {wait:?}");
                    tokio::time::sleep(wait).await;
                }
                true
            }
            Admission::Refused => {
                log::info!("flood control: a question refused, its user sends too fast");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(seconds: u64) -> Admission {
        Admission::After(Duration::from_secs(seconds))
    }

    #[test]
    fn a_burst_passes_then_questions_are_spaced() {
        let gate = FloodGate::new(3, 1.0);
        let now = Instant::now();
        let admissions: Vec<Admission> = (0..5).map(|_| gate.admission(1, now, Duration::ZERO)).collect();
        assert_eq!(admissions, [after(0), after(0), after(0), after(1), after(2)]);
    }

    #[test]
    fn one_user_flooding_does_not_slow_another() {
        let gate = FloodGate::new(2, 1.0);
        let now = Instant::now();
        for _ in 0..20 {
            gate.admission(1, now, Duration::ZERO);
        }
        assert_eq!(gate.admission(2, now, Duration::ZERO), after(0));
    }

    #[test]
    fn a_question_over_the_rate_that_waited_too_long_is_refused() {
        let gate = FloodGate::new(1, 1.0);
        let now = Instant::now();
        assert_eq!(gate.admission(1, now, Duration::ZERO), after(0));
        assert_eq!(gate.admission(1, now, MAX_WAIT), Admission::Refused);
        assert_eq!(gate.admission(1, now, Duration::from_secs(3)), after(1));
    }

    #[test]
    fn an_old_question_within_the_rate_is_answered() {
        let gate = FloodGate::new(2, 1.0);
        assert_eq!(gate.admission(1, Instant::now(), Duration::from_secs(3600)), after(0));
    }

    #[test]
    fn tokens_come_back_with_time() {
        let gate = FloodGate::new(1, 2.0);
        let now = Instant::now();
        assert_eq!(gate.admission(1, now, Duration::ZERO), after(0));
        assert!(gate.admission(1, now, Duration::ZERO) != after(0));
        assert_eq!(gate.admission(1, now + Duration::from_secs(5), Duration::ZERO), after(0));
    }
}
