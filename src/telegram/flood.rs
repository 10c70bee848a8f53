//! Per-user flood control: a user who sends many questions at once is slowed down,
//! others are not.
//!
//! A keyed GCRA limiter (`governor`): `burst` questions pass at once, then `per_second`;
//! a question over the rate waits its turn. Questions of one user are handled in order,
//! so a long backlog would keep that user waiting for minutes: a question whose turn would
//! come more than `MAX_WAIT` after it was sent is refused at once instead (the user is
//! told), and the backlog drains. `MAX_WAIT` equals the shutdown grace period, so a
//! question held back here is answered before a rolling restart ends, and a long poll
//! (which holds its offset at the oldest question in progress) is held at most that long. With Redis configured, the limit is kept there,
//! shared by every instance (see [`super::shared`]).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::shared::Shared;

/// How long after it was sent a question over the rate may still be answered; past that it
/// is refused.
pub const MAX_WAIT: Duration = super::SHUTDOWN_GRACE;
/// Past this many users, those whose limit has fully recovered are forgotten.
const FORGET_ABOVE: usize = 10_000;

/// Whether a question may be answered now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Yes; its turn is taken.
    Now,
    /// Not before this wait.
    Wait(Duration),
}

/// A rate limit per user, in this process or shared through Redis.
pub struct FloodGate<C: Clock = DefaultClock> {
    limiter: RateLimiter<u64, DefaultKeyedStateStore<u64>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    shared: Option<Shared>,
    burst: u32,
    per_second: f64,
}

impl std::fmt::Debug for FloodGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FloodGate")
            .field("burst", &self.burst)
            .field("per_second", &self.per_second)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

impl FloodGate {
    /// A gate that lets `burst` questions through at once and `per_second` after that,
    /// kept in this process, or in Redis when `shared` is given.
    pub fn new(burst: u32, per_second: f64, shared: Option<Shared>) -> Self {
        Self::with_clock(burst, per_second, shared, DefaultClock::default())
    }
}

impl<C: Clock + Clone> FloodGate<C> {
    fn with_clock(burst: u32, per_second: f64, shared: Option<Shared>, clock: C) -> Self {
        let per_second = if per_second.is_finite() { per_second.max(0.001) } else { 1.0 };
        let period = Duration::from_secs_f64(1.0 / per_second).max(Duration::from_nanos(1));
        let burst_size = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
        let limiter =
            RateLimiter::new(quota.allow_burst(burst_size), DefaultKeyedStateStore::default(), clock.clone());
        Self { limiter, clock, shared, burst: burst.max(1), per_second }
    }

    /// Whether the user's next question may be answered now; takes its turn if so.
    pub async fn admission(&self, user: u64) -> Admission {
        if let Some(shared) = &self.shared {
            match shared.flood_admission(user, self.burst, self.per_second).await {
                Ok(wait) if wait.is_zero() => return Admission::Now,
                Ok(wait) => return Admission::Wait(wait),
                Err(error) => log::warn!("shared flood control unavailable ({error}); using this instance's"),
            }
        }
        if self.limiter.len() > FORGET_ABOVE {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(&user) {
            Ok(()) => Admission::Now,
            Err(not_until) => Admission::Wait(not_until.wait_time_from(self.clock.now())),
        }
    }

    /// Waits until the user may be answered; false if the question is refused.
    /// `queued` is how long ago the question was sent.
    pub async fn admit(&self, user: u64, queued: Duration) -> bool {
        let mut waited = queued;
        loop {
            match self.admission(user).await {
                Admission::Now => return true,
                Admission::Wait(wait) if waited + wait > MAX_WAIT => {
                    log::info!("flood control: a question refused, its user sends too fast");
                    return false;
                }
                Admission::Wait(wait) => {
                    log::debug!("flood control: a question waits {wait:?}");
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn gate(burst: u32, per_second: f64) -> (FloodGate<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (FloodGate::with_clock(burst, per_second, None, clock.clone()), clock)
    }

    #[tokio::test]
    async fn a_burst_passes_then_questions_wait() {
        let (gate, _) = gate(3, 1.0);
        for _ in 0..3 {
            assert_eq!(gate.admission(1).await, Admission::Now);
        }
        assert_eq!(gate.admission(1).await, Admission::Wait(Duration::from_secs(1)));
    }

    #[tokio::test]
    async fn one_user_flooding_does_not_slow_another() {
        let (gate, _) = gate(2, 1.0);
        for _ in 0..20 {
            gate.admission(1).await;
        }
        assert_eq!(gate.admission(2).await, Admission::Now);
    }

    #[tokio::test]
    async fn a_question_over_the_rate_that_waited_too_long_is_refused() {
        let (gate, _) = gate(1, 1.0);
        assert!(gate.admit(1, Duration::ZERO).await);
        assert!(!gate.admit(1, MAX_WAIT).await);
    }

    #[tokio::test]
    async fn a_question_whose_turn_comes_too_late_is_refused_without_waiting() {
        let (gate, _) = gate(1, 0.1);
        assert!(gate.admit(1, Duration::ZERO).await);
        // The next turn is 10 s away, beyond MAX_WAIT: refused now (a wait would hang the
        // test, whose clock never moves).
        assert!(!gate.admit(1, Duration::ZERO).await);
    }

    #[tokio::test]
    async fn an_old_question_within_the_rate_is_answered() {
        let (gate, _) = gate(2, 1.0);
        assert!(gate.admit(1, Duration::from_secs(3600)).await);
    }

    #[tokio::test]
    async fn turns_come_back_with_time() {
        let (gate, clock) = gate(1, 2.0);
        assert_eq!(gate.admission(1).await, Admission::Now);
        assert!(matches!(gate.admission(1).await, Admission::Wait(_)));
        clock.advance(Duration::from_secs(5));
        assert_eq!(gate.admission(1).await, Admission::Now);
    }
}
