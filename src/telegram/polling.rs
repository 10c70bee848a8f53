//! Long polling that acknowledges to Telegram only the updates that were answered.
//!
//! Telegram forgets every update below the `offset` of a `getUpdates` call. teloxide's
//! stock `Polling` moves the offset past each update as soon as it hands it on, and sends
//! a last `getUpdates` when it stops, so a process that dies, or whose grace period runs
//! out, loses what it fetched and had not answered. Here:
//! - the offset sent is the lowest update still in progress (fetched, its reply not yet
//!   sent nor its failure logged), or one past the last fetched when none is; updates that
//!   come back because the offset was held back are skipped, not answered twice;
//! - but not for long: Telegram returns at most 100 updates past the offset, so one user's
//!   slow backlog (a flood whose replies Telegram's per-chat limit paces at one a second)
//!   would keep everyone else's updates from being fetched. An update that has held the
//!   offset back for [`HOLD_AT_MOST`] while more than [`HOLD_BACK`] newer ones were fetched
//!   is let go: acknowledged before it is answered. It is still answered, but a process that
//!   dies first loses it (the shutdown log counts such updates);
//! - a poll whose offset is held back comes back at once (Telegram has updates for it), so
//!   the next one waits until the offset can move on with room for new updates — half a
//!   batch — or [`RECHECK_EVERY`] passes: this adds at most [`RECHECK_EVERY`] to the wait
//!   of a new update that comes while an older one is still in progress, and a stuck reply
//!   costs at most one `getUpdates` per [`RECHECK_EVERY`];
//! - one user's updates are handled in order, one at a time, different users' at once
//!   (as teloxide's dispatcher does);
//! - on a stop signal, the poll in progress is dropped, the updates fetched get
//!   [`SHUTDOWN_GRACE`] to be answered, then a last `getUpdates` acknowledges everything
//!   below the first one left unanswered; those stay with Telegram for the next start.
//!
//! With Redis ([`Shared`]) each update is claimed before it is handled and marked done
//! after, as in webhook mode: an update answered by a process that was killed before it
//! could acknowledge it is not answered again by the next.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use teloxide::RequestError;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Me, UserId};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::metrics::METRICS;
use super::shared::{CLAIM_TTL, Claimed, Shared};
use super::{Arrived, BotState, Client, SHUTDOWN_GRACE, Stop};

/// The most a held-back poll waits before it looks for new updates (see the module's doc).
pub const RECHECK_EVERY: Duration = Duration::from_millis(250);
/// The longest wait before polling again after failed polls: after an outage the bot is
/// back within this long (teloxide's own strategy would wait up to 64 s).
const MAX_RETRY_DELAY: Duration = Duration::from_secs(8);
/// The most updates one `getUpdates` brings (Telegram's most).
const BATCH: u8 = 100;
/// How many updates fetched after one that is still in progress make it a candidate to be
/// let go: half a batch, so that a poll has room for as many new updates.
pub const HOLD_BACK: u32 = BATCH as u32 / 2;
/// How long an update in progress holds the offset back while [`HOLD_BACK`] newer ones
/// wait behind it.
pub const HOLD_AT_MOST: Duration = Duration::from_secs(1);

/// How the poller asks for updates.
#[derive(Debug, Clone)]
pub struct PollOptions {
    /// How long Telegram may hold a poll when there is nothing to send.
    pub timeout: Duration,
    /// The update kinds wanted.
    pub allowed_updates: Vec<AllowedUpdate>,
}

/// What the workers handling updates share.
struct Workers<R> {
    bot: R,
    me: Me,
    state: Arc<BotState>,
    handler: UpdateHandler<Box<dyn std::error::Error + Send + Sync>>,
    shared: Option<Shared>,
    queues: Queues,
    ledger: watch::Sender<Ledger>,
}

