//! What instances share through Redis (`storage.redis_url`): which updates were taken or
//! answered, each user's flood limit, and when a refused user was last told so.
//!
//! Telegram may deliver an update to a second instance (its first delivery timed out, or
//! the instance died). Each update is claimed with `SET NX` and a short expiry before it
//! is handled; the claim is renewed while the reply is on its way, and replaced by a
//! longer "done" mark once it was sent (or its failure logged). A claim left by an
//! instance that died expires within [`CLAIM_TTL`], and Telegram's next delivery is
//! answered by whoever takes it then.
//!
//! The flood limit is the same GCRA as the in-process one, computed by a Lua script on the
//! Redis server so that every instance sees the same turns.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// How long a claim lives without renewal: an instance that dies mid-update leaves it
/// to another within this long.
pub const CLAIM_TTL: Duration = Duration::from_secs(5);
/// How often a claim is renewed while its update is handled.
const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How long "answered" is remembered; Telegram keeps an update at most a day.
const DONE_TTL: Duration = Duration::from_secs(24 * 3600);

/// The GCRA: `KEYS[1]` the user's key, `ARGV[1]` the interval between turns in
/// microseconds, `ARGV[2]` the burst. Returns the wait in microseconds (0: go now).
const FLOOD_SCRIPT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - now - burst * interval
if wait > 0 then return wait end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
";

/// A connection to the Redis the instances share; cheap to clone.
#[derive(Clone)]
pub struct Shared {
    connection: ConnectionManager,
    flood: redis::Script,
    grace: Duration,
    /// Since when claims have failed, one after another (none: the last one worked).
    failing_since: Arc<Mutex<Option<Instant>>>,
}

/// What became of a claim on an update, after waiting out another instance's.
#[derive(Debug)]
pub enum Claimed {
    /// This instance handles it; the claim is renewed while the keeper lives.
    Taken(ClaimKeeper),
    /// It was answered already.
    Done,
    /// Another instance still held it when the wait ran out.
    Busy,
}

/// What one attempt to claim an update found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    Taken,
    Busy,
    Done,
}

impl Shared {
    /// Connects (lazily: the first request does) to the Redis at `url`, with
    /// [`crate::storage::connect`].
    ///
    /// # Errors
    /// If the URL is not a valid Redis URL.
    pub fn connect(url: &str) -> redis::RedisResult<Self> {
        Ok(Self::new(crate::storage::connect(url)?))
    }

    /// What instances share, on a connection already open (the one conversations use).
    pub fn new(connection: ConnectionManager) -> Self {
        Self {
            connection,
            flood: redis::Script::new(FLOOD_SCRIPT),
            grace: crate::config::DEFAULT_REDIS_GRACE,
            failing_since: Arc::default(),
        }
    }

    /// The same, answering unclaimed after Redis has been unreachable for `grace`.
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Whether Redis has been unreachable for longer than the grace period: every claim
    /// since the first failure within it failed.
    pub fn past_grace(&self) -> bool {
        let since = self.failing_since.lock().unwrap_or_else(PoisonError::into_inner);
        since.is_some_and(|since| since.elapsed() >= self.grace)
    }

    /// The grace period.
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Notes whether a request to Redis worked.
    fn note(&self, worked: bool) {
        let mut since = self.failing_since.lock().unwrap_or_else(PoisonError::into_inner);
        match (worked, *since) {
            (true, Some(_)) => {
                *since = None;
                log::info!("Redis answers again: updates are claimed again");
            }
            (false, None) => *since = Some(Instant::now()),
            _ => {}
        }
    }

    /// Whether Redis answers `PING`.
    pub async fn ping(&self) -> bool {
        let mut connection = self.connection.clone();
        redis::cmd("PING").query_async::<String>(&mut connection).await.is_ok()
    }

