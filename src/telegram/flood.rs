//! Per-user flood control: a user who sends many questions at once is slowed down,
//! others are not.
//!
//! A keyed GCRA limiter (`governor`): `burst` questions pass at once, then `per_second`;
//! a question over the rate waits its turn. Questions of one user are handled in order,
//! one at a time, so each waits behind the user's earlier ones (whose replies Telegram's
//! per-chat limit paces at one a second): that time in the queue counts. A question whose
//! turn would come more than `MAX_WAIT` after it arrived is refused at once instead, and
//! the backlog drains. `MAX_WAIT` equals the shutdown grace period, so a question held
//! back here is answered before a rolling restart ends.
//!
//! A refused user is told once per [`NOTICE_WINDOW`] in each chat; the other questions
//! refused in that window get no reply, so a flood cannot turn into a flood of notices.
//! With Redis configured, the limit and the notices are kept there, shared by every
//! instance (see [`super::shared`]).

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
/// A refused user gets at most one "too fast" notice per chat in this long.
pub const NOTICE_WINDOW: Duration = Duration::from_secs(30);
/// Past this many users (or user and chat pairs), those whose limit has fully recovered
/// are forgotten.
const FORGET_ABOVE: usize = 10_000;

type Limiter<K, C> = RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

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
    limiter: Limiter<u64, C>,
    notices: Limiter<(i64, u64), C>,
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
        let notice_quota =
            Quota::with_period(NOTICE_WINDOW).unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN));
        let notices = RateLimiter::new(notice_quota, DefaultKeyedStateStore::default(), clock.clone());
        Self { limiter, notices, clock, shared, burst: burst.max(1), per_second }
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

    /// Whether a question that arrived behind `ahead` of its user's questions is refused
    /// at once: more than the limit lets through within [`MAX_WAIT`] were ahead of it.
    pub fn backlog_full(&self, ahead: usize) -> bool {
        ahead as f64 > f64::from(self.burst) + MAX_WAIT.as_secs_f64() * self.per_second
    }

    /// Waits until the user may be answered; false if the question is refused.
    /// `queued` is how long the question has waited in this process, behind `ahead` of the
    /// same user's earlier questions: a question behind a full backlog
    /// ([`Self::backlog_full`]), or that waited longer than [`MAX_WAIT`], is refused even
    /// when the limit has recovered meanwhile.
    pub async fn admit(&self, user: u64, queued: Duration, ahead: usize) -> bool {
        if self.backlog_full(ahead) || queued > MAX_WAIT {
            log::info!(
                "flood control: a question refused, it waited {queued:?} behind {ahead} of its user's others"
            );
            return false;
        }
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

impl<C: Clock> FloodGate<C> {
    /// Whether a refused user should be told in this chat now: true at most once per
    /// [`NOTICE_WINDOW`] for each user and chat.
    pub async fn notice_due(&self, chat: i64, user: u64) -> bool {
        if let Some(shared) = &self.shared {
            match shared.notice_due(chat, user, NOTICE_WINDOW).await {
                Ok(due) => return due,
                Err(error) => log::warn!("shared flood notices unavailable ({error}); using this instance's"),
            }
        }
        if self.notices.len() > FORGET_ABOVE {
            self.notices.retain_recent();
        }
        self.notices.check_key(&(chat, user)).is_ok()
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
        assert!(gate.admit(1, Duration::ZERO, 0).await);
        assert!(!gate.admit(1, MAX_WAIT, 0).await);
    }

    #[tokio::test]
    async fn a_question_whose_turn_comes_too_late_is_refused_without_waiting() {
        let (gate, _) = gate(1, 0.1);
        assert!(gate.admit(1, Duration::ZERO, 0).await);
        // The next turn is 10 s away, beyond MAX_WAIT: refused now (a wait would hang the
        // test, whose clock never moves).
        assert!(!gate.admit(1, Duration::ZERO, 0).await);
    }

    #[tokio::test]
    async fn a_question_that_waited_behind_its_users_backlog_is_refused_though_the_limit_recovered() {
        let (gate, _) = gate(5, 1.0);
        assert!(gate.admit(1, MAX_WAIT, 0).await, "within the wait");
        assert!(!gate.admit(1, MAX_WAIT + Duration::from_millis(1), 0).await, "past it");
        assert!(gate.admit(2, Duration::ZERO, 0).await, "another user is not held up");
    }

    #[tokio::test]
    async fn a_question_behind_more_than_the_limit_passes_in_the_wait_is_refused_at_once() {
        // 3 at once, then 1 a second for the 5 s a question may wait: 8 ahead are the most.
        let (gate, _) = gate(3, 1.0);
        assert!(!gate.backlog_full(8));
        assert!(gate.backlog_full(9));
        assert!(!gate.admit(1, Duration::ZERO, 9).await);
        assert!(gate.admit(1, Duration::ZERO, 8).await);
    }

    #[tokio::test]
    async fn a_refused_user_is_told_once_a_window_in_each_chat() {
        let (gate, clock) = gate(1, 1.0);
        assert!(gate.notice_due(-100, 1).await);
        assert!(!gate.notice_due(-100, 1).await, "once a window");
        assert!(gate.notice_due(-200, 1).await, "in another chat");
        assert!(gate.notice_due(-100, 2).await, "another user");
        clock.advance(NOTICE_WINDOW);
        assert!(gate.notice_due(-100, 1).await, "the next window");
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