/// Polls until `stop`, handing each new update to its user's queue; then finishes what
/// was fetched within [`SHUTDOWN_GRACE`] and acknowledges what was answered. With
/// `shared`, updates answered already (by an earlier process) are skipped.
pub async fn poll<R: Client>(
    bot: R,
    me: Me,
    state: Arc<BotState>,
    shared: Option<Shared>,
    options: PollOptions,
    mut stop: Stop,
) {
    let workers = Arc::new(Workers {
        bot: bot.clone(),
        me,
        state,
        handler: super::schema::<R>(),
        shared,
        queues: Queues::default(),
        ledger: watch::Sender::new(Ledger::default()),
    });
    let mut running = JoinSet::new();
    let mut failures: u32 = 0;
    log::info!("callbot is polling for updates");
    loop {
        while running.try_join_next().is_some() {}
        workers.ledger.send_if_modified(|ledger| ledger.let_go_stale(Instant::now()));
        let request = next_request(&bot, &workers.ledger.borrow(), &options);
        let result = tokio::select! {
            result = request.send() => result,
            () = stop.wait() => break,
        };
        match result {
            Ok(updates) => {
                failures = 0;
                hand_on(&workers, &mut running, updates);
            }
            Err(error) => {
                let delay = retry_delay(&error, failures);
                failures = failures.saturating_add(1);
                log::warn!("polling failed: {error}; trying again in {delay:?}");
                tokio::select! {
                    () = tokio::time::sleep(delay) => continue,
                    () = stop.wait() => break,
                }
            }
        }
        tokio::select! {
            () = wait_for_room(&workers.ledger) => {}
            () = stop.wait() => break,
        }
    }
    log::info!("shutting down: stopped fetching, finishing replies in flight");
    let mut ledger = workers.ledger.subscribe();
    let finished = ledger.wait_for(|ledger| ledger.in_progress.is_empty());
    if tokio::time::timeout(SHUTDOWN_GRACE, finished).await.is_err() {
        let (left, let_go) = {
            let ledger = workers.ledger.borrow();
            (ledger.in_progress.len(), ledger.let_go())
        };
        log::warn!(
            "{left} update(s) still in flight {SHUTDOWN_GRACE:?} after the stop signal were given up; Telegram keeps {} for the next start, {let_go} were acknowledged already and are lost",
            left - let_go
        );
    }
    running.abort_all();
    let fetched_any = workers.ledger.borrow().next > 0;
    if fetched_any {
        let offset = workers.ledger.borrow().offset();
        acknowledge(&bot, offset).await;
    }
}

/// The next `getUpdates`: from the offset, waiting on Telegram's side only when nothing
/// is held back (Telegram answers at once when it has updates at or past the offset).
fn next_request<R: Client>(bot: &R, ledger: &Ledger, options: &PollOptions) -> R::GetUpdates {
    let timeout =
        if ledger.held() == 0 { u32::try_from(options.timeout.as_secs()).unwrap_or(u32::MAX) } else { 0 };
    bot.get_updates()
        .offset(as_offset(ledger.offset()))
        .limit(BATCH)
        .timeout(timeout)
        .allowed_updates(options.allowed_updates.clone())
}

/// Takes the new updates of a batch in hand and queues each for its user, starting the
/// user's worker when it has none.
fn hand_on<R: Client>(workers: &Arc<Workers<R>>, running: &mut JoinSet<()>, updates: Vec<Update>) {
    let fetched = Instant::now();
    for update in updates {
        let id = update.id.0;
        if !workers.ledger.send_if_modified(|ledger| ledger.take(id, fetched)) {
            log::debug!("update {id} is in progress or answered already");
            continue;
        }
        let user = update.from().map(|user| user.id);
        if workers.queues.push(user, update, fetched) {
            let workers = workers.clone();
            running.spawn(async move { workers.work(user).await });
        }
    }
}