    /// Claims an update for this instance. While another instance holds it, waits up to
    /// `patience` for that one to finish, or for its claim to expire (it died), looking again
    /// every [`CLAIM_TTL`] / 50.
    ///
    /// # Errors
    /// If Redis cannot be reached.
    pub async fn claim_waiting(&self, update_id: u32, patience: Duration) -> redis::RedisResult<Claimed> {
        let started = Instant::now();
        loop {
            let claimed = self.claim(update_id).await;
            self.note(claimed.is_ok());
            match claimed? {
                Claim::Taken => return Ok(Claimed::Taken(self.keep_claim(update_id))),
                Claim::Done => return Ok(Claimed::Done),
                Claim::Busy if started.elapsed() < patience => tokio::time::sleep(CLAIM_TTL / 50).await,
                Claim::Busy => return Ok(Claimed::Busy),
            }
        }
    }

    /// Marks an update answered once its reply went out (or its failure was logged): the
    /// keeper's renewals stop first, since they would overwrite the mark. A failure is
    /// logged: the update may then be answered again after a redelivery.
    pub async fn finish(&self, keeper: ClaimKeeper, update_id: u32) {
        drop(keeper);
        if let Err(error) = self.done(update_id).await {
            log::warn!("update {update_id}: answered, but cannot mark it so: {error}");
        }
    }

    /// One attempt to claim an update.
    async fn claim(&self, update_id: u32) -> redis::RedisResult<Claim> {
        let mut connection = self.connection.clone();
        let key = update_key(update_id);
        let set: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg("working")
            .arg("NX")
            .arg("PX")
            .arg(millis(CLAIM_TTL))
            .query_async(&mut connection)
            .await?;
        if set.is_some() {
            return Ok(Claim::Taken);
        }
        let state: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut connection).await?;
        Ok(match state.as_deref() {
            Some("done") => Claim::Done,
            Some(_) => Claim::Busy,
            // The claim expired between the two requests: try again.
            None => Box::pin(self.claim(update_id)).await?,
        })
    }

    /// Keeps this instance's claim on an update alive until the returned guard is dropped.
    fn keep_claim(&self, update_id: u32) -> ClaimKeeper {
        let shared = self.clone();
        let task = tokio::spawn(async move {
            let mut connection = shared.connection.clone();
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                let renewed: redis::RedisResult<Option<String>> = redis::cmd("SET")
                    .arg(update_key(update_id))
                    .arg("working")
                    .arg("XX")
                    .arg("PX")
                    .arg(millis(CLAIM_TTL))
                    .query_async(&mut connection)
                    .await;
                if let Err(error) = renewed {
                    log::warn!("update {update_id}: cannot renew its claim: {error}");
                }
            }
        });
        ClaimKeeper(task)
    }

    /// Marks an update answered.
    async fn done(&self, update_id: u32) -> redis::RedisResult<()> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(update_key(update_id))
            .arg("done")
            .arg("PX")
            .arg(millis(DONE_TTL))
            .query_async::<()>(&mut connection)
            .await
    }

    /// How long the user must wait before the next question (zero: now; the turn is
    /// taken), under a limit of `burst` at once and `per_second` after.
    ///
    /// # Errors
    /// If Redis cannot be reached.
    pub async fn flood_admission(
        &self,
        user: u64,
        burst: u32,
        per_second: f64,
    ) -> redis::RedisResult<Duration> {
        let mut connection = self.connection.clone();
        let interval_us = (1_000_000.0 / per_second).round().max(1.0);
        let wait_us: i64 = self
            .flood
            .key(format!("callbot:flood:{user}"))
            .arg(interval_us)
            .arg(burst.max(1))
            .invoke_async(&mut connection)
            .await?;
        Ok(Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)))
    }

    /// Whether a refused user should be told in this chat now: true when no instance told
    /// them within `window` (the mark is set with `SET NX` and expires after `window`).
    ///
    /// # Errors
    /// If Redis cannot be reached.
    pub async fn notice_due(&self, chat: i64, user: u64, window: Duration) -> redis::RedisResult<bool> {
        let mut connection = self.connection.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(format!("callbot:notice:{chat}:{user}"))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(millis(window))
            .query_async(&mut connection)
            .await?;
        Ok(set.is_some())
    }
}

/// Renews a claim while it lives; dropping it stops the renewals.
#[derive(Debug)]
pub struct ClaimKeeper(tokio::task::JoinHandle<()>);

impl Drop for ClaimKeeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn update_key(update_id: u32) -> String {
    format!("callbot:update:{update_id}")
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
