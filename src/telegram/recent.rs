//! The updates a webhook instance without Redis has taken: in hand, or answered lately.
//!
//! Telegram sends an update again when its POST got no 2xx answer, for instance when the
//! connection carrying it dropped while the reply was already on its way. With Redis,
//! claims in [`super::shared`] keep such a redelivery from being answered twice; without,
//! this does the same within the process: a redelivery of an update in hand waits until
//! it is done, and one of an update answered is acknowledged without a second reply. The
//! last [`REMEMBERED`] answered updates are kept.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

/// How many answered updates are remembered.
pub const REMEMBERED: usize = 10_000;

/// What became of a claim on an update.
#[derive(Debug)]
pub enum Local<'a> {
    /// This request handles it; it is marked answered when the claim is finished.
    Taken(LocalClaim<'a>),
    /// It was answered already.
    Done,
    /// Another request still had it in hand when the wait ran out.
    Busy,
}

/// The updates in hand and those answered lately.
#[derive(Debug, Default)]
pub struct Recent {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// `true` once answered.
    updates: HashMap<u32, bool>,
    /// The answered ones, oldest first.
    answered: VecDeque<u32>,
}

/// A claim on an update in hand. Finish it once the reply went out or its failure was
/// logged; dropped unfinished (the handler panicked), the update is forgotten, so a
/// redelivery is answered.
#[derive(Debug)]
pub struct LocalClaim<'a> {
    recent: &'a Recent,
    id: u32,
    finished: bool,
}

impl Recent {
    /// Claims an update; while another request has it in hand, waits up to `patience`
    /// for that one to finish.
    pub async fn claim(&self, id: u32, patience: Duration) -> Local<'_> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            // Made before the look, so that a finish in between is not missed.
            let changed = self.changed.notified();
            {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                match state.updates.get(&id) {
                    None => {
                        state.updates.insert(id, false);
                        return Local::Taken(LocalClaim { recent: self, id, finished: false });
                    }
                    Some(true) => return Local::Done,
                    Some(false) => {}
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Local::Busy;
            }
        }
    }

    fn settle(&self, id: u32, answered: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if answered {
            state.updates.insert(id, true);
            state.answered.push_back(id);
            while state.answered.len() > REMEMBERED {
                if let Some(old) = state.answered.pop_front() {
                    state.updates.remove(&old);
                }
            }
        } else {
            state.updates.remove(&id);
        }
        drop(state);
        self.changed.notify_waiters();
    }
}

impl LocalClaim<'_> {
    /// Marks the update answered.
    pub fn finish(mut self) {
        self.finished = true;
        self.recent.settle(self.id, true);
    }
}

impl Drop for LocalClaim<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.recent.settle(self.id, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const PATIENCE: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn a_redelivery_of_an_update_in_hand_waits_and_is_then_done() {
        let recent = Arc::new(Recent::default());
        let Local::Taken(claim) = recent.claim(7, PATIENCE).await else { panic!("taken") };
        let waiting = {
            let recent = recent.clone();
            tokio::spawn(async move { matches!(recent.claim(7, PATIENCE).await, Local::Done) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "waits while the update is in hand");
        claim.finish();
        assert!(waiting.await.expect("the waiter"), "then it is done");
        assert!(matches!(recent.claim(7, PATIENCE).await, Local::Done));
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_is_busy() {
        let recent = Recent::default();
        let _claim = recent.claim(7, PATIENCE).await;
        assert!(matches!(recent.claim(7, Duration::from_millis(20)).await, Local::Busy));
    }

    #[tokio::test]
    async fn an_update_whose_handler_gave_up_is_taken_again() {
        let recent = Recent::default();
        drop(recent.claim(7, PATIENCE).await);
        assert!(matches!(recent.claim(7, PATIENCE).await, Local::Taken(_)));
    }

    #[tokio::test]
    async fn only_the_latest_answered_updates_are_remembered() {
        let recent = Recent::default();
        for id in 0..=u32::try_from(REMEMBERED).expect("fits") {
            let Local::Taken(claim) = recent.claim(id, PATIENCE).await else { panic!("taken") };
            claim.finish();
        }
        assert!(matches!(recent.claim(0, PATIENCE).await, Local::Taken(_)), "the oldest is forgotten");
        assert!(matches!(recent.claim(1, PATIENCE).await, Local::Done));
    }
}