/// After a poll: when updates are held back, waits until the offset moves on with room
/// for new ones, or [`RECHECK_EVERY`] passes.
async fn wait_for_room(ledger: &watch::Sender<Ledger>) {
    let floor = ledger.borrow().offset();
    if ledger.borrow().held() == 0 {
        return;
    }
    let mut ledger = ledger.subscribe();
    let room = ledger.wait_for(|ledger| ledger.worth_polling(floor));
    let _ = tokio::time::timeout(RECHECK_EVERY, room).await;
}

/// Tells Telegram to forget the updates below `offset`.
async fn acknowledge<R: Client>(bot: &R, offset: u32) {
    let request = bot.get_updates().offset(as_offset(offset)).limit(1).timeout(0);
    match request.send().await {
        Ok(_) => log::info!("updates below {offset} acknowledged"),
        Err(error) => log::warn!("could not acknowledge the updates answered: {error}"),
    }
}

/// How long to wait before polling again after `failures` failures in a row and `error`:
/// what Telegram asks for, or 1 s doubled with each failure up to [`MAX_RETRY_DELAY`].
fn retry_delay(error: &RequestError, failures: u32) -> Duration {
    match error {
        RequestError::RetryAfter(seconds) => seconds.duration(),
        _ => teloxide::backoff::exponential_backoff_strategy(failures).min(MAX_RETRY_DELAY),
    }
}

/// An update id as `getUpdates` takes it (ids stay far below `i32::MAX` in practice).
fn as_offset(id: u32) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

impl<R: Client> Workers<R> {
    /// Handles a user's queue until it is empty.
    async fn work(&self, user: Option<UserId>) {
        while let Some(Queued { update, fetched, ahead }) = self.queues.next(user) {
            let id = update.id.0;
            let kind = super::update_kind(&update);
            self.answer(update, Arrived { at: fetched, ahead }).await;
            self.ledger.send_modify(|ledger| ledger.finish(id));
            METRICS.latency.with_label_values(&[kind]).observe(fetched.elapsed().as_secs_f64());
        }
    }

    /// Handles an update unless Redis says it was answered already.
    async fn answer(&self, update: Update, arrived: Arrived) {
        let Some(shared) = &self.shared else {
            return self.handle(update, arrived).await;
        };
        let id = update.id.0;
        // A claim left by a process that died mid-reply expires within CLAIM_TTL and is
        // waited out (only one process polls at a time); one that lasts three times as
        // long is not waited for any more. Rather twice than never: when Redis cannot
        // say, the update is answered.
        match shared.claim_waiting(id, CLAIM_TTL * 3).await {
            Ok(Claimed::Taken(keeper)) => {
                self.handle(update, arrived).await;
                shared.finish(keeper, id).await;
            }
            Ok(Claimed::Done) => {
                log::debug!("update {id} was answered already");
                METRICS.duplicates.inc();
            }
            Ok(Claimed::Busy) => {
                log::warn!("update {id}: still claimed after {:?}; answering it", CLAIM_TTL * 3);
                self.handle(update, arrived).await;
            }
            Err(error) => {
                log::warn!("update {id}: Redis unavailable ({error}); answering it all the same");
                self.handle(update, arrived).await;
            }
        }
    }

    /// Runs the handler tree on one update.
    async fn handle(&self, update: Update, arrived: Arrived) {
        super::dispatch_update(&self.handler, &self.bot, &self.me, &self.state, update, arrived).await;
    }
}

/// The updates waiting, one queue per user (updates without a user share one); a queue
/// exists while its worker runs.
#[derive(Default)]
struct Queues {
    waiting: Mutex<HashMap<Option<UserId>, VecDeque<Queued>>>,
}

/// An update waiting in its user's queue, when it was fetched, and how many of the user's
/// updates were queued ahead of it.
struct Queued {
    update: Update,
    fetched: Instant,
    ahead: usize,
}

impl Queues {
    /// Queues a user's update; `true` when the user had no queue, so a worker must start.
    fn push(&self, key: Option<UserId>, update: Update, fetched: Instant) -> bool {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        match waiting.get_mut(&key) {
            Some(queue) => {
                let ahead = queue.len();
                queue.push_back(Queued { update, fetched, ahead });
                false
            }
            None => {
                waiting.insert(key, VecDeque::from([Queued { update, fetched, ahead: 0 }]));
                true
            }
        }
    }

    /// The next update of a user's queue, or `None` (and the queue is gone) when it is
    /// empty.
    fn next(&self, key: Option<UserId>) -> Option<Queued> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let next = waiting.get_mut(&key).and_then(VecDeque::pop_front);
        if next.is_none() {
            waiting.remove(&key);
        }
        next
    }
}

/// The updates fetched and not yet acknowledged to Telegram.
#[derive(Debug, Default)]
struct Ledger {
    /// Fetched, not yet answered, with when each was fetched.
    in_progress: BTreeMap<u32, Instant>,
    /// In progress, but no longer holding the offset back (see [`Ledger::let_go_stale`]).
    let_go: BTreeSet<u32>,
    /// Answered, but above the offset: Telegram sends them again until it passes them.
    answered: BTreeSet<u32>,
    /// One past the highest update fetched (0 before the first).
    next: u32,
}

impl Ledger {
    /// The offset to poll with: the first update in progress that holds it, or one past
    /// the last fetched when none does.
    fn offset(&self) -> u32 {
        self.in_progress.keys().find(|id| !self.let_go.contains(id)).copied().unwrap_or(self.next)
    }

    /// How many updates at or above the offset are known (in progress or answered): a
    /// poll brings back these before any new one.
    fn held(&self) -> usize {
        let offset = self.offset();
        self.in_progress.range(offset..).count() - self.let_go.range(offset..).count() + self.answered.len()
    }

    /// How many updates in progress are below the offset: acknowledged, not yet answered.
    fn let_go(&self) -> usize {
        self.let_go.len()
    }

    /// Takes an update fetched at `now` in hand; `false` when it was seen before
    /// (Telegram sends updates in order, so a new one is past all those fetched).
    fn take(&mut self, id: u32, now: Instant) -> bool {
        if id < self.next {
            return false;
        }
        self.next = id.saturating_add(1);
        self.in_progress.insert(id, now).is_none()
    }

    /// Marks an update answered.
    fn finish(&mut self, id: u32) {
        let held = !self.let_go.remove(&id);
        if self.in_progress.remove(&id).is_some() && held {
            self.answered.insert(id);
        }
        self.forget_answered();
    }

    /// Forgets the answered updates below the offset: Telegram does not send them again.
    fn forget_answered(&mut self) {
        let offset = self.offset();
        self.answered = self.answered.split_off(&offset);
    }

    /// Lets the offset pass the updates that have held it back for [`HOLD_AT_MOST`] while
    /// more than [`HOLD_BACK`] were fetched after them; `true` if it moved.
    fn let_go_stale(&mut self, now: Instant) -> bool {
        let before = self.offset();
        let newest_held = self.next.saturating_sub(HOLD_BACK);
        let stale: Vec<u32> = self
            .in_progress
            .range(..newest_held)
            .filter(|&(_, &fetched)| now.duration_since(fetched) >= HOLD_AT_MOST)
            .map(|(&id, _)| id)
            .collect();
        self.let_go.extend(stale);
        self.forget_answered();
        self.offset() != before
    }

    /// Whether a poll is worth making now, after one that left the offset at `floor`:
    /// nothing is held back, or the offset moved on and half a batch is free for new updates.
    fn worth_polling(&self, floor: u32) -> bool {
        self.held() == 0 || (self.offset() > floor && self.held() <= usize::from(BATCH / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_polls_back_off_up_to_a_bound_or_as_telegram_asks() {
        let network = RequestError::Io(std::io::Error::other("connection refused").into());
        assert_eq!(retry_delay(&network, 0), Duration::from_secs(1));
        assert_eq!(retry_delay(&network, 2), Duration::from_secs(4));
        assert_eq!(retry_delay(&network, 20), MAX_RETRY_DELAY);
        let asked = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(30));
        assert_eq!(retry_delay(&asked, 20), Duration::from_secs(30));
    }

    #[test]
    fn the_offset_stays_at_the_first_update_not_answered() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.offset(), 0);
        for id in 10..15 {
            assert!(ledger.take(id, Instant::now()));
        }
        assert_eq!(ledger.offset(), 10);
        ledger.finish(12);
        ledger.finish(11);
        assert_eq!(ledger.offset(), 10, "10 is still in progress");
        ledger.finish(10);
        assert_eq!(ledger.offset(), 13);
        assert_eq!(ledger.held(), 2, "13 and 14 are in progress; 10 to 12 are below the offset");
        ledger.finish(14);
        ledger.finish(13);
        assert_eq!(ledger.offset(), 15, "all answered: one past the last fetched");
        assert_eq!(ledger.held(), 0);
    }

    #[test]
    fn updates_sent_again_are_not_taken_twice() {
        let mut ledger = Ledger::default();
        let now = Instant::now();
        assert!(ledger.take(1, now) && ledger.take(2, now) && ledger.take(3, now));
        ledger.finish(2);
        // The offset is held at 1: Telegram sends 1, 2 and 3 again, and 4 is new.
        assert!(!ledger.take(1, now), "in progress");
        assert!(!ledger.take(2, now), "answered");
        assert!(!ledger.take(3, now), "in progress");
        assert!(ledger.take(4, now));
    }

    #[test]
    fn a_held_back_poll_waits_for_room_or_for_nothing_held() {
        let mut ledger = Ledger::default();
        for id in 1..=40 {
            ledger.take(id, Instant::now());
        }
        let floor = ledger.offset();
        for id in 2..=40 {
            ledger.finish(id);
        }
        assert!(!ledger.worth_polling(floor), "the offset has not moved: 1 is in progress");
        ledger.finish(1);
        assert!(ledger.worth_polling(floor), "the offset moved on");
        assert!(ledger.worth_polling(ledger.offset()), "nothing is held back");
    }

    #[test]
    fn an_update_that_held_the_offset_back_too_long_behind_half_a_batch_is_let_go() {
        let mut ledger = Ledger::default();
        let fetched = Instant::now();
        for id in 1..=100 {
            ledger.take(id, fetched);
        }
        assert!(!ledger.let_go_stale(fetched + HOLD_AT_MOST / 2), "not yet held long enough");
        assert_eq!(ledger.offset(), 1);
        assert!(ledger.let_go_stale(fetched + HOLD_AT_MOST));
        assert_eq!(ledger.offset(), 101 - HOLD_BACK, "1 to 50 are let go, still in progress");
        assert_eq!((ledger.let_go(), ledger.held()), (50, 50));
        ledger.finish(1);
        assert_eq!(ledger.offset(), 101 - HOLD_BACK, "an answer below the offset does not move it");
        assert_eq!(ledger.let_go(), 49);
        for id in 51..=100 {
            ledger.finish(id);
        }
        assert_eq!(ledger.offset(), 101, "nothing holds: one past the last fetched");
        assert_eq!(ledger.held(), 0);
        assert!(!ledger.take(2, fetched), "a let-go update is not taken twice");
        assert_eq!(ledger.in_progress.len(), 49, "the let-go updates are still being answered");
    }

    #[test]
    fn a_slow_update_with_few_behind_it_keeps_the_offset() {
        let mut ledger = Ledger::default();
        let fetched = Instant::now();
        for id in 1..=HOLD_BACK {
            ledger.take(id, fetched);
        }
        assert!(!ledger.let_go_stale(fetched + HOLD_AT_MOST * 10));
        assert_eq!(ledger.offset(), 1);
    }
}
